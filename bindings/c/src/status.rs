//! Status codes: 0 is success, 1–99 are the core's stable error codes
//! ([`sotto_core::Error`]), 100–199 the bindings' codes
//! ([`sotto_core::BindingError`], one table for C and the npm package; C
//! uses 100–110). The constants are written out for cbindgen; the unit test
//! below pins each one to the core's tables, and names and messages come
//! from those tables at run time.

use core::ffi::c_char;
use sotto_core::{BindingError, Error};
use std::ffi::{CStr, CString};
use std::sync::OnceLock;

/// Success.
pub const SOTTO_OK: i32 = 0;

/// Core: the input ended before a complete structure could be read.
pub const SOTTO_ERR_TRUNCATED: i32 = 1;
/// Core: the input had bytes left over after a complete structure.
pub const SOTTO_ERR_TRAILING_BYTES: i32 = 2;
/// Core: unknown format version.
pub const SOTTO_ERR_UNSUPPORTED_VERSION: i32 = 3;
/// Core: a different kind of object than the call expects (e.g. a sealed
/// session passed to `sotto_account_unseal`).
pub const SOTTO_ERR_WRONG_OBJECT_TYPE: i32 = 4;
/// Core: a field has an invalid value.
pub const SOTTO_ERR_MALFORMED: i32 = 5;
/// Core: a public key is not valid for its type.
pub const SOTTO_ERR_INVALID_KEY: i32 = 6;
/// Core: a Diffie-Hellman key is of low order.
pub const SOTTO_ERR_NON_CONTRIBUTORY: i32 = 7;
/// Core: a signature does not verify.
pub const SOTTO_ERR_BAD_SIGNATURE: i32 = 8;
/// Core: authentication of a message failed (tampered, or another session's).
pub const SOTTO_ERR_DECRYPTION_FAILED: i32 = 9;
/// Core: the message was already decrypted (replay) or its key was evicted.
pub const SOTTO_ERR_DUPLICATE_MESSAGE: i32 = 10;
/// Core: the message skips more messages than allowed.
pub const SOTTO_ERR_TOO_FAR_AHEAD: i32 = 11;
/// Core: a prekey message names a prekey this account does not hold.
pub const SOTTO_ERR_UNKNOWN_PREKEY: i32 = 12;
/// Core: a prekey message belongs to a different session.
pub const SOTTO_ERR_SESSION_MISMATCH: i32 = 13;
/// Core: an input or output exceeds a documented size limit.
pub const SOTTO_ERR_TOO_LARGE: i32 = 14;
/// Core: a decrypted plaintext has invalid padding.
pub const SOTTO_ERR_INVALID_PADDING: i32 = 15;
/// Core: sealed state did not authenticate (wrong storage key or corrupted).
pub const SOTTO_ERR_UNSEAL_FAILED: i32 = 16;
/// Core: the random number generator (the OS or the caller's callback) failed.
pub const SOTTO_ERR_RANDOMNESS: i32 = 17;
/// Core: a counter or bounded store reached its documented limit.
pub const SOTTO_ERR_LIMIT_EXCEEDED: i32 = 18;
/// Core: an argument is invalid (e.g. a context id over 1024 bytes, or more
/// than `SOTTO_MAX_ONE_TIME_PREKEYS` prekeys).
pub const SOTTO_ERR_INVALID_ARGUMENT: i32 = 19;
/// Core: the signed prekey a prekey message uses accepted its maximum number
/// of sessions; rotate the signed prekey and publish it.
pub const SOTTO_ERR_PREKEY_EXHAUSTED: i32 = 20;
/// Core: the peer sent this message from an outdated restored copy of its
/// session; it can never be decrypted (the peer must start a new session).
pub const SOTTO_ERR_STALE_SESSION: i32 = 21;
/// Core: an internal invariant was violated (a bug in Sotto); nothing changed.
pub const SOTTO_ERR_INTERNAL: i32 = 22;
/// Core: the prekey message comes from another identity than the one given
/// to `sotto_session_accept_from`; the account was not changed.
pub const SOTTO_ERR_IDENTITY_MISMATCH: i32 = 23;
/// Core: a device list is older than the one held, or another list under the
/// same version; keep the current list.
pub const SOTTO_ERR_ROLLBACK: i32 = 24;
/// Core: a link offer has expired; show a fresh QR code.
pub const SOTTO_ERR_EXPIRED: i32 = 25;
/// Core: an attachment's chunks authenticate but the file differs from the
/// digest in its descriptor; do not retry.
pub const SOTTO_ERR_DIGEST_MISMATCH: i32 = 26;
/// Core: linking failed (tampered response, another QR code, or an offer
/// already used); nothing was changed.
pub const SOTTO_ERR_LINK_FAILED: i32 = 27;
/// Core: the device is not in the person's verified device list, or its
/// identity differs from the listed one; nothing was changed.
pub const SOTTO_ERR_UNKNOWN_DEVICE: i32 = 28;
/// Core: no key chain for this group message's sender and epoch; ask that
/// device to send its chain again (nothing was changed).
pub const SOTTO_ERR_UNKNOWN_SENDER_CHAIN: i32 = 29;
/// Core: the group message or chain belongs to a dropped epoch, or to a
/// device that is not a member in this view of the group.
pub const SOTTO_ERR_EPOCH_MISMATCH: i32 = 30;
/// Core: a version-2 session received the mix marker of a KEM exchange it
/// does not hold (its state was restored from an older copy); start a new
/// session. Nothing was changed.
pub const SOTTO_ERR_KEM_MISMATCH: i32 = 31;

/// Binding: a required pointer argument was NULL.
pub const SOTTO_ERR_NULL_POINTER: i32 = 100;
/// Binding: the handle is not a live handle of this library (never created,
/// already freed, or garbage).
pub const SOTTO_ERR_INVALID_HANDLE: i32 = 101;
/// Binding: the handle is live but of another kind (e.g. a session passed
/// where an account is expected).
pub const SOTTO_ERR_WRONG_HANDLE_KIND: i32 = 102;
/// Binding: an input that must hold bytes has length 0.
pub const SOTTO_ERR_ZERO_LENGTH: i32 = 103;
/// Binding: a fixed-length input (e.g. a 32-byte storage key) has another
/// length, or a length is impossibly large.
pub const SOTTO_ERR_WRONG_LENGTH: i32 = 104;
/// Binding: a caller-provided output array is smaller than documented.
pub const SOTTO_ERR_BUFFER_TOO_SMALL: i32 = 105;
/// Binding: `sotto_buffer_free` got a buffer this library did not allocate,
/// or one already freed, or one whose length was changed.
pub const SOTTO_ERR_INVALID_BUFFER: i32 = 106;
/// Binding: a panic (a bug in Sotto) was caught at the boundary; the call
/// had no effect on other handles.
pub const SOTTO_ERR_PANIC: i32 = 107;
/// Binding: the handle was in use when a panic was caught; it can only be
/// freed.
pub const SOTTO_ERR_POISONED: i32 = 108;
/// Binding: a libsotto function was called from inside a random-number
/// callback, which is not allowed.
pub const SOTTO_ERR_REENTRANT: i32 = 109;
/// Binding: an output argument (a `sotto_buffer`, a handle, a scalar, or
/// the bytes an output array receives) overlaps an input or another output
/// of the same call. Nothing was read or written, not even the usual reset
/// of the outputs: pass separate memory for each output.
pub const SOTTO_ERR_ALIASED_OUTPUT: i32 = 110;

/// Name and message of each core (1–99) and C binding (100–199) code,
/// indexed by code, from the core's tables.
fn table() -> &'static [Option<(CString, CString)>] {
    static STRINGS: OnceLock<Vec<Option<(CString, CString)>>> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let strings = |name: &str, message: &str| {
            (
                CString::new(name).unwrap_or_default(),
                CString::new(message).unwrap_or_default(),
            )
        };
        (0..200)
            .map(|code| match Error::from_code(code) {
                Some(error) => Some(strings(error.name(), error.message())),
                None => BindingError::from_code(code)
                    .filter(|error| error.in_c())
                    .map(|error| strings(error.name(), error.message())),
            })
            .collect()
    })
}

fn strings(code: i32) -> Option<(&'static CStr, &'static CStr)> {
    match code {
        0 => Some((c"OK", c"success")),
        1..=199 => table()
            .get(usize::try_from(code).ok()?)?
            .as_ref()
            .map(|(name, message)| (name.as_c_str(), message.as_c_str())),
        _ => None,
    }
}

/// A static, human-readable message for a status code, telling a developer
/// what happened and what to do. Unknown codes give
/// `"unknown sotto status code"`. Messages never contain secret data.
///
/// Ownership: the string is static; never free it. Never returns NULL.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_error_message(code: i32) -> *const c_char {
    std::panic::catch_unwind(|| strings(code).map(|(_, message)| message))
        .ok()
        .flatten()
        .unwrap_or(c"unknown sotto status code")
        .as_ptr()
}

/// A static, stable identifier for a status code, e.g.
/// `"DUPLICATE_MESSAGE"` or `"NULL_POINTER"`; `"UNKNOWN"` for unknown codes.
///
/// Ownership: the string is static; never free it. Never returns NULL.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_error_name(code: i32) -> *const c_char {
    std::panic::catch_unwind(|| strings(code).map(|(name, _)| name))
        .ok()
        .flatten()
        .unwrap_or(c"UNKNOWN")
        .as_ptr()
}

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// The library version, e.g. `"0.1.0"`.
///
/// Ownership: the string is static; never free it. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Deliberately unwinds inside the library, to let an application (and the
/// test suite) verify that panics are converted into `SOTTO_ERR_PANIC` at the
/// boundary instead of crossing into C. It prints nothing.
///
/// Returns `SOTTO_ERR_PANIC` (always). Thread safety: any thread.
///
/// Ownership: allocates nothing that outlives the call.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_selftest_panic() -> i32 {
    crate::handles::guard(|| -> Result<(), i32> {
        std::panic::resume_unwind(Box::new("sotto_selftest_panic"))
    })
}

/// The status code of a core error.
pub(crate) fn core_code(error: Error) -> i32 {
    i32::try_from(error.code()).unwrap_or(SOTTO_ERR_PANIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_codes_match() {
        let expected = [
            (SOTTO_ERR_TRUNCATED, Error::Truncated),
            (SOTTO_ERR_TRAILING_BYTES, Error::TrailingBytes),
            (SOTTO_ERR_UNSUPPORTED_VERSION, Error::UnsupportedVersion),
            (SOTTO_ERR_WRONG_OBJECT_TYPE, Error::WrongObjectType),
            (SOTTO_ERR_MALFORMED, Error::Malformed),
            (SOTTO_ERR_INVALID_KEY, Error::InvalidKey),
            (SOTTO_ERR_NON_CONTRIBUTORY, Error::NonContributory),
            (SOTTO_ERR_BAD_SIGNATURE, Error::BadSignature),
            (SOTTO_ERR_DECRYPTION_FAILED, Error::DecryptionFailed),
            (SOTTO_ERR_DUPLICATE_MESSAGE, Error::DuplicateMessage),
            (SOTTO_ERR_TOO_FAR_AHEAD, Error::TooFarAhead),
            (SOTTO_ERR_UNKNOWN_PREKEY, Error::UnknownPrekey),
            (SOTTO_ERR_SESSION_MISMATCH, Error::SessionMismatch),
            (SOTTO_ERR_TOO_LARGE, Error::TooLarge),
            (SOTTO_ERR_INVALID_PADDING, Error::InvalidPadding),
            (SOTTO_ERR_UNSEAL_FAILED, Error::UnsealFailed),
            (SOTTO_ERR_RANDOMNESS, Error::Randomness),
            (SOTTO_ERR_LIMIT_EXCEEDED, Error::LimitExceeded),
            (SOTTO_ERR_INVALID_ARGUMENT, Error::InvalidArgument),
            (SOTTO_ERR_PREKEY_EXHAUSTED, Error::PrekeyExhausted),
            (SOTTO_ERR_STALE_SESSION, Error::StaleSession),
            (SOTTO_ERR_INTERNAL, Error::Internal),
            (SOTTO_ERR_IDENTITY_MISMATCH, Error::IdentityMismatch),
            (SOTTO_ERR_ROLLBACK, Error::Rollback),
            (SOTTO_ERR_EXPIRED, Error::Expired),
            (SOTTO_ERR_DIGEST_MISMATCH, Error::DigestMismatch),
            (SOTTO_ERR_LINK_FAILED, Error::LinkFailed),
            (SOTTO_ERR_UNKNOWN_DEVICE, Error::UnknownDevice),
            (SOTTO_ERR_UNKNOWN_SENDER_CHAIN, Error::UnknownSenderChain),
            (SOTTO_ERR_EPOCH_MISMATCH, Error::EpochMismatch),
            (SOTTO_ERR_KEM_MISMATCH, Error::KemMismatch),
        ];
        // Every core error has its constant (a new one fails here).
        assert_eq!(expected.len(), Error::ALL.len());
        for (code, error) in expected {
            assert_eq!(core_code(error), code);
            let name = strings(code).unwrap().0.to_str().unwrap();
            assert_eq!(name, error.name());
        }
    }

    #[test]
    fn binding_codes_match_the_shared_table() {
        let expected = [
            (SOTTO_ERR_NULL_POINTER, BindingError::NullPointer),
            (SOTTO_ERR_INVALID_HANDLE, BindingError::InvalidHandle),
            (SOTTO_ERR_WRONG_HANDLE_KIND, BindingError::WrongHandleKind),
            (SOTTO_ERR_ZERO_LENGTH, BindingError::ZeroLength),
            (SOTTO_ERR_WRONG_LENGTH, BindingError::WrongLength),
            (SOTTO_ERR_BUFFER_TOO_SMALL, BindingError::BufferTooSmall),
            (SOTTO_ERR_INVALID_BUFFER, BindingError::InvalidBuffer),
            (SOTTO_ERR_PANIC, BindingError::Panic),
            (SOTTO_ERR_POISONED, BindingError::Poisoned),
            (SOTTO_ERR_REENTRANT, BindingError::Reentrant),
            (SOTTO_ERR_ALIASED_OUTPUT, BindingError::AliasedOutput),
        ];
        let in_c: Vec<_> = BindingError::ALL.iter().filter(|e| e.in_c()).collect();
        assert_eq!(
            expected.len(),
            in_c.len(),
            "every C binding code has its constant"
        );
        for (code, error) in expected {
            assert!(error.in_c());
            assert_eq!(i64::from(code), i64::from(error.code()));
            let (name, message) = strings(code).unwrap();
            assert_eq!(name.to_str().unwrap(), error.name());
            assert_eq!(message.to_str().unwrap(), error.message());
        }
        // Codes of the npm package only are unknown to C.
        for error in BindingError::ALL.iter().filter(|e| !e.in_c()) {
            assert!(strings(i32::try_from(error.code()).unwrap()).is_none());
        }
        assert!(strings(50).is_none());
        assert!(strings(-1).is_none());
        assert!(strings(200).is_none());
    }
}
