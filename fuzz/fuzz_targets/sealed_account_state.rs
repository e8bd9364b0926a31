#![no_main]
//! Fuzz target `sealed_account_state`: see fuzz_sealed_account_state in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_sealed_account_state(data));
