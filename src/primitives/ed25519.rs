//! Ed25519 (RFC 8032) over `ed25519-dalek`, with strict verification.
//!
//! Strict verification rejects non-canonical `S`, small-order public keys and
//! small-order `R`, so a signature cannot be mauled into a second valid one and
//! a crafted key cannot make many messages verify.

use super::Secret;
use crate::{Error, Result};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::ed25519::signature::MultipartSigner;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::TryCryptoRng;
use sha2::{Digest, Sha512};

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

    /// Signs the concatenation of `parts` without copying it: the same
    /// signature as [`sign`](Self::sign) of the concatenated bytes.
    pub fn sign_parts(&self, parts: &[&[u8]]) -> [u8; SIGNATURE_LEN] {
        // ed25519-dalek's multipart signing cannot fail.
        match self.key.try_multipart_sign(parts) {
            Ok(signature) => signature.to_bytes(),
            Err(_) => self.key.sign(&parts.concat()).to_bytes(),
        }
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
///
/// Verification accepts exactly what ed25519-dalek's `verify_strict` accepts
/// (tested against it), at one square root less per signature: instead of
/// decompressing `R` to check that it is not of small order and then
/// comparing the encoding of the computed `R' = [s]B − [k]A` with the bytes
/// of `R`, it compares first (which accepts only the canonical encoding of
/// `R'`) and then checks `R'`, the same point, for small order. The key's
/// negation `−A` is kept, so a verification is one hash, one double-base
/// scalar multiplication and one point compression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; PUBLIC_KEY_LEN],
    minus_a: EdwardsPoint,
}

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
        Ok(PublicKey {
            bytes: *public,
            minus_a: -key.to_edwards(),
        })
    }

    /// Verifies `signature` on `message`, strictly (as [`verify`]).
    ///
    /// # Errors
    /// [`Error::BadSignature`].
    pub fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> Result<()> {
        self.verify_parts(&[message], signature)
    }

    /// Verifies `signature` on the concatenation of `parts` (without
    /// copying it), strictly (as [`verify`]).
    ///
    /// # Errors
    /// [`Error::BadSignature`].
    pub fn verify_parts(&self, parts: &[&[u8]], signature: &[u8; SIGNATURE_LEN]) -> Result<()> {
        let (r, s) = signature.split_at(SIGNATURE_LEN / 2);
        let s: [u8; 32] = s.try_into().map_err(|_| Error::BadSignature)?;
        // A non-canonical S (≥ ℓ) is rejected, as ed25519-dalek does.
        let s =
            Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).ok_or(Error::BadSignature)?;
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(self.bytes);
        for part in parts {
            hash.update(part);
        }
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        // R' = [k](−A) + [s]B (variable time: everything here is public).
        let expected = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &self.minus_a, &s);
        // The encoding of R' is canonical, so equal bytes mean that R is
        // canonically encoded and is R'; a small-order R is then R'.
        if expected.compress().as_bytes().as_slice() != r || expected.is_small_order() {
            return Err(Error::BadSignature);
        }
        Ok(())
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

    /// ed25519-dalek's strict verification, the reference for
    /// [`PublicKey::verify`].
    fn dalek_strict(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        VerifyingKey::from_bytes(public)
            .map(|key| {
                key.verify_strict(message, &Signature::from_bytes(signature))
                    .is_ok()
            })
            .unwrap_or(false)
    }

    fn ours(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        PublicKey::from_bytes(public)
            .map(|key| key.verify(message, signature).is_ok())
            .unwrap_or(false)
    }

    /// A signature by the secret scalar `a` (public key `[a]B + torsion`)
    /// with nonce point `r_point` and nonce scalar `r` (`R = r_point`; the
    /// equation holds when `r_point = [r]B − [k]torsion`).
    fn raw_signature(
        public: &[u8; 32],
        a: &Scalar,
        r: &Scalar,
        r_point: &EdwardsPoint,
        message: &[u8],
    ) -> [u8; 64] {
        let r_bytes = r_point.compress().to_bytes();
        let mut hash = Sha512::new();
        hash.update(r_bytes);
        hash.update(public);
        hash.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        let s = r + k * a;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&r_bytes);
        signature[32..].copy_from_slice(s.as_bytes());
        signature
    }

    /// The fast strict verification accepts exactly what ed25519-dalek's
    /// `verify_strict` accepts: valid signatures, every one-bit change of
    /// them, non-canonical S (S + ℓ), non-canonical encodings of R, and the
    /// edge cases of mixed-order keys (cofactorless equation holding or not)
    /// and of a small-order R for which the equation holds.
    #[test]
    fn fast_strict_verify_agrees_with_ed25519_dalek() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
        let mut cases = 0;
        // Ordinary keys: valid signatures and every one-bit flip.
        for seed in 0u8..4 {
            let key = PrivateKey::from_seed(Secret::from_bytes([seed; 32]));
            let public = key.public_key();
            let message = [seed; 37];
            let signature = key.sign(&message);
            assert!(ours(&public, &message, &signature));
            assert!(dalek_strict(&public, &message, &signature));
            let verifier = PublicKey::from_bytes(&public).unwrap();
            assert_eq!(
                verifier.verify_parts(&[&message[..5], &message[5..], &[]], &signature),
                Ok(())
            );
            assert_eq!(key.sign_parts(&[&message[..9], &message[9..]]), signature);
            for bit in 0..512 {
                let mut bad = signature;
                bad[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(
                    ours(&public, &message, &bad),
                    dalek_strict(&public, &message, &bad)
                );
                assert!(!ours(&public, &message, &bad));
                cases += 1;
            }
            // S + ℓ: the same point equation, a non-canonical scalar.
            let s = Scalar::from_canonical_bytes(signature[32..].try_into().unwrap()).unwrap();
            let mut wide = [0u8; 32];
            let l = hex::<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
            let mut carry = 0u16;
            for i in 0..32 {
                let sum = u16::from(s.as_bytes()[i]) + u16::from(l[i]) + carry;
                wide[i] = sum as u8;
                carry = sum >> 8;
            }
            let mut bad = signature;
            bad[32..].copy_from_slice(&wide);
            assert!(!ours(&public, &message, &bad));
            assert!(!dalek_strict(&public, &message, &bad));
            // R encoded with y + p (when y + p < 2^255, i.e. y < 19): not
            // reachable for a real R; a zero-y flip still must not verify.
            let mut bad = signature;
            bad[31] ^= 0x80;
            assert_eq!(
                ours(&public, &message, &bad),
                dalek_strict(&public, &message, &bad)
            );
        }
        // Mixed-order keys A = [a]B + T (T of order 8): the cofactorless
        // equation holds when [k]T = 0, fails otherwise; and a small-order R
        // for which the equation holds (R = −[k]T, s = k·a) is rejected.
        let a = Scalar::from_bytes_mod_order([0x5a; 32]);
        let torsion = EIGHT_TORSION[1];
        let public_point = ED25519_BASEPOINT_POINT * a + torsion;
        let public = public_point.compress().to_bytes();
        let mut accepted = 0;
        let mut small_r = 0;
        for i in 0u32..200 {
            let message = i.to_be_bytes();
            let r = Scalar::from_bytes_mod_order([i as u8 ^ 0x33; 32]);
            let signature =
                raw_signature(&public, &a, &r, &(ED25519_BASEPOINT_POINT * r), &message);
            let expected = dalek_strict(&public, &message, &signature);
            assert_eq!(ours(&public, &message, &signature), expected, "message {i}");
            accepted += usize::from(expected);
            for point in EIGHT_TORSION {
                let signature = raw_signature(&public, &a, &Scalar::ZERO, &point, &message);
                let r_bytes: [u8; 32] = signature[..32].try_into().unwrap();
                let mut hash = Sha512::new();
                hash.update(r_bytes);
                hash.update(public);
                hash.update(message);
                let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
                if -(torsion * k) == point {
                    small_r += 1;
                }
                assert!(!ours(&public, &message, &signature));
                assert!(!dalek_strict(&public, &message, &signature));
            }
            cases += 9;
        }
        // About 1 in 8 of the mixed-order signatures verify, and some
        // small-order R satisfied the equation: both paths were exercised.
        assert!(accepted > 5 && accepted < 100, "{accepted}");
        assert!(small_r > 0);
        assert!(cases > 3000);
    }

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).unwrap(), 16).unwrap();
        }
        out
    }
}
