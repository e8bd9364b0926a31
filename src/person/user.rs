//! The user identity (PROTOCOL.md §18.1, §18.6).

use super::certificate::DeviceCertificate;
use super::list::{DeviceEntry, DeviceList};
use crate::keys::IdentityKey;
use crate::primitives::{Secret, ed25519};
use crate::sealed::{self, StorageKey};
use crate::wire::{Hex, KEY_TYPE_ED25519, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Length of an encoded [`UserIdentityKey`]: `0x02 || Ed25519 key`.
pub const USER_IDENTITY_KEY_LEN: usize = 33;

/// Format byte of the sealed user identity's state (§18.6).
const USER_STATE_FORMAT: u8 = 1;

/// The public key of a person (a user identity): an Ed25519 key that signs
/// the person's device list and device certificates.
///
/// Every value holds a canonical, not small-order Ed25519 key: decoding
/// checks it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserIdentityKey([u8; 32]);

impl fmt::Debug for UserIdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UserIdentityKey")
            .field(&Hex(&self.0))
            .finish()
    }
}

impl UserIdentityKey {
    /// `0x02 || Ed25519 public key` (33 bytes).
    pub fn to_bytes(&self) -> [u8; USER_IDENTITY_KEY_LEN] {
        let mut out = [0u8; USER_IDENTITY_KEY_LEN];
        let (kind, key) = out.split_at_mut(1);
        kind.copy_from_slice(&[KEY_TYPE_ED25519]);
        key.copy_from_slice(&self.0);
        out
    }

    /// Decodes and checks a user identity key.
    ///
    /// # Errors
    /// [`Error::Truncated`] / [`Error::TrailingBytes`] for a length other
    /// than 33, [`Error::InvalidKey`] for a type byte other than `0x02` or a
    /// non-canonical or small-order Ed25519 key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Reader::decode(bytes, Self::read)
    }

    /// The raw 32-byte Ed25519 public key.
    pub const fn ed25519_key(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        if reader.u8()? != KEY_TYPE_ED25519 {
            return Err(Error::InvalidKey);
        }
        let key: [u8; 32] = reader.array()?;
        ed25519::check_public_key(&key)?;
        Ok(UserIdentityKey(key))
    }

    /// Strict Ed25519 verification of `signature` on `label || message`.
    pub(crate) fn verify(&self, label: &[u8], message: &[u8], signature: &[u8; 64]) -> Result<()> {
        let mut signed = Vec::with_capacity(label.len() + message.len());
        signed.put(label);
        signed.put(message);
        ed25519::verify(&self.0, &signed, signature)
    }
}

/// A person's user identity: the private Ed25519 key that signs their device
/// list and device certificates, and the device list it last committed.
///
/// It lives on the person's primary device only and never leaves it (a
/// linked device receives the public key, PROTOCOL.md §19). Changing the
/// list is two-phase: [`sign_device_list`](Self::sign_device_list) makes the
/// next list without changing anything, and
/// [`commit_device_list`](Self::commit_device_list) adopts it once the
/// server has stored it, so a failed upload does not advance local state.
///
/// The private key is zeroized on drop; `Debug` shows only the public key.
#[derive(Clone)]
pub struct UserIdentity {
    signing: ed25519::PrivateKey,
    public: UserIdentityKey,
    list: Option<DeviceList>,
}

impl fmt::Debug for UserIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserIdentity")
            .field("public", &self.public)
            .field("version", &self.list.as_ref().map(DeviceList::version))
            .finish_non_exhaustive()
    }
}

impl UserIdentity {
    /// Creates a user identity (draws a 32-byte Ed25519 seed) with no
    /// device list yet.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn new<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Ok(Self::from_signing(
            ed25519::PrivateKey::generate(rng)?,
            None,
        ))
    }

    fn from_signing(signing: ed25519::PrivateKey, list: Option<DeviceList>) -> Self {
        let public = UserIdentityKey(signing.public_key());
        UserIdentity {
            signing,
            public,
            list,
        }
    }

    /// The public key, which contacts verify (its safety number is
    /// [`SafetyNumber::for_users`](crate::SafetyNumber::for_users)).
    pub const fn public_key(&self) -> UserIdentityKey {
        self.public
    }

    /// The device list last committed, if any.
    pub const fn device_list(&self) -> Option<&DeviceList> {
        self.list.as_ref()
    }

    pub(crate) fn sign(&self, label: &[u8], message: &[u8]) -> [u8; 64] {
        let mut signed = Vec::with_capacity(label.len() + message.len());
        signed.put(label);
        signed.put(message);
        self.signing.sign(&signed)
    }

    /// Signs the next device list: the committed one (or an empty one) with
    /// the devices of `remove` taken out and those of `add` put in, each
    /// with `added_at = now`, under the next version. Pure: nothing changes
    /// until [`commit_device_list`](Self::commit_device_list).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a device id of `remove` is not in the
    /// list, one of `add` is already in it (after removals) or appears twice,
    /// or an identity key is listed under two device ids;
    /// [`Error::TooLarge`] above [`MAX_DEVICES`](super::MAX_DEVICES);
    /// [`Error::LimitExceeded`] when the version would pass `u64::MAX`.
    pub fn sign_device_list(
        &self,
        add: &[(u32, IdentityKey)],
        remove: &[u32],
        now: u64,
    ) -> Result<DeviceList> {
        let (mut entries, version) = match &self.list {
            Some(list) => (list.entries().to_vec(), list.version()),
            None => (Vec::new(), 0),
        };
        for id in remove {
            let position = entries
                .iter()
                .position(|e| e.device_id == *id)
                .ok_or(Error::InvalidArgument)?;
            entries.remove(position);
        }
        for (device_id, identity) in add {
            if entries.iter().any(|e| e.device_id == *device_id) {
                return Err(Error::InvalidArgument);
            }
            entries.push(DeviceEntry {
                device_id: *device_id,
                identity: identity.clone(),
                added_at: now,
            });
        }
        let version = version.checked_add(1).ok_or(Error::LimitExceeded)?;
        DeviceList::sign(self, version, entries)
    }

    /// Adopts `list` as this identity's current list, once the server has
    /// stored it.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] for a list of another user,
    /// [`Error::Rollback`] unless its version is above the committed one.
    /// Nothing changes on error.
    pub fn commit_device_list(&mut self, list: &DeviceList) -> Result<()> {
        if list.user_key() != &self.public {
            return Err(Error::IdentityMismatch);
        }
        if self
            .list
            .as_ref()
            .is_some_and(|current| list.version() <= current.version())
        {
            return Err(Error::Rollback);
        }
        self.list = Some(list.clone());
        Ok(())
    }

    /// Issues the certificate of device `device_id` of the committed list:
    /// the device shows it to prove that it belongs to this person.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when no list is committed or the device is
    /// not in it.
    pub fn certify_device(&self, device_id: u32) -> Result<DeviceCertificate> {
        let list = self.list.as_ref().ok_or(Error::InvalidArgument)?;
        let entry = list.device(device_id).ok_or(Error::InvalidArgument)?;
        Ok(DeviceCertificate::sign(
            self,
            entry.device_id,
            entry.identity.clone(),
            list.version(),
        ))
    }

    /// Serializes the identity and its committed list and seals them under
    /// `key` (kind `0x0D`, PROTOCOL.md §18.6). Draws the 24-byte nonce.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn seal<R: TryCryptoRng + ?Sized>(&self, key: &StorageKey, rng: &mut R) -> Result<Vec<u8>> {
        let state = self.state()?;
        sealed::seal(Kind::SealedUserIdentity, &state, key, rng)
    }

    pub(crate) fn state(&self) -> Result<Zeroizing<Vec<u8>>> {
        let list = self.list.as_ref().map(DeviceList::to_bytes);
        let mut state = Zeroizing::new(Vec::with_capacity(36 + list.as_ref().map_or(0, Vec::len)));
        state.put_u8(USER_STATE_FORMAT);
        state.put(self.signing.seed().expose());
        match &list {
            Some(bytes) => {
                state.put_flag(true);
                state.put_bytes_u16(bytes)?;
            }
            None => state.put_flag(false),
        }
        Ok(state)
    }

    /// Restores a user identity sealed with [`seal`](Self::seal).
    ///
    /// # Errors
    /// The envelope's errors (PROTOCOL.md §9.1, kind `0x0D`), then
    /// [`Error::UnsupportedVersion`] for an unknown state format and the
    /// device list's decoding errors.
    pub fn unseal(key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let state = sealed::unseal(Kind::SealedUserIdentity, sealed_bytes, key)?;
        Reader::decode(&state, |reader| {
            if reader.u8()? != USER_STATE_FORMAT {
                return Err(Error::UnsupportedVersion);
            }
            let seed = Secret::from_bytes(reader.array()?);
            let signing = ed25519::PrivateKey::from_seed(seed);
            let public = UserIdentityKey(signing.public_key());
            let list = if reader.flag()? {
                let len = usize::from(reader.u16()?);
                Some(DeviceList::from_bytes(reader.take(len)?, &public)?)
            } else {
                None
            };
            Ok(Self::from_signing(signing, list))
        })
    }
}
