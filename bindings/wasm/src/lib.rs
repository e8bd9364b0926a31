//! WebAssembly bindings of Sotto: the raw layer of the npm package `sotto`.
//!
//! This crate exports thin `wasm-bindgen` classes (`WasmAccount`,
//! `WasmBundle`, `WasmSession`, `WasmSafetyNumber`) and a few free
//! functions. They are not the public JavaScript API: the package wraps them
//! in hand-written classes (`pkg/src/api.js`) that check argument types,
//! refuse use after `free()`, support `Symbol.dispose`, and turn failures
//! into `SottoError` objects.
//!
//! Error convention: every fallible export returns `Result<_, JsValue>` whose
//! error is the core's stable numeric code ([`sotto::Error::code`], 1–99) as a
//! JavaScript number. The JavaScript layer maps it to a `SottoError` with the
//! name and message from [`error_name`] and [`error_message`]. Codes 100–199
//! are raised by the JavaScript layer (see `pkg/src/api.js`) with the numbers,
//! names and messages of [`sotto::BindingError`], the table shared with the C
//! ABI; [`error_table`] hands that table to the package's tests.
//!
//! No function here panics on any input: all decoding goes through the
//! core's checked parsers, and arguments arrive as already-typed slices and
//! numbers (the JavaScript layer validates JavaScript types first).
//!
//! Byte arguments: wasm-bindgen's glue sizes the allocation for a `&[u8]`
//! from the argument's `length` property and then copies its real contents,
//! so a value whose `length` lies (a subclass, an own property) or changes
//! (a view of a buffer that another thread grows) would write past the
//! allocation. The JavaScript layer therefore never hands the glue a
//! caller's object: only private, fixed-length, non-shared copies made
//! through the intrinsic typed-array accessors, after the size caps were
//! checked on the real length. Keep it that way for any new export.
//! (`WasmSession::encrypt` and `decrypt` take no slice: the JavaScript layer
//! writes their input into the session's I/O buffer, see
//! [`WasmSession::io_reserve`].)

#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sotto::{
    Account, BindingError, Error, KemPrekey, MessageType, OneTimePrekey, Padding, PrekeyBundle,
    PrekeyMessage, Role, SafetyNumber, Session, SessionContext, SignedPrekey, StorageKey,
};
use wasm_bindgen::prelude::*;

/// The module's allocator: talc's WebAssembly allocator (a binned free list
/// over memory grown on demand, freed blocks coalesced) instead of std's
/// dlmalloc, for a smaller module (issue 14; sizes in docs/BENCHMARKS.md).
/// The module is single-threaded (no `atomics` target feature).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "contact")]
mod contact;
#[cfg(feature = "records")]
mod draws;
#[cfg(not(feature = "records"))]
mod pool;
#[cfg(feature = "records")]
mod record;

/// The generator of every call: the operating system's. In the multi-device
/// build (feature `records`) it is [`draws::Draws`], which records and
/// contacts also use for known-answer tests: one generator type for the
/// whole module, so that no generic function of the core (the handshake,
/// the ratchet step with its ML-KEM encapsulation, sealing) is compiled
/// twice, once per generator type (that doubled code was about 12 KB
/// gzipped).
/// In the main build it is [`pool::Gen`]: the operating system's, and for
/// `WasmSession::encrypt` the session's pool of it.
#[cfg(not(feature = "records"))]
const fn rng() -> pool::Gen<'static> {
    pool::Gen::Os
}
#[cfg(feature = "records")]
const fn rng() -> draws::Draws<'static> {
    draws::Draws::Os
}

type JsResult<T> = Result<T, JsValue>;

/// Converts a core error into the value thrown to JavaScript: its code.
fn code(error: Error) -> JsValue {
    JsValue::from(error.code())
}

trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for sotto::Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(code)
    }
}

/// A storage key must be exactly 32 bytes.
fn storage_key(bytes: &[u8]) -> JsResult<StorageKey> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| code(Error::InvalidArgument))?;
    Ok(StorageKey::from_bytes(array))
}

fn bytes_array(items: impl Iterator<Item = Vec<u8>>) -> js_sys::Array {
    items
        .map(|bytes| JsValue::from(js_sys::Uint8Array::from(bytes.as_slice())))
        .collect()
}

/// The stable identifier of a core error code (`"DUPLICATE_MESSAGE"`), or
/// `undefined` for a code the core does not define.
#[wasm_bindgen]
pub fn error_name(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.name().to_string())
}

/// The developer-facing message of a core error code, or `undefined`.
#[wasm_bindgen]
pub fn error_message(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.message().to_string())
}

/// Every code the npm package can report, as `[code, name, message]`
/// triples: the core's errors, then the binding codes the package uses
/// (from [`sotto::BindingError`]), then the message types as
/// `[code, "MESSAGE_PREKEY" | "MESSAGE_NORMAL", ""]`. For the package's
/// tests, which check that `ErrorCode`, `MessageTypeCode` and the package's
/// own binding messages are this table.
#[wasm_bindgen]
pub fn error_table() -> js_sys::Array {
    let row = |code: u32, name: &str, message: &str| {
        JsValue::from(js_sys::Array::of3(
            &JsValue::from(code),
            &JsValue::from(name),
            &JsValue::from(message),
        ))
    };
    let core = Error::ALL
        .iter()
        .map(|e| row(e.code(), e.name(), e.message()));
    let bindings = BindingError::ALL
        .iter()
        .filter(|e| e.in_js())
        .map(|e| row(e.code(), e.name(), e.message()));
    let kinds = MessageType::ALL.iter().map(|kind| {
        let name = if *kind == MessageType::Prekey {
            "MESSAGE_PREKEY"
        } else {
            "MESSAGE_NORMAL"
        };
        row(u32::from(kind.code()), name, "")
    });
    core.chain(bindings).chain(kinds).collect()
}

/// The message type's number: 1 for a prekey message, 2 for a normal
/// message ([`MessageType::code`], the same numbers as the C ABI's
/// `SOTTO_MESSAGE_PREKEY` and `SOTTO_MESSAGE_NORMAL`).
#[wasm_bindgen]
pub fn message_type(bytes: &[u8]) -> JsResult<u8> {
    Ok(sotto::message_type(bytes).js()?.code())
}

/// The session id a prekey message belongs to (32 bytes).
#[wasm_bindgen]
pub fn prekey_session_id(bytes: &[u8]) -> JsResult<Vec<u8>> {
    Ok(PrekeyMessage::from_bytes(bytes)
        .js()?
        .session_id()
        .as_bytes()
        .to_vec())
}

/// Checks a 130-byte identity record (key types and binding signature).
#[wasm_bindgen]
pub fn check_identity(bytes: &[u8]) -> JsResult<()> {
    sotto::IdentityKey::from_bytes(bytes).js().map(|_| ())
}

/// A fresh random 32-byte storage key.
#[wasm_bindgen]
pub fn generate_storage_key() -> JsResult<Vec<u8>> {
    Ok(StorageKey::generate(&mut rng()).js()?.expose().to_vec())
}

/// The current size of the module's linear memory in bytes (diagnostics:
/// lets applications and tests check that memory stops growing).
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    let pages = core::arch::wasm32::memory_size::<0>();
    #[cfg(not(target_arch = "wasm32"))]
    let pages = 0usize;
    // Memory is at most 2^16 pages of 2^16 bytes: exact in an f64.
    (pages as f64) * 65536.0
}

/// Asks for a fresh instance of this module: the glue replaces the
/// `WebAssembly.Instance` (new, zeroed linear memory) before the next call
/// into it, and objects of the old instance become inert (their finalizers
/// do nothing). The JavaScript layer calls this after a trap, when the old
/// memory can no longer be trusted; it only sets a flag in the glue, so it
/// is safe to call on a broken instance.
#[wasm_bindgen]
pub fn schedule_restart() {
    wasm_bindgen::handler::schedule_reinit();
}

/// The module's memory (a `WebAssembly.Memory`), for writing into a
/// session's I/O buffer and reading from it ([`WasmSession::io_reserve`]).
#[wasm_bindgen]
pub fn io_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// A device's long-term keys and prekeys.
#[wasm_bindgen]
pub struct WasmAccount {
    inner: Account,
}

#[wasm_bindgen]
impl WasmAccount {
    /// A fresh account.
    pub fn create() -> JsResult<WasmAccount> {
        Ok(WasmAccount {
            inner: Account::new(&mut rng()).js()?,
        })
    }

    /// Restores a sealed account.
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmAccount> {
        Ok(WasmAccount {
            inner: Account::unseal(&storage_key(key)?, sealed).js()?,
        })
    }

    /// Seals the account.
    pub fn seal(&self, key: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.seal(&storage_key(key)?, &mut rng()).js()
    }

    /// The 130-byte identity record.
    pub fn identity_key(&self) -> Vec<u8> {
        self.inner.identity_key().to_bytes()
    }

    /// Generates `count` one-time prekeys of each kind; returns the report
    /// as three arrays of identifiers: `[created, evicted_unpublished,
    /// evicted_published]`.
    pub fn generate_one_time_prekeys(&mut self, count: u32) -> JsResult<js_sys::Array> {
        let count = usize::try_from(count).map_err(|_| code(Error::InvalidArgument))?;
        let report = self
            .inner
            .generate_one_time_prekeys(count, &mut rng())
            .js()?;
        let ids = |ids: &[u32]| {
            JsValue::from(
                ids.iter()
                    .copied()
                    .map(JsValue::from)
                    .collect::<js_sys::Array>(),
            )
        };
        Ok(js_sys::Array::of3(
            &ids(&report.created),
            &ids(&report.evicted_unpublished),
            &ids(&report.evicted_published),
        ))
    }

    /// A bundle using the oldest unpublished one-time prekeys; changes
    /// nothing (see [`mark_bundle_published`](Self::mark_bundle_published)).
    /// With `pq_ratchet`, the bundle advertises ratchet version 2 (kind
    /// `0x13`, PROTOCOL.md §22.2).
    pub fn prekey_bundle(&self, pq_ratchet: bool) -> JsResult<WasmBundle> {
        let bundle = self.inner.prekey_bundle().js()?;
        Ok(WasmBundle {
            inner: if pq_ratchet {
                bundle.with_pq_ratchet()
            } else {
                bundle
            },
        })
    }

    /// Marks the one-time prekeys of a bundle as published.
    pub fn mark_bundle_published(&mut self, bundle: &WasmBundle) {
        self.inner.mark_bundle_published(&bundle.inner);
    }

    /// The encoded current signed prekey.
    pub fn signed_prekey(&self) -> Vec<u8> {
        self.inner.signed_prekey().to_bytes()
    }

    /// The encoded current last-resort ML-KEM prekey.
    pub fn last_resort_prekey(&self) -> Vec<u8> {
        self.inner.last_resort_prekey().to_bytes()
    }

    /// The encoded unpublished one-time X25519 prekeys.
    pub fn unpublished_one_time_prekeys(&self) -> js_sys::Array {
        bytes_array(
            self.inner
                .unpublished_one_time_prekeys()
                .iter()
                .map(OneTimePrekey::to_bytes),
        )
    }

    /// The encoded unpublished one-time ML-KEM prekeys.
    pub fn unpublished_one_time_kem_prekeys(&self) -> JsResult<js_sys::Array> {
        Ok(bytes_array(
            self.inner
                .unpublished_one_time_kem_prekeys()
                .js()?
                .iter()
                .map(KemPrekey::to_bytes),
        ))
    }

    /// Marks the prekeys the `unpublished_*` getters return as published.
    pub fn mark_prekeys_published(&mut self) {
        self.inner.mark_prekeys_published();
    }

    /// `[x25519, mlkem]` one-time prekeys held.
    pub fn one_time_prekey_counts(&self) -> Vec<u32> {
        let (ec, pq) = self.inner.one_time_prekey_counts();
        [ec, pq]
            .into_iter()
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .collect()
    }

    /// Rotates the signed prekey.
    pub fn rotate_signed_prekey(&mut self) -> JsResult<()> {
        self.inner.rotate_signed_prekey(&mut rng()).js()
    }

    /// Rotates the last-resort ML-KEM prekey.
    pub fn rotate_last_resort_prekey(&mut self) -> JsResult<()> {
        self.inner.rotate_last_resort_prekey(&mut rng()).js()
    }
}

/// A verified prekey bundle.
#[wasm_bindgen]
pub struct WasmBundle {
    inner: PrekeyBundle,
}

#[wasm_bindgen]
impl WasmBundle {
    /// Decodes and verifies a bundle.
    pub fn from_bytes(bytes: &[u8]) -> JsResult<WasmBundle> {
        Ok(WasmBundle {
            inner: PrekeyBundle::from_bytes(bytes).js()?,
        })
    }

    /// Assembles and verifies a bundle from separately published parts.
    pub fn from_parts(
        identity: &[u8],
        signed_prekey: &[u8],
        kem_prekey: &[u8],
        one_time_prekey: Option<Vec<u8>>,
        pq_ratchet: bool,
    ) -> JsResult<WasmBundle> {
        let identity = sotto::IdentityKey::from_bytes(identity).js()?;
        let signed = SignedPrekey::from_bytes(signed_prekey).js()?;
        let kem = KemPrekey::from_bytes(kem_prekey).js()?;
        let one_time = match one_time_prekey {
            Some(bytes) => Some(OneTimePrekey::from_bytes(&bytes).js()?),
            None => None,
        };
        let bundle = PrekeyBundle::new(identity, signed, kem, one_time).js()?;
        Ok(WasmBundle {
            inner: if pq_ratchet {
                bundle.with_pq_ratchet()
            } else {
                bundle
            },
        })
    }

    /// The encoded bundle.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// The owner's 130-byte identity record.
    pub fn identity_key(&self) -> Vec<u8> {
        self.inner.identity().to_bytes()
    }

    /// Whether the bundle carries a one-time X25519 prekey.
    pub fn has_one_time_prekey(&self) -> bool {
        self.inner.one_time_prekey().is_some()
    }

    /// Whether the owner advertises ratchet version 2 (PROTOCOL.md §22.2).
    pub fn supports_pq_ratchet(&self) -> bool {
        self.inner.supports_pq_ratchet()
    }

    /// The same bundle in its version-1 form (kind `0x01`), for peers that
    /// run only version 1.
    pub fn without_capabilities(&self) -> WasmBundle {
        WasmBundle {
            inner: self.inner.clone().without_capabilities(),
        }
    }
}

/// One end of a conversation.
#[wasm_bindgen]
pub struct WasmSession {
    inner: Session,
    accepted_plaintext: Option<Vec<u8>>,
    /// The I/O buffer of [`encrypt`](Self::encrypt) and
    /// [`decrypt`](Self::decrypt) (issue 14: the 100-byte burst through the
    /// package). For `&[u8]` arguments and `Vec<u8>` results wasm-bindgen's
    /// glue calls malloc, copies, and after the call copies the result out
    /// and calls free; the JavaScript layer copied the caller's bytes once
    /// more before that (see the crate comment). Through this buffer the
    /// JavaScript layer copies the caller's bytes (measured through the
    /// intrinsic accessors, size caps checked first) once, straight into
    /// WebAssembly memory, and copies the result once out of it, with no
    /// malloc or free call. Between calls no Rust reference to it exists, so
    /// JavaScript writing into it then is like wasm-bindgen's own writes into
    /// memory it had malloc'd. Both sides wipe what they read from it.
    io: Vec<u8>,
    /// Draws ahead for `encrypt` (see [`pool`]).
    #[cfg(not(feature = "records"))]
    pool: pool::Pool,
}

#[wasm_bindgen]
impl WasmSession {
    /// Starts a session from a bundle.
    pub fn initiate(
        account: &WasmAccount,
        bundle: &WasmBundle,
        local_id: &[u8],
        remote_id: &[u8],
    ) -> JsResult<WasmSession> {
        let context = SessionContext::new(local_id, remote_id);
        Ok(WasmSession {
            inner: Session::initiate(&account.inner, &bundle.inner, &context, &mut rng()).js()?,
            accepted_plaintext: None,
            io: Vec::new(),
            #[cfg(not(feature = "records"))]
            pool: pool::Pool::new(),
        })
    }

    /// Accepts a prekey message, optionally only from the identity whose
    /// 130-byte record is `expected_identity`; the plaintext is then fetched
    /// once with [`take_plaintext`](Self::take_plaintext).
    pub fn accept(
        account: &mut WasmAccount,
        message: &[u8],
        local_id: &[u8],
        remote_id: &[u8],
        expected_identity: Option<Vec<u8>>,
    ) -> JsResult<WasmSession> {
        let context = SessionContext::new(local_id, remote_id);
        let expected = match expected_identity {
            Some(bytes) => Some(sotto::IdentityKey::from_bytes(&bytes).js()?),
            None => None,
        };
        let (inner, plaintext) =
            Session::accept_from(&mut account.inner, message, &context, expected.as_ref()).js()?;
        Ok(WasmSession {
            inner,
            accepted_plaintext: Some(plaintext),
            io: Vec::new(),
            #[cfg(not(feature = "records"))]
            pool: pool::Pool::new(),
        })
    }

    /// The plaintext of the accepted prekey message (empty after the first call).
    pub fn take_plaintext(&mut self) -> Vec<u8> {
        self.accepted_plaintext.take().unwrap_or_default()
    }

    /// Restores a sealed session.
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmSession> {
        Ok(WasmSession {
            inner: Session::unseal(&storage_key(key)?, sealed).js()?,
            accepted_plaintext: None,
            io: Vec::new(),
            #[cfg(not(feature = "records"))]
            pool: pool::Pool::new(),
        })
    }

    /// Seals the session.
    pub fn seal(&self, key: &[u8]) -> JsResult<Vec<u8>> {
        self.inner.seal(&storage_key(key)?, &mut rng()).js()
    }

    /// Makes the I/O buffer at least `len` bytes long and returns its
    /// address; the JavaScript layer writes an input there (memory may have
    /// grown: it re-reads `memory.buffer` afterwards).
    pub fn io_reserve(&mut self, len: usize) -> usize {
        if self.io.len() < len {
            self.io.resize(len, 0);
        }
        self.io.as_ptr() as usize
    }

    /// The address of the I/O buffer: after a call through it, the result.
    pub fn io_ptr(&self) -> usize {
        self.io.as_ptr() as usize
    }

    /// Encrypts the plaintext of `len` bytes at the start of the I/O
    /// buffer; the message replaces it (its length is returned, its address
    /// is [`io_ptr`](Self::io_ptr)).
    pub fn encrypt(&mut self, len: usize) -> JsResult<usize> {
        let result = match self.io.get(..len) {
            #[cfg(not(feature = "records"))]
            Some(plaintext) => self
                .inner
                .encrypt(plaintext, &mut pool::Gen::Pool(&mut self.pool)),
            #[cfg(feature = "records")]
            Some(plaintext) => self.inner.encrypt(plaintext, &mut rng()),
            None => Err(Error::InvalidArgument),
        };
        self.io_result(result)
    }

    /// Decrypts the message of `len` bytes at the start of the I/O buffer
    /// (transactional), as [`encrypt`](Self::encrypt).
    pub fn decrypt(&mut self, len: usize) -> JsResult<usize> {
        let result = match self.io.get(..len) {
            Some(message) => self.inner.decrypt(message),
            None => Err(Error::InvalidArgument),
        };
        self.io_result(result)
    }

    /// Decrypts a backlog in one call: `joined` is the messages back to
    /// back, `lengths` their lengths (which must add up to `joined`'s
    /// length, else nothing is decrypted: `INVALID_ARGUMENT`). Each message
    /// is decrypted as by [`decrypt`](Self::decrypt), in order; one that
    /// fails leaves the session as it was and the rest are still tried.
    ///
    /// Returns, per message in order, a little-endian 32-bit word followed,
    /// for a success, by the plaintext: the word is the plaintext's length
    /// (below 2^31), or `0x8000_0000 | code` for a failure with that core
    /// error code. One copy in and one copy out for the whole batch.
    pub fn decrypt_batch(&mut self, joined: &[u8], lengths: &[u32]) -> JsResult<Vec<u8>> {
        let total = lengths.iter().try_fold(0usize, |sum, &len| {
            sum.checked_add(usize::try_from(len).ok()?)
        });
        if total != Some(joined.len()) {
            return Err(code(Error::InvalidArgument));
        }
        // A plaintext is never longer than its message: no reallocation.
        let capacity = lengths
            .len()
            .checked_mul(4)
            .and_then(|words| words.checked_add(joined.len()))
            .ok_or_else(|| code(Error::InvalidArgument))?;
        let mut out = Vec::with_capacity(capacity);
        let mut rest = joined;
        for &len in lengths {
            let (message, tail) = rest
                .split_at_checked(usize::try_from(len).map_err(|_| code(Error::Internal))?)
                .ok_or_else(|| code(Error::Internal))?;
            rest = tail;
            match self.inner.decrypt(message) {
                Ok(plaintext) => {
                    let len = u32::try_from(plaintext.len())
                        .ok()
                        .filter(|&n| n < 0x8000_0000)
                        .ok_or_else(|| code(Error::Internal))?;
                    out.extend_from_slice(&len.to_le_bytes());
                    out.extend_from_slice(&plaintext);
                }
                Err(error) => out.extend_from_slice(&(0x8000_0000 | error.code()).to_le_bytes()),
            }
        }
        Ok(out)
    }

    /// The 32-byte session id.
    pub fn id(&self) -> Vec<u8> {
        self.inner.id().as_bytes().to_vec()
    }

    /// 0 initiator, 1 responder.
    pub fn role(&self) -> u8 {
        match self.inner.role() {
            Role::Initiator => 0,
            Role::Responder => 1,
        }
    }

    /// Whether the initiator still waits for the first reply.
    pub fn awaiting_reply(&self) -> bool {
        self.inner.awaiting_reply()
    }

    /// Whether the session can encrypt.
    pub fn can_encrypt(&self) -> bool {
        self.inner.can_encrypt()
    }

    /// Whether the session runs ratchet version 2 (PROTOCOL.md §22).
    pub fn uses_pq_ratchet(&self) -> bool {
        self.inner.uses_pq_ratchet()
    }

    /// The KEM epoch of a version-2 session (PROTOCOL.md §22.5);
    /// `undefined` for version 1.
    pub fn kem_epoch(&self) -> Option<u32> {
        self.inner.kem_epoch()
    }

    /// This device's identity record.
    pub fn local_identity(&self) -> Vec<u8> {
        self.inner.local_identity().to_bytes()
    }

    /// The peer's identity record.
    pub fn remote_identity(&self) -> Vec<u8> {
        self.inner.remote_identity().to_bytes()
    }

    /// The safety number of the two identities.
    pub fn safety_number(&self) -> WasmSafetyNumber {
        WasmSafetyNumber {
            inner: self.inner.safety_number(),
        }
    }

    /// 1 Padmé, 0 none.
    pub fn padding(&self) -> u8 {
        match self.inner.padding() {
            Padding::Padme => 1,
            Padding::None => 0,
        }
    }

    /// Sets the padding: 1 Padmé, 0 none.
    pub fn set_padding(&mut self, padding: u8) -> JsResult<()> {
        let padding = match padding {
            1 => Padding::Padme,
            0 => Padding::None,
            _ => return Err(code(Error::InvalidArgument)),
        };
        self.inner.set_padding(padding);
        Ok(())
    }
}

impl WasmSession {
    /// Wipes the input in the I/O buffer; a result becomes the buffer (the
    /// JavaScript layer wipes it once copied out), and its length is returned.
    fn io_result(&mut self, result: sotto::Result<Vec<u8>>) -> JsResult<usize> {
        self.io.fill(0);
        match result {
            Ok(output) => {
                let n = output.len();
                // `black_box`: an optimizer may drop stores to memory that is
                // freed at once; this keeps the wipe.
                drop(core::hint::black_box(core::mem::replace(
                    &mut self.io,
                    output,
                )));
                Ok(n)
            }
            Err(error) => Err(code(error)),
        }
    }
}

/// A safety number.
#[wasm_bindgen]
pub struct WasmSafetyNumber {
    inner: SafetyNumber,
}

#[wasm_bindgen]
impl WasmSafetyNumber {
    /// The safety number of two verified identity records.
    pub fn from_identities(local: &[u8], remote: &[u8]) -> JsResult<WasmSafetyNumber> {
        let local = sotto::IdentityKey::from_bytes(local).js()?;
        let remote = sotto::IdentityKey::from_bytes(remote).js()?;
        Ok(WasmSafetyNumber {
            inner: SafetyNumber::new(&local, &remote),
        })
    }

    /// 60 digits.
    pub fn digits(&self) -> String {
        self.inner.digits()
    }

    /// 12 groups of 5 digits.
    pub fn display(&self) -> String {
        self.inner.display()
    }

    /// The 10 emoji.
    pub fn emoji(&self) -> Vec<String> {
        self.inner
            .emoji()
            .iter()
            .map(|(e, _)| e.to_string())
            .collect()
    }

    /// The names of the 10 emoji.
    pub fn emoji_names(&self) -> Vec<String> {
        self.inner
            .emoji()
            .iter()
            .map(|(_, n)| n.to_string())
            .collect()
    }

    /// The QR payload this side displays.
    pub fn qr_payload(&self) -> Vec<u8> {
        self.inner.qr_payload()
    }

    /// Whether a scanned QR payload matches.
    pub fn matches_qr(&self, scanned: &[u8]) -> JsResult<bool> {
        self.inner.matches_qr(scanned).js()
    }
}
