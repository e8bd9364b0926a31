//! Groups (PROTOCOL.md §21): Sotto's sender-key groups against vodozemac's
//! Megolm, same run, same 100-byte message; and the cost of membership
//! changes for groups of 10, 100 and 1000 member devices.
//!
//! - `cmp_group_100B`: one group message encrypted by its sender and
//!   decrypted by one member (Megolm: outbound `encrypt` + inbound
//!   `decrypt`). Rotation is off for both (Megolm's rotation is the
//!   application's; vodozemac does not rotate).
//! - `group_remove_sender/{n}`: what one remaining device does when a member
//!   is removed from a group of `n` devices: `remove_members` (new epoch, new
//!   chain) and one pairwise Sotto encryption of its chain distribution for
//!   each of the other `n − 2` remaining devices.
//! - `group_remove_receiver/{n}`: what one remaining device does with the
//!   `n − 2` distributions it receives: pairwise decryption and
//!   `receive_distribution` for each.
//! - `group_add_member/{n}`: what one existing member does when a device
//!   joins: `add_members` and one pairwise encryption of its distribution.
//! - `group_join/{n}`: what the joining device does: create its state,
//!   encrypt its distribution for the `n − 1` others and take in their
//!   `n − 1` distributions.
//!
//! The bytes each costs are printed by the `sotto-sizes` binary (`groups`).

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use sotto::group::{GroupConfig, GroupSession};
use sotto::{OsRng, Session};
use sotto_bench::{message, sotto_pair};
use std::hint::black_box;

const GROUP_ID: [u8; 16] = [0x42; 16];
const NOW: u64 = 1_700_000_000;

fn no_rotation() -> GroupConfig {
    GroupConfig {
        max_messages: u32::MAX,
        max_age_secs: u64::MAX,
        ..GroupConfig::default()
    }
}

fn address(i: usize) -> Vec<u8> {
    format!("user{i:05}/dev01").into_bytes()
}

/// Device 0's state in a group of `n` devices, holding one chain of every
/// other device (as after everyone distributed), and device 1's chain.
fn member_state(n: usize) -> (GroupSession, Vec<Vec<u8>>) {
    let names: Vec<Vec<u8>> = (0..n).map(address).collect();
    let others: Vec<&[u8]> = names[1..].iter().map(Vec::as_slice).collect();
    let mut me = GroupSession::create(
        GROUP_ID,
        &names[0],
        &others,
        0,
        no_rotation(),
        NOW,
        &mut OsRng,
    )
    .unwrap();
    for name in &names[1..] {
        let peers: Vec<&[u8]> = names
            .iter()
            .filter(|m| *m != name)
            .map(Vec::as_slice)
            .collect();
        let them = GroupSession::create(GROUP_ID, name, &peers, 0, no_rotation(), NOW, &mut OsRng)
            .unwrap();
        me.receive_distribution(&them.distribution().to_bytes().unwrap(), name)
            .unwrap();
    }
    (me, names)
}

fn fork(group: &GroupSession) -> GroupSession {
    sotto::hazmat::group_from_state(&sotto::hazmat::group_state(group).unwrap()).unwrap()
}

fn fork_session(s: &Session) -> Session {
    sotto::hazmat::session_from_state(&sotto::hazmat::session_state(s).unwrap()).unwrap()
}

fn group_message(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmp_group_100B");
    let m = message();
    {
        let names = [
            b"alice@example.org/phone".as_slice(),
            b"bob@example.org/laptop",
        ];
        let mut alice = GroupSession::create(
            GROUP_ID,
            names[0],
            &[names[1]],
            0,
            no_rotation(),
            NOW,
            &mut OsRng,
        )
        .unwrap();
        let mut bob = GroupSession::create(
            GROUP_ID,
            names[1],
            &[names[0]],
            0,
            no_rotation(),
            NOW,
            &mut OsRng,
        )
        .unwrap();
        bob.receive_distribution(&alice.distribution().to_bytes().unwrap(), names[0])
            .unwrap();
        group.bench_function("sotto", |b| {
            b.iter(|| {
                let out = alice.encrypt(black_box(&m), NOW, &mut OsRng).unwrap();
                bob.decrypt(&out.message).unwrap()
            })
        });
    }
    {
        // The same with a seeded userspace generator instead of `OsRng`
        // (Megolm draws no randomness per message).
        use rand_core::SeedableRng;
        let names = [
            b"alice@example.org/phone".as_slice(),
            b"bob@example.org/laptop",
        ];
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(
            sotto::primitives::random_array(&mut OsRng).unwrap(),
        );
        let mut alice = GroupSession::create(
            GROUP_ID,
            names[0],
            &[names[1]],
            0,
            no_rotation(),
            NOW,
            &mut rng,
        )
        .unwrap();
        let mut bob = GroupSession::create(
            GROUP_ID,
            names[1],
            &[names[0]],
            0,
            no_rotation(),
            NOW,
            &mut rng,
        )
        .unwrap();
        bob.receive_distribution(&alice.distribution().to_bytes().unwrap(), names[0])
            .unwrap();
        group.bench_function("sotto_userspace_rng", |b| {
            b.iter(|| {
                let out = alice.encrypt(black_box(&m), NOW, &mut rng).unwrap();
                bob.decrypt(&out.message).unwrap()
            })
        });
    }
    #[cfg(feature = "vodozemac")]
    {
        use vodozemac::megolm::{GroupSession as Megolm, InboundGroupSession, SessionConfig};
        let mut outbound = Megolm::new(SessionConfig::version_1());
        let mut inbound =
            InboundGroupSession::new(&outbound.session_key(), SessionConfig::version_1());
        group.bench_function("vodozemac", |b| {
            b.iter(|| {
                let message = outbound.encrypt(black_box(&m));
                inbound.decrypt(&message).unwrap()
            })
        });
    }
    group.finish();
}

fn membership(c: &mut Criterion) {
    let (pairwise_a, pairwise_b) = sotto_pair();
    let mut group = c.benchmark_group("group_membership");
    group.sample_size(10);
    for n in [10usize, 100, 1000] {
        let (state, names) = member_state(n);
        let leaving = names[n - 1].clone();
        group.bench_function(BenchmarkId::new("remove_sender", n), |b| {
            b.iter_batched(
                || (fork(&state), fork_session(&pairwise_a)),
                |(mut me, mut session)| {
                    let d = me.remove_members(&[&leaving], NOW, &mut OsRng).unwrap();
                    let bytes = d.to_bytes().unwrap();
                    for _ in 0..n - 2 {
                        black_box(session.encrypt(&bytes, &mut OsRng).unwrap());
                    }
                },
                BatchSize::PerIteration,
            )
        });
        // The n − 2 distributions device 0 receives after the removal.
        let mut after = fork(&state);
        after.remove_members(&[&leaving], NOW, &mut OsRng).unwrap();
        let mut sender = fork_session(&pairwise_a);
        let incoming: Vec<(Vec<u8>, Vec<u8>)> = names[1..n - 1]
            .iter()
            .map(|name| {
                let peers: Vec<&[u8]> = names[..n - 1]
                    .iter()
                    .filter(|m| *m != name)
                    .map(Vec::as_slice)
                    .collect();
                let them =
                    GroupSession::create(GROUP_ID, name, &peers, 1, no_rotation(), NOW, &mut OsRng)
                        .unwrap();
                let ct = sender
                    .encrypt(&them.distribution().to_bytes().unwrap(), &mut OsRng)
                    .unwrap();
                (name.clone(), ct)
            })
            .collect();
        group.bench_function(BenchmarkId::new("remove_receiver", n), |b| {
            b.iter_batched(
                || (fork(&after), fork_session(&pairwise_b)),
                |(mut me, mut session)| {
                    for (from, ct) in &incoming {
                        let bytes = session.decrypt(ct).unwrap();
                        me.receive_distribution(&bytes, from).unwrap();
                    }
                },
                BatchSize::PerIteration,
            )
        });
        let newcomer = b"newcomer/dev01".to_vec();
        group.bench_function(BenchmarkId::new("add_member", n), |b| {
            b.iter_batched(
                || (fork(&state), fork_session(&pairwise_a)),
                |(mut me, mut session)| {
                    let d = me.add_members(&[&newcomer]).unwrap();
                    black_box(session.encrypt(&d.to_bytes().unwrap(), &mut OsRng).unwrap());
                },
                BatchSize::PerIteration,
            )
        });
        // The joiner: its own state, its distribution to n − 1 devices, and
        // the n − 1 distributions of the members.
        let mut sender = fork_session(&pairwise_a);
        let members_dists: Vec<(Vec<u8>, Vec<u8>)> = names[..n - 1]
            .iter()
            .map(|name| {
                let them = GroupSession::create(
                    GROUP_ID,
                    name,
                    &[&newcomer],
                    0,
                    no_rotation(),
                    NOW,
                    &mut OsRng,
                )
                .unwrap();
                (
                    name.clone(),
                    sender
                        .encrypt(&them.distribution().to_bytes().unwrap(), &mut OsRng)
                        .unwrap(),
                )
            })
            .collect();
        let member_names: Vec<&[u8]> = names[..n - 1].iter().map(Vec::as_slice).collect();
        group.bench_function(BenchmarkId::new("join", n), |b| {
            b.iter_batched(
                || (fork_session(&pairwise_a), fork_session(&pairwise_b)),
                |(mut out, mut inp)| {
                    let mut me = GroupSession::create(
                        GROUP_ID,
                        &newcomer,
                        &member_names,
                        0,
                        no_rotation(),
                        NOW,
                        &mut OsRng,
                    )
                    .unwrap();
                    let mine = me.distribution().to_bytes().unwrap();
                    for _ in 0..n - 1 {
                        black_box(out.encrypt(&mine, &mut OsRng).unwrap());
                    }
                    for (from, ct) in &members_dists {
                        let bytes = inp.decrypt(ct).unwrap();
                        me.receive_distribution(&bytes, from).unwrap();
                    }
                    me
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, group_message, membership);
criterion_main!(benches);
