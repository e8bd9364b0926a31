//! Session records (PROTOCOL.md §17): every session with one remote device,
//! with decryption routed to the session a message belongs to. The raw
//! layer of the package's `SessionRecord` class (`pkg/src/api.js`); it
//! replaces the routing an application would otherwise write around
//! single sessions.
//!
//! Behind the crate feature `records`, off in the package build. First
//! measured before issue 14's size work at +6.8 KB gzipped .wasm, 0.6 KB
//! glue, 0.3 KB JavaScript. Measured again with scripts/build-wasm.sh's
//! flags after it (and ratchet version 2 in npm): the .wasm goes from
//! 86,649 to 92,563 B gzipped (+5,914) and the minified glue from 4,062 to
//! 4,373 B (+311), so the web build from 96,389 to 102,614 B before any
//! JavaScript wrapper: over the hard 100,000 B budget of issue 14. Ship it
//! once there is room, or as a separate build (like `sotto/devices`).

use super::{IntoJs, JsResult, WasmAccount, WasmBundle, storage_key};
use sotto::{OsRng, Session, SessionContext, SessionRecord};
use wasm_bindgen::prelude::*;

/// Every session with one remote device ([`SessionRecord`]).
#[wasm_bindgen]
pub struct WasmRecord {
    inner: SessionRecord,
}

#[wasm_bindgen]
impl WasmRecord {
    /// An empty record.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmRecord {
        WasmRecord {
            inner: SessionRecord::new(),
        }
    }

    /// Restores a record sealed by [`seal`](Self::seal).
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmRecord> {
        Ok(WasmRecord {
            inner: SessionRecord::unseal(&storage_key(key)?, sealed).js()?,
        })
    }

    /// A record whose current session is a sealed single session (migration).
    pub fn from_sealed_session(key: &[u8], sealed: &[u8]) -> JsResult<WasmRecord> {
        Ok(WasmRecord {
            inner: SessionRecord::from(Session::unseal(&storage_key(key)?, sealed).js()?),
        })
    }

    /// Seals the record.
    pub fn seal(&self, key: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.seal(&storage_key(key)?, &mut OsRng).js()
    }

    /// Starts a new current session from a bundle; returns its id.
    pub fn initiate(
        &mut self,
        account: &WasmAccount,
        bundle: &WasmBundle,
        local_id: &[u8],
        remote_id: &[u8],
    ) -> JsResult<Vec<u8>> {
        let context = SessionContext::new(local_id, remote_id);
        let id = self
            .inner
            .initiate(&account.inner, &bundle.inner, &context, &mut OsRng)
            .js()?;
        Ok(id.as_bytes().to_vec())
    }

    /// Encrypts with the current session.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.encrypt(plaintext, &mut OsRng).js()
    }

    /// Decrypts any message of the peer device (transactional).
    pub fn decrypt(
        &mut self,
        account: &mut WasmAccount,
        message: &[u8],
        local_id: &[u8],
        remote_id: &[u8],
    ) -> JsResult<Vec<u8>> {
        let context = SessionContext::new(local_id, remote_id);
        self.inner
            .decrypt(&mut account.inner, message, &context)
            .js()
    }

    /// The current session's id (empty for an empty record).
    pub fn current_id(&self) -> Vec<u8> {
        self.inner
            .current_id()
            .map(|id| id.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// Every session's id, 32 bytes each, current first.
    pub fn session_ids(&self) -> Vec<u8> {
        self.inner
            .session_ids()
            .iter()
            .flat_map(|id| id.as_bytes().to_vec())
            .collect()
    }

    /// The peer's identity record in the current session (empty when none).
    pub fn remote_identity(&self) -> Vec<u8> {
        self.inner
            .remote_identity()
            .map(|k| k.to_bytes())
            .unwrap_or_default()
    }

    /// Our identity record in the current session (empty when none).
    pub fn local_identity(&self) -> Vec<u8> {
        self.inner
            .current()
            .map(|s| s.local_identity().to_bytes())
            .unwrap_or_default()
    }
}

impl Default for WasmRecord {
    fn default() -> Self {
        Self::new()
    }
}
