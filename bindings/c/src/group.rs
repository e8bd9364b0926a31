//! Sender-key groups (PROTOCOL.md §21).
//!
//! Each member device keeps a `sotto_group` per group. It hands its sending
//! chain (`sotto_group_distribution`, a secret) to every other member
//! device through the pairwise sessions; a group message is then encrypted
//! once, whatever the group size, and signed by the sender's chain.
//! Membership is the application's: it tells every device about additions
//! (`sotto_group_add_members`) and removals (`sotto_group_remove_members`,
//! which starts a new epoch).
//!
//! Device addresses (the application's names for member devices, e.g.
//! `"alice#1"`) are byte strings of 1 to `SOTTO_MAX_DEVICE_ADDRESS_LEN`
//! bytes, compared byte for byte. A list of them is passed as two parallel
//! arrays: `members[i]` points to `member_lens[i]` bytes.

use crate::buffer::padding_in;
use crate::buffer::{
    Aliasing, OutBuffer, OutHandle, OutValue, Span, array_in, bytes_in, plaintext_in, token,
};
use crate::buffer::{list_in, list_spans};
use crate::entry::prologue;
use crate::entry::{Input, call, query, seal, unseal};
use crate::handles::Handle;
use crate::handles::{GroupRef, Kind, Object, free, guard, register, sotto_group, sotto_rng};

use crate::rng::{FfiRng, RngRef};
use crate::sotto_buffer;
use crate::status::core_code;
use core::ptr;
use sotto_core::group::{ChainDistribution, GroupConfig, GroupMessage, GroupSession};
use std::sync::Mutex;

/// Length of a group identifier, in bytes.
pub const SOTTO_GROUP_ID_LEN: usize = 16;
/// Longest device address, in bytes.
pub const SOTTO_MAX_DEVICE_ADDRESS_LEN: usize = 64;
/// Most other member devices one group holds.
pub const SOTTO_MAX_GROUP_DEVICES: usize = 1000;
/// Default rotation bound: messages per sending chain.
pub const SOTTO_GROUP_DEFAULT_MAX_MESSAGES: u32 = 100;
/// Default rotation bound: age of a sending chain, in seconds (7 days).
pub const SOTTO_GROUP_DEFAULT_MAX_AGE_SECS: u64 = 604800;
/// Largest sealed group (1 MiB).
pub const SOTTO_MAX_SEALED_GROUP_LEN: usize = 1048576;

/// Creates this device's state in a group: a new sending chain at `epoch`
/// with the other member devices `members` (`member_count` addresses, see
/// the top of this section; NULL arrays when 0). The creator of a group
/// passes epoch 0; a device joining an existing group passes the group's
/// current epoch. Then send `sotto_group_distribution` to every member
/// device through the pairwise sessions.
///
/// The sending chain is replaced (rotated) after `max_messages` messages
/// or `max_age_secs` seconds (`SOTTO_GROUP_DEFAULT_MAX_MESSAGES`,
/// `SOTTO_GROUP_DEFAULT_MAX_AGE_SECS` unless you have a reason; both at
/// least 1); `padding` is `SOTTO_PADDING_PADME` or `SOTTO_PADDING_NONE`.
/// `now` is the caller's clock in seconds (it only drives rotation).
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_group_free`, which wipes the keys); on error `*out` is NULL.
///
/// Checks, in order: `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `group_id` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_WRONG_LENGTH` unless `SOTTO_GROUP_ID_LEN` bytes),
/// `own_device` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`),
/// `members` (`SOTTO_ERR_NULL_POINTER` for NULL arrays with a non-zero
/// count, `SOTTO_ERR_TOO_LARGE` over `SOTTO_MAX_GROUP_DEVICES`, then each
/// address: `SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), `padding`
/// (`SOTTO_ERR_INVALID_ARGUMENT`), aliasing (`out` must not overlap an
/// input), then `SOTTO_ERR_INVALID_ARGUMENT` (an address over 64 bytes, a
/// duplicate member, this device among the members, a bound of 0),
/// `SOTTO_ERR_RANDOMNESS`. Thread safety: any thread.
///
/// # Safety
/// `group_id` and `own_device` are NULL or readable for their lengths;
/// `members` and `member_lens` are NULL or readable for `member_count`
/// elements, each `members[i]` NULL or readable for `member_lens[i]` bytes;
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_create(
    group_id: *const u8,
    group_id_len: usize,
    own_device: *const u8,
    own_device_len: usize,
    members: *const *const u8,
    member_lens: *const usize,
    member_count: usize,
    epoch: u32,
    max_messages: u32,
    max_age_secs: u64,
    padding: i32,
    now: u64,
    rng: *const sotto_rng,
    out: *mut *mut sotto_group,
) -> i32 {
    guard(|| {
        // SAFETY: per this function's contract.
        let mut inputs =
            unsafe { list_spans(members, member_lens, member_count, SOTTO_MAX_GROUP_DEVICES) };
        inputs.push(Span::bytes(group_id, group_id_len));
        inputs.push(Span::bytes(own_device, own_device_len));
        let aliasing = Aliasing::of(&[Span::of(out)], &inputs);
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out, &aliasing) };
        let rng = RngRef::get(rng)?;
        let out = out?;
        // SAFETY: per this function's contract.
        let group_id = unsafe { array_in::<SOTTO_GROUP_ID_LEN>(group_id, group_id_len) }?;
        // SAFETY: per this function's contract.
        let own = unsafe { bytes_in(own_device, own_device_len) }?;
        // SAFETY: per this function's contract.
        let members =
            unsafe { list_in(members, member_lens, member_count, SOTTO_MAX_GROUP_DEVICES) }?;
        let config = GroupConfig {
            max_messages,
            max_age_secs,
            padding: padding_in(padding)?,
        };
        let disjoint = aliasing.check()?;
        let group = rng.with(|rng| {
            GroupSession::create(group_id, own, &members, epoch, config, now, rng)
                .map_err(core_code)
        })?;
        out.set(&disjoint, register(Object::Group(Mutex::new(group))));
        Ok(())
    })
}

/// This device's sending chain at its current index, to send to member
/// devices through the pairwise sessions (`sotto_session_encrypt`). It is a
/// secret: send it only inside a Sotto session; it opens only messages
/// from now on.
///
/// On success `*out` holds a new buffer owned by the caller (free it with
/// `sotto_buffer_free`, which wipes it); on error it is empty. Checks, in
/// order: `group` (handle errors), `out` (`SOTTO_ERR_NULL_POINTER`).
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_distribution(
    group: *const sotto_group,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<GroupRef, OutBuffer>(group, out, |group| {
            let bytes = group.distribution().to_bytes().map_err(core_code)?;
            Ok(bytes.to_vec())
        })
    }
}

/// Stores another member device's chain, received through the pairwise
/// session with `from` (the device address that session authenticates).
/// Receiving a chain already held changes nothing and succeeds.
///
/// Nothing changes on error. Checks, in order: `group` (handle errors),
/// `distribution`, `from` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), then decoding errors,
/// `SOTTO_ERR_SESSION_MISMATCH` (another group),
/// `SOTTO_ERR_IDENTITY_MISMATCH` (the chain's sender is not `from`),
/// `SOTTO_ERR_EPOCH_MISMATCH` (the sender is not a member here, or the
/// epoch or chain is too old), `SOTTO_ERR_DUPLICATE_MESSAGE` (another chain
/// under a number already held). Aliasing: no outputs. Thread safety: any
/// thread.
///
/// # Safety
/// `distribution` and `from` are NULL or readable for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_receive_distribution(
    group: *mut sotto_group,
    distribution: *const u8,
    distribution_len: usize,
    from: *const u8,
    from_len: usize,
) -> i32 {
    prologue! {
        outs: [],
        handles: [group: GroupRef],
        arrays: [],
        inputs: [
            distribution = bytes_in(distribution, distribution_len),
            from = bytes_in(from, from_len),
        ],
        |_disjoint| {
            group.with(|group| {
                group
                    .receive_distribution(distribution, from)
                    .map_err(core_code)
            })
        }
    }
}

/// Encrypts a group message (0 to `SOTTO_MAX_PLAINTEXT_LEN` bytes; an empty
/// plaintext may be NULL with length 0), rotating the sending chain first
/// when the policy says so.
///
/// On success `*message` holds the group message (send it to the group)
/// and `*distribution` is empty, or, after a rotation, holds the new chain
/// to send to every member device through the pairwise sessions (before
/// or with the message). Both are new buffers owned by the caller; on
/// error both are empty and the group is unchanged.
///
/// Checks, in order: `group`, `rng` (handle errors), `message`,
/// `distribution` (`SOTTO_ERR_NULL_POINTER`), `plaintext`
/// (`SOTTO_ERR_NULL_POINTER` when NULL with a non-zero length,
/// `SOTTO_ERR_TOO_LARGE`), aliasing, then `SOTTO_ERR_RANDOMNESS`,
/// `SOTTO_ERR_LIMIT_EXCEEDED`. Thread safety: any thread.
///
/// # Safety
/// `plaintext` is NULL or readable for `plaintext_len` bytes; `message` and
/// `distribution` are NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_encrypt(
    group: *mut sotto_group,
    plaintext: *const u8,
    plaintext_len: usize,
    now: u64,
    rng: *const sotto_rng,
    message: *mut sotto_buffer,
    distribution: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [message: OutBuffer, distribution: OutBuffer],
        handles: [group: GroupRef, rng: RngRef],
        arrays: [],
        inputs: [plaintext = plaintext_in(plaintext, plaintext_len)],
        |disjoint| {
            let (sent, rotated) = rng.with(|rng| {
                group.with(|group| {
                    let sent = group.encrypt(plaintext, now, rng).map_err(core_code)?;
                    // Encoding a distribution cannot fail within the bounds; if
                    // it did, the message would still be valid (the chain can
                    // be sent again with `sotto_group_distribution`).
                    let rotated = match &sent.distribution {
                        Some(d) => d.to_bytes().map(|b| b.to_vec()).unwrap_or_default(),
                        None => Vec::new(),
                    };
                    Ok((sent.message, rotated))
                })
            })?;
            message.set(&disjoint, sent);
            distribution.set(&disjoint, rotated);
            Ok(())
        }
    }
}

/// Decrypts a group message from another member device. Transactional: on
/// any error the group is unchanged (and the outputs are empty / 0).
///
/// On success `*plaintext` holds the plaintext, `*sender` the sending
/// device's address (authenticated by its chain's signature), both new
/// buffers owned by the caller, and `*epoch` the epoch it was sent in.
///
/// Checks, in order: `group` (handle errors), `plaintext`, `sender`,
/// `epoch` (`SOTTO_ERR_NULL_POINTER`), `message`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing, then
/// decoding errors, `SOTTO_ERR_SESSION_MISMATCH` (another group),
/// `SOTTO_ERR_UNKNOWN_SENDER_CHAIN` (ask the sender for its chain; see
/// `sotto_group_message_info`), `SOTTO_ERR_EPOCH_MISMATCH`,
/// `SOTTO_ERR_BAD_SIGNATURE`, `SOTTO_ERR_DUPLICATE_MESSAGE`,
/// `SOTTO_ERR_TOO_FAR_AHEAD`, `SOTTO_ERR_DECRYPTION_FAILED`,
/// `SOTTO_ERR_INVALID_PADDING`. Thread safety: any thread.
///
/// # Safety
/// `message` is NULL or readable for `message_len` bytes; `plaintext` and
/// `sender` are NULL or valid for writing a `sotto_buffer`, `epoch` for
/// writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_decrypt(
    group: *mut sotto_group,
    message: *const u8,
    message_len: usize,
    plaintext: *mut sotto_buffer,
    sender: *mut sotto_buffer,
    epoch: *mut u32,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let message = Input::Bytes(message, message_len);
        let outs = ((plaintext, sender), epoch);
        type Outs = ((OutBuffer, OutBuffer), OutValue<u32>);
        call::<GroupRef, Outs>(group, ptr::null(), message, outs, |group, message, _| {
            let read = group.decrypt(message).map_err(core_code)?;
            Ok(((read.plaintext, read.sender), read.epoch))
        })
    }
}

/// The body of `sotto_group_add_members` and `sotto_group_remove_members`:
/// checks, in order, `group`, `rng` (handle errors), `distribution`
/// (`SOTTO_ERR_NULL_POINTER`), `devices` (`SOTTO_ERR_ZERO_LENGTH` when
/// none, then as a list of addresses), aliasing; then runs `change` and
/// hands out the new sending chain's distribution (empty when none).
///
/// # Safety
/// As those functions.
unsafe fn change_members(
    group: *const sotto_group,
    (devices, device_lens, device_count): (*const *const u8, *const usize, usize),
    rng: *const sotto_rng,
    distribution: *mut sotto_buffer,
    change: impl FnOnce(
        &mut GroupSession,
        &[&[u8]],
        &mut FfiRng<'_>,
    ) -> Result<ChainDistribution, sotto_core::Error>,
) -> i32 {
    guard(|| {
        // SAFETY: per the caller's contract.
        let inputs =
            unsafe { list_spans(devices, device_lens, device_count, SOTTO_MAX_GROUP_DEVICES) };
        let aliasing = Aliasing::of(&[Span::of(distribution)], &inputs);
        // SAFETY: per the caller's contract.
        let distribution = unsafe { OutBuffer::new(distribution, &aliasing) };
        let group = GroupRef::get(group)?;
        let rng = RngRef::get(rng)?;
        let distribution = distribution?;
        if device_count == 0 {
            return Err(crate::status::SOTTO_ERR_ZERO_LENGTH);
        }
        // SAFETY: per the caller's contract.
        let devices =
            unsafe { list_in(devices, device_lens, device_count, SOTTO_MAX_GROUP_DEVICES) }?;
        let disjoint = aliasing.check()?;
        let bytes = rng.with(|rng| {
            group.with(|group| {
                let d = change(group, &devices, rng).map_err(core_code)?;
                Ok(d.to_bytes().map(|b| b.to_vec()).unwrap_or_default())
            })
        })?;
        distribution.set(&disjoint, bytes);
        Ok(())
    })
}

/// Adds member devices (`device_count` addresses). They get no history:
/// `*distribution` receives this device's chain at its current index (a
/// new buffer owned by the caller), to send to the new devices through the
/// pairwise sessions. Every other member device does the same on its side.
///
/// Nothing changes on error (`*distribution` is empty). Checks, in order:
/// `group` (handle errors), `distribution` (`SOTTO_ERR_NULL_POINTER`),
/// `devices` (as `members` in `sotto_group_create`; at least one:
/// `SOTTO_ERR_ZERO_LENGTH` for a count of 0), aliasing, then
/// `SOTTO_ERR_INVALID_ARGUMENT` (an invalid address, this device, or a
/// device already a member or listed twice), `SOTTO_ERR_TOO_LARGE` (past
/// `SOTTO_MAX_GROUP_DEVICES`). Thread safety: any thread.
///
/// # Safety
/// As the `members` of `sotto_group_create`; `distribution` is NULL or
/// valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_add_members(
    group: *mut sotto_group,
    devices: *const *const u8,
    device_lens: *const usize,
    device_count: usize,
    distribution: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let devices = (devices, device_lens, device_count);
        change_members(
            group,
            devices,
            ptr::null(),
            distribution,
            |group, devices, _| group.add_members(devices),
        )
    }
}

/// Removes member devices (`device_count` addresses) and starts a new
/// epoch: their chains are dropped, and this device starts a new sending
/// chain, which `*distribution` receives (a new buffer owned by the
/// caller): send it to every remaining member device, never to the removed
/// ones. Messages of the previous epoch still decrypt until
/// `sotto_group_drop_previous_epochs`.
///
/// Nothing changes on error (`*distribution` is empty). Checks, in order:
/// `group`, `rng` (handle errors), `distribution`
/// (`SOTTO_ERR_NULL_POINTER`), `devices` (as in `sotto_group_add_members`),
/// aliasing, then `SOTTO_ERR_INVALID_ARGUMENT` (a device that is not a
/// member), `SOTTO_ERR_LIMIT_EXCEEDED`, `SOTTO_ERR_RANDOMNESS`. Thread
/// safety: any thread.
///
/// # Safety
/// As `sotto_group_add_members`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_remove_members(
    group: *mut sotto_group,
    devices: *const *const u8,
    device_lens: *const usize,
    device_count: usize,
    now: u64,
    rng: *const sotto_rng,
    distribution: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let devices = (devices, device_lens, device_count);
        change_members(group, devices, rng, distribution, |group, devices, rng| {
            group.remove_members(devices, now, rng)
        })
    }
}

/// Replaces the sending chain by a new one now (e.g. after a suspected
/// leak); `*distribution` receives it (a new buffer owned by the caller),
/// to send to every member device.
///
/// Nothing changes on error. Checks, in order: `group`, `rng` (handle
/// errors), `distribution` (`SOTTO_ERR_NULL_POINTER`), then
/// `SOTTO_ERR_RANDOMNESS`, `SOTTO_ERR_LIMIT_EXCEEDED`. Thread safety: any
/// thread.
///
/// # Safety
/// `distribution` is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_rotate(
    group: *mut sotto_group,
    now: u64,
    rng: *const sotto_rng,
    distribution: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        call::<GroupRef, OutBuffer>(group, rng, Input::None, distribution, |group, _, rng| {
            let d = group.rotate(now, rng).map_err(core_code)?;
            d.to_bytes().map(|b| b.to_vec()).map_err(core_code)
        })
    }
}

/// Drops every receiving chain of an epoch before the current one (once
/// the application's grace period for messages in flight across a removal
/// has passed).
///
/// Errors: handle errors only. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_group_drop_previous_epochs(group: *mut sotto_group) -> i32 {
    guard(|| {
        let group = GroupRef::get(group)?;
        group.with(|group| {
            group.drop_previous_epochs();
            Ok(())
        })
    })
}

/// Stores the group's current epoch (it grows by one with every removal)
/// in `*out`.
///
/// Checks, in order: `group` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_epoch(group: *const sotto_group, out: *mut u32) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<GroupRef, OutValue<u32>>(group, out, |group| Ok(group.epoch())) }
}

/// Stores the number of other member devices in `*out`.
///
/// Checks, in order: `group` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_member_count(
    group: *const sotto_group,
    out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { query::<GroupRef, OutValue<usize>>(group, out, |group| Ok(group.members().count())) }
}

/// Whether a chain of device `sender` for `epoch` is held here (`*out`):
/// whether its messages of that epoch can be decrypted.
///
/// Checks, in order: `group` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `sender` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing. Thread safety: any thread.
///
/// # Safety
/// `sender` is NULL or readable for `sender_len` bytes; `out` is NULL or
/// valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_has_chain(
    group: *const sotto_group,
    sender: *const u8,
    sender_len: usize,
    epoch: u32,
    out: *mut bool,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let sender = Input::Bytes(sender, sender_len);
        call::<GroupRef, OutValue<bool>>(group, ptr::null(), sender, out, |group, sender, _| {
            Ok(group.has_chain(sender, epoch))
        })
    }
}

/// Reads the clear routing fields of a group message, without any key:
/// its group id (`SOTTO_GROUP_ID_LEN` bytes to `group_id`), `*epoch`, the
/// sending device's address (`*sender`, a new buffer owned by the caller)
/// and its chain number (`*chain`). Nothing is authenticated: they are the
/// sender's claim until `sotto_group_decrypt` succeeds. Use them to route
/// a message to its group and, on `SOTTO_ERR_UNKNOWN_SENDER_CHAIN`, to ask
/// the sender for its chain.
///
/// Checks, in order: `epoch`, `sender`, `chain` (`SOTTO_ERR_NULL_POINTER`),
/// `group_id` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`),
/// `message` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing,
/// then the message's framing errors. On error the outputs are 0 / empty
/// and `group_id` is unwritten. Thread safety: any thread.
///
/// # Safety
/// `message` is NULL or readable for `message_len` bytes; `group_id` is
/// NULL or writable for `group_id_len` bytes; `epoch`, `sender` and
/// `chain` are NULL or valid for writing their types.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_message_info(
    message: *const u8,
    message_len: usize,
    group_id: *mut u8,
    group_id_len: usize,
    epoch: *mut u32,
    sender: *mut sotto_buffer,
    chain: *mut u32,
) -> i32 {
    prologue! {
        outs: [epoch: OutValue<u32>, sender: OutBuffer, chain: OutValue<u32>],
        handles: [],
        arrays: [group_id: (group_id_len, SOTTO_GROUP_ID_LEN)],
        inputs: [message = bytes_in(message, message_len)],
        |disjoint| {
            let info = GroupMessage::parse(message).map_err(core_code)?;
            group_id.set(&disjoint, info.group_id())?;
            epoch.set(&disjoint, info.epoch());
            chain.set(&disjoint, info.chain());
            sender.set(&disjoint, info.sender().to_vec());
            Ok(())
        }
    }
}

/// Seals the group state under a 32-byte storage key. Seal after every
/// call that changed it.
///
/// On success `*out` holds a new buffer owned by the caller; on error it is
/// empty. Checks, in order: `group`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), aliasing, then
/// `SOTTO_ERR_RANDOMNESS`. Thread safety: any thread.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid
/// for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_seal(
    group: *const sotto_group,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { seal::<GroupRef>(group, key, key_len, rng, out) }
}

/// Restores a group sealed by `sotto_group_seal`.
///
/// On success `*out` receives a new handle owned by the caller; on error
/// `*out` is NULL. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key`, `sealed` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH` for a key not of 32 bytes), aliasing, then
/// `SOTTO_ERR_TOO_LARGE`, `SOTTO_ERR_UNSEAL_FAILED`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE`, decoding errors. Thread safety: any
/// thread.
///
/// # Safety
/// `key` and `sealed` are NULL or readable for their lengths; `out` is NULL
/// or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_unseal(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut sotto_group,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe { unseal(key, key_len, sealed, sealed_len, out, GroupRef::wrap) }
}

/// Frees a group, wiping its keys. NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE`, `SOTTO_ERR_WRONG_HANDLE_KIND`.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_group_free(group: *mut sotto_group) -> i32 {
    guard(|| free(token(group), Kind::Group))
}

#[cfg(test)]
mod tests {
    use sotto_core::group;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(super::SOTTO_GROUP_ID_LEN, group::GROUP_ID_LEN);
        assert_eq!(
            super::SOTTO_MAX_DEVICE_ADDRESS_LEN,
            group::MAX_DEVICE_ADDRESS_LEN
        );
        assert_eq!(super::SOTTO_MAX_GROUP_DEVICES, group::MAX_GROUP_DEVICES);
        assert_eq!(
            super::SOTTO_GROUP_DEFAULT_MAX_MESSAGES,
            group::DEFAULT_MAX_MESSAGES
        );
        assert_eq!(
            super::SOTTO_GROUP_DEFAULT_MAX_AGE_SECS,
            group::DEFAULT_MAX_AGE_SECS
        );
        assert_eq!(
            super::SOTTO_MAX_SEALED_GROUP_LEN,
            group::MAX_SEALED_GROUP_LEN
        );
    }
}
