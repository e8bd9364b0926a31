//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod people;
pub mod tape;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sotto::{Account, PrekeyBundle, Session, SessionContext};

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub const ALICE_ID: &[u8] = b"alice@example.org/phone";
pub const BOB_ID: &[u8] = b"bob@example.org/laptop";

pub fn alice_context() -> SessionContext<'static> {
    SessionContext::new(ALICE_ID, BOB_ID)
}

pub fn bob_context() -> SessionContext<'static> {
    SessionContext::new(BOB_ID, ALICE_ID)
}

/// Two accounts, Bob with one-time prekeys, and Alice's session from Bob's bundle.
pub struct Pair {
    pub alice: Account,
    pub bob: Account,
    pub bundle: PrekeyBundle,
    pub alice_session: Session,
}

pub fn pair(rng: &mut ChaCha20Rng, one_time: bool) -> Pair {
    let alice = Account::new(rng).unwrap();
    let mut bob = Account::new(rng).unwrap();
    if one_time {
        bob.generate_one_time_prekeys(5, rng).unwrap();
    }
    let bundle = bob.prekey_bundle().unwrap();
    let alice_session = Session::initiate(&alice, &bundle, &alice_context(), rng).unwrap();
    Pair {
        alice,
        bob,
        bundle,
        alice_session,
    }
}

/// A pair whose sessions are both established: Bob accepted Alice's first
/// message and Alice received his reply, so both send normal messages.
pub fn established(seed: u64) -> (Session, Session, ChaCha20Rng) {
    let mut rng = rng(seed);
    let mut p = pair(&mut rng, true);
    let first = p.alice_session.encrypt(b"hello", &mut rng).unwrap();
    let (mut bob_session, plaintext) = Session::accept(&mut p.bob, &first, &bob_context()).unwrap();
    assert_eq!(plaintext, b"hello");
    let reply = bob_session.encrypt(b"hello back", &mut rng).unwrap();
    assert_eq!(p.alice_session.decrypt(&reply).unwrap(), b"hello back");
    (p.alice_session, bob_session, rng)
}

/// Accounts and sessions are not `Clone` nor `PartialEq` (a copy forks the
/// ratchet and replay state): tests compare and copy their serialized state
/// explicitly, through `sotto::hazmat`.
pub trait Fork: Sized {
    /// The serialized private state, to check that an operation changed nothing.
    fn state(&self) -> Vec<u8>;
    /// A second live copy, for tests that replay one input on two copies.
    fn fork(&self) -> Self;
}

impl Fork for Account {
    fn state(&self) -> Vec<u8> {
        sotto::hazmat::account_state(self).unwrap().to_vec()
    }
    fn fork(&self) -> Self {
        sotto::hazmat::account_from_state(&self.state()).unwrap()
    }
}

impl Fork for Session {
    fn state(&self) -> Vec<u8> {
        sotto::hazmat::session_state(self).unwrap().to_vec()
    }
    fn fork(&self) -> Self {
        sotto::hazmat::session_from_state(&self.state()).unwrap()
    }
}

impl Fork for sotto::SessionRecord {
    fn state(&self) -> Vec<u8> {
        sotto::hazmat::record_state(self).unwrap().to_vec()
    }
    fn fork(&self) -> Self {
        sotto::hazmat::record_from_state(&self.state()).unwrap()
    }
}

impl<T: Fork> Fork for Result<T, sotto::Error> {
    fn state(&self) -> Vec<u8> {
        self.as_ref().map(Fork::state).unwrap_or_default()
    }
    fn fork(&self) -> Self {
        self.as_ref().map(Fork::fork).map_err(|e| *e)
    }
}
