//! Linking a new device to a person by QR code (PROTOCOL.md §19).
//!
//! The new device makes a `sotto_link_offer` and shows its QR payload; the
//! primary device (holding the `sotto_user_identity`) scans it and answers
//! with `sotto_link_respond`; the new device completes the link with
//! `sotto_link_offer_complete` and gets a `sotto_linked_device`. Both show
//! the same 6-digit code (print it with `"%06u"`); once the person confirmed
//! they match and the server stored the new list, the primary commits it
//! with `sotto_user_identity_commit_device_list`.

use crate::buffer::{
    Aliasing, OutBuffer, OutHandle, OutValue, Span, array_in, bytes_in, bytes_in_maybe_empty, token,
};
use crate::entry::decode;
use crate::entry::prologue;
use crate::entry::{Input, call, query, query_array};
use crate::handles::Handle;
use crate::handles::{
    AccountRef, FfiResult, Kind, LinkOfferRef, LinkedDeviceRef, UserIdentityRef, free, guard,
    sotto_account, sotto_link_offer, sotto_linked_device, sotto_rng, sotto_user_identity,
};
use crate::person::SOTTO_USER_IDENTITY_KEY_LEN;
use crate::rng::RngRef;
use crate::sotto_buffer;
use crate::status::{
    SOTTO_ERR_INVALID_ARGUMENT, SOTTO_ERR_NULL_POINTER, SOTTO_ERR_TOO_LARGE, core_code,
};
use core::ptr;
use sotto_core::UserIdentityKey;
use sotto_core::link::{LinkContact, LinkOffer, ScannedOffer};

/// Length of a link offer's QR payload, in bytes.
pub const SOTTO_LINK_OFFER_LEN: usize = 1374;
/// Longest time a link offer may stay valid, in seconds (10 minutes).
pub const SOTTO_MAX_LINK_TTL: u64 = 600;
/// Most contacts one link response carries.
pub const SOTTO_MAX_LINK_CONTACTS: usize = 1024;
/// Longest contact name, in bytes of UTF-8.
pub const SOTTO_MAX_CONTACT_NAME_LEN: usize = 64;

/// A contact the primary device hands to the new device when linking.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_link_contact {
    /// The contact's user identity key (`SOTTO_USER_IDENTITY_KEY_LEN` bytes).
    pub user_key: *const u8,
    /// Length of `user_key`.
    pub user_key_len: usize,
    /// The person's name for the contact: 0 to `SOTTO_MAX_CONTACT_NAME_LEN`
    /// bytes of UTF-8, not NUL-terminated (NULL when `name_len` is 0).
    pub name: *const u8,
    /// Length of `name`.
    pub name_len: usize,
    /// Whether the person verified the contact's safety number.
    pub verified: bool,
}

/// Makes a link offer on the new device (whose account is `account`),
/// valid from `now` for `ttl` seconds (1 to `SOTTO_MAX_LINK_TTL`; `now` is
/// the caller's clock in seconds). Show `sotto_link_offer_qr_payload` as a
/// QR code on this device's screen only.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_link_offer_free`, which wipes its keys); on error `*out` is
/// NULL. Checks, in order: `account`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), then `SOTTO_ERR_INVALID_ARGUMENT` (`ttl` 0,
/// over the maximum, or `now + ttl` overflowing), `SOTTO_ERR_RANDOMNESS`.
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_offer_new(
    account: *const sotto_account,
    now: u64,
    ttl: u64,
    rng: *const sotto_rng,
    out: *mut *mut sotto_link_offer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        call::<AccountRef, OutHandle<_>>(account, rng, Input::None, out, |account, _, rng| {
            let offer = LinkOffer::new(account, now, ttl, rng).map_err(core_code)?;
            Ok(LinkOfferRef::wrap(offer))
        })
    }
}

/// The bytes to show as a QR code (`SOTTO_LINK_OFFER_LEN` bytes). They
/// hold the offer's secret: show them only on this device's screen, and
/// wipe them (`sotto_buffer_free` does) once the link is done.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `offer` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_offer_qr_payload(
    offer: *const sotto_link_offer,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkOfferRef, OutBuffer>(offer, out, |offer| Ok(offer.qr_payload())) }
}

/// Stores when the offer expires (the caller's clock, seconds) in `*out`.
///
/// Checks, in order: `offer` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_offer_expires_at(
    offer: *const sotto_link_offer,
    out: *mut u64,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkOfferRef, OutValue<u64>>(offer, out, |offer| Ok(offer.expires_at())) }
}

/// Completes the link on the new device: opens the primary's response and
/// checks everything it carries. On success the offer is used up (any
/// later response fails with `SOTTO_ERR_LINK_FAILED`) and `*out` receives a
/// new `sotto_linked_device` handle owned by the caller (free it with
/// `sotto_linked_device_free`); show its code
/// (`sotto_linked_device_code`).
///
/// Nothing changes on error (`*out` is NULL). Checks, in order: `offer`
/// (handle errors), `out` (`SOTTO_ERR_NULL_POINTER`), `response`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then
/// `SOTTO_ERR_LINK_FAILED` (offer already used), `SOTTO_ERR_EXPIRED`
/// (`now` past the expiry), `SOTTO_ERR_TOO_LARGE` and decoding errors,
/// `SOTTO_ERR_LINK_FAILED` (tampered, or made for another offer), then the
/// payload's checks. Thread safety: any thread.
///
/// # Safety
/// `response` is NULL or readable for `response_len` bytes; `out` is NULL
/// or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_offer_complete(
    offer: *mut sotto_link_offer,
    response: *const u8,
    response_len: usize,
    now: u64,
    out: *mut *mut sotto_linked_device,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let response = Input::Bytes(response, response_len);
        call::<LinkOfferRef, OutHandle<_>>(
            offer,
            ptr::null(),
            response,
            out,
            |offer, response, _| {
                let linked = offer.complete(response, now).map_err(core_code)?;
                Ok(LinkedDeviceRef::wrap(linked))
            },
        )
    }
}

/// Frees a link offer, wiping its keys and secret. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_link_offer_free(offer: *mut sotto_link_offer) -> i32 {
    guard(|| free(token(offer), Kind::LinkOffer))
}

/// Reads a scanned QR payload on the primary device before answering it:
/// checks it and its expiry, and gives the new device's account identity
/// record (`*identity`, `SOTTO_IDENTITY_LEN` bytes in a new buffer owned by
/// the caller) and when the offer expires (`*expires_at`).
/// `sotto_link_respond` repeats these checks.
///
/// Checks, in order: `identity`, `expires_at` (`SOTTO_ERR_NULL_POINTER`),
/// `qr` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then
/// decoding errors, `SOTTO_ERR_INVALID_KEY`, `SOTTO_ERR_EXPIRED` (`now` past
/// the expiry). On error the outputs are empty / 0. Thread safety: any
/// thread.
///
/// # Safety
/// `qr` is NULL or readable for `qr_len` bytes; `identity` and
/// `expires_at` are NULL or valid for writing a `sotto_buffer` /
/// `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_scan(
    qr: *const u8,
    qr_len: usize,
    now: u64,
    identity: *mut sotto_buffer,
    expires_at: *mut u64,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let outs = (identity, expires_at);
        decode::<(OutBuffer, OutValue<u64>)>(Input::Bytes(qr, qr_len), outs, |qr| {
            let scanned = ScannedOffer::from_qr(qr, now).map_err(core_code)?;
            Ok((scanned.identity().to_bytes(), scanned.expires_at()))
        })
    }
}

/// Reads the caller's contacts.
///
/// # Safety
/// `contacts` is NULL or readable for `count` structs, each of whose
/// pointers is NULL or readable for its length.
unsafe fn contacts_in(
    contacts: *const sotto_link_contact,
    count: usize,
) -> FfiResult<Vec<sotto_link_contact>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if contacts.is_null() {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    if count > SOTTO_MAX_LINK_CONTACTS {
        return Err(SOTTO_ERR_TOO_LARGE);
    }
    // SAFETY: non-NULL and readable for `count` structs per the caller;
    // read unaligned, so no alignment is assumed.
    Ok((0..count)
        .map(|i| unsafe { contacts.add(i).read_unaligned() })
        .collect())
}

/// Answers a scanned link offer on the primary device: signs `user`'s next
/// device list with the new device added as `device_id`, certifies it, and
/// encrypts for it the user key, the list, the certificate and `contacts`
/// (`contact_count` of them, at most `SOTTO_MAX_LINK_CONTACTS`; NULL when
/// 0). `now` is the caller's clock in seconds.
///
/// Pure for `user`: on success `*response` holds the bytes to send to the
/// new device, `*device_list` the signed new list (upload it), and `*code`
/// the 6-digit code to show. Once the person confirmed both devices show
/// the same code and the server stored the list, commit it with
/// `sotto_user_identity_commit_device_list`. On error the buffers are
/// empty and `*code` is 0.
///
/// Checks, in order: `user`, `rng` (handle errors), `response`,
/// `device_list`, `code` (`SOTTO_ERR_NULL_POINTER`), `qr`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), `contacts`
/// (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero count,
/// `SOTTO_ERR_TOO_LARGE` over the maximum; in each, `user_key`:
/// `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_WRONG_LENGTH`; `name`:
/// `SOTTO_ERR_NULL_POINTER` when NULL with a non-zero length), aliasing
/// (no output may overlap the QR payload, the contacts array, a key or a
/// name), then `SOTTO_ERR_INVALID_KEY` (a contact's key),
/// `SOTTO_ERR_INVALID_ARGUMENT` (a name not UTF-8), the QR payload's
/// decoding errors, `SOTTO_ERR_EXPIRED`, the errors of
/// `sotto_user_identity_sign_device_list` (device id taken, identity
/// already listed, list full), `SOTTO_ERR_TOO_LARGE` (a name over
/// `SOTTO_MAX_CONTACT_NAME_LEN`), `SOTTO_ERR_RANDOMNESS`. Thread safety:
/// any thread.
///
/// # Safety
/// `qr` is NULL or readable for `qr_len` bytes; `contacts` is NULL or
/// readable for `contact_count` structs whose pointers are NULL or readable
/// for their lengths; `response` and `device_list` are NULL or valid for
/// writing a `sotto_buffer`, `code` for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_respond(
    user: *const sotto_user_identity,
    qr: *const u8,
    qr_len: usize,
    device_id: u32,
    contacts: *const sotto_link_contact,
    contact_count: usize,
    now: u64,
    rng: *const sotto_rng,
    response: *mut sotto_buffer,
    device_list: *mut sotto_buffer,
    code: *mut u32,
) -> i32 {
    guard(|| {
        // Every input span, the contacts' keys and names included, is
        // needed before any output is reset: the array is read first (its
        // errors are reported later, in the documented order).
        let array_span = Span::bytes(
            contacts.cast(),
            contact_count.saturating_mul(size_of::<sotto_link_contact>()),
        );
        // SAFETY: per this function's contract.
        let early = unsafe { contacts_in(contacts, contact_count) }.unwrap_or_default();
        let mut inputs = Vec::with_capacity(2 + early.len() * 2);
        inputs.push(Span::bytes(qr, qr_len));
        inputs.push(array_span);
        for contact in &early {
            inputs.push(Span::bytes(contact.user_key, contact.user_key_len));
            inputs.push(Span::bytes(contact.name, contact.name_len));
        }
        let outputs = [Span::of(response), Span::of(device_list), Span::of(code)];
        let aliasing = Aliasing::of(&outputs, &inputs);
        // SAFETY: per this function's contract.
        let response_out = unsafe { OutBuffer::new(response, &aliasing) };
        // SAFETY: per this function's contract.
        let list_out = unsafe { OutBuffer::new(device_list, &aliasing) };
        // SAFETY: per this function's contract.
        let code_out = unsafe { OutValue::new(code, 0, &aliasing) };
        let user = UserIdentityRef::get(user)?;
        let rng = RngRef::get(rng)?;
        let (response_out, list_out, code_out) = (response_out?, list_out?, code_out?);
        // SAFETY: per this function's contract.
        let qr = unsafe { bytes_in(qr, qr_len) }?;
        // SAFETY: per this function's contract.
        let raw = unsafe { contacts_in(contacts, contact_count) }?;
        let mut keys = Vec::with_capacity(raw.len());
        let mut names = Vec::with_capacity(raw.len());
        for contact in &raw {
            // SAFETY: per this function's contract.
            keys.push(unsafe {
                array_in::<SOTTO_USER_IDENTITY_KEY_LEN>(contact.user_key, contact.user_key_len)
            }?);
            // SAFETY: per this function's contract.
            names.push(unsafe { bytes_in_maybe_empty(contact.name, contact.name_len) }?);
        }
        let disjoint = aliasing.check()?;
        let mut list = Vec::with_capacity(raw.len());
        for ((contact, key), name) in raw.iter().zip(&keys).zip(&names) {
            let name = core::str::from_utf8(name).map_err(|_| SOTTO_ERR_INVALID_ARGUMENT)?;
            list.push(LinkContact {
                user_key: UserIdentityKey::from_bytes(key).map_err(core_code)?,
                verified: contact.verified,
                name: name.into(),
            });
        }
        let scanned = ScannedOffer::from_qr(qr, now).map_err(core_code)?;
        let answer = rng.with(|rng| {
            user.with(|user| {
                scanned
                    .respond(user, device_id, &list, now, rng)
                    .map_err(core_code)
            })
        })?;
        response_out.set(&disjoint, answer.to_bytes());
        list_out.set(&disjoint, answer.device_list().to_bytes());
        code_out.set(&disjoint, answer.code().value());
        Ok(())
    })
}

/// Stores the code to show on the new device (below 1,000,000; print it
/// with `"%06u"`) in `*out`: it must equal the primary's.
///
/// Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_code(
    linked: *const sotto_linked_device,
    out: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkedDeviceRef, OutValue<u32>>(linked, out, |l| Ok(l.code().value())) }
}

/// Stores this device's id in the person's list in `*out`.
///
/// Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_device_id(
    linked: *const sotto_linked_device,
    out: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkedDeviceRef, OutValue<u32>>(linked, out, |l| Ok(l.device_id())) }
}

/// Writes the person's user identity key (`SOTTO_USER_IDENTITY_KEY_LEN`
/// bytes; public: the signing key stays on the primary) to `out`.
///
/// Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`). Written only
/// on success. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_user_key(
    linked: *const sotto_linked_device,
    out: *mut u8,
    out_len: usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query_array::<LinkedDeviceRef, _>(linked, out, out_len, SOTTO_USER_IDENTITY_KEY_LEN, |l| {
            Ok(l.user_key().to_bytes())
        })
    }
}

/// The person's signed device list, with this device in it (open it with
/// `sotto_device_list_new` and the user key).
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_device_list(
    linked: *const sotto_linked_device,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkedDeviceRef, OutBuffer>(linked, out, |l| Ok(l.device_list().to_bytes())) }
}

/// This device's certificate (`SOTTO_DEVICE_CERTIFICATE_LEN` bytes), to
/// show to the person's contacts.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_certificate(
    linked: *const sotto_linked_device,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkedDeviceRef, OutBuffer>(linked, out, |l| Ok(l.certificate().to_bytes())) }
}

/// Stores the number of contacts the primary handed over in `*out`.
///
/// Checks, in order: `linked` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_contact_count(
    linked: *const sotto_linked_device,
    out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<LinkedDeviceRef, OutValue<usize>>(linked, out, |l| Ok(l.contacts().len())) }
}

/// Contact `index` (from 0) of those the primary handed over: its user key
/// (`SOTTO_USER_IDENTITY_KEY_LEN` bytes) to `user_key`, whether the person
/// verified it to `*verified`, and its name (UTF-8, possibly empty) to
/// `*name`, a new buffer owned by the caller.
///
/// Checks, in order: `linked` (handle errors), `verified`, `name`
/// (`SOTTO_ERR_NULL_POINTER`), `user_key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), aliasing (the outputs must not overlap),
/// then `SOTTO_ERR_INVALID_ARGUMENT` for an index past the last contact.
/// On error `*verified` is false, `*name` empty and `user_key` unwritten.
/// Thread safety: any thread.
///
/// # Safety
/// `user_key` is NULL or writable for `user_key_len` bytes; `verified` and
/// `name` are NULL or valid for writing a `bool` / `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linked_device_contact(
    linked: *const sotto_linked_device,
    index: usize,
    user_key: *mut u8,
    user_key_len: usize,
    verified: *mut bool,
    name: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [verified: OutValue<bool>, name: OutBuffer],
        handles: [linked: LinkedDeviceRef],
        arrays: [user_key: (user_key_len, SOTTO_USER_IDENTITY_KEY_LEN)],
        inputs: [],
        |disjoint| {
            let contact = linked.with(|l| {
                l.contacts()
                    .get(index)
                    .cloned()
                    .ok_or(SOTTO_ERR_INVALID_ARGUMENT)
            })?;
            user_key.set(&disjoint, &contact.user_key.to_bytes())?;
            verified.set(&disjoint, contact.verified);
            name.set(&disjoint, contact.name.into_bytes());
            Ok(())
        }
    }
}

/// Frees a linked device. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_linked_device_free(linked: *mut sotto_linked_device) -> i32 {
    guard(|| free(token(linked), Kind::LinkedDevice))
}

#[cfg(test)]
mod tests {
    use sotto_core::link;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(super::SOTTO_LINK_OFFER_LEN, link::LINK_OFFER_LEN);
        assert_eq!(super::SOTTO_MAX_LINK_TTL, link::MAX_LINK_TTL);
        assert_eq!(super::SOTTO_MAX_LINK_CONTACTS, link::MAX_LINK_CONTACTS);
        assert_eq!(
            super::SOTTO_MAX_CONTACT_NAME_LEN,
            link::MAX_CONTACT_NAME_LEN
        );
    }
}
