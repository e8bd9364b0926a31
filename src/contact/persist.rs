//! §20.6: the serialized contact and its sealing (sealed kind `0x11`).

use super::Contact;
use crate::person::{DeviceList, MAX_DEVICES};
use crate::primitives::random_array;
use crate::record::MAX_SEALED_RECORD_LEN;
use crate::record::SessionRecord;
use crate::sealed::{self, StorageKey};
use crate::wire::{Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Format version of the serialized contact inside a sealed contact.
const CONTACT_FORMAT: u8 = 1;

/// Largest sealed contact accepted: 16 records of at most 384 KiB each and
/// 4 KiB for the list and the framing (6,295,552 bytes). A full list is
/// 2,380 bytes; each record is at most 370,773 bytes sealed, so every
/// contact within the bounds seals.
pub const MAX_SEALED_CONTACT_LEN: usize = MAX_DEVICES * MAX_SEALED_RECORD_LEN + 4096;

impl Contact {
    /// Seals the list and every record as one object (sealed kind `0x11`,
    /// PROTOCOL.md §20.6). Draws a 24-byte nonce.
    ///
    /// # Errors
    /// [`Error::Randomness`]; [`Error::TooLarge`] cannot happen within the
    /// bounds.
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        storage_key: &StorageKey,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let nonce = random_array(rng)?;
        sealed::seal_bounded(
            Kind::SealedContact,
            &self.serialize()?,
            storage_key,
            &nonce,
            MAX_SEALED_CONTACT_LEN,
        )
    }

    /// Restores a contact sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::TooLarge`] over [`MAX_SEALED_CONTACT_LEN`] or for more than
    /// [`MAX_DEVICES`] records, [`Error::UnsealFailed`] for a wrong key or
    /// corrupted bytes, [`Error::WrongObjectType`] for another sealed
    /// object, [`Error::Malformed`] for records not in ascending device id
    /// order, of an unlisted device, or empty; the list's and the records'
    /// decoding errors.
    pub fn unseal(storage_key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let state = sealed::unseal_bounded(
            Kind::SealedContact,
            sealed_bytes,
            storage_key,
            MAX_SEALED_CONTACT_LEN,
        )?;
        Self::deserialize(&state)
    }

    /// `u8(1) || u16(len) || list || u8(count) || (u32(device_id) ||
    /// u32(len) || record state) × count`.
    pub(crate) fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        let list = self.list.to_bytes();
        let states = self
            .records
            .iter()
            .map(|(id, record)| Ok((*id, record.serialize()?)))
            .collect::<Result<Vec<_>>>()?;
        let len = 1 + 2 + list.len() + 1 + states.iter().map(|(_, s)| 8 + s.len()).sum::<usize>();
        // Exact capacity: a reallocation would free a copy of the keys unwiped.
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.put_u8(CONTACT_FORMAT);
        out.put_u16(u16::try_from(list.len()).map_err(|_| Error::TooLarge)?);
        out.put(&list);
        out.put_u8(u8::try_from(states.len()).map_err(|_| Error::TooLarge)?);
        for (id, state) in &states {
            out.put_u32(*id);
            out.put_u32(u32::try_from(state.len()).map_err(|_| Error::TooLarge)?);
            out.put(state);
        }
        debug_assert_eq!(out.len(), len);
        Ok(out)
    }

    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.u8()? != CONTACT_FORMAT {
            return Err(Error::UnsupportedVersion);
        }
        let list_len = usize::from(reader.u16()?);
        let list = DeviceList::from_bytes_first_use(reader.take(list_len)?)?;
        let count = usize::from(reader.u8()?);
        if count > MAX_DEVICES {
            return Err(Error::TooLarge);
        }
        let mut records: Vec<(u32, SessionRecord)> = Vec::with_capacity(count);
        for _ in 0..count {
            let id = reader.u32()?;
            let len = usize::try_from(reader.u32()?).map_err(|_| Error::TooLarge)?;
            let record = SessionRecord::deserialize(reader.take(len)?)?;
            let ascending = records.last().is_none_or(|(last, _)| *last < id);
            if !ascending || list.device(id).is_none() || record.is_empty() {
                return Err(Error::Malformed);
            }
            records.push((id, record));
        }
        reader.finish()?;
        Ok(Contact { list, records })
    }
}
