#![no_main]
//! Fuzz target `group_conversation`: see fuzz_group_conversation in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_group_conversation(data));
