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
