#![no_main]
//! Fuzz target `prekey_bundle`: see fuzz_prekey_bundle in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_prekey_bundle(data));
