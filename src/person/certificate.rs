//! Device certificates (PROTOCOL.md §18.3).

use super::DEVICE_CERTIFICATE_LABEL;
use super::list::DeviceList;
use super::user::{UserIdentity, UserIdentityKey};
use crate::keys::{IDENTITY_RECORD_LEN, IdentityKey};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;

/// Length of an encoded [`DeviceCertificate`] (241 bytes).
pub const DEVICE_CERTIFICATE_LEN: usize = 2 + 33 + 4 + IDENTITY_RECORD_LEN + 8 + 64;

/// A person's statement, signed by their user identity, that a device
/// identity is theirs as of a device-list version (kind `0x0A`).
///
/// A device shows it to prove that it belongs to the person without the
/// verifier fetching the whole list. Every value was signed locally or
/// decoded with the signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCertificate {
    user: UserIdentityKey,
    device_id: u32,
    identity: IdentityKey,
    list_version: u64,
    bytes: Vec<u8>,
}

fn body(user: &UserIdentityKey, device_id: u32, identity: &IdentityKey, version: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(DEVICE_CERTIFICATE_LEN);
    wire::write_header(&mut out, Kind::DeviceCertificate);
    out.put(&user.to_bytes());
    out.put_u32(device_id);
    identity.write(&mut out);
    out.put_u64(version);
    out
}

impl DeviceCertificate {
    pub(crate) fn sign(
        user: &UserIdentity,
        device_id: u32,
        identity: IdentityKey,
        list_version: u64,
    ) -> Self {
        let public = user.public_key();
        let mut bytes = body(&public, device_id, &identity, list_version);
        let signature = user.sign(DEVICE_CERTIFICATE_LABEL, &bytes);
        bytes.put(&signature);
        DeviceCertificate {
            user: public,
            device_id,
            identity,
            list_version,
            bytes,
        }
    }

    /// Decodes and verifies a certificate issued by `expected_user`.
    ///
    /// # Errors
    /// The header's errors; [`Error::InvalidKey`] for a bad user key;
    /// [`Error::IdentityMismatch`] for a certificate of another user; the
    /// device identity's errors; [`Error::Truncated`] /
    /// [`Error::TrailingBytes`]; [`Error::Malformed`] for list version 0;
    /// [`Error::BadSignature`] when the user's signature does not verify.
    pub fn from_bytes(bytes: &[u8], expected_user: &UserIdentityKey) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        wire::read_header(&mut reader, Kind::DeviceCertificate)?;
        let user = UserIdentityKey::read(&mut reader)?;
        if &user != expected_user {
            return Err(Error::IdentityMismatch);
        }
        let device_id = reader.u32()?;
        let identity = IdentityKey::read(&mut reader)?;
        let list_version = reader.u64()?;
        let signature: [u8; 64] = reader.array()?;
        reader.finish()?;
        if list_version == 0 {
            return Err(Error::Malformed);
        }
        let signed = bytes
            .get(..bytes.len().saturating_sub(64))
            .ok_or(Error::Internal)?;
        user.verify(DEVICE_CERTIFICATE_LABEL, signed, &signature)?;
        Ok(DeviceCertificate {
            user,
            device_id,
            identity,
            list_version,
            bytes: bytes.to_vec(),
        })
    }

    /// Checks that the certificate is for the device whose account identity
    /// is `identity` (for example the peer of a session).
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] when it certifies another device.
    pub fn verify_device(&self, identity: &IdentityKey) -> Result<()> {
        if &self.identity == identity {
            Ok(())
        } else {
            Err(Error::IdentityMismatch)
        }
    }

    /// Checks the certificate against a device list of the same person: the
    /// list names the same device with the same identity.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] when the list is another user's or does
    /// not hold this device (removed since, or never there).
    pub fn verify_in_list(&self, list: &DeviceList) -> Result<()> {
        match list.device(self.device_id) {
            Some(entry) if list.user_key() == &self.user && entry.identity == self.identity => {
                Ok(())
            }
            _ => Err(Error::IdentityMismatch),
        }
    }

    /// The encoding (kind `0x0A`, 241 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The user key that signed it.
    pub const fn user_key(&self) -> &UserIdentityKey {
        &self.user
    }

    /// The certified device's id.
    pub const fn device_id(&self) -> u32 {
        self.device_id
    }

    /// The certified device's account identity.
    pub const fn device_identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// The version of the device list that added the device, at the time of
    /// issue.
    pub const fn list_version(&self) -> u64 {
        self.list_version
    }
}
