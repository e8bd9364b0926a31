#![no_main]
//! Fuzz target `group_distribution`: see fuzz_group_distribution in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_group_distribution(data));
