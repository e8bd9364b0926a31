//! X25519 (RFC 7748) over `curve25519-dalek`.
//!
//! Private keys are 32 random bytes, clamped at use (RFC 7748 §5). The
//! Diffie-Hellman output is rejected when it is all zeros, which happens
//! exactly when the peer's public key has small order: such an output
//! contributes nothing secret and would let a malicious peer force a known
//! shared key.

use super::Secret;
use crate::{Error, Result};
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand_core::TryCryptoRng;
use subtle::ConstantTimeEq;

/// Length of X25519 keys and outputs.
pub const KEY_LEN: usize = 32;

/// An X25519 private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateKey(Secret<KEY_LEN>);

impl PrivateKey {
    /// Draws a fresh private key.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let mut key = Secret::zeroed();
        rng.try_fill_bytes(key.expose_mut())
            .map_err(|_| Error::Randomness)?;
        Ok(PrivateKey(key))
    }

    /// Uses the given 32 bytes as a private key (clamped at use).
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        PrivateKey(Secret::from_bytes(bytes))
    }

    /// The private key bytes, as stored.
    pub const fn to_bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }

    /// The public key `X25519(k, 9)`.
    pub fn public_key(&self) -> [u8; KEY_LEN] {
        MontgomeryPoint::mul_base_clamped(*self.0.expose()).to_bytes()
    }

    /// `X25519(k, their_public)`, rejecting the all-zero output.
    ///
    /// # Errors
    /// [`Error::NonContributory`] when the output is all zeros.
    pub fn diffie_hellman(&self, their_public: &[u8; KEY_LEN]) -> Result<Secret<KEY_LEN>> {
        let shared = Secret::from_bytes(
            MontgomeryPoint(*their_public)
                .mul_clamped(*self.0.expose())
                .to_bytes(),
        );
        if bool::from(shared.expose().ct_eq(&[0u8; KEY_LEN])) {
            return Err(Error::NonContributory);
        }
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).unwrap(), 16).unwrap();
        }
        out
    }

    /// RFC 7748 §6.1: Alice and Bob's keys and their shared secret.
    #[test]
    fn rfc7748_section_6_1() {
        let alice = PrivateKey::from_bytes(hex32(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob = PrivateKey::from_bytes(hex32(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        ));
        assert_eq!(
            alice.public_key(),
            hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            bob.public_key(),
            hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let shared = hex32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(
            alice.diffie_hellman(&bob.public_key()).unwrap().expose(),
            &shared
        );
        assert_eq!(
            bob.diffie_hellman(&alice.public_key()).unwrap().expose(),
            &shared
        );
    }

    /// RFC 7748 §5.2: the first test vector of the scalar multiplication.
    #[test]
    fn rfc7748_section_5_2() {
        let scalar = PrivateKey::from_bytes(hex32(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        ));
        let u = hex32("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
        assert_eq!(
            scalar.diffie_hellman(&u).unwrap().expose(),
            &hex32("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
        );
    }

    #[test]
    fn low_order_point_is_rejected() {
        let key = PrivateKey::from_bytes([7u8; 32]);
        // u = 0 and u = 1 have small order.
        assert_eq!(key.diffie_hellman(&[0u8; 32]), Err(Error::NonContributory));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(key.diffie_hellman(&one), Err(Error::NonContributory));
    }
}
