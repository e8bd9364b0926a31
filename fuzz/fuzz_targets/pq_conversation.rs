#![no_main]
//! Fuzz target `pq_conversation`: see fuzz_pq_conversation in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_pq_conversation(data));
