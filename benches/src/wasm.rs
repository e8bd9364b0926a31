//! Sotto's primitive layer exported to JavaScript for the benchmarks in
//! `benches/js` (the npm package does not expose primitives).

use sotto::primitives::aead::{self, Algorithm};
use sotto::primitives::{Secret, ed25519, kdf, x25519};
use wasm_bindgen::prelude::*;

fn key32(bytes: &[u8]) -> Result<[u8; 32], JsError> {
    bytes.try_into().map_err(|_| JsError::new("expected 32 bytes"))
}

fn algorithm(nonce: &[u8]) -> Algorithm {
    if nonce.len() == aead::XNONCE_LEN {
        Algorithm::XChaCha20Poly1305
    } else {
        Algorithm::ChaCha20Poly1305
    }
}

/// ChaCha20-Poly1305 (12-byte nonce) or XChaCha20-Poly1305 (24-byte nonce):
/// ciphertext || tag.
#[wasm_bindgen]
pub fn aead_seal(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, JsError> {
    aead::seal(algorithm(nonce), &key32(key)?, nonce, aad, plaintext).map_err(|e| JsError::new(&format!("{e:?}")))
}

/// The inverse of [`aead_seal`].
#[wasm_bindgen]
pub fn aead_open(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, JsError> {
    aead::open(algorithm(nonce), &key32(key)?, nonce, aad, sealed).map_err(|e| JsError::new(&format!("{e:?}")))
}

/// X25519(private, 9).
#[wasm_bindgen]
pub fn x25519_public_key(private: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(x25519::PrivateKey::from_bytes(key32(private)?).public_key().to_vec())
}

/// X25519(private, public).
#[wasm_bindgen]
pub fn x25519_dh(private: &[u8], public: &[u8]) -> Result<Vec<u8>, JsError> {
    let shared = x25519::PrivateKey::from_bytes(key32(private)?)
        .diffie_hellman(&key32(public)?)
        .map_err(|e| JsError::new(&format!("{e:?}")))?;
    Ok(shared.expose().to_vec())
}

/// Ed25519 public key of a seed.
#[wasm_bindgen]
pub fn ed25519_public_key(seed: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(ed25519::PrivateKey::from_seed(Secret::from_bytes(key32(seed)?)).public_key().to_vec())
}

/// Ed25519 signature (pure, deterministic).
#[wasm_bindgen]
pub fn ed25519_sign(seed: &[u8], message: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(ed25519::PrivateKey::from_seed(Secret::from_bytes(key32(seed)?)).sign(message).to_vec())
}

/// Strict Ed25519 verification.
#[wasm_bindgen]
pub fn ed25519_verify(public: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, JsError> {
    let signature: [u8; 64] = signature.try_into().map_err(|_| JsError::new("expected 64 bytes"))?;
    Ok(ed25519::verify(&key32(public)?, message, &signature).is_ok())
}

/// HKDF-SHA256.
#[wasm_bindgen]
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], length: usize) -> Result<Vec<u8>, JsError> {
    let mut out = vec![0u8; length];
    kdf::hkdf_sha256(salt, ikm, info, &mut out).map_err(|e| JsError::new(&format!("{e:?}")))?;
    Ok(out)
}
