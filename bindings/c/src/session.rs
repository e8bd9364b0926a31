//! Sessions, messages and safety numbers.

use crate::buffer::{
    OutArray, OutBuffer, OutHandle, OutValue, array_in, bytes_in, bytes_in_maybe_empty, token,
};
use crate::handles::sotto_rng;
use crate::handles::{
    Kind, Object, free, guard, register, sotto_account, sotto_session, with_account, with_session,
};
use crate::rng::with_rng;
use crate::status::{SOTTO_ERR_INVALID_ARGUMENT, core_code};
use crate::{
    SOTTO_MESSAGE_NORMAL, SOTTO_MESSAGE_PREKEY, SOTTO_PADDING_NONE, SOTTO_PADDING_PADME,
    SOTTO_SAFETY_NUMBER_SIZE, SOTTO_SESSION_ID_LEN, SOTTO_STORAGE_KEY_LEN, sotto_buffer,
};
use core::ffi::c_char;
use sotto_core::{
    MessageType, Padding, PrekeyBundle, PrekeyMessage, Session, SessionContext, StorageKey,
    message_type,
};
use std::sync::Mutex;
use zeroize::Zeroize;

/// Reads the storage key argument and wipes the temporary copy.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes.
unsafe fn storage_key(key: *const u8, key_len: usize) -> Result<StorageKey, i32> {
    // SAFETY: forwarded from the caller.
    let mut bytes = unsafe { array_in::<SOTTO_STORAGE_KEY_LEN>(key, key_len) }?;
    let key = StorageKey::from_bytes(bytes);
    bytes.zeroize();
    Ok(key)
}

/// Starts a session with the owner of a prekey bundle (received from the
/// server). Every signature in the bundle is verified first. The session can
/// encrypt at once; its messages are prekey messages until the first reply.
///
/// `local_id`/`remote_id` are the application's stable identifiers of this
/// device and of the peer (1 to `SOTTO_MAX_CONTEXT_ID_LEN` bytes each); the
/// peer must pass the same pair from its side to `sotto_session_accept`,
/// otherwise the first message fails to decrypt. The account is only read.
///
/// On success `*out` receives a new session handle owned by the caller (free
/// it with `sotto_session_free`); on error `*out` is NULL.
///
/// Errors: bundle decoding errors, `SOTTO_ERR_BAD_SIGNATURE`,
/// `SOTTO_ERR_INVALID_KEY`, `SOTTO_ERR_NON_CONTRIBUTORY`,
/// `SOTTO_ERR_INVALID_ARGUMENT` (id over 1024 bytes),
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, handle errors.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// Each of `bundle`, `local_id`, `remote_id` is NULL or readable for its
/// length; `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_initiate(
    account: *const sotto_account,
    bundle: *const u8,
    bundle_len: usize,
    local_id: *const u8,
    local_id_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    rng: *const sotto_rng,
    out: *mut *mut sotto_session,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out) }?;
        // SAFETY: per this function's contract.
        let bundle = unsafe { bytes_in(bundle, bundle_len) }?;
        // SAFETY: per this function's contract.
        let local_id = unsafe { bytes_in(local_id, local_id_len) }?;
        // SAFETY: per this function's contract.
        let remote_id = unsafe { bytes_in(remote_id, remote_id_len) }?;
        let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
        let context = SessionContext::new(local_id, remote_id);
        let session = with_rng(rng, |rng| {
            with_account(token(account), |account| {
                Session::initiate(account, &bundle, &context, rng).map_err(core_code)
            })
        })?;
        out.set(register(Object::Session(Mutex::new(session))));
        Ok(())
    })
}

/// Creates a session from a peer's first prekey message and decrypts it
/// (check `sotto_message_type` and `sotto_prekey_message_session_id` first:
/// a prekey message of a session that already exists goes to
/// `sotto_session_decrypt`).
///
/// The account changes only on success (the one-time prekeys used are
/// deleted and the message can never create a second session): seal the
/// account and the new session together afterwards.
///
/// On success `*session_out` receives a new session handle and `*plaintext_out`
/// a new buffer with the first message, both owned by the caller (free them
/// with `sotto_session_free` and `sotto_buffer_free`); on error they are NULL
/// and empty.
///
/// Errors: decoding errors, `SOTTO_ERR_WRONG_OBJECT_TYPE` (not a prekey
/// message), `SOTTO_ERR_UNKNOWN_PREKEY`, `SOTTO_ERR_DUPLICATE_MESSAGE`
/// (already accepted), `SOTTO_ERR_DECRYPTION_FAILED` (tampered, for another
/// account, or mismatched ids), `SOTTO_ERR_INVALID_ARGUMENT`,
/// `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`, handle errors.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// Each of `message`, `local_id`, `remote_id` is NULL or readable for its
/// length; `session_out` is NULL or valid for writing a pointer;
/// `plaintext_out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_accept(
    account: *mut sotto_account,
    message: *const u8,
    message_len: usize,
    local_id: *const u8,
    local_id_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    session_out: *mut *mut sotto_session,
    plaintext_out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let session_out = unsafe { OutHandle::new(session_out) }?;
        // SAFETY: per this function's contract.
        let plaintext_out = unsafe { OutBuffer::new(plaintext_out) }?;
        // SAFETY: per this function's contract.
        let message = unsafe { bytes_in(message, message_len) }?;
        // SAFETY: per this function's contract.
        let local_id = unsafe { bytes_in(local_id, local_id_len) }?;
        // SAFETY: per this function's contract.
        let remote_id = unsafe { bytes_in(remote_id, remote_id_len) }?;
        let context = SessionContext::new(local_id, remote_id);
        let (session, plaintext) = with_account(token(account), |account| {
            Session::accept(account, message, &context).map_err(core_code)
        })?;
        session_out.set(register(Object::Session(Mutex::new(session))));
        plaintext_out.set(plaintext);
        Ok(())
    })
}

/// Frees a session, zeroizing its keys. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Thread safety: any thread; a call already
/// using the session on another thread completes first on its own reference.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_session_free(session: *mut sotto_session) -> i32 {
    guard(|| free(token(session), Kind::Session))
}

/// Encrypts a plaintext of 0 to `SOTTO_MAX_PLAINTEXT_LEN` bytes (an empty
/// plaintext may be passed as NULL with length 0). The session changes:
/// seal it before sending the message.
///
/// On success `*out` holds the message, a new buffer owned by the caller
/// (free it with `sotto_buffer_free`); on error it is empty.
///
/// Errors: `SOTTO_ERR_TOO_LARGE`, `SOTTO_ERR_RANDOMNESS`,
/// `SOTTO_ERR_LIMIT_EXCEEDED`, `SOTTO_ERR_NULL_POINTER`, handle errors.
/// Thread safety: any thread; calls on one session are serialized.
///
/// # Safety
/// `plaintext` is NULL or readable for `plaintext_len` bytes; `out` is NULL
/// or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_encrypt(
    session: *mut sotto_session,
    plaintext: *const u8,
    plaintext_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        // SAFETY: per this function's contract.
        let plaintext = unsafe { bytes_in_maybe_empty(plaintext, plaintext_len) }?;
        let message = with_rng(rng, |rng| {
            with_session(token(session), |session| {
                session.encrypt(plaintext, rng).map_err(core_code)
            })
        })?;
        out.set(message);
        Ok(())
    })
}

/// Sets how outgoing messages are padded: `SOTTO_PADDING_PADME` (the
/// default) or `SOTTO_PADDING_NONE`. Incoming messages are unpadded whatever
/// the sender chose. The setting is part of the sealed session.
///
/// Errors: `SOTTO_ERR_INVALID_ARGUMENT` for another value, handle errors.
/// Ownership: allocates nothing; the session is borrowed for the call only.
/// Thread safety: any thread; calls on one session are serialized.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_session_set_padding(session: *mut sotto_session, padding: i32) -> i32 {
    guard(|| {
        let padding = match padding {
            SOTTO_PADDING_PADME => Padding::Padme,
            SOTTO_PADDING_NONE => Padding::None,
            _ => return Err(SOTTO_ERR_INVALID_ARGUMENT),
        };
        with_session(token(session), |session| {
            session.set_padding(padding);
            Ok(())
        })
    })
}

/// Decrypts a message of this session (a normal message, or a repeated
/// prekey message of this session). Messages may arrive out of order.
///
/// Transactional: on any error the session is left exactly as it was, so a
/// forged, corrupted or replayed message cannot disturb the conversation.
/// On success the session changes: seal it.
///
/// On success `*out` holds the plaintext in a new buffer owned by the caller
/// (free it with `sotto_buffer_free`, which wipes it; an empty plaintext is
/// `{NULL, 0}`); on error it is empty.
///
/// Errors: `SOTTO_ERR_DECRYPTION_FAILED` (tampered or not for this
/// session), `SOTTO_ERR_DUPLICATE_MESSAGE` (replayed),
/// `SOTTO_ERR_TOO_FAR_AHEAD`, `SOTTO_ERR_SESSION_MISMATCH`, decoding
/// errors, `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`, handle errors.
/// Thread safety: any thread; calls on one session are serialized.
///
/// # Safety
/// `message` is NULL or readable for `message_len` bytes; `out` is NULL or
/// valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_decrypt(
    session: *mut sotto_session,
    message: *const u8,
    message_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        // SAFETY: per this function's contract.
        let message = unsafe { bytes_in(message, message_len) }?;
        let plaintext = with_session(token(session), |session| {
            session.decrypt(message).map_err(core_code)
        })?;
        out.set(plaintext);
        Ok(())
    })
}

/// Writes the session's 32-byte id (equal on both sides) to `out`, which
/// holds at least `SOTTO_SESSION_ID_LEN` bytes.
///
/// Errors: `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`, handle
/// errors. Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array; the session
/// is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_id(
    session: *const sotto_session,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutArray::new(out, out_len, SOTTO_SESSION_ID_LEN) }?;
        let id = with_session(token(session), |session| Ok(*session.id().as_bytes()))?;
        out.set(&id)
    })
}

/// Whether the initiator is still waiting for the peer's first reply (and
/// so still sends prekey messages). Stores the answer in `*out`.
///
/// Errors: `SOTTO_ERR_NULL_POINTER`, handle errors. Thread safety: any thread.
///
/// Ownership: allocates nothing; the session is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_awaiting_reply(
    session: *const sotto_session,
    out: *mut bool,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutValue::new(out, false) }?;
        out.set(with_session(token(session), |session| {
            Ok(session.awaiting_reply())
        })?);
        Ok(())
    })
}

/// The peer's identity record (`SOTTO_IDENTITY_LEN` bytes).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_remote_identity(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        let bytes = with_session(token(session), |session| {
            Ok(session.remote_identity().to_bytes())
        })?;
        out.set(bytes);
        Ok(())
    })
}

/// Writes the 60-digit safety number (identical on both sides) as a
/// NUL-terminated ASCII string into `out`, which holds at least
/// `SOTTO_SAFETY_NUMBER_SIZE` (61) bytes. Users compare it out of band to
/// detect a man in the middle. Costs about 10 400 SHA-512 computations.
///
/// Errors: `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`, handle
/// errors. Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array; the session
/// is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_number(
    session: *const sotto_session,
    out: *mut c_char,
    out_len: usize,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract (`c_char` and `u8` have the
        // same size and alignment).
        let out = unsafe { OutArray::new(out.cast::<u8>(), out_len, SOTTO_SAFETY_NUMBER_SIZE) }?;
        let digits = with_session(token(session), |session| {
            Ok(session.safety_number().digits())
        })?;
        let mut text = digits.into_bytes();
        text.push(0);
        out.set(&text)
    })
}

/// The safety number as 10 emoji (UTF-8, separated by single spaces, not
/// NUL-terminated), identical on both sides.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_emoji(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        let emoji = with_session(token(session), |session| {
            Ok(session.safety_number().emoji())
        })?;
        let text: Vec<&str> = emoji.iter().map(|(glyph, _name)| *glyph).collect();
        out.set(text.join(" ").into_bytes());
        Ok(())
    })
}

/// The QR payload this side displays (`SOTTO_QR_PAYLOAD_LEN` bytes), for the
/// peer to scan and check with `sotto_session_safety_qr_matches`.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_qr(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        let payload = with_session(token(session), |session| {
            Ok(session.safety_number().qr_payload())
        })?;
        out.set(payload);
        Ok(())
    })
}

/// Checks a QR payload scanned from the peer's screen (constant-time):
/// `*matches` is true when the peer sees the same pair of identities.
///
/// Errors: decoding errors for bytes that are not a QR payload (then
/// `*matches` is false), `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// handle errors. Thread safety: any thread.
///
/// Ownership: allocates nothing; `scanned` is only read during the call.
///
/// # Safety
/// `scanned` is NULL or readable for `scanned_len` bytes; `matches` is NULL
/// or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_qr_matches(
    session: *const sotto_session,
    scanned: *const u8,
    scanned_len: usize,
    matches: *mut bool,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let matches = unsafe { OutValue::new(matches, false) }?;
        // SAFETY: per this function's contract.
        let scanned = unsafe { bytes_in(scanned, scanned_len) }?;
        let result = with_session(token(session), |session| {
            session
                .safety_number()
                .matches_qr(scanned)
                .map_err(core_code)
        })?;
        matches.set(result);
        Ok(())
    })
}

/// Seals (encrypts and authenticates) the session under a 32-byte storage
/// key. Seal after every call that changed the session.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Errors: `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_WRONG_LENGTH` (key
/// not 32 bytes), `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_TOO_LARGE`, handle
/// errors. Thread safety: any thread; calls on one session are serialized.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid for
/// writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_seal(
    session: *const sotto_session,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out) }?;
        // SAFETY: per this function's contract.
        let key = unsafe { storage_key(key, key_len) }?;
        let sealed = with_rng(rng, |rng| {
            with_session(token(session), |session| {
                session.seal(&key, rng).map_err(core_code)
            })
        })?;
        out.set(sealed);
        Ok(())
    })
}

/// Restores a session sealed by `sotto_session_seal`.
///
/// On success `*out` receives a new handle owned by the caller (free it with
/// `sotto_session_free`); on error `*out` is NULL.
///
/// Errors: `SOTTO_ERR_UNSEAL_FAILED` (wrong key or corrupted bytes),
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (a sealed account), decoding errors,
/// `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`. Thread safety: any thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `sealed` is NULL or
/// readable for `sealed_len` bytes; `out` is NULL or valid for writing a
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_session,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out) }?;
        // SAFETY: per this function's contract.
        let key = unsafe { storage_key(key, key_len) }?;
        // SAFETY: per this function's contract.
        let sealed = unsafe { bytes_in(sealed, sealed_len) }?;
        let session = Session::unseal(&key, sealed).map_err(core_code)?;
        out.set(register(Object::Session(Mutex::new(session))));
        Ok(())
    })
}

/// Classifies message bytes by their header: `*out` is
/// `SOTTO_MESSAGE_PREKEY` or `SOTTO_MESSAGE_NORMAL` (0 on error).
///
/// Errors: `SOTTO_ERR_TRUNCATED`, `SOTTO_ERR_UNSUPPORTED_VERSION`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE`, `SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`. Thread safety: any thread.
///
/// Ownership: allocates nothing; `message` is only read during the call.
///
/// # Safety
/// `message` is NULL or readable for `message_len` bytes; `out` is NULL or
/// valid for writing an `int32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_message_type(
    message: *const u8,
    message_len: usize,
    out: *mut i32,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutValue::new(out, 0) }?;
        // SAFETY: per this function's contract.
        let message = unsafe { bytes_in(message, message_len) }?;
        out.set(match message_type(message).map_err(core_code)? {
            MessageType::Prekey => SOTTO_MESSAGE_PREKEY,
            MessageType::Normal => SOTTO_MESSAGE_NORMAL,
        });
        Ok(())
    })
}

/// Writes the id of the session a prekey message belongs to (to route it to
/// an existing session, or to `sotto_session_accept` when there is none)
/// into `out`, which holds at least `SOTTO_SESSION_ID_LEN` bytes.
///
/// Errors: decoding errors (`SOTTO_ERR_WRONG_OBJECT_TYPE` for a normal
/// message), `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`. Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array; `message` is
/// only read during the call.
///
/// # Safety
/// `message` is NULL or readable for `message_len` bytes; `out` is NULL or
/// writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_message_session_id(
    message: *const u8,
    message_len: usize,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { OutArray::new(out, out_len, SOTTO_SESSION_ID_LEN) }?;
        // SAFETY: per this function's contract.
        let message = unsafe { bytes_in(message, message_len) }?;
        let decoded = PrekeyMessage::from_bytes(message).map_err(core_code)?;
        out.set(decoded.session_id().as_bytes())
    })
}
