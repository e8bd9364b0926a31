//! Sending to a person: one call encrypts for every device of the recipient
//! and every other device of the sender (PROTOCOL.md §20).
//!
//! A [`Contact`] is what one device holds about one person: the person's
//! verified [`DeviceList`] and one [`SessionRecord`] per listed device. The
//! sender keeps a `Contact` for every person it talks to and one for itself
//! (its own list: the copies for its other devices). [`send_to_person`]
//! encrypts one plaintext for every device of both, through each device's
//! current session or a new one from a bundle, and reports per device what
//! happened; [`Contact::decrypt`] refuses a message from a device the list
//! does not name, or from a session whose identity is not the listed one
//! ([`Error::UnknownDevice`]). Every call is
//! transactional: on error nothing changes.
//!
//! ```
//! use sotto::contact::{Contact, DeviceAddress, Outcome, send_to_person};
//! use sotto::person::UserIdentity;
//! use sotto::{Account, DeviceList, OsRng};
//!
//! // Alice has one device; Bob a phone and a laptop.
//! let alice_phone = Account::new(&mut OsRng)?;
//! let mut alice = UserIdentity::new(&mut OsRng)?;
//! let alice_list = alice.sign_device_list(&[(1, alice_phone.identity_key().clone())], &[], 0)?;
//! let (mut bob_phone, mut bob_laptop) = (Account::new(&mut OsRng)?, Account::new(&mut OsRng)?);
//! let mut bob = UserIdentity::new(&mut OsRng)?;
//! let bob_list = bob.sign_device_list(
//!     &[(1, bob_phone.identity_key().clone()), (2, bob_laptop.identity_key().clone())], &[], 0)?;
//!
//! // Alice's phone holds her own list and Bob's (verified by his user key).
//! let me = DeviceAddress::new(alice.public_key(), 1);
//! let mut own = Contact::new(alice_list.clone());
//! let mut to_bob = Contact::new(DeviceList::from_bytes(&bob_list.to_bytes(), &bob.public_key())?);
//! // No session yet: fetch a bundle for each device that lacks one.
//! let bundles = vec![
//!     (DeviceAddress::new(bob.public_key(), 1), bob_phone.prekey_bundle()?),
//!     (DeviceAddress::new(bob.public_key(), 2), bob_laptop.prekey_bundle()?),
//! ];
//! assert_eq!(to_bob.devices_without_session(&me).len(), 2);
//! let report = send_to_person(&alice_phone, &me, &mut own, &mut to_bob, &bundles, b"hi Bob", &mut OsRng)?;
//!
//! // Each of Bob's devices decrypts its own copy with its contact for Alice.
//! for (delivery, account) in report.iter().zip([&mut bob_phone, &mut bob_laptop]) {
//!     let Outcome::Sent { message, .. } = &delivery.outcome else { panic!() };
//!     let bob_device = DeviceAddress::new(bob.public_key(), delivery.to.device_id);
//!     let mut from_alice = Contact::new(DeviceList::from_bytes(&alice_list.to_bytes(), &alice.public_key())?);
//!     let received = from_alice.decrypt(account, &bob_device, 1, message)?;
//!     assert_eq!(received.plaintext, b"hi Bob");
//! }
//! # Ok::<(), sotto::Error>(())
//! ```

mod address;
mod persist;
mod receive;
mod send;

pub use address::{DEVICE_ADDRESS_LEN, DeviceAddress, MAX_FANOUT_PLAINTEXT_LEN};
pub use persist::MAX_SEALED_CONTACT_LEN;
pub use receive::Received;
pub use send::{Delivery, Outcome, send_to_person};

use crate::person::{DeviceList, DeviceListChange, UserIdentityKey};
use crate::record::SessionRecord;
use crate::{Error, Result};
use alloc::vec::Vec;

/// What one device holds about one person: the person's verified device
/// list and one session record per listed device that has a session
/// (PROTOCOL.md §20.2).
///
/// Not `Clone` (it holds sessions): keep one live copy and persist it with
/// [`seal`](Self::seal) after every call that changed it.
#[derive(Debug)]
pub struct Contact {
    list: DeviceList,
    /// Non-empty records of listed devices, by ascending device id.
    records: Vec<(u32, SessionRecord)>,
}

impl Contact {
    /// A contact holding `list` (decoded and verified with
    /// [`DeviceList::from_bytes`], or the own committed list) and no session.
    pub const fn new(list: DeviceList) -> Self {
        Contact {
            list,
            records: Vec::new(),
        }
    }

    /// The person's verified device list.
    pub const fn list(&self) -> &DeviceList {
        &self.list
    }

    /// The person's user identity key.
    pub const fn user_key(&self) -> &UserIdentityKey {
        self.list.user_key()
    }

    /// The session record with device `device_id`, if there is one.
    pub fn record(&self, device_id: u32) -> Option<&SessionRecord> {
        self.records
            .iter()
            .find(|(id, _)| *id == device_id)
            .map(|(_, record)| record)
    }

    /// Device ids that have a session record, ascending.
    pub fn devices_with_session(&self) -> Vec<u32> {
        self.records.iter().map(|(id, _)| *id).collect()
    }

    /// The listed devices, other than `me`, without a session whose peer is
    /// the listed identity: fetch a bundle for each before
    /// [`send_to_person`] (without one they are reported as
    /// [`Outcome::NeedsBundle`]).
    pub fn devices_without_session(&self, me: &DeviceAddress) -> Vec<DeviceAddress> {
        self.list
            .entries()
            .iter()
            .filter(|e| !(self.user_key() == &me.user && e.device_id == me.device_id))
            .filter(|e| {
                self.record(e.device_id)
                    .and_then(SessionRecord::remote_identity)
                    != Some(&e.identity)
            })
            .map(|e| DeviceAddress::new(*self.user_key(), e.device_id))
            .collect()
    }

    /// Imports a newer device list of the person (PROTOCOL.md §18.4) and
    /// drops the session records of every device it no longer lists, or
    /// lists with another identity (§20.5): a removed device neither receives
    /// copies nor delivers messages any more.
    ///
    /// # Errors
    /// As [`DeviceList::update`] (a ghost device is
    /// [`Error::BadSignature`], an older list [`Error::Rollback`]); on
    /// error nothing changes.
    pub fn update_list(&mut self, new_bytes: &[u8]) -> Result<DeviceListChange> {
        let (list, change) = self.list.update(new_bytes)?;
        self.records
            .retain(|(id, _)| !change.removed.iter().any(|r| r.device_id == *id));
        self.list = list;
        Ok(change)
    }

    /// The record of `device_id`, created empty if absent (callers then
    /// make a session current in it at once, infallibly).
    fn record_entry(&mut self, device_id: u32) -> Result<&mut SessionRecord> {
        let at = match self.records.binary_search_by_key(&device_id, |(id, _)| *id) {
            Ok(at) => at,
            Err(at) => {
                self.records.insert(at, (device_id, SessionRecord::new()));
                at
            }
        };
        self.records
            .get_mut(at)
            .map(|(_, record)| record)
            .ok_or(Error::Internal)
    }
}
