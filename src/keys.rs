//! Public identity keys and their encodings.
//!
//! An identity is two keys: an Ed25519 key that signs, and an X25519 key that
//! takes part in the handshake's Diffie-Hellman computations. The Ed25519 key
//! signs the X25519 key (the *binding signature*), so the pair travels as one
//! unit that nobody can split and recombine: without the binding, an attacker
//! could present a victim's signing key next to an agreement key of their own
//! and have sessions attributed to the victim.

use crate::primitives::{ed25519, x25519};
use crate::wire::{Hex, KEY_TYPE_ED25519, KEY_TYPE_X25519, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;

/// Domain label of the binding signature.
pub(crate) const IDENTITY_BINDING_LABEL: &[u8] = b"Sotto v1 identity binding";

/// Length of [`IdentityKey::key_bytes`]: `0x02 || Ed25519 || 0x01 || X25519`.
pub const IDENTITY_KEY_LEN: usize = 66;
/// Length of an encoded identity record (keys plus binding signature).
pub const IDENTITY_RECORD_LEN: usize = IDENTITY_KEY_LEN + ed25519::SIGNATURE_LEN;

/// Encodes an X25519 public key with its type byte (33 bytes).
pub(crate) fn encode_x25519(public: &[u8; 32]) -> [u8; 33] {
    let mut out = [0u8; 33];
    let (kind, key) = out.split_at_mut(1);
    kind.copy_from_slice(&[KEY_TYPE_X25519]);
    key.copy_from_slice(public);
    out
}

/// Reads a type-tagged X25519 public key.
pub(crate) fn read_x25519(reader: &mut Reader<'_>) -> Result<[u8; 32]> {
    if reader.u8()? != KEY_TYPE_X25519 {
        return Err(Error::InvalidKey);
    }
    reader.array()
}

/// A verified public identity: Ed25519 signing key, X25519 agreement key,
/// and the binding signature of the first over the second.
///
/// Every `IdentityKey` value has a valid binding signature: decoding checks it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityKey {
    signing: [u8; 32],
    agreement: [u8; 32],
    binding: [u8; 64],
}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKey")
            .field("signing", &Hex(&self.signing))
            .field("agreement", &Hex(&self.agreement))
            .finish_non_exhaustive()
    }
}

impl IdentityKey {
    /// The Ed25519 public key.
    pub const fn signing_key(&self) -> &[u8; 32] {
        &self.signing
    }

    /// The X25519 public key.
    pub const fn agreement_key(&self) -> &[u8; 32] {
        &self.agreement
    }

    /// `0x02 || Ed25519 key || 0x01 || X25519 key` (66 bytes): the form bound
    /// into session keys and safety numbers.
    pub fn key_bytes(&self) -> [u8; IDENTITY_KEY_LEN] {
        let mut out = [0u8; IDENTITY_KEY_LEN];
        let (ed_type, rest) = out.split_at_mut(1);
        let (ed, x) = rest.split_at_mut(32);
        ed_type.copy_from_slice(&[KEY_TYPE_ED25519]);
        ed.copy_from_slice(&self.signing);
        x.copy_from_slice(&encode_x25519(&self.agreement));
        out
    }

    /// The identity record: [`key_bytes`](Self::key_bytes) followed by the
    /// 64-byte binding signature (130 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(IDENTITY_RECORD_LEN);
        self.write(&mut out);
        out
    }

    /// Decodes and verifies an identity record.
    ///
    /// # Errors
    /// [`Error::Truncated`] / [`Error::TrailingBytes`] for a wrong length,
    /// [`Error::InvalidKey`] for a wrong type byte or an invalid or
    /// small-order Ed25519 key, [`Error::BadSignature`] when the binding
    /// signature does not verify.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let key = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(key)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put(&self.key_bytes());
        out.put(&self.binding);
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let key = Self::read_unverified(reader)?;
        ed25519::check_public_key(&key.signing)?;
        ed25519::verify(&key.signing, &binding_message(&key.agreement), &key.binding)?;
        Ok(key)
    }

    /// Reads an identity record without verifying it: only for sealed state,
    /// whose every byte the storage key's AEAD already authenticated, and
    /// whose identities were verified when they first arrived. Verifying
    /// them again made up three quarters of the cost of unsealing a session.
    pub(crate) fn read_sealed(reader: &mut Reader<'_>) -> Result<Self> {
        Self::read_unverified(reader)
    }

    fn read_unverified(reader: &mut Reader<'_>) -> Result<Self> {
        if reader.u8()? != KEY_TYPE_ED25519 {
            return Err(Error::InvalidKey);
        }
        let signing: [u8; 32] = reader.array()?;
        let agreement = read_x25519(reader)?;
        let binding: [u8; 64] = reader.array()?;
        Ok(IdentityKey {
            signing,
            agreement,
            binding,
        })
    }
}

fn binding_message(agreement: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(IDENTITY_BINDING_LABEL.len() + 33);
    message.put(IDENTITY_BINDING_LABEL);
    message.put(&encode_x25519(agreement));
    message
}

/// The private half of an identity.
#[derive(Clone)]
pub(crate) struct IdentityKeyPair {
    pub(crate) signing: ed25519::PrivateKey,
    pub(crate) agreement: x25519::PrivateKey,
    pub(crate) public: IdentityKey,
}

impl fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl IdentityKeyPair {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let signing = ed25519::PrivateKey::generate(rng)?;
        let agreement = x25519::PrivateKey::generate(rng)?;
        Ok(Self::from_keys(signing, agreement))
    }

    pub(crate) fn from_keys(signing: ed25519::PrivateKey, agreement: x25519::PrivateKey) -> Self {
        let agreement_public = agreement.public_key();
        let binding = signing.sign(&binding_message(&agreement_public));
        let public = IdentityKey {
            signing: signing.public_key(),
            agreement: agreement_public,
            binding,
        };
        IdentityKeyPair {
            signing,
            agreement,
            public,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn identity_round_trips_and_rejects_tampering() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let pair = IdentityKeyPair::generate(&mut rng).unwrap();
        let bytes = pair.public.to_bytes();
        assert_eq!(bytes.len(), IDENTITY_RECORD_LEN);
        assert_eq!(IdentityKey::from_bytes(&bytes).unwrap(), pair.public);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(IdentityKey::from_bytes(&bad).is_err(), "byte {i}");
        }
        assert_eq!(
            IdentityKey::from_bytes(&bytes[..129]),
            Err(Error::Truncated)
        );
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(IdentityKey::from_bytes(&long), Err(Error::TrailingBytes));
    }

    #[test]
    fn swapping_the_agreement_key_breaks_the_binding() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let victim = IdentityKeyPair::generate(&mut rng).unwrap();
        let attacker = IdentityKeyPair::generate(&mut rng).unwrap();
        let mut forged = victim.public.to_bytes();
        forged[34..66].copy_from_slice(attacker.public.agreement_key());
        assert_eq!(IdentityKey::from_bytes(&forged), Err(Error::BadSignature));
    }
}
