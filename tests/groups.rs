//! Groups (PROTOCOL.md §21): scenarios and property tests over random group
//! schedules.
//!
//! The property test drives five devices through random schedules: devices
//! join and leave, send (with rotation every few messages), and group
//! messages are delivered in any order, dropped, duplicated, tampered with,
//! and states are sealed and restored. Chain distributions travel on a
//! reliable channel (the pairwise sessions). The properties:
//!
//! - a device reads a message only if it was a member when the message was
//!   sent, at most once, and then reads exactly the plaintext sent;
//! - a member reads every message meant for it that is still within the
//!   documented retention (its epoch at most one ahead, the sender's chain
//!   among its newest three) — so exactly once over the run;
//! - a removed device reads nothing sent after its removal, and a joining
//!   device nothing sent before it joined;
//! - every rejection leaves the state exactly as it was.

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sotto::group::{ChainDistribution, GroupConfig, GroupMessage, GroupSession};
use sotto::{Error, StorageKey};
use std::collections::BTreeSet;

const GROUP: [u8; 16] = [0x47; 16];
const NOW: u64 = 1_000_000;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn state(group: &GroupSession) -> Vec<u8> {
    sotto::hazmat::group_state(group).unwrap().to_vec()
}

fn name(i: usize) -> Vec<u8> {
    format!("dev#{i}").into_bytes()
}

fn give(to: &mut GroupSession, d: &ChainDistribution) {
    to.receive_distribution(&d.to_bytes().unwrap(), d.sender())
        .unwrap();
}

/// A group of `n` devices that have exchanged their chains.
fn group(n: usize, config: GroupConfig) -> Vec<GroupSession> {
    let names: Vec<Vec<u8>> = (0..n).map(name).collect();
    let mut devices: Vec<GroupSession> = (0..n)
        .map(|i| {
            let others: Vec<&[u8]> = names
                .iter()
                .filter(|m| **m != names[i])
                .map(Vec::as_slice)
                .collect();
            GroupSession::create(
                GROUP,
                &names[i],
                &others,
                0,
                config,
                NOW,
                &mut rng(i as u64),
            )
            .unwrap()
        })
        .collect();
    let dists: Vec<ChainDistribution> = devices.iter().map(GroupSession::distribution).collect();
    for (i, device) in devices.iter_mut().enumerate() {
        for (j, d) in dists.iter().enumerate() {
            if i != j {
                give(device, d);
            }
        }
    }
    devices
}

#[test]
fn three_devices_talk_and_each_reads_once() {
    let mut g = group(3, GroupConfig::default());
    let m = g[0].encrypt(b"hello", NOW, &mut rng(9)).unwrap().message;
    for member in g.iter_mut().skip(1) {
        let read = member.decrypt(&m).unwrap();
        assert_eq!(
            (
                read.plaintext.as_slice(),
                read.sender.as_slice(),
                read.epoch
            ),
            (&b"hello"[..], &b"dev#0"[..], 0)
        );
        let before = state(member);
        assert_eq!(member.decrypt(&m), Err(Error::DuplicateMessage));
        assert_eq!(state(member), before);
    }
}

#[test]
fn out_of_order_within_bounds_and_too_far_ahead() {
    let mut g = group(
        2,
        GroupConfig {
            max_messages: 5000,
            ..GroupConfig::default()
        },
    );
    let mut r = rng(1);
    let msgs: Vec<Vec<u8>> = (0..1003u32)
        .map(|i| g[0].encrypt(&i.to_be_bytes(), NOW, &mut r).unwrap().message)
        .collect();
    // index 1001 skips 1001 keys: one too many.
    let before = state(&g[1]);
    assert_eq!(g[1].decrypt(&msgs[1001]), Err(Error::TooFarAhead));
    assert_eq!(state(&g[1]), before);
    assert_eq!(
        g[1].decrypt(&msgs[1000]).unwrap().plaintext,
        1000u32.to_be_bytes()
    );
    for i in (0..1000).rev() {
        assert_eq!(
            g[1].decrypt(&msgs[i]).unwrap().plaintext,
            (i as u32).to_be_bytes()
        );
    }
    assert_eq!(g[1].decrypt(&msgs[500]), Err(Error::DuplicateMessage));
}

#[test]
fn unknown_sender_chain_carries_what_to_ask_for() {
    let mut g = group(2, GroupConfig::default());
    let mut late = GroupSession::create(
        GROUP,
        b"late#1",
        &[b"dev#0", b"dev#1"],
        0,
        GroupConfig::default(),
        NOW,
        &mut rng(5),
    )
    .unwrap();
    let m = g[0].encrypt(b"x", NOW, &mut rng(6)).unwrap().message;
    let before = state(&late);
    assert_eq!(late.decrypt(&m), Err(Error::UnknownSenderChain));
    assert_eq!(state(&late), before);
    let info = GroupMessage::parse(&m).unwrap();
    assert_eq!(
        (info.sender(), info.epoch(), info.chain(), info.group_id()),
        (&b"dev#0"[..], 0, 0, &GROUP)
    );
    // The app asks dev#0, which sends its chain at its current index: the
    // message sent before stays unreadable, later ones decrypt.
    give(&mut late, &g[0].add_members(&[b"late#1"]).unwrap());
    assert_eq!(late.decrypt(&m), Err(Error::DuplicateMessage));
    let m2 = g[0].encrypt(b"y", NOW, &mut rng(7)).unwrap().message;
    assert_eq!(late.decrypt(&m2).unwrap().plaintext, b"y");
}

#[test]
fn removal_starts_an_epoch_the_removed_device_cannot_read() {
    let mut g = group(3, GroupConfig::default());
    let in_flight = g[1].encrypt(b"before", NOW, &mut rng(1)).unwrap().message;
    let d0 = g[0].remove_members(&[b"dev#2"], NOW, &mut rng(2)).unwrap();
    let d1 = g[1].remove_members(&[b"dev#2"], NOW, &mut rng(3)).unwrap();
    give(&mut g[1], &d0);
    give(&mut g[0], &d1);
    assert_eq!((g[0].epoch(), d0.epoch(), d0.chain()), (1, 1, 1));
    // In flight across the change: still readable (previous epoch kept).
    assert_eq!(g[0].decrypt(&in_flight).unwrap().plaintext, b"before");
    let after = g[0].encrypt(b"after", NOW, &mut rng(4)).unwrap().message;
    assert_eq!(g[1].decrypt(&after).unwrap().plaintext, b"after");
    let before = state(&g[2]);
    assert_eq!(g[2].decrypt(&after), Err(Error::UnknownSenderChain));
    assert_eq!(state(&g[2]), before);
    // The removed device's own messages are no longer accepted.
    let from_removed = g[2]
        .encrypt(b"still here?", NOW, &mut rng(5))
        .unwrap()
        .message;
    assert_eq!(g[0].decrypt(&from_removed), Err(Error::UnknownSenderChain));
    // Its distributions neither.
    let stale = g[2].distribution();
    assert_eq!(
        g[0].receive_distribution(&stale.to_bytes().unwrap(), b"dev#2"),
        Err(Error::EpochMismatch)
    );
    // After dev#1 is removed too, its chains are gone.
    let old = g[1].encrypt(b"x", NOW, &mut rng(6)).unwrap().message; // epoch 1
    let _ = g[0].remove_members(&[b"dev#1"], NOW, &mut rng(7)).unwrap();
    assert_eq!(g[0].epoch(), 2);
    assert_eq!(g[0].decrypt(&old), Err(Error::UnknownSenderChain));
}

#[test]
fn epochs_before_the_previous_one_are_dropped() {
    let mut g = group(4, GroupConfig::default());
    let old = g[1].encrypt(b"epoch 0", NOW, &mut rng(1)).unwrap().message;
    let _ = g[0].remove_members(&[b"dev#3"], NOW, &mut rng(2)).unwrap();
    let in_flight = g[1]
        .encrypt(b"still epoch 0", NOW, &mut rng(3))
        .unwrap()
        .message;
    assert_eq!(g[0].decrypt(&old).unwrap().plaintext, b"epoch 0");
    let _ = g[0].remove_members(&[b"dev#2"], NOW, &mut rng(4)).unwrap();
    let before = state(&g[0]);
    assert_eq!(g[0].decrypt(&in_flight), Err(Error::EpochMismatch));
    assert_eq!(state(&g[0]), before);
    // drop_previous_epochs forgets epoch 1 too, at the application's time.
    let d1 = g[1].remove_members(&[b"dev#3"], NOW, &mut rng(5)).unwrap();
    assert_eq!(
        g[0].receive_distribution(&d1.to_bytes().unwrap(), b"dev#1"),
        Ok(())
    );
    assert!(g[0].has_chain(b"dev#1", 1));
    g[0].drop_previous_epochs();
    assert!(!g[0].has_chain(b"dev#1", 1));
}

#[test]
fn distribution_checks() {
    let mut g = group(2, GroupConfig::default());
    let d = g[0].distribution();
    let bytes = d.to_bytes().unwrap();
    let before = state(&g[1]);
    assert_eq!(
        g[1].receive_distribution(&bytes, b"dev#9"),
        Err(Error::IdentityMismatch)
    );
    // Same chain again: idempotent.
    assert_eq!(g[1].receive_distribution(&bytes, b"dev#0"), Ok(()));
    assert_eq!(state(&g[1]), before);
    let mut other = bytes.to_vec();
    other[2] ^= 1; // group id
    assert_eq!(
        g[1].receive_distribution(&other, b"dev#0"),
        Err(Error::SessionMismatch)
    );
    assert_eq!(state(&g[1]), before);
    assert_eq!(
        ChainDistribution::from_bytes(&bytes[..bytes.len() - 1]).err(),
        Some(Error::Truncated)
    );
    assert_eq!(
        ChainDistribution::from_bytes(&[bytes.as_slice(), &[0]].concat()).err(),
        Some(Error::TrailingBytes)
    );
    assert!(!format!("{d:?}").contains("chain_key"));
}

#[test]
fn tampering_anywhere_is_rejected_without_change() {
    let mut g = group(2, GroupConfig::default());
    let m = g[0]
        .encrypt(b"integrity", NOW, &mut rng(1))
        .unwrap()
        .message;
    let before = state(&g[1]);
    for i in 0..m.len() {
        let mut t = m.clone();
        t[i] ^= 0x01;
        assert!(g[1].decrypt(&t).is_err(), "byte {i}");
        assert_eq!(state(&g[1]), before, "byte {i}");
    }
    assert!(g[1].decrypt(&m[..m.len() - 1]).is_err());
    assert_eq!(g[1].decrypt(&m).unwrap().plaintext, b"integrity");
}

#[test]
fn another_member_cannot_forge_as_the_sender() {
    // dev#1 holds dev#0's chain and header keys, but not its signing key.
    let mut g = group(3, GroupConfig::default());
    let genuine = g[0].encrypt(b"pay 1", NOW, &mut rng(1)).unwrap().message;
    let info = g[1].decrypt(&genuine).unwrap();
    assert_eq!(info.plaintext, b"pay 1");
    // dev#1 re-signs a message as dev#0 with its own chain: verification
    // under dev#0's key fails.
    let mut forged = g[1].encrypt(b"pay 1000", NOW, &mut rng(2)).unwrap().message;
    // Rewrite the sender field (same length) to dev#0.
    let pos = 2 + 16 + 4 + 1;
    forged[pos..pos + 5].copy_from_slice(b"dev#0");
    assert!(matches!(
        g[2].decrypt(&forged),
        Err(Error::BadSignature) | Err(Error::UnknownSenderChain)
    ));
}

#[test]
fn rotation_by_count_and_by_age() {
    let mut g = group(
        2,
        GroupConfig {
            max_messages: 2,
            max_age_secs: 100,
            ..GroupConfig::default()
        },
    );
    let mut r = rng(1);
    let a = g[0].encrypt(b"1", NOW, &mut r).unwrap();
    let b = g[0].encrypt(b"2", NOW, &mut r).unwrap();
    let c = g[0].encrypt(b"3", NOW, &mut r).unwrap();
    assert!(a.distribution.is_none() && b.distribution.is_none());
    let d = c.distribution.expect("rotated after 2 messages");
    assert_eq!(
        (d.chain(), d.index()),
        (1, 0),
        "the new chain opens the message it came with"
    );
    give(&mut g[1], &d);
    for (m, p) in [(&c.message, b"3"), (&a.message, b"1"), (&b.message, b"2")] {
        assert_eq!(g[1].decrypt(m).unwrap().plaintext, p);
    }
    assert!(!g[0].rotation_due(NOW + 99));
    assert!(g[0].rotation_due(NOW + 100));
    let e = g[0].encrypt(b"4", NOW + 100, &mut r).unwrap();
    assert_eq!(e.distribution.map(|d| d.chain()), Some(2));
}

#[test]
fn seal_round_trip_and_errors() {
    let g = group(3, GroupConfig::default());
    let key = StorageKey::from_bytes([3; 32]);
    let sealed = g[0].seal(&key, &mut rng(1)).unwrap();
    let back = GroupSession::unseal(&key, &sealed).unwrap();
    assert_eq!(state(&back), state(&g[0]));
    assert_eq!(sealed[1], 0x10);
    assert_eq!(
        GroupSession::unseal(&StorageKey::from_bytes([4; 32]), &sealed).err(),
        Some(Error::UnsealFailed)
    );
    let mut wrong = sealed.clone();
    wrong[1] = 0x05;
    assert_eq!(
        GroupSession::unseal(&key, &wrong).err(),
        Some(Error::WrongObjectType)
    );
}

#[test]
fn caller_arguments_are_checked() {
    let c = GroupConfig::default();
    let r = &mut rng(1);
    assert_eq!(
        GroupSession::create(GROUP, b"", &[], 0, c, 0, r).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        GroupSession::create(GROUP, &[1; 65], &[], 0, c, 0, r).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        GroupSession::create(GROUP, b"a", &[b"a"], 0, c, 0, r).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        GroupSession::create(GROUP, b"a", &[b"b", b"b"], 0, c, 0, r).err(),
        Some(Error::InvalidArgument)
    );
    let zero = GroupConfig {
        max_messages: 0,
        ..c
    };
    assert_eq!(
        GroupSession::create(GROUP, b"a", &[], 0, zero, 0, r).err(),
        Some(Error::InvalidArgument)
    );
    let many: Vec<Vec<u8>> = (0..1001).map(|i: u32| i.to_be_bytes().to_vec()).collect();
    let many: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    assert_eq!(
        GroupSession::create(GROUP, b"me", &many, 0, c, 0, r).err(),
        Some(Error::TooLarge)
    );
    let mut g = GroupSession::create(GROUP, b"me", &many[..1000], 0, c, 0, r).unwrap();
    assert_eq!(g.add_members(&[b"new"]).err(), Some(Error::TooLarge));
    let before = state(&g);
    assert_eq!(
        g.remove_members(&[b"nobody"], 0, r).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        g.add_members(&[many[0]]).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(state(&g), before);
    assert_eq!(
        g.encrypt(&vec![0; (1 << 20) + 1], 0, r).err(),
        Some(Error::TooLarge)
    );
}

// ------------------------------------------------------------ properties

const DEVICES: usize = 5;

#[derive(Clone, Debug)]
enum Op {
    Send(usize, u8),
    Deliver(prop::sample::Index, usize),
    Tamper(prop::sample::Index, usize, prop::sample::Index),
    Add(usize),
    Remove(usize),
    Restore(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..DEVICES, any::<u8>()).prop_map(|(d, n)| Op::Send(d, n)),
        8 => (any::<prop::sample::Index>(), 0..DEVICES).prop_map(|(i, d)| Op::Deliver(i, d)),
        1 => (any::<prop::sample::Index>(), 0..DEVICES, any::<prop::sample::Index>()).prop_map(|(i, d, b)| Op::Tamper(i, d, b)),
        1 => (0..DEVICES).prop_map(Op::Add),
        1 => (0..DEVICES).prop_map(Op::Remove),
        1 => (0..DEVICES).prop_map(Op::Restore),
    ]
}

struct Sent {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    sender: usize,
    epoch: u32,
    chain: u32,
    /// Devices meant to read it: the sender's view of the members, when the
    /// sender was a member.
    audience: BTreeSet<(usize, u32)>,
    read_by: BTreeSet<usize>,
    sender_incarnation: u32,
}

struct World {
    devices: Vec<Option<GroupSession>>,
    members: BTreeSet<usize>,
    epoch: u32,
    sent: Vec<Sent>,
    seed: u64,
    /// How many times each device (re)joined: a rejoining device is a new
    /// device state that must read nothing from before.
    incarnation: [u32; DEVICES],
}

impl World {
    fn rng(&mut self) -> ChaCha20Rng {
        self.seed += 1;
        rng(self.seed)
    }

    fn distribute(&mut self, from: usize, d: &ChainDistribution, to: &BTreeSet<usize>) {
        for &t in to {
            if t != from {
                give(self.devices[t].as_mut().unwrap(), d);
            }
        }
    }

    /// Delivers message `k` to device `to` and checks the outcome; returns
    /// whether it decrypted.
    fn deliver(&mut self, k: usize, to: usize) -> bool {
        let w = self;
        let current_chain = w.devices[w.sent[k].sender]
            .as_ref()
            .unwrap()
            .distribution()
            .chain();
        let sender_current = w.members.contains(&w.sent[k].sender)
            && w.incarnation[w.sent[k].sender] == w.sent[k].sender_incarnation;
        let me = (to, w.incarnation[to]);
        let g = w.devices[to].as_mut().unwrap();
        let before = state(g);
        let m = &mut w.sent[k];
        match g.decrypt(&m.bytes) {
            Ok(read) => {
                assert!(
                    m.audience.contains(&me),
                    "device {to} read a message not meant for it"
                );
                assert!(m.read_by.insert(to), "device {to} read a message twice");
                assert_eq!(read.plaintext, m.plaintext);
                assert_eq!(read.sender, name(m.sender));
                true
            }
            Err(e) => {
                assert_eq!(state(g), before, "a rejection changed the state ({e:?})");
                let retained = w.epoch <= m.epoch + 1
                    && current_chain <= m.chain + 2
                    && w.members.contains(&to)
                    && sender_current;
                assert!(
                    !(m.audience.contains(&me) && !m.read_by.contains(&to) && retained),
                    "device {to} could not read a message meant for it: {e:?}"
                );
                false
            }
        }
    }

    fn new(config: GroupConfig) -> World {
        let mut w = World {
            devices: (0..DEVICES).map(|_| None).collect(),
            members: BTreeSet::new(),
            epoch: 0,
            sent: Vec::new(),
            seed: 100,
            incarnation: [0; DEVICES],
        };
        let initial: BTreeSet<usize> = [0, 1, 2].into();
        let g = group(3, config);
        for (i, s) in g.into_iter().enumerate() {
            w.devices[i] = Some(s);
        }
        w.members = initial;
        w
    }
}

fn run(ops: Vec<Op>, config: GroupConfig) {
    let mut w = World::new(config);
    let key = StorageKey::from_bytes([9; 32]);
    for op in ops {
        match op {
            Op::Send(d, n) => {
                let mut r = w.rng();
                let Some(s) = w.devices[d].as_mut() else {
                    continue;
                };
                let plaintext = vec![n; usize::from(n) % 50];
                let out = s.encrypt(&plaintext, NOW, &mut r).unwrap();
                let info = GroupMessage::parse(&out.message).unwrap();
                let audience = if w.members.contains(&d) {
                    w.members
                        .iter()
                        .copied()
                        .filter(|m| *m != d)
                        .map(|m| (m, w.incarnation[m]))
                        .collect()
                } else {
                    BTreeSet::new()
                };
                if let Some(dist) = &out.distribution
                    && w.members.contains(&d)
                {
                    let to = w.members.clone();
                    w.distribute(d, dist, &to);
                }
                w.sent.push(Sent {
                    bytes: out.message,
                    plaintext,
                    sender: d,
                    epoch: info.epoch(),
                    chain: info.chain(),
                    audience,
                    read_by: BTreeSet::new(),
                    sender_incarnation: w.incarnation[d],
                });
            }
            Op::Deliver(i, to) | Op::Tamper(i, to, _)
                if w.sent.is_empty() || w.devices[to].is_none() =>
            {
                let _ = (i, to);
            }
            Op::Deliver(i, to) => {
                let k = i.index(w.sent.len());
                w.deliver(k, to);
            }
            Op::Tamper(i, to, b) => {
                let k = i.index(w.sent.len());
                let mut t = w.sent[k].bytes.clone();
                let pos = b.index(t.len());
                t[pos] ^= 0x20;
                let g = w.devices[to].as_mut().unwrap();
                let before = state(g);
                assert!(g.decrypt(&t).is_err(), "a tampered message decrypted");
                assert_eq!(state(g), before);
            }
            Op::Add(d) => {
                if w.members.contains(&d) {
                    continue;
                }
                let others: Vec<Vec<u8>> = w.members.iter().map(|m| name(*m)).collect();
                let others_ref: Vec<&[u8]> = others.iter().map(Vec::as_slice).collect();
                let mut r = w.rng();
                let joiner = GroupSession::create(
                    GROUP,
                    &name(d),
                    &others_ref,
                    w.epoch,
                    config,
                    NOW,
                    &mut r,
                )
                .unwrap();
                let joiner_dist = joiner.distribution();
                w.devices[d] = Some(joiner);
                w.incarnation[d] += 1;
                let members = w.members.clone();
                for &m in &members {
                    let dist = w.devices[m]
                        .as_mut()
                        .unwrap()
                        .add_members(&[&name(d)])
                        .unwrap();
                    give(w.devices[d].as_mut().unwrap(), &dist);
                }
                w.members.insert(d);
                w.distribute(d, &joiner_dist, &members);
            }
            Op::Remove(d) => {
                if !w.members.contains(&d) || w.members.len() <= 2 {
                    continue;
                }
                w.members.remove(&d);
                w.epoch += 1;
                let members = w.members.clone();
                let mut dists = Vec::new();
                for &m in &members {
                    let mut r = w.rng();
                    dists.push((
                        m,
                        w.devices[m]
                            .as_mut()
                            .unwrap()
                            .remove_members(&[&name(d)], NOW, &mut r)
                            .unwrap(),
                    ));
                }
                for (m, dist) in dists {
                    w.distribute(m, &dist, &members);
                }
            }
            Op::Restore(d) => {
                let mut r = w.rng();
                let Some(g) = w.devices[d].as_mut() else {
                    continue;
                };
                let sealed = g.seal(&key, &mut r).unwrap();
                let back = GroupSession::unseal(&key, &sealed).unwrap();
                assert_eq!(state(&back), state(g));
                *g = back;
            }
        }
    }
    // Finally every message reaches every device, twice: each device meant
    // to read a message and still within the retention reads it exactly once
    // over the whole run (deliver() asserts that a rejection happens only
    // outside the retention), and never twice.
    for k in 0..w.sent.len() {
        for to in 0..DEVICES {
            if w.devices[to].is_some() {
                w.deliver(k, to);
                assert!(!w.deliver(k, to), "a second delivery decrypted");
            }
        }
    }
}

proptest! {
    // 64 cases by default; PROPTEST_CASES=n for a longer run.
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64), ..ProptestConfig::default() })]

    #[test]
    fn random_group_schedules(ops in prop::collection::vec(op(), 1..80)) {
        run(ops, GroupConfig::default());
    }

    #[test]
    fn random_group_schedules_with_fast_rotation(ops in prop::collection::vec(op(), 1..80)) {
        run(ops, GroupConfig { max_messages: 2, ..GroupConfig::default() });
    }
}

#[test]
fn sizes_match_the_specification() {
    // PROTOCOL.md §21.5: 123 + len(sender) + padded; §21.4: 127 + len(sender);
    // §21.9: sealed = 193 + L + n × (112 + 2L) with one chain per device.
    let address = |i: usize| format!("user{i:05}/dev01").into_bytes();
    for (n, expected) in [(10usize, 1_486usize), (100, 14_266)] {
        let names: Vec<Vec<u8>> = (0..n).map(address).collect();
        let others: Vec<&[u8]> = names[1..].iter().map(Vec::as_slice).collect();
        let mut me = GroupSession::create(
            GROUP,
            &names[0],
            &others,
            0,
            GroupConfig::default(),
            NOW,
            &mut rng(1),
        )
        .unwrap();
        for (k, name) in names[1..].iter().enumerate() {
            let them = GroupSession::create(
                GROUP,
                name,
                &[&names[0]],
                0,
                GroupConfig::default(),
                NOW,
                &mut rng(k as u64 + 2),
            )
            .unwrap();
            give(&mut me, &them.distribution());
        }
        let sealed = me
            .seal(&StorageKey::from_bytes([1; 32]), &mut rng(0))
            .unwrap();
        assert_eq!(sealed.len(), expected, "{n} devices");
        let m = me.encrypt(&[7; 100], NOW, &mut rng(3)).unwrap().message;
        assert_eq!(m.len(), 123 + 15 + 104);
        assert_eq!(me.distribution().to_bytes().unwrap().len(), 127 + 15);
    }
}
