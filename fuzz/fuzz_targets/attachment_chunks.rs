#![no_main]
//! Fuzz target `attachment_chunks`: see fuzz_attachment_chunks in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_attachment_chunks(data));
