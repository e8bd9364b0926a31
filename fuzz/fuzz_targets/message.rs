#![no_main]
//! Fuzz target `message`: see fuzz_message in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_message(data));
