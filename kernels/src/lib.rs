//! Sotto's hot primitive calls as concrete (non-generic) functions.
//!
//! RustCrypto's AEAD, HMAC and HKDF are generic: their code is compiled in
//! the crate that names the concrete types, at that crate's optimisation
//! level. Naming them here, in a crate of their own, lets the WebAssembly
//! build (`Cargo.toml`, profile `wasm-release`) compile these kernels at
//! opt-level 3 while the protocol code in `sotto` is optimised for size
//! (issue 14: ChaCha20-Poly1305 at libsodium's rate inside the 100 KB
//! package budget). Every function is `#[inline(never)]` so that the
//! size-optimised callers do not absorb, or re-optimise, the kernels.
//!
//! Not an API of its own: `sotto::primitives` wraps these with its types
//! and errors. The functions allocate nothing and never panic.

#![no_std]
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chacha20poly1305::aead::array::Array;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, XChaCha20Poly1305};
use hmac::Mac;
use sha2::{Digest, Sha256, Sha512};

/// RFC 8439 ChaCha20-Poly1305: encrypts `buffer` in place and returns the
/// 16-byte tag, or `None` (buffer unchanged) when it exceeds the AEAD limit.
#[inline(never)]
pub fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
) -> Option<[u8; 16]> {
    ChaCha20Poly1305::new(&Array::from(*key))
        .encrypt_inout_detached(&Array::from(*nonce), aad, buffer.into())
        .ok()
        .map(Into::into)
}

/// RFC 8439 ChaCha20-Poly1305: verifies `tag` over `buffer`, then decrypts
/// it in place. `false` (buffer unchanged) when the tag does not verify.
#[inline(never)]
pub fn chacha20poly1305_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; 16],
) -> bool {
    ChaCha20Poly1305::new(&Array::from(*key))
        .decrypt_inout_detached(&Array::from(*nonce), aad, buffer.into(), &Array::from(*tag))
        .is_ok()
}

/// XChaCha20-Poly1305: as [`chacha20poly1305_seal`] with a 24-byte nonce.
#[inline(never)]
pub fn xchacha20poly1305_seal(
    key: &[u8; 32],
    nonce: &[u8; 24],
    aad: &[u8],
    buffer: &mut [u8],
) -> Option<[u8; 16]> {
    XChaCha20Poly1305::new(&Array::from(*key))
        .encrypt_inout_detached(&Array::from(*nonce), aad, buffer.into())
        .ok()
        .map(Into::into)
}

/// XChaCha20-Poly1305: as [`chacha20poly1305_open`] with a 24-byte nonce.
#[inline(never)]
pub fn xchacha20poly1305_open(
    key: &[u8; 32],
    nonce: &[u8; 24],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; 16],
) -> bool {
    XChaCha20Poly1305::new(&Array::from(*key))
        .decrypt_inout_detached(&Array::from(*nonce), aad, buffer.into(), &Array::from(*tag))
        .is_ok()
}

/// HKDF-SHA256 (RFC 5869): extract with `salt` (`None`: no salt), expand
/// into `out`. `false` when `out` is longer than 255 × 32 bytes.
#[inline(never)]
pub fn hkdf_sha256(salt: Option<&[u8]>, ikm: &[u8], info: &[u8], out: &mut [u8]) -> bool {
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, out)
        .is_ok()
}

fn hmac_key(key: &[u8]) -> hmac::Hmac<Sha256> {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <hmac::Hmac<Sha256> as hmac::KeyInit>::new(&Default::default()))
}

/// HMAC-SHA256 (RFC 2104) of `data` under `key`.
#[inline(never)]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = hmac_key(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `[HMAC-SHA256(key, a), HMAC-SHA256(key, b)]` with one key setup (the
/// keyed state is cloned): the same outputs as two [`hmac_sha256`] calls.
#[inline(never)]
pub fn hmac_sha256_pair(key: &[u8], a: &[u8], b: &[u8]) -> [[u8; 32]; 2] {
    let keyed = hmac_key(key);
    let mut first = keyed.clone();
    first.update(a);
    let mut second = keyed;
    second.update(b);
    [
        first.finalize().into_bytes().into(),
        second.finalize().into_bytes().into(),
    ]
}

/// SHA-256 of the concatenation of `parts`.
#[inline(never)]
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

/// SHA-512 of the concatenation of `parts`.
#[inline(never)]
pub fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut hash = Sha512::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let s: heapless_hex::Digits = s.split_whitespace().flat_map(str::bytes).collect();
        s.to_array()
    }

    /// Hex decoding without `alloc` (the crate is `no_std`).
    mod heapless_hex {
        pub struct Digits([u8; 512], usize);
        impl FromIterator<u8> for Digits {
            fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
                let mut d = Digits([0; 512], 0);
                for b in iter {
                    d.0[d.1] = b;
                    d.1 += 1;
                }
                d
            }
        }
        impl Digits {
            pub fn to_array<const N: usize>(&self) -> [u8; N] {
                assert_eq!(self.1, 2 * N);
                let mut out = [0u8; N];
                for (i, o) in out.iter_mut().enumerate() {
                    let s = core::str::from_utf8(&self.0[2 * i..2 * i + 2]).unwrap();
                    *o = u8::from_str_radix(s, 16).unwrap();
                }
                out
            }
        }
    }

    /// RFC 8439 §2.8.2, through the in-place kernels.
    #[test]
    fn rfc8439_section_2_8_2() {
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce: [u8; 12] = hex("070000004041424344454647");
        let aad: [u8; 12] = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = *b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let ciphertext: [u8; 114] = hex(
            "d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6
             3dbea45e8ca9671282fafb69da92728b 1a71de0a9e060b2905d6a5b67ecd3b36
             92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc
             3ff4def08e4b7a9de576d26586cec64b 6116",
        );
        let tag: [u8; 16] = hex("1ae10b594f09e26a7e902ecbd0600691");
        let mut buffer = plaintext;
        assert_eq!(
            chacha20poly1305_seal(&key, &nonce, &aad, &mut buffer),
            Some(tag)
        );
        assert_eq!(buffer, ciphertext);
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(!chacha20poly1305_open(
            &key,
            &nonce,
            &aad,
            &mut buffer,
            &bad
        ));
        assert_eq!(
            buffer, ciphertext,
            "a failed open leaves the buffer unchanged"
        );
        assert!(chacha20poly1305_open(&key, &nonce, &aad, &mut buffer, &tag));
        assert_eq!(buffer, plaintext);
    }

    /// RFC 4231 test case 2, and the pair equal to two single calls.
    #[test]
    fn rfc4231_case_2() {
        let expected: [u8; 32] =
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            expected
        );
        let [a, b] = hmac_sha256_pair(b"Jefe", b"what do ya want for nothing?", b"x");
        assert_eq!(a, expected);
        assert_eq!(b, hmac_sha256(b"Jefe", b"x"));
    }

    /// RFC 5869 A.3 (no salt, no info), and the output-length limit.
    #[test]
    fn rfc5869_a3() {
        let mut okm = [0u8; 42];
        assert!(hkdf_sha256(None, &[0x0b; 22], &[], &mut okm));
        let expected: [u8; 42] = hex(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        );
        assert_eq!(okm, expected);
        assert!(!hkdf_sha256(None, b"k", b"i", &mut [0u8; 255 * 32 + 1]));
    }
}
