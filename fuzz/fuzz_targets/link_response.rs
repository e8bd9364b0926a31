#![no_main]
//! Fuzz target `link_response`: see fuzz_link_response in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_link_response(data));
