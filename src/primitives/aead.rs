//! ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305
//! (draft-irtf-cfrg-xchacha) over RustCrypto's `chacha20poly1305`, called
//! through the concrete functions of `sotto-kernels` (which the WebAssembly
//! build optimises for speed and the rest of the crate for size).
//!
//! Ciphertexts are `encrypted bytes || 16-byte tag`. Tags are never truncated.
//! The protocol uses XChaCha20-Poly1305 only: its 192-bit nonces can be drawn
//! at random without a meaningful collision risk, which is what makes
//! restoring an old session backup safe (see PROTOCOL.md, "Nonces").

use crate::{Error, Result};
use alloc::vec::Vec;

/// Key length.
pub const KEY_LEN: usize = 32;
/// Tag length.
pub const TAG_LEN: usize = 16;
/// XChaCha20-Poly1305 nonce length.
pub const XNONCE_LEN: usize = 24;
/// ChaCha20-Poly1305 (RFC 8439) nonce length.
pub const NONCE_LEN: usize = 12;

/// The two AEADs, by nonce length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// RFC 8439 ChaCha20-Poly1305, 12-byte nonces.
    ChaCha20Poly1305,
    /// XChaCha20-Poly1305, 24-byte nonces.
    XChaCha20Poly1305,
}

/// Encrypts `buffer` in place with the algorithm; returns the tag.
fn seal_detached(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN]> {
    let tag = match algorithm {
        Algorithm::ChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::chacha20poly1305_seal(key, nonce, aad, buffer)
        }
        Algorithm::XChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::xchacha20poly1305_seal(key, nonce, aad, buffer)
        }
    };
    tag.ok_or(Error::TooLarge)
}

/// Appends `ChaCha20-Poly1305(key, nonce, aad, plaintext)` (ciphertext then
/// tag) to `out`.
///
/// # Errors
/// [`Error::InvalidArgument`] when the nonce length does not match the
/// algorithm; [`Error::TooLarge`] when the plaintext exceeds the AEAD limit.
pub fn seal_into(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    out.extend_from_slice(plaintext);
    let buffer = out.get_mut(start..).ok_or(Error::Internal)?;
    match seal_detached(algorithm, key, nonce, aad, buffer) {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(())
        }
        Err(error) => {
            out.truncate(start);
            Err(error)
        }
    }
}

/// Encrypts to a fresh vector (see [`seal_into`]).
///
/// # Errors
/// As [`seal_into`].
pub fn seal(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    seal_into(algorithm, key, nonce, aad, plaintext, &mut out)?;
    Ok(out)
}

/// Verifies and decrypts `ciphertext || tag`.
///
/// Nothing is decrypted unless the tag verifies.
///
/// # Errors
/// [`Error::DecryptionFailed`] when the input is shorter than a tag or does
/// not authenticate; [`Error::InvalidArgument`] for a wrong nonce length.
pub fn open(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Vec<u8>> {
    let expected_nonce_len = match algorithm {
        Algorithm::ChaCha20Poly1305 => NONCE_LEN,
        Algorithm::XChaCha20Poly1305 => XNONCE_LEN,
    };
    if nonce.len() != expected_nonce_len {
        return Err(Error::InvalidArgument);
    }
    let body_len = ciphertext_and_tag
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(Error::DecryptionFailed)?;
    let (body, tag) = ciphertext_and_tag.split_at(body_len);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::DecryptionFailed)?;
    let mut buffer = body.to_vec();
    let verified = match algorithm {
        Algorithm::ChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::chacha20poly1305_open(key, nonce, aad, &mut buffer, tag)
        }
        Algorithm::XChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::xchacha20poly1305_open(key, nonce, aad, &mut buffer, tag)
        }
    };
    if !verified {
        return Err(Error::DecryptionFailed);
    }
    Ok(buffer)
}

/// RFC 8439 ChaCha20-Poly1305 in place: encrypts `buffer` and returns the
/// tag. Allocates nothing (the attachment chunks, PROTOCOL.md §16).
///
/// # Errors
/// [`Error::TooLarge`] when the buffer exceeds the AEAD limit (256 GiB);
/// `buffer` is unchanged then.
pub fn seal_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN]> {
    sotto_kernels::chacha20poly1305_seal(key, nonce, aad, buffer).ok_or(Error::TooLarge)
}

/// RFC 8439 ChaCha20-Poly1305 in place: verifies `tag` over `buffer` and
/// only then decrypts it. Allocates nothing.
///
/// # Errors
/// [`Error::DecryptionFailed`] when the tag does not verify; `buffer` is
/// unchanged then.
pub fn open_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<()> {
    if sotto_kernels::chacha20poly1305_open(key, nonce, aad, buffer, tag) {
        Ok(())
    } else {
        Err(Error::DecryptionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: alloc::string::String = s.split_whitespace().collect();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8439 §2.8.2: the AEAD test vector ("Ladies and Gentlemen...").
    #[test]
    fn rfc8439_section_2_8_2() {
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .try_into()
            .unwrap();
        let nonce = hex("070000004041424344454647");
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let expected = hex(
            "d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6
             3dbea45e8ca9671282fafb69da92728b 1a71de0a9e060b2905d6a5b67ecd3b36
             92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc
             3ff4def08e4b7a9de576d26586cec64b 6116
             1ae10b594f09e26a7e902ecbd0600691",
        );
        let sealed = seal(Algorithm::ChaCha20Poly1305, &key, &nonce, &aad, plaintext).unwrap();
        assert_eq!(sealed, expected);
        let opened = open(Algorithm::ChaCha20Poly1305, &key, &nonce, &aad, &sealed).unwrap();
        assert_eq!(opened, plaintext);
    }

    #[test]
    fn tampering_is_detected() {
        let key = [9u8; 32];
        let nonce = [3u8; 24];
        let mut sealed = seal(Algorithm::XChaCha20Poly1305, &key, &nonce, b"ad", b"hello").unwrap();
        for i in 0..sealed.len() {
            sealed[i] ^= 1;
            assert_eq!(
                open(Algorithm::XChaCha20Poly1305, &key, &nonce, b"ad", &sealed),
                Err(Error::DecryptionFailed)
            );
            sealed[i] ^= 1;
        }
        assert_eq!(
            open(Algorithm::XChaCha20Poly1305, &key, &nonce, b"AD", &sealed),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            open(
                Algorithm::XChaCha20Poly1305,
                &key,
                &nonce,
                b"ad",
                &sealed[..15]
            ),
            Err(Error::DecryptionFailed)
        );
    }

    #[test]
    fn wrong_nonce_length_is_an_argument_error() {
        assert_eq!(
            seal(Algorithm::XChaCha20Poly1305, &[0; 32], &[0; 12], b"", b"x"),
            Err(Error::InvalidArgument)
        );
    }
}
