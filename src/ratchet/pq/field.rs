//! PROTOCOL.md §22.3: the KEM field every version-2 header carries.
//!
//! ```text
//! field = u8(type) || u32(epoch) || u8(index) || data (50)       56 bytes
//! ```

use crate::primitives::kem::{CIPHERTEXT_LEN, PUBLIC_KEY_LEN};
use crate::wire::{Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;

/// Bytes of key or ciphertext one field carries.
pub const CHUNK_LEN: usize = 50;
/// Length of an encoded field.
pub const FIELD_LEN: usize = 6 + CHUNK_LEN;
/// Chunks of an encapsulation key: ⌈1184 / 50⌉.
pub const EK_CHUNKS: u8 = PUBLIC_KEY_LEN.div_ceil(CHUNK_LEN) as u8;
/// Chunks of a ciphertext: ⌈1088 / 50⌉.
pub const CT_CHUNKS: u8 = CIPHERTEXT_LEN.div_ceil(CHUNK_LEN) as u8;

const TYPE_IDLE: u8 = 0;
const TYPE_EK: u8 = 1;
const TYPE_CT: u8 = 2;
const TYPE_MIX: u8 = 3;

/// The content of one KEM field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemField {
    /// Nothing to send (type 0): every other byte is zero.
    Idle,
    /// Chunk `index` of the encapsulation key of `epoch` (type 1).
    EkChunk {
        /// The exchange this chunk belongs to.
        epoch: u32,
        /// Chunk number, below [`EK_CHUNKS`].
        index: u8,
        /// The chunk, zero-padded after the key's end.
        data: [u8; CHUNK_LEN],
    },
    /// Chunk `index` of the ciphertext of `epoch` (type 2).
    CtChunk {
        /// The exchange this chunk belongs to.
        epoch: u32,
        /// Chunk number, below [`CT_CHUNKS`].
        index: u8,
        /// The chunk, zero-padded after the ciphertext's end.
        data: [u8; CHUNK_LEN],
    },
    /// The sending chain of this message mixed the secret of `epoch` into
    /// the root key (type 3); index and data are zero.
    Mix {
        /// The exchange whose secret was mixed.
        epoch: u32,
    },
}

/// How many bytes of chunk `index` of an object of `len` bytes are data
/// (the rest is zero padding); `None` past the last chunk.
fn chunk_payload(len: usize, index: u8) -> Option<usize> {
    let start = usize::from(index) * CHUNK_LEN;
    (start < len).then(|| (len - start).min(CHUNK_LEN))
}

/// Chunk `index` of `object`, zero-padded; `None` past the last chunk.
pub(super) fn chunk_of(object: &[u8], index: u8) -> Option<[u8; CHUNK_LEN]> {
    let used = chunk_payload(object.len(), index)?;
    let start = usize::from(index) * CHUNK_LEN;
    let mut data = [0u8; CHUNK_LEN];
    data.get_mut(..used)?
        .copy_from_slice(object.get(start..start + used)?);
    Some(data)
}

impl KemField {
    /// The 56-byte encoding.
    pub fn to_bytes(self) -> [u8; FIELD_LEN] {
        let (kind, epoch, index, data) = match self {
            KemField::Idle => (TYPE_IDLE, 0, 0, [0; CHUNK_LEN]),
            KemField::EkChunk { epoch, index, data } => (TYPE_EK, epoch, index, data),
            KemField::CtChunk { epoch, index, data } => (TYPE_CT, epoch, index, data),
            KemField::Mix { epoch } => (TYPE_MIX, epoch, 0, [0; CHUNK_LEN]),
        };
        let mut out = Vec::with_capacity(FIELD_LEN);
        out.put_u8(kind);
        out.put_u32(epoch);
        out.put_u8(index);
        out.put(&data);
        let mut bytes = [0u8; FIELD_LEN];
        bytes.copy_from_slice(&out);
        bytes
    }

    /// Decodes exactly [`FIELD_LEN`] bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] / [`Error::TrailingBytes`] for another length;
    /// [`Error::Malformed`] for an unknown type, a chunk index past the
    /// object's last chunk, non-zero padding after the object's end, or
    /// non-zero bytes where the type has none.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Reader::decode(bytes, |reader| {
            let kind = reader.u8()?;
            let epoch = reader.u32()?;
            let index = reader.u8()?;
            let data: [u8; CHUNK_LEN] = reader.array()?;
            let zero_data = data.iter().all(|&b| b == 0);
            match kind {
                TYPE_IDLE if epoch == 0 && index == 0 && zero_data => Ok(KemField::Idle),
                TYPE_MIX if index == 0 && zero_data => Ok(KemField::Mix { epoch }),
                TYPE_EK | TYPE_CT => {
                    let len = if kind == TYPE_EK {
                        PUBLIC_KEY_LEN
                    } else {
                        CIPHERTEXT_LEN
                    };
                    let used = chunk_payload(len, index).ok_or(Error::Malformed)?;
                    if data
                        .get(used..)
                        .is_some_and(|pad| pad.iter().any(|&b| b != 0))
                    {
                        return Err(Error::Malformed);
                    }
                    Ok(if kind == TYPE_EK {
                        KemField::EkChunk { epoch, index, data }
                    } else {
                        KemField::CtChunk { epoch, index, data }
                    })
                }
                _ => Err(Error::Malformed),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_layout() {
        assert_eq!((EK_CHUNKS, CT_CHUNKS, FIELD_LEN), (24, 22, 56));
        let field = KemField::CtChunk {
            epoch: 0x0102_0304,
            index: 21,
            data: chunk_of(&[7u8; CIPHERTEXT_LEN], 21).unwrap(),
        };
        let bytes = field.to_bytes();
        assert_eq!(bytes[..6], [2, 1, 2, 3, 4, 21]);
        assert_eq!(bytes[6..44], [7; 38]);
        assert_eq!(bytes[44..], [0; 12]);
        assert_eq!(KemField::from_bytes(&bytes), Ok(field));
    }

    #[test]
    fn rejects_what_no_sender_writes() {
        let mut bytes = KemField::Idle.to_bytes();
        assert_eq!(KemField::from_bytes(&bytes), Ok(KemField::Idle));
        bytes[55] = 1;
        assert_eq!(KemField::from_bytes(&bytes), Err(Error::Malformed));
        let mut ct = [0u8; FIELD_LEN];
        ct[0] = 2;
        ct[5] = 22; // past the last ciphertext chunk
        assert_eq!(KemField::from_bytes(&ct), Err(Error::Malformed));
        ct[5] = 21;
        ct[44] = 1; // padding after the ciphertext's end
        assert_eq!(KemField::from_bytes(&ct), Err(Error::Malformed));
        ct[0] = 4;
        assert_eq!(KemField::from_bytes(&ct), Err(Error::Malformed));
        assert_eq!(KemField::from_bytes(&ct[..55]), Err(Error::Truncated));
    }
}
