//! Accounts, bundles and storage keys.

use crate::buffer::{
    Aliasing, OutBuffer, OutHandle, OutValue, Span, bytes_in, bytes_in_maybe_empty, token,
};
use crate::entry::prologue;
use crate::entry::{Input, create, decode, query, seal, unseal};
use crate::handles::sotto_rng;
use crate::handles::{AccountRef, Handle, Kind, free, guard, sotto_account};

use crate::rng::RngRef;
use crate::status::{SOTTO_ERR_INVALID_ARGUMENT, core_code};
use crate::{SOTTO_MAX_ONE_TIME_PREKEYS, SOTTO_STORAGE_KEY_LEN, sotto_buffer};
use sotto_core::{
    Account, IdentityKey, KemPrekey, OneTimePrekey, PrekeyBundle, SignedPrekey, StorageKey,
};

/// Creates an account: a new identity, a signed prekey and a last-resort
/// ML-KEM prekey (no one-time prekeys yet: see
/// `sotto_account_generate_one_time_prekeys`).
///
/// `rng` is NULL for the OS generator, or a `sotto_rng`.
/// On success `*out` receives a new handle owned by the caller (free it with
/// `sotto_account_free`); on error `*out` is NULL.
///
/// Checks, in order: `rng` (handle errors), `out` (`SOTTO_ERR_NULL_POINTER`),
/// then `SOTTO_ERR_RANDOMNESS`. Aliasing: no input memory.
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_new(
    rng: *const sotto_rng,
    out: *mut *mut sotto_account,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        create::<OutHandle<_>>(rng, out, |rng| {
            Account::new(rng).map(AccountRef::wrap).map_err(core_code)
        })
    }
}

/// Frees an account, zeroizing its private keys. NULL is a no-op.
///
/// Sessions created from the account stay valid (they do not reference it).
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Aliasing: no memory arguments. Thread safety: any thread; a call already
/// using the account on another thread completes first on its own reference.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_account_free(account: *mut sotto_account) -> i32 {
    guard(|| free(token(account), Kind::Account))
}

/// The account's public identity record (`SOTTO_IDENTITY_LEN` = 130 bytes),
/// to publish or compare.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty.
/// Checks, in order: `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_identity(
    account: *const sotto_account,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<AccountRef, OutBuffer>(account, out, |a| Ok(a.identity_key().to_bytes())) }
}

/// Generates `count` one-time X25519 prekeys and `count` one-time ML-KEM
/// prekeys (an account holds at most `SOTTO_MAX_ONE_TIME_PREKEYS` of each;
/// beyond that older keys are evicted, unpublished ones first; with `count`
/// at most `SOTTO_MAX_ONE_TIME_PREKEYS - SOTTO_MAX_PUBLISHED_ONE_TIME_PREKEYS`
/// no published key is ever evicted). Seal the account afterwards. To learn
/// what was evicted, use `sotto_account_generate_one_time_prekeys_report`.
///
/// Checks, in order: `account`, `rng` (handle errors), `count`
/// (`SOTTO_ERR_INVALID_ARGUMENT` above `SOTTO_MAX_ONE_TIME_PREKEYS`), then
/// `SOTTO_ERR_RANDOMNESS`. Aliasing: no memory arguments.
/// Thread safety: any thread; calls on one account are serialized.
///
/// Ownership: allocates nothing for the caller; the account and `rng` are
/// borrowed for the call only.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_account_generate_one_time_prekeys(
    account: *mut sotto_account,
    count: usize,
    rng: *const sotto_rng,
) -> i32 {
    guard(|| {
        let account = AccountRef::get(account)?;
        let rng = RngRef::get(rng)?;
        if count > SOTTO_MAX_ONE_TIME_PREKEYS {
            return Err(SOTTO_ERR_INVALID_ARGUMENT);
        }
        rng.with(|rng| {
            account.with(|account| {
                account
                    .generate_one_time_prekeys(count, rng)
                    .map(drop)
                    .map_err(core_code)
            })
        })
    })
}

/// What `sotto_account_generate_one_time_prekeys_report` did: numbers of
/// prekeys, counting both kinds (X25519 and ML-KEM) together.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_prekey_report {
    /// Prekeys created (2 × `count`).
    pub created: usize,
    /// Evicted prekeys that were never published: nothing to do.
    pub evicted_unpublished: usize,
    /// Evicted prekeys that were published: the server may still hand them
    /// out (a prekey message using one fails with
    /// `SOTTO_ERR_UNKNOWN_PREKEY`); ask it to delete them, or upload fewer.
    pub evicted_published: usize,
}

/// `sotto_account_generate_one_time_prekeys`, reporting what it created and
/// evicted in `*report_out` (reset to zeros on entry).
///
/// Checks, in order: `account`, `rng` (handle errors), `report_out`
/// (`SOTTO_ERR_NULL_POINTER`), `count` (`SOTTO_ERR_INVALID_ARGUMENT` above
/// `SOTTO_MAX_ONE_TIME_PREKEYS`), then `SOTTO_ERR_RANDOMNESS`. Aliasing: no
/// input memory. Thread safety: any thread; calls on one account are
/// serialized.
///
/// # Safety
/// `report_out` is NULL or valid for writing a `sotto_prekey_report`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_generate_one_time_prekeys_report(
    account: *mut sotto_account,
    count: usize,
    rng: *const sotto_rng,
    report_out: *mut sotto_prekey_report,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(&[Span::of(report_out)], &[]);
        // SAFETY: per this function's contract.
        let report_out =
            unsafe { OutValue::new(report_out, sotto_prekey_report::default(), &aliasing) };
        let account = AccountRef::get(account)?;
        let rng = RngRef::get(rng)?;
        let report_out = report_out?;
        if count > SOTTO_MAX_ONE_TIME_PREKEYS {
            return Err(SOTTO_ERR_INVALID_ARGUMENT);
        }
        let disjoint = aliasing.check()?;
        let report = rng.with(|rng| {
            account.with(|account| {
                account
                    .generate_one_time_prekeys(count, rng)
                    .map_err(core_code)
            })
        })?;
        report_out.set(
            &disjoint,
            sotto_prekey_report {
                created: report.created.len(),
                evicted_unpublished: report.evicted_unpublished.len(),
                evicted_published: report.evicted_published.len(),
            },
        );
        Ok(())
    })
}

/// Marks the one-time prekeys of a bundle made by
/// `sotto_account_prekey_bundle` as published, so that the next bundle uses
/// other ones: call it once the bundle was handed out, then seal the
/// account. Prekeys the account no longer holds are ignored.
///
/// Checks, in order: `account` (handle errors), `bundle`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), then its decoding
/// and signature errors (`SOTTO_ERR_BAD_SIGNATURE`, ...).
/// Aliasing: no outputs. Thread safety: any thread; calls on one account
/// are serialized.
///
/// # Safety
/// `bundle` is NULL or readable for `bundle_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_mark_bundle_published(
    account: *mut sotto_account,
    bundle: *const u8,
    bundle_len: usize,
) -> i32 {
    prologue! {
        outs: [],
        handles: [account: AccountRef],
        arrays: [],
        inputs: [bundle = bytes_in(bundle, bundle_len)],
        |_disjoint| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            account.with(|account| {
                account.mark_bundle_published(&bundle);
                Ok(())
            })
        }
    }
}

/// The numbers of one-time X25519 and ML-KEM prekeys the account still
/// holds (to decide when to generate and upload more).
///
/// Checks, in order: `account` (handle errors), `x25519_out`, `ml_kem_out`
/// (`SOTTO_ERR_NULL_POINTER`), aliasing (the two outputs must not overlap:
/// `SOTTO_ERR_ALIASED_OUTPUT`). Thread safety: any thread.
///
/// Ownership: allocates nothing; writes two `size_t`s (reset to 0 on
/// entry); the account is borrowed for the call only.
///
/// # Safety
/// `x25519_out` and `ml_kem_out` are NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_one_time_prekey_counts(
    account: *const sotto_account,
    x25519_out: *mut usize,
    ml_kem_out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let outs = (x25519_out, ml_kem_out);
        query::<AccountRef, (OutValue<usize>, OutValue<usize>)>(account, outs, |account| {
            Ok(account.one_time_prekey_counts())
        })
    }
}

/// Builds a prekey bundle (the bytes a peer needs to start a session with
/// this account), without changing the account: it uses the oldest
/// unpublished one-time prekeys, so calls return the same bundle until
/// `sotto_account_mark_bundle_published` records that it was handed out
/// (or `sotto_account_mark_prekeys_published` after an upload).
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty.
/// Checks, in order: `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INTERNAL` (never expected).
/// Aliasing: no input memory.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_prekey_bundle(
    account: *const sotto_account,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<AccountRef, OutBuffer>(account, out, |account| {
            account
                .prekey_bundle()
                .map(|bundle| bundle.to_bytes())
                .map_err(core_code)
        })
    }
}

/// Replaces the signed prekey with a fresh one (do this regularly, e.g.
/// weekly, then publish a new bundle). The previous two stay usable for
/// prekey messages in flight. Seal the account afterwards.
///
/// Checks, in order: `account`, `rng` (handle errors), then
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_LIMIT_EXCEEDED`. Aliasing: no memory
/// arguments. Thread safety: any thread; calls on one account are
/// serialized.
///
/// Ownership: allocates nothing for the caller; the account and `rng` are
/// borrowed for the call only.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_account_rotate_signed_prekey(
    account: *mut sotto_account,
    rng: *const sotto_rng,
) -> i32 {
    guard(|| {
        let account = AccountRef::get(account)?;
        let rng = RngRef::get(rng)?;
        rng.with(|rng| account.with(|account| account.rotate_signed_prekey(rng).map_err(core_code)))
    })
}

/// Replaces the last-resort ML-KEM prekey with a fresh one, keeping the
/// previous two. Seal the account afterwards.
///
/// Checks, in order: `account`, `rng` (handle errors), then
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_LIMIT_EXCEEDED`. Aliasing: no memory
/// arguments. Thread safety: any thread; calls on one account are
/// serialized.
///
/// Ownership: allocates nothing for the caller; the account and `rng` are
/// borrowed for the call only.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_account_rotate_last_resort_prekey(
    account: *mut sotto_account,
    rng: *const sotto_rng,
) -> i32 {
    guard(|| {
        let account = AccountRef::get(account)?;
        let rng = RngRef::get(rng)?;
        rng.with(|rng| {
            account.with(|account| account.rotate_last_resort_prekey(rng).map_err(core_code))
        })
    })
}

/// Marks every prekey as published (call after a successful upload).
///
/// Errors: handle errors only. Aliasing: no memory arguments.
/// Thread safety: any thread.
///
/// Ownership: allocates nothing; the account is borrowed for the call only.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_account_mark_prekeys_published(account: *mut sotto_account) -> i32 {
    guard(|| {
        AccountRef::get(account)?.with(|account| {
            account.mark_prekeys_published();
            Ok(())
        })
    })
}

/// Seals (encrypts and authenticates) the account under a 32-byte storage
/// key, for storage at rest. Keep the key in the platform keystore.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty.
///
/// Checks, in order: `account`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH` when not 32 bytes),
/// aliasing (`out` must not overlap `key`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// `SOTTO_ERR_RANDOMNESS`.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid for
/// writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_seal(
    account: *const sotto_account,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { seal::<AccountRef>(account, key, key_len, rng, out) }
}

/// Restores an account sealed by `sotto_account_seal`.
///
/// On success `*out` receives a new handle owned by the caller (free it with
/// `sotto_account_free`); on error `*out` is NULL.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `key`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out` must not overlap `key` or
/// `sealed`: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding
/// errors, `SOTTO_ERR_UNSEAL_FAILED` (wrong key or corrupted bytes),
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (a sealed session). Thread safety: any
/// thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `sealed` is NULL or
/// readable for `sealed_len` bytes; `out` is NULL or valid for writing a
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_account,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, AccountRef::wrap) }
}

/// Decodes a prekey bundle, verifies every signature in it, and returns the
/// owner's identity record (`SOTTO_IDENTITY_LEN` bytes), e.g. to compare
/// with the identity a directory claims.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `bundle`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out` must
/// not overlap `bundle`: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents:
/// decoding errors, `SOTTO_ERR_INVALID_KEY`, `SOTTO_ERR_BAD_SIGNATURE`.
/// Thread safety: any thread.
///
/// # Safety
/// `bundle` is NULL or readable for `bundle_len` bytes; `out` is NULL or
/// valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_bundle_identity(
    bundle: *const u8,
    bundle_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        decode::<OutBuffer>(Input::Bytes(bundle, bundle_len), out, |bundle| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            Ok(bundle.identity().to_bytes())
        })
    }
}

/// Decodes a prekey bundle of either form (version 1, kind `0x01`, or
/// version 2, kind `0x13`), verifies it, and re-encodes it (PROTOCOL.md
/// §22.2); shared by `sotto_bundle_with_pq_ratchet` and
/// `sotto_bundle_without_capabilities`.
///
/// # Safety
/// As those functions.
unsafe fn convert_bundle(
    bundle: *const u8,
    bundle_len: usize,
    out: *mut sotto_buffer,
    convert: fn(PrekeyBundle) -> PrekeyBundle,
) -> i32 {
    // SAFETY: per the caller's contract.
    unsafe {
        decode::<OutBuffer>(Input::Bytes(bundle, bundle_len), out, |bundle| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            Ok(convert(bundle).to_bytes())
        })
    }
}

/// The same prekey bundle advertising ratchet version 2, the post-quantum
/// KEM ratchet (PROTOCOL.md §22.2): kind `0x13` with capability bit `0x01`
/// (1526 bytes with a one-time prekey, 1489 without). An owner that runs
/// version 2 publishes this form of `sotto_account_prekey_bundle`'s bundle;
/// `sotto_session_initiate` (and the record and person functions) with it
/// start a version-2 session. A version-1 peer cannot decode it
/// (`SOTTO_ERR_WRONG_OBJECT_TYPE`): serve it
/// `sotto_bundle_without_capabilities`. Takes either form; the prekeys and
/// signatures are unchanged (the capability byte is not signed).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `bundle`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the
/// bundle's decoding errors, `SOTTO_ERR_INVALID_KEY`,
/// `SOTTO_ERR_BAD_SIGNATURE`. Thread safety: any thread.
///
/// # Safety
/// `bundle` is NULL or readable for `bundle_len` bytes; `out` is NULL or
/// valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_bundle_with_pq_ratchet(
    bundle: *const u8,
    bundle_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { convert_bundle(bundle, bundle_len, out, PrekeyBundle::with_pq_ratchet) }
}

/// The same prekey bundle in its version-1 form (kind `0x01`, PROTOCOL.md
/// §4.2), for peers that run only ratchet version 1: a session started with
/// it is a version-1 session. Takes either form.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks as `sotto_bundle_with_pq_ratchet`. Thread safety: any
/// thread.
///
/// # Safety
/// `bundle` is NULL or readable for `bundle_len` bytes; `out` is NULL or
/// valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_bundle_without_capabilities(
    bundle: *const u8,
    bundle_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { convert_bundle(bundle, bundle_len, out, PrekeyBundle::without_capabilities) }
}

/// Whether a prekey bundle advertises ratchet version 2 (capability bit
/// `0x01` of a kind-`0x13` bundle): a session started with it uses the
/// post-quantum KEM ratchet. Stores the answer in `*out`.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `bundle`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the
/// bundle's decoding errors, `SOTTO_ERR_INVALID_KEY`,
/// `SOTTO_ERR_BAD_SIGNATURE`. `*out` is false on error. Thread safety: any
/// thread.
///
/// # Safety
/// `bundle` is NULL or readable for `bundle_len` bytes; `out` is NULL or
/// valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_bundle_supports_pq_ratchet(
    bundle: *const u8,
    bundle_len: usize,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        decode::<OutValue<bool>>(Input::Bytes(bundle, bundle_len), out, |bundle| {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            Ok(bundle.supports_pq_ratchet())
        })
    }
}

/// Generates a random 32-byte storage key into `out` (at least
/// `SOTTO_STORAGE_KEY_LEN` bytes; exactly 32 are written). The caller owns
/// the key: keep it in the platform keystore and wipe copies after use.
///
/// Checks, in order: `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`), then
/// `SOTTO_ERR_RANDOMNESS`. `out` is written only on success. Aliasing: no
/// input memory. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_storage_key_generate(
    rng: *const sotto_rng,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    prologue! {
        outs: [],
        handles: [rng: RngRef],
        arrays: [out: (out_len, SOTTO_STORAGE_KEY_LEN)],
        inputs: [],
        |disjoint| {
            let key = rng.with(|rng| StorageKey::generate(rng).map_err(core_code))?;
            out.set(&disjoint, key.expose())
        }
    }
}

/// Writes the concatenated encodings of `items` and their count.
fn concatenated<T>(items: &[T], encode: impl Fn(&T) -> Vec<u8>) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(&encode(item));
    }
    (out, items.len())
}

/// The current signed X25519 prekey (`SOTTO_SIGNED_PREKEY_LEN` = 101 bytes),
/// to upload to the server that assembles bundles (see
/// `sotto_bundle_assemble`).
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty.
/// Checks, in order: `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_signed_prekey(
    account: *const sotto_account,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<AccountRef, OutBuffer>(account, out, |a| Ok(a.signed_prekey().to_bytes())) }
}

/// The current signed last-resort ML-KEM prekey (`SOTTO_KEM_PREKEY_LEN` =
/// 1254 bytes), to upload; the server uses it when no one-time ML-KEM prekey
/// is left.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty.
/// Checks, in order: `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory.
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_last_resort_prekey(
    account: *const sotto_account,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<AccountRef, OutBuffer>(account, out, |a| Ok(a.last_resort_prekey().to_bytes()))
    }
}

/// The one-time X25519 prekeys not yet marked published, to upload: `*out`
/// receives their encodings concatenated (`*count` records of
/// `SOTTO_ONE_TIME_PREKEY_LEN` = 37 bytes; an empty buffer when there are
/// none). Call `sotto_account_mark_prekeys_published` after the upload.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty and `*count` is 0.
/// Checks, in order: `account` (handle errors), `out`, `count`
/// (`SOTTO_ERR_NULL_POINTER`), aliasing (`count` must not overlap `*out`:
/// `SOTTO_ERR_ALIASED_OUTPUT`).
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`; `count` is NULL or
/// valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_unpublished_one_time_prekeys(
    account: *const sotto_account,
    out: *mut sotto_buffer,
    count: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<AccountRef, (OutBuffer, OutValue<usize>)>(account, (out, count), |account| {
            Ok(concatenated(
                &account.unpublished_one_time_prekeys(),
                |key| key.to_bytes(),
            ))
        })
    }
}

/// The signed one-time ML-KEM prekeys not yet marked published, to upload:
/// `*out` receives their encodings concatenated (`*count` records of
/// `SOTTO_KEM_PREKEY_LEN` = 1254 bytes; an empty buffer when there are
/// none). Call `sotto_account_mark_prekeys_published` after the upload.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`); on error it is empty and `*count` is 0.
/// Checks, in order: `account` (handle errors), `out`, `count`
/// (`SOTTO_ERR_NULL_POINTER`), aliasing (`count` must not overlap `*out`:
/// `SOTTO_ERR_ALIASED_OUTPUT`).
/// Thread safety: any thread; calls on one account are serialized.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`; `count` is NULL or
/// valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_account_unpublished_one_time_kem_prekeys(
    account: *const sotto_account,
    out: *mut sotto_buffer,
    count: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<AccountRef, (OutBuffer, OutValue<usize>)>(account, (out, count), |account| {
            let keys = account
                .unpublished_one_time_kem_prekeys()
                .map_err(core_code)?;
            Ok(concatenated(&keys, |key| key.to_bytes()))
        })
    }
}

/// Server side: assembles a bundle from the parts an account uploaded (an
/// identity record, its signed prekey, one ML-KEM prekey: a one-time one
/// while any remain, else the last-resort one, and optionally one one-time
/// X25519 prekey, passed as NULL/0 when none is left), verifying both
/// signatures. Each one-time prekey must be handed out only once.
///
/// On success `*out` holds the bundle in a new buffer owned by the caller;
/// on error it is empty. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `identity`, `signed_prekey`, `kem_prekey` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), `one_time_prekey` (`SOTTO_ERR_NULL_POINTER`
/// when NULL with a non-zero length), aliasing (`out` must not overlap any
/// input: `SOTTO_ERR_ALIASED_OUTPUT`), then the contents: decoding errors,
/// `SOTTO_ERR_BAD_SIGNATURE` (a prekey not signed by this identity).
/// Thread safety: any thread.
///
/// # Safety
/// Each input is NULL or readable for its length; `out` is NULL or valid for
/// writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_bundle_assemble(
    identity: *const u8,
    identity_len: usize,
    signed_prekey: *const u8,
    signed_prekey_len: usize,
    kem_prekey: *const u8,
    kem_prekey_len: usize,
    one_time_prekey: *const u8,
    one_time_prekey_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [out: OutBuffer],
        handles: [],
        arrays: [],
        inputs: [
            identity = bytes_in(identity, identity_len),
            signed_prekey = bytes_in(signed_prekey, signed_prekey_len),
            kem_prekey = bytes_in(kem_prekey, kem_prekey_len),
            one_time_prekey = bytes_in_maybe_empty(one_time_prekey, one_time_prekey_len),
        ],
        |disjoint| {
            let bundle = PrekeyBundle::new(
                IdentityKey::from_bytes(identity).map_err(core_code)?,
                SignedPrekey::from_bytes(signed_prekey).map_err(core_code)?,
                KemPrekey::from_bytes(kem_prekey).map_err(core_code)?,
                if one_time_prekey.is_empty() {
                    None
                } else {
                    Some(OneTimePrekey::from_bytes(one_time_prekey).map_err(core_code)?)
                },
            )
            .map_err(core_code)?;
            out.set(&disjoint, bundle.to_bytes());
            Ok(())
        }
    }
}
