#![no_main]
//! Fuzz target `attachment_descriptor`: see fuzz_attachment_descriptor in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_attachment_descriptor(data));
