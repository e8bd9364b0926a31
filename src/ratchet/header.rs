//! Header encryption (PROTOCOL.md §6.4 steps 3 and 5, §6.5 step 3): the
//! 40-byte header (96 with the KEM field of version 2, PROTOCOL.md §22.3)
//! and its AEAD under a header key.

use super::kdf::HeaderKey;
use super::pq::{FIELD_LEN, KemField};
use crate::Result;
use crate::primitives::aead::{self, Algorithm, TAG_LEN, XNONCE_LEN};
use crate::wire::{self, Kind, Reader};
use alloc::vec::Vec;

/// Plaintext header: ratchet key (32) || previous chain length (u32) || index (u32).
pub const HEADER_LEN: usize = 40;
/// Encrypted header: header || tag.
pub const ENCRYPTED_HEADER_LEN: usize = HEADER_LEN + TAG_LEN;

/// A message header: which chain (the sender's ratchet key), how long the
/// sender's previous chain was, and the message's index in its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `DHs.public` of the sender.
    pub ratchet_key: [u8; 32],
    /// `PN`: number of messages in the sender's previous sending chain.
    pub previous_chain_length: u32,
    /// `n`: this message's index in its chain.
    pub index: u32,
}

impl Header {
    /// `ratchet key (32) || u32(PN) || u32(n)`.
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let (key, counters) = out.split_at_mut(32);
        key.copy_from_slice(&self.ratchet_key);
        let (previous, index) = counters.split_at_mut(4);
        previous.copy_from_slice(&self.previous_chain_length.to_be_bytes());
        index.copy_from_slice(&self.index.to_be_bytes());
        out
    }

    /// Parses exactly [`HEADER_LEN`] bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) or
    /// [`Error::TrailingBytes`](crate::Error::TrailingBytes) for another length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Reader::decode(bytes, |reader| {
            Ok(Header {
                ratchet_key: reader.array()?,
                previous_chain_length: reader.u32()?,
                index: reader.u32()?,
            })
        })
    }
}

/// Associated data of the header AEAD: `ad_hash || 0x01 || kind`, where
/// `kind` is the message's kind byte (`0x03`, or `0x12` for ratchet
/// version 2, PROTOCOL.md §22.3).
fn header_ad(ad_hash: &[u8; 32], kind: Kind) -> [u8; 34] {
    let mut ad = [0u8; 34];
    let (hash, kind_bytes) = ad.split_at_mut(32);
    hash.copy_from_slice(ad_hash);
    kind_bytes.copy_from_slice(&[wire::VERSION, kind as u8]);
    ad
}

/// Plaintext header of ratchet version 2 (PROTOCOL.md §22.3): the v1
/// header followed by the 56-byte KEM field.
pub const HEADER_V2_LEN: usize = HEADER_LEN + FIELD_LEN;
/// Encrypted header of ratchet version 2.
pub const ENCRYPTED_HEADER_V2_LEN: usize = HEADER_V2_LEN + TAG_LEN;

/// The plaintext header bytes of a message of `kind`: the v1 header, then
/// the KEM field for version 2.
pub(crate) fn header_bytes(header: &Header, field: Option<&KemField>) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_V2_LEN);
    out.extend_from_slice(&header.to_bytes());
    if let Some(field) = field {
        out.extend_from_slice(&field.to_bytes());
    }
    out
}

/// Parses a decrypted header: exactly 40 bytes for `0x03`, 96 for `0x12`.
fn parse_header(kind: Kind, bytes: &[u8]) -> Result<(Header, Option<KemField>)> {
    if kind == Kind::MessageV2 {
        let (v1, field) = bytes
            .split_at_checked(HEADER_LEN)
            .ok_or(crate::Error::Truncated)?;
        Ok((Header::from_bytes(v1)?, Some(KemField::from_bytes(field)?)))
    } else {
        Ok((Header::from_bytes(bytes)?, None))
    }
}

impl HeaderKey {
    /// Appends `EH = AEAD(HK, N, ad_hash || 0x01 || kind, header)` to `out`.
    pub(crate) fn seal_header(
        &self,
        ad_hash: &[u8; 32],
        nonce: &[u8; XNONCE_LEN],
        kind: Kind,
        header: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        aead::seal_into(
            Algorithm::XChaCha20Poly1305,
            self.expose(),
            nonce,
            &header_ad(ad_hash, kind),
            header,
            out,
        )
    }

    /// Trial decryption of an encrypted header: `None` when this key does not
    /// open it, `Some(Err(_))` when it opens but the header is malformed.
    pub(crate) fn open_header(
        &self,
        ad_hash: &[u8; 32],
        nonce: &[u8; XNONCE_LEN],
        kind: Kind,
        encrypted_header: &[u8],
    ) -> Option<Result<(Header, Option<KemField>)>> {
        let bytes = aead::open(
            Algorithm::XChaCha20Poly1305,
            self.expose(),
            nonce,
            &header_ad(ad_hash, kind),
            encrypted_header,
        )
        .ok()?;
        Some(parse_header(kind, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn header_round_trips_and_is_exact() {
        let header = Header {
            ratchet_key: [7; 32],
            previous_chain_length: 2,
            index: 0x0102_0304,
        };
        let bytes = header.to_bytes();
        assert_eq!(bytes[32..], [0, 0, 0, 2, 1, 2, 3, 4]);
        assert_eq!(Header::from_bytes(&bytes), Ok(header));
        assert_eq!(Header::from_bytes(&bytes[..39]), Err(Error::Truncated));
    }
}
