#![no_main]
//! Fuzz target `sealed_contact`: see fuzz_sealed_contact in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_sealed_contact(data));
