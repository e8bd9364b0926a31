//! Sealed state at rest.
//!
//! Accounts and sessions serialize to a versioned binary format, which is
//! then sealed with XChaCha20-Poly1305 under a 32-byte storage key that the
//! caller keeps (typically in the platform keystore):
//!
//! ```text
//! sealed = 0x01 || kind || nonce (24) || XChaCha20-Poly1305(key, nonce, ad, state)
//! ad     = "Sotto v1 sealed state" || 0x01 || kind
//! ```
//!
//! `kind` is 0x04 for an account and 0x05 for a session, and it is
//! authenticated, so a sealed session can never be restored as an account.
//! The nonce is random: the same state may be sealed any number of times.

use crate::primitives::aead::{self, Algorithm, XNONCE_LEN};
use crate::primitives::{Secret, random_array};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

pub(crate) const SEALED_LABEL: &[u8] = b"Sotto v1 sealed state";

/// Largest sealed object accepted (a full account is about 16 KiB).
pub const MAX_SEALED_LEN: usize = 256 * 1024;

/// The caller's 32-byte key for sealing state at rest.
///
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageKey(Secret<32>);

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(<redacted>)")
    }
}

impl StorageKey {
    /// Wraps 32 bytes the caller obtained from its keystore.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        StorageKey(Secret::from_bytes(bytes))
    }

    /// Draws a fresh random storage key.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Ok(StorageKey(Secret::from_bytes(random_array(rng)?)))
    }

    /// The key bytes, to store in a keystore.
    pub const fn expose(&self) -> &[u8; 32] {
        self.0.expose()
    }
}

fn associated_data(kind: Kind) -> Vec<u8> {
    let mut ad = Vec::with_capacity(SEALED_LABEL.len() + 2);
    ad.put(SEALED_LABEL);
    wire::write_header(&mut ad, kind);
    ad
}

pub(crate) fn seal<R: TryCryptoRng + ?Sized>(
    kind: Kind,
    state: &[u8],
    key: &StorageKey,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let nonce: [u8; XNONCE_LEN] = random_array(rng)?;
    seal_with_nonce(kind, state, key, &nonce)
}

pub(crate) fn seal_with_nonce(
    kind: Kind,
    state: &[u8],
    key: &StorageKey,
    nonce: &[u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    seal_bounded(kind, state, key, nonce, MAX_SEALED_LEN)
}

/// [`seal_with_nonce`] with another bound than [`MAX_SEALED_LEN`] (sealed
/// groups, PROTOCOL.md §21.9).
pub(crate) fn seal_bounded(
    kind: Kind,
    state: &[u8],
    key: &StorageKey,
    nonce: &[u8; XNONCE_LEN],
    max_len: usize,
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(2 + XNONCE_LEN + state.len() + aead::TAG_LEN);
    wire::write_header(&mut out, kind);
    out.put(nonce);
    aead::seal_into(
        Algorithm::XChaCha20Poly1305,
        key.expose(),
        nonce,
        &associated_data(kind),
        state,
        &mut out,
    )?;
    if out.len() > max_len {
        return Err(Error::TooLarge);
    }
    Ok(out)
}

pub(crate) fn unseal(kind: Kind, sealed: &[u8], key: &StorageKey) -> Result<Zeroizing<Vec<u8>>> {
    unseal_bounded(kind, sealed, key, MAX_SEALED_LEN)
}

/// [`unseal`] with another bound than [`MAX_SEALED_LEN`].
pub(crate) fn unseal_bounded(
    kind: Kind,
    sealed: &[u8],
    key: &StorageKey,
    max_len: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    if sealed.len() > max_len {
        return Err(Error::TooLarge);
    }
    let mut reader = Reader::new(sealed);
    wire::read_header(&mut reader, kind)?;
    let nonce: [u8; XNONCE_LEN] = reader.array()?;
    let ciphertext = reader.rest();
    if ciphertext.len() < aead::TAG_LEN {
        return Err(Error::Truncated);
    }
    aead::open(
        Algorithm::XChaCha20Poly1305,
        key.expose(),
        &nonce,
        &associated_data(kind),
        ciphertext,
    )
    .map(Zeroizing::new)
    .map_err(|_| Error::UnsealFailed)
}
