//! ⚠️ **Hazardous materials: not for applications.**
//!
//! Compiled only with the off-by-default `hazmat` feature. This module opens
//! the ratchet's pure step functions and key types, for known-answer tests,
//! benchmarks, fuzzing and second implementations of PROTOCOL.md that want to
//! compare intermediate values. Nothing here is needed to use Sotto, and
//! misusing it breaks its guarantees: a planned step that is committed
//! twice, committed to another session, or dropped after its message was
//! sent desynchronises the conversation or reuses keys; the key types expose
//! their bytes. Use [`Session`] and [`Account`] instead.
//!
//! (Like `ed25519_dalek::hazmat`.) The primitive layer is
//! [`crate::primitives`], public under the same feature.
//!
//! Each operation of [`Session`] is a *plan* (pure: computes the message or
//! plaintext and every new key from `&Session`) followed by a *commit* (moves
//! the planned state in, cannot fail). [`Session::encrypt`] is exactly
//! [`plan_encrypt`] then [`commit_encrypt`], with the same randomness.
//!
//! ```
//! use sotto::{Account, OsRng, Session, SessionContext, hazmat};
//!
//! let alice = Account::new(&mut OsRng)?;
//! let mut bob = Account::new(&mut OsRng)?;
//! let bundle = bob.prekey_bundle()?;
//! let mut a = Session::initiate(&alice, &bundle, &SessionContext::new(b"a", b"b"), &mut OsRng)?;
//! let (first, step) = hazmat::plan_encrypt(&a, b"hi", &mut OsRng)?;
//! assert_eq!(step.header().index, 0);
//! hazmat::commit_encrypt(&mut a, step);
//!
//! let accepted = hazmat::plan_accept(&bob, &first, &SessionContext::new(b"b", b"a"))?;
//! assert_eq!(accepted.step().plaintext(), b"hi");
//! let (_b, plaintext) = accepted.commit(&mut bob);
//! assert_eq!(plaintext, b"hi");
//! # Ok::<(), sotto::Error>(())
//! ```

use crate::{Account, Result, Session, SessionContext};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

pub use crate::ratchet::pq::{
    CHUNK_LEN, CT_CHUNKS, EK_CHUNKS, FIELD_LEN, KemField, Mix, transcript_hash,
};
pub use crate::ratchet::{
    ChainKey, ENCRYPTED_HEADER_LEN, HEADER_LEN, Header, HeaderKey, MessageKey, ReceiveStep,
    RootKey, SendStep,
};
pub use crate::ratchet::{ENCRYPTED_HEADER_V2_LEN, HEADER_V2_LEN};
pub use crate::session::Accepted;

/// Plans [`Session::encrypt`]: returns the message to send and the step to
/// commit, leaving the session unchanged.
///
/// # Errors
/// As [`Session::encrypt`].
pub fn plan_encrypt<R: TryCryptoRng + ?Sized>(
    session: &Session,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<(Vec<u8>, SendStep)> {
    session.plan_encrypt(plaintext, rng)
}

/// Commits a step from [`plan_encrypt`] on the same session, once.
pub fn commit_encrypt(session: &mut Session, step: SendStep) {
    session.commit_encrypt(step);
}

/// Plans [`Session::decrypt`]: the decrypted step, the session unchanged.
///
/// # Errors
/// As [`Session::decrypt`].
pub fn plan_decrypt(session: &Session, message: &[u8]) -> Result<ReceiveStep> {
    session.plan_decrypt(message)
}

/// Commits a step from [`plan_decrypt`] on the same session, once, and
/// returns the plaintext.
pub fn commit_decrypt(session: &mut Session, step: ReceiveStep) -> Vec<u8> {
    session.commit_decrypt(step)
}

/// Plans [`Session::accept`] without changing the account.
///
/// # Errors
/// As [`Session::accept`].
pub fn plan_accept(
    account: &Account,
    prekey_message: &[u8],
    context: &SessionContext<'_>,
) -> Result<Accepted> {
    Session::plan_accept(account, prekey_message, context, None)
}

/// The serialized private state of an account (the plaintext a sealed
/// account holds, PROTOCOL.md §9.3), for tests that check an operation left
/// an account unchanged by comparing bytes.
///
/// # Errors
/// Only for an account over the format's bounds (cannot happen).
pub fn account_state(account: &Account) -> Result<Zeroizing<Vec<u8>>> {
    account.serialize()
}

/// An account from [`account_state`] bytes: a second live copy of the same
/// account, which applications must never make (both copies would accept
/// the same prekey messages). For tests and fuzzing only.
///
/// # Errors
/// A decoding error.
pub fn account_from_state(state: &[u8]) -> Result<Account> {
    Account::deserialize(state)
}

/// The serialized private state of a session (§9.2), like [`account_state`].
///
/// # Errors
/// Only for a session over the format's bounds (cannot happen).
pub fn session_state(session: &Session) -> Result<Zeroizing<Vec<u8>>> {
    session.serialize()
}

/// A session from [`session_state`] bytes: a second live copy, which
/// applications must never make (both would reuse message keys). For tests
/// and fuzzing only.
///
/// # Errors
/// A decoding error.
pub fn session_from_state(state: &[u8]) -> Result<Session> {
    Session::deserialize(state)
}

/// The serialized private state of a session record (§17.4), like
/// [`account_state`].
///
/// # Errors
/// Only for a record over the format's bounds (cannot happen).
pub fn record_state(record: &crate::SessionRecord) -> Result<Zeroizing<Vec<u8>>> {
    record.serialize()
}

/// A record from [`record_state`] bytes: a second live copy, which
/// applications must never make. For tests and fuzzing only.
///
/// # Errors
/// A decoding error.
pub fn record_from_state(state: &[u8]) -> Result<crate::SessionRecord> {
    crate::SessionRecord::deserialize(state)
}

/// The serialized private state of a contact (PROTOCOL.md §20.6), like
/// [`account_state`].
///
/// # Errors
/// Only for a contact over the format's bounds (cannot happen).
pub fn contact_state(contact: &crate::contact::Contact) -> Result<Zeroizing<Vec<u8>>> {
    contact.serialize()
}

/// A contact from [`contact_state`] bytes: a second live copy, which
/// applications must never make. For tests and fuzzing only.
///
/// # Errors
/// A decoding error.
pub fn contact_from_state(state: &[u8]) -> Result<crate::contact::Contact> {
    crate::contact::Contact::deserialize(state)
}

/// The session's current root key `RK`.
pub fn root_key(session: &Session) -> &RootKey {
    session.root_key()
}

/// The serialized private state of a group (the plaintext a sealed group
/// holds, PROTOCOL.md §21.9), to check that an operation changed nothing.
///
/// # Errors
/// Only for a state over the format's bounds (cannot happen).
pub fn group_state(group: &crate::group::GroupSession) -> Result<Zeroizing<Vec<u8>>> {
    group.serialize()
}

/// A group from [`group_state`] bytes: a second live copy, which
/// applications must never make (both copies would send with the same
/// message keys). For tests and fuzzing only.
///
/// # Errors
/// A decoding error.
pub fn group_from_state(state: &[u8]) -> Result<crate::group::GroupSession> {
    crate::group::GroupSession::deserialize(state)
}
