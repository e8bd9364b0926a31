//! Sending to a person (PROTOCOL.md §20): a [`Contact`] (one person's
//! verified device list and a session record per device) and
//! [`send_to_person`], the raw layer of the `Contact` class and the
//! `sendToPerson` function of `sotto/multidevice` (`pkg/src/records.js`).
//! Behind the crate feature `contact` (with `records`; see `record.rs`).
//!
//! Packed values (the JavaScript layer builds and reads them):
//! - a device address: `UK (33) || u32 BE device id` (37 bytes, §20.1);
//! - bundles: `(address || u32 BE length || encoded bundle) × n`;
//! - a delivery report: per device, in the core's order, `address ||
//!   u8 outcome` then, for 0 (sent), `u8 new_session || u32 BE length ||
//!   message`; nothing for 1 (needs a bundle); for 2 (bundle rejected),
//!   `u32 BE error code`.

use super::draws::Draws;
use super::{IntoJs, JsResult, WasmAccount, code, storage_key};
use sotto::contact::{Contact, DEVICE_ADDRESS_LEN, DeviceAddress, Outcome, send_to_person};
use sotto::person::USER_IDENTITY_KEY_LEN;
use sotto::{DeviceList, Error, PrekeyBundle, Session, SessionRecord, UserIdentityKey};
use wasm_bindgen::prelude::*;

fn invalid() -> JsValue {
    code(Error::InvalidArgument)
}

/// Decodes a packed device address (37 bytes).
fn address(bytes: &[u8]) -> JsResult<DeviceAddress> {
    if bytes.len() != DEVICE_ADDRESS_LEN {
        return Err(invalid());
    }
    let (user, id) = bytes
        .split_at_checked(USER_IDENTITY_KEY_LEN)
        .ok_or_else(invalid)?;
    let id: [u8; 4] = id.try_into().map_err(|_| invalid())?;
    Ok(DeviceAddress::new(
        UserIdentityKey::from_bytes(user).js()?,
        u32::from_be_bytes(id),
    ))
}

/// Splits `n` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> JsResult<&'a [u8]> {
    let (head, tail) = rest.split_at_checked(n).ok_or_else(invalid)?;
    *rest = tail;
    Ok(head)
}

/// Decodes packed bundles (see the module documentation).
fn bundles(mut packed: &[u8]) -> JsResult<Vec<(DeviceAddress, PrekeyBundle)>> {
    let mut out = Vec::new();
    while !packed.is_empty() {
        let to = address(take(&mut packed, DEVICE_ADDRESS_LEN)?)?;
        let len: [u8; 4] = take(&mut packed, 4)?.try_into().map_err(|_| invalid())?;
        let len = usize::try_from(u32::from_be_bytes(len)).map_err(|_| invalid())?;
        out.push((to, PrekeyBundle::from_bytes(take(&mut packed, len)?).js()?));
    }
    Ok(out)
}

fn len_u32(n: usize) -> JsResult<[u8; 4]> {
    Ok(u32::try_from(n)
        .map_err(|_| code(Error::Internal))?
        .to_be_bytes())
}

/// What one device holds about one person ([`Contact`]).
#[wasm_bindgen]
pub struct WasmContact {
    inner: Contact,
}

impl WasmContact {
    /// The current session with `device_id`, if any.
    fn current(&self, device_id: u32) -> Option<&Session> {
        self.inner
            .record(device_id)
            .and_then(SessionRecord::current)
    }
}

#[wasm_bindgen]
impl WasmContact {
    /// A contact holding the device list `list`, decoded and verified
    /// against the person's 33-byte user key, and no session.
    pub fn create(list: &[u8], user_key: &[u8]) -> JsResult<WasmContact> {
        let user = UserIdentityKey::from_bytes(user_key).js()?;
        Ok(WasmContact {
            inner: Contact::new(DeviceList::from_bytes(list, &user).js()?),
        })
    }

    /// Restores a contact sealed by [`seal`](Self::seal).
    pub fn unseal(key: &[u8], sealed: &[u8]) -> JsResult<WasmContact> {
        Ok(WasmContact {
            inner: Contact::unseal(&storage_key(key)?, sealed).js()?,
        })
    }

    /// Seals the list and every record as one object (draws a 24-byte nonce).
    pub fn seal(&self, key: &[u8], draws: &[u8]) -> JsResult<Vec<u8>> {
        let key = storage_key(key)?;
        self.inner.seal(&key, &mut Draws::from(draws)).js()
    }

    /// The person's 33-byte user key.
    pub fn user_key(&self) -> Vec<u8> {
        self.inner.user_key().to_bytes().to_vec()
    }

    /// The encoded device list.
    pub fn list_bytes(&self) -> Vec<u8> {
        self.inner.list().to_bytes()
    }

    /// The list's version.
    pub fn list_version(&self) -> f64 {
        // Versions are below 2^53 in practice; exactness beyond is not needed
        // for display (the list bytes carry the exact value).
        #[allow(clippy::cast_precision_loss)]
        let version = self.inner.list().version() as f64;
        version
    }

    /// The listed device ids, ascending.
    pub fn device_ids(&self) -> Vec<u32> {
        self.inner
            .list()
            .entries()
            .iter()
            .map(|e| e.device_id)
            .collect()
    }

    /// The listed identity record of `device_id`.
    pub fn device_identity(&self, device_id: u32) -> Option<Vec<u8>> {
        self.inner
            .list()
            .device(device_id)
            .map(|e| e.identity.to_bytes())
    }

    /// Device ids that have a session record, ascending.
    pub fn devices_with_session(&self) -> Vec<u32> {
        self.inner.devices_with_session()
    }

    /// Listed device ids, other than `me` (a packed address), without a
    /// session whose peer is the listed identity.
    pub fn devices_without_session(&self, me: &[u8]) -> JsResult<Vec<u32>> {
        let me = address(me)?;
        Ok(self
            .inner
            .devices_without_session(&me)
            .iter()
            .map(|a| a.device_id)
            .collect())
    }

    /// Imports a newer list; returns `[added count, added ids..., removed
    /// ids...]`.
    pub fn update_list(&mut self, list: &[u8]) -> JsResult<Vec<u32>> {
        let change = self.inner.update_list(list).js()?;
        let mut out = vec![u32::try_from(change.added.len()).map_err(|_| invalid())?];
        out.extend(change.added.iter().map(|e| e.device_id));
        out.extend(change.removed.iter().map(|e| e.device_id));
        Ok(out)
    }

    /// Decrypts a message device `from_device` of this person sent to `me`
    /// (a packed address); returns `addressee UK (33) || plaintext`.
    pub fn decrypt(
        &mut self,
        account: &mut WasmAccount,
        me: &[u8],
        from_device: u32,
        message: &[u8],
    ) -> JsResult<Vec<u8>> {
        let me = address(me)?;
        let received = self
            .inner
            .decrypt(&mut account.inner, &me, from_device, message)
            .js()?;
        let mut out = received.to.to_bytes().to_vec();
        out.extend_from_slice(&received.plaintext);
        Ok(out)
    }

    /// The number of sessions with `device_id` (0 without a record).
    pub fn session_count(&self, device_id: u32) -> u32 {
        self.inner
            .record(device_id)
            .map_or(0, |r| u32::try_from(r.len()).unwrap_or(u32::MAX))
    }

    /// The current session id with `device_id`.
    pub fn current_id(&self, device_id: u32) -> Option<Vec<u8>> {
        self.current(device_id).map(|s| s.id().as_bytes().to_vec())
    }

    /// The peer identity of the current session with `device_id`.
    pub fn remote_identity(&self, device_id: u32) -> Option<Vec<u8>> {
        self.current(device_id)
            .map(|s| s.remote_identity().to_bytes())
    }

    /// Whether the current session with `device_id` runs ratchet version 2.
    pub fn uses_pq_ratchet(&self, device_id: u32) -> Option<bool> {
        self.current(device_id).map(Session::uses_pq_ratchet)
    }

    /// The KEM epoch of the current session with `device_id` (version 2).
    pub fn kem_epoch(&self, device_id: u32) -> Option<u32> {
        self.current(device_id).and_then(Session::kem_epoch)
    }
}

/// Encrypts `plaintext` for every device of `recipient` and every other
/// device of the sender ([`send_to_person`]); returns the packed report.
#[wasm_bindgen]
pub fn contact_send_to_person(
    account: &WasmAccount,
    me: &[u8],
    own: &mut WasmContact,
    recipient: &mut WasmContact,
    packed_bundles: &[u8],
    plaintext: &[u8],
    draws: &[u8],
) -> JsResult<Vec<u8>> {
    let me = address(me)?;
    let bundles = bundles(packed_bundles)?;
    let report = send_to_person(
        &account.inner,
        &me,
        &mut own.inner,
        &mut recipient.inner,
        &bundles,
        plaintext,
        &mut Draws::from(draws),
    )
    .js()?;
    let mut out = Vec::new();
    for delivery in report {
        out.extend_from_slice(&delivery.to.to_bytes());
        match delivery.outcome {
            Outcome::Sent {
                message,
                new_session,
            } => {
                out.push(0);
                out.push(u8::from(new_session));
                out.extend_from_slice(&len_u32(message.len())?);
                out.extend_from_slice(&message);
            }
            Outcome::NeedsBundle => out.push(1),
            Outcome::BundleRejected(error) => {
                out.push(2);
                out.extend_from_slice(&error.code().to_be_bytes());
            }
        }
    }
    Ok(out)
}
