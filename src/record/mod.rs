//! Session records: every session with one remote device (PROTOCOL.md §17).
//!
//! A [`SessionRecord`] holds the current session with one peer device and at
//! most [`MAX_ARCHIVED_SESSIONS`] older
//! ones. Its [`decrypt`](SessionRecord::decrypt) routes any incoming message
//! (prekey messages by session id, creating a session when the id is new;
//! normal messages by trial of each session's header keys), promotes the
//! session that decrypted it, and is transactional over the whole record and
//! the account: on error neither changes. Both sides of a simultaneous
//! initiation converge on one session without losing a message (§17.3).

mod persist;
mod routing;

use crate::account::Account;
use crate::bundle::PrekeyBundle;
use crate::handshake::{SessionContext, SessionId};
use crate::keys::IdentityKey;
use crate::limits::MAX_ARCHIVED_SESSIONS;
use crate::session::{Role, Session};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;

pub use persist::MAX_SEALED_RECORD_LEN;

/// Every session with one remote device: the current one, used to send, and
/// up to [`MAX_ARCHIVED_SESSIONS`] archived ones that still decrypt late
/// messages.
///
/// Not `Clone`, like [`Session`]: keep exactly one live copy and persist it
/// with [`seal`](Self::seal) (together with the [`Account`] when a call took
/// it mutably) after every call that changed it.
///
/// ```
/// use sotto::{Account, OsRng, SessionContext, SessionRecord};
///
/// let alice = Account::new(&mut OsRng)?;
/// let mut bob = Account::new(&mut OsRng)?;
/// bob.generate_one_time_prekeys(1, &mut OsRng)?;
/// let bundle = bob.prekey_bundle()?;
/// let (to_bob, to_alice) = (SessionContext::new(b"alice", b"bob"), SessionContext::new(b"bob", b"alice"));
///
/// let mut alice_record = SessionRecord::new();
/// alice_record.initiate(&alice, &bundle, &to_bob, &mut OsRng)?;
/// let first = alice_record.encrypt(b"hi Bob", &mut OsRng)?;
///
/// // Bob routes every message from Alice's device through one record.
/// let mut bob_record = SessionRecord::new();
/// assert_eq!(bob_record.decrypt(&mut bob, &first, &to_alice)?, b"hi Bob");
/// let reply = bob_record.encrypt(b"hi Alice", &mut OsRng)?;
/// let mut alice = alice;
/// assert_eq!(alice_record.decrypt(&mut alice, &reply, &to_bob)?, b"hi Alice");
/// assert_eq!(alice_record.current_id(), bob_record.current_id());
/// # Ok::<(), sotto::Error>(())
/// ```
///
/// Sessions are boxed: promoting and archiving moves only pointers, so no
/// copy of a session's keys is left behind in a list's spare capacity.
#[derive(Default)]
pub struct SessionRecord {
    /// The session used to send; `None` only for an empty record.
    current: Option<Box<Session>>,
    /// Older sessions, newest first; at most [`MAX_ARCHIVED_SESSIONS`].
    /// Boxed on purpose (see above), which `clippy::vec_box` cannot know.
    #[allow(clippy::vec_box)]
    archived: Vec<Box<Session>>,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("current", &self.current)
            .field("archived", &self.archived)
            .finish()
    }
}

/// A record whose current session is `session`: how an application that
/// stored single sessions before records migrates (unseal each session, then
/// seal the record instead).
impl From<Session> for SessionRecord {
    fn from(session: Session) -> Self {
        SessionRecord {
            current: Some(Box::new(session)),
            archived: Vec::new(),
        }
    }
}

impl SessionRecord {
    /// An empty record (no session yet).
    pub const fn new() -> Self {
        SessionRecord {
            current: None,
            archived: Vec::new(),
        }
    }

    /// Starts a new session from the peer device's `bundle` and makes it
    /// current; the previous current session is archived (the oldest
    /// archived one is dropped beyond [`MAX_ARCHIVED_SESSIONS`]). Draws the
    /// randomness of [`Session::initiate`].
    ///
    /// # Errors
    /// As [`Session::initiate`]; on error the record is unchanged.
    pub fn initiate<R: TryCryptoRng + ?Sized>(
        &mut self,
        account: &Account,
        bundle: &PrekeyBundle,
        context: &SessionContext<'_>,
        rng: &mut R,
    ) -> Result<SessionId> {
        let session = Box::new(Session::initiate(account, bundle, context, rng)?);
        let id = session.id();
        self.make_current(session);
        Ok(id)
    }

    /// Encrypts with the current session (see [`Session::encrypt`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty record, else as
    /// [`Session::encrypt`]; on error the record is unchanged.
    pub fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        self.current
            .as_mut()
            .ok_or(Error::InvalidArgument)?
            .encrypt(plaintext, rng)
    }

    /// The current session, used to send.
    pub fn current(&self) -> Option<&Session> {
        self.current.as_deref()
    }

    /// The current session, mutably (to change its padding).
    pub fn current_mut(&mut self) -> Option<&mut Session> {
        self.current.as_deref_mut()
    }

    /// The current session's id.
    pub fn current_id(&self) -> Option<SessionId> {
        self.current.as_deref().map(Session::id)
    }

    /// The archived sessions, newest first.
    pub fn archived(&self) -> impl ExactSizeIterator<Item = &Session> + DoubleEndedIterator {
        self.archived.iter().map(|s| &**s)
    }

    /// The ids of every session, current first then archived newest first.
    pub fn session_ids(&self) -> Vec<SessionId> {
        self.sessions().map(Session::id).collect()
    }

    /// Number of sessions held (current and archived).
    pub fn len(&self) -> usize {
        self.sessions().count()
    }

    /// Whether the record holds no session.
    pub const fn is_empty(&self) -> bool {
        self.current.is_none()
    }

    /// The peer's identity in the current session. After a reinstall the
    /// peer's identity changes: compare it with the one you verified before
    /// a [`decrypt`](Self::decrypt) and tell the user when it differs.
    pub fn remote_identity(&self) -> Option<&IdentityKey> {
        self.current.as_deref().map(Session::remote_identity)
    }

    /// Every session, current first, then archived newest first.
    fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.current
            .iter()
            .chain(self.archived.iter())
            .map(|s| &**s)
    }

    /// Makes a session created elsewhere current (the commit of a planned
    /// initiation, PROTOCOL.md §20.3), archiving the previous current one.
    pub(crate) fn adopt(&mut self, session: Box<Session>) {
        self.make_current(session);
    }

    /// Makes `session` current, archiving the previous current one.
    fn make_current(&mut self, session: Box<Session>) {
        if let Some(previous) = self.current.replace(session) {
            self.archive(previous);
        }
    }

    /// Puts `session` first among the archived, dropping the oldest beyond
    /// the bound.
    fn archive(&mut self, session: Box<Session>) {
        self.archived.insert(0, session);
        self.archived.truncate(MAX_ARCHIVED_SESSIONS);
    }

    /// Whether our current session is our own initiation that no message of
    /// the peer has answered yet.
    fn awaiting_own_initiation(&self) -> Option<&Session> {
        self.current
            .as_deref()
            .filter(|s| s.role() == Role::Initiator && s.awaiting_reply())
    }
}
