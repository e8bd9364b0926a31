#![no_main]
//! Fuzz target `conversation`: see fuzz_conversation in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_conversation(data));
