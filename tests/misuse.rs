//! Misuse resistance: what the API makes impossible, shown by tests.
//!
//! * Nonces: the caller never supplies one. `Session::encrypt` takes only the
//!   plaintext and a random number generator; every message carries a fresh
//!   192-bit nonce drawn inside the library.
//! * Bundles: the only public constructors of a `PrekeyBundle` are
//!   `PrekeyBundle::from_bytes` and `PrekeyBundle::new`, and both verify every
//!   signature (`Account::prekey_bundle` builds one through `new`). A session
//!   can only be started from a `&PrekeyBundle`.
//! * Sessions: the only constructors are `Session::initiate` (from a verified
//!   bundle), `Session::accept` (from an authentic prekey message) and
//!   `Session::unseal` (from authentic sealed state); there is no way to get a
//!   `Session` that has not been through a handshake.
//! * Rollback: restoring an older sealed session and sending again re-derives
//!   message keys already used, but never with a nonce already used, and the
//!   peer rejects the replayed indexes as duplicates.

mod common;
use common::Fork;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sotto::{
    Account, Error, KemPrekey, MessageType, PrekeyBundle, PrekeyMessage, Session, SessionContext,
    SignedPrekey, StorageKey,
};
use std::collections::HashSet;

const NORMAL_NONCE: std::ops::Range<usize> = 2..26;
/// Prekey message prefix before the one-time flag (src/message.rs):
/// header (2) || identity record (130) || base key (33) || signed prekey id
/// (4) || KEM prekey id (4) || KEM prekey kind (1).
const PREKEY_FLAG_OFFSET: usize = 2 + 130 + 33 + 4 + 4 + 1;
const KEM_CIPHERTEXT_LEN: usize = 1088;

fn alice_ctx() -> SessionContext<'static> {
    SessionContext::new(b"alice", b"bob")
}
fn bob_ctx() -> SessionContext<'static> {
    SessionContext::new(b"bob", b"alice")
}

/// Offset of the embedded normal message inside a prekey message, from the
/// documented layout.
fn prekey_inner_offset(message: &[u8]) -> usize {
    let one_time = match message[PREKEY_FLAG_OFFSET] {
        0 => 0,
        1 => 4,
        other => panic!("bad one-time flag {other}"),
    };
    PREKEY_FLAG_OFFSET + 1 + one_time + KEM_CIPHERTEXT_LEN
}

/// The 24-byte nonce of a message, read from the wire format.
fn nonce_of(message: &[u8]) -> [u8; 24] {
    let inner = match sotto::message_type(message).unwrap() {
        MessageType::Normal => message,
        MessageType::Prekey => &message[prekey_inner_offset(message)..],
    };
    assert_eq!(&inner[..2], &[1, 3], "embedded message header");
    inner[NORMAL_NONCE].try_into().unwrap()
}

struct Pair {
    alice: Session,
    bob: Session,
    bob_account: Account,
}

/// Alice and Bob after the handshake; with `replied`, Bob has answered and
/// Alice has read the answer (so she sends normal messages).
fn pair(rng: &mut ChaCha20Rng, replied: bool) -> Pair {
    let alice_account = Account::new(rng).unwrap();
    let mut bob_account = Account::new(rng).unwrap();
    bob_account.generate_one_time_prekeys(1, rng).unwrap();
    let bundle =
        PrekeyBundle::from_bytes(&bob_account.prekey_bundle().unwrap().to_bytes()).unwrap();
    let mut alice = Session::initiate(&alice_account, &bundle, &alice_ctx(), rng).unwrap();
    let first = alice.encrypt(b"hello", rng).unwrap();
    let (mut bob, text) = Session::accept(&mut bob_account, &first, &bob_ctx()).unwrap();
    assert_eq!(text, b"hello");
    if replied {
        let reply = bob.encrypt(b"hi", rng).unwrap();
        assert_eq!(alice.decrypt(&reply).unwrap(), b"hi");
        assert!(!alice.awaiting_reply());
    }
    Pair {
        alice,
        bob,
        bob_account,
    }
}

// ------------------------------------------------------------------ nonces

#[test]
fn every_message_gets_a_fresh_nonce_from_the_library() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let Pair {
        mut alice, mut bob, ..
    } = pair(&mut rng, false);
    let mut nonces = HashSet::new();
    let mut bodies = HashSet::new();
    // Same plaintext again and again, prekey messages then normal messages,
    // across several ratchet turns and on both sides.
    for turn in 0..4 {
        for _ in 0..25 {
            let message = alice.encrypt(b"same text", &mut rng).unwrap();
            assert!(nonces.insert(nonce_of(&message)), "nonce repeated");
            assert!(bodies.insert(message.clone()));
            assert_eq!(bob.decrypt(&message).unwrap(), b"same text");
        }
        let expected = if turn == 0 {
            MessageType::Prekey
        } else {
            MessageType::Normal
        };
        let probe = alice.encrypt(b"probe", &mut rng).unwrap();
        assert_eq!(sotto::message_type(&probe), Ok(expected));
        assert!(nonces.insert(nonce_of(&probe)));
        bob.decrypt(&probe).unwrap();
        for _ in 0..25 {
            let message = bob.encrypt(b"same text", &mut rng).unwrap();
            assert!(nonces.insert(nonce_of(&message)), "nonce repeated");
            assert_eq!(alice.decrypt(&message).unwrap(), b"same text");
        }
    }
    assert_eq!(nonces.len(), 4 * 51);
}

/// An RNG that returns the same byte forever (a broken generator).
struct StuckRng;
impl rand_core::TryRng for StuckRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(0x4242_4242)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(0x4242_4242_4242_4242)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(0x42);
        Ok(())
    }
}
impl rand_core::TryCryptoRng for StuckRng {}

#[test]
fn message_keys_are_per_message_even_when_the_rng_repeats_itself() {
    // With a broken generator the nonces repeat (the library cannot invent
    // entropy), but each message index has its own message key, so equal
    // plaintexts under equal nonces still give different bodies, and the
    // receiver still decrypts each exactly once. Header keys are per chain:
    // SECURITY.md lists a working CSPRNG as a requirement.
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let Pair {
        mut alice, mut bob, ..
    } = pair(&mut rng, true);
    let first = alice.encrypt(b"same", &mut StuckRng).unwrap();
    let second = alice.encrypt(b"same", &mut StuckRng).unwrap();
    assert_eq!(nonce_of(&first), nonce_of(&second));
    assert_eq!(first.len(), second.len());
    let body = 2 + 24 + 56;
    assert_ne!(first[body..], second[body..], "same message key used twice");
    assert_eq!(bob.decrypt(&second).unwrap(), b"same");
    assert_eq!(bob.decrypt(&first).unwrap(), b"same");
    assert_eq!(bob.decrypt(&first), Err(Error::DuplicateMessage));
}

// ----------------------------------------------------------------- bundles

#[test]
fn tampered_bundle_bytes_never_yield_a_usable_bundle() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let alice_account = Account::new(&mut rng).unwrap();
    let mut bob_account = Account::new(&mut rng).unwrap();
    bob_account.generate_one_time_prekeys(1, &mut rng).unwrap();
    let bytes = bob_account.prekey_bundle().unwrap().to_bytes();
    // header (2) + identity (130) + signed prekey (4 + 33 + 64) + KEM prekey
    // (4 + 1 + 1 + 1184 + 64) + flag (1) + one-time prekey (4 + 33)
    assert_eq!(bytes.len(), 2 + 130 + 101 + 1254 + 1 + 37);
    // Everything but the unsigned one-time prekey (its id, type byte and key,
    // the last 37 bytes) is covered by a signature or is structural.
    let one_time = bytes.len() - 37..bytes.len();
    let mut decoded_after_tamper = 0;
    for position in 0..bytes.len() {
        for mask in [0x01u8, 0x80] {
            let mut tampered = bytes.clone();
            tampered[position] ^= mask;
            match PrekeyBundle::from_bytes(&tampered) {
                Err(_) => {}
                Ok(bundle) => {
                    assert!(
                        one_time.contains(&position),
                        "byte {position} ^ {mask:#x} decoded as a valid bundle"
                    );
                    decoded_after_tamper += 1;
                    // An altered one-time prekey cannot yield a working
                    // session: the responder rejects the first message and
                    // keeps its prekeys.
                    let mut bob = bob_account.fork();
                    let counts = bob.one_time_prekey_counts();
                    let mut alice =
                        Session::initiate(&alice_account, &bundle, &alice_ctx(), &mut rng).unwrap();
                    let first = alice.encrypt(b"x", &mut rng).unwrap();
                    let error = Session::accept(&mut bob, &first, &bob_ctx()).map(|_| ());
                    assert!(
                        matches!(error, Err(Error::UnknownPrekey | Error::DecryptionFailed)),
                        "byte {position}: {error:?}"
                    );
                    assert_eq!(bob.one_time_prekey_counts(), counts);
                }
            }
        }
    }
    // Only the one-time prekey's id and key bytes (36 of them) can change
    // and still decode; not its type byte.
    assert!(decoded_after_tamper <= 2 * 36, "{decoded_after_tamper}");
}

#[test]
fn bundle_constructors_verify_every_signature() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let bob = Account::new(&mut rng).unwrap();
    let mallory = Account::new(&mut rng).unwrap();
    let bob_bundle = bob.prekey_bundle().unwrap();
    let mallory_bundle = mallory.prekey_bundle().unwrap();
    // Mallory's prekeys presented under Bob's identity.
    assert_eq!(
        PrekeyBundle::new(
            bob.identity_key().clone(),
            mallory_bundle.signed_prekey().clone(),
            bob_bundle.kem_prekey().clone(),
            None
        ),
        Err(Error::BadSignature)
    );
    assert_eq!(
        PrekeyBundle::new(
            bob.identity_key().clone(),
            bob_bundle.signed_prekey().clone(),
            mallory_bundle.kem_prekey().clone(),
            None
        ),
        Err(Error::BadSignature)
    );
    // A signature over different bytes: flip one bit of the key inside the
    // encoded signed prekey, then decode it as a part.
    let mut signed = bob_bundle.signed_prekey().to_bytes();
    signed[10] ^= 1;
    let forged = SignedPrekey::from_bytes(&signed).unwrap();
    assert_eq!(
        PrekeyBundle::new(
            bob.identity_key().clone(),
            forged,
            bob_bundle.kem_prekey().clone(),
            None
        ),
        Err(Error::BadSignature)
    );
    let mut kem = bob_bundle.kem_prekey().to_bytes();
    let last = kem.len() - 1;
    kem[last] ^= 1; // in the signature
    let forged = KemPrekey::from_bytes(&kem).unwrap();
    assert_eq!(
        PrekeyBundle::new(
            bob.identity_key().clone(),
            bob_bundle.signed_prekey().clone(),
            forged,
            None
        ),
        Err(Error::BadSignature)
    );
    // The honest parts assemble.
    assert!(
        PrekeyBundle::new(
            bob.identity_key().clone(),
            bob_bundle.signed_prekey().clone(),
            bob_bundle.kem_prekey().clone(),
            None
        )
        .is_ok()
    );
}

// ---------------------------------------------------------------- sessions

#[test]
fn a_session_exists_only_after_a_handshake() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let Pair {
        alice,
        bob,
        mut bob_account,
    } = pair(&mut rng, false);
    // Both ends of a handshake can encrypt at once.
    assert!(alice.can_encrypt() && bob.can_encrypt());
    // `accept` takes only an authentic prekey message: a normal message,
    // garbage, or a prekey message with a forged inner message fail, and
    // leave the account's one-time prekeys alone.
    let mut other = pair(&mut rng, true);
    let normal = other.alice.encrypt(b"x", &mut rng).unwrap();
    let counts = bob_account.one_time_prekey_counts();
    assert_eq!(
        Session::accept(&mut bob_account, &normal, &bob_ctx()).map(|_| ()),
        Err(Error::WrongObjectType)
    );
    assert!(Session::accept(&mut bob_account, &[1, 2, 0, 0], &bob_ctx()).is_err());
    assert_eq!(bob_account.one_time_prekey_counts(), counts);
    // `unseal` takes only state sealed under the caller's key.
    let key = StorageKey::from_bytes([7; 32]);
    let sealed = bob.seal(&key, &mut rng).unwrap();
    assert_eq!(
        Session::unseal(&StorageKey::from_bytes([8; 32]), &sealed).err(),
        Some(Error::UnsealFailed)
    );
    let mut corrupted = sealed.clone();
    corrupted[40] ^= 1;
    assert_eq!(
        Session::unseal(&key, &corrupted).err(),
        Some(Error::UnsealFailed)
    );
    assert!(Session::unseal(&key, &sealed).unwrap().state() == bob.state());
    // A sealed account is not a session.
    let sealed_account = other.bob_account.seal(&key, &mut rng).unwrap();
    assert_eq!(
        Session::unseal(&key, &sealed_account).err(),
        Some(Error::WrongObjectType)
    );
    let _ = &mut other.bob;
}

// ---------------------------------------------------------------- rollback

/// Seals `sender`, sends `n` messages that `receiver` reads, restores the
/// sealed copy and sends `n` more. Returns every message of both runs.
fn rollback(
    sender: &mut Session,
    receiver: &mut Session,
    n: usize,
    rng: &mut ChaCha20Rng,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let key = StorageKey::from_bytes([0x11; 32]);
    let sealed = sender.seal(&key, rng).unwrap();
    let mut first = Vec::new();
    for i in 0..n {
        let text = format!("original {i}");
        let message = sender.encrypt(text.as_bytes(), rng).unwrap();
        assert_eq!(receiver.decrypt(&message).unwrap(), text.as_bytes());
        first.push(message);
    }
    let mut restored = Session::unseal(&key, &sealed).unwrap();
    let mut second = Vec::new();
    for i in 0..n {
        // Different plaintexts: the dangerous case for a repeated key/nonce.
        let text = format!("after restore {i}");
        second.push(restored.encrypt(text.as_bytes(), rng).unwrap());
    }
    (first, second)
}

fn assert_all_nonces_distinct(first: &[Vec<u8>], second: &[Vec<u8>]) {
    let nonces: HashSet<[u8; 24]> = first.iter().chain(second).map(|m| nonce_of(m)).collect();
    assert_eq!(
        nonces.len(),
        first.len() + second.len(),
        "a nonce repeated across the rollback"
    );
}

#[test]
fn restoring_an_old_session_never_reuses_a_key_nonce_pair() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let Pair {
        mut alice, mut bob, ..
    } = pair(&mut rng, true);
    // Warm up: Alice is mid-chain (no ratchet step pending).
    let warm = alice.encrypt(b"warm", &mut rng).unwrap();
    bob.decrypt(&warm).unwrap();
    let (first, second) = rollback(&mut alice, &mut bob, 40, &mut rng);
    // The restored copy re-derives the same chain, so message i of both runs
    // uses the same message key (same index in the same chain, which the
    // header shows to the receiver): distinct nonces are what keeps every
    // (key, nonce) pair unique.
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.len(), b.len());
    }
    assert_all_nonces_distinct(&first, &second);
    // The receiver has used those indexes: each replayed index is a
    // duplicate, never a garbage decryption, and changes nothing.
    for message in &second {
        let before = bob.fork();
        assert_eq!(bob.decrypt(message), Err(Error::DuplicateMessage));
        assert!(bob.state() == before.state());
    }
}

#[test]
fn restoring_during_the_prekey_phase_never_reuses_a_key_nonce_pair() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let Pair {
        mut alice,
        mut bob,
        mut bob_account,
    } = pair(&mut rng, false);
    assert!(alice.awaiting_reply());
    let (first, second) = rollback(&mut alice, &mut bob, 20, &mut rng);
    assert!(
        second
            .iter()
            .all(|m| sotto::message_type(m) == Ok(MessageType::Prekey))
    );
    assert_all_nonces_distinct(&first, &second);
    for message in &second {
        let before = bob.fork();
        assert_eq!(bob.decrypt(message), Err(Error::DuplicateMessage));
        assert!(bob.state() == before.state());
        // Nor can a replayed prekey message start a second session.
        assert_eq!(
            Session::accept(&mut bob_account, message, &bob_ctx()).map(|_| ()),
            Err(Error::DuplicateMessage)
        );
    }
}

#[test]
fn restoring_before_a_pending_ratchet_step_starts_a_fresh_chain() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let Pair {
        mut alice, mut bob, ..
    } = pair(&mut rng, true);
    // Alice has just read Bob's reply: her next message starts a new chain
    // with a new ratchet key drawn at that moment. The restored copy draws a
    // different one, so its chain (and message keys) differ from the
    // original's; the nonces are distinct as always.
    let (first, second) = rollback(&mut alice, &mut bob, 10, &mut rng);
    assert_all_nonces_distinct(&first, &second);
    for message in &second {
        let before = bob.fork();
        // The header authenticates under Bob's current header key (the fork
        // reuses it) but names an unknown ratchet key: reported as
        // `StaleSession` (code 21, PROTOCOL.md §6.5 step 4), never a
        // decryption.
        assert_eq!(bob.decrypt(message), Err(Error::StaleSession));
        assert_eq!(Error::StaleSession.code(), 21);
        assert!(bob.state() == before.state());
    }
}

#[test]
fn restoring_the_rng_state_with_the_session_does_repeat_key_and_nonce() {
    // The documented limitation behind the guarantee above: nonces are only
    // as fresh as the caller's generator. A deterministic generator whose
    // state is saved and restored along with the session replays the same
    // nonces under the same message keys: equal plaintexts give identical
    // bytes. SECURITY.md tells callers never to persist generator state.
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let Pair { mut alice, .. } = pair(&mut rng, true);
    let _ = alice.encrypt(b"warm", &mut rng).unwrap();
    let snapshot = alice.fork();
    let rng_snapshot = rng.clone();
    let original = alice.encrypt(b"same", &mut rng).unwrap();
    let mut restored = snapshot;
    let mut restored_rng = rng_snapshot;
    let replay = restored.encrypt(b"same", &mut restored_rng).unwrap();
    assert_eq!(nonce_of(&original), nonce_of(&replay));
    assert_eq!(original, replay);
}

// ------------------------------------------------------- envelope fields

/// Regression: an existing session once ignored the handshake fields of a
/// repeated prekey message (fixed in the core by making the session id cover
/// the whole prekey header).
#[test]
fn repeated_prekey_message_with_altered_handshake_fields_is_rejected() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let Pair {
        mut alice, mut bob, ..
    } = pair(&mut rng, false);
    let second = alice.encrypt(b"second", &mut rng).unwrap();
    let decoded = PrekeyMessage::from_bytes(&second).unwrap();
    assert_eq!(decoded.session_id(), bob.id());
    // Alter one byte of a prekey id, the KEM kind, or the KEM ciphertext:
    // fields that the responder's existing session does not otherwise use.
    for position in [
        2 + 130 + 33 + 1,
        PREKEY_FLAG_OFFSET - 1,
        PREKEY_FLAG_OFFSET + 1 + 4 + 100,
    ] {
        let mut tampered = second.clone();
        tampered[position] ^= 0x03;
        let before = bob.fork();
        assert!(
            bob.decrypt(&tampered).is_err(),
            "a prekey message with byte {position} altered was accepted"
        );
        assert!(bob.state() == before.state());
    }
    assert_eq!(bob.decrypt(&second).unwrap(), b"second");
}
