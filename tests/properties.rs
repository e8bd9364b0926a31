//! Property tests over random two-party conversations.
//!
//! A random schedule of operations (send, deliver in any order, drop,
//! duplicate, tamper, seal and restore) drives Alice and Bob. The properties:
//!
//! - every untampered message that is delivered decrypts exactly once, to
//!   exactly the plaintext that was sent;
//! - every replayed message is rejected with `DuplicateMessage`;
//! - every tampered message is rejected;
//! - every rejection leaves the receiving session record and account
//!   exactly as they were (each party routes through a `SessionRecord`);
//! - sealing and unsealing preserves the session exactly.

mod common;

use common::*;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use sotto::{Account, Error, SessionRecord, StorageKey};

#[derive(Clone, Debug)]
enum Op {
    /// The side (false = Alice, true = Bob) sends a message of this length.
    Send(bool, u8),
    /// The side receives one of the messages in flight to it.
    Deliver(bool, prop::sample::Index),
    /// A message in flight to the side is lost.
    Drop(bool, prop::sample::Index),
    /// An already delivered message is delivered again.
    Replay(bool, prop::sample::Index),
    /// A message in flight is delivered with one bit flipped (and stays in flight).
    Tamper(bool, prop::sample::Index, prop::sample::Index, u8),
    /// The side seals its session and continues from the unsealed copy.
    SealRestore(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), any::<u8>()).prop_map(|(s, n)| Op::Send(s, n)),
        4 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Deliver(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Drop(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Replay(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..8)
            .prop_map(|(s, i, b, bit)| Op::Tamper(s, i, b, bit)),
        1 => any::<bool>().prop_map(Op::SealRestore),
    ]
}

struct Party {
    account: Account,
    /// Routes every message (§17): the hand-written "accept, else decrypt"
    /// routing is the record's job.
    record: SessionRecord,
    /// Messages in flight to this party: (bytes, plaintext).
    inbox: Vec<(Vec<u8>, Vec<u8>)>,
    /// Messages this party has already decrypted.
    delivered: Vec<Vec<u8>>,
}

struct World {
    rng: ChaCha20Rng,
    parties: [Party; 2],
    storage_key: StorageKey,
    sent: usize,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let p = pair(&mut rng, seed.is_multiple_of(2));
        let storage_key = StorageKey::generate(&mut rng).unwrap();
        World {
            rng,
            parties: [
                Party {
                    account: p.alice,
                    record: SessionRecord::from(p.alice_session),
                    inbox: vec![],
                    delivered: vec![],
                },
                Party {
                    account: p.bob,
                    record: SessionRecord::new(),
                    inbox: vec![],
                    delivered: vec![],
                },
            ],
            storage_key,
            sent: 0,
        }
    }

    /// Receives `bytes` as party `to` through its session record.
    fn receive(&mut self, to: usize, bytes: &[u8]) -> Result<Vec<u8>, Error> {
        let party = &mut self.parties[to];
        let context = if to == 0 {
            alice_context()
        } else {
            bob_context()
        };
        party.record.decrypt(&mut party.account, bytes, &context)
    }

    /// Receives something that must fail, and checks nothing changed.
    fn receive_bad(&mut self, to: usize, bytes: &[u8]) -> Error {
        let session_before = self.parties[to].record.state();
        let account_before = self.parties[to].account.state();
        let error = self.receive(to, bytes).expect_err("bad input was accepted");
        assert_eq!(
            self.parties[to].record.state(),
            session_before,
            "session changed on {error:?}"
        );
        assert!(
            self.parties[to].account.state() == account_before,
            "account changed on {error:?}"
        );
        error
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Send(side, len) => {
                let from = usize::from(*side);
                let session = &mut self.parties[from].record;
                if session.is_empty() {
                    return;
                }
                let plaintext: Vec<u8> = format!("#{} ", self.sent)
                    .into_bytes()
                    .into_iter()
                    .chain(0..*len)
                    .collect();
                self.sent += 1;
                let bytes = session.encrypt(&plaintext, &mut self.rng).unwrap();
                self.parties[1 - from].inbox.push((bytes, plaintext));
            }
            Op::Deliver(side, pick) => {
                let to = usize::from(*side);
                if self.parties[to].inbox.is_empty() {
                    return;
                }
                let index = pick.index(self.parties[to].inbox.len());
                let (bytes, plaintext) = self.parties[to].inbox.remove(index);
                let decrypted = self
                    .receive(to, &bytes)
                    .expect("untampered message must decrypt");
                assert_eq!(decrypted, plaintext);
                self.parties[to].delivered.push(bytes);
            }
            Op::Drop(side, pick) => {
                let inbox = &mut self.parties[usize::from(*side)].inbox;
                if !inbox.is_empty() {
                    inbox.remove(pick.index(inbox.len()));
                }
            }
            Op::Replay(side, pick) => {
                let to = usize::from(*side);
                if self.parties[to].delivered.is_empty() {
                    return;
                }
                let bytes = self.parties[to].delivered
                    [pick.index(self.parties[to].delivered.len())]
                .clone();
                let error = self.receive_bad(to, &bytes);
                assert_eq!(error, Error::DuplicateMessage);
            }
            Op::Tamper(side, pick, byte, bit) => {
                let to = usize::from(*side);
                if self.parties[to].inbox.is_empty() {
                    return;
                }
                let mut bytes = self.parties[to].inbox[pick.index(self.parties[to].inbox.len())]
                    .0
                    .clone();
                let position = byte.index(bytes.len());
                bytes[position] ^= 1 << bit;
                self.receive_bad(to, &bytes);
            }
            Op::SealRestore(side) => {
                let party = &mut self.parties[usize::from(*side)];
                let sealed = party.record.seal(&self.storage_key, &mut self.rng).unwrap();
                let restored = SessionRecord::unseal(&self.storage_key, &sealed).unwrap();
                assert_eq!(restored.state(), party.record.state());
                party.record = restored;
            }
        }
    }

    /// Delivers everything still in flight, in order: all must decrypt.
    fn drain(&mut self) {
        for to in [1, 0] {
            while !self.parties[to].inbox.is_empty() {
                let (bytes, plaintext) = self.parties[to].inbox.remove(0);
                assert_eq!(
                    self.receive(to, &bytes).expect("late message must decrypt"),
                    plaintext
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_conversations_deliver_exactly_once(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..120)) {
        let mut world = World::new(seed);
        for op in &ops {
            world.apply(op);
        }
        world.drain();
        // Afterwards both can still talk in both directions.
        if !world.parties[1].record.is_empty() {
            for (from, to) in [(0usize, 1usize), (1, 0)] {
                let bytes = world.parties[from].record.encrypt(b"still there?", &mut world.rng).unwrap();
                prop_assert_eq!(world.receive(to, &bytes).unwrap(), b"still there?".to_vec());
            }
        }
    }
}
