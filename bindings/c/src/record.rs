//! Session records (PROTOCOL.md §17): every session with one peer device,
//! and the routing of any incoming message to the right one.

use crate::buffer::padding_in;
use crate::buffer::{OutBuffer, OutHandle, OutValue, bytes_in, context_id_in, token};
use crate::entry::prologue;
use crate::entry::{Input, call, create, query, query_array, seal, unseal};
use crate::handles::Handle;
use crate::handles::{
    AccountRef, Kind, RecordRef, free, guard, sotto_account, sotto_rng, sotto_session_record,
};
use crate::rng::RngRef;
use crate::status::{SOTTO_ERR_INVALID_ARGUMENT, core_code};
use crate::{SOTTO_SESSION_ID_LEN, sotto_buffer};
use core::ptr;
use sotto_core::{PrekeyBundle, Session, SessionContext, SessionRecord};

/// Most archived sessions a record keeps besides the current one.
pub const SOTTO_MAX_ARCHIVED_SESSIONS: usize = 4;
/// Largest sealed session record (384 KiB).
pub const SOTTO_MAX_SEALED_RECORD_LEN: usize = 393216;

/// Creates an empty session record (no session yet) for one peer device.
/// Start a session in it with `sotto_session_record_initiate`, or let
/// `sotto_session_record_decrypt` create one from the peer's first prekey
/// message.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_session_record_free`); on error `*out` is NULL.
///
/// Checks: `out` (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_new(out: *mut *mut sotto_session_record) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        create::<OutHandle<_>>(ptr::null(), out, |_| {
            Ok(RecordRef::wrap(SessionRecord::new()))
        })
    }
}

/// Migrates a session sealed by `sotto_session_seal` into a new record
/// whose current session it is (then seal the record instead of the
/// session).
///
/// On success `*out` receives a new handle owned by the caller; on error
/// `*out` is NULL. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed_session` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the errors of
/// `sotto_session_unseal`. Thread safety: any thread.
///
/// # Safety
/// `key` and `sealed_session` are NULL or readable for their lengths; `out`
/// is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_from_sealed_session(
    key: *const u8,
    key_len: usize,
    sealed_session: *const u8,
    sealed_session_len: usize,
    out: *mut *mut sotto_session_record,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        unseal(
            key,
            key_len,
            sealed_session,
            sealed_session_len,
            out,
            |session: Session| RecordRef::wrap(SessionRecord::from(session)),
        )
    }
}

/// Starts a new session with the owner of a prekey bundle (as
/// `sotto_session_initiate`, same ids) and makes it the record's current
/// session; the previous current session is archived (the oldest archived
/// one is dropped beyond `SOTTO_MAX_ARCHIVED_SESSIONS`). The account is only
/// read.
///
/// On error the record is unchanged. Checks, in order: `record`,
/// `account`, `rng` (handle errors), `bundle` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), `local_id`, `remote_id` (as in
/// `sotto_session_initiate`), then the bundle's decoding and signature
/// errors and `SOTTO_ERR_RANDOMNESS`. Aliasing: no outputs. Thread safety:
/// any thread; calls on one record are serialized.
///
/// # Safety
/// `bundle`, `local_id` and `remote_id` are NULL or readable for their
/// lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_initiate(
    record: *mut sotto_session_record,
    account: *const sotto_account,
    bundle: *const u8,
    bundle_len: usize,
    local_id: *const u8,
    local_id_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    rng: *const sotto_rng,
) -> i32 {
    prologue! {
        outs: [],
        handles: [record: RecordRef, account: AccountRef, rng: RngRef],
        arrays: [],
        inputs: [
            bundle = bytes_in(bundle, bundle_len),
            local_id = context_id_in(local_id, local_id_len),
            remote_id = context_id_in(remote_id, remote_id_len),
        ],
        |_disjoint| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            let context = SessionContext::new(local_id, remote_id);
            rng.with(|rng| {
                record.with(|record| {
                    account.with(|account| {
                        record
                            .initiate(account, &bundle, &context, rng)
                            .map(|_| ())
                            .map_err(core_code)
                    })
                })
            })
        }
    }
}

/// Encrypts a plaintext (0 to `SOTTO_MAX_PLAINTEXT_LEN` bytes; an empty one
/// may be NULL with length 0) with the record's current session. The record
/// changes: seal it before sending the message.
///
/// On success `*out` holds the message, a new buffer owned by the caller;
/// on error it is empty and the record is unchanged.
///
/// Checks, in order: `record`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `plaintext` (`SOTTO_ERR_NULL_POINTER` when
/// NULL with a non-zero length, `SOTTO_ERR_TOO_LARGE`), aliasing (`out`
/// must not overlap `plaintext`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// `SOTTO_ERR_INVALID_ARGUMENT` (empty record), `SOTTO_ERR_RANDOMNESS`,
/// `SOTTO_ERR_LIMIT_EXCEEDED`. Thread safety: any thread.
///
/// # Safety
/// `plaintext` is NULL or readable for `plaintext_len` bytes; `out` is NULL
/// or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_encrypt(
    record: *mut sotto_session_record,
    plaintext: *const u8,
    plaintext_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let plaintext = Input::Plaintext(plaintext, plaintext_len);
        call::<RecordRef, OutBuffer>(record, rng, plaintext, out, |record, plaintext, rng| {
            record.encrypt(plaintext, rng).map_err(core_code)
        })
    }
}

/// Decrypts any message from the peer device (PROTOCOL.md §17.2): a prekey
/// message of a session the record holds goes to it, one of an unknown
/// session creates a session through `account` (consuming its one-time
/// prekeys, as `sotto_session_accept`; `local_id`/`remote_id` are this
/// side's ids for the peer), a normal message goes to the session whose
/// header key opens it. The session that decrypted it becomes current
/// (§17.3: both sides of a simultaneous initiation converge).
///
/// Transactional: on any error neither the record nor the account change.
/// On success seal both.
///
/// On success `*out` holds the plaintext in a new buffer owned by the
/// caller; on error it is empty.
///
/// Checks, in order: `record`, `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `message` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), `local_id`, `remote_id` (as in
/// `sotto_session_accept`), aliasing (`out` must not overlap an input:
/// `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding errors,
/// `SOTTO_ERR_DECRYPTION_FAILED` (no session opens it, or tampered),
/// `SOTTO_ERR_DUPLICATE_MESSAGE`, `SOTTO_ERR_UNKNOWN_PREKEY`, ...
/// Thread safety: any thread; calls on one record are serialized.
///
/// # Safety
/// `message`, `local_id` and `remote_id` are NULL or readable for their
/// lengths; `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_decrypt(
    record: *mut sotto_session_record,
    account: *mut sotto_account,
    message: *const u8,
    message_len: usize,
    local_id: *const u8,
    local_id_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [out: OutBuffer],
        handles: [record: RecordRef, account: AccountRef],
        arrays: [],
        inputs: [
            message = bytes_in(message, message_len),
            local_id = context_id_in(local_id, local_id_len),
            remote_id = context_id_in(remote_id, remote_id_len),
        ],
        |disjoint| {
            let context = SessionContext::new(local_id, remote_id);
            let plaintext = record.with(|record| {
                account.with(|account| {
                    record
                        .decrypt(account, message, &context)
                        .map_err(core_code)
                })
            })?;
            out.set(&disjoint, plaintext);
            Ok(())
        }
    }
}

/// Writes the id of the record's current session (`SOTTO_SESSION_ID_LEN`
/// bytes, equal on both sides once they converged) to `out`.
///
/// Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`), then
/// `SOTTO_ERR_INVALID_ARGUMENT` for an empty record. The array is written
/// only on success. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_current_id(
    record: *const sotto_session_record,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<RecordRef, _>(record, out, out_len, SOTTO_SESSION_ID_LEN, |record| {
            let id = record.current_id().ok_or(SOTTO_ERR_INVALID_ARGUMENT)?;
            Ok(*id.as_bytes())
        })
    }
}

/// Stores in `*out` the number of sessions the record holds (0 for an
/// empty record, else 1 + the archived ones).
///
/// Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_session_count(
    record: *const sotto_session_record,
    out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<RecordRef, OutValue<usize>>(record, out, |record| Ok(record.len())) }
}

/// The ids of every session the record holds, `SOTTO_SESSION_ID_LEN`
/// bytes each, concatenated: the current one first, then the archived ones
/// newest first (empty for an empty record).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_session_ids(
    record: *const sotto_session_record,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<RecordRef, OutBuffer>(record, out, |record| {
            Ok(record
                .session_ids()
                .iter()
                .flat_map(|id| *id.as_bytes())
                .collect())
        })
    }
}

/// The peer's identity record (`SOTTO_IDENTITY_LEN` bytes) in the current
/// session. After the peer reinstalled it differs from the one verified
/// before: compare it after each `sotto_session_record_decrypt`.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` for an
/// empty record. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_remote_identity(
    record: *const sotto_session_record,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<RecordRef, OutBuffer>(record, out, |record| {
            let identity = record.remote_identity().ok_or(SOTTO_ERR_INVALID_ARGUMENT)?;
            Ok(identity.to_bytes())
        })
    }
}

/// Whether the record's current session runs ratchet version 2, the
/// post-quantum KEM ratchet (as `sotto_session_uses_pq_ratchet`). Stores
/// the answer in `*out`.
///
/// Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` for an
/// empty record. `*out` is false on error. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_uses_pq_ratchet(
    record: *const sotto_session_record,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<RecordRef, OutValue<bool>>(record, out, |record| {
            let current = record.current().ok_or(SOTTO_ERR_INVALID_ARGUMENT)?;
            Ok(current.uses_pq_ratchet())
        })
    }
}

/// Stores in `*out` the KEM epoch of the record's current session (as
/// `sotto_session_kem_epoch`).
///
/// Checks, in order: `record` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` for an
/// empty record or a version-1 current session. `*out` is 0 on error.
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_kem_epoch(
    record: *const sotto_session_record,
    out: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<RecordRef, OutValue<u32>>(record, out, |record| {
            let current = record.current();
            current
                .and_then(Session::kem_epoch)
                .ok_or(SOTTO_ERR_INVALID_ARGUMENT)
        })
    }
}

/// Sets how the current session pads outgoing messages
/// (`SOTTO_PADDING_PADME` or `SOTTO_PADDING_NONE`, see
/// `sotto_session_set_padding`).
///
/// Checks, in order: `record` (handle errors), `padding`, then an empty
/// record (both `SOTTO_ERR_INVALID_ARGUMENT`). Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_session_record_set_padding(
    record: *mut sotto_session_record,
    padding: i32,
) -> i32 {
    guard(|| {
        let record = RecordRef::get(record)?;
        let padding = padding_in(padding)?;
        record.with(|record| {
            record
                .current_mut()
                .ok_or(SOTTO_ERR_INVALID_ARGUMENT)?
                .set_padding(padding);
            Ok(())
        })
    })
}

/// Seals the whole record (every session) under a 32-byte storage key.
/// Seal after every call that changed it.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `record`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_RANDOMNESS`. Thread safety: any thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid
/// for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_seal(
    record: *const sotto_session_record,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { seal::<RecordRef>(record, key, key_len, rng, out) }
}

/// Restores a record sealed by `sotto_session_record_seal`.
///
/// On success `*out` receives a new handle owned by the caller; on error
/// `*out` is NULL. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing, then `SOTTO_ERR_TOO_LARGE` (over
/// `SOTTO_MAX_SEALED_RECORD_LEN`), `SOTTO_ERR_UNSEAL_FAILED`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (another sealed object), decoding errors.
/// Thread safety: any thread.
///
/// # Safety
/// `key` and `sealed` are NULL or readable for their lengths; `out` is NULL
/// or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_record_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_session_record,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, RecordRef::wrap) }
}

/// Frees a session record, zeroizing every session's keys. NULL is a
/// no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_session_record_free(record: *mut sotto_session_record) -> i32 {
    guard(|| free(token(record), Kind::SessionRecord))
}

#[cfg(test)]
mod tests {
    #[test]
    fn constants_match_the_core() {
        assert_eq!(
            super::SOTTO_MAX_ARCHIVED_SESSIONS,
            sotto_core::limits::MAX_ARCHIVED_SESSIONS
        );
        assert_eq!(
            super::SOTTO_MAX_SEALED_RECORD_LEN,
            sotto_core::record::MAX_SEALED_RECORD_LEN
        );
    }
}
