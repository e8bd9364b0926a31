#![no_main]
//! Fuzz target `qr_payload`: see fuzz_qr_payload in fuzz/common/harness.rs.

include!("../common/harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_qr_payload(data));
