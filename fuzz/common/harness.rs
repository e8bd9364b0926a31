// Shared logic of the fuzz targets (fuzz/fuzz_targets/*.rs) and of the corpus
// replay test (tests/fuzz_corpus_replay.rs). Both `include!` this file, so a
// corpus file replayed by `cargo test` goes through exactly the code that the
// fuzzer ran on it.
//
// Every target panics (= a crash for libFuzzer, a failure for the test) only
// when an invariant is violated; decoding errors are the expected outcome of
// almost every input.
//
// Fixtures are deterministic (seeded ChaCha20): the seed corpora are written
// by `cargo test --test fuzz_corpus_replay -- --ignored generate_seed_corpora`
// and stay valid as long as the core draws randomness in the same order.

#[allow(unused_imports)]
use rand_chacha::ChaCha20Rng;
#[allow(unused_imports)]
use rand_core::SeedableRng;
#[allow(unused_imports)]
use sotto::{
    Account, Error, IdentityKey, KemPrekey, MessageType, OneTimePrekey, PrekeyBundle,
    PrekeyMessage, SafetyNumber, Session, SessionContext, SessionRecord, SignedPrekey, StorageKey,
};
#[allow(unused_imports)]
use std::sync::OnceLock;

/// Accounts and sessions are not `Clone` nor `PartialEq` (a copy forks the
/// ratchet and replay state): the harness compares and copies their
/// serialized state explicitly, through `sotto::hazmat`.
#[allow(dead_code)]
pub trait Fork: Sized {
    /// The serialized private state, to check that an operation changed nothing.
    fn state(&self) -> Vec<u8>;
    /// A second live copy, to replay one input on two copies.
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

impl Fork for SessionRecord {
    fn state(&self) -> Vec<u8> {
        sotto::hazmat::record_state(self).unwrap().to_vec()
    }
    fn fork(&self) -> Self {
        sotto::hazmat::record_from_state(&self.state()).unwrap()
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

/// Every fuzz target, by the name of its file in fuzz/fuzz_targets and of its
/// corpus directory in fuzz/corpus.
#[allow(dead_code)]
pub type Target = (&'static str, fn(&[u8]));

#[allow(dead_code)]
pub const TARGETS: &[Target] = &[
    ("prekey_bundle", fuzz_prekey_bundle),
    ("prekey_parts", fuzz_prekey_parts),
    ("identity_key", fuzz_identity_key),
    ("prekey_message", fuzz_prekey_message),
    ("message", fuzz_message),
    ("sealed_account", fuzz_sealed_account),
    ("sealed_account_state", fuzz_sealed_account_state),
    ("sealed_session", fuzz_sealed_session),
    ("sealed_session_state", fuzz_sealed_session_state),
    ("sealed_record", fuzz_sealed_record),
    ("qr_payload", fuzz_qr_payload),
    ("conversation", fuzz_conversation),
    ("attachment_descriptor", fuzz_attachment_descriptor),
    ("attachment_chunks", fuzz_attachment_chunks),
    ("device_list", fuzz_device_list),
    ("device_certificate", fuzz_device_certificate),
    ("sealed_user_identity", fuzz_sealed_user_identity),
    ("link_offer", fuzz_link_offer),
    ("link_response", fuzz_link_response),
    ("group_message", fuzz_group_message),
    ("group_distribution", fuzz_group_distribution),
    ("sealed_group", fuzz_sealed_group),
    ("group_conversation", fuzz_group_conversation),
    ("sealed_contact", fuzz_sealed_contact),
    ("pq_message", fuzz_pq_message),
    ("pq_conversation", fuzz_pq_conversation),
];

const ALICE_ID: &[u8] = b"alice#1";
const BOB_ID: &[u8] = b"bob#1";
const STORAGE_KEY: [u8; 32] = [0x5a; 32];
/// Associated data of sealed state (src/sealed.rs): label || version || kind.
const SEALED_LABEL: &[u8] = b"Sotto v1 sealed state";
const KIND_SEALED_ACCOUNT: u8 = 0x04;
const KIND_SEALED_SESSION: u8 = 0x05;
const KIND_SEALED_RECORD: u8 = 0x08;
const KIND_SEALED_CONTACT: u8 = 0x11;
/// Fixed nonce used when the harness seals fuzzer bytes itself.
const HARNESS_NONCE: [u8; 24] = [0x42; 24];

fn alice_ctx() -> SessionContext<'static> {
    SessionContext::new(ALICE_ID, BOB_ID)
}

fn bob_ctx() -> SessionContext<'static> {
    SessionContext::new(BOB_ID, ALICE_ID)
}

fn storage_key() -> StorageKey {
    StorageKey::from_bytes(STORAGE_KEY)
}

/// A message of the fixture conversation: its bytes, its plaintext, and
/// whether the fixture session of its recipient has already decrypted it.
#[allow(dead_code)]
pub struct FixtureMessage {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub plaintext: Vec<u8>,
    pub to_bob: bool,
    pub delivered: bool,
}

/// A short deterministic conversation, stopped in a state with skipped keys
/// in a current and a retired chain on both sides.
#[allow(dead_code)]
pub struct Fixture {
    pub alice_account: Account,
    /// Bob before accepting anything (holds two one-time prekeys).
    pub bob_account_fresh: Account,
    /// Bob after accepting Alice's session.
    pub bob_account: Account,
    pub bob_bundle: PrekeyBundle,
    pub bob_bundle_bytes: Vec<u8>,
    pub alice_bundle_bytes: Vec<u8>,
    pub alice: Session,
    pub bob: Session,
    /// Sessions right after the handshake (Alice still sends prekey messages).
    pub alice_initial: Session,
    pub messages: Vec<FixtureMessage>,
    pub alice_safety: SafetyNumber,
    pub bob_qr: Vec<u8>,
    pub alice_qr: Vec<u8>,
}

#[allow(dead_code)]
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5077_0F00);
    let alice_account = Account::new(&mut rng).unwrap();
    let mut bob_account = Account::new(&mut rng).unwrap();
    bob_account.generate_one_time_prekeys(2, &mut rng).unwrap();
    let bob_bundle = bob_account.prekey_bundle().unwrap();
    bob_account.mark_bundle_published(&bob_bundle);
    let bob_bundle_bytes = bob_bundle.to_bytes();
    let alice_bundle_bytes = alice_account.prekey_bundle().unwrap().to_bytes();
    let bob_account_fresh = bob_account.fork();

    let mut messages = Vec::new();
    let mut send =
        |session: &mut Session, name: &'static str, to_bob: bool, rng: &mut ChaCha20Rng| {
            let plaintext = format!("fixture message {name}").into_bytes();
            let bytes = session.encrypt(&plaintext, rng).unwrap();
            messages.push(FixtureMessage {
                name,
                bytes: bytes.clone(),
                plaintext,
                to_bob,
                delivered: false,
            });
            bytes
        };

    let mut alice = Session::initiate(&alice_account, &bob_bundle, &alice_ctx(), &mut rng).unwrap();
    let alice_initial = alice.fork();
    let _p0 = send(&mut alice, "p0", true, &mut rng);
    let p1 = send(&mut alice, "p1", true, &mut rng);
    let p2 = send(&mut alice, "p2", true, &mut rng);
    let (mut bob, _) = Session::accept(&mut bob_account, &p1, &bob_ctx()).unwrap();
    bob.decrypt(&p2).unwrap();
    let _r0 = send(&mut bob, "r0", false, &mut rng);
    let _r1 = send(&mut bob, "r1", false, &mut rng);
    let r2 = send(&mut bob, "r2", false, &mut rng);
    alice.decrypt(&r2).unwrap();
    let _m0 = send(&mut alice, "m0", true, &mut rng);
    let m1 = send(&mut alice, "m1", true, &mut rng);
    let _m2 = send(&mut alice, "m2", true, &mut rng);
    let m3 = send(&mut alice, "m3", true, &mut rng);
    bob.decrypt(&m1).unwrap();
    bob.decrypt(&m3).unwrap();
    let _s0 = send(&mut bob, "s0", false, &mut rng);
    for message in &mut messages {
        message.delivered = matches!(message.name, "p1" | "p2" | "r2" | "m1" | "m3");
    }
    let alice_safety = alice.safety_number();
    let bob_qr = bob.safety_number().qr_payload();
    let alice_qr = alice_safety.qr_payload();
    Fixture {
        alice_account,
        bob_account_fresh,
        bob_account,
        bob_bundle,
        bob_bundle_bytes,
        alice_bundle_bytes,
        alice,
        bob,
        alice_initial,
        messages,
        alice_safety,
        bob_qr,
        alice_qr,
    }
}

/// Seals arbitrary bytes as the *plaintext* of a sealed object, following
/// the documented sealed format (src/sealed.rs) with the public AEAD
/// primitive. This is how the fuzzer reaches the state deserializers through
/// the public API without a test hook.
#[allow(dead_code)]
pub fn seal_raw(kind: u8, state: &[u8]) -> Vec<u8> {
    let mut ad = SEALED_LABEL.to_vec();
    ad.extend_from_slice(&[1, kind]);
    let mut out = vec![1, kind];
    out.extend_from_slice(&HARNESS_NONCE);
    sotto::primitives::aead::seal_into(
        sotto::primitives::aead::Algorithm::XChaCha20Poly1305,
        &STORAGE_KEY,
        &HARNESS_NONCE,
        &ad,
        state,
        &mut out,
    )
    .unwrap();
    out
}

/// The inverse of [`seal_raw`]: the serialized state inside a sealed object.
#[allow(dead_code)]
pub fn unseal_raw(kind: u8, sealed: &[u8]) -> Vec<u8> {
    assert_eq!(&sealed[..2], &[1, kind]);
    let mut ad = SEALED_LABEL.to_vec();
    ad.extend_from_slice(&[1, kind]);
    sotto::primitives::aead::open(
        sotto::primitives::aead::Algorithm::XChaCha20Poly1305,
        &STORAGE_KEY,
        &sealed[2..26],
        &ad,
        &sealed[26..],
    )
    .unwrap()
}

/// An account's serialized private state (what `seal` encrypts).
fn account_state(account: &Account) -> Vec<u8> {
    let sealed = account
        .seal(&storage_key(), &mut ChaCha20Rng::seed_from_u64(0))
        .unwrap();
    unseal_raw(KIND_SEALED_ACCOUNT, &sealed)
}

fn session_state(session: &Session) -> Vec<u8> {
    let sealed = session
        .seal(&storage_key(), &mut ChaCha20Rng::seed_from_u64(0))
        .unwrap();
    unseal_raw(KIND_SEALED_SESSION, &sealed)
}

/// `message_type` never panics and agrees with the first two bytes.
fn check_message_type(data: &[u8]) {
    let kind = sotto::message_type(data);
    match data {
        [] | [1] => assert_eq!(kind, Err(Error::Truncated)),
        [1, 2, ..] => assert_eq!(kind, Ok(MessageType::Prekey)),
        // Kind 0x03 is a version-1 message, 0x12 a ratchet-version-2 one
        // (PROTOCOL.md §22.3); both are routed as normal messages.
        [1, 3 | 0x12, ..] => assert_eq!(kind, Ok(MessageType::Normal)),
        [1, _, ..] => assert_eq!(kind, Err(Error::WrongObjectType)),
        _ => assert_eq!(kind, Err(Error::UnsupportedVersion)),
    }
}

// ---------------------------------------------------------------- decoders

/// Prekey bundles arrive from the server: decode (verifying signatures); a
/// bundle that decodes re-encodes to exactly the same bytes.
pub fn fuzz_prekey_bundle(data: &[u8]) {
    check_message_type(data);
    if let Ok(bundle) = PrekeyBundle::from_bytes(data) {
        assert_eq!(bundle.to_bytes(), data, "bundle encoding is not canonical");
        assert_eq!(
            PrekeyBundle::from_bytes(&bundle.to_bytes()).as_ref(),
            Ok(&bundle)
        );
    }
}

/// The published parts a server stores and hands out separately.
pub fn fuzz_prekey_parts(data: &[u8]) {
    if let Ok(key) = SignedPrekey::from_bytes(data) {
        assert_eq!(key.to_bytes(), data);
    }
    if let Ok(key) = KemPrekey::from_bytes(data) {
        assert_eq!(key.to_bytes(), data);
    }
    if let Ok(key) = OneTimePrekey::from_bytes(data) {
        assert_eq!(key.to_bytes(), data);
    }
}

/// Identity records (in bundles, prekey messages, contact exchange).
pub fn fuzz_identity_key(data: &[u8]) {
    if let Ok(key) = IdentityKey::from_bytes(data) {
        assert_eq!(key.to_bytes(), data, "identity encoding is not canonical");
    }
}

/// Prekey messages: decode, and run `Session::accept` on a real account.
/// A failed accept leaves the account unchanged; a successful one can only
/// come from one of Alice's real prekey messages, and cannot be repeated.
pub fn fuzz_prekey_message(data: &[u8]) {
    let fx = fixture();
    check_message_type(data);
    let decoded = PrekeyMessage::from_bytes(data);
    let mut account = fx.bob_account_fresh.fork();
    let before = account_state(&account);
    match Session::accept(&mut account, data, &bob_ctx()) {
        Err(_) => assert_eq!(
            account_state(&account),
            before,
            "failed accept changed the account"
        ),
        Ok((session, plaintext)) => {
            assert!(decoded.is_ok());
            assert_eq!(session.id(), fx.alice.id());
            assert!(
                fx.messages
                    .iter()
                    .any(|m| m.to_bob && m.name.starts_with('p') && m.plaintext == plaintext),
                "accept produced a plaintext nobody sent"
            );
            let after = account_state(&account);
            assert_ne!(after, before, "accept must consume prekeys");
            assert_eq!(
                Session::accept(&mut account, data, &bob_ctx()).map(|_| ()),
                Err(Error::DuplicateMessage)
            );
            assert_eq!(account_state(&account), after);
        }
    }
}

/// Arbitrary bytes as an incoming message for both fixture sessions. Errors
/// leave the session exactly as it was; success is possible only for a real
/// message the session has not decrypted yet, and only once.
pub fn fuzz_message(data: &[u8]) {
    let fx = fixture();
    check_message_type(data);
    for (original, to_bob) in [(&fx.bob, true), (&fx.alice, false)] {
        let mut session = original.fork();
        match session.decrypt(data) {
            Err(_) => assert!(
                session.state() == original.state(),
                "failed decryption changed the session"
            ),
            Ok(plaintext) => {
                assert!(
                    fx.messages
                        .iter()
                        .any(|m| m.to_bob == to_bob && !m.delivered && m.plaintext == plaintext),
                    "decrypted something that was not sent or was already delivered"
                );
                let after = session.fork();
                assert_eq!(session.decrypt(data), Err(Error::DuplicateMessage));
                assert!(session.state() == after.state());
            }
        }
    }
}

/// Canonical: re-serializing an account gives back the bytes it was read
/// from. Format 1 (still read, PROTOCOL.md §9.3) is written back as format 2,
/// which must then be canonical itself.
fn assert_canonical_account(account: &Account, read_from: &[u8]) {
    let state = account_state(account);
    if read_from.first() == Some(&1) {
        assert_eq!(state.first(), Some(&2), "format 1 is written back as format 2");
        let again = Account::unseal(&storage_key(), &seal_raw(KIND_SEALED_ACCOUNT, &state))
            .expect("a migrated account reads back");
        assert_eq!(account_state(&again), state, "account serialization is not canonical");
    } else {
        assert_eq!(state, read_from, "account serialization is not canonical");
    }
}

/// Sealed accounts as read back from storage, under the right key.
pub fn fuzz_sealed_account(data: &[u8]) {
    if let Ok(account) = Account::unseal(&storage_key(), data) {
        // Only bytes produced by `seal` under this key authenticate.
        assert_canonical_account(&account, &unseal_raw(KIND_SEALED_ACCOUNT, data));
    }
    let _ = Session::unseal(&storage_key(), data);
}

/// The account deserializer itself: the fuzzer's bytes are the plaintext.
pub fn fuzz_sealed_account_state(data: &[u8]) {
    let sealed = seal_raw(KIND_SEALED_ACCOUNT, data);
    assert!(Session::unseal(&storage_key(), &sealed).is_err());
    let Ok(mut account) = Account::unseal(&storage_key(), &sealed) else {
        return;
    };
    assert_canonical_account(&account, data);
    // Whatever was stored, using the account must not panic, and a bundle it
    // builds must verify.
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    if let Ok(bundle) = account.prekey_bundle() {
        assert_eq!(PrekeyBundle::from_bytes(&bundle.to_bytes()), Ok(bundle));
    }
    let fx = fixture();
    for message in fx.messages.iter().filter(|m| m.name.starts_with('p')) {
        let before = account_state(&account);
        if Session::accept(&mut account, &message.bytes, &bob_ctx()).is_err() {
            assert_eq!(account_state(&account), before);
        }
    }
    let _ = account.generate_one_time_prekeys(1, &mut rng);
    let _ = account.rotate_signed_prekey(&mut rng);
}

/// Sealed sessions as read back from storage, under the right key.
pub fn fuzz_sealed_session(data: &[u8]) {
    if let Ok(session) = Session::unseal(&storage_key(), data) {
        let state = unseal_raw(KIND_SEALED_SESSION, data);
        assert_eq!(session_state(&session), state);
    }
    let _ = Account::unseal(&storage_key(), data);
}

/// Session records (§17.4), both as sealed bytes read back from storage and
/// with the fuzzer's bytes as the record state itself (sealed by the
/// harness): a record that decodes re-encodes to exactly its input, holds at
/// most five sessions with distinct ids, and is never taken for a session.
pub fn fuzz_sealed_record(data: &[u8]) {
    let key = storage_key();
    if let Ok(record) = SessionRecord::unseal(&key, data) {
        assert_eq!(record_state(&record), unseal_raw(KIND_SEALED_RECORD, data));
        assert!(Session::unseal(&key, data).is_err());
    }
    let sealed = seal_raw(KIND_SEALED_RECORD, data);
    assert!(Session::unseal(&key, &sealed).is_err());
    let Ok(record) = SessionRecord::unseal(&key, &sealed) else {
        return;
    };
    assert_eq!(record_state(&record), data, "a record state did not round-trip");
    let ids = record.session_ids();
    assert!(ids.len() <= 1 + sotto::limits::MAX_ARCHIVED_SESSIONS);
    assert!(ids.iter().enumerate().all(|(i, id)| !ids[..i].contains(id)));
    assert_eq!(record.is_empty(), ids.is_empty());
}

/// Contacts (PROTOCOL.md §20.6), as sealed bytes and with the fuzzer's
/// bytes as the contact state (sealed by the harness): a contact that
/// decodes re-encodes to exactly its input, holds records only of listed
/// devices, ascending, at most 16, and is never taken for a record.
pub fn fuzz_sealed_contact(data: &[u8]) {
    use sotto::contact::Contact;
    let key = storage_key();
    if let Ok(contact) = Contact::unseal(&key, data) {
        assert_eq!(contact_state(&contact), unseal_raw(KIND_SEALED_CONTACT, data));
        assert!(SessionRecord::unseal(&key, data).is_err());
    }
    let sealed = seal_raw(KIND_SEALED_CONTACT, data);
    assert!(SessionRecord::unseal(&key, &sealed).is_err());
    let Ok(contact) = Contact::unseal(&key, &sealed) else {
        return;
    };
    assert_eq!(contact_state(&contact), data, "a contact state did not round-trip");
    let ids = contact.devices_with_session();
    assert!(ids.len() <= sotto::person::MAX_DEVICES);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(ids.iter().all(|id| contact.list().device(*id).is_some()));
    assert!(ids.iter().all(|id| contact.record(*id).is_some_and(|r| !r.is_empty())));
}

fn contact_state(contact: &sotto::contact::Contact) -> Vec<u8> {
    sotto::hazmat::contact_state(contact).unwrap().to_vec()
}

fn record_state(record: &SessionRecord) -> Vec<u8> {
    sotto::hazmat::record_state(record).unwrap().to_vec()
}

/// The session deserializer itself: the fuzzer's bytes are the plaintext.
pub fn fuzz_sealed_session_state(data: &[u8]) {
    let sealed = seal_raw(KIND_SEALED_SESSION, data);
    assert!(Account::unseal(&storage_key(), &sealed).is_err());
    let Ok(session) = Session::unseal(&storage_key(), &sealed) else {
        return;
    };
    assert_eq!(
        session_state(&session),
        data,
        "session serialization is not canonical"
    );
    let restored = Session::unseal(&storage_key(), &seal_raw(KIND_SEALED_SESSION, data)).unwrap();
    assert!(restored.state() == session.state());
    let _ = format!("{session:?}");
    // Decrypting real messages into a corrupted state: no panic, and a failure
    // changes nothing.
    let fx = fixture();
    let mut working = session.fork();
    for message in &fx.messages {
        let before = working.fork();
        if working.decrypt(&message.bytes).is_err() {
            assert!(working.state() == before.state());
        }
    }
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut sender = session;
    for _ in 0..3 {
        let before = sender.fork();
        match sender.encrypt(b"from a restored state", &mut rng) {
            Ok(bytes) => assert!(sotto::message_type(&bytes).is_ok()),
            Err(_) => {
                assert!(sender.state() == before.state(), "failed encryption changed the session");
                break;
            }
        }
    }
}

/// Safety-number QR payloads scanned from the peer's screen: only the peer's
/// exact payload matches; any other well-formed payload is a clean `false`.
pub fn fuzz_qr_payload(data: &[u8]) {
    let fx = fixture();
    match fx.alice_safety.matches_qr(data) {
        Ok(true) => assert_eq!(data, fx.bob_qr.as_slice()),
        Ok(false) => assert_ne!(data, fx.bob_qr.as_slice()),
        Err(_) => assert!(data.len() != 66 || data[..2] != [1, 6]),
    }
}

// ---------------------------------------------------------------- conversation

/// Bounds of the core (src/limits.rs), restated so the model below does not
/// compute its expectations with the code under test.
const MODEL_MAX_SKIP: u32 = 1000;
const MODEL_MAX_SKIPPED_KEYS: usize = 2000;
const MODEL_MAX_RETIRED_CHAINS: usize = 5;

/// Prekey message layout with a one-time prekey (src/message.rs): header (2)
/// || identity record (130) || base key (33) || ids, kind, flag, one-time id
/// || KEM ciphertext (1088) || embedded message.
#[allow(dead_code)]
const PREKEY_HEADER_LEN: usize = 2 + 130 + 33 + 4 + 4 + 1 + 1 + 4 + 1088;

#[derive(Clone, Debug, Default)]
struct ModelChain {
    seq: u32,
    next_index: u32,
    /// Skipped indexes, oldest first.
    skipped: Vec<u32>,
}

/// What a party's ratchet should do, tracked independently of the core.
#[derive(Clone, Debug, Default)]
struct ModelParty {
    // Sending side.
    has_sending: bool,
    send_seq: u32,
    send_next: u32,
    send_prev_len: u32,
    step_pending: bool,
    // Receiving side (the peer's chains).
    current: Option<ModelChain>,
    retired: Vec<ModelChain>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Ok,
    Err(Error),
}

impl ModelParty {
    /// (chain, index, previous chain length) of the next message sent.
    fn send(&mut self) -> (u32, u32, u32) {
        if self.step_pending {
            self.send_prev_len = if self.has_sending { self.send_next } else { 0 };
            self.send_seq = if self.has_sending {
                self.send_seq + 1
            } else {
                0
            };
            self.send_next = 0;
            self.has_sending = true;
            self.step_pending = false;
        }
        assert!(self.has_sending);
        let index = self.send_next;
        self.send_next += 1;
        (self.send_seq, index, self.send_prev_len)
    }

    fn skipped_total(&self) -> usize {
        self.retired.iter().map(|c| c.skipped.len()).sum::<usize>()
            + self.current.as_ref().map_or(0, |c| c.skipped.len())
    }

    fn evict(&mut self) {
        let mut excess = self.skipped_total().saturating_sub(MODEL_MAX_SKIPPED_KEYS);
        for chain in self.retired.iter_mut().chain(self.current.as_mut()) {
            let take = excess.min(chain.skipped.len());
            chain.skipped.drain(..take);
            excess -= take;
        }
    }

    /// Applies receiving a message of the peer's chain `seq` (on success only).
    fn receive(&mut self, seq: u32, index: u32, prev_len: u32) -> Outcome {
        let expected_next = self.current.as_ref().map_or(0, |c| c.seq + 1);
        assert!(
            seq <= expected_next,
            "model: peer more than one chain ahead"
        );
        if let Some(chain) = self.current.as_mut().filter(|c| c.seq == seq) {
            if index < chain.next_index {
                return match chain.skipped.iter().position(|&i| i == index) {
                    Some(p) => {
                        chain.skipped.remove(p);
                        Outcome::Ok
                    }
                    None => Outcome::Err(Error::DuplicateMessage),
                };
            }
            if index - chain.next_index > MODEL_MAX_SKIP {
                return Outcome::Err(Error::TooFarAhead);
            }
            chain.skipped.extend(chain.next_index..index);
            chain.next_index = index + 1;
            self.evict();
            return Outcome::Ok;
        }
        if seq == expected_next {
            if let Some(chain) = &self.current
                && prev_len > chain.next_index
                && prev_len - chain.next_index > MODEL_MAX_SKIP
            {
                return Outcome::Err(Error::TooFarAhead);
            }
            if index > MODEL_MAX_SKIP {
                return Outcome::Err(Error::TooFarAhead);
            }
            if let Some(mut old) = self.current.take() {
                if prev_len > old.next_index {
                    old.skipped.extend(old.next_index..prev_len);
                }
                self.retired.push(old);
                if self.retired.len() > MODEL_MAX_RETIRED_CHAINS {
                    self.retired.remove(0);
                }
            }
            self.current = Some(ModelChain {
                seq,
                next_index: index + 1,
                skipped: (0..index).collect(),
            });
            self.step_pending = true;
            self.evict();
            return Outcome::Ok;
        }
        if let Some(chain) = self.retired.iter_mut().find(|c| c.seq == seq) {
            return match chain.skipped.iter().position(|&i| i == index) {
                Some(p) => {
                    chain.skipped.remove(p);
                    Outcome::Ok
                }
                None => Outcome::Err(Error::DuplicateMessage),
            };
        }
        Outcome::Err(Error::DecryptionFailed)
    }
}

struct InFlight {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    from_alice: bool,
    seq: u32,
    index: u32,
    prev_len: u32,
}

struct Conversation {
    rng: ChaCha20Rng,
    /// Accounts and session records (§17): every delivery is routed by the
    /// record, as an application does.
    accounts: [Account; 2],
    records: [SessionRecord; 2],
    models: [ModelParty; 2],
    network: Vec<InFlight>,
    counter: u32,
    /// Untampered deliveries that decrypted.
    decrypted: u32,
    /// Errors of untampered deliveries (each one matched the model).
    errors: Vec<Error>,
    /// Sessions a malicious server opened with Bob's account.
    server_sessions: u32,
    /// Whether Bob's account (as currently restored) remembers accepting
    /// Alice's first message.
    bob_remembers_alice: bool,
    /// An older sealed copy of Bob's account and what it remembered.
    account_backup: Option<(Vec<u8>, bool)>,
    /// Replays accepted again after Bob restored an older account.
    reaccepted_after_rollback: u32,
}

/// Reads the fuzzer's bytes one at a time; runs out as zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }
    fn arg(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }
}

impl Conversation {
    fn new() -> Self {
        let fx = fixture();
        let mut rng = ChaCha20Rng::seed_from_u64(0xC0FFEE);
        let alice =
            Session::initiate(&fx.alice_account, &fx.bob_bundle, &alice_ctx(), &mut rng).unwrap();
        assert!(fx.bob_bundle.one_time_prekey().is_some());
        let models = [
            ModelParty {
                has_sending: true,
                ..ModelParty::default()
            },
            ModelParty::default(),
        ];
        Conversation {
            rng,
            accounts: [fx.alice_account.fork(), fx.bob_account_fresh.fork()],
            records: [SessionRecord::from(alice), SessionRecord::new()],
            models,
            network: Vec::new(),
            counter: 0,
            decrypted: 0,
            errors: Vec::new(),
            server_sessions: 0,
            bob_remembers_alice: false,
            account_backup: None,
            reaccepted_after_rollback: 0,
        }
    }

    fn send(&mut self, party: usize, len: u8) {
        let session = &mut self.records[party];
        if session.is_empty() {
            return;
        }
        self.counter += 1;
        let mut plaintext = format!("{}#{}:", ["alice", "bob"][party], self.counter).into_bytes();
        plaintext.resize(plaintext.len() + usize::from(len), b'.');
        let bytes = session.encrypt(&plaintext, &mut self.rng).unwrap();
        let (seq, index, prev_len) = self.models[party].send();
        let prekey = party == 0 && seq == 0;
        assert_eq!(
            sotto::message_type(&bytes),
            Ok(if prekey {
                MessageType::Prekey
            } else {
                MessageType::Normal
            })
        );
        self.network.push(InFlight {
            bytes,
            plaintext,
            from_alice: party == 0,
            seq,
            index,
            prev_len,
        });
    }

    /// Delivers `bytes` (message `k`, possibly tampered) to its recipient and
    /// checks the outcome against the model.
    fn deliver(&mut self, k: usize, tamper: Option<(usize, u8)>) {
        let message = &self.network[k];
        let recipient = usize::from(message.from_alice);
        let mut bytes = message.bytes.clone();
        if let Some((position, mask)) = tamper {
            bytes[position] ^= mask;
        }
        let (seq, index, prev_len) = (message.seq, message.index, message.prev_len);
        let plaintext = message.plaintext.clone();

        // Bob has no session yet: the first prekey message creates it.
        if self.records[recipient].is_empty() {
            let before = account_state(&self.accounts[1]);
            let result = self.records[1].decrypt(&mut self.accounts[1], &bytes, &bob_ctx());
            let mut model = self.models[1].clone();
            let expected = if tamper.is_some() {
                Outcome::Err(Error::DecryptionFailed)
            } else {
                model.receive(seq, index, prev_len)
            };
            match (result, expected) {
                (Ok(got), Outcome::Ok) => {
                    assert_eq!(got, plaintext);
                    assert_eq!(self.records[1].len(), 1);
                    self.models[1] = model;
                    self.decrypted += 1;
                    self.bob_remembers_alice = true;
                }
                (Err(error), Outcome::Err(expected)) => {
                    if tamper.is_none() {
                        assert_eq!(error, expected);
                        self.errors.push(error);
                    }
                    assert_eq!(account_state(&self.accounts[1]), before);
                    assert!(self.records[1].is_empty());
                }
                (result, expected) => panic!(
                    "accept: got {result:?}, model expected {expected:?} (tampered: {tamper:?})"
                ),
            }
            return;
        }

        let ctx = [alice_ctx(), bob_ctx()][recipient];
        let (session, account) = (&mut self.records[recipient], &mut self.accounts[recipient]);
        let before = (session.state(), account_state(account));
        let result = session.decrypt(account, &bytes, &ctx);
        let mut model = self.models[recipient].clone();
        // Every byte of every message is authenticated (for prekey messages
        // the session id covers the whole prekey header): tampering always
        // fails (the exact error depends on the byte).
        let expected = match tamper {
            Some(_) => Outcome::Err(Error::DecryptionFailed),
            None => model.receive(seq, index, prev_len),
        };
        match (result, expected) {
            (Ok(got), Outcome::Ok) => {
                assert_eq!(got, plaintext, "decrypted to a different plaintext");
                self.models[recipient] = model;
                self.decrypted += 1;
            }
            (Err(error), Outcome::Err(expected)) => {
                if tamper.is_none() {
                    assert_eq!(error, expected, "wrong error");
                    self.errors.push(error);
                }
                assert!(
                    (session.state(), account_state(account)) == before,
                    "failed decryption changed the record or the account"
                );
            }
            (result, expected) => panic!(
                "decrypt: got {result:?}, model expected {expected:?} (message {k}, chain {seq}, index {index}, tampered {tamper:?})"
            ),
        }
    }

    /// Delivers message `k` to its own sender: always rejected, no change.
    fn misdeliver(&mut self, k: usize) {
        let sender = usize::from(!self.network[k].from_alice);
        let bytes = self.network[k].bytes.clone();
        let ctx = [alice_ctx(), bob_ctx()][sender];
        let (session, account) = (&mut self.records[sender], &mut self.accounts[sender]);
        let before = (session.state(), account_state(account));
        assert!(
            session.decrypt(account, &bytes, &ctx).is_err(),
            "a party decrypted its own message"
        );
        assert!((session.state(), account_state(account)) == before);
    }

    /// Passes message `k` to `Session::accept` although Bob already has the
    /// session (a replayed or misrouted prekey message): always rejected.
    fn reaccept(&mut self, k: usize) {
        if self.records[1].is_empty() {
            return self.deliver(k, None);
        }
        let bytes = self.network[k].bytes.clone();
        let is_prekey = self.network[k].from_alice && self.network[k].seq == 0;
        let before = account_state(&self.accounts[1]);
        let result = Session::accept(&mut self.accounts[1], &bytes, &bob_ctx());
        if is_prekey && !self.bob_remembers_alice {
            // Bob restored an account sealed before he accepted Alice's first
            // message: the documented exception (SECURITY.md). The replay
            // opens the same session again, and the application recognises
            // it by its session id, which it already knows.
            let (session, plaintext) = result.expect("an older account accepts again");
            assert_eq!(plaintext, self.network[k].plaintext);
            assert_eq!(Some(session.id()), self.records[1].current_id());
            self.bob_remembers_alice = true;
            self.reaccepted_after_rollback += 1;
            return;
        }
        match result {
            Err(error) if is_prekey => assert_eq!(error, Error::DuplicateMessage),
            Err(_) => {}
            Ok(_) => panic!("a replayed or misrouted message opened a session"),
        }
        assert_eq!(account_state(&self.accounts[1]), before);
    }

    /// Bob restores the older sealed copy of his account, if he kept one
    /// (a rollback from a backup): replays of Alice's first message are then
    /// checked by `reaccept` against what that copy remembered.
    fn restore_older_account(&mut self) {
        if let Some((sealed, remembered)) = &self.account_backup {
            self.accounts[1] = Account::unseal(&storage_key(), sealed).unwrap();
            self.bob_remembers_alice = *remembered;
        }
    }

    /// A malicious server opens sessions of its own with Bob's signed prekey
    /// and last-resort KEM prekey (withholding one-time prekeys), 1 to 64 at
    /// a time and at most `SERVER_SESSIONS` in all: far more than the 256 base
    /// keys the account once remembered, below the signed prekey's bound.
    /// Replays of Alice's first message must still be refused afterwards.
    fn server_opens_sessions(&mut self, b: u8) {
        const SERVER_SESSIONS: u32 = 600;
        let count = u32::from(b & 0x3f) + 1;
        let count = count.min(SERVER_SESSIONS.saturating_sub(self.server_sessions));
        if count == 0 {
            return;
        }
        let bundle = PrekeyBundle::new(
            self.accounts[1].identity_key().clone(),
            self.accounts[1].signed_prekey().clone(),
            self.accounts[1].last_resort_prekey().clone(),
            None,
        )
        .unwrap();
        for _ in 0..count {
            let server = Account::new(&mut self.rng).unwrap();
            let context = SessionContext::new(b"server", b"bob");
            let mut session = Session::initiate(&server, &bundle, &context, &mut self.rng).unwrap();
            let first = session.encrypt(b"server", &mut self.rng).unwrap();
            let context = SessionContext::new(b"bob", b"server");
            Session::accept(&mut self.accounts[1], &first, &context).unwrap();
        }
        self.server_sessions += count;
    }

    /// Seals and restores Alice's or Bob's session (bit 0 picks the party)
    /// and, with bit 1, Bob's account, which bit 2 also keeps as a backup;
    /// bit 3 then restores the backup: an older account (a rollback).
    fn seal_and_restore(&mut self, which: u8) {
        let party = usize::from(which & 1);
        let key = storage_key();
        let record = &mut self.records[party];
        let sealed = record.seal(&key, &mut self.rng).unwrap();
        let restored = SessionRecord::unseal(&key, &sealed).unwrap();
        assert!(restored.state() == record.state(), "sealed record did not round-trip");
        *record = restored;
        if which & 2 != 0 {
            let before = account_state(&self.accounts[1]);
            let sealed = self.accounts[1].seal(&key, &mut self.rng).unwrap();
            self.accounts[1] = Account::unseal(&key, &sealed).unwrap();
            assert_eq!(account_state(&self.accounts[1]), before);
            if which & 4 != 0 {
                self.account_backup = Some((sealed, self.bob_remembers_alice));
            }
        }
        if which & 8 != 0 {
            self.restore_older_account();
        }
    }
}

/// A two-party conversation driven by the fuzzer's bytes: send, deliver in
/// any order, drop, duplicate, tamper, misroute, seal and restore (also an
/// older copy of Bob's account), and a malicious server that opens many
/// sessions with Bob's prekeys and replays Alice's first message. Every
/// outcome is checked against an independent model of the ratchet's
/// bookkeeping: an untampered message decrypts exactly once, to its
/// plaintext, unless a documented bound (MAX_SKIP, MAX_SKIPPED_KEYS,
/// MAX_RETIRED_CHAINS) says it must be rejected with a specific error;
/// everything else is rejected and leaves the session unchanged.
pub fn fuzz_conversation(data: &[u8]) {
    run_conversation(data);
}

fn run_conversation(data: &[u8]) -> Conversation {
    let mut input = Input(data);
    let mut c = Conversation::new();
    let mut ops = 0;
    while let Some(op) = input.byte() {
        ops += 1;
        if ops > 3000 {
            break;
        }
        let pick = |c: &Conversation, b: u8| {
            (!c.network.is_empty()).then(|| usize::from(b) % c.network.len())
        };
        match op % 8 {
            0 => {
                let len = input.arg();
                c.send(0, len);
            }
            1 => {
                let len = input.arg();
                c.send(1, len);
            }
            2 => {
                let b = input.arg();
                if let Some(k) = pick(&c, b) {
                    c.deliver(k, None);
                }
            }
            3 => {
                let b = input.arg();
                if let Some(k) = pick(&c, b) {
                    c.network.remove(k);
                }
            }
            4 => {
                let (b, hi, lo, mask) = (input.arg(), input.arg(), input.arg(), input.arg());
                if let Some(k) = pick(&c, b) {
                    let position =
                        usize::from(u16::from_be_bytes([hi, lo])) % c.network[k].bytes.len();
                    c.deliver(k, Some((position, mask.max(1))));
                }
            }
            5 => {
                let b = input.arg();
                if let Some(k) = pick(&c, b)
                    && !c.records[usize::from(!c.network[k].from_alice)].is_empty()
                {
                    c.misdeliver(k);
                }
            }
            6 => {
                let which = input.arg();
                c.seal_and_restore(which);
            }
            _ => {
                let b = input.arg();
                if b & 0x80 != 0 {
                    c.server_opens_sessions(b);
                } else if let Some(k) = pick(&c, b) {
                    c.reaccept(k);
                }
            }
        }
    }
    // Finally deliver everything still in flight, in order: each message
    // meets its model outcome (most decrypt, replays and messages beyond the
    // bounds are rejected with the documented error).
    for k in 0..c.network.len() {
        c.deliver(k, None);
    }
    c
}

// ---------------------------------------------------------------- attachments

/// Attachment descriptors (PROTOCOL.md §16.4): decoding never panics, and a
/// descriptor that decodes re-encodes to exactly the input (one encoding).
pub fn fuzz_attachment_descriptor(data: &[u8]) {
    use sotto::attachment::Descriptor;
    if let Ok(descriptor) = Descriptor::from_bytes(data) {
        assert_eq!(descriptor.to_bytes(), data, "descriptors are canonical");
        assert!(descriptor.chunk_count() >= 1);
        assert!(descriptor.ciphertext_size() >= 16 * descriptor.chunk_count());
        let _ = descriptor.ciphertext_range(0..descriptor.plaintext_size());
    }
}

/// The fixed file the chunk target attacks: 2,500 bytes in chunks of 1,024
/// with Padmé padding (2,560 padded bytes, 3 chunks).
#[allow(dead_code)]
pub struct AttachmentFixture {
    pub plaintext: Vec<u8>,
    pub descriptor: sotto::attachment::Descriptor,
    pub ciphertext: Vec<u8>,
}

#[allow(dead_code)]
pub fn attachment_fixture() -> &'static AttachmentFixture {
    static FIXTURE: OnceLock<AttachmentFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        use sotto::attachment::{self, FileKey, Params};
        let plaintext: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
        let params = Params::new(1024, sotto::Padding::Padme).unwrap();
        let (descriptor, ciphertext) =
            attachment::encrypt_with_key(FileKey::from_bytes([0x33; 32]), &plaintext, params, "video/mp4")
                .unwrap();
        AttachmentFixture { plaintext, descriptor, ciphertext }
    })
}

/// The chunk decoder (PROTOCOL.md §16.5, §16.6) on hostile ciphertext. The
/// first byte picks the API: 0 a whole-file decryption (one-shot and
/// streaming must agree), 1 one chunk (index from the second byte), 2 a
/// range (bounds from bytes 1..5). Whatever the bytes, a decryption succeeds
/// only on the genuine ciphertext and then gives the genuine plaintext.
pub fn fuzz_attachment_chunks(data: &[u8]) {
    use sotto::attachment::{self, Decryptor};
    let fx = attachment_fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let one_shot = attachment::decrypt(&fx.descriptor, rest);
            let mut decryptor = Decryptor::new(&fx.descriptor);
            let mut input = rest;
            let mut out = Vec::new();
            let streamed = loop {
                let Some(len) = decryptor.next_chunk_len() else {
                    break if input.is_empty() {
                        decryptor.finish().map(|()| out)
                    } else {
                        Err(Error::TrailingBytes)
                    };
                };
                let mut chunk = input[..len.min(input.len())].to_vec();
                input = &input[chunk.len()..];
                match decryptor.decrypt_chunk(&mut chunk) {
                    Ok(n) => out.extend_from_slice(&chunk[..n]),
                    Err(e) => break Err(e),
                }
            };
            assert_eq!(one_shot, streamed, "one-shot and streaming agree");
            match one_shot {
                Ok(plaintext) => {
                    assert_eq!(rest, fx.ciphertext.as_slice());
                    assert_eq!(plaintext, fx.plaintext);
                }
                Err(_) => assert_ne!(rest, fx.ciphertext.as_slice()),
            }
        }
        1 => {
            let index = u64::from(rest.first().copied().unwrap_or(0));
            let chunk = rest.get(1..).unwrap_or_default();
            let mut buffer = chunk.to_vec();
            match attachment::decrypt_chunk(&fx.descriptor, index, &mut buffer) {
                Ok(n) => {
                    let range = fx.descriptor.chunk_range(index).unwrap();
                    assert_eq!(chunk, &fx.ciphertext[range.start as usize..range.end as usize]);
                    let start = index as usize * 1024;
                    assert_eq!(&buffer[..n], &fx.plaintext[start.min(2500)..(start + n).min(2500)]);
                }
                Err(_) => assert_eq!(buffer, chunk, "a failed chunk is unchanged"),
            }
        }
        _ => {
            let bound = |i: usize| u64::from(u16::from_be_bytes([
                rest.get(i).copied().unwrap_or(0),
                rest.get(i + 1).copied().unwrap_or(0),
            ]));
            let (a, b) = (bound(0), bound(2));
            let fetched = rest.get(4..).unwrap_or_default();
            if let Ok(plaintext) = attachment::decrypt_range(&fx.descriptor, a..b, fetched) {
                let range = fx.descriptor.ciphertext_range(a..b).unwrap();
                assert_eq!(fetched, &fx.ciphertext[range.start as usize..range.end as usize]);
                assert_eq!(plaintext, &fx.plaintext[a as usize..b as usize]);
            }
        }
    }
}

// ------------------------------------------------------------ people (§18)

const KIND_SEALED_USER_IDENTITY: u8 = 0x0D;

/// Bob's user identity with three devices and two committed lists.
#[allow(dead_code)]
pub struct PeopleFixture {
    pub bob: sotto::UserIdentity,
    /// Version 1 (device 1) and version 2 (devices 1, 2, 3).
    pub lists: Vec<sotto::DeviceList>,
    pub certificate: sotto::DeviceCertificate,
    pub sealed: Vec<u8>,
}

#[allow(dead_code)]
pub fn people_fixture() -> &'static PeopleFixture {
    static FIXTURE: OnceLock<PeopleFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(18);
        let devices: Vec<IdentityKey> = (0..3)
            .map(|_| Account::new(&mut rng).unwrap().identity_key().clone())
            .collect();
        let mut bob = sotto::UserIdentity::new(&mut rng).unwrap();
        let v1 = bob.sign_device_list(&[(1, devices[0].clone())], &[], 10).unwrap();
        bob.commit_device_list(&v1).unwrap();
        let v2 = bob
            .sign_device_list(&[(2, devices[1].clone()), (3, devices[2].clone())], &[], 20)
            .unwrap();
        bob.commit_device_list(&v2).unwrap();
        let certificate = bob.certify_device(2).unwrap();
        let sealed = bob.seal(&storage_key(), &mut rng).unwrap();
        PeopleFixture {
            bob,
            lists: vec![v1, v2],
            certificate,
            sealed,
        }
    })
}

/// Device lists (PROTOCOL.md §18.2) fetched from a server: decoding never
/// panics; a list that decodes is canonical, bounded, sorted and Bob's; an
/// update from a held list is pure and never accepts an older version.
pub fn fuzz_device_list(data: &[u8]) {
    let fx = people_fixture();
    let user = fx.bob.public_key();
    let decoded = sotto::DeviceList::from_bytes(data, &user);
    let first_use = sotto::DeviceList::from_bytes_first_use(data);
    if let Ok(list) = &decoded {
        assert_eq!(list.to_bytes(), data, "device lists are canonical");
        assert_eq!(first_use.as_ref(), Ok(list));
        assert!(list.entries().len() <= sotto::person::MAX_DEVICES);
        assert!(list.entries().windows(2).all(|w| w[0].device_id < w[1].device_id));
        assert!(list.version() >= 1);
    } else if let Ok(list) = &first_use {
        assert_ne!(list.user_key(), &user, "only another user's list may differ");
    }
    for held in &fx.lists {
        let before = held.clone();
        match held.update(data) {
            Ok((new, change)) => {
                assert!(new.version() >= held.version());
                assert_eq!(new.version() == held.version(), change.is_empty() && new == *held);
                assert_eq!(Ok(&new), decoded.as_ref());
            }
            Err(error) => {
                if decoded.is_ok() {
                    assert_eq!(error, Error::Rollback);
                }
            }
        }
        assert_eq!(held, &before);
    }
}

/// Device certificates (PROTOCOL.md §18.3): decoding never panics, and a
/// certificate that decodes is canonical and Bob's.
pub fn fuzz_device_certificate(data: &[u8]) {
    let fx = people_fixture();
    if let Ok(certificate) = sotto::DeviceCertificate::from_bytes(data, &fx.bob.public_key()) {
        assert_eq!(certificate.to_bytes(), data, "certificates are canonical");
        assert_eq!(certificate.user_key(), &fx.bob.public_key());
        assert!(certificate.list_version() >= 1);
        for list in &fx.lists {
            let _ = certificate.verify_in_list(list);
        }
    }
}

/// Sealed user identities (PROTOCOL.md §18.6): the fuzzer's bytes both as a
/// sealed object and as the plaintext state. What restores reseals to an
/// identity with the same key and list.
pub fn fuzz_sealed_user_identity(data: &[u8]) {
    let key = storage_key();
    let as_state = seal_raw(KIND_SEALED_USER_IDENTITY, data);
    for sealed in [data, as_state.as_slice()] {
        let Ok(user) = sotto::UserIdentity::unseal(&key, sealed) else {
            continue;
        };
        let _ = format!("{user:?}");
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let again = sotto::UserIdentity::unseal(&key, &user.seal(&key, &mut rng).unwrap()).unwrap();
        assert_eq!(again.public_key(), user.public_key());
        assert_eq!(again.device_list(), user.device_list());
        if let Some(list) = user.device_list() {
            assert_eq!(list.user_key(), &user.public_key());
        }
        // Using a restored identity never panics.
        if let Ok(next) = user.sign_device_list(&[], &[1], 30) {
            assert_eq!(sotto::DeviceList::from_bytes(&next.to_bytes(), &user.public_key()), Ok(next));
        }
    }
}

// ------------------------------------------------------------ linking (§19)

/// A new device's account, its deterministic offer, and the valid response
/// Bob's primary makes to it.
#[allow(dead_code)]
pub struct LinkFixture {
    pub browser: Account,
    pub qr: Vec<u8>,
    pub response: Vec<u8>,
}

#[allow(dead_code)]
pub fn link_offer_for(browser: &Account) -> sotto::link::LinkOffer {
    sotto::link::LinkOffer::new(browser, 0, 600, &mut ChaCha20Rng::seed_from_u64(19)).unwrap()
}

#[allow(dead_code)]
pub fn link_fixture() -> &'static LinkFixture {
    static FIXTURE: OnceLock<LinkFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let browser = Account::new(&mut ChaCha20Rng::seed_from_u64(20)).unwrap();
        let qr = link_offer_for(&browser).qr_payload();
        let contact = sotto::link::LinkContact {
            user_key: people_fixture().bob.public_key(),
            verified: true,
            name: "Carol".into(),
        };
        let response = sotto::link::ScannedOffer::from_qr(&qr, 1)
            .unwrap()
            .respond(&people_fixture().bob, 9, &[contact], 1, &mut ChaCha20Rng::seed_from_u64(21))
            .unwrap()
            .to_bytes();
        LinkFixture {
            browser,
            qr,
            response,
        }
    })
}

/// Scanned QR payloads (PROTOCOL.md §19.1): decoding never panics, only a
/// full-length offer decodes, and answering one never panics and never
/// changes the user identity.
pub fn fuzz_link_offer(data: &[u8]) {
    let fx = people_fixture();
    for now in [0, 1_000, u64::MAX] {
        let Ok(scanned) = sotto::link::ScannedOffer::from_qr(data, now) else {
            continue;
        };
        assert_eq!(data.len(), sotto::link::LINK_OFFER_LEN);
        assert!(scanned.expires_at() >= now);
        let before = fx.bob.device_list().cloned();
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        if let Ok(response) = scanned.respond(&fx.bob, 9, &[], now, &mut rng) {
            assert_eq!(response.device_list().version(), 3);
            response.certificate().verify_in_list(response.device_list()).unwrap();
        }
        assert_eq!(fx.bob.device_list().cloned(), before);
    }
}

/// Link responses on the new device (PROTOCOL.md §19.3): only the real
/// response completes the offer; anything else fails with the offer left
/// unused.
pub fn fuzz_link_response(data: &[u8]) {
    let fx = link_fixture();
    let mut offer = link_offer_for(&fx.browser);
    match offer.complete(data, 1) {
        Ok(linked) => {
            assert_eq!(data, fx.response.as_slice(), "only the real response authenticates");
            assert!(offer.is_used());
            assert_eq!(offer.complete(data, 1).unwrap_err(), Error::LinkFailed);
            assert_eq!(linked.device_id(), 9);
        }
        Err(_) => assert!(!offer.is_used()),
    }
}

// --------------------------------------------------------------------- groups

const KIND_SEALED_GROUP: u8 = 0x10;
const GROUP_ID: [u8; 16] = [0x67; 16];
const GROUP_NOW: u64 = 1_700_000_000;
const GROUP_NAMES: [&[u8]; 4] = [b"g-alice", b"g-bob", b"g-carol", b"g-dave"];

#[allow(dead_code)]
fn group_state(group: &sotto::group::GroupSession) -> Vec<u8> {
    sotto::hazmat::group_state(group).unwrap().to_vec()
}

#[allow(dead_code)]
fn group_fork(group: &sotto::group::GroupSession) -> sotto::group::GroupSession {
    sotto::hazmat::group_from_state(&group_state(group)).unwrap()
}

/// Three devices of one group that exchanged their chains, then Alice's
/// messages: "a0".."a3" (with a rotation before "a3", max 3 per chain),
/// Bob read "a1" only, so his state holds a skipped key.
#[allow(dead_code)]
pub struct GroupFixture {
    pub devices: Vec<sotto::group::GroupSession>,
    /// (bytes, plaintext, already read by Bob)
    pub messages: Vec<(Vec<u8>, Vec<u8>, bool)>,
    pub distributions: Vec<Vec<u8>>,
}

#[allow(dead_code, clippy::needless_range_loop)]
pub fn group_fixture() -> &'static GroupFixture {
    static FIXTURE: OnceLock<GroupFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        use sotto::group::{GroupConfig, GroupSession};
        let mut rng = ChaCha20Rng::seed_from_u64(0x6702);
        let config = GroupConfig { max_messages: 3, ..GroupConfig::default() };
        let names = &GROUP_NAMES[..3];
        let mut devices: Vec<GroupSession> = names
            .iter()
            .map(|n| {
                let others: Vec<&[u8]> = names.iter().copied().filter(|m| m != n).collect();
                GroupSession::create(GROUP_ID, n, &others, 0, config, GROUP_NOW, &mut rng).unwrap()
            })
            .collect();
        let mut distributions: Vec<Vec<u8>> =
            devices.iter().map(|d| d.distribution().to_bytes().unwrap().to_vec()).collect();
        for i in 0..3 {
            for j in 0..3 {
                if i != j {
                    devices[i].receive_distribution(&distributions[j], names[j]).unwrap();
                }
            }
        }
        let mut messages = Vec::new();
        for k in 0..4u8 {
            let plaintext = vec![b'a', b'0' + k];
            let out = devices[0].encrypt(&plaintext, GROUP_NOW, &mut rng).unwrap();
            if let Some(d) = out.distribution {
                let bytes = d.to_bytes().unwrap().to_vec();
                for j in 1..3 {
                    devices[j].receive_distribution(&bytes, names[0]).unwrap();
                }
                distributions.push(bytes);
            }
            messages.push((out.message, plaintext, k == 1));
        }
        devices[1].decrypt(&messages[1].0).unwrap();
        GroupFixture { devices, messages, distributions }
    })
}

/// Group messages (PROTOCOL.md §21.5, §21.6) on Bob's fixture state: parsing
/// never panics; a decryption succeeds only for a genuine message not yet
/// read, giving its plaintext; any failure leaves the state unchanged.
pub fn fuzz_group_message(data: &[u8]) {
    let fx = group_fixture();
    if let Ok(info) = sotto::group::GroupMessage::parse(data) {
        assert!(!info.sender().is_empty() && info.sender().len() <= 64);
    }
    let mut bob = group_fork(&fx.devices[1]);
    let before = group_state(&bob);
    match bob.decrypt(data) {
        Ok(read) => {
            let genuine = fx.messages.iter().find(|(m, _, _)| m.as_slice() == data);
            let (_, plaintext, read_before) = genuine.expect("only genuine messages decrypt");
            assert!(!read_before, "a message read twice");
            assert_eq!(&read.plaintext, plaintext);
            assert_eq!(read.sender, GROUP_NAMES[0]);
            assert_eq!(bob.decrypt(data).err(), Some(Error::DuplicateMessage));
        }
        Err(_) => assert_eq!(group_state(&bob), before, "a rejection changed the state"),
    }
}

/// Chain distributions (PROTOCOL.md §21.4): decoding never panics, a decoded
/// distribution re-encodes to the input, and receiving one either succeeds
/// or changes nothing.
pub fn fuzz_group_distribution(data: &[u8]) {
    use sotto::group::ChainDistribution;
    if let Ok(d) = ChainDistribution::from_bytes(data) {
        assert_eq!(d.to_bytes().unwrap().as_slice(), data, "distributions are canonical");
    }
    let fx = group_fixture();
    let from = GROUP_NAMES[usize::from(data.get(24).copied().unwrap_or(0)) % 4];
    let mut carol = group_fork(&fx.devices[2]);
    let before = group_state(&carol);
    match carol.receive_distribution(data, from) {
        Ok(()) => {
            let d = ChainDistribution::from_bytes(data).unwrap();
            assert_eq!(d.sender(), from);
            assert!(carol.has_chain(from, d.epoch()));
        }
        Err(_) => assert_eq!(group_state(&carol), before),
    }
}

/// Sealed groups (PROTOCOL.md §21.9): the fuzzer's bytes as a sealed object
/// and, sealed by the harness, as raw state; a state that decodes
/// re-encodes to exactly the input.
pub fn fuzz_sealed_group(data: &[u8]) {
    use sotto::group::GroupSession;
    let _ = GroupSession::unseal(&storage_key(), data);
    if let Ok(group) = GroupSession::unseal(&storage_key(), &seal_raw(KIND_SEALED_GROUP, data)) {
        assert_eq!(group_state(&group), data, "group states are canonical");
        let _ = group_fork(&group);
    }
}

/// A stateful multi-party group conversation (four devices) driven by the
/// fuzzer's bytes: send, deliver (any message to any device), tamper,
/// add, remove, rotate, seal and restore. Invariants: a device reads a
/// message only if it was a member when it was sent (in its current
/// incarnation), only once, and reads the plaintext sent; every rejection
/// leaves the state unchanged.
pub fn fuzz_group_conversation(data: &[u8]) {
    use sotto::group::{GroupConfig, GroupSession};
    use std::collections::BTreeSet;
    struct Sent {
        bytes: Vec<u8>,
        plaintext: Vec<u8>,
        audience: BTreeSet<(usize, u32)>,
        read: BTreeSet<(usize, u32)>,
    }
    let config = GroupConfig { max_messages: 4, ..GroupConfig::default() };
    let fx = group_fixture();
    let mut devices: Vec<Option<GroupSession>> =
        (0..4).map(|i| fx.devices.get(i).map(group_fork)).collect();
    let mut members: BTreeSet<usize> = [0, 1, 2].into();
    let mut incarnation = [0u32; 4];
    let mut epoch = 0u32;
    let mut sent: Vec<Sent> = fx
        .messages
        .iter()
        .map(|(m, p, read)| Sent {
            bytes: m.clone(),
            plaintext: p.clone(),
            audience: [(1, 0), (2, 0)].into(),
            read: if *read { [(1, 0)].into() } else { BTreeSet::new() },
        })
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(0x6703);
    let mut input = Input(data);
    let distribute = |devices: &mut Vec<Option<GroupSession>>, to: &BTreeSet<usize>, from: usize, d: &sotto::group::ChainDistribution| {
        let bytes = d.to_bytes().unwrap();
        for &t in to {
            if t != from {
                devices[t].as_mut().unwrap().receive_distribution(&bytes, GROUP_NAMES[from]).unwrap();
            }
        }
    };
    while let Some(op) = input.byte() {
        let a = usize::from(input.arg());
        let b = usize::from(input.arg());
        match op % 7 {
            0 => {
                let d = a % 4;
                let Some(g) = devices[d].as_mut() else { continue };
                let plaintext = vec![op; b % 40];
                let out = g.encrypt(&plaintext, GROUP_NOW, &mut rng).unwrap();
                let audience = if members.contains(&d) {
                    members.iter().filter(|m| **m != d).map(|m| (*m, incarnation[*m])).collect()
                } else {
                    BTreeSet::new()
                };
                if let Some(dist) = out.distribution
                    && members.contains(&d)
                {
                    distribute(&mut devices, &members, d, &dist);
                }
                sent.push(Sent { bytes: out.message, plaintext, audience, read: BTreeSet::new() });
            }
            1 | 2 => {
                let to = b % 4;
                if sent.is_empty() || devices[to].is_none() {
                    continue;
                }
                let k = a % sent.len();
                let mut bytes = sent[k].bytes.clone();
                if op % 7 == 2 {
                    let pos = usize::from(input.arg()) % bytes.len();
                    bytes[pos] ^= 1 << (input.arg() % 8);
                }
                let g = devices[to].as_mut().unwrap();
                let before = group_state(g);
                let me = (to, incarnation[to]);
                match g.decrypt(&bytes) {
                    Ok(read) => {
                        assert_eq!(bytes, sent[k].bytes, "a tampered message decrypted");
                        assert!(sent[k].audience.contains(&me), "read by a non-member");
                        assert!(sent[k].read.insert(me), "read twice");
                        assert_eq!(read.plaintext, sent[k].plaintext);
                    }
                    Err(_) => assert_eq!(group_state(g), before, "a rejection changed the state"),
                }
            }
            3 => {
                let d = a % 4;
                if members.contains(&d) {
                    continue;
                }
                let others: Vec<&[u8]> = members.iter().map(|m| GROUP_NAMES[*m]).collect();
                let joiner = GroupSession::create(GROUP_ID, GROUP_NAMES[d], &others, epoch, config, GROUP_NOW, &mut rng).unwrap();
                let jd = joiner.distribution();
                devices[d] = Some(joiner);
                incarnation[d] += 1;
                for &m in &members.clone() {
                    let dist = devices[m].as_mut().unwrap().add_members(&[GROUP_NAMES[d]]).unwrap();
                    distribute(&mut devices, &[d].into(), m, &dist);
                }
                distribute(&mut devices, &members, d, &jd);
                members.insert(d);
            }
            4 => {
                let d = a % 4;
                if !members.contains(&d) || members.len() <= 2 {
                    continue;
                }
                members.remove(&d);
                epoch += 1;
                let mut dists = Vec::new();
                for &m in &members {
                    dists.push((m, devices[m].as_mut().unwrap().remove_members(&[GROUP_NAMES[d]], GROUP_NOW, &mut rng).unwrap()));
                }
                for (m, dist) in dists {
                    distribute(&mut devices, &members, m, &dist);
                }
            }
            5 => {
                let d = a % 4;
                if !members.contains(&d) {
                    continue;
                }
                let dist = devices[d].as_mut().unwrap().rotate(GROUP_NOW, &mut rng).unwrap();
                distribute(&mut devices, &members, d, &dist);
            }
            _ => {
                let d = a % 4;
                let Some(g) = devices[d].as_mut() else { continue };
                let sealed = g.seal(&storage_key(), &mut rng).unwrap();
                let back = GroupSession::unseal(&storage_key(), &sealed).unwrap();
                assert_eq!(group_state(&back), group_state(g));
                *g = back;
            }
        }
    }
}

// ------------------------------------------------- ratchet version 2 (§22)

/// Two established version-2 sessions and messages in flight, built
/// deterministically: `(bytes, plaintext, to_bob)`.
#[allow(dead_code)]
pub struct PqFixture {
    pub alice: Session,
    pub bob: Session,
    pub messages: Vec<(Vec<u8>, Vec<u8>, bool)>,
}

#[allow(dead_code)]
fn pq_pair(seed: u64) -> (Session, Session, ChaCha20Rng) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let alice = Account::new(&mut rng).unwrap();
    let mut bob = Account::new(&mut rng).unwrap();
    let bundle = bob.prekey_bundle().unwrap().with_pq_ratchet();
    let mut a = Session::initiate(&alice, &bundle, &alice_ctx(), &mut rng).unwrap();
    let first = a.encrypt(b"pq hello", &mut rng).unwrap();
    let (mut b, _) = Session::accept(&mut bob, &first, &SessionContext::new(BOB_ID, ALICE_ID)).unwrap();
    let reply = b.encrypt(b"pq reply", &mut rng).unwrap();
    a.decrypt(&reply).unwrap();
    (a, b, rng)
}

#[allow(dead_code)]
pub fn pq_fixture() -> &'static PqFixture {
    static FIXTURE: OnceLock<PqFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (mut alice, mut bob, mut rng) = pq_pair(0x50_22);
        let mut messages = Vec::new();
        // 30 turns of 2: key chunks, ciphertext chunks, then in flight:
        // one message each way (a chunk each).
        for turn in 0..30u8 {
            for i in 0..2u8 {
                let plaintext = vec![turn, i];
                let (from, to) = if turn % 2 == 0 { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
                let m = from.encrypt(&plaintext, &mut rng).unwrap();
                to.decrypt(&m).unwrap();
            }
        }
        for (to_bob, plaintext) in [(true, b"in flight to bob"), (false, b"in flight to ali")] {
            let from = if to_bob { &mut alice } else { &mut bob };
            let m = from.encrypt(plaintext, &mut rng).unwrap();
            messages.push((m, plaintext.to_vec(), to_bob));
        }
        PqFixture { alice, bob, messages }
    })
}

/// Target `pq_message`: the new message fields of ratchet version 2.
/// Byte 0 even: the rest is a KEM field (§22.3), which never panics and,
/// when it decodes, re-encodes to exactly its input. Byte 0 odd: the rest
/// is a message for the version-2 fixture sessions: a failure changes
/// nothing, a success is a message in flight, decrypted once.
pub fn fuzz_pq_message(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        if let Ok(field) = sotto::hazmat::KemField::from_bytes(rest) {
            assert_eq!(field.to_bytes().as_slice(), rest, "KEM field not canonical");
        }
        return;
    }
    let fx = pq_fixture();
    let _ = sotto::message_type(rest);
    for (original, to_bob) in [(&fx.bob, true), (&fx.alice, false)] {
        let mut session = original.fork();
        match session.decrypt(rest) {
            Err(_) => assert!(session.state() == original.state(), "failed decryption changed the session"),
            Ok(plaintext) => {
                assert!(
                    fx.messages.iter().any(|(_, p, t)| *t == to_bob && *p == plaintext),
                    "decrypted something that was not sent"
                );
                let after = session.state();
                assert_eq!(session.decrypt(rest), Err(Error::DuplicateMessage));
                assert!(session.state() == after);
            }
        }
    }
}

/// Target `pq_conversation`: a stateful version-2 conversation driven by
/// the input (send, deliver any in flight, drop, tamper, seal and restore).
/// Invariants: a message never decrypts twice nor to another plaintext;
/// a tampered message never decrypts; every failure changes nothing; an
/// in-order conversation (each message delivered while it is the only one
/// in flight) always decrypts.
pub fn fuzz_pq_conversation(data: &[u8]) {
    let (alice, bob, mut rng) = pq_pair(0x50_23);
    let mut sessions = [alice, bob];
    // (bytes, plaintext, to, delivered)
    let mut network: Vec<(Vec<u8>, Vec<u8>, usize, bool)> = Vec::new();
    let mut input = Input(data);
    let mut sends = 0u32;
    let key = StorageKey::from_bytes(STORAGE_KEY);
    while let Some(op) = input.byte() {
        let arg = input.arg();
        match op % 6 {
            0 | 1 => {
                if sends >= 400 {
                    continue;
                }
                sends += 1;
                let from = usize::from(op % 2);
                let plaintext = [&sends.to_be_bytes()[..], &[arg; 3]].concat();
                let bytes = sessions[from].encrypt(&plaintext, &mut rng).unwrap();
                network.push((bytes, plaintext, 1 - from, false));
            }
            2 | 3 if !network.is_empty() => {
                let k = usize::from(arg) % network.len();
                // In order: every earlier message to this side delivered (or
                // dropped), no later one delivered yet.
                let to_side = network[k].2;
                let alone = network.iter().enumerate().all(|(j, m)| {
                    m.2 != to_side || j == k || (j < k && m.3) || (j > k && !m.3)
                });
                let (bytes, plaintext, to, delivered) = network[k].clone();
                let mut bytes = bytes;
                let tamper = op % 6 == 3;
                if tamper {
                    let position = usize::from(input.arg()) * 7 % bytes.len();
                    bytes[position] ^= input.arg().max(1);
                }
                let before = sessions[to].state();
                match sessions[to].decrypt(&bytes) {
                    Ok(got) => {
                        assert!(!tamper && !delivered, "decrypted a tampered or delivered message");
                        assert_eq!(got, plaintext);
                        network[k].3 = true;
                    }
                    Err(error) => {
                        assert!(sessions[to].state() == before, "failed decryption changed the session");
                        assert!(tamper || delivered || !alone, "an in-order message failed: {error:?}");
                    }
                }
            }
            4 if !network.is_empty() => {
                let k = usize::from(arg) % network.len();
                network.remove(k);
            }
            5 => {
                let side = usize::from(arg % 2);
                let sealed = sessions[side].seal(&key, &mut rng).unwrap();
                let back = Session::unseal(&key, &sealed).unwrap();
                assert!(back.state() == sessions[side].state());
                sessions[side] = back;
            }
            _ => {}
        }
    }
}
