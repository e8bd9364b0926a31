#![no_main]
//! Fuzz target `prekey_parts`: see fuzz_prekey_parts in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_prekey_parts(data));
