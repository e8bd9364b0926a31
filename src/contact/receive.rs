//! §20.4: receiving a message from one device of a person.

use super::Contact;
use super::address::{Addresses, DeviceAddress, split_payload};
use crate::account::Account;
use crate::person::UserIdentityKey;
use crate::record::SessionRecord;
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;

/// A message decrypted by [`Contact::decrypt`].
#[derive(Clone, PartialEq, Eq)]
pub struct Received {
    /// The device that sent it.
    pub from: DeviceAddress,
    /// The person the message is addressed to: the receiver's own person
    /// for a message from another person; for a copy from one of the
    /// receiver's own devices, the person that device wrote to (file it in
    /// that conversation).
    pub to: UserIdentityKey,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("plaintext", &"<redacted>")
            .finish()
    }
}

impl Contact {
    /// Decrypts a message that device `from_device` of this person sent to
    /// `me` (PROTOCOL.md §20.4): routed through that device's record
    /// (§17.2, creating a session from a prekey message through `account`),
    /// accepted only from a listed device whose session peer is the listed
    /// identity.
    ///
    /// `from_device` is the sender's device id as the transport reports
    /// it; a lie only makes the message fail (the session's identity must
    /// be that device's). Transactional: on error neither the contact nor
    /// the account changes, so a message refused because the list is
    /// stale decrypts once the newer list is imported.
    ///
    /// # Errors
    /// [`Error::UnknownDevice`] when the list does not name `from_device`
    /// (or it is `me`), or the session that decrypts the message has
    /// another peer identity than the listed one; [`Error::Malformed`] when
    /// the payload's addressee is not `me`'s person (from another person) or
    /// is `me`'s person (from one's own device); else the errors of
    /// [`SessionRecord::decrypt`].
    pub fn decrypt(
        &mut self,
        account: &mut Account,
        me: &DeviceAddress,
        from_device: u32,
        message: &[u8],
    ) -> Result<Received> {
        let own = self.user_key() == &me.user;
        if own && from_device == me.device_id {
            return Err(Error::UnknownDevice);
        }
        let entry = self.list.device(from_device).ok_or(Error::UnknownDevice)?;
        let from = DeviceAddress::new(*self.user_key(), from_device);
        let addresses = Addresses::new(me, &from);
        let empty = SessionRecord::new();
        let record = self.record(from_device).unwrap_or(&empty);
        let plan = record.plan_decrypt(account, message, &addresses.context())?;
        let session = record.planned_session(&plan).ok_or(Error::Internal)?;
        if session.remote_identity() != &entry.identity {
            return Err(Error::UnknownDevice);
        }
        let (to, _) = split_payload(plan.step().plaintext())?;
        if (to == me.user) == own {
            return Err(Error::Malformed);
        }
        let payload = match self
            .records
            .binary_search_by_key(&from_device, |(id, _)| *id)
        {
            Ok(at) => self
                .records
                .get_mut(at)
                .ok_or(Error::Internal)?
                .1
                .commit_decrypt(account, plan)?,
            Err(at) => {
                // A new record joins the contact only once it holds the session.
                let mut record = SessionRecord::new();
                let payload = record.commit_decrypt(account, plan)?;
                self.records.insert(at, (from_device, record));
                payload
            }
        };
        let (_, plaintext) = split_payload(&payload)?;
        Ok(Received {
            from,
            to,
            plaintext: plaintext.to_vec(),
        })
    }
}
