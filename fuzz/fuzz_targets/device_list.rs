#![no_main]
//! Fuzz target `device_list`: see fuzz_device_list in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_device_list(data));
