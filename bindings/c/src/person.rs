//! People and their devices (PROTOCOL.md §18): the user identity (on the
//! person's primary device), signed device lists and device certificates.
//!
//! Device entries cross the ABI in their wire encoding (§18.2), each
//! `SOTTO_DEVICE_ENTRY_LEN` (142) bytes: `u32 device_id` (big-endian) ||
//! the device's 130-byte identity record || `u64 added_at` (big-endian).

use crate::buffer::Out;
use crate::buffer::{Aliasing, OutBuffer, OutHandle, OutValue, Span, array_in, bytes_in, token};
use crate::entry::prologue;
use crate::entry::{Input, call, create, decode, query, query_array, seal, unseal};
use crate::handles::Handle;
use crate::handles::{
    DeviceListRef, FfiResult, Kind, UserIdentityRef, free, guard, sotto_device_list, sotto_rng,
    sotto_user_identity,
};

use crate::status::{
    SOTTO_ERR_INVALID_ARGUMENT, SOTTO_ERR_NULL_POINTER, SOTTO_ERR_TOO_LARGE,
    SOTTO_ERR_WRONG_LENGTH, core_code,
};
use crate::{SOTTO_IDENTITY_LEN, SOTTO_SAFETY_NUMBER_SIZE, sotto_buffer};
use core::ffi::c_char;
use core::ptr;
use sotto_core::person::DeviceEntry;
use sotto_core::{
    DeviceCertificate, DeviceList, IdentityKey, SafetyNumber, UserIdentity, UserIdentityKey,
};

/// Length of an encoded user identity key (`0x02 || Ed25519 key`).
pub const SOTTO_USER_IDENTITY_KEY_LEN: usize = 33;
/// Length of an encoded device certificate.
pub const SOTTO_DEVICE_CERTIFICATE_LEN: usize = 241;
/// Length of one encoded device entry: `u32 device_id || identity record
/// (130) || u64 added_at`, integers big-endian.
pub const SOTTO_DEVICE_ENTRY_LEN: usize = 142;
/// Most devices one device list holds.
pub const SOTTO_MAX_DEVICES: usize = 16;

/// Reads an array of `count` `uint32_t` (NULL allowed when `count` is 0).
///
/// # Safety
/// `data` is NULL or readable for `count` `uint32_t` values.
pub(crate) unsafe fn u32s_in(data: *const u32, count: usize) -> FfiResult<Vec<u32>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if data.is_null() {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    // SAFETY: `data` is non-NULL and readable for `count` values per the
    // caller; each is read unaligned, so no alignment is assumed.
    Ok((0..count)
        .map(|i| unsafe { data.add(i).read_unaligned() })
        .collect())
}

/// The span of an array of `count` `uint32_t`.
fn u32s_span(data: *const u32, count: usize) -> Span {
    Span::bytes(data.cast(), count.saturating_mul(4))
}

/// Reads a 33-byte user identity key argument (shape only).
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes.
unsafe fn user_key_bytes(
    key: *const u8,
    key_len: usize,
) -> FfiResult<[u8; SOTTO_USER_IDENTITY_KEY_LEN]> {
    // SAFETY: forwarded from the caller.
    unsafe { array_in::<SOTTO_USER_IDENTITY_KEY_LEN>(key, key_len) }
}

/// Encodes device entries as in §18.2, concatenated.
pub(crate) fn entries_bytes(entries: &[DeviceEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * SOTTO_DEVICE_ENTRY_LEN);
    for entry in entries {
        out.extend_from_slice(&entry.device_id.to_be_bytes());
        out.extend_from_slice(&entry.identity.to_bytes());
        out.extend_from_slice(&entry.added_at.to_be_bytes());
    }
    out
}

/// Creates a user identity (a person's signing key) with no device list
/// yet, on the person's primary device. Draws 32 bytes from `rng` (NULL:
/// the OS generator).
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_user_identity_free`, which wipes the key); on error `*out`
/// is NULL. Checks, in order: `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_RANDOMNESS`. Thread safety:
/// any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_new(
    rng: *const sotto_rng,
    out: *mut *mut sotto_user_identity,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        create::<OutHandle<_>>(rng, out, |rng| {
            UserIdentity::new(rng)
                .map(UserIdentityRef::wrap)
                .map_err(core_code)
        })
    }
}

/// Writes the person's public user identity key
/// (`SOTTO_USER_IDENTITY_KEY_LEN` bytes) to `out`: contacts pin it and
/// verify device lists and certificates with it.
///
/// Checks, in order: `user` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`). Written only
/// on success. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_public_key(
    user: *const sotto_user_identity,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<UserIdentityRef, _>(user, out, out_len, SOTTO_USER_IDENTITY_KEY_LEN, |user| {
            Ok(user.public_key().to_bytes())
        })
    }
}

/// Signs the person's next device list: the committed one (or an empty
/// one) with the devices `remove_device_ids` taken out and `add_count`
/// devices put in, device `add_device_ids[i]` with identity record
/// `add_identities[i * SOTTO_IDENTITY_LEN ..]`, each added at `now` (the
/// application's clock, Unix seconds by convention), under the next
/// version. Pure: the identity does not change until
/// `sotto_user_identity_commit_device_list` (upload the list first).
///
/// On success `*out` holds the signed list, a new buffer owned by the
/// caller; on error it is empty.
///
/// Checks, in order: `user` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `add_count` (`SOTTO_ERR_TOO_LARGE` over
/// `SOTTO_MAX_DEVICES`), `add_device_ids` and `add_identities`
/// (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero count;
/// `add_identities_len` must be `add_count * SOTTO_IDENTITY_LEN`:
/// `SOTTO_ERR_WRONG_LENGTH`), `remove_count` (`SOTTO_ERR_INVALID_ARGUMENT`
/// over `SOTTO_MAX_DEVICES`), `remove_device_ids`
/// (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero count), aliasing,
/// then the identities' decoding errors and `SOTTO_ERR_INVALID_ARGUMENT`
/// (a removed device not listed, an added id already listed or repeated,
/// an identity under two ids), `SOTTO_ERR_TOO_LARGE` (list full),
/// `SOTTO_ERR_LIMIT_EXCEEDED`. Thread safety: any thread.
///
/// # Safety
/// `add_device_ids` is NULL or readable for `add_count` values,
/// `add_identities` for `add_identities_len` bytes, `remove_device_ids`
/// for `remove_count` values; `out` is NULL or valid for writing a
/// `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_sign_device_list(
    user: *const sotto_user_identity,
    add_device_ids: *const u32,
    add_identities: *const u8,
    add_identities_len: usize,
    add_count: usize,
    remove_device_ids: *const u32,
    remove_count: usize,
    now: u64,
    out: *mut sotto_buffer,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(
            &[Span::of(out)],
            &[
                u32s_span(add_device_ids, add_count),
                Span::bytes(add_identities, add_identities_len),
                u32s_span(remove_device_ids, remove_count),
            ],
        );
        // SAFETY: per this function's contract.
        let out = unsafe { OutBuffer::new(out, &aliasing) };
        let user = UserIdentityRef::get(user)?;
        let out = out?;
        if add_count > SOTTO_MAX_DEVICES {
            return Err(SOTTO_ERR_TOO_LARGE);
        }
        // SAFETY: per this function's contract.
        let add_ids = unsafe { u32s_in(add_device_ids, add_count) }?;
        let identities = if add_count == 0 && add_identities_len == 0 {
            &[][..]
        } else {
            // SAFETY: per this function's contract.
            unsafe { bytes_in(add_identities, add_identities_len) }?
        };
        if identities.len() != add_count * SOTTO_IDENTITY_LEN {
            return Err(SOTTO_ERR_WRONG_LENGTH);
        }
        if remove_count > SOTTO_MAX_DEVICES {
            return Err(SOTTO_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: per this function's contract.
        let remove = unsafe { u32s_in(remove_device_ids, remove_count) }?;
        let disjoint = aliasing.check()?;
        let mut add = Vec::with_capacity(add_count);
        for (id, record) in add_ids
            .iter()
            .zip(identities.chunks_exact(SOTTO_IDENTITY_LEN))
        {
            add.push((*id, IdentityKey::from_bytes(record).map_err(core_code)?));
        }
        let list =
            user.with(|user| user.sign_device_list(&add, &remove, now).map_err(core_code))?;
        out.set(&disjoint, list.to_bytes());
        Ok(())
    })
}

/// Adopts a device list signed by `sotto_user_identity_sign_device_list`
/// (or inside a link response) as the identity's current list, once the
/// server has stored it.
///
/// Checks, in order: `user` (handle errors), `list`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), then the list's
/// decoding errors, `SOTTO_ERR_IDENTITY_MISMATCH` (another person's list),
/// `SOTTO_ERR_BAD_SIGNATURE`, `SOTTO_ERR_ROLLBACK` (not newer than the
/// committed one). Nothing changes on error. Aliasing: no outputs. Thread
/// safety: any thread.
///
/// # Safety
/// `list` is NULL or readable for `list_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_commit_device_list(
    user: *mut sotto_user_identity,
    list: *const u8,
    list_len: usize,
) -> i32 {
    prologue! {
        outs: [],
        handles: [user: UserIdentityRef],
        arrays: [],
        inputs: [list = bytes_in(list, list_len)],
        |_disjoint| {
            user.with(|user| {
                let list = DeviceList::from_bytes(list, &user.public_key()).map_err(core_code)?;
                user.commit_device_list(&list).map_err(core_code)
            })
        }
    }
}

/// The device list last committed, as signed (empty, `{NULL, 0}`, when none
/// was committed yet).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `user` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_device_list(
    user: *const sotto_user_identity,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<UserIdentityRef, OutBuffer>(user, out, |user| {
            Ok(user
                .device_list()
                .map(DeviceList::to_bytes)
                .unwrap_or_default())
        })
    }
}

/// Issues the certificate (`SOTTO_DEVICE_CERTIFICATE_LEN` bytes) of device
/// `device_id` of the committed list: the device shows it to prove that it
/// belongs to this person.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `user` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` (no list
/// committed, or the device is not in it). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_certify_device(
    user: *const sotto_user_identity,
    device_id: u32,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<UserIdentityRef, OutBuffer>(user, out, |user| {
            let certificate = user.certify_device(device_id).map_err(core_code)?;
            Ok(certificate.to_bytes())
        })
    }
}

/// Seals the user identity (its private key and committed list) under a
/// 32-byte storage key.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `user`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_RANDOMNESS`. Thread safety: any thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid
/// for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_seal(
    user: *const sotto_user_identity,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { seal::<UserIdentityRef>(user, key, key_len, rng, out) }
}

/// Restores a user identity sealed by `sotto_user_identity_seal`.
///
/// On success `*out` receives a new handle owned by the caller; on error
/// `*out` is NULL. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key`, `sealed` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH` for a key not of 32 bytes), aliasing, then
/// `SOTTO_ERR_UNSEAL_FAILED`, `SOTTO_ERR_WRONG_OBJECT_TYPE`, decoding
/// errors. Thread safety: any thread.
///
/// # Safety
/// `key` and `sealed` are NULL or readable for their lengths; `out` is NULL
/// or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_identity_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_user_identity,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, UserIdentityRef::wrap) }
}

/// Frees a user identity, wiping its private key. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_user_identity_free(user: *mut sotto_user_identity) -> i32 {
    guard(|| free(token(user), Kind::UserIdentity))
}

/// Decodes and verifies a person's device list fetched from the server,
/// against their user identity key (`SOTTO_USER_IDENTITY_KEY_LEN` bytes,
/// pinned when the person was verified): the signature, the entries'
/// order and every device identity.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_device_list_free`); on error `*out` is NULL.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `list`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), `user_key`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_INVALID_KEY` (the user key), the list's decoding errors,
/// `SOTTO_ERR_IDENTITY_MISMATCH` (another person's list),
/// `SOTTO_ERR_MALFORMED`, `SOTTO_ERR_BAD_SIGNATURE` (e.g. a device the
/// server added: a ghost device). Thread safety: any thread.
///
/// # Safety
/// `list` and `user_key` are NULL or readable for their lengths; `out` is
/// NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_new(
    list: *const u8,
    list_len: usize,
    user_key: *const u8,
    user_key_len: usize,
    out: *mut *mut sotto_device_list,
) -> i32 {
    prologue! {
        outs: [out: OutHandle<sotto_device_list>],
        handles: [],
        arrays: [],
        inputs: [
            list = bytes_in(list, list_len),
            user_key = user_key_bytes(user_key, user_key_len),
        ],
        |disjoint| {
            let user_key = UserIdentityKey::from_bytes(&user_key).map_err(core_code)?;
            let list = DeviceList::from_bytes(list, &user_key).map_err(core_code)?;
            out.put(&disjoint, DeviceListRef::wrap(list));
            Ok(())
        }
    }
}

/// `sotto_device_list_new` for a person seen for the first time: the user
/// key the list names is trusted (trust on first use; pin it with
/// `sotto_device_list_user_key` and compare safety numbers later). Every
/// other check applies.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `list`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then as
/// `sotto_device_list_new` without `SOTTO_ERR_IDENTITY_MISMATCH`. Thread
/// safety: any thread.
///
/// # Safety
/// `list` is NULL or readable for `list_len` bytes; `out` is NULL or valid
/// for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_new_first_use(
    list: *const u8,
    list_len: usize,
    out: *mut *mut sotto_device_list,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        decode::<OutHandle<_>>(Input::Bytes(list, list_len), out, |list| {
            let list = DeviceList::from_bytes_first_use(list).map_err(core_code)?;
            Ok(DeviceListRef::wrap(list))
        })
    }
}

/// Checks a newer list of the same person fetched from the server and, on
/// success, holds it in place of the current one; `*added` and `*removed`
/// receive what changed, as encoded device entries
/// (`SOTTO_DEVICE_ENTRY_LEN` bytes each, see the top of this section; a
/// device whose identity changed is in both). The same list again is
/// accepted with no change.
///
/// On error the handle keeps its list and both outputs are empty.
///
/// Checks, in order: `list` (handle errors), `added`, `removed`
/// (`SOTTO_ERR_NULL_POINTER`), `new_list` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the errors of
/// `sotto_device_list_new` with the held user key (a ghost device is
/// `SOTTO_ERR_BAD_SIGNATURE`), then `SOTTO_ERR_ROLLBACK` (an older version,
/// or another list under the same version). Thread safety: any thread.
///
/// # Safety
/// `new_list` is NULL or readable for `new_list_len` bytes; `added` and
/// `removed` are NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_update(
    list: *mut sotto_device_list,
    new_list: *const u8,
    new_list_len: usize,
    added: *mut sotto_buffer,
    removed: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let new_list = Input::Bytes(new_list, new_list_len);
        let outs = (added, removed);
        call::<DeviceListRef, (OutBuffer, OutBuffer)>(
            list,
            ptr::null(),
            new_list,
            outs,
            |list, l, _| {
                let (new, change) = list.update(l).map_err(core_code)?;
                *list = new;
                Ok((entries_bytes(&change.added), entries_bytes(&change.removed)))
            },
        )
    }
}

/// The list as signed (to store, or to hand to another device).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `list` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_to_bytes(
    list: *const sotto_device_list,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<DeviceListRef, OutBuffer>(list, out, |list| Ok(list.to_bytes())) }
}

/// The list's devices, sorted by device id, as encoded device entries
/// (`SOTTO_DEVICE_ENTRY_LEN` bytes each).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `list` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_entries(
    list: *const sotto_device_list,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<DeviceListRef, OutBuffer>(list, out, |list| Ok(entries_bytes(list.entries())))
    }
}

/// Stores the list's version (at least 1; it only grows) in `*out`.
///
/// Checks, in order: `list` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_version(
    list: *const sotto_device_list,
    out: *mut u64,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<DeviceListRef, OutValue<u64>>(list, out, |list| Ok(list.version())) }
}

/// Writes the user identity key that signed the list
/// (`SOTTO_USER_IDENTITY_KEY_LEN` bytes) to `out`.
///
/// Checks, in order: `list` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`). Written only
/// on success. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_user_key(
    list: *const sotto_device_list,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<DeviceListRef, _>(list, out, out_len, SOTTO_USER_IDENTITY_KEY_LEN, |list| {
            Ok(list.user_key().to_bytes())
        })
    }
}

/// Whether a device identity (a 130-byte identity record, e.g. a session
/// peer's `sotto_session_remote_identity`) is one of the person's listed
/// devices: `*found` and, when found, its id in `*device_id`.
///
/// Checks, in order: `list` (handle errors), `found`, `device_id`
/// (`SOTTO_ERR_NULL_POINTER`), `identity` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_WRONG_LENGTH`), aliasing, then the identity's decoding
/// errors. Both outputs are false / 0 on error. Thread safety: any thread.
///
/// # Safety
/// `identity` is NULL or readable for `identity_len` bytes; `found` and
/// `device_id` are NULL or valid for writing a `bool` / `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_find_identity(
    list: *const sotto_device_list,
    identity: *const u8,
    identity_len: usize,
    found: *mut bool,
    device_id: *mut u32,
) -> i32 {
    prologue! {
        outs: [found: OutValue<bool>, device_id: OutValue<u32>],
        handles: [list: DeviceListRef],
        arrays: [],
        inputs: [identity = array_in::<SOTTO_IDENTITY_LEN>(identity, identity_len)],
        |disjoint| {
            let identity = IdentityKey::from_bytes(&identity).map_err(core_code)?;
            let id =
                list.with(|list| Ok(list.device_with_identity(&identity).map(|e| e.device_id)))?;
            found.set(&disjoint, id.is_some());
            device_id.set(&disjoint, id.unwrap_or(0));
            Ok(())
        }
    }
}

/// Checks a device certificate against this list: issued by the list's
/// user and for a device the list holds with the same identity (a device
/// removed since fails). Stores the certified device's id in `*device_id`.
///
/// Checks, in order: `list` (handle errors), `device_id`
/// (`SOTTO_ERR_NULL_POINTER`), `certificate` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the certificate's decoding
/// errors, `SOTTO_ERR_BAD_SIGNATURE`, `SOTTO_ERR_IDENTITY_MISMATCH`
/// (another user's certificate, or a device not in the list).
/// `*device_id` is 0 on error. Thread safety: any thread.
///
/// # Safety
/// `certificate` is NULL or readable for `certificate_len` bytes;
/// `device_id` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_verify_certificate(
    list: *const sotto_device_list,
    certificate: *const u8,
    certificate_len: usize,
    device_id: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let certificate = Input::Bytes(certificate, certificate_len);
        call::<DeviceListRef, OutValue<u32>>(
            list,
            ptr::null(),
            certificate,
            device_id,
            |list, certificate, _| {
                let certificate = DeviceCertificate::from_bytes(certificate, list.user_key())
                    .map_err(core_code)?;
                certificate.verify_in_list(list).map_err(core_code)?;
                Ok(certificate.device_id())
            },
        )
    }
}

/// Frees a device list. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_device_list_free(list: *mut sotto_device_list) -> i32 {
    guard(|| free(token(list), Kind::DeviceList))
}

/// Verifies a device certificate without the whole list: issued by the
/// person whose user key is `user_key` (`SOTTO_USER_IDENTITY_KEY_LEN`
/// bytes), signature valid, and certifying the device whose identity record
/// is `device_identity` (`SOTTO_IDENTITY_LEN` bytes, e.g. the peer of a
/// session). Stores the device's id and the list version at issue.
///
/// Checks, in order: `device_id`, `list_version`
/// (`SOTTO_ERR_NULL_POINTER`), `certificate` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), `user_key`, `device_identity`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_INVALID_KEY`, the certificate's decoding errors,
/// `SOTTO_ERR_IDENTITY_MISMATCH` (another user's certificate, or another
/// device's), `SOTTO_ERR_BAD_SIGNATURE`. Outputs are 0 on error. Thread
/// safety: any thread.
///
/// # Safety
/// `certificate`, `user_key` and `device_identity` are NULL or readable for
/// their lengths; `device_id` and `list_version` are NULL or valid for
/// writing a `uint32_t` / `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_certificate_verify(
    certificate: *const u8,
    certificate_len: usize,
    user_key: *const u8,
    user_key_len: usize,
    device_identity: *const u8,
    device_identity_len: usize,
    device_id: *mut u32,
    list_version: *mut u64,
) -> i32 {
    prologue! {
        outs: [device_id: OutValue<u32>, list_version: OutValue<u64>],
        handles: [],
        arrays: [],
        inputs: [
            certificate = bytes_in(certificate, certificate_len),
            user_key = user_key_bytes(user_key, user_key_len),
            identity = array_in::<SOTTO_IDENTITY_LEN>(device_identity, device_identity_len),
        ],
        |disjoint| {
            let user_key = UserIdentityKey::from_bytes(&user_key).map_err(core_code)?;
            let identity = IdentityKey::from_bytes(&identity).map_err(core_code)?;
            let certificate =
                DeviceCertificate::from_bytes(certificate, &user_key).map_err(core_code)?;
            certificate.verify_device(&identity).map_err(core_code)?;
            device_id.set(&disjoint, certificate.device_id());
            list_version.set(&disjoint, certificate.list_version());
            Ok(())
        }
    }
}

/// Writes the 60-digit safety number of two people (identical on both
/// sides) as a NUL-terminated ASCII string into `out`, which holds at least
/// `SOTTO_SAFETY_NUMBER_SIZE` (61) bytes: users compare it out of band to
/// verify each other's user identity key once, which then vouches for
/// every device in their signed device lists. `local_key` and `remote_key`
/// are `SOTTO_USER_IDENTITY_KEY_LEN`-byte user identity keys.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), `local_key`, `remote_key`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), aliasing (the bytes written must overlap
/// neither key), then `SOTTO_ERR_INVALID_KEY`. Written only on success.
/// Thread safety: any thread.
///
/// # Safety
/// `local_key` and `remote_key` are NULL or readable for their lengths;
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_user_safety_number(
    local_key: *const u8,
    local_key_len: usize,
    remote_key: *const u8,
    remote_key_len: usize,
    out: *mut c_char,
    out_len: usize,
) -> i32 {
    // `c_char` and `u8` have the same size and alignment.
    let out = out.cast::<u8>();
    prologue! {
        outs: [],
        handles: [],
        arrays: [out: (out_len, SOTTO_SAFETY_NUMBER_SIZE)],
        inputs: [
            local = user_key_bytes(local_key, local_key_len),
            remote = user_key_bytes(remote_key, remote_key_len),
        ],
        |disjoint| {
            let local = UserIdentityKey::from_bytes(&local).map_err(core_code)?;
            let remote = UserIdentityKey::from_bytes(&remote).map_err(core_code)?;
            let mut text = SafetyNumber::for_users(&local, &remote)
                .digits()
                .into_bytes();
            text.push(0);
            out.set(&disjoint, &text)
        }
    }
}

#[cfg(test)]
mod tests {
    use sotto_core::person;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(
            super::SOTTO_USER_IDENTITY_KEY_LEN,
            person::USER_IDENTITY_KEY_LEN
        );
        assert_eq!(
            super::SOTTO_DEVICE_CERTIFICATE_LEN,
            person::DEVICE_CERTIFICATE_LEN
        );
        assert_eq!(super::SOTTO_DEVICE_ENTRY_LEN, person::DEVICE_ENTRY_LEN);
        assert_eq!(super::SOTTO_MAX_DEVICES, person::MAX_DEVICES);
    }
}
