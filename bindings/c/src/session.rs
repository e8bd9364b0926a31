//! Sessions, messages and safety numbers.

use crate::buffer::Out;
use crate::buffer::padding_in;
use crate::buffer::{
    Aliasing, OutBuffer, OutHandle, OutValue, Span, array_in, bytes_in, context_id_in, token,
};
use crate::entry::prologue;
use crate::entry::{Input, call, decode, query, query_array, seal, unseal};
use crate::handles::Handle;
use crate::handles::sotto_rng;
use crate::handles::{
    AccountRef, Kind, Object, SessionRef, free, guard, register, sotto_account, sotto_session,
};
use crate::rng::RngRef;
use crate::status::{SOTTO_ERR_INVALID_ARGUMENT, core_code};
use crate::{
    SOTTO_IDENTITY_LEN, SOTTO_MESSAGE_NORMAL, SOTTO_MESSAGE_PREKEY, SOTTO_SAFETY_NUMBER_SIZE,
    SOTTO_SESSION_ID_LEN, SOTTO_STORAGE_KEY_LEN, sotto_buffer,
};
use core::ffi::c_char;
use core::ptr;
use sotto_core::{
    IdentityKey, MessageType, PrekeyBundle, PrekeyMessage, Session, SessionContext, StorageKey,
    message_type,
};
use std::sync::Mutex;
use zeroize::Zeroize;

/// Reads the storage key argument and wipes the temporary copy.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes.
pub(crate) unsafe fn storage_key(key: *const u8, key_len: usize) -> Result<StorageKey, i32> {
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
/// device and of the peer: byte strings of 1 to `SOTTO_MAX_CONTEXT_ID_LEN`
/// bytes each, of any byte values, compared byte for byte (no encoding is
/// assumed). The peer must pass the same pair from its side to
/// `sotto_session_accept`, otherwise the first message fails to decrypt.
/// The account is only read.
///
/// On success `*out` receives a new session handle owned by the caller (free
/// it with `sotto_session_free`); on error `*out` is NULL.
///
/// Checks, in order: `account`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `bundle` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), `local_id`, `remote_id`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH` for an empty id,
/// `SOTTO_ERR_INVALID_ARGUMENT` over `SOTTO_MAX_CONTEXT_ID_LEN`), aliasing
/// (`out` must not overlap `bundle` or an id: `SOTTO_ERR_ALIASED_OUTPUT`),
/// then the contents: bundle decoding errors, `SOTTO_ERR_BAD_SIGNATURE`,
/// `SOTTO_ERR_INVALID_KEY`, `SOTTO_ERR_NON_CONTRIBUTORY`,
/// `SOTTO_ERR_RANDOMNESS`.
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
    prologue! {
        outs: [out: OutHandle<sotto_session>],
        handles: [account: AccountRef, rng: RngRef],
        arrays: [],
        inputs: [
            bundle = bytes_in(bundle, bundle_len),
            local_id = context_id_in(local_id, local_id_len),
            remote_id = context_id_in(remote_id, remote_id_len),
        ],
        |disjoint| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            let context = SessionContext::new(local_id, remote_id);
            let session = rng.with(|rng| {
                account.with(|account| {
                    Session::initiate(account, &bundle, &context, rng).map_err(core_code)
                })
            })?;
            out.put(&disjoint, SessionRef::wrap(session));
            Ok(())
        }
    }
}

/// Creates a session from a peer's first prekey message and decrypts it
/// (check `sotto_message_type` and `sotto_prekey_message_session_id` first:
/// a prekey message of a session that already exists goes to
/// `sotto_session_decrypt`).
///
/// `local_id`/`remote_id` are this device's and the initiator's ids (the
/// initiator's pair, swapped), with the same rules as in
/// `sotto_session_initiate`.
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
/// Checks, in order: `account` (handle errors), `session_out`,
/// `plaintext_out` (`SOTTO_ERR_NULL_POINTER`), `message`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), `local_id`,
/// `remote_id` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH` for an
/// empty id, `SOTTO_ERR_INVALID_ARGUMENT` over `SOTTO_MAX_CONTEXT_ID_LEN`),
/// aliasing (neither output may overlap `message`, an id or the other
/// output: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding errors,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (not a prekey message),
/// `SOTTO_ERR_UNKNOWN_PREKEY`, `SOTTO_ERR_DUPLICATE_MESSAGE` (already
/// accepted), `SOTTO_ERR_DECRYPTION_FAILED` (tampered, for another account,
/// or mismatched ids).
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
    // SAFETY: per this function's contract.
    unsafe {
        accept(
            account,
            (message, message_len),
            (local_id, local_id_len),
            (remote_id, remote_id_len),
            None,
            session_out,
            plaintext_out,
        )
    }
}

/// `sotto_session_accept`, when the application knows which identity the
/// prekey message must come from: `expected_identity` is that peer's
/// 130-byte identity record (`SOTTO_IDENTITY_LEN`, as returned by
/// `sotto_account_identity` or `sotto_session_remote_identity`). A prekey
/// message made by another identity fails with
/// `SOTTO_ERR_IDENTITY_MISMATCH` and the account is not changed.
///
/// Checks, in order: as `sotto_session_accept` up to the ids, then
/// `expected_identity` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_WRONG_LENGTH`
/// unless `SOTTO_IDENTITY_LEN` bytes), aliasing (no output may overlap it
/// either), then its contents (`SOTTO_ERR_INVALID_KEY`,
/// `SOTTO_ERR_BAD_SIGNATURE`, ...), the message's decoding errors,
/// `SOTTO_ERR_IDENTITY_MISMATCH`, then as `sotto_session_accept`.
/// Ownership and thread safety as `sotto_session_accept`.
///
/// # Safety
/// As `sotto_session_accept`; `expected_identity` is NULL or readable for
/// `expected_identity_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_accept_from(
    account: *mut sotto_account,
    message: *const u8,
    message_len: usize,
    local_id: *const u8,
    local_id_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    expected_identity: *const u8,
    expected_identity_len: usize,
    session_out: *mut *mut sotto_session,
    plaintext_out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        accept(
            account,
            (message, message_len),
            (local_id, local_id_len),
            (remote_id, remote_id_len),
            Some((expected_identity, expected_identity_len)),
            session_out,
            plaintext_out,
        )
    }
}

/// The body of `sotto_session_accept` and `sotto_session_accept_from`.
///
/// # Safety
/// Per the contracts of those two functions.
unsafe fn accept(
    account: *mut sotto_account,
    (message, message_len): (*const u8, usize),
    (local_id, local_id_len): (*const u8, usize),
    (remote_id, remote_id_len): (*const u8, usize),
    expected: Option<(*const u8, usize)>,
    session_out: *mut *mut sotto_session,
    plaintext_out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        let (expected_ptr, expected_len) = expected.unwrap_or((core::ptr::null(), 0));
        let aliasing = Aliasing::of(
            &[Span::of(session_out), Span::of(plaintext_out)],
            &[
                Span::bytes(message, message_len),
                Span::bytes(local_id, local_id_len),
                Span::bytes(remote_id, remote_id_len),
                Span::bytes(expected_ptr, expected_len),
            ],
        );
        // SAFETY: per this function's contract.
        let session_out = unsafe { OutHandle::new(session_out, &aliasing) };
        // SAFETY: per this function's contract.
        let plaintext_out = unsafe { OutBuffer::new(plaintext_out, &aliasing) };
        let account = AccountRef::get(account)?;
        let (session_out, plaintext_out) = (session_out?, plaintext_out?);
        // SAFETY: per this function's contract.
        let message = unsafe { bytes_in(message, message_len) }?;
        // SAFETY: per this function's contract.
        let local_id = unsafe { context_id_in(local_id, local_id_len) }?;
        // SAFETY: per this function's contract.
        let remote_id = unsafe { context_id_in(remote_id, remote_id_len) }?;
        let expected = match expected {
            // SAFETY: per this function's contract.
            Some(_) => Some(unsafe { array_in::<SOTTO_IDENTITY_LEN>(expected_ptr, expected_len) }?),
            None => None,
        };
        let disjoint = aliasing.check()?;
        let expected = match expected {
            Some(bytes) => Some(IdentityKey::from_bytes(&bytes).map_err(core_code)?),
            None => None,
        };
        let context = SessionContext::new(local_id, remote_id);
        let (session, plaintext) = account.with(|account| {
            Session::accept_from(account, message, &context, expected.as_ref()).map_err(core_code)
        })?;
        session_out.set(&disjoint, register(Object::Session(Mutex::new(session))));
        plaintext_out.set(&disjoint, plaintext);
        Ok(())
    })
}

/// Frees a session, zeroizing its keys. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Aliasing: no memory arguments. Thread safety: any thread; a call already
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
/// Checks, in order: `session`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `plaintext` (`SOTTO_ERR_NULL_POINTER` when
/// NULL with a non-zero length, `SOTTO_ERR_TOO_LARGE`), aliasing (`out`
/// must not overlap `plaintext`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_LIMIT_EXCEEDED`.
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
    // SAFETY: per this function's contract.
    unsafe {
        let plaintext = Input::Plaintext(plaintext, plaintext_len);
        call::<SessionRef, OutBuffer>(session, rng, plaintext, out, |session, plaintext, rng| {
            session.encrypt(plaintext, rng).map_err(core_code)
        })
    }
}

/// Sets how outgoing messages are padded: `SOTTO_PADDING_PADME` (the
/// default) or `SOTTO_PADDING_NONE`. Incoming messages are unpadded whatever
/// the sender chose. The setting is part of the sealed session.
///
/// Checks, in order: `session` (handle errors), `padding`
/// (`SOTTO_ERR_INVALID_ARGUMENT` for another value). Aliasing: no memory
/// arguments.
/// Ownership: allocates nothing; the session is borrowed for the call only.
/// Thread safety: any thread; calls on one session are serialized.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_session_set_padding(session: *mut sotto_session, padding: i32) -> i32 {
    guard(|| {
        let session = SessionRef::get(session)?;
        let padding = padding_in(padding)?;
        session.with(|session| {
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
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `message` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out` must not overlap `message`:
/// `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding errors,
/// `SOTTO_ERR_DECRYPTION_FAILED` (tampered or not for this session),
/// `SOTTO_ERR_DUPLICATE_MESSAGE` (replayed), `SOTTO_ERR_TOO_FAR_AHEAD`,
/// `SOTTO_ERR_SESSION_MISMATCH`.
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
    // SAFETY: per this function's contract.
    unsafe {
        let message = Input::Bytes(message, message_len);
        call::<SessionRef, OutBuffer>(session, ptr::null(), message, out, |session, message, _| {
            session.decrypt(message).map_err(core_code)
        })
    }
}

/// Writes the session's 32-byte id (equal on both sides) to `out`, which
/// holds at least `SOTTO_SESSION_ID_LEN` bytes.
///
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`). Aliasing: no
/// input memory. Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array (only on
/// success); the session is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_id(
    session: *const sotto_session,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<SessionRef, _>(session, out, out_len, SOTTO_SESSION_ID_LEN, |session| {
            Ok(*session.id().as_bytes())
        })
    }
}

/// Whether the initiator is still waiting for the peer's first reply (and
/// so still sends prekey messages). Stores the answer in `*out`.
///
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory. Thread safety:
/// any thread.
///
/// Ownership: allocates nothing (`*out` is reset to false on entry); the
/// session is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_awaiting_reply(
    session: *const sotto_session,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutValue<bool>>(session, out, |session| Ok(session.awaiting_reply()))
    }
}

/// Whether the session runs ratchet version 2, the post-quantum KEM
/// ratchet of PROTOCOL.md §22 (negotiated from the peer's bundle, see
/// `sotto_bundle_with_pq_ratchet`). Stores the answer in `*out`. An
/// application that once saw a version-2 session with a peer can refuse a
/// later version-1 session with it (a downgrade by the server).
///
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). `*out` is false on error. Thread safety:
/// any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_uses_pq_ratchet(
    session: *const sotto_session,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutValue<bool>>(session, out, |session| Ok(session.uses_pq_ratchet()))
    }
}

/// Stores in `*out` the current KEM epoch of a version-2 session
/// (PROTOCOL.md §22.5): the number of KEM exchanges completed and mixed on
/// this side. It grows as the two sides keep replying to each other; each
/// new epoch heals the session against an adversary that stole its state.
///
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` for a
/// version-1 session (no KEM ratchet). `*out` is 0 on error. Thread safety:
/// any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_kem_epoch(
    session: *const sotto_session,
    out: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutValue<u32>>(session, out, |session| {
            session.kem_epoch().ok_or(SOTTO_ERR_INVALID_ARGUMENT)
        })
    }
}

/// The peer's identity record (`SOTTO_IDENTITY_LEN` bytes).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory. Thread safety: any
/// thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_remote_identity(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutBuffer>(session, out, |session| {
            Ok(session.remote_identity().to_bytes())
        })
    }
}

/// Writes the 60-digit safety number (identical on both sides) as a
/// NUL-terminated ASCII string into `out`, which holds at least
/// `SOTTO_SAFETY_NUMBER_SIZE` (61) bytes. Users compare it out of band to
/// detect a man in the middle. Costs about 10 400 SHA-512 computations.
///
/// Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`). Aliasing: no
/// input memory. Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array (only on
/// success); the session is borrowed for the call only.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_number(
    session: *const sotto_session,
    out: *mut c_char,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<SessionRef, _>(
            session,
            out.cast(),
            out_len,
            SOTTO_SAFETY_NUMBER_SIZE,
            |session| {
                let mut text = session.safety_number().digits().into_bytes();
                text.push(0);
                Ok(text)
            },
        )
    }
}

/// The safety number as 10 emoji (UTF-8, separated by single spaces, not
/// NUL-terminated), identical on both sides.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory. Thread safety: any
/// thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_emoji(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutBuffer>(session, out, |session| {
            let emoji = session.safety_number().emoji();
            let text: Vec<&str> = emoji.iter().map(|(glyph, _name)| *glyph).collect();
            Ok(text.join(" ").into_bytes())
        })
    }
}

/// The QR payload this side displays (`SOTTO_QR_PAYLOAD_LEN` bytes), for the
/// peer to scan and check with `sotto_session_safety_qr_matches`.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `session` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory. Thread safety: any
/// thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_safety_qr(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<SessionRef, OutBuffer>(session, out, |session| {
            Ok(session.safety_number().qr_payload())
        })
    }
}

/// Checks a QR payload scanned from the peer's screen (constant-time):
/// `*matches` is true when the peer sees the same pair of identities.
///
/// Checks, in order: `session` (handle errors), `matches`
/// (`SOTTO_ERR_NULL_POINTER`), `scanned` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (`matches` must not overlap
/// `scanned`: `SOTTO_ERR_ALIASED_OUTPUT`), then decoding errors for bytes
/// that are not a QR payload. `*matches` is false after any error.
/// Thread safety: any thread.
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
    // SAFETY: per this function's contract.
    unsafe {
        let scanned = Input::Bytes(scanned, scanned_len);
        call::<SessionRef, OutValue<bool>>(
            session,
            ptr::null(),
            scanned,
            matches,
            |s, scanned, _| s.safety_number().matches_qr(scanned).map_err(core_code),
        )
    }
}

/// Seals (encrypts and authenticates) the session under a 32-byte storage
/// key. Seal after every call that changed the session.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `session`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH` when not 32 bytes),
/// aliasing (`out` must not overlap `key`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_TOO_LARGE`. Thread safety: any
/// thread; calls on one session are serialized.
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
    // SAFETY: per this function's contract.
    unsafe { seal::<SessionRef>(session, key, key_len, rng, out) }
}

/// Restores a session sealed by `sotto_session_seal`.
///
/// On success `*out` receives a new handle owned by the caller (free it with
/// `sotto_session_free`); on error `*out` is NULL.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `key`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out` must not overlap `key` or
/// `sealed`: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding
/// errors, `SOTTO_ERR_UNSEAL_FAILED` (wrong key or corrupted bytes),
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (a sealed account). Thread safety: any
/// thread.
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
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, SessionRef::wrap) }
}

/// Classifies message bytes by their header: `*out` is
/// `SOTTO_MESSAGE_PREKEY` or `SOTTO_MESSAGE_NORMAL` (0 on error).
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `message`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out` must
/// not overlap `message`: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents:
/// `SOTTO_ERR_TRUNCATED`, `SOTTO_ERR_UNSUPPORTED_VERSION`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE`. Thread safety: any thread.
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
    // SAFETY: per this function's contract.
    unsafe {
        decode::<OutValue<i32>>(Input::Bytes(message, message_len), out, |message| {
            Ok(match message_type(message).map_err(core_code)? {
                MessageType::Prekey => SOTTO_MESSAGE_PREKEY,
                MessageType::Normal => SOTTO_MESSAGE_NORMAL,
            })
        })
    }
}

/// Writes the id of the session a prekey message belongs to (to route it to
/// an existing session, or to `sotto_session_accept` when there is none)
/// into `out`, which holds at least `SOTTO_SESSION_ID_LEN` bytes.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), `message` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (the `SOTTO_SESSION_ID_LEN` bytes
/// written must not overlap `message`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// decoding errors (`SOTTO_ERR_WRONG_OBJECT_TYPE` for a normal message).
/// Thread safety: any thread.
///
/// Ownership: allocates nothing; writes into the caller's array (only on
/// success); `message` is only read during the call.
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
    prologue! {
        outs: [],
        handles: [],
        arrays: [out: (out_len, SOTTO_SESSION_ID_LEN)],
        inputs: [message = bytes_in(message, message_len)],
        |disjoint| {
            let decoded = PrekeyMessage::from_bytes(message).map_err(core_code)?;
            out.set(&disjoint, decoded.session_id().as_bytes())
        }
    }
}
