#![no_main]
//! Fuzz target `pq_message`: see fuzz_pq_message in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_pq_message(data));
