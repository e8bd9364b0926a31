//! WebAssembly bindings of Sotto's sender-key groups (PROTOCOL.md §21): the
//! raw layer of the npm subpath export `sotto/groups`.
//!
//! A separate module from the chat bindings (`bindings/wasm`), so that an
//! application without groups does not load the group code and the chat
//! module's size budget is untouched. The chain distributions this module
//! produces and consumes are plain bytes: the application carries them
//! through its pairwise sessions of the main module (`sotto`).
//!
//! The JavaScript layer (`pkg/src/groups.js`) wraps [`WasmGroup`] in the
//! `GroupSession` class, checks argument types and turns failures into
//! `SottoError` objects.
//!
//! Conventions:
//! - every fallible export returns `Result<_, JsValue>` whose error is the
//!   core's stable numeric code ([`sotto::Error::code`]);
//! - a list of device addresses crosses the boundary as one byte string of
//!   `length (1 byte) ‖ address` items (addresses are 1–64 bytes), decoded
//!   here with every length checked (`INVALID_ARGUMENT`);
//! - times are JavaScript numbers of seconds, checked to be integers in
//!   `0..=2^53` (`INVALID_ARGUMENT`);
//! - `draws`: empty for the operating system's generator, else the exact
//!   random bytes to use (known-answer tests only: the vectors of
//!   `tests/vectors/sotto-v1-groups.json` record every draw); a call that
//!   needs more than given fails with `RANDOMNESS` and changes nothing.

#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sotto::group::{GroupConfig, GroupMessage, GroupSession};
use sotto::{Error, OsRng, Padding, StorageKey};
use wasm_bindgen::prelude::*;

/// The module's allocator: talc's WebAssembly allocator instead of std's
/// dlmalloc, as in bindings/wasm (smaller; issue 14). Single-threaded module.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[path = "../../wasm-common/kit.rs"]
mod kit;
use kit::{INVALID, IntoJs, JsResult, secs, with_rng};

/// Decodes `length ‖ address` items.
fn addresses(mut packed: &[u8]) -> JsResult<Vec<&[u8]>> {
    let mut out = Vec::new();
    while let Some((&n, rest)) = packed.split_first() {
        let (item, rest) = rest.split_at_checked(usize::from(n)).ok_or_else(INVALID)?;
        out.push(item);
        packed = rest;
    }
    Ok(out)
}

/// Encodes `length ‖ address` items (addresses are at most 64 bytes).
fn pack<'a>(items: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.push(u8::try_from(item.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(item);
    }
    out
}

fn storage_key(bytes: &[u8]) -> JsResult<StorageKey> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| INVALID())?;
    Ok(StorageKey::from_bytes(array))
}

fn distribution_bytes(d: &sotto::group::ChainDistribution) -> JsResult<Vec<u8>> {
    Ok(d.to_bytes().js()?.to_vec())
}

/// The module's memory (its size, for the package's tests).
#[wasm_bindgen]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The stable identifier of a core error code, or `undefined`.
#[wasm_bindgen]
pub fn error_name(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.name().to_string())
}

/// The developer-facing message of a core error code, or `undefined`.
#[wasm_bindgen]
pub fn error_message(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.message().to_string())
}

/// The claims of a group message's framing (not authenticated), to route
/// it or to ask its sender for a chain: `[epoch, chain]`, with the group id
/// and sender from [`message_group_id`] and [`message_sender`].
#[wasm_bindgen]
pub fn message_numbers(message: &[u8]) -> JsResult<Vec<u32>> {
    let m = GroupMessage::parse(message).js()?;
    Ok(vec![m.epoch(), m.chain()])
}

/// The group id a group message claims.
#[wasm_bindgen]
pub fn message_group_id(message: &[u8]) -> JsResult<Vec<u8>> {
    Ok(GroupMessage::parse(message).js()?.group_id().to_vec())
}

/// The sender a group message claims.
#[wasm_bindgen]
pub fn message_sender(message: &[u8]) -> JsResult<Vec<u8>> {
    Ok(GroupMessage::parse(message).js()?.sender().to_vec())
}

/// One device's state in one group ([`GroupSession`]), with the outputs of
/// its last call that returns more than one value.
#[wasm_bindgen]
pub struct WasmGroup {
    inner: GroupSession,
    /// The rotated chain of the last `encrypt` (empty when none).
    distribution: Vec<u8>,
    /// The sender of the last `decrypt`.
    sender: Vec<u8>,
    /// The epoch of the last `decrypt`.
    epoch: u32,
}

impl WasmGroup {
    fn wrap(inner: GroupSession) -> WasmGroup {
        WasmGroup {
            inner,
            distribution: Vec::new(),
            sender: Vec::new(),
            epoch: 0,
        }
    }
}

#[wasm_bindgen]
impl WasmGroup {
    /// [`GroupSession::create`]; `padding` 0 (none) or 1 (Padmé).
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        group_id: &[u8],
        own_device: &[u8],
        members: &[u8],
        epoch: u32,
        max_messages: u32,
        max_age_secs: f64,
        padding: u8,
        now: f64,
        draws: &[u8],
    ) -> JsResult<WasmGroup> {
        let group_id: [u8; 16] = group_id.try_into().map_err(|_| INVALID())?;
        let padding = match padding {
            0 => Padding::None,
            1 => Padding::Padme,
            _ => return Err(INVALID()),
        };
        let config = GroupConfig {
            max_messages,
            max_age_secs: secs(max_age_secs)?,
            padding,
        };
        let members = addresses(members)?;
        let now = secs(now)?;
        with_rng(draws, |rng| {
            GroupSession::create(group_id, own_device, &members, epoch, config, now, rng)
        })
        .map(WasmGroup::wrap)
    }

    /// [`GroupSession::unseal`].
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmGroup> {
        GroupSession::unseal(&storage_key(key)?, sealed)
            .js()
            .map(WasmGroup::wrap)
    }

    /// [`GroupSession::seal`].
    pub fn seal(&self, key: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.seal(&storage_key(key)?, &mut OsRng).js()
    }

    pub fn group_id(&self) -> Vec<u8> {
        self.inner.group_id().to_vec()
    }

    pub fn own_device(&self) -> Vec<u8> {
        self.inner.own_device().to_vec()
    }

    pub fn epoch(&self) -> u32 {
        self.inner.epoch()
    }

    /// `[max_messages, max_age_secs, padding]`.
    pub fn config(&self) -> Vec<f64> {
        let c = self.inner.config();
        #[allow(clippy::cast_precision_loss)]
        let age = c.max_age_secs as f64;
        let padding = if c.padding == Padding::None { 0.0 } else { 1.0 };
        vec![f64::from(c.max_messages), age, padding]
    }

    /// The other member devices, packed.
    pub fn members(&self) -> Vec<u8> {
        pack(self.inner.members())
    }

    pub fn receiving_chains(&self) -> u32 {
        u32::try_from(self.inner.receiving_chains()).unwrap_or(u32::MAX)
    }

    pub fn has_chain(&self, sender: &[u8], epoch: u32) -> bool {
        self.inner.has_chain(sender, epoch)
    }

    /// [`GroupSession::distribution`], encoded.
    pub fn distribution(&self) -> JsResult<Vec<u8>> {
        distribution_bytes(&self.inner.distribution())
    }

    pub fn rotation_due(&self, now: f64) -> JsResult<bool> {
        Ok(self.inner.rotation_due(secs(now)?))
    }

    pub fn rotate(&mut self, now: f64, draws: &[u8]) -> JsResult<Vec<u8>> {
        let now = secs(now)?;
        let d = with_rng(draws, |rng| self.inner.rotate(now, rng))?;
        distribution_bytes(&d)
    }

    pub fn add_members(&mut self, devices: &[u8]) -> JsResult<Vec<u8>> {
        let devices = addresses(devices)?;
        let d = self.inner.add_members(&devices).js()?;
        distribution_bytes(&d)
    }

    pub fn remove_members(&mut self, devices: &[u8], now: f64, draws: &[u8]) -> JsResult<Vec<u8>> {
        let devices = addresses(devices)?;
        let now = secs(now)?;
        let d = with_rng(draws, |rng| self.inner.remove_members(&devices, now, rng))?;
        distribution_bytes(&d)
    }

    pub fn drop_previous_epochs(&mut self) {
        self.inner.drop_previous_epochs();
    }

    pub fn receive_distribution(&mut self, bytes: &[u8], from: &[u8]) -> JsResult<()> {
        self.inner.receive_distribution(bytes, from).js()
    }

    /// [`GroupSession::encrypt`]: the message; the rotated chain, if any,
    /// is then in [`take_distribution`](Self::take_distribution).
    pub fn encrypt(&mut self, plaintext: &[u8], now: f64, draws: &[u8]) -> JsResult<Vec<u8>> {
        let now = secs(now)?;
        let sent = with_rng(draws, |rng| self.inner.encrypt(plaintext, now, rng))?;
        self.distribution = match &sent.distribution {
            Some(d) => distribution_bytes(d)?,
            None => Vec::new(),
        };
        Ok(sent.message)
    }

    /// The rotated chain of the last `encrypt` (empty when none), once.
    pub fn take_distribution(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.distribution)
    }

    /// [`GroupSession::decrypt`]: the plaintext; sender and epoch then in
    /// [`last_sender`](Self::last_sender) and [`last_epoch`](Self::last_epoch).
    pub fn decrypt(&mut self, message: &[u8]) -> JsResult<Vec<u8>> {
        let read = self.inner.decrypt(message).js()?;
        self.sender = read.sender;
        self.epoch = read.epoch;
        Ok(read.plaintext)
    }

    pub fn last_sender(&self) -> Vec<u8> {
        self.sender.clone()
    }

    pub fn last_epoch(&self) -> u32 {
        self.epoch
    }
}
