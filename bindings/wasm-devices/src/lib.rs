//! WebAssembly bindings of Sotto's people and device lists (PROTOCOL.md
//! §18) and device linking by QR code (§19): the raw layer of the npm
//! subpath export `sotto/devices`.
//!
//! A separate module from the chat bindings (`bindings/wasm`), so that an
//! application that does not manage several devices per person does not
//! load this code, and the chat module's size budget is untouched. Linking
//! needs the new device's account: it crosses from the main module sealed
//! (`Account.seal` there, [`WasmLinkOffer::create`] here).
//!
//! The JavaScript layer (`pkg/src/devices.js`) wraps these classes, checks
//! argument types and turns failures into `SottoError` objects.
//!
//! Conventions:
//! - every fallible export returns `Result<_, JsValue>` whose error is the
//!   core's stable numeric code ([`sotto::Error::code`]);
//! - times are JavaScript numbers of seconds, checked to be integers in
//!   `0..=2^53` (`INVALID_ARGUMENT`);
//! - device entries cross the boundary packed: `device_id (u32 BE) ‖
//!   added_at (u64 BE) ‖ length (u16 BE) ‖ identity record`;
//!   contacts as `user key (33) ‖ verified (1) ‖ length (1) ‖ name`;
//!   decoded here with every length checked (`INVALID_ARGUMENT`);
//! - `draws`: empty for the operating system's generator, else the exact
//!   random bytes to use (known-answer tests only: the vectors record every
//!   draw); a call that needs more than given fails with `RANDOMNESS` and
//!   changes nothing.

#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sotto::link::{LinkContact, LinkOffer, LinkedDevice, ScannedOffer};
use sotto::person::DeviceEntry;
use sotto::{
    Account, DeviceCertificate, DeviceList, DeviceListChange, Error, IdentityKey, SafetyNumber,
    StorageKey, UserIdentity, UserIdentityKey,
};
use wasm_bindgen::prelude::*;

/// The module's allocator: talc's WebAssembly allocator instead of std's
/// dlmalloc, as in bindings/wasm (smaller; issue 14). Single-threaded module.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[path = "../../wasm-common/kit.rs"]
mod kit;
use kit::{INVALID, IntoJs, JsResult, secs, with_rng};

fn storage_key(bytes: &[u8]) -> JsResult<StorageKey> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| INVALID())?;
    Ok(StorageKey::from_bytes(array))
}

/// Takes `n` bytes off the front of `input`.
fn take<'a>(input: &mut &'a [u8], n: usize) -> JsResult<&'a [u8]> {
    let (head, rest) = input.split_at_checked(n).ok_or_else(INVALID)?;
    *input = rest;
    Ok(head)
}

fn be<const N: usize>(input: &mut &[u8]) -> JsResult<[u8; N]> {
    take(input, N)?.try_into().map_err(|_| INVALID())
}

fn pack_entries<'a>(entries: impl Iterator<Item = &'a DeviceEntry>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let record = e.identity.to_bytes();
        out.extend_from_slice(&e.device_id.to_be_bytes());
        out.extend_from_slice(&e.added_at.to_be_bytes());
        out.extend_from_slice(
            &u16::try_from(record.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&record);
    }
    out
}

/// `device_id (u32 BE) ‖ length (u16 BE) ‖ identity record` items.
fn unpack_additions(mut packed: &[u8]) -> JsResult<Vec<(u32, IdentityKey)>> {
    let mut out = Vec::new();
    while !packed.is_empty() {
        let id = u32::from_be_bytes(be(&mut packed)?);
        let n = usize::from(u16::from_be_bytes(be(&mut packed)?));
        out.push((id, IdentityKey::from_bytes(take(&mut packed, n)?).js()?));
    }
    Ok(out)
}

fn unpack_ids(mut packed: &[u8]) -> JsResult<Vec<u32>> {
    let mut out = Vec::new();
    while !packed.is_empty() {
        out.push(u32::from_be_bytes(be(&mut packed)?));
    }
    Ok(out)
}

fn unpack_contacts(mut packed: &[u8]) -> JsResult<Vec<LinkContact>> {
    let mut out = Vec::new();
    while !packed.is_empty() {
        let user_key = UserIdentityKey::from_bytes(take(&mut packed, 33)?).js()?;
        let [verified, n] = be::<2>(&mut packed)?;
        let name = core::str::from_utf8(take(&mut packed, usize::from(n))?)
            .map_err(|_| INVALID())?
            .to_string();
        out.push(LinkContact {
            user_key,
            verified: verified != 0,
            name,
        });
    }
    Ok(out)
}

fn pack_contacts(contacts: &[LinkContact]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in contacts {
        out.extend_from_slice(&c.user_key.to_bytes());
        out.push(u8::from(c.verified));
        out.push(u8::try_from(c.name.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(c.name.as_bytes());
    }
    out
}

fn user_key(bytes: &[u8]) -> JsResult<UserIdentityKey> {
    UserIdentityKey::from_bytes(bytes).js()
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

/// Checks a user identity key (33 bytes, §18.1).
#[wasm_bindgen]
pub fn check_user_key(bytes: &[u8]) -> JsResult<()> {
    user_key(bytes).map(|_| ())
}

/// The 60-digit safety number of two people's user keys (§18.7).
#[wasm_bindgen]
pub fn user_safety_number(local: &[u8], remote: &[u8]) -> JsResult<String> {
    Ok(SafetyNumber::for_users(&user_key(local)?, &user_key(remote)?).digits())
}

/// A person's user identity ([`UserIdentity`]): signs their device list.
#[wasm_bindgen]
pub struct WasmUserIdentity {
    inner: UserIdentity,
}

#[wasm_bindgen]
impl WasmUserIdentity {
    pub fn create(draws: &[u8]) -> JsResult<WasmUserIdentity> {
        with_rng(draws, |rng| UserIdentity::new(rng)).map(|inner| WasmUserIdentity { inner })
    }

    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmUserIdentity> {
        UserIdentity::unseal(&storage_key(key)?, sealed)
            .js()
            .map(|inner| WasmUserIdentity { inner })
    }

    pub fn seal(&self, key: &[u8], draws: &[u8]) -> JsResult<Vec<u8>> {
        let key = storage_key(key)?;
        with_rng(draws, |rng| self.inner.seal(&key, rng))
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key().to_bytes().to_vec()
    }

    /// The committed list, if any.
    pub fn device_list(&self) -> Option<WasmDeviceList> {
        self.inner.device_list().cloned().map(WasmDeviceList::wrap)
    }

    /// [`UserIdentity::sign_device_list`] (pure).
    pub fn sign_device_list(
        &self,
        add: &[u8],
        remove: &[u8],
        now: f64,
    ) -> JsResult<WasmDeviceList> {
        let add = unpack_additions(add)?;
        let remove = unpack_ids(remove)?;
        self.inner
            .sign_device_list(&add, &remove, secs(now)?)
            .js()
            .map(WasmDeviceList::wrap)
    }

    pub fn commit_device_list(&mut self, list: &WasmDeviceList) -> JsResult<()> {
        self.inner.commit_device_list(&list.inner).js()
    }

    pub fn certify_device(&self, device_id: u32) -> JsResult<WasmCertificate> {
        self.inner
            .certify_device(device_id)
            .js()
            .map(|inner| WasmCertificate { inner })
    }
}

/// A signed device list ([`DeviceList`]), with the change of the last
/// `update`.
#[wasm_bindgen]
pub struct WasmDeviceList {
    inner: DeviceList,
    change: DeviceListChange,
}

impl WasmDeviceList {
    fn wrap(inner: DeviceList) -> WasmDeviceList {
        WasmDeviceList {
            inner,
            change: DeviceListChange::default(),
        }
    }
}

#[wasm_bindgen]
impl WasmDeviceList {
    pub fn from_bytes(bytes: &[u8], expected_user: &[u8]) -> JsResult<WasmDeviceList> {
        DeviceList::from_bytes(bytes, &user_key(expected_user)?)
            .js()
            .map(WasmDeviceList::wrap)
    }

    pub fn from_bytes_first_use(bytes: &[u8]) -> JsResult<WasmDeviceList> {
        DeviceList::from_bytes_first_use(bytes)
            .js()
            .map(WasmDeviceList::wrap)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    pub fn user_key(&self) -> Vec<u8> {
        self.inner.user_key().to_bytes().to_vec()
    }

    pub fn version(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.inner.version() as f64;
        v
    }

    /// The entries, packed.
    pub fn entries(&self) -> Vec<u8> {
        pack_entries(self.inner.entries().iter())
    }

    /// [`DeviceList::update`]: the new list; its change (from this list) is
    /// then in its `added` / `removed`.
    pub fn update(&self, new_bytes: &[u8]) -> JsResult<WasmDeviceList> {
        let (inner, change) = self.inner.update(new_bytes).js()?;
        Ok(WasmDeviceList { inner, change })
    }

    /// The entries added by the `update` that made this list, packed.
    pub fn added(&self) -> Vec<u8> {
        pack_entries(self.change.added.iter())
    }

    /// The entries removed by the `update` that made this list, packed.
    pub fn removed(&self) -> Vec<u8> {
        pack_entries(self.change.removed.iter())
    }
}

/// A device certificate ([`DeviceCertificate`]).
#[wasm_bindgen]
pub struct WasmCertificate {
    inner: DeviceCertificate,
}

#[wasm_bindgen]
impl WasmCertificate {
    pub fn from_bytes(bytes: &[u8], expected_user: &[u8]) -> JsResult<WasmCertificate> {
        DeviceCertificate::from_bytes(bytes, &user_key(expected_user)?)
            .js()
            .map(|inner| WasmCertificate { inner })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    pub fn user_key(&self) -> Vec<u8> {
        self.inner.user_key().to_bytes().to_vec()
    }

    pub fn device_id(&self) -> u32 {
        self.inner.device_id()
    }

    pub fn device_identity(&self) -> Vec<u8> {
        self.inner.device_identity().to_bytes()
    }

    pub fn list_version(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.inner.list_version() as f64;
        v
    }

    /// Checks that the certificate names the device with this identity record.
    pub fn verify_device(&self, identity: &[u8]) -> JsResult<()> {
        let identity = IdentityKey::from_bytes(identity).js()?;
        self.inner.verify_device(&identity).js()
    }

    pub fn verify_in_list(&self, list: &WasmDeviceList) -> JsResult<()> {
        self.inner.verify_in_list(&list.inner).js()
    }
}

/// The new device's side of linking ([`LinkOffer`]).
#[wasm_bindgen]
pub struct WasmLinkOffer {
    inner: LinkOffer,
}

#[wasm_bindgen]
impl WasmLinkOffer {
    /// An offer for the account sealed under `key` (the main module's
    /// `Account.seal`).
    pub fn create(
        key: &[u8],
        sealed_account: &[u8],
        now: f64,
        ttl: f64,
        draws: &[u8],
    ) -> JsResult<WasmLinkOffer> {
        let account = Account::unseal(&storage_key(key)?, sealed_account).js()?;
        let (now, ttl) = (secs(now)?, secs(ttl)?);
        with_rng(draws, |rng| LinkOffer::new(&account, now, ttl, rng))
            .map(|inner| WasmLinkOffer { inner })
    }

    pub fn qr_payload(&self) -> Vec<u8> {
        self.inner.qr_payload()
    }

    pub fn expires_at(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.inner.expires_at() as f64;
        v
    }

    pub fn is_used(&self) -> bool {
        self.inner.is_used()
    }

    pub fn complete(&mut self, response: &[u8], now: f64) -> JsResult<WasmLinkedDevice> {
        let now = secs(now)?;
        self.inner
            .complete(response, now)
            .js()
            .map(|inner| WasmLinkedDevice { inner })
    }
}

/// What the new device learned ([`LinkedDevice`]).
#[wasm_bindgen]
pub struct WasmLinkedDevice {
    inner: LinkedDevice,
}

#[wasm_bindgen]
impl WasmLinkedDevice {
    pub fn user_key(&self) -> Vec<u8> {
        self.inner.user_key().to_bytes().to_vec()
    }

    pub fn device_id(&self) -> u32 {
        self.inner.device_id()
    }

    pub fn device_list(&self) -> WasmDeviceList {
        WasmDeviceList::wrap(self.inner.device_list().clone())
    }

    pub fn certificate(&self) -> Vec<u8> {
        self.inner.certificate().to_bytes()
    }

    pub fn contacts(&self) -> Vec<u8> {
        pack_contacts(self.inner.contacts())
    }

    pub fn code(&self) -> String {
        self.inner.code().to_string()
    }
}

/// A scanned offer on the primary device ([`ScannedOffer`]), and the last
/// response it made.
#[wasm_bindgen]
pub struct WasmScannedOffer {
    inner: ScannedOffer,
}

#[wasm_bindgen]
impl WasmScannedOffer {
    pub fn from_qr(bytes: &[u8], now: f64) -> JsResult<WasmScannedOffer> {
        ScannedOffer::from_qr(bytes, secs(now)?)
            .js()
            .map(|inner| WasmScannedOffer { inner })
    }

    /// The new device's account identity record.
    pub fn identity(&self) -> Vec<u8> {
        self.inner.identity().to_bytes()
    }

    pub fn expires_at(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.inner.expires_at() as f64;
        v
    }

    /// [`ScannedOffer::respond`] (pure for `user`).
    pub fn respond(
        &self,
        user: &WasmUserIdentity,
        device_id: u32,
        contacts: &[u8],
        now: f64,
        draws: &[u8],
    ) -> JsResult<WasmLinkResponse> {
        let contacts = unpack_contacts(contacts)?;
        let now = secs(now)?;
        let r = with_rng(draws, |rng| {
            self.inner
                .respond(&user.inner, device_id, &contacts, now, rng)
        })?;
        Ok(WasmLinkResponse {
            bytes: r.to_bytes(),
            code: r.code().to_string(),
            list: r.device_list().clone(),
            certificate: r.certificate().to_bytes(),
        })
    }
}

/// The primary's answer ([`sotto::link::LinkResponse`]).
#[wasm_bindgen]
pub struct WasmLinkResponse {
    bytes: Vec<u8>,
    code: String,
    list: DeviceList,
    certificate: Vec<u8>,
}

#[wasm_bindgen]
impl WasmLinkResponse {
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    pub fn code(&self) -> String {
        self.code.clone()
    }

    pub fn device_list(&self) -> WasmDeviceList {
        WasmDeviceList::wrap(self.list.clone())
    }

    pub fn certificate(&self) -> Vec<u8> {
        self.certificate.clone()
    }
}
