//! §17.2–17.3: routing an incoming message to a session of the record, and
//! which session becomes current.

use super::SessionRecord;
use crate::account::Account;
use crate::handshake::SessionContext;
use crate::message::{MessageParts, MessageType, PrekeyMessage, message_type};
use crate::ratchet::ReceiveStep;
use crate::session::{Accepted, Session};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Where the session that decrypts a message is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    Current,
    Archived(usize),
}

/// A planned decryption (§17.2) and its promotion (§17.3), not committed.
/// Short-lived (between a plan and its commit), so its size does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Plan {
    /// In a session the record holds.
    Existing {
        slot: Slot,
        step: ReceiveStep,
        promote: bool,
    },
    /// A new session from a prekey message.
    New {
        accepted: Box<Accepted>,
        promote: bool,
    },
}

impl Plan {
    /// The planned ratchet step (its plaintext, before the commit).
    pub(crate) const fn step(&self) -> &ReceiveStep {
        match self {
            Plan::Existing { step, .. } => step,
            Plan::New { accepted, .. } => accepted.step(),
        }
    }
}

impl SessionRecord {
    /// Decrypts any message from the peer device (§17.2) and promotes the
    /// session that decrypted it (§17.3).
    ///
    /// - A prekey message of a session the record holds is decrypted by that
    ///   session; one of an unknown session creates a session through
    ///   `account` (as [`Session::accept`], which consumes its one-time
    ///   prekeys), with `context` this side's context for the peer.
    /// - A normal message is routed by trial decryption of its header under
    ///   the header keys of the current session, then of the archived ones
    ///   newest first; only the first session whose header key opens it
    ///   decrypts its body.
    ///
    /// A session other than the current one that decrypts a message becomes
    /// current, except while the current session is our own initiation that
    /// the peer has not answered, with the same peer identity: then the other
    /// session becomes current only if its id is smaller (byte order) than
    /// the current one's, and is otherwise archived. Both sides of a
    /// simultaneous initiation so settle on the session with the smaller id.
    ///
    /// Transactional: on any error neither the record nor the account change.
    /// A session's identity may differ from the previous one's after the
    /// peer reinstalled: check [`remote_identity`](Self::remote_identity).
    ///
    /// # Errors
    /// A decoding error; for a normal message [`Error::DecryptionFailed`]
    /// when no session's header key opens it, else the error of
    /// [`Session::decrypt`] in the session whose key opened it; for a prekey
    /// message of a known session, that of [`Session::decrypt`]; for a new
    /// one, that of [`Session::accept`].
    pub fn decrypt(
        &mut self,
        account: &mut Account,
        message: &[u8],
        context: &SessionContext<'_>,
    ) -> Result<Vec<u8>> {
        let plan = self.plan_decrypt(account, message, context)?;
        self.commit_decrypt(account, plan)
    }

    /// [`decrypt`](Self::decrypt) without changing anything: where the
    /// message goes, its decryption, and whether that session becomes
    /// current.
    pub(crate) fn plan_decrypt(
        &self,
        account: &Account,
        message: &[u8],
        context: &SessionContext<'_>,
    ) -> Result<Plan> {
        match message_type(message)? {
            MessageType::Prekey => {
                let id = PrekeyMessage::from_bytes(message)?.session_id();
                match self.find(|s| s.id() == id) {
                    Some(slot) => self.plan_in(slot, message),
                    None => {
                        let accepted = Session::plan_accept(account, message, context, None)?;
                        let promote = self.may_replace_current(accepted.session());
                        Ok(Plan::New {
                            accepted: Box::new(accepted),
                            promote,
                        })
                    }
                }
            }
            MessageType::Normal => {
                let parts = MessageParts::parse(message)?;
                let slot = self
                    .find(|s| s.opens_header(&parts))
                    .ok_or(Error::DecryptionFailed)?;
                self.plan_in(slot, message)
            }
        }
    }

    /// The session a plan of [`plan_decrypt`](Self::plan_decrypt) decrypts
    /// in (held, or new), to check its remote identity before the commit.
    pub(crate) fn planned_session<'a>(&'a self, plan: &'a Plan) -> Option<&'a Session> {
        match plan {
            Plan::New { accepted, .. } => Some(accepted.session()),
            Plan::Existing {
                slot: Slot::Current,
                ..
            } => self.current.as_deref(),
            Plan::Existing {
                slot: Slot::Archived(index),
                ..
            } => self.archived.get(*index).map(|s| &**s),
        }
    }

    /// Commits a plan of [`plan_decrypt`](Self::plan_decrypt), made on this
    /// record and account unchanged since.
    pub(crate) fn commit_decrypt(&mut self, account: &mut Account, plan: Plan) -> Result<Vec<u8>> {
        match plan {
            Plan::New { accepted, promote } => {
                let (session, plaintext) = accepted.commit(account);
                let session = Box::new(session);
                if promote {
                    self.make_current(session);
                } else {
                    self.archive(session);
                }
                Ok(plaintext)
            }
            Plan::Existing {
                slot: Slot::Current,
                step,
                ..
            } => {
                let session = self.current.as_mut().ok_or(Error::Internal)?;
                Ok(session.commit_decrypt(step))
            }
            Plan::Existing {
                slot: Slot::Archived(index),
                step,
                promote,
            } => {
                if index >= self.archived.len() {
                    return Err(Error::Internal);
                }
                let mut session = self.archived.remove(index);
                let plaintext = session.commit_decrypt(step);
                if promote {
                    self.make_current(session);
                } else {
                    self.archived.insert(index, session);
                }
                Ok(plaintext)
            }
        }
    }

    /// Plans the decryption in one session, and decides its promotion.
    fn plan_in(&self, slot: Slot, message: &[u8]) -> Result<Plan> {
        let (session, promote) = match slot {
            Slot::Current => (self.current.as_deref().ok_or(Error::Internal)?, false),
            Slot::Archived(index) => {
                let session = self.archived.get(index).ok_or(Error::Internal)?;
                (&**session, self.may_replace_current(session))
            }
        };
        let step = session.plan_decrypt(message)?;
        Ok(Plan::Existing {
            slot,
            step,
            promote,
        })
    }

    /// The first session (current, then archived newest first) matching.
    fn find(&self, matches: impl Fn(&Session) -> bool) -> Option<Slot> {
        if self.current.as_deref().is_some_and(&matches) {
            return Some(Slot::Current);
        }
        self.archived
            .iter()
            .position(|s| matches(s))
            .map(Slot::Archived)
    }

    /// The convergence rule of §17.3.
    fn may_replace_current(&self, candidate: &Session) -> bool {
        match self.awaiting_own_initiation() {
            Some(current)
                if current.remote_identity().key_bytes()
                    == candidate.remote_identity().key_bytes() =>
            {
                candidate.id() < current.id()
            }
            _ => true,
        }
    }
}
