//! ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305
//! (draft-irtf-cfrg-xchacha) over RustCrypto's `chacha20poly1305`, called
//! through the concrete functions of `sotto-kernels` (which the WebAssembly
//! build optimises for speed and the rest of the crate for size).
//!
//! Ciphertexts are `encrypted bytes || 16-byte tag`. Tags are never truncated.
//! The protocol uses XChaCha20-Poly1305 for messages: its 192-bit nonces can
//! be drawn at random without a meaningful collision risk, which is what
//! makes restoring an old session backup safe (see PROTOCOL.md, "Nonces").
//!
//! **Two code paths, one result.** On x86 and x86_64, RustCrypto's `poly1305`
//! picks its AVX2 backend at run time: the fastest on bulk data (attachment
//! chunks), but with a fixed cost of about 1-2 µs per call that dominates
//! chat-sized messages, and its portable backend can only be chosen by a
//! build-wide `--cfg poly1305_backend="soft"` that a dependent crate does not
//! inherit. So inputs of at most [`SMALL_INPUT`] bytes (associated data plus
//! text) are processed by the same construction (RFC 8439 §2.8) composed
//! from the `chacha20` keystream and orion's portable Poly1305; larger ones by
//! `chacha20poly1305`. Both produce identical bytes (tested against each
//! other and against the RFC 8439 and Wycheproof vectors); other targets use
//! `chacha20poly1305` throughout. Measured in docs/BENCHMARKS.md
//! ("Attachments").

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

/// Inputs (associated data plus text) of at most this many bytes take the
/// small-input path on x86/x86_64 (see the module documentation): above it,
/// the AVX2 Poly1305 is faster on this hardware (measured crossover about
/// 1-2 KiB).
pub const SMALL_INPUT: usize = 1024;

/// Encrypts `buffer` in place and returns the tag; `buffer` is unchanged on
/// error.
fn encrypt_detached(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN]> {
    check_nonce(algorithm, nonce)?;
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if aad.len().saturating_add(buffer.len()) <= SMALL_INPUT {
        return small::encrypt(algorithm, key, nonce, aad, buffer);
    }
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

/// Verifies `tag` over `buffer` and only then decrypts it in place;
/// `buffer` is unchanged on error.
fn decrypt_detached(
    algorithm: Algorithm,
    key: &[u8; KEY_LEN],
    nonce: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<()> {
    check_nonce(algorithm, nonce)?;
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if aad.len().saturating_add(buffer.len()) <= SMALL_INPUT {
        return small::decrypt(algorithm, key, nonce, aad, buffer, tag);
    }
    let opened = match algorithm {
        Algorithm::ChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::chacha20poly1305_open(key, nonce, aad, buffer, tag)
        }
        Algorithm::XChaCha20Poly1305 => {
            let nonce = nonce.try_into().map_err(|_| Error::InvalidArgument)?;
            sotto_kernels::xchacha20poly1305_open(key, nonce, aad, buffer, tag)
        }
    };
    if opened {
        Ok(())
    } else {
        Err(Error::DecryptionFailed)
    }
}

fn check_nonce(algorithm: Algorithm, nonce: &[u8]) -> Result<()> {
    let expected = match algorithm {
        Algorithm::ChaCha20Poly1305 => NONCE_LEN,
        Algorithm::XChaCha20Poly1305 => XNONCE_LEN,
    };
    if nonce.len() == expected {
        Ok(())
    } else {
        Err(Error::InvalidArgument)
    }
}

/// RFC 8439 §2.8 composed from the `chacha20` keystream and orion's portable
/// Poly1305, for small inputs (see the module documentation).
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod small {
    use super::{Algorithm, KEY_LEN, TAG_LEN};
    use crate::{Error, Result};
    use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
    use chacha20::{ChaCha20, XChaCha20};
    use orion::hazardous::mac::poly1305::{OneTimeKey, Poly1305};
    use subtle::ConstantTimeEq;
    use zeroize::Zeroizing;

    /// One ChaCha20 block: the Poly1305 key is the start of block 0 and the
    /// text is encrypted from block 1 on.
    const BLOCK: u64 = 64;

    /// The keystream of either variant, positioned at block 1, and the
    /// Poly1305 instance keyed from block 0.
    enum Keystream {
        ChaCha(ChaCha20),
        XChaCha(XChaCha20),
    }

    impl Keystream {
        fn new(
            algorithm: Algorithm,
            key: &[u8; KEY_LEN],
            nonce: &[u8],
        ) -> Result<(Self, Poly1305)> {
            let mut stream = match algorithm {
                Algorithm::ChaCha20Poly1305 => Self::ChaCha(
                    ChaCha20::new_from_slices(key, nonce).map_err(|_| Error::InvalidArgument)?,
                ),
                Algorithm::XChaCha20Poly1305 => Self::XChaCha(
                    XChaCha20::new_from_slices(key, nonce).map_err(|_| Error::InvalidArgument)?,
                ),
            };
            let mut mac_key = Zeroizing::new([0u8; 32]);
            stream.apply(&mut mac_key[..])?;
            let seeked = match &mut stream {
                Self::ChaCha(c) => c.try_seek(BLOCK),
                Self::XChaCha(c) => c.try_seek(BLOCK),
            };
            seeked.map_err(|_| Error::Internal)?;
            let mac = Poly1305::new(&OneTimeKey::from(*mac_key));
            Ok((stream, mac))
        }

        fn apply(&mut self, buffer: &mut [u8]) -> Result<()> {
            match self {
                Self::ChaCha(c) => c.try_apply_keystream(buffer),
                Self::XChaCha(c) => c.try_apply_keystream(buffer),
            }
            .map_err(|_| Error::Internal)
        }
    }

    /// Poly1305 over `aad || pad16 || ciphertext || pad16 || le64(|aad|) ||
    /// le64(|ciphertext|)`.
    fn tag(mut mac: Poly1305, aad: &[u8], ciphertext: &[u8]) -> Result<[u8; TAG_LEN]> {
        const ZEROS: [u8; 16] = [0; 16];
        let pad = |len: usize| ZEROS.get(..(16 - len % 16) % 16).unwrap_or(&[]);
        let mut lengths = [0u8; 16];
        lengths[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64).to_le_bytes());
        let updated = mac
            .update(aad)
            .and_then(|()| mac.update(pad(aad.len())))
            .and_then(|()| mac.update(ciphertext))
            .and_then(|()| mac.update(pad(ciphertext.len())))
            .and_then(|()| mac.update(&lengths));
        updated.map_err(|_| Error::Internal)?;
        let tag = mac.finalize().map_err(|_| Error::Internal)?;
        let bytes: &[u8] = tag.unprotected_as_ref();
        bytes.try_into().map_err(|_| Error::Internal)
    }

    pub(super) fn encrypt(
        algorithm: Algorithm,
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let (mut stream, mac) = Keystream::new(algorithm, key, nonce)?;
        stream.apply(buffer)?;
        tag(mac, aad, buffer)
    }

    pub(super) fn decrypt(
        algorithm: Algorithm,
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
        expected: &[u8; TAG_LEN],
    ) -> Result<()> {
        let (mut stream, mac) = Keystream::new(algorithm, key, nonce)?;
        let tag = tag(mac, aad, buffer)?;
        if !bool::from(tag.ct_eq(expected)) {
            return Err(Error::DecryptionFailed);
        }
        stream.apply(buffer)
    }
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
    check_nonce(algorithm, nonce)?;
    let start = out.len();
    out.extend_from_slice(plaintext);
    let buffer = out.get_mut(start..).ok_or(Error::Internal)?;
    match encrypt_detached(algorithm, key, nonce, aad, buffer) {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
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
    check_nonce(algorithm, nonce)?;
    let body_len = ciphertext_and_tag
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(Error::DecryptionFailed)?;
    let (body, tag) = ciphertext_and_tag.split_at(body_len);
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::DecryptionFailed)?;
    let mut buffer = body.to_vec();
    decrypt_detached(algorithm, key, nonce, aad, &mut buffer, &tag)?;
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
    encrypt_detached(Algorithm::ChaCha20Poly1305, key, nonce, aad, buffer)
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
    decrypt_detached(Algorithm::ChaCha20Poly1305, key, nonce, aad, buffer, tag)
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

    /// RustCrypto's AEAD alone (the reference for the small-input path).
    fn reference(
        algorithm: Algorithm,
        key: &[u8; 32],
        nonce: &[u8],
        aad: &[u8],
        text: &[u8],
    ) -> Vec<u8> {
        let mut buffer = text.to_vec();
        let tag = match algorithm {
            Algorithm::ChaCha20Poly1305 => sotto_kernels::chacha20poly1305_seal(
                key,
                nonce.try_into().unwrap(),
                aad,
                &mut buffer,
            ),
            Algorithm::XChaCha20Poly1305 => sotto_kernels::xchacha20poly1305_seal(
                key,
                nonce.try_into().unwrap(),
                aad,
                &mut buffer,
            ),
        }
        .unwrap();
        buffer.extend_from_slice(&tag);
        buffer
    }

    proptest::proptest! {
        // No failure file: Miri's isolation has no working directory to
        // resolve it against (scripts/test-hardening.sh runs this under Miri).
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            cases: if cfg!(miri) { 4 } else { 256 },
            ..proptest::test_runner::Config::default()
        })]
        /// Both code paths (small inputs, bulk) produce RustCrypto's bytes,
        /// open each other's output, and refuse a flipped bit leaving the
        /// buffer unchanged; lengths straddle `SMALL_INPUT`.
        #[test]
        fn both_paths_match_rustcrypto(
            x in proptest::bool::ANY,
            key in proptest::array::uniform32(proptest::num::u8::ANY),
            nonce in proptest::collection::vec(proptest::num::u8::ANY, 24),
            aad in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
            text in proptest::collection::vec(proptest::num::u8::ANY, 0..SMALL_INPUT + 200),
            flip in proptest::num::usize::ANY,
        ) {
            let (algorithm, nonce) = if x {
                (Algorithm::XChaCha20Poly1305, &nonce[..])
            } else {
                (Algorithm::ChaCha20Poly1305, &nonce[..NONCE_LEN])
            };
            let expected = reference(algorithm, &key, nonce, &aad, &text);
            let sealed = seal(algorithm, &key, nonce, &aad, &text).unwrap();
            proptest::prop_assert_eq!(&sealed, &expected);
            proptest::prop_assert_eq!(open(algorithm, &key, nonce, &aad, &expected).unwrap(), text.clone());
            let mut tampered = expected.clone();
            let i = flip % tampered.len();
            tampered[i] ^= 0x10;
            proptest::prop_assert_eq!(open(algorithm, &key, nonce, &aad, &tampered), Err(Error::DecryptionFailed));
            if !x {
                let (body, tag) = tampered.split_at(text.len());
                let mut buffer = body.to_vec();
                let tag: [u8; TAG_LEN] = tag.try_into().unwrap();
                let nonce: [u8; NONCE_LEN] = nonce.try_into().unwrap();
                proptest::prop_assert_eq!(
                    open_in_place(&key, &nonce, &aad, &mut buffer, &tag),
                    Err(Error::DecryptionFailed)
                );
                proptest::prop_assert_eq!(&buffer[..], body);
            }
        }
    }

    /// Every length around the threshold and the 16-byte padding boundaries,
    /// both algorithms.
    #[test]
    fn every_length_near_the_threshold() {
        let key = [0x42; 32];
        let nonce = [0x24; 24];
        // Under Miri (an interpreter: this loop takes tens of minutes) only
        // the boundaries themselves; natively every length.
        let lengths: Vec<usize> = if cfg!(miri) {
            [
                0,
                1,
                15,
                16,
                17,
                64,
                SMALL_INPUT - 1,
                SMALL_INPUT,
                SMALL_INPUT + 1,
            ]
            .to_vec()
        } else {
            (0..70).chain(SMALL_INPUT - 40..SMALL_INPUT + 40).collect()
        };
        let aad_lengths: &[usize] = if cfg!(miri) {
            &[0, 17]
        } else {
            &[0, 1, 15, 16, 17, 40]
        };
        for len in lengths {
            for &aad_len in aad_lengths {
                let text: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let aad = &text[..aad_len.min(len)];
                for (algorithm, nonce) in [
                    (Algorithm::ChaCha20Poly1305, &nonce[..NONCE_LEN]),
                    (Algorithm::XChaCha20Poly1305, &nonce[..]),
                ] {
                    let expected = reference(algorithm, &key, nonce, aad, &text);
                    assert_eq!(seal(algorithm, &key, nonce, aad, &text).unwrap(), expected);
                    assert_eq!(open(algorithm, &key, nonce, aad, &expected).unwrap(), text);
                }
            }
        }
    }
}
