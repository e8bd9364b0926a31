#![no_main]
//! Fuzz target `prekey_message`: see fuzz_prekey_message in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_prekey_message(data));
