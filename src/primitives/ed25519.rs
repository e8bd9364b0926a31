//! Ed25519 (RFC 8032) over `ed25519-dalek`, with strict verification.
//!
//! Strict verification rejects non-canonical `S`, small-order public keys and
//! small-order `R`, so a signature cannot be mauled into a second valid one and
//! a crafted key cannot make many messages verify.

use super::Secret;
use crate::{Error, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::TryCryptoRng;

/// Length of a public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a private key seed.
pub const SEED_LEN: usize = 32;

/// An Ed25519 signing key (its 32-byte seed plus the expanded key).
#[derive(Clone)]
pub struct PrivateKey {
    seed: Secret<SEED_LEN>,
    key: SigningKey,
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ed25519::PrivateKey")
            .field("public", &crate::wire::Hex(&self.public_key()))
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Draws a fresh seed.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let mut seed = Secret::zeroed();
        rng.try_fill_bytes(seed.expose_mut())
            .map_err(|_| Error::Randomness)?;
        Ok(Self::from_seed(seed))
    }

    /// The key with the given seed.
    pub fn from_seed(seed: Secret<SEED_LEN>) -> Self {
        let key = SigningKey::from_bytes(seed.expose());
        PrivateKey { seed, key }
    }

    /// The seed, as stored.
    pub fn seed(&self) -> &Secret<SEED_LEN> {
        &self.seed
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.key.verifying_key().to_bytes()
    }

    /// Signs `message` (pure Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.key.sign(message).to_bytes()
    }
}

/// Decodes a public key, accepting only the canonical encoding of a point.
///
/// curve25519-dalek reduces a y coordinate ≥ p modulo p, and accepts x = 0
/// with the sign bit set, so 19 + 1 points have a second, non-canonical
/// encoding (e.g. `f0ff…ff7f`, y = p + 3). PROTOCOL.md §2 requires such an
/// encoding to be rejected as undecodable: re-encoding the decoded point must
/// give back the same 32 bytes.
fn decode(public: &[u8; PUBLIC_KEY_LEN]) -> Result<VerifyingKey> {
    let key = VerifyingKey::from_bytes(public).map_err(|_| Error::InvalidKey)?;
    if key.to_edwards().compress().as_bytes() != public {
        return Err(Error::InvalidKey);
    }
    Ok(key)
}

/// Checks that `public` is a valid, canonically encoded, not small-order
/// Ed25519 public key.
///
/// # Errors
/// [`Error::InvalidKey`] for an undecodable or non-canonical point, or one of
/// small order.
pub fn check_public_key(public: &[u8; PUBLIC_KEY_LEN]) -> Result<()> {
    let key = decode(public)?;
    if key.is_weak() {
        return Err(Error::InvalidKey);
    }
    Ok(())
}

/// A checked public key, decoded once (canonical, not of small order), for
/// verifying many signatures under one key (group chains, PROTOCOL.md §21).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Decodes and checks `public` as [`check_public_key`] does.
    ///
    /// # Errors
    /// [`Error::InvalidKey`].
    pub fn from_bytes(public: &[u8; PUBLIC_KEY_LEN]) -> Result<Self> {
        let key = decode(public)?;
        if key.is_weak() {
            return Err(Error::InvalidKey);
        }
        Ok(PublicKey(key))
    }

    /// Verifies `signature` on `message`, strictly (as [`verify`]).
    ///
    /// # Errors
    /// [`Error::BadSignature`].
    pub fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> Result<()> {
        self.0
            .verify_strict(message, &Signature::from_bytes(signature))
            .map_err(|_| Error::BadSignature)
    }
}

/// Verifies `signature` on `message` under `public`, strictly.
///
/// # Errors
/// [`Error::InvalidKey`] when the key does not decode (or is not canonically
/// encoded), [`Error::BadSignature`] when the signature does not verify.
pub fn verify(
    public: &[u8; PUBLIC_KEY_LEN],
    message: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<()> {
    let key = decode(public)?;
    let signature = Signature::from_bytes(signature);
    key.verify_strict(message, &signature)
        .map_err(|_| Error::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.1, TEST 2 (one-byte message).
    #[test]
    fn rfc8032_test_2() {
        let seed = hex::<32>("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
        let key = PrivateKey::from_seed(Secret::from_bytes(seed));
        assert_eq!(
            key.public_key(),
            hex::<32>("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        );
        let signature = key.sign(&[0x72]);
        assert_eq!(
            signature,
            hex::<64>(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
                 085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
            )
        );
        assert_eq!(verify(&key.public_key(), &[0x72], &signature), Ok(()));
        assert_eq!(
            verify(&key.public_key(), &[0x73], &signature),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn small_order_key_is_rejected() {
        // The identity point (0, 1) encodes as 1 followed by zeros.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(check_public_key(&identity), Err(Error::InvalidKey));
    }

    /// Finding 4 of issue 9: y = p + 3 (`f0ff…ff7f`) is not of small order
    /// and decodes after reduction; it must be rejected as undecodable, not
    /// surface later as a bad signature. Likewise x = 0 with the sign bit set.
    #[test]
    fn non_canonical_encodings_are_rejected() {
        let mut y_above_p = [0xff; 32];
        y_above_p[0] = 0xf0;
        y_above_p[31] = 0x7f;
        assert!(
            VerifyingKey::from_bytes(&y_above_p).is_ok(),
            "the library reduces it"
        );
        assert_eq!(check_public_key(&y_above_p), Err(Error::InvalidKey));
        assert_eq!(verify(&y_above_p, b"m", &[0; 64]), Err(Error::InvalidKey));
        // The canonical encoding of the same point (y = 3) is a different key.
        let mut canonical = [0u8; 32];
        canonical[0] = 3;
        assert_ne!(check_public_key(&canonical), Err(Error::InvalidKey));
        // (x = 0, y = 1) with the sign bit: "negative zero".
        let mut negative_zero = [0u8; 32];
        negative_zero[0] = 1;
        negative_zero[31] = 0x80;
        assert_eq!(check_public_key(&negative_zero), Err(Error::InvalidKey));
        // Real keys are canonical.
        let key = PrivateKey::from_seed(Secret::from_bytes([9; 32]));
        assert_eq!(check_public_key(&key.public_key()), Ok(()));
    }

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).unwrap(), 16).unwrap();
        }
        out
    }
}
