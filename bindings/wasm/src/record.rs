//! Session records (PROTOCOL.md §17): every session with one remote device,
//! with decryption routed to the session a message belongs to. The raw
//! layer of the `SessionRecord` class of `sotto/multidevice`
//! (`pkg/src/records.js`); it replaces the routing an application would
//! otherwise write around single sessions.
//!
//! Behind the crate feature `records`, off in the main build of the package
//! (`sotto`): it adds 6.8 KB gzipped to the .wasm (88,423 -> 95,213 B with
//! scripts/build-wasm.sh's flags), which the main build's 100,000 B budget
//! (issue 14; 98,217 B without it) has no room for. The package's second
//! build of this crate, `sotto/multidevice`, turns it on with `contact`
//! (+12.3 KB more: `sotto::contact`'s fan-out, receive and sealing, and
//! device lists): 107,544 B of .wasm, 120,744 B with its JavaScript.
//!
//! Every call that draws randomness takes `draws`: empty for the operating
//! system's generator, else the exact bytes of a known-answer test.

use super::draws::Draws;
use super::{IntoJs, JsResult, WasmAccount, WasmBundle, WasmSession, code, storage_key};
use sotto::{Error, Padding, SessionContext, SessionRecord};
use wasm_bindgen::prelude::*;

/// Every session with one remote device ([`SessionRecord`]).
#[wasm_bindgen]
pub struct WasmRecord {
    inner: SessionRecord,
}

#[wasm_bindgen]
impl WasmRecord {
    /// An empty record.
    pub fn create() -> WasmRecord {
        WasmRecord {
            inner: SessionRecord::new(),
        }
    }

    /// A record whose current session is `session` (taken: the JavaScript
    /// object of the session is consumed).
    pub fn from_session(session: WasmSession) -> WasmRecord {
        WasmRecord {
            inner: SessionRecord::from(session.inner),
        }
    }

    /// Restores a record sealed by [`seal`](Self::seal).
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmRecord> {
        Ok(WasmRecord {
            inner: SessionRecord::unseal(&storage_key(key)?, sealed).js()?,
        })
    }

    /// Seals the record (draws a 24-byte nonce).
    pub fn seal(&self, key: &[u8], draws: &[u8]) -> JsResult<Vec<u8>> {
        let key = storage_key(key)?;
        self.inner.seal(&key, &mut Draws::from(draws)).js()
    }

    /// Starts a new current session from a bundle; returns its id.
    pub fn initiate(
        &mut self,
        account: &WasmAccount,
        bundle: &WasmBundle,
        local_id: &[u8],
        remote_id: &[u8],
        draws: &[u8],
    ) -> JsResult<Vec<u8>> {
        let context = SessionContext::new(local_id, remote_id);
        let id = self
            .inner
            .initiate(
                &account.inner,
                &bundle.inner,
                &context,
                &mut Draws::from(draws),
            )
            .js()?;
        Ok(id.as_bytes().to_vec())
    }

    /// Encrypts with the current session.
    pub fn encrypt(&mut self, plaintext: &[u8], draws: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.encrypt(plaintext, &mut Draws::from(draws)).js()
    }

    /// Decrypts any message of the peer device (transactional over the
    /// record and the account).
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

    /// The current session's id (`undefined` for an empty record).
    pub fn current_id(&self) -> Option<Vec<u8>> {
        self.inner.current_id().map(|id| id.as_bytes().to_vec())
    }

    /// Every session's id, 32 bytes each, current first, then the archived
    /// ones newest first.
    pub fn session_ids(&self) -> Vec<u8> {
        self.inner
            .session_ids()
            .iter()
            .flat_map(|id| id.as_bytes().to_vec())
            .collect()
    }

    /// Number of sessions held (current and archived).
    pub fn len(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// Whether the record holds no session.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The peer's identity record in the current session.
    pub fn remote_identity(&self) -> Option<Vec<u8>> {
        self.inner.remote_identity().map(|k| k.to_bytes())
    }

    /// Our identity record in the current session.
    pub fn local_identity(&self) -> Option<Vec<u8>> {
        self.inner.current().map(|s| s.local_identity().to_bytes())
    }

    /// Whether the current session can encrypt (`undefined` when empty).
    pub fn can_encrypt(&self) -> Option<bool> {
        self.inner.current().map(|s| s.can_encrypt())
    }

    /// Whether the current session runs ratchet version 2 (`undefined`
    /// when empty).
    pub fn uses_pq_ratchet(&self) -> Option<bool> {
        self.inner.current().map(|s| s.uses_pq_ratchet())
    }

    /// The KEM epoch of a version-2 current session.
    pub fn kem_epoch(&self) -> Option<u32> {
        self.inner.current().and_then(|s| s.kem_epoch())
    }

    /// The current session's padding: 1 Padmé, 0 none (`undefined` when
    /// empty).
    pub fn padding(&self) -> Option<u8> {
        self.inner.current().map(|s| match s.padding() {
            Padding::Padme => 1,
            Padding::None => 0,
        })
    }

    /// Sets the current session's padding: 1 Padmé, 0 none.
    pub fn set_padding(&mut self, padding: u8) -> JsResult<()> {
        let padding = match padding {
            1 => Padding::Padme,
            0 => Padding::None,
            _ => return Err(code(Error::InvalidArgument)),
        };
        self.inner
            .current_mut()
            .ok_or_else(|| code(Error::InvalidArgument))?
            .set_padding(padding);
        Ok(())
    }
}
