//! Session records (PROTOCOL.md §17): routing, convergence of simultaneous
//! initiation, reinstall, restored backups, bounds, sealing, and a property
//! test over random schedules.

mod common;

use common::*;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use sotto::limits::MAX_ARCHIVED_SESSIONS;
use sotto::record::MAX_SEALED_RECORD_LEN;
use sotto::{Account, Error, PrekeyBundle, SessionContext, SessionId, SessionRecord, StorageKey};

fn ctx(side: usize) -> SessionContext<'static> {
    if side == 0 {
        alice_context()
    } else {
        bob_context()
    }
}

/// A bundle of `account`, marked as handed out.
fn bundle(account: &mut Account, rng: &mut ChaCha20Rng) -> PrekeyBundle {
    if account.one_time_prekey_counts().0 == 0 {
        account.generate_one_time_prekeys(5, rng).unwrap();
    }
    let bundle = account.prekey_bundle().unwrap();
    account.mark_bundle_published(&bundle);
    bundle
}

struct Device {
    account: Account,
    record: SessionRecord,
}

fn devices(rng: &mut ChaCha20Rng) -> [Device; 2] {
    [0, 1].map(|_| Device {
        account: Account::new(rng).unwrap(),
        record: SessionRecord::new(),
    })
}

fn initiate(d: &mut [Device; 2], from: usize, rng: &mut ChaCha20Rng) -> SessionId {
    let b = bundle(&mut d[1 - from].account, rng);
    let Device { account, record } = &mut d[from];
    record.initiate(account, &b, &ctx(from), rng).unwrap()
}

fn send(d: &mut [Device; 2], from: usize, text: &[u8], rng: &mut ChaCha20Rng) -> Vec<u8> {
    d[from].record.encrypt(text, rng).unwrap()
}

fn recv(d: &mut [Device; 2], to: usize, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let Device { account, record } = &mut d[to];
    record.decrypt(account, bytes, &ctx(to))
}

/// Receives bad input and checks that neither record nor account changed.
fn recv_bad(d: &mut [Device; 2], to: usize, bytes: &[u8]) -> Error {
    let before = (d[to].record.state(), d[to].account.state());
    let error = recv(d, to, bytes).expect_err("bad input was accepted");
    assert!(
        (d[to].record.state(), d[to].account.state()) == before,
        "a rejection ({error:?}) changed the record or the account"
    );
    error
}

#[test]
fn one_initiation_then_normal_messages() {
    let mut rng = rng(1);
    let mut d = devices(&mut rng);
    let id = initiate(&mut d, 0, &mut rng);
    let m1 = send(&mut d, 0, b"one", &mut rng);
    assert_eq!(recv(&mut d, 1, &m1).unwrap(), b"one");
    let r1 = send(&mut d, 1, b"two", &mut rng);
    assert_eq!(recv(&mut d, 0, &r1).unwrap(), b"two");
    assert_eq!(d[0].record.current_id(), Some(id));
    assert_eq!(d[1].record.current_id(), Some(id));
    assert_eq!(d[1].record.len(), 1);
    assert_eq!(recv_bad(&mut d, 0, &r1), Error::DuplicateMessage);
    assert_eq!(recv_bad(&mut d, 1, &m1), Error::DuplicateMessage);
}

#[test]
fn empty_record_cannot_encrypt_and_rejects_normal_messages() {
    let mut rng = rng(2);
    let mut d = devices(&mut rng);
    assert_eq!(
        d[0].record.encrypt(b"x", &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    initiate(&mut d, 1, &mut rng);
    let m = send(&mut d, 1, b"a", &mut rng);
    assert_eq!(recv(&mut d, 0, &m).unwrap(), b"a");
    let normal = send(&mut d, 0, b"b", &mut rng);
    // Bob's record must route it; an empty third record must refuse it.
    let mut other = [
        Device {
            account: Account::new(&mut rng).unwrap(),
            record: SessionRecord::new(),
        },
        Device {
            account: Account::new(&mut rng).unwrap(),
            record: SessionRecord::new(),
        },
    ];
    assert_eq!(recv_bad(&mut other, 1, &normal), Error::DecryptionFailed);
    assert_eq!(recv(&mut d, 1, &normal).unwrap(), b"b");
}

/// Both send first messages before either receives; every order of
/// delivery converges on the session with the smaller id, nothing is lost.
#[test]
fn simultaneous_initiation_converges_on_the_smaller_id() {
    for seed in 0..16 {
        let mut rng = rng(100 + seed);
        let mut d = devices(&mut rng);
        let ids = [initiate(&mut d, 0, &mut rng), initiate(&mut d, 1, &mut rng)];
        let smaller = ids[0].min(ids[1]);
        let a = [
            send(&mut d, 0, b"a1", &mut rng),
            send(&mut d, 0, b"a2", &mut rng),
        ];
        let b = [
            send(&mut d, 1, b"b1", &mut rng),
            send(&mut d, 1, b"b2", &mut rng),
        ];
        // Delivery order depends on the seed: Alice's first or Bob's first.
        if seed % 2 == 0 {
            assert_eq!(recv(&mut d, 1, &a[0]).unwrap(), b"a1");
            assert_eq!(recv(&mut d, 0, &b[0]).unwrap(), b"b1");
        } else {
            assert_eq!(recv(&mut d, 0, &b[0]).unwrap(), b"b1");
            assert_eq!(recv(&mut d, 1, &a[0]).unwrap(), b"a1");
        }
        // The side whose own session had the larger id switched; the other kept its own.
        assert_eq!(d[0].record.current_id(), Some(smaller), "seed {seed}");
        assert_eq!(d[1].record.current_id(), Some(smaller), "seed {seed}");
        assert_eq!(d[0].record.len(), 2);
        // Late messages of the other session still decrypt, and don't flip it back.
        assert_eq!(recv(&mut d, 1, &a[1]).unwrap(), b"a2");
        assert_eq!(recv(&mut d, 0, &b[1]).unwrap(), b"b2");
        assert_eq!(d[0].record.current_id(), Some(smaller));
        assert_eq!(d[1].record.current_id(), Some(smaller));
        // Both now talk in the smaller session.
        let x = send(&mut d, 0, b"x", &mut rng);
        assert_eq!(recv(&mut d, 1, &x).unwrap(), b"x");
        let y = send(&mut d, 1, b"y", &mut rng);
        assert_eq!(recv(&mut d, 0, &y).unwrap(), b"y");
        assert_eq!(d[0].record.current_id(), Some(smaller));
        assert_eq!(d[1].record.current_id(), Some(smaller));
        assert!(!d[0].record.current().unwrap().awaiting_reply());
        assert!(!d[1].record.current().unwrap().awaiting_reply());
    }
}

/// Bob reinstalls (a fresh account, so a new identity) and starts anew:
/// Alice's record takes the new session; the old one is archived.
#[test]
fn reinstalled_peer_initiates_anew() {
    let mut rng = rng(3);
    let mut d = devices(&mut rng);
    let old = initiate(&mut d, 0, &mut rng);
    let m = send(&mut d, 0, b"hi", &mut rng);
    recv(&mut d, 1, &m).unwrap();
    let late_from_old_bob = send(&mut d, 1, b"before reinstall", &mut rng);
    let old_identity = d[0].record.current().unwrap().remote_identity().clone();
    // Bob's phone is wiped.
    d[1] = Device {
        account: Account::new(&mut rng).unwrap(),
        record: SessionRecord::new(),
    };
    let new = initiate(&mut d, 1, &mut rng);
    let hello = send(&mut d, 1, b"new phone", &mut rng);
    // Alice's own session is unanswered, but the identity changed: the new one wins.
    assert_eq!(recv(&mut d, 0, &hello).unwrap(), b"new phone");
    assert_eq!(d[0].record.current_id(), Some(new));
    assert_ne!(d[0].record.remote_identity().unwrap(), &old_identity);
    assert_eq!(d[0].record.session_ids(), vec![new, old]);
    let reply = send(&mut d, 0, b"welcome back", &mut rng);
    assert_eq!(recv(&mut d, 1, &reply).unwrap(), b"welcome back");
    // A late message of the old installation still decrypts in the archive
    // and, Alice's current session being answered, makes it current again;
    // Alice's next message, in the old session, is refused by the new phone
    // without harm, and the new phone's next message switches Alice back.
    assert_eq!(
        recv(&mut d, 0, &late_from_old_bob).unwrap(),
        b"before reinstall"
    );
    assert_eq!(d[0].record.current_id(), Some(old));
    let lost = send(&mut d, 0, b"to the old phone", &mut rng);
    recv_bad(&mut d, 1, &lost);
    let again = send(&mut d, 1, b"it's me", &mut rng);
    assert_eq!(recv(&mut d, 0, &again).unwrap(), b"it's me");
    assert_eq!(d[0].record.current_id(), Some(new));
}

/// Alice restores an older backup of her account and record: Bob's newer
/// messages are refused without harm; Alice starts a new session and Bob,
/// whose own session is answered, switches to it.
#[test]
fn restored_older_backup_recovers_by_a_new_session() {
    let mut rng = rng(4);
    let mut d = devices(&mut rng);
    let key = StorageKey::generate(&mut rng).unwrap();
    initiate(&mut d, 0, &mut rng);
    let m = send(&mut d, 0, b"hi", &mut rng);
    recv(&mut d, 1, &m).unwrap();
    let backup = (
        d[0].account.seal(&key, &mut rng).unwrap(),
        d[0].record.seal(&key, &mut rng).unwrap(),
    );
    for i in 0..3u8 {
        let r = send(&mut d, 1, &[i], &mut rng);
        recv(&mut d, 0, &r).unwrap();
        let a = send(&mut d, 0, &[i], &mut rng);
        recv(&mut d, 1, &a).unwrap();
    }
    d[0].account = Account::unseal(&key, &backup.0).unwrap();
    d[0].record = SessionRecord::unseal(&key, &backup.1).unwrap();
    let newer = send(&mut d, 1, b"after the backup", &mut rng);
    recv_bad(&mut d, 0, &newer);
    let fresh = initiate(&mut d, 0, &mut rng);
    let m = send(&mut d, 0, b"I restored a backup", &mut rng);
    assert_eq!(recv(&mut d, 1, &m).unwrap(), b"I restored a backup");
    assert_eq!(d[1].record.current_id(), Some(fresh));
    let r = send(&mut d, 1, b"ok", &mut rng);
    assert_eq!(recv(&mut d, 0, &r).unwrap(), b"ok");
    assert_eq!(d[0].record.current_id(), Some(fresh));
}

#[test]
fn a_fifth_archived_session_evicts_the_oldest() {
    let mut rng = rng(5);
    let mut d = devices(&mut rng);
    let mut ids = vec![];
    let mut firsts = vec![];
    for i in 0..=MAX_ARCHIVED_SESSIONS + 1 {
        ids.push(initiate(&mut d, 0, &mut rng));
        firsts.push(send(&mut d, 0, &[i as u8], &mut rng));
        assert_eq!(d[0].record.len(), (i + 1).min(1 + MAX_ARCHIVED_SESSIONS));
    }
    ids.reverse();
    assert_eq!(
        d[0].record.session_ids(),
        ids[..1 + MAX_ARCHIVED_SESSIONS].to_vec()
    );
    // Bob accepts all six; his record keeps the newest five.
    for (i, m) in firsts.iter().enumerate() {
        assert_eq!(recv(&mut d, 1, m).unwrap(), [i as u8]);
    }
    assert_eq!(d[1].record.len(), 1 + MAX_ARCHIVED_SESSIONS);
    assert_eq!(d[1].record.archived().len(), MAX_ARCHIVED_SESSIONS);
    // A reply in the oldest session: Alice evicted it, so it cannot decrypt.
    let oldest = *ids.last().unwrap();
    assert!(!d[1].record.session_ids().contains(&oldest));
}

#[test]
fn sealing_roundtrips_and_rejects_bad_records() {
    let mut rng = rng(6);
    let mut d = devices(&mut rng);
    let key = StorageKey::generate(&mut rng).unwrap();
    let empty = d[0].record.seal(&key, &mut rng).unwrap();
    assert!(SessionRecord::unseal(&key, &empty).unwrap().is_empty());
    initiate(&mut d, 0, &mut rng);
    let sealed = d[0].record.seal(&key, &mut rng).unwrap();
    let one = sealed.len();
    assert_eq!(
        SessionRecord::unseal(&key, &sealed).unwrap().state(),
        d[0].record.state()
    );
    assert_eq!(sealed[..2], [1, 0x08]);
    for _ in 0..MAX_ARCHIVED_SESSIONS {
        initiate(&mut d, 0, &mut rng);
    }
    let five = d[0].record.seal(&key, &mut rng).unwrap();
    assert_eq!(
        SessionRecord::unseal(&key, &five).unwrap().state(),
        d[0].record.state()
    );
    println!(
        "sealed record: 1 session {one} bytes, 5 sessions {} bytes (fresh initiator sessions), bound {MAX_SEALED_RECORD_LEN}",
        five.len()
    );

    // Envelope errors.
    let other = StorageKey::generate(&mut rng).unwrap();
    assert_eq!(
        SessionRecord::unseal(&other, &sealed).unwrap_err(),
        Error::UnsealFailed
    );
    let session_sealed = d[0].record.current().unwrap().seal(&key, &mut rng).unwrap();
    assert_eq!(
        SessionRecord::unseal(&key, &session_sealed).unwrap_err(),
        Error::WrongObjectType
    );
    assert_eq!(
        SessionRecord::unseal(&key, &vec![0; MAX_SEALED_RECORD_LEN + 1]).unwrap_err(),
        Error::TooLarge
    );
    let mut trailing = sealed.clone();
    trailing.push(0);
    assert_eq!(
        SessionRecord::unseal(&key, &trailing).unwrap_err(),
        Error::UnsealFailed
    );

    // State errors (the authenticated plaintext).
    let state = d[0].record.state();
    let from = sotto::hazmat::record_from_state;
    let mut s = state.clone();
    s.push(0);
    assert_eq!(from(&s).unwrap_err(), Error::TrailingBytes);
    let mut s = state.clone();
    s[0] = 2;
    assert_eq!(from(&s).unwrap_err(), Error::UnsupportedVersion);
    let mut s = state.clone();
    s[1] = 1;
    assert_eq!(from(&s).unwrap_err(), Error::Malformed);
    let mut s = state.clone();
    s[2] = 6;
    assert_eq!(from(&s).unwrap_err(), Error::TooLarge);
    let mut s = state.clone();
    s.truncate(s.len() - 1);
    assert!(from(&s).is_err());
    assert_eq!(from(&[1, 0, 0]).unwrap().len(), 0);
    assert_eq!(
        from(&[1, 0, 1, 0xff, 0xff, 0xff, 0xff]).unwrap_err(),
        Error::Truncated
    );
    // The same session twice.
    let one_state = sotto::hazmat::session_state(d[0].record.current().unwrap()).unwrap();
    let mut dup = vec![1, 0, 2];
    for _ in 0..2 {
        dup.extend_from_slice(&(one_state.len() as u32).to_be_bytes());
        dup.extend_from_slice(&one_state);
    }
    assert_eq!(from(&dup).unwrap_err(), Error::Malformed);
}

// ---------------------------------------------------------------- property

#[derive(Clone, Debug)]
enum Op {
    Send(bool, u8),
    Deliver(bool, prop::sample::Index),
    Drop(bool, prop::sample::Index),
    Replay(bool, prop::sample::Index),
    Tamper(bool, prop::sample::Index, prop::sample::Index, u8),
    SealRestore(bool),
    /// The side starts a new session from the peer's bundle (simultaneous
    /// initiation when the peer's is unanswered).
    Initiate(bool),
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
        1 => any::<bool>().prop_map(Op::Initiate),
    ]
}

/// Sessions created in one world stay at most 1 + MAX_ARCHIVED_SESSIONS, so
/// no session is evicted and every message must decrypt.
const MAX_INITIATIONS: usize = 1 + MAX_ARCHIVED_SESSIONS;

struct World {
    rng: ChaCha20Rng,
    d: [Device; 2],
    inbox: [Vec<(Vec<u8>, Vec<u8>)>; 2],
    delivered: [Vec<Vec<u8>>; 2],
    key: StorageKey,
    sent: usize,
    initiations: usize,
}

impl World {
    fn new(seed: u64, both: bool) -> Self {
        let mut rng = rng(seed);
        let mut d = devices(&mut rng);
        initiate(&mut d, 0, &mut rng);
        let mut initiations = 1;
        if both {
            initiate(&mut d, 1, &mut rng);
            initiations += 1;
        }
        let key = StorageKey::generate(&mut rng).unwrap();
        World {
            rng,
            d,
            inbox: [vec![], vec![]],
            delivered: [vec![], vec![]],
            key,
            sent: 0,
            initiations,
        }
    }

    fn send(&mut self, from: usize, len: u8) {
        if self.d[from].record.is_empty() {
            return;
        }
        let plaintext: Vec<u8> = format!("#{} ", self.sent)
            .into_bytes()
            .into_iter()
            .chain(0..len)
            .collect();
        self.sent += 1;
        let bytes = send(&mut self.d, from, &plaintext, &mut self.rng);
        self.inbox[1 - from].push((bytes, plaintext));
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Send(side, len) => self.send(usize::from(*side), *len),
            Op::Deliver(side, pick) => {
                let to = usize::from(*side);
                if self.inbox[to].is_empty() {
                    return;
                }
                let (bytes, plaintext) = self.inbox[to].remove(pick.index(self.inbox[to].len()));
                assert_eq!(
                    recv(&mut self.d, to, &bytes).expect("untampered message must decrypt"),
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
                let bytes = self.delivered[to][pick.index(self.delivered[to].len())].clone();
                assert_eq!(recv_bad(&mut self.d, to, &bytes), Error::DuplicateMessage);
            }
            Op::Tamper(side, pick, byte, bit) => {
                let to = usize::from(*side);
                if self.inbox[to].is_empty() {
                    return;
                }
                let mut bytes = self.inbox[to][pick.index(self.inbox[to].len())].0.clone();
                let position = byte.index(bytes.len());
                bytes[position] ^= 1 << bit;
                recv_bad(&mut self.d, to, &bytes);
            }
            Op::SealRestore(side) => {
                let dev = &mut self.d[usize::from(*side)];
                let sealed = dev.record.seal(&self.key, &mut self.rng).unwrap();
                let restored = SessionRecord::unseal(&self.key, &sealed).unwrap();
                assert_eq!(restored.state(), dev.record.state());
                dev.record = restored;
            }
            Op::Initiate(side) => {
                if self.initiations < MAX_INITIATIONS {
                    self.initiations += 1;
                    initiate(&mut self.d, usize::from(*side), &mut self.rng);
                }
            }
        }
    }

    fn drain(&mut self) {
        for to in [1, 0] {
            while !self.inbox[to].is_empty() {
                let (bytes, plaintext) = self.inbox[to].remove(0);
                assert_eq!(
                    recv(&mut self.d, to, &bytes).expect("late message must decrypt"),
                    plaintext
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_schedules_deliver_exactly_once_and_converge(
        seed in any::<u64>(),
        both in any::<bool>(),
        ops in prop::collection::vec(op(), 1..100),
    ) {
        let mut world = World::new(seed, both);
        for op in &ops {
            world.apply(op);
        }
        world.drain();
        // One round trip in each order: both sides then share one session.
        for (from, to) in [(0usize, 1usize), (1, 0), (0, 1), (1, 0)] {
            let bytes = send(&mut world.d, from, b"still there?", &mut world.rng);
            prop_assert_eq!(recv(&mut world.d, to, &bytes).unwrap(), b"still there?".to_vec());
        }
        prop_assert_eq!(world.d[0].record.current_id(), world.d[1].record.current_id());
    }
}

/// The largest records the bounds allow still seal under
/// MAX_SEALED_RECORD_LEN: five sessions each holding MAX_SKIPPED_KEYS
/// skipped keys (half of them in a retired chain).
#[test]
fn five_full_sessions_seal_within_the_bound() {
    let mut rng = rng(7);
    let mut d = devices(&mut rng);
    let key = StorageKey::generate(&mut rng).unwrap();
    let mut late = None;
    let mut oldest = None;
    for round in 0..=MAX_ARCHIVED_SESSIONS {
        initiate(&mut d, 0, &mut rng);
        let first = send(&mut d, 0, b"hi", &mut rng);
        recv(&mut d, 1, &first).unwrap();
        for _ in 0..2 {
            let reply = send(&mut d, 1, b"ok", &mut rng);
            recv(&mut d, 0, &reply).unwrap();
            let mut last = vec![];
            for _ in 0..=sotto::limits::MAX_SKIP {
                last = send(&mut d, 0, b"", &mut rng);
                if late.is_none() {
                    late = Some(last.clone());
                    oldest = d[0].record.current_id();
                }
            }
            recv(&mut d, 1, &last).unwrap();
        }
        assert_eq!(d[1].record.len(), round + 1);
    }
    let sealed = d[1].record.seal(&key, &mut rng).unwrap();
    println!(
        "sealed record, 5 sessions x 2000 skipped keys: {} bytes (bound {MAX_SEALED_RECORD_LEN})",
        sealed.len()
    );
    assert!(sealed.len() <= MAX_SEALED_RECORD_LEN);
    assert!(
        sealed.len() > sotto::sealed::MAX_SEALED_LEN,
        "the record bound is needed"
    );
    assert_eq!(
        SessionRecord::unseal(&key, &sealed).unwrap().state(),
        d[1].record.state()
    );
    // A late message of the oldest archived session is still routed to it
    // (header-key trial through all five), and makes it current.
    assert_eq!(d[1].record.archived().len(), MAX_ARCHIVED_SESSIONS);
    assert_eq!(d[1].record.archived().last().map(|s| s.id()), oldest);
    assert_eq!(recv(&mut d, 1, &late.unwrap()).unwrap(), b"");
    assert_eq!(d[1].record.current_id(), oldest);
}

/// Routing cost: a normal message decrypted by the current session versus by
/// the oldest of four archived sessions (every earlier session's header
/// keys tried first). Run with
/// `cargo test --release -p sotto --test records -- --ignored --nocapture routing_cost`.
#[test]
#[ignore]
fn routing_cost() {
    use std::time::Instant;
    let mut rng = rng(8);
    let mut d = devices(&mut rng);
    let mut oldest_messages = vec![];
    for round in 0..=MAX_ARCHIVED_SESSIONS {
        initiate(&mut d, 0, &mut rng);
        let first = send(&mut d, 0, b"hi", &mut rng);
        recv(&mut d, 1, &first).unwrap();
        let reply = send(&mut d, 1, b"ok", &mut rng);
        recv(&mut d, 0, &reply).unwrap();
        if round == 0 {
            // Normal messages of the first session, delivered at the end.
            for _ in 0..200 {
                oldest_messages.push(send(&mut d, 0, &[0; 100], &mut rng));
            }
        }
    }
    let current: Vec<Vec<u8>> = (0..200)
        .map(|_| send(&mut d, 0, &[0; 100], &mut rng))
        .collect();
    // Both messages timed are the first of a new receiving chain (one DH
    // ratchet step), on 100 copies of the record prepared beforehand.
    let time = |message: &[u8]| {
        let mut copies: Vec<(SessionRecord, Account)> = (0..100)
            .map(|_| (d[1].record.fork(), d[1].account.fork()))
            .collect();
        let start = Instant::now();
        for (record, account) in &mut copies {
            record.decrypt(account, message, &bob_context()).unwrap();
        }
        start.elapsed().as_secs_f64() * 1e6 / 100.0
    };
    let in_current = time(&current[0]);
    let in_oldest = time(&oldest_messages[0]);
    println!(
        "decrypt (100-byte message, first of a chain): current session {in_current:.1} µs, oldest of 4 archived {in_oldest:.1} µs"
    );
}

#[test]
fn garbage_gets_typed_errors_and_changes_nothing() {
    let mut rng = rng(9);
    let mut d = devices(&mut rng);
    initiate(&mut d, 0, &mut rng);
    let m = send(&mut d, 0, b"x", &mut rng);
    recv(&mut d, 1, &m).unwrap();
    let normal = send(&mut d, 1, b"y", &mut rng);
    for (input, error) in [
        (vec![], Error::Truncated),
        (vec![1], Error::Truncated),
        (vec![2, 3], Error::UnsupportedVersion),
        (vec![1, 4], Error::WrongObjectType),
        (vec![1, 3, 0], Error::Truncated),
        (normal[..normal.len() - 1].to_vec(), Error::DecryptionFailed),
        ([&normal[..], &[0]].concat(), Error::DecryptionFailed),
        (m[..200].to_vec(), Error::Truncated),
    ] {
        assert_eq!(recv_bad(&mut d, 0, &input), error, "{input:02x?}");
        recv_bad(&mut d, 1, &input);
    }
    // Debug shows public information only.
    let debug = format!("{:?}", d[0].record);
    assert!(debug.starts_with("SessionRecord"), "{debug}");
    assert!(!debug.contains("root"), "{debug}");
}
