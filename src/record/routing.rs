//! §17.2–17.3: routing an incoming message to a session of the record, and
//! which session becomes current.

use super::SessionRecord;
use crate::account::Account;
use crate::handshake::SessionContext;
use crate::message::{MessageParts, MessageType, PrekeyMessage, message_type};
use crate::session::Session;
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Where the session that decrypts a message is.
#[derive(Clone, Copy)]
enum Slot {
    Current,
    Archived(usize),
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
        match message_type(message)? {
            MessageType::Prekey => {
                let id = PrekeyMessage::from_bytes(message)?.session_id();
                match self.find(|s| s.id() == id) {
                    Some(slot) => self.decrypt_in(slot, message),
                    None => {
                        let accepted = Session::plan_accept(account, message, context, None)?;
                        // Nothing below can fail.
                        let (session, plaintext) = accepted.commit(account);
                        self.admit(Box::new(session));
                        Ok(plaintext)
                    }
                }
            }
            MessageType::Normal => {
                let parts = MessageParts::parse(message)?;
                let slot = self
                    .find(|s| s.opens_header(&parts))
                    .ok_or(Error::DecryptionFailed)?;
                self.decrypt_in(slot, message)
            }
        }
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

    /// Decrypts in one session, then promotes it.
    fn decrypt_in(&mut self, slot: Slot, message: &[u8]) -> Result<Vec<u8>> {
        match slot {
            Slot::Current => {
                let session = self.current.as_mut().ok_or(Error::Internal)?;
                let step = session.plan_decrypt(message)?;
                Ok(session.commit_decrypt(step))
            }
            Slot::Archived(index) => {
                let session = self.archived.get(index).ok_or(Error::Internal)?;
                let step = session.plan_decrypt(message)?;
                // Decide before committing: the decision looks only at the
                // current session, which the commit does not touch.
                let promote = self.may_replace_current(session);
                let session = self.archived.get_mut(index).ok_or(Error::Internal)?;
                let plaintext = session.commit_decrypt(step);
                if promote {
                    let session = self.archived.remove(index);
                    if let Some(previous) = self.current.replace(session) {
                        self.archived.insert(0, previous);
                    }
                }
                Ok(plaintext)
            }
        }
    }

    /// A session just created from a peer's prekey message: current or
    /// archived (§17.3).
    fn admit(&mut self, session: Box<Session>) {
        if self.may_replace_current(&session) {
            self.make_current(session);
        } else {
            self.archive(session);
        }
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
