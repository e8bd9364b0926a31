//! §20.1: device addresses, the session contexts derived from them, and the
//! fan-out payload that names the person a message is addressed to.

use crate::handshake::SessionContext;
use crate::limits::MAX_PLAINTEXT_LEN;
use crate::person::{USER_IDENTITY_KEY_LEN, UserIdentityKey};
use crate::wire::Writer;
use crate::{Error, Result};
use alloc::vec::Vec;
use zeroize::Zeroizing;

/// Length of an encoded [`DeviceAddress`]: `UK (33) || u32(device_id)`.
pub const DEVICE_ADDRESS_LEN: usize = USER_IDENTITY_KEY_LEN + 4;

/// Longest plaintext one call of [`send_to_person`](super::send_to_person)
/// takes: the session bound (1 MiB) minus the 33-byte addressee.
pub const MAX_FANOUT_PLAINTEXT_LEN: usize = MAX_PLAINTEXT_LEN - USER_IDENTITY_KEY_LEN;

/// One device of one person: the person's user identity key and the
/// device's id in the person's device list.
///
/// Its encoding, `UK (33) || u32(device_id)`, is the device's §5.1 context
/// identifier in every session between devices of people (PROTOCOL.md
/// §20.1), so a session is bound to both persons and both device ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceAddress {
    /// The person's user identity key.
    pub user: UserIdentityKey,
    /// The device's id in the person's list.
    pub device_id: u32,
}

impl DeviceAddress {
    /// The address of device `device_id` of `user`.
    pub const fn new(user: UserIdentityKey, device_id: u32) -> Self {
        DeviceAddress { user, device_id }
    }

    /// `UK (33) || u32(device_id)`: the §5.1 context identifier.
    pub fn to_bytes(&self) -> [u8; DEVICE_ADDRESS_LEN] {
        let mut out = [0u8; DEVICE_ADDRESS_LEN];
        let (user, id) = out.split_at_mut(USER_IDENTITY_KEY_LEN);
        user.copy_from_slice(&self.user.to_bytes());
        id.copy_from_slice(&self.device_id.to_be_bytes());
        out
    }
}

/// The two encoded addresses of a session, local first.
pub(crate) struct Addresses {
    local: [u8; DEVICE_ADDRESS_LEN],
    remote: [u8; DEVICE_ADDRESS_LEN],
}

impl Addresses {
    pub(crate) fn new(local: &DeviceAddress, remote: &DeviceAddress) -> Self {
        Addresses {
            local: local.to_bytes(),
            remote: remote.to_bytes(),
        }
    }

    pub(crate) fn context(&self) -> SessionContext<'_> {
        SessionContext::new(&self.local, &self.remote)
    }
}

/// `payload = UK_to (33) || plaintext` (§20.2).
pub(crate) fn payload(to: &UserIdentityKey, plaintext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if plaintext.len() > MAX_FANOUT_PLAINTEXT_LEN {
        return Err(Error::TooLarge);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(USER_IDENTITY_KEY_LEN + plaintext.len()));
    out.put(&to.to_bytes());
    out.put(plaintext);
    Ok(out)
}

/// Splits a decrypted payload into its addressee and plaintext.
///
/// # Errors
/// [`Error::Malformed`] when it is shorter than 33 bytes or the addressee
/// is not a valid user key.
pub(crate) fn split_payload(payload: &[u8]) -> Result<(UserIdentityKey, &[u8])> {
    let (to, plaintext) = payload
        .split_at_checked(USER_IDENTITY_KEY_LEN)
        .ok_or(Error::Malformed)?;
    let to = UserIdentityKey::from_bytes(to).map_err(|_| Error::Malformed)?;
    Ok((to, plaintext))
}
