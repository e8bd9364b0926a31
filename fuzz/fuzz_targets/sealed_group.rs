#![no_main]
//! Fuzz target `sealed_group`: see fuzz_sealed_group in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_sealed_group(data));
