//! §17.4: the serialized record and its sealing (sealed kind `0x08`).

use super::SessionRecord;
use crate::limits::MAX_ARCHIVED_SESSIONS;
use crate::primitives::random_array;
use crate::sealed::{self, StorageKey};
use crate::session::Session;
use crate::wire::{Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Format version of the serialized record inside a sealed record.
const RECORD_FORMAT: u8 = 1;

/// Largest sealed record accepted: 384 KiB (393,216 bytes). A session state
/// (§9.2) is at most 73,941 bytes (2000 skipped keys of 36 bytes, five
/// retired chains, the handshake fields); five of them with their length
/// prefixes, the 3-byte record header and the 42-byte envelope come to
/// 369,770 bytes, under this bound (the 256 KiB bound of other sealed
/// objects would not hold five full sessions).
pub const MAX_SEALED_RECORD_LEN: usize = 384 * 1024;

impl SessionRecord {
    /// Seals the whole record under `storage_key` (sealed kind `0x08`).
    /// Draws a 24-byte nonce.
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
            Kind::SealedRecord,
            &self.serialize()?,
            storage_key,
            &nonce,
            MAX_SEALED_RECORD_LEN,
        )
    }

    /// Restores a record sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::TooLarge`] over [`MAX_SEALED_RECORD_LEN`] or for more than
    /// 1 + [`MAX_ARCHIVED_SESSIONS`] sessions, [`Error::UnsealFailed`] for a
    /// wrong key or corrupted bytes, [`Error::WrongObjectType`] for another
    /// sealed object, [`Error::Malformed`] for a non-zero flags byte or two
    /// sessions with one id, or a decoding error of a session.
    pub fn unseal(storage_key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let plaintext = sealed::unseal_bounded(
            Kind::SealedRecord,
            sealed_bytes,
            storage_key,
            MAX_SEALED_RECORD_LEN,
        )?;
        Self::deserialize(&plaintext)
    }

    /// `u8(1) || u8(flags = 0) || u8(count) || (u32(len) || session) × count`,
    /// the current session first, then the archived ones newest first.
    pub(crate) fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        let states = self
            .sessions()
            .map(Session::serialize)
            .collect::<Result<Vec<_>>>()?;
        let len = 3 + states.iter().map(|s| 4 + s.len()).sum::<usize>();
        // Exact capacity: a reallocation would free a copy of the keys unwiped.
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.put_u8(RECORD_FORMAT);
        out.put_u8(0);
        out.put_u8(u8::try_from(states.len()).map_err(|_| Error::TooLarge)?);
        for state in &states {
            out.put_u32(u32::try_from(state.len()).map_err(|_| Error::TooLarge)?);
            out.put(state);
        }
        debug_assert_eq!(out.len(), len);
        Ok(out)
    }

    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.u8()? != RECORD_FORMAT {
            return Err(Error::UnsupportedVersion);
        }
        // Reserved for future use; writers write 0.
        if reader.u8()? != 0 {
            return Err(Error::Malformed);
        }
        let count = usize::from(reader.u8()?);
        if count > 1 + MAX_ARCHIVED_SESSIONS {
            return Err(Error::TooLarge);
        }
        let mut sessions: Vec<Box<Session>> = Vec::with_capacity(count);
        for _ in 0..count {
            let len = usize::try_from(reader.u32()?).map_err(|_| Error::TooLarge)?;
            let session: Box<Session> = Box::new(Session::deserialize(reader.take(len)?)?);
            if sessions.iter().any(|s| s.id() == session.id()) {
                return Err(Error::Malformed);
            }
            sessions.push(session);
        }
        reader.finish()?;
        let mut sessions = sessions.into_iter();
        Ok(SessionRecord {
            current: sessions.next(),
            archived: sessions.collect(),
        })
    }
}
