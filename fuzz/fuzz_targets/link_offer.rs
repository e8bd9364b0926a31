#![no_main]
//! Fuzz target `link_offer`: see fuzz_link_offer in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_link_offer(data));
