//! Sotto's primitive layer exported to JavaScript for the benchmarks in
//! `benches/js` (the npm package does not expose primitives).

use sotto::primitives::aead::{self, Algorithm};
use sotto::primitives::{Secret, ed25519, kdf, x25519};
use wasm_bindgen::prelude::*;

fn key32(bytes: &[u8]) -> Result<[u8; 32], JsError> {
    bytes
        .try_into()
        .map_err(|_| JsError::new("expected 32 bytes"))
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
pub fn aead_seal(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, JsError> {
    aead::seal(algorithm(nonce), &key32(key)?, nonce, aad, plaintext)
        .map_err(|e| JsError::new(&format!("{e:?}")))
}

/// The inverse of [`aead_seal`].
#[wasm_bindgen]
pub fn aead_open(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, JsError> {
    aead::open(algorithm(nonce), &key32(key)?, nonce, aad, sealed)
        .map_err(|e| JsError::new(&format!("{e:?}")))
}

/// X25519(private, 9).
#[wasm_bindgen]
pub fn x25519_public_key(private: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(x25519::PrivateKey::from_bytes(key32(private)?)
        .public_key()
        .to_vec())
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
    Ok(
        ed25519::PrivateKey::from_seed(Secret::from_bytes(key32(seed)?))
            .public_key()
            .to_vec(),
    )
}

/// Ed25519 signature (pure, deterministic).
#[wasm_bindgen]
pub fn ed25519_sign(seed: &[u8], message: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(
        ed25519::PrivateKey::from_seed(Secret::from_bytes(key32(seed)?))
            .sign(message)
            .to_vec(),
    )
}

/// Strict Ed25519 verification.
#[wasm_bindgen]
pub fn ed25519_verify(public: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, JsError> {
    let signature: [u8; 64] = signature
        .try_into()
        .map_err(|_| JsError::new("expected 64 bytes"))?;
    Ok(ed25519::verify(&key32(public)?, message, &signature).is_ok())
}

/// HKDF-SHA256.
#[wasm_bindgen]
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Vec<u8>, JsError> {
    let mut out = vec![0u8; length];
    kdf::hkdf_sha256(salt, ikm, info, &mut out).map_err(|e| JsError::new(&format!("{e:?}")))?;
    Ok(out)
}

/// Two established sessions inside WebAssembly, to time the core's
/// encrypt + decrypt without the npm package's JavaScript layer.
#[wasm_bindgen]
pub struct SessionPair {
    a: sotto::Session,
    b: sotto::Session,
    message: Vec<u8>,
    a_sends: bool,
}

#[wasm_bindgen]
impl SessionPair {
    /// A handshake and one message each way.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<SessionPair, JsError> {
        use sotto::{Account, OsRng, PrekeyBundle, Session, SessionContext};
        let err = |e: sotto::Error| JsError::new(&format!("{e:?}"));
        let alice = Account::new(&mut OsRng).map_err(err)?;
        let mut bob = Account::new(&mut OsRng).map_err(err)?;
        bob.generate_one_time_prekeys(1, &mut OsRng).map_err(err)?;
        let bundle =
            PrekeyBundle::from_bytes(&bob.prekey_bundle().map_err(err)?.to_bytes()).map_err(err)?;
        let message: Vec<u8> = (0..100).map(|i| (i * 7 + 3) as u8).collect();
        let mut a = Session::initiate(
            &alice,
            &bundle,
            &SessionContext::new(b"alice", b"bob"),
            &mut OsRng,
        )
        .map_err(err)?;
        let first = a.encrypt(&message, &mut OsRng).map_err(err)?;
        let (mut b, _) = Session::accept(&mut bob, &first, &SessionContext::new(b"bob", b"alice"))
            .map_err(err)?;
        let reply = b.encrypt(&message, &mut OsRng).map_err(err)?;
        a.decrypt(&reply).map_err(err)?;
        Ok(SessionPair {
            a,
            b,
            message,
            a_sends: true,
        })
    }

    /// `n` 100-byte messages from A to B (encrypt + decrypt each).
    pub fn burst(&mut self, n: u32) -> Result<(), JsError> {
        let err = |e: sotto::Error| JsError::new(&format!("{e:?}"));
        for _ in 0..n {
            let ct = self
                .a
                .encrypt(&self.message, &mut sotto::OsRng)
                .map_err(err)?;
            self.b.decrypt(&ct).map_err(err)?;
        }
        Ok(())
    }

    /// `n` 100-byte messages alternating direction.
    pub fn ping_pong(&mut self, n: u32) -> Result<(), JsError> {
        let err = |e: sotto::Error| JsError::new(&format!("{e:?}"));
        for _ in 0..n {
            let (s, r) = if self.a_sends {
                (&mut self.a, &mut self.b)
            } else {
                (&mut self.b, &mut self.a)
            };
            self.a_sends = !self.a_sends;
            let ct = s.encrypt(&self.message, &mut sotto::OsRng).map_err(err)?;
            r.decrypt(&ct).map_err(err)?;
        }
        Ok(())
    }
}

/// ML-KEM-768 encapsulation to an encoded public key (1184 bytes) with the
/// given 32-byte randomness: ciphertext (1088 bytes) || shared secret (32).
/// The key is decoded (and checked) on every call, as @noble/post-quantum does.
#[wasm_bindgen]
pub fn ml_kem_768_encapsulate(public: &[u8], randomness: &[u8]) -> Result<Vec<u8>, JsError> {
    use sotto::primitives::kem;
    let public: &[u8; kem::PUBLIC_KEY_LEN] = public
        .try_into()
        .map_err(|_| JsError::new("expected 1184 bytes"))?;
    let key = kem::PublicKey::from_bytes(public).map_err(|e| JsError::new(&format!("{e:?}")))?;
    let (ciphertext, shared) = key.encapsulate_with(&Secret::from_bytes(key32(randomness)?));
    let mut out = ciphertext.to_vec();
    out.extend_from_slice(shared.expose());
    Ok(out)
}

/// An ML-KEM-768 decapsulation key expanded once from its 64-byte seed.
#[wasm_bindgen]
pub struct MlKem768Key(sotto::primitives::kem::PrivateKey);

#[wasm_bindgen]
impl MlKem768Key {
    /// Expands the 64-byte seed (d || z, FIPS 203).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: &[u8]) -> Result<MlKem768Key, JsError> {
        let seed: [u8; 64] = seed
            .try_into()
            .map_err(|_| JsError::new("expected 64 bytes"))?;
        Ok(MlKem768Key(sotto::primitives::kem::PrivateKey::from_seed(
            Secret::from_bytes(seed),
        )))
    }

    /// The encoded public key (1184 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_vec()
    }

    /// The shared secret of a 1088-byte ciphertext (implicit rejection).
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<Vec<u8>, JsError> {
        let ciphertext: &[u8; sotto::primitives::kem::CIPHERTEXT_LEN] = ciphertext
            .try_into()
            .map_err(|_| JsError::new("expected 1088 bytes"))?;
        Ok(self.0.decapsulate(ciphertext).expose().to_vec())
    }
}
