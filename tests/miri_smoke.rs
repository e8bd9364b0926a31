//! A small end-to-end run sized for Miri (`cargo +nightly miri test --test
//! miri_smoke --target s390x-unknown-linux-gnu`, which also makes it a
//! big-endian run), and an ordinary fast test natively.
//!
//! Interpreted, ML-KEM key generation and a full handshake take minutes, so
//! the conversation starts from sealed sessions made natively by the fuzz
//! harness's deterministic fixture (fuzz/fixtures/miri, regenerated with
//! `cargo test --release --test fuzz_corpus_replay -- --ignored
//! generate_seed_corpora`): Alice holds two skipped keys and has a new chain
//! of Bob's to read; Bob holds skipped keys in a current and a retired chain.
//! Under Miri this runs: unsealing and sealing, out-of-order delivery from
//! skipped keys, a retired chain, a DH ratchet step on each side, replays,
//! tampering, and decoding of every wire object.

mod common;
use common::Fork;
use sotto::{
    Account, Error, IdentityKey, MessageType, PrekeyBundle, PrekeyMessage, Session, StorageKey,
};

const KEY: [u8; 32] = [0x5a; 32];
const ALICE: &[u8] = include_bytes!("../fuzz/fixtures/miri/alice.sealed");
const BOB: &[u8] = include_bytes!("../fuzz/fixtures/miri/bob.sealed");
const BUNDLE: &[u8] = include_bytes!("../fuzz/fixtures/miri/bundle");
const QR: &[u8] = include_bytes!("../fuzz/fixtures/miri/qr");
const P0: &[u8] = include_bytes!("../fuzz/fixtures/miri/p0.msg");
const P1: &[u8] = include_bytes!("../fuzz/fixtures/miri/p1.msg");
const M0: &[u8] = include_bytes!("../fuzz/fixtures/miri/m0.msg");
const M1: &[u8] = include_bytes!("../fuzz/fixtures/miri/m1.msg");
const M2: &[u8] = include_bytes!("../fuzz/fixtures/miri/m2.msg");
const R0: &[u8] = include_bytes!("../fuzz/fixtures/miri/r0.msg");
const R1: &[u8] = include_bytes!("../fuzz/fixtures/miri/r1.msg");
const S0: &[u8] = include_bytes!("../fuzz/fixtures/miri/s0.msg");

/// A generator for the few random draws (nonces, one ratchet key).
struct Counter(u8);
impl rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(u32::from(self.0) * 0x0101_0101)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(u64::from(self.0) * 0x0101_0101_0101_0101)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for (i, byte) in dst.iter_mut().enumerate() {
            self.0 = self.0.wrapping_add(1);
            *byte = self.0 ^ (i as u8).rotate_left(3);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Counter {}

fn text(name: &str) -> Vec<u8> {
    format!("fixture message {name}").into_bytes()
}

#[test]
fn out_of_order_conversation_from_sealed_sessions() {
    let key = StorageKey::from_bytes(KEY);
    let mut alice = Session::unseal(&key, ALICE).unwrap();
    let mut bob = Session::unseal(&key, BOB).unwrap();
    assert_eq!(alice.id(), bob.id());
    let mut rng = Counter(0);

    // Bob: skipped keys of his current chain, out of order, then a replay.
    assert_eq!(bob.decrypt(M2).unwrap(), text("m2"));
    assert_eq!(bob.decrypt(M0).unwrap(), text("m0"));
    assert_eq!(bob.decrypt(M0), Err(Error::DuplicateMessage));
    assert_eq!(bob.decrypt(M1), Err(Error::DuplicateMessage));
    // A late prekey message from the retired first chain.
    assert_eq!(sotto::message_type(P0), Ok(MessageType::Prekey));
    assert_eq!(bob.decrypt(P0).unwrap(), text("p0"));
    assert_eq!(bob.decrypt(P1), Err(Error::DuplicateMessage));

    // Alice: Bob's new chain first (a DH ratchet step), then the two
    // skipped keys of his previous chain.
    assert_eq!(alice.decrypt(S0).unwrap(), text("s0"));
    assert_eq!(alice.decrypt(R1).unwrap(), text("r1"));
    assert_eq!(alice.decrypt(R0).unwrap(), text("r0"));
    assert_eq!(alice.decrypt(R0), Err(Error::DuplicateMessage));

    // Alice's reply starts a new chain (her sending DH step); Bob follows.
    let reply = alice.encrypt(b"reply", &mut rng).unwrap();
    assert_eq!(sotto::message_type(&reply), Ok(MessageType::Normal));
    let mut tampered = reply.clone();
    tampered[30] ^= 0x01; // in the encrypted header
    let before = bob.fork();
    assert_eq!(bob.decrypt(&tampered), Err(Error::DecryptionFailed));
    assert!(bob.state() == before.state());
    assert_eq!(bob.decrypt(&reply).unwrap(), b"reply");

    // Sealed state round trips; the wrong key and the wrong kind fail.
    let sealed = bob.seal(&key, &mut rng).unwrap();
    assert!(Session::unseal(&key, &sealed).unwrap().state() == bob.state());
    assert_eq!(
        Session::unseal(&StorageKey::from_bytes([8; 32]), &sealed).err(),
        Some(Error::UnsealFailed)
    );
    assert_eq!(
        Account::unseal(&key, &sealed).map(|_| ()),
        Err(Error::WrongObjectType)
    );
}

#[test]
fn every_wire_object_decodes() {
    let bundle = PrekeyBundle::from_bytes(BUNDLE).unwrap();
    assert_eq!(bundle.to_bytes(), BUNDLE);
    let identity = bundle.identity().to_bytes();
    assert_eq!(
        &IdentityKey::from_bytes(&identity).unwrap(),
        bundle.identity()
    );
    let prekey = PrekeyMessage::from_bytes(P1).unwrap();
    assert_ne!(prekey.initiator_identity(), bundle.identity());
    let mut bad = identity.clone();
    bad[100] ^= 1; // in the binding signature
    assert_eq!(IdentityKey::from_bytes(&bad), Err(Error::BadSignature));
    assert_eq!(sotto::message_type(M0), Ok(MessageType::Normal));
    // The QR payload's framing (matching it needs a safety number, 2 x 5200
    // SHA-512: tested natively).
    assert_eq!(QR.len(), 66);
    assert_eq!(&QR[..2], &[1, 6]);
}

#[test]
fn decoders_reject_garbage() {
    let garbage: [&[u8]; 5] = [&[], &[1], &[1, 3], &[2, 1, 0, 0], &[1, 1, 2, 0, 0, 0, 0]];
    let key = StorageKey::from_bytes([1; 32]);
    for bytes in garbage {
        assert!(PrekeyBundle::from_bytes(bytes).is_err());
        assert!(PrekeyMessage::from_bytes(bytes).is_err());
        assert!(IdentityKey::from_bytes(bytes).is_err());
        assert!(Session::unseal(&key, bytes).is_err());
        assert!(Account::unseal(&key, bytes).is_err());
    }
    assert_eq!(sotto::message_type(&[2, 3]), Err(Error::UnsupportedVersion));
    assert_eq!(sotto::message_type(&[1, 9]), Err(Error::WrongObjectType));
    let mut truncated = BUNDLE.to_vec();
    truncated.pop();
    assert!(PrekeyBundle::from_bytes(&truncated).is_err());
}
