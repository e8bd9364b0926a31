//! Sending to a person (PROTOCOL.md §20): contacts (a person's verified
//! device list and one session record per listed device), the fan-out of
//! one plaintext to every device of a person and every other device of the
//! sender, and its per-device report.
//!
//! A device is named across the ABI by its device address, its §20.1
//! encoding, `SOTTO_DEVICE_ADDRESS_LEN` (37) bytes: the person's user
//! identity key (33 bytes) || `u32 device_id` (big-endian).

use crate::buffer::{
    Aliasing, OutBuffer, OutHandle, OutValue, Span, array_in, bytes_in, plaintext_in, token,
};
use crate::buffer::{list_in, list_spans};
use crate::entry::prologue;
use crate::entry::{Input, call, query, seal, unseal};
use crate::handles::Handle;
use crate::handles::{
    AccountRef, ContactRef, DeliveryReportRef, DeviceListRef, FfiResult, Kind, Object, free, guard,
    register, sotto_account, sotto_contact, sotto_delivery_report, sotto_device_list, sotto_rng,
};
use crate::person::{SOTTO_USER_IDENTITY_KEY_LEN, entries_bytes};
use crate::rng::RngRef;
use crate::sotto_buffer;
use crate::status::{
    SOTTO_ERR_INVALID_ARGUMENT, SOTTO_ERR_TOO_LARGE, SOTTO_ERR_WRONG_LENGTH, core_code,
};
use core::ptr;
use sotto_core::contact::{Contact, DEVICE_ADDRESS_LEN, DeviceAddress, Outcome, send_to_person};
use sotto_core::{Error, PrekeyBundle, Session, SessionRecord, UserIdentityKey};
use std::sync::Mutex;

/// Length of an encoded device address: user identity key (33) ||
/// `u32 device_id` (big-endian).
pub const SOTTO_DEVICE_ADDRESS_LEN: usize = 37;
/// Longest plaintext `sotto_send_to_person` takes: 1 MiB minus the 33-byte
/// addressee.
pub const SOTTO_MAX_FANOUT_PLAINTEXT_LEN: usize = 1048543;
/// Largest sealed contact `sotto_contact_unseal` accepts (6,295,552 bytes).
pub const SOTTO_MAX_SEALED_CONTACT_LEN: usize = 6295552;
/// Most bundles one `sotto_send_to_person` call takes: one per device of
/// both people.
pub const SOTTO_MAX_FANOUT_BUNDLES: usize = 32;
/// `sotto_delivery_report_get`: a message was made for the device (send it
/// to the device's address).
pub const SOTTO_DELIVERY_SENT: i32 = 1;
/// `sotto_delivery_report_get`: no session with the device and no bundle
/// was given; nothing was sent to it (fetch its bundle and send again).
pub const SOTTO_DELIVERY_NEEDS_BUNDLE: i32 = 2;
/// `sotto_delivery_report_get`: the given bundle was refused (its status
/// says why, `SOTTO_ERR_UNKNOWN_DEVICE` when its identity is not the one
/// the list names); nothing was sent to the device.
pub const SOTTO_DELIVERY_BUNDLE_REJECTED: i32 = 3;

/// Decodes a device address argument (`SOTTO_DEVICE_ADDRESS_LEN` bytes).
///
/// # Safety
/// `data` is NULL or readable for `len` bytes.
unsafe fn address_in(data: *const u8, len: usize) -> FfiResult<[u8; DEVICE_ADDRESS_LEN]> {
    // SAFETY: forwarded from the caller.
    unsafe { array_in::<DEVICE_ADDRESS_LEN>(data, len) }
}

/// Parses an encoded device address (after the shape checks).
fn address_of(bytes: &[u8]) -> FfiResult<DeviceAddress> {
    let (user, id) = bytes
        .split_at_checked(SOTTO_USER_IDENTITY_KEY_LEN)
        .ok_or(SOTTO_ERR_WRONG_LENGTH)?;
    let user = UserIdentityKey::from_bytes(user).map_err(core_code)?;
    let id: [u8; 4] = id.try_into().map_err(|_| SOTTO_ERR_WRONG_LENGTH)?;
    Ok(DeviceAddress::new(user, u32::from_be_bytes(id)))
}

/// Creates a contact holding a copy of `list` (a person's verified device
/// list: another person's from `sotto_device_list_new`, or this person's
/// own committed list, for the copies to its other devices) and no session.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_contact_free`, which wipes every session's keys); on error
/// `*out` is NULL. Checks, in order: `list` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_new(
    list: *const sotto_device_list,
    out: *mut *mut sotto_contact,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<DeviceListRef, OutHandle<_>>(list, out, |list| {
            Ok(ContactRef::wrap(Contact::new(list.clone())))
        })
    }
}

/// Imports a newer device list of the person (as `sotto_device_list_update`)
/// and drops the sessions of every device it no longer lists or lists with
/// another identity: a removed device neither receives copies nor delivers
/// messages any more.
///
/// On success `*added` and `*removed` hold the device entries
/// (`SOTTO_DEVICE_ENTRY_LEN` bytes each) that the new list adds and removes,
/// new buffers owned by the caller; on error both are empty and the contact
/// is unchanged. Checks, in order: `contact` (handle errors), `added`,
/// `removed` (`SOTTO_ERR_NULL_POINTER`), `new_list`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then the
/// list's decoding errors, `SOTTO_ERR_IDENTITY_MISMATCH` (another person's
/// list), `SOTTO_ERR_BAD_SIGNATURE` (e.g. a ghost device inserted),
/// `SOTTO_ERR_ROLLBACK` (an older version, or another list under the same
/// version). Thread safety: any thread.
///
/// # Safety
/// `new_list` is NULL or readable for `new_list_len` bytes; `added` and
/// `removed` are NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_update_list(
    contact: *mut sotto_contact,
    new_list: *const u8,
    new_list_len: usize,
    added: *mut sotto_buffer,
    removed: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let new_list = Input::Bytes(new_list, new_list_len);
        let outs = (added, removed);
        call::<ContactRef, (OutBuffer, OutBuffer)>(
            contact,
            ptr::null(),
            new_list,
            outs,
            |c, l, _| {
                let change = c.update_list(l).map_err(core_code)?;
                Ok((entries_bytes(&change.added), entries_bytes(&change.removed)))
            },
        )
    }
}

/// A copy of the contact's current device list, as a new device list handle
/// owned by the caller (free it with `sotto_device_list_free`).
///
/// On error `*out` is NULL. Checks, in order: `contact` (handle errors),
/// `out` (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_device_list(
    contact: *const sotto_contact,
    out: *mut *mut sotto_device_list,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<ContactRef, OutHandle<_>>(contact, out, |contact| {
            Ok(DeviceListRef::wrap(contact.list().clone()))
        })
    }
}

/// The addresses (`SOTTO_DEVICE_ADDRESS_LEN` bytes each, concatenated, by
/// ascending device id) of the listed devices, other than `me`, that have
/// no session with the listed identity: fetch a prekey bundle for each
/// before `sotto_send_to_person` (without one they are reported as
/// `SOTTO_DELIVERY_NEEDS_BUNDLE`). `me` is this device's address.
///
/// On success `*out` holds a new buffer owned by the caller (empty when
/// every device has a session); on error it is empty. Checks, in order:
/// `contact` (handle errors), `out` (`SOTTO_ERR_NULL_POINTER`), `me`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), aliasing, then `SOTTO_ERR_INVALID_KEY` (`me`'s
/// user key). Thread safety: any thread.
///
/// # Safety
/// `me` is NULL or readable for `me_len` bytes; `out` is NULL or valid for
/// writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_devices_without_session(
    contact: *const sotto_contact,
    me: *const u8,
    me_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [out: OutBuffer],
        handles: [contact: ContactRef],
        arrays: [],
        inputs: [me = address_in(me, me_len)],
        |disjoint| {
            let me = address_of(&me)?;
            let addresses = contact.with(|contact| {
                Ok(contact
                    .devices_without_session(&me)
                    .iter()
                    .flat_map(DeviceAddress::to_bytes)
                    .collect::<Vec<u8>>())
            })?;
            out.set(&disjoint, addresses);
            Ok(())
        }
    }
}

/// Decrypts a message that device `from_device` of this contact's person
/// sent to `me` (this device's address): routed through that device's
/// session record (creating a session from a prekey message through
/// `account`, consuming its one-time prekeys), accepted only from a listed
/// device whose session peer is the listed identity.
///
/// On success `*out` holds the plaintext, a new buffer owned by the caller,
/// and `to` (`SOTTO_USER_IDENTITY_KEY_LEN` bytes) the person the message is
/// addressed to: this device's own person for a message from another
/// person; for a copy from one of this person's other devices, the person
/// that device wrote to (file it in that conversation). Transactional: on
/// error `*out` is empty, `to` unwritten, and neither the contact nor the
/// account changes (a message refused because the list is stale decrypts
/// once the newer list is imported). On success seal both.
///
/// Checks, in order: `contact`, `account` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `to` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), `me` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), `message`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then
/// `SOTTO_ERR_INVALID_KEY` (`me`'s user key), `SOTTO_ERR_UNKNOWN_DEVICE`
/// (the list does not name `from_device`, it is `me`, or the session that
/// opens the message has another peer identity than the listed one),
/// `SOTTO_ERR_MALFORMED` (addressed to the wrong person), and the errors of
/// `sotto_session_record_decrypt`. Thread safety: any thread.
///
/// # Safety
/// `me` and `message` are NULL or readable for their lengths; `to` is NULL
/// or writable for `to_len` bytes; `out` is NULL or valid for writing a
/// `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_decrypt(
    contact: *mut sotto_contact,
    account: *mut sotto_account,
    me: *const u8,
    me_len: usize,
    from_device: u32,
    message: *const u8,
    message_len: usize,
    to: *mut u8,
    to_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [out: OutBuffer],
        handles: [contact: ContactRef, account: AccountRef],
        arrays: [to: (to_len, SOTTO_USER_IDENTITY_KEY_LEN)],
        inputs: [me = address_in(me, me_len), message = bytes_in(message, message_len)],
        |disjoint| {
            let me = address_of(&me)?;
            let received = contact.with(|contact| {
                account.with(|account| {
                    contact
                        .decrypt(account, &me, from_device, message)
                        .map_err(core_code)
                })
            })?;
            to.set(&disjoint, &received.to.to_bytes())?;
            out.set(&disjoint, received.plaintext);
            Ok(())
        }
    }
}

/// Whether the current session with device `device_id` of the contact's
/// person runs ratchet version 2, the post-quantum KEM ratchet (as
/// `sotto_session_uses_pq_ratchet`). Stores the answer in `*out`: pin it
/// per device to refuse a later downgrade to version 1.
///
/// Checks, in order: `contact` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` when the
/// contact holds no session with that device. `*out` is false on error.
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_uses_pq_ratchet(
    contact: *const sotto_contact,
    device_id: u32,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<ContactRef, OutValue<bool>>(contact, out, |contact| {
            let record = contact.record(device_id).and_then(SessionRecord::current);
            record
                .map(Session::uses_pq_ratchet)
                .ok_or(SOTTO_ERR_INVALID_ARGUMENT)
        })
    }
}

/// Stores in `*out` the KEM epoch of the current session with device
/// `device_id` of the contact's person (as `sotto_session_kem_epoch`).
///
/// Checks, in order: `contact` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` when the
/// contact holds no session with that device or it is a version-1
/// session. `*out` is 0 on error. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_kem_epoch(
    contact: *const sotto_contact,
    device_id: u32,
    out: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<ContactRef, OutValue<u32>>(contact, out, |contact| {
            let record = contact.record(device_id).and_then(SessionRecord::current);
            record
                .and_then(Session::kem_epoch)
                .ok_or(SOTTO_ERR_INVALID_ARGUMENT)
        })
    }
}

/// Seals the contact (its list and every session record) under a 32-byte
/// storage key, as one object (sealed kind `0x11`). Seal after every call
/// that changed it.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `contact`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_RANDOMNESS`. Thread safety: any thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid
/// for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_seal(
    contact: *const sotto_contact,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { seal::<ContactRef>(contact, key, key_len, rng, out) }
}

/// Restores a contact sealed by `sotto_contact_seal`.
///
/// On success `*out` receives a new handle owned by the caller; on error
/// `*out` is NULL. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing, then `SOTTO_ERR_TOO_LARGE` (over
/// `SOTTO_MAX_SEALED_CONTACT_LEN`), `SOTTO_ERR_UNSEAL_FAILED`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE` (another sealed object), decoding errors.
/// Thread safety: any thread.
///
/// # Safety
/// `key` and `sealed` are NULL or readable for their lengths; `out` is NULL
/// or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_contact_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_contact,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, ContactRef::wrap) }
}

/// Frees a contact, zeroizing every session's keys. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_contact_free(contact: *mut sotto_contact) -> i32 {
    guard(|| free(token(contact), Kind::Contact))
}

/// Encrypts one plaintext for every device of `recipient`'s person and
/// every other device of the sender (PROTOCOL.md §20.3), through each
/// device's current session, or a new one from a prekey bundle.
///
/// `account` is this device's account (only read), `me` its address,
/// `own` the contact of the sender's own person (its own list), `recipient`
/// the contact of the person written to. `bundle_count` prekey bundles
/// (`bundles[i]` of `bundle_lens[i]` bytes, for the device whose address is
/// `bundle_addresses[i * SOTTO_DEVICE_ADDRESS_LEN ..]`) serve devices
/// without a session (see `sotto_contact_devices_without_session`); NULL
/// arrays when 0. A plaintext of 0 to `SOTTO_MAX_FANOUT_PLAINTEXT_LEN`
/// bytes (an empty one may be NULL with length 0).
///
/// On success `*out` receives a new report handle owned by the caller
/// (read it with `sotto_delivery_report_count` and
/// `sotto_delivery_report_get`, free it with `sotto_delivery_report_free`):
/// one line per device, the recipient's devices first, then the sender's
/// own, each by ascending device id. Both contacts changed: seal them before
/// sending the messages. Transactional: on error `*out` is NULL and neither
/// contact changes.
///
/// Checks, in order: `account`, `own`, `recipient`, `rng` (handle errors;
/// `own` and `recipient` the same handle: `SOTTO_ERR_INVALID_ARGUMENT`),
/// `out` (`SOTTO_ERR_NULL_POINTER`), `me` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), `bundle_count`
/// (`SOTTO_ERR_TOO_LARGE` over `SOTTO_MAX_FANOUT_BUNDLES`),
/// `bundle_addresses` (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero
/// count; `bundle_addresses_len` must be `bundle_count *
/// SOTTO_DEVICE_ADDRESS_LEN`: `SOTTO_ERR_WRONG_LENGTH`), `bundles`
/// (`SOTTO_ERR_NULL_POINTER` for NULL arrays with a non-zero count, then
/// each bundle: `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`),
/// `plaintext` (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero length,
/// `SOTTO_ERR_TOO_LARGE` over the session bound), aliasing, then
/// `SOTTO_ERR_INVALID_KEY` (an address's user key), the bundles' decoding
/// and signature errors, `SOTTO_ERR_INVALID_ARGUMENT` (`own` is not `me`'s
/// person, `recipient` is, or two bundles name one device),
/// `SOTTO_ERR_UNKNOWN_DEVICE` (`own`'s list does not name `me` with
/// `account`'s identity, or a bundle names a device that is not a target),
/// `SOTTO_ERR_TOO_LARGE`, `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_LIMIT_EXCEEDED`.
/// Thread safety: any thread.
///
/// # Safety
/// `me`, `bundle_addresses` and `plaintext` are NULL or readable for their
/// lengths; `bundles` and `bundle_lens` are NULL or readable for
/// `bundle_count` elements, each `bundles[i]` NULL or readable for
/// `bundle_lens[i]` bytes; `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_send_to_person(
    account: *const sotto_account,
    me: *const u8,
    me_len: usize,
    own: *mut sotto_contact,
    recipient: *mut sotto_contact,
    bundle_addresses: *const u8,
    bundle_addresses_len: usize,
    bundles: *const *const u8,
    bundle_lens: *const usize,
    bundle_count: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    rng: *const sotto_rng,
    out: *mut *mut sotto_delivery_report,
) -> i32 {
    guard(|| {
        let mut inputs = vec![
            Span::bytes(me, me_len),
            Span::bytes(bundle_addresses, bundle_addresses_len),
            Span::bytes(plaintext, plaintext_len),
        ];
        // SAFETY: per this function's contract.
        inputs.extend(unsafe {
            list_spans(bundles, bundle_lens, bundle_count, SOTTO_MAX_FANOUT_BUNDLES)
        });
        let aliasing = Aliasing::of(&[Span::of(out)], &inputs);
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out, &aliasing) };
        let account = AccountRef::get(account)?;
        let own_ref = ContactRef::get(own)?;
        let recipient_ref = ContactRef::get(recipient)?;
        let rng = RngRef::get(rng)?;
        // One handle for both would lock one mutex twice.
        if token(own) == token(recipient) {
            return Err(SOTTO_ERR_INVALID_ARGUMENT);
        }
        let out = out?;
        // SAFETY: per this function's contract.
        let me = unsafe { address_in(me, me_len) }?;
        if bundle_count > SOTTO_MAX_FANOUT_BUNDLES {
            return Err(SOTTO_ERR_TOO_LARGE);
        }
        let addresses = if bundle_count == 0 && bundle_addresses_len == 0 {
            &[][..]
        } else {
            // SAFETY: per this function's contract.
            unsafe { bytes_in(bundle_addresses, bundle_addresses_len) }?
        };
        if addresses.len() != bundle_count * SOTTO_DEVICE_ADDRESS_LEN {
            return Err(SOTTO_ERR_WRONG_LENGTH);
        }
        // SAFETY: per this function's contract.
        let bundle_bytes =
            unsafe { list_in(bundles, bundle_lens, bundle_count, SOTTO_MAX_FANOUT_BUNDLES) }?;
        // SAFETY: per this function's contract.
        let plaintext = unsafe { plaintext_in(plaintext, plaintext_len) }?;
        let disjoint = aliasing.check()?;
        let me = address_of(&me)?;
        let mut pairs = Vec::with_capacity(bundle_count);
        for (address, bundle) in addresses
            .chunks_exact(SOTTO_DEVICE_ADDRESS_LEN)
            .zip(&bundle_bytes)
        {
            let bundle = PrekeyBundle::from_bytes(bundle).map_err(core_code)?;
            pairs.push((address_of(address)?, bundle));
        }
        let report = rng.with(|rng| {
            account.with(|account| {
                own_ref.with(|own| {
                    recipient_ref.with(|recipient| {
                        send_to_person(account, &me, own, recipient, &pairs, plaintext, rng)
                            .map_err(core_code)
                    })
                })
            })
        })?;
        out.set(
            &disjoint,
            register(Object::DeliveryReport(Mutex::new(report))),
        );
        Ok(())
    })
}

/// Stores in `*out` the number of lines (devices) of a delivery report.
///
/// Checks, in order: `report` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_delivery_report_count(
    report: *const sotto_delivery_report,
    out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<DeliveryReportRef, OutValue<usize>>(report, out, |report| Ok(report.len())) }
}

/// Line `index` (from 0) of a delivery report: the device's address
/// (`SOTTO_DEVICE_ADDRESS_LEN` bytes) to `to`, what happened to `*outcome`
/// (`SOTTO_DELIVERY_SENT`, `SOTTO_DELIVERY_NEEDS_BUNDLE`,
/// `SOTTO_DELIVERY_BUNDLE_REJECTED`), why a bundle was rejected to
/// `*status` (`SOTTO_OK` otherwise), whether the message starts a new
/// session (a prekey message) to `*new_session`, and the message for the
/// device to `*message`, a new buffer owned by the caller (empty unless
/// sent). The report is not changed: lines can be read any number of times.
///
/// Checks, in order: `report` (handle errors), `outcome`, `status`,
/// `new_session`, `message` (`SOTTO_ERR_NULL_POINTER`), `to`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`), aliasing (the
/// outputs must not overlap), then `SOTTO_ERR_INVALID_ARGUMENT` for an
/// index past the last line. On error the scalars are 0 / false, `*message`
/// empty and `to` unwritten. Thread safety: any thread.
///
/// # Safety
/// `to` is NULL or writable for `to_len` bytes; `outcome`, `status`,
/// `new_session` and `message` are NULL or valid for writing an `int32_t`,
/// `int32_t`, `bool` and `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_delivery_report_get(
    report: *const sotto_delivery_report,
    index: usize,
    to: *mut u8,
    to_len: usize,
    outcome: *mut i32,
    status: *mut i32,
    new_session: *mut bool,
    message: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [
            outcome: OutValue<i32>,
            status: OutValue<i32>,
            new_session: OutValue<bool>,
            message: OutBuffer,
        ],
        handles: [report: DeliveryReportRef],
        arrays: [to: (to_len, SOTTO_DEVICE_ADDRESS_LEN)],
        inputs: [],
        |disjoint| {
            let delivery = report
                .with(|report| report.get(index).cloned().ok_or(SOTTO_ERR_INVALID_ARGUMENT))?;
            to.set(&disjoint, &delivery.to.to_bytes())?;
            let (code, error, fresh, bytes) = match delivery.outcome {
                Outcome::Sent {
                    message,
                    new_session,
                } => (SOTTO_DELIVERY_SENT, None, new_session, message),
                Outcome::NeedsBundle => (SOTTO_DELIVERY_NEEDS_BUNDLE, None, false, Vec::new()),
                Outcome::BundleRejected(error) => (
                    SOTTO_DELIVERY_BUNDLE_REJECTED,
                    Some(error),
                    false,
                    Vec::new(),
                ),
            };
            outcome.set(&disjoint, code);
            status.set(&disjoint, error.map_or(0, |e: Error| core_code(e)));
            new_session.set(&disjoint, fresh);
            message.set(&disjoint, bytes);
            Ok(())
        }
    }
}

/// Frees a delivery report. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_delivery_report_free(report: *mut sotto_delivery_report) -> i32 {
    guard(|| free(token(report), Kind::DeliveryReport))
}

#[cfg(test)]
mod tests {
    use super::address_of;
    use crate::status::{SOTTO_ERR_INVALID_KEY, SOTTO_ERR_WRONG_LENGTH};
    use sotto_core::UserIdentity;
    use sotto_core::contact::DeviceAddress;

    #[test]
    fn device_addresses_decode_as_encoded() {
        let user = UserIdentity::new(&mut sotto_core::OsRng).unwrap();
        for id in [0, 1, 0x0102_0304, u32::MAX] {
            let address = DeviceAddress::new(user.public_key(), id);
            let bytes = address.to_bytes();
            // §20.1: UK (33) || u32 big-endian.
            assert_eq!(bytes[..33], user.public_key().to_bytes());
            assert_eq!(bytes[33..], id.to_be_bytes());
            assert_eq!(address_of(&bytes), Ok(address));
        }
        let mut bad = DeviceAddress::new(user.public_key(), 1).to_bytes();
        bad[0] = 0x07;
        assert_eq!(address_of(&bad), Err(SOTTO_ERR_INVALID_KEY));
        assert_eq!(address_of(&bad[..32]), Err(SOTTO_ERR_WRONG_LENGTH));
    }

    #[test]
    fn constants_match_the_core() {
        use sotto_core::contact;
        assert_eq!(super::SOTTO_DEVICE_ADDRESS_LEN, contact::DEVICE_ADDRESS_LEN);
        assert_eq!(
            super::SOTTO_MAX_FANOUT_PLAINTEXT_LEN,
            contact::MAX_FANOUT_PLAINTEXT_LEN
        );
        assert_eq!(
            super::SOTTO_MAX_SEALED_CONTACT_LEN,
            contact::MAX_SEALED_CONTACT_LEN
        );
        assert_eq!(
            super::SOTTO_MAX_FANOUT_BUNDLES,
            2 * crate::SOTTO_MAX_DEVICES
        );
    }
}
