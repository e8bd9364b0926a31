#![no_main]
//! Fuzz target `sealed_user_identity`: see fuzz_sealed_user_identity in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_sealed_user_identity(data));
