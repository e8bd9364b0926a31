//! §20.3: the fan-out of one plaintext to every device of a person and every
//! other device of the sender.

use super::Contact;
use super::address::{Addresses, DeviceAddress, payload};
use crate::account::Account;
use crate::bundle::PrekeyBundle;
use crate::error::Error;
use crate::person::DeviceEntry;
use crate::ratchet::SendStep;
use crate::session::Session;
use crate::{Result, SessionRecord};
use alloc::boxed::Box;
use alloc::vec::Vec;
use rand_core::TryCryptoRng;

/// What happened for one device in [`send_to_person`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A message for the device: hand it to the server addressed to
    /// [`Delivery::to`]. `new_session` when a session was created from the
    /// supplied bundle (the message is then a prekey message).
    Sent {
        /// The §7 message for this device.
        message: Vec<u8>,
        /// Whether the session was created by this call.
        new_session: bool,
    },
    /// No session with the device and no bundle was supplied: nothing was
    /// sent to it. Fetch its bundle and send again to reach it.
    NeedsBundle,
    /// The supplied bundle was refused, nothing was sent to the device:
    /// [`Error::UnknownDevice`] when its identity is not the one the list
    /// names for the device.
    BundleRejected(Error),
}

/// One device's line of the report of [`send_to_person`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The device.
    pub to: DeviceAddress,
    /// What happened.
    pub outcome: Outcome,
}

/// A planned delivery, committed only when every device is planned.
/// Short-lived (between the plan and its commit), so its size does not
/// matter.
#[allow(clippy::large_enum_variant)]
enum Planned {
    Existing(u32, SendStep),
    New(u32, Box<Session>),
    Nothing,
}

/// Encrypts `plaintext` for every device of `recipient` and every other
/// device of the sender (PROTOCOL.md §20.3), and reports per device what
/// happened, recipient devices first, then the sender's own, each by
/// ascending device id.
///
/// `me` is this device (its person's user key and its id in `own`'s list),
/// `own` the sender's own contact (its own list; the copies to its other
/// devices go through its records), `bundles` prekey bundles of devices
/// without a session (see [`Contact::devices_without_session`]). Each
/// device gets `UK_recipient || plaintext` through its current session, or
/// through a new one from its bundle when it has none whose peer is the
/// listed identity; a device with neither is [`Outcome::NeedsBundle`]. A
/// bundle whose identity is not the listed one is
/// [`Outcome::BundleRejected`] and nothing is sent to that device.
///
/// Transactional: every device is planned first (draws, in device order:
/// the initiation's draws then the encryption's); only when all are
/// planned are the records changed, so on error nothing changes.
///
/// # Errors
/// [`Error::InvalidArgument`] when `own` is not `me`'s person, `recipient`
/// is, or two bundles name one device; [`Error::UnknownDevice`] when
/// `own`'s list does not name `me` with `account`'s identity (this device
/// was removed), or a bundle names a device that is not a target;
/// [`Error::TooLarge`] above
/// [`MAX_FANOUT_PLAINTEXT_LEN`](super::MAX_FANOUT_PLAINTEXT_LEN);
/// [`Error::Randomness`]; [`Error::LimitExceeded`] from a session.
pub fn send_to_person<R: TryCryptoRng + ?Sized>(
    account: &Account,
    me: &DeviceAddress,
    own: &mut Contact,
    recipient: &mut Contact,
    bundles: &[(DeviceAddress, PrekeyBundle)],
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<Delivery>> {
    if own.user_key() != &me.user || recipient.user_key() == &me.user {
        return Err(Error::InvalidArgument);
    }
    if own
        .list
        .device(me.device_id)
        .is_none_or(|e| &e.identity != account.identity_key())
    {
        return Err(Error::UnknownDevice);
    }
    let payload = payload(recipient.user_key(), plaintext)?;
    let is_target = |to: &DeviceAddress| {
        let contact: &Contact = if &to.user == recipient.user_key() {
            recipient
        } else {
            own
        };
        contact.user_key() == &to.user && contact.list.device(to.device_id).is_some() && to != me
    };
    // §20.3 check 4: every address first, then duplicates, so a call that
    // breaks both rules fails with UNKNOWN_DEVICE whatever the order.
    if !bundles.iter().all(|(to, _)| is_target(to)) {
        return Err(Error::UnknownDevice);
    }
    for (i, (to, _)) in bundles.iter().enumerate() {
        if bundles.iter().take(i).any(|(other, _)| other == to) {
            return Err(Error::InvalidArgument);
        }
    }
    let mut report = Vec::new();
    let mut plans = Vec::new();
    for contact in [&*recipient, &*own] {
        let mut planned = Vec::new();
        for entry in contact.list.entries() {
            let to = DeviceAddress::new(*contact.user_key(), entry.device_id);
            if &to == me {
                continue;
            }
            let bundle = bundles.iter().find(|(a, _)| a == &to).map(|(_, b)| b);
            let (plan, outcome) = plan_device(account, me, contact, entry, bundle, &payload, rng)?;
            report.push(Delivery { to, outcome });
            planned.push(plan);
        }
        plans.push(planned);
    }
    // Every device is planned: commit (nothing below fails on valid state).
    for (contact, planned) in [&mut *recipient, &mut *own].into_iter().zip(plans) {
        for plan in planned {
            match plan {
                Planned::Existing(device_id, step) => contact
                    .record_entry(device_id)?
                    .current_mut()
                    .ok_or(Error::Internal)?
                    .commit_encrypt(step),
                Planned::New(device_id, session) => contact.record_entry(device_id)?.adopt(session),
                Planned::Nothing => {}
            }
        }
    }
    Ok(report)
}

/// Plans the delivery to one device, changing nothing.
fn plan_device<R: TryCryptoRng + ?Sized>(
    account: &Account,
    me: &DeviceAddress,
    contact: &Contact,
    entry: &DeviceEntry,
    bundle: Option<&PrekeyBundle>,
    payload: &[u8],
    rng: &mut R,
) -> Result<(Planned, Outcome)> {
    let current = contact
        .record(entry.device_id)
        .and_then(SessionRecord::current)
        .filter(|s| s.remote_identity() == &entry.identity);
    if let Some(session) = current {
        let (message, step) = session.plan_encrypt(payload, rng)?;
        let outcome = Outcome::Sent {
            message,
            new_session: false,
        };
        return Ok((Planned::Existing(entry.device_id, step), outcome));
    }
    let Some(bundle) = bundle else {
        return Ok((Planned::Nothing, Outcome::NeedsBundle));
    };
    if bundle.identity() != &entry.identity {
        return Ok((
            Planned::Nothing,
            Outcome::BundleRejected(Error::UnknownDevice),
        ));
    }
    let to = DeviceAddress::new(*contact.user_key(), entry.device_id);
    let addresses = Addresses::new(me, &to);
    let mut session = Box::new(Session::initiate(
        account,
        bundle,
        &addresses.context(),
        rng,
    )?);
    let message = session.encrypt(payload, rng)?;
    let outcome = Outcome::Sent {
        message,
        new_session: true,
    };
    Ok((Planned::New(entry.device_id, session), outcome))
}
