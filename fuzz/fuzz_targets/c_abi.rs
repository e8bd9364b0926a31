#![no_main]
//! Fuzz target `c_abi`: the parsing entry points of the C ABI
//! (bindings/c), compiled into this binary from their source. Every call on
//! fuzzer bytes must return the same status code as the core function it
//! wraps (never `SOTTO_ERR_PANIC`), produce the same output, and leave no
//! handle or buffer behind.
//!
//! The C crate builds only as `staticlib`/`cdylib`, which a Rust crate
//! cannot depend on; fuzz/build.rs turns its lib.rs into this binary's crate
//! root (its modules keep their `crate::` paths), so the same code is fuzzed
//! without linking a second Rust standard library.
#![allow(non_camel_case_types, dead_code)]

extern crate sotto as sotto_core;

include!(concat!(env!("OUT_DIR"), "/c_lib.rs"));

include!("../common/harness.rs");

fn code<T>(result: &Result<T, Error>) -> i32 {
    match result {
        Ok(_) => SOTTO_OK,
        Err(error) => error.code() as i32,
    }
}

/// Copies a returned buffer out and frees it.
fn take(mut buffer: sotto_buffer) -> Vec<u8> {
    let bytes = if buffer.ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: a buffer returned by the C ABI holds `len` readable bytes
        // until `sotto_buffer_free`.
        unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec()
    };
    // SAFETY: `buffer` was filled by the C ABI and is freed once.
    assert_eq!(unsafe { sotto_buffer_free(&mut buffer) }, SOTTO_OK);
    bytes
}

fn empty() -> sotto_buffer {
    sotto_buffer {
        ptr: std::ptr::null_mut(),
        len: 0,
    }
}

fn bob_safety() -> &'static SafetyNumber {
    static SAFETY: OnceLock<SafetyNumber> = OnceLock::new();
    SAFETY.get_or_init(|| fixture().bob.safety_number())
}

fn c_abi(data: &[u8]) {
    let fx = fixture();
    let handles = sotto_live_handle_count();
    let buffers = sotto_live_buffer_count();
    let (ptr, len) = (data.as_ptr(), data.len());
    let statuses;
    // SAFETY: every pointer passed below is valid for the length given with
    // it, and every out-pointer is a live local.
    unsafe {
        let mut kind = 0i32;
        let status = sotto_message_type(ptr, len, &mut kind);
        let core = sotto::message_type(data);
        let mut id = [0u8; 32];
        let status_id = sotto_prekey_message_session_id(ptr, len, id.as_mut_ptr(), id.len());
        let prekey = PrekeyMessage::from_bytes(data);
        let mut identity = empty();
        let status_bundle = sotto_bundle_identity(ptr, len, &mut identity);
        let bundle = PrekeyBundle::from_bytes(data);
        let mut account = std::ptr::null_mut();
        let status_account = sotto_account_unseal(STORAGE_KEY.as_ptr(), 32, ptr, len, &mut account);
        let core_account = Account::unseal(&storage_key(), data);
        let mut session = std::ptr::null_mut();
        let status_session = sotto_session_unseal(STORAGE_KEY.as_ptr(), 32, ptr, len, &mut session);
        let core_session = Session::unseal(&storage_key(), data);

        // Bob's fixture session as a C handle: decrypt and scan a QR code.
        let sealed_bob = fx
            .bob
            .seal(&storage_key(), &mut ChaCha20Rng::seed_from_u64(3))
            .unwrap();
        let mut bob = std::ptr::null_mut();
        assert_eq!(
            sotto_session_unseal(
                STORAGE_KEY.as_ptr(),
                32,
                sealed_bob.as_ptr(),
                sealed_bob.len(),
                &mut bob
            ),
            SOTTO_OK
        );
        let mut plaintext = empty();
        let status_decrypt = sotto_session_decrypt(bob, ptr, len, &mut plaintext);
        let core_decrypt = fx.bob.fork().decrypt(data);
        // Safety numbers cost 2 x 5200 SHA-512: only QR-sized inputs (the
        // only ones that reach the comparison) and tiny ones go through it.
        let mut matches = false;
        let (status_qr, core_qr) = if len == 66 || len < 3 {
            (
                sotto_session_safety_qr_matches(bob, ptr, len, &mut matches),
                bob_safety().matches_qr(data),
            )
        } else {
            (SOTTO_OK, Ok(false))
        };

        statuses = [
            status,
            status_id,
            status_bundle,
            status_account,
            status_session,
            status_decrypt,
            status_qr,
        ];
        if data.is_empty() {
            assert!(
                statuses.iter().all(|&s| s == SOTTO_ERR_ZERO_LENGTH),
                "{statuses:?}"
            );
            assert_eq!(core, Err(Error::Truncated));
        } else {
            assert_eq!(status, code(&core));
            if let Ok(kind_core) = core {
                let expected = match kind_core {
                    MessageType::Prekey => SOTTO_MESSAGE_PREKEY,
                    MessageType::Normal => SOTTO_MESSAGE_NORMAL,
                };
                assert_eq!(kind, expected);
            }
            assert_eq!(status_id, code(&prekey));
            if let Ok(prekey) = &prekey {
                assert_eq!(&id, prekey.session_id().as_bytes());
            }
            assert_eq!(status_bundle, code(&bundle));
            assert_eq!(status_account, code(&core_account));
            assert_eq!(status_session, code(&core_session));
            if let Ok(core_session) = &core_session {
                let mut id = [0u8; 32];
                assert_eq!(sotto_session_id(session, id.as_mut_ptr(), 32), SOTTO_OK);
                assert_eq!(&id, core_session.id().as_bytes());
            }
            assert_eq!(status_decrypt, code(&core_decrypt));
            assert_eq!(status_qr, code(&core_qr));
            if let Ok(expected) = core_qr {
                assert_eq!(matches, expected);
            }
        }
        let identity = take(identity);
        if let Ok(bundle) = &bundle {
            assert_eq!(identity, bundle.identity().to_bytes());
        }
        let plaintext = take(plaintext);
        if let Ok(expected) = &core_decrypt {
            assert_eq!(&plaintext, expected);
        }
        if !account.is_null() {
            assert_eq!(sotto_account_free(account), SOTTO_OK);
        }
        if !session.is_null() {
            assert_eq!(sotto_session_free(session), SOTTO_OK);
        }
        assert_eq!(sotto_session_free(bob), SOTTO_OK);
    }
    assert!(!statuses.contains(&SOTTO_ERR_PANIC), "{statuses:?}");
    assert_eq!(sotto_live_handle_count(), handles, "handle leaked");
    assert_eq!(sotto_live_buffer_count(), buffers, "buffer leaked");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| c_abi(data));
