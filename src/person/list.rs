//! Signed device lists (PROTOCOL.md §18.2, §18.4).

use super::DEVICE_LIST_LABEL;
use super::user::{UserIdentity, UserIdentityKey};
use crate::keys::{IDENTITY_RECORD_LEN, IdentityKey};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use subtle::ConstantTimeEq;

/// Most devices one device list holds.
///
/// Every message to a person is encrypted once per device of theirs and of
/// the sender (PROTOCOL.md §20), so the bound caps that fan-out; 16 leaves
/// room for a phone, a tablet, laptops and several browsers (WhatsApp allows
/// a phone and 4 linked devices, Signal 5 linked devices), keeps a full list
/// at 2,380 bytes (one request), and keeps it short enough for a person to
/// review on screen, which is how a ghost device is noticed.
pub const MAX_DEVICES: usize = 16;

/// Length of one encoded [`DeviceEntry`]:
/// `u32(device_id) || identity record (130) || u64(added_at)`.
pub const DEVICE_ENTRY_LEN: usize = 4 + IDENTITY_RECORD_LEN + 8;

/// One device of a person: its id, its account identity, and when the
/// person added it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceEntry {
    /// The device's id, unique within the person's list (the application's
    /// device number, e.g. the one the server assigns).
    pub device_id: u32,
    /// The device's account identity ([`Account::identity_key`](crate::Account::identity_key)).
    pub identity: IdentityKey,
    /// When the device was added, in the application's clock (Unix seconds
    /// by convention); Sotto only carries it.
    pub added_at: u64,
}

impl DeviceEntry {
    fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.device_id);
        self.identity.write(out);
        out.put_u64(self.added_at);
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let device_id = reader.u32()?;
        let identity = IdentityKey::read(reader)?;
        let added_at = reader.u64()?;
        Ok(DeviceEntry {
            device_id,
            identity,
            added_at,
        })
    }
}

/// What changed between two device lists of a person, for the application
/// to tell its user ("Bob added a new device").
///
/// An entry whose device id stays but whose identity changed (a reinstall)
/// is in both `removed` (the old entry) and `added` (the new one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceListChange {
    /// Entries of the new list that the old one did not have.
    pub added: Vec<DeviceEntry>,
    /// Entries of the old list that the new one no longer has.
    pub removed: Vec<DeviceEntry>,
}

impl DeviceListChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A person's device list, signed by their user identity (kind `0x09`).
///
/// Every value was either signed locally or decoded with every check of
/// PROTOCOL.md §18.2: the signature under the user key, entries sorted by
/// device id without duplicates, at most [`MAX_DEVICES`], and every
/// device's identity binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceList {
    user: UserIdentityKey,
    version: u64,
    entries: Vec<DeviceEntry>,
    bytes: Vec<u8>,
}

/// The encoding without its signature, checking the entry rules.
fn body(user: &UserIdentityKey, version: u64, entries: &[DeviceEntry]) -> Result<Vec<u8>> {
    check_entries(version, entries)?;
    let mut out = Vec::with_capacity(2 + 33 + 8 + 1 + entries.len() * DEVICE_ENTRY_LEN + 64);
    wire::write_header(&mut out, Kind::DeviceList);
    out.put(&user.to_bytes());
    out.put_u64(version);
    out.put_count_u8(entries.len())?;
    for entry in entries {
        entry.write(&mut out);
    }
    Ok(out)
}

/// Version at least 1; at most [`MAX_DEVICES`] entries (`TOO_LARGE`),
/// strictly ascending device ids and no identity listed twice (`MALFORMED`).
fn check_entries(version: u64, entries: &[DeviceEntry]) -> Result<()> {
    if entries.len() > MAX_DEVICES {
        return Err(Error::TooLarge);
    }
    if version == 0 {
        return Err(Error::Malformed);
    }
    for (i, entry) in entries.iter().enumerate() {
        for earlier in entries.iter().take(i) {
            if earlier.device_id >= entry.device_id
                || earlier.identity.signing_key() == entry.identity.signing_key()
            {
                return Err(Error::Malformed);
            }
        }
    }
    Ok(())
}

impl DeviceList {
    pub(crate) fn sign(
        user: &UserIdentity,
        version: u64,
        mut entries: Vec<DeviceEntry>,
    ) -> Result<Self> {
        entries.sort_by_key(|e| e.device_id);
        let public = user.public_key();
        let mut bytes = body(&public, version, &entries).map_err(|e| match e {
            Error::Malformed => Error::InvalidArgument,
            other => other,
        })?;
        let signature = user.sign(DEVICE_LIST_LABEL, &bytes);
        bytes.put(&signature);
        Ok(DeviceList {
            user: public,
            version,
            entries,
            bytes,
        })
    }

    /// Decodes a device list of the user whose key the caller already holds
    /// (verified in person, or pinned at first use), verifying everything.
    ///
    /// # Errors
    /// In this order: the header's errors; [`Error::InvalidKey`] for a bad
    /// user key; [`Error::IdentityMismatch`] when the list is not
    /// `expected_user`'s; [`Error::TooLarge`] for more than [`MAX_DEVICES`]
    /// entries; the entries' identity errors ([`Error::InvalidKey`],
    /// [`Error::BadSignature`]); [`Error::Truncated`] /
    /// [`Error::TrailingBytes`]; [`Error::Malformed`] for version 0,
    /// unsorted or repeated device ids or an identity listed twice;
    /// [`Error::BadSignature`] when the user's signature does not verify
    /// (for example a device added by the server: a ghost device).
    pub fn from_bytes(bytes: &[u8], expected_user: &UserIdentityKey) -> Result<Self> {
        Self::decode(bytes, Some(expected_user))
    }

    /// Decodes a device list of a user seen for the first time, trusting the
    /// user key it names (trust on first use): the caller pins
    /// [`user_key`](Self::user_key) and later compares safety numbers. Every
    /// other check of [`from_bytes`](Self::from_bytes) applies.
    ///
    /// # Errors
    /// As [`from_bytes`](Self::from_bytes), without
    /// [`Error::IdentityMismatch`].
    pub fn from_bytes_first_use(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes, None)
    }

    fn decode(bytes: &[u8], expected_user: Option<&UserIdentityKey>) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        wire::read_header(&mut reader, Kind::DeviceList)?;
        let user = UserIdentityKey::read(&mut reader)?;
        if expected_user.is_some_and(|expected| expected != &user) {
            return Err(Error::IdentityMismatch);
        }
        let version = reader.u64()?;
        let count = reader.count_u8(MAX_DEVICES)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            entries.push(DeviceEntry::read(&mut reader)?);
        }
        let signature: [u8; 64] = reader.array()?;
        reader.finish()?;
        check_entries(version, &entries)?;
        let signed = bytes
            .get(..bytes.len().saturating_sub(64))
            .ok_or(Error::Internal)?;
        user.verify(DEVICE_LIST_LABEL, signed, &signature)?;
        Ok(DeviceList {
            user,
            version,
            entries,
            bytes: bytes.to_vec(),
        })
    }

    /// The encoding, as signed (kind `0x09`).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The user key that signed the list.
    pub const fn user_key(&self) -> &UserIdentityKey {
        &self.user
    }

    /// The version (at least 1; each new list of a person has a higher one).
    pub const fn version(&self) -> u64 {
        self.version
    }

    /// The devices, sorted by device id.
    pub fn entries(&self) -> &[DeviceEntry] {
        &self.entries
    }

    /// The entry of device `device_id`, if listed.
    pub fn device(&self, device_id: u32) -> Option<&DeviceEntry> {
        self.entries.iter().find(|e| e.device_id == device_id)
    }

    /// The entry whose identity is `identity`, if listed: whether a session
    /// peer is one of the person's devices.
    pub fn device_with_identity(&self, identity: &IdentityKey) -> Option<&DeviceEntry> {
        self.entries.iter().find(|e| &e.identity == identity)
    }

    /// Checks a newer list of the same person fetched from the server and
    /// reports what changed. Pure: keep the returned list in place of this
    /// one (on error, keep this one).
    ///
    /// Equal bytes are accepted idempotently (same list, empty change).
    ///
    /// # Errors
    /// The errors of [`from_bytes`](Self::from_bytes) with this list's user
    /// key (a ghost device is [`Error::BadSignature`]), then
    /// [`Error::Rollback`] for a lower version, or for the same version with
    /// other bytes (the server showing two lists under one version).
    pub fn update(&self, new_bytes: &[u8]) -> Result<(DeviceList, DeviceListChange)> {
        let new = DeviceList::from_bytes(new_bytes, &self.user)?;
        if new.version < self.version {
            return Err(Error::Rollback);
        }
        if new.version == self.version {
            let same = self.bytes.len() == new.bytes.len()
                && bool::from(self.bytes.as_slice().ct_eq(new.bytes.as_slice()));
            return if same {
                Ok((new, DeviceListChange::default()))
            } else {
                Err(Error::Rollback)
            };
        }
        let change = self.change_to(&new);
        Ok((new, change))
    }

    /// What changed from this list to `new` (compared by device id and
    /// identity).
    pub fn change_to(&self, new: &DeviceList) -> DeviceListChange {
        let same = |a: &DeviceEntry, b: &DeviceEntry| {
            a.device_id == b.device_id && a.identity == b.identity
        };
        DeviceListChange {
            added: new
                .entries
                .iter()
                .filter(|n| !self.entries.iter().any(|o| same(o, n)))
                .cloned()
                .collect(),
            removed: self
                .entries
                .iter()
                .filter(|o| !new.entries.iter().any(|n| same(o, n)))
                .cloned()
                .collect(),
        }
    }
}
