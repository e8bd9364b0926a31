#![no_main]
//! Fuzz target `device_certificate`: see fuzz_device_certificate in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_device_certificate(data));
