#![no_main]
//! Fuzz target `identity_key`: see fuzz_identity_key in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_identity_key(data));
