//! Ratchet version 2, the post-quantum KEM ratchet (PROTOCOL.md §22):
//! negotiation, sizes, epochs, transactional decryption, sealed state, and
//! healing against an adversary who stole one side's state and can break
//! X25519 (simulated: it learns every X25519 key that side draws later,
//! but none of its later ML-KEM randomness).

mod common;

use common::*;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{TryCryptoRng, TryRng};
use sotto::hazmat::{self, KemField};
use sotto::{Account, Error, PrekeyBundle, Session, StorageKey};
use std::collections::VecDeque;

/// Alice and Bob with established version-2 sessions (Bob's bundle
/// advertises the capability), or version 1 when `pq` is false.
fn established_with(seed: u64, pq: bool) -> (Session, Session, ChaCha20Rng) {
    let mut rng = rng(seed);
    let alice = Account::new(&mut rng).unwrap();
    let mut bob = Account::new(&mut rng).unwrap();
    bob.generate_one_time_prekeys(1, &mut rng).unwrap();
    let mut bundle = bob.prekey_bundle().unwrap();
    if pq {
        bundle = PrekeyBundle::from_bytes(&bundle.with_pq_ratchet().to_bytes()).unwrap();
    }
    let mut a = Session::initiate(&alice, &bundle, &alice_context(), &mut rng).unwrap();
    let first = a.encrypt(b"hello", &mut rng).unwrap();
    let (mut b, plaintext) = Session::accept(&mut bob, &first, &bob_context()).unwrap();
    assert_eq!(plaintext, b"hello");
    let reply = b.encrypt(b"hello back", &mut rng).unwrap();
    assert_eq!(a.decrypt(&reply).unwrap(), b"hello back");
    assert_eq!((a.uses_pq_ratchet(), b.uses_pq_ratchet()), (pq, pq));
    (a, b, rng)
}

/// Alternates every `k` messages for `turns` turns, each message delivered
/// at once; returns the total bytes of the messages with a 100-byte text.
fn alternate(
    a: &mut Session,
    b: &mut Session,
    rng: &mut ChaCha20Rng,
    k: usize,
    turns: usize,
) -> usize {
    let mut bytes = 0;
    for turn in 0..turns {
        let (from, to) = if turn % 2 == 0 {
            (&mut *a, &mut *b)
        } else {
            (&mut *b, &mut *a)
        };
        for _ in 0..k {
            let message = from.encrypt(&[0x61; 100], rng).unwrap();
            bytes += message.len();
            assert_eq!(to.decrypt(&message).unwrap(), [0x61; 100]);
        }
    }
    bytes
}

#[test]
fn version_two_costs_56_bytes_per_message_and_advances_epochs() {
    for k in [1usize, 3, 10] {
        let (mut a1, mut b1, mut rng1) = established_with(7, false);
        let (mut a2, mut b2, mut rng2) = established_with(7, true);
        let turns = 600 / k;
        let v1 = alternate(&mut a1, &mut b1, &mut rng1, k, turns);
        let v2 = alternate(&mut a2, &mut b2, &mut rng2, k, turns);
        let messages = k * turns;
        // §7.2: a 100-byte text is a 202-byte v1 message; §22.3 adds the
        // 56-byte KEM field to the encrypted header.
        assert_eq!(v1, 202 * messages);
        assert_eq!(v2, 258 * messages);
        let epochs = a2.kem_epoch().unwrap();
        assert!(epochs.abs_diff(b2.kem_epoch().unwrap()) <= 1);
        assert!(
            epochs >= 2,
            "k = {k}: only {epochs} KEM epochs in {messages} messages"
        );
        println!(
            "k = {k}: {messages} messages, +{} bytes each, {epochs} KEM epochs",
            (v2 - v1) / messages
        );
    }
}

#[test]
fn negotiation_falls_back_to_version_one() {
    let (mut a, mut b, mut rng) = established_with(8, false);
    let m = a.encrypt(b"v1", &mut rng).unwrap();
    assert_eq!(m[1], 0x03);
    assert_eq!(b.decrypt(&m).unwrap(), b"v1");
    // A version-2 message to a version-1 session is another object.
    let (mut a2, _b2, mut rng2) = established_with(8, true);
    let m2 = a2.encrypt(b"v2", &mut rng2).unwrap();
    assert_eq!(m2[1], 0x12);
    assert_eq!(b.decrypt(&m2), Err(Error::WrongObjectType));
    // The v2 bundle is one byte longer and names its capability.
    let mut rng = rng2;
    let bob = Account::new(&mut rng).unwrap();
    let v1 = bob.prekey_bundle().unwrap();
    let v2 = v1.clone().with_pq_ratchet().to_bytes();
    assert_eq!(v2.len(), v1.to_bytes().len() + 1);
    assert_eq!(v2[..3], [0x01, 0x13, 0x01]);
    assert_eq!(v2[3..], v1.to_bytes()[2..]);
    let decoded = PrekeyBundle::from_bytes(&v2).unwrap();
    assert_eq!(decoded.capabilities(), Some(1));
    assert_eq!(decoded.without_capabilities().to_bytes(), v1.to_bytes());
}

#[test]
fn failed_messages_change_nothing_and_sealed_state_round_trips() {
    let (mut a, mut b, mut rng) = established_with(9, true);
    let key = StorageKey::generate(&mut rng).unwrap();
    let mut largest = 0;
    for i in 0..120 {
        let (from, to) = if (i / 3) % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let message = from.encrypt(&[i as u8; 20], &mut rng).unwrap();
        let before = to.state();
        for position in [1usize, 30, 90, 140, message.len() - 1] {
            let mut bad = message.clone();
            bad[position] ^= 0x40;
            assert!(to.decrypt(&bad).is_err());
            assert_eq!(to.state(), before, "a failed message changed the state");
        }
        assert_eq!(to.decrypt(&message).unwrap(), [i as u8; 20]);
        assert_eq!(to.decrypt(&message), Err(Error::DuplicateMessage));
        let sealed = to.seal(&key, &mut rng).unwrap();
        largest = largest.max(sealed.len());
        let restored = Session::unseal(&key, &sealed).unwrap();
        assert_eq!(restored.state(), to.state());
        assert_eq!(to.state()[0], 2, "format 2");
        *to = restored;
    }
    println!("largest sealed v2 session in this run: {largest} bytes");
}

/// The mix marker of an exchange this side does not hold is `KEM_MISMATCH`,
/// and changes nothing: Bob restores a copy from before he encapsulated,
/// then receives Alice's chain that mixes the exchange (§22.6).
#[test]
fn a_mix_this_side_does_not_hold_is_kem_mismatch() {
    let (mut a, mut b, mut rng) = established_with(10, true);
    // Alice's 24 key chunks in one turn; Bob's copy holds the whole key.
    for _ in 0..24 {
        let m = a.encrypt(b"key", &mut rng).unwrap();
        b.decrypt(&m).unwrap();
    }
    let before_encapsulating = b.state();
    // Bob's 22 ciphertext chunks in one turn; Alice decapsulates.
    for _ in 0..22 {
        let m = b.encrypt(b"ct", &mut rng).unwrap();
        a.decrypt(&m).unwrap();
    }
    let (marker, step) = hazmat::plan_encrypt(&a, b"mix", &mut rng).unwrap();
    assert_eq!(step.kem_field(), Some(&KemField::Mix { epoch: 0 }));
    hazmat::commit_encrypt(&mut a, step);
    let mut stale = hazmat::session_from_state(&before_encapsulating).unwrap();
    assert_eq!(stale.decrypt(&marker), Err(Error::KemMismatch));
    assert_eq!(stale.state(), before_encapsulating, "nothing changed");
    assert_eq!(b.decrypt(&marker).unwrap(), b"mix");
    assert_eq!((a.kem_epoch(), b.kem_epoch()), (Some(1), Some(1)));
}

// ---------------------------------------------------------------------------
// Healing against a state-stealing, X25519-breaking adversary.

/// Records every draw.
struct Recorder<'a> {
    inner: &'a mut ChaCha20Rng,
    draws: Vec<Vec<u8>>,
}

impl TryRng for Recorder<'_> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unimplemented!("Sotto draws byte strings")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unimplemented!("Sotto draws byte strings")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.try_fill_bytes(dst)?;
        self.draws.push(dst.to_vec());
        Ok(())
    }
}
impl TryCryptoRng for Recorder<'_> {}

/// Replays a list of draws; once the shadow lost track it may draw
/// differently, and gets fresh bytes for what does not match.
struct Replay<'a>(VecDeque<Vec<u8>>, &'a mut ChaCha20Rng);

impl TryRng for Replay<'_> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unimplemented!()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unimplemented!()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        match self.0.pop_front() {
            Some(draw) if draw.len() == dst.len() => dst.copy_from_slice(&draw),
            _ => self.1.try_fill_bytes(dst)?,
        }
        Ok(())
    }
}
impl TryCryptoRng for Replay<'_> {}

/// Alice, whose state was stolen, and the adversary's shadow of her: the
/// stolen state, driven with every X25519 key and nonce Alice draws later
/// (X25519 is broken) but with its own ML-KEM randomness (ML-KEM is not).
struct Victim {
    alice: Session,
    shadow: Option<Session>,
    adversary_rng: ChaCha20Rng,
    /// Whether the shadow has lost track (root keys differ).
    healed: bool,
    /// Messages Alice sent and Bob decrypted after healing, and how many
    /// of them the shadow guessed the message key of (must stay 0).
    keys_guessed_after_healing: usize,
}

impl Victim {
    fn new(alice: Session) -> Self {
        Victim {
            alice,
            shadow: None,
            adversary_rng: rng(0xADD),
            healed: false,
            keys_guessed_after_healing: 0,
        }
    }

    fn compromise(&mut self) {
        self.shadow = Some(self.alice.fork());
    }

    fn encrypt(&mut self, plaintext: &[u8], rng: &mut ChaCha20Rng) -> Vec<u8> {
        let mut recorder = Recorder {
            inner: rng,
            draws: vec![],
        };
        let (message, step) = hazmat::plan_encrypt(&self.alice, plaintext, &mut recorder).unwrap();
        let dh_step = step.new_root_key().is_some();
        let real_key = step.message_key().expose().to_vec();
        hazmat::commit_encrypt(&mut self.alice, step);
        if let Some(shadow) = &mut self.shadow {
            let mut draws = recorder.draws;
            let last = draws.len() - 1;
            for (i, draw) in draws.iter_mut().enumerate() {
                let x25519_or_nonce = (dh_step && i == 0) || i == last;
                if !x25519_or_nonce {
                    self.adversary_rng.try_fill_bytes(draw).unwrap();
                }
            }
            let (_, guess) = hazmat::plan_encrypt(
                shadow,
                plaintext,
                &mut Replay(draws.into(), &mut self.adversary_rng),
            )
            .unwrap();
            if self.healed && guess.message_key().expose()[..] == real_key[..] {
                self.keys_guessed_after_healing += 1;
            }
            hazmat::commit_encrypt(shadow, guess);
        }
        self.update_healed();
        message
    }

    /// Alice decrypts; the shadow tries to. Returns whether the shadow read it.
    fn decrypt(&mut self, message: &[u8]) -> Result<(Vec<u8>, bool), Error> {
        let plaintext = self.alice.decrypt(message)?;
        let mut read = false;
        if let Some(shadow) = &mut self.shadow {
            read = shadow.decrypt(message).is_ok_and(|p| p == plaintext);
        }
        self.update_healed();
        Ok((plaintext, read))
    }

    fn update_healed(&mut self) {
        if let Some(shadow) = &self.shadow
            && hazmat::root_key(shadow) != hazmat::root_key(&self.alice)
        {
            self.healed = true;
        }
    }
}

/// Clean alternation every `k` messages from the compromise on. Returns the
/// round trips (a turn of Alice then a turn of Bob) until the shadow lost
/// track, and checks that before then it read every message of Bob and
/// after then none of his later chains nor any of Alice's message keys.
fn rounds_to_heal(seed: u64, k: usize, pq: bool, warmup: usize) -> Option<usize> {
    let (a, mut b, mut rng) = established_with(seed, pq);
    let mut victim = Victim::new(a);
    alternate_victim(&mut victim, &mut b, &mut rng, 1, warmup);
    victim.compromise();
    let mut healed_at = None;
    let mut bob_turns_after_heal = 0;
    for round in 0..120 {
        for i in 0..k {
            let message = victim.encrypt(&[round as u8, i as u8], &mut rng);
            b.decrypt(&message).unwrap();
        }
        if victim.healed && healed_at.is_none() {
            healed_at = Some(round + 1);
        }
        for _ in 0..k {
            let message = b.encrypt(b"from bob", &mut rng).unwrap();
            let (_, read) = victim.decrypt(&message).unwrap();
            if !victim.healed {
                assert!(
                    read,
                    "before healing the adversary follows the conversation"
                );
            } else if bob_turns_after_heal > 0 {
                assert!(
                    !read,
                    "after healing the adversary reads none of Bob's new chains"
                );
            }
            if victim.healed && healed_at.is_none() {
                healed_at = Some(round + 1);
            }
        }
        if healed_at.is_some() {
            bob_turns_after_heal += 1;
            if bob_turns_after_heal > 5 {
                break;
            }
        }
    }
    assert_eq!(victim.keys_guessed_after_healing, 0);
    healed_at
}

fn alternate_victim(
    victim: &mut Victim,
    b: &mut Session,
    rng: &mut ChaCha20Rng,
    k: usize,
    turns: usize,
) {
    for _ in 0..turns {
        for _ in 0..k {
            let m = victim.encrypt(b"a", rng);
            b.decrypt(&m).unwrap();
        }
        for _ in 0..k {
            let m = b.encrypt(b"b", rng).unwrap();
            victim.decrypt(&m).unwrap();
        }
    }
}

/// §22.7: the healing bound, in round trips of a conversation alternating
/// every `k` messages: two exchanges of ⌈24/k⌉ + ⌈22/k⌉ + 1 round trips.
fn healing_bound(k: usize) -> usize {
    2 * (24usize.div_ceil(k) + 22usize.div_ceil(k) + 1)
}

#[test]
fn version_one_never_heals_against_this_adversary() {
    assert_eq!(rounds_to_heal(11, 3, false, 4), None);
}

#[test]
fn version_two_heals_within_the_documented_bound() {
    for k in [1usize, 3, 10] {
        let mut worst = 0;
        for (seed, warmup) in [(12u64, 0usize), (13, 7), (14, 20), (15, 33), (16, 41)] {
            let rounds = rounds_to_heal(seed, k, true, warmup).expect("v2 heals");
            assert!(
                rounds <= healing_bound(k),
                "k = {k}: {rounds} > {}",
                healing_bound(k)
            );
            worst = worst.max(rounds);
        }
        println!(
            "k = {k}: healed within {worst} round trips (bound {})",
            healing_bound(k)
        );
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// The side (false = Alice) sends a message of this length.
    Send(bool, u8),
    /// The side receives one of the messages in flight to it.
    Deliver(bool, prop::sample::Index),
    /// A message in flight to the side is lost.
    Drop(bool, prop::sample::Index),
    /// An already delivered message arrives again.
    Replay(bool, prop::sample::Index),
    /// A message in flight arrives with one bit flipped (and stays in flight).
    Tamper(bool, prop::sample::Index, prop::sample::Index, u8),
    /// The adversary steals Alice's state now (once; later ones are ignored).
    Compromise,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (any::<bool>(), any::<u8>()).prop_map(|(s, n)| Op::Send(s, n)),
        5 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Deliver(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Drop(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(s, i)| Op::Replay(s, i)),
        1 => (any::<bool>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..8)
            .prop_map(|(s, i, b, bit)| Op::Tamper(s, i, b, bit)),
        1 => Just(Op::Compromise),
    ]
}

struct World {
    rng: ChaCha20Rng,
    alice: Victim,
    bob: Session,
    /// In flight to Alice (0) and Bob (1): (bytes, plaintext).
    inbox: [Vec<(Vec<u8>, Vec<u8>)>; 2],
    delivered: [Vec<Vec<u8>>; 2],
    sent: usize,
}

impl World {
    fn receive(&mut self, to: usize, bytes: &[u8]) -> Result<Vec<u8>, Error> {
        if to == 0 {
            self.alice.decrypt(bytes).map(|(plaintext, _)| plaintext)
        } else {
            self.bob.decrypt(bytes)
        }
    }

    fn state(&self, to: usize) -> Vec<u8> {
        if to == 0 {
            self.alice.alice.state()
        } else {
            self.bob.state()
        }
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Send(side, len) => {
                let from = usize::from(*side);
                let plaintext: Vec<u8> = format!("#{} ", self.sent)
                    .into_bytes()
                    .into_iter()
                    .chain(0..*len)
                    .collect();
                self.sent += 1;
                let bytes = if from == 0 {
                    self.alice.encrypt(&plaintext, &mut self.rng)
                } else {
                    self.bob.encrypt(&plaintext, &mut self.rng).unwrap()
                };
                self.inbox[1 - from].push((bytes, plaintext));
            }
            Op::Deliver(side, pick) => {
                let to = usize::from(*side);
                if self.inbox[to].is_empty() {
                    return;
                }
                let (bytes, plaintext) = self.inbox[to].remove(pick.index(self.inbox[to].len()));
                assert_eq!(
                    self.receive(to, &bytes)
                        .expect("untampered message decrypts"),
                    plaintext
                );
                self.delivered[to].push(bytes);
            }
            Op::Drop(side, pick) => {
                let inbox = &mut self.inbox[usize::from(*side)];
                if !inbox.is_empty() {
                    inbox.remove(pick.index(inbox.len()));
                }
            }
            Op::Replay(side, pick) => {
                let to = usize::from(*side);
                if self.delivered[to].is_empty() {
                    return;
                }
                let index = pick.index(self.delivered[to].len());
                let bytes = self.delivered[to][index].clone();
                let before = self.state(to);
                let result = self.receive(to, &bytes);
                if index + 1 == self.delivered[to].len() {
                    // The last delivered message's chain is the current or a
                    // retired one: its header key is held, so it is known.
                    assert_eq!(result, Err(Error::DuplicateMessage));
                } else {
                    // An older one may belong to a chain retired more than 5
                    // DH steps ago, whose header key is deleted (§6.5 step 5):
                    // it no longer routes and fails as a forgery would.
                    assert!(
                        matches!(
                            result,
                            Err(Error::DuplicateMessage | Error::DecryptionFailed)
                        ),
                        "{result:?}"
                    );
                }
                assert_eq!(self.state(to), before, "a replay changed the state");
            }
            Op::Tamper(side, pick, byte, bit) => {
                let to = usize::from(*side);
                if self.inbox[to].is_empty() {
                    return;
                }
                let mut bytes = self.inbox[to][pick.index(self.inbox[to].len())].0.clone();
                let position = byte.index(bytes.len());
                bytes[position] ^= 1 << bit;
                let before = self.state(to);
                assert!(self.receive(to, &bytes).is_err());
                assert_eq!(
                    self.state(to),
                    before,
                    "a tampered message changed the state"
                );
            }
            Op::Compromise => {
                if self.alice.shadow.is_none() {
                    self.alice.compromise();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random schedules (sends, reordering, loss, replays, tampering) with
    /// Alice's state stolen at a random point: every delivered message
    /// decrypts exactly once and failures change nothing; then, once the
    /// healing condition of §22.7 holds (a clean conversation alternating
    /// every `k` messages for the bound of round trips), the adversary has
    /// lost track and cannot read Bob's later chains nor guess Alice's keys.
    #[test]
    fn random_schedules_with_compromise_heal(
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..150),
        k in 1usize..=10,
    ) {
        let (alice, bob, rng) = established_with(seed, true);
        let mut world = World {
            rng,
            alice: Victim::new(alice),
            bob,
            inbox: [vec![], vec![]],
            delivered: [vec![], vec![]],
            sent: 0,
        };
        for op in &ops {
            world.apply(op);
        }
        if world.alice.shadow.is_none() {
            world.alice.compromise();
        }
        // Everything still in flight arrives, then the clean conversation.
        for to in [1usize, 0] {
            while !world.inbox[to].is_empty() {
                let (bytes, plaintext) = world.inbox[to].remove(0);
                prop_assert_eq!(world.receive(to, &bytes).unwrap(), plaintext);
            }
        }
        let mut rounds = 0;
        while !world.alice.healed {
            prop_assert!(rounds < healing_bound(k), "not healed after {} round trips (k = {})", rounds, k);
            alternate_victim(&mut world.alice, &mut world.bob, &mut world.rng, k, 1);
            rounds += 1;
        }
        // Two more round trips: Bob's new chains are out of the adversary's reach.
        for _ in 0..2 {
            for _ in 0..k {
                let m = world.alice.encrypt(b"after", &mut world.rng);
                world.bob.decrypt(&m).unwrap();
            }
            for _ in 0..k {
                let m = world.bob.encrypt(b"after", &mut world.rng).unwrap();
                let (_, read) = world.alice.decrypt(&m).unwrap();
                prop_assert!(!read, "the adversary read a message after healing");
            }
        }
        prop_assert_eq!(world.alice.keys_guessed_after_healing, 0);
    }
}

/// Version-2 sessions live in session records like version-1 ones (§17):
/// routing, sealing, and a version-1 session next to a version-2 one.
#[test]
fn records_route_version_two_messages() {
    use sotto::SessionRecord;
    let mut rng = rng(21);
    let mut alice = Account::new(&mut rng).unwrap();
    let mut bob = Account::new(&mut rng).unwrap();
    let bundle = bob.prekey_bundle().unwrap().with_pq_ratchet();
    let mut a = SessionRecord::from(
        Session::initiate(&alice, &bundle, &alice_context(), &mut rng).unwrap(),
    );
    let mut b = SessionRecord::new();
    let key = StorageKey::generate(&mut rng).unwrap();
    for i in 0..60u8 {
        let (from, to, account, context) = if (i / 3) % 2 == 0 {
            (&mut a, &mut b, &mut bob, bob_context())
        } else {
            (&mut b, &mut a, &mut alice, alice_context())
        };
        let m = from.encrypt(&[i; 10], &mut rng).unwrap();
        assert_eq!(to.decrypt(account, &m, &context).unwrap(), [i; 10]);
        let sealed = to.seal(&key, &mut rng).unwrap();
        *to = SessionRecord::unseal(&key, &sealed).unwrap();
    }
    let session = b.current().unwrap();
    assert!(session.uses_pq_ratchet());
    assert!(session.kem_epoch().is_some());
}

/// §22.8: the KEM state adds at most 1198 bytes to the sealed session.
#[test]
fn sealed_version_two_sessions_are_at_most_1198_bytes_larger() {
    let (mut a1, mut b1, mut rng1) = established_with(22, false);
    let (mut a2, mut b2, mut rng2) = established_with(22, true);
    let mut largest = 0;
    for i in 0..150 {
        let k = 3;
        let (s1, r1) = if (i / k) % 2 == 0 {
            (&mut a1, &mut b1)
        } else {
            (&mut b1, &mut a1)
        };
        let (s2, r2) = if (i / k) % 2 == 0 {
            (&mut a2, &mut b2)
        } else {
            (&mut b2, &mut a2)
        };
        let m1 = s1.encrypt(b"same", &mut rng1).unwrap();
        let m2 = s2.encrypt(b"same", &mut rng2).unwrap();
        r1.decrypt(&m1).unwrap();
        r2.decrypt(&m2).unwrap();
        for (v1, v2) in [(&*s1, &*s2), (&*r1, &*r2)] {
            let extra = v2.state().len() - v1.state().len();
            assert!((6..=1198).contains(&extra), "{extra}");
            largest = largest.max(extra);
        }
    }
    let key = StorageKey::generate(&mut rng1).unwrap();
    println!(
        "sealed session: v1 {} bytes, v2 {} bytes; the KEM state adds at most {largest} bytes in this run",
        a1.seal(&key, &mut rng1).unwrap().len(),
        a2.seal(&key, &mut rng1).unwrap().len()
    );
}
