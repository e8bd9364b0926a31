//! ML-KEM-768 (FIPS 203) over RustCrypto's `ml-kem`.
//!
//! Decapsulation keys are stored as their 64-byte seed `d || z` (FIPS 203
//! §6.1 `ML-KEM.KeyGen_internal`), which is both the smallest and the
//! canonical form. Encapsulation keys are validated on import (FIPS 203
//! §7.2 modulus check).

use super::Secret;
use crate::{Error, Result};
use ml_kem::array::Array;
use ml_kem::{B32, Decapsulate, KeyExport, ml_kem_768};
use rand_core::TryCryptoRng;

/// Length of an encapsulation (public) key.
pub const PUBLIC_KEY_LEN: usize = 1184;
/// Length of a ciphertext.
pub const CIPHERTEXT_LEN: usize = 1088;
/// Length of the decapsulation key seed `d || z`.
pub const SEED_LEN: usize = 64;
/// Length of the shared secret.
pub const SHARED_SECRET_LEN: usize = 32;
/// Length of the encapsulation randomness `m`.
pub const ENCAPSULATION_RANDOMNESS_LEN: usize = 32;

/// An ML-KEM-768 decapsulation key, kept with its seed.
#[derive(Clone)]
pub struct PrivateKey {
    seed: Secret<SEED_LEN>,
    key: ml_kem_768::DecapsulationKey,
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ml_kem_768::PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// Draws a fresh 64-byte seed and expands it.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let mut seed = Secret::zeroed();
        rng.try_fill_bytes(seed.expose_mut())
            .map_err(|_| Error::Randomness)?;
        Ok(Self::from_seed(seed))
    }

    /// Expands the seed `d || z` (FIPS 203 `ML-KEM.KeyGen_internal(d, z)`).
    pub fn from_seed(seed: Secret<SEED_LEN>) -> Self {
        let key = ml_kem_768::DecapsulationKey::from_seed(Array::from(*seed.expose()));
        PrivateKey { seed, key }
    }

    /// The seed, as stored.
    pub fn seed(&self) -> &Secret<SEED_LEN> {
        &self.seed
    }

    /// The encoded encapsulation key.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.key.encapsulation_key().to_bytes().into()
    }

    /// Decapsulates `ciphertext`. ML-KEM decapsulation never fails: a forged
    /// ciphertext yields an unrelated pseudorandom secret (implicit rejection).
    pub fn decapsulate(&self, ciphertext: &[u8; CIPHERTEXT_LEN]) -> Secret<SHARED_SECRET_LEN> {
        let shared = self.key.decapsulate(&Array::from(*ciphertext));
        Secret::from_bytes(shared.into())
    }
}

/// A validated ML-KEM-768 encapsulation key.
#[derive(Clone, PartialEq)]
pub struct PublicKey(ml_kem_768::EncapsulationKey);

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ml_kem_768::PublicKey")
    }
}

impl PublicKey {
    /// Decodes and validates an encapsulation key.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when a coefficient is not reduced modulo q.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LEN]) -> Result<Self> {
        ml_kem_768::EncapsulationKey::new(&Array::from(*bytes))
            .map(PublicKey)
            .map_err(|_| Error::InvalidKey)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.to_bytes().into()
    }

    /// Encapsulates with fresh randomness from `rng`.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn encapsulate<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<([u8; CIPHERTEXT_LEN], Secret<SHARED_SECRET_LEN>)> {
        let randomness = Secret::from_bytes(super::random_array::<32, R>(rng)?);
        Ok(self.encapsulate_with(&randomness))
    }

    /// Encapsulates with the given 32 bytes of randomness `m`
    /// (FIPS 203 `ML-KEM.Encaps_internal`). The randomness must be uniform
    /// and never reused; this exists for known-answer tests.
    pub fn encapsulate_with(
        &self,
        randomness: &Secret<ENCAPSULATION_RANDOMNESS_LEN>,
    ) -> ([u8; CIPHERTEXT_LEN], Secret<SHARED_SECRET_LEN>) {
        let m: B32 = Array::from(*randomness.expose());
        let (ciphertext, shared) = self.0.encapsulate_deterministic(&m);
        (ciphertext.into(), Secret::from_bytes(shared.into()))
    }
}
