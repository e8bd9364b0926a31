//! Sotto against vodozemac (Olm), same run, same 100-byte messages.
//!
//! Every group has a `sotto` and a `vodozemac` function; the report divides
//! one by the other. Account creation is excluded for both libraries (done in
//! the untimed setup of `iter_batched`).
//!
//! Built without the `vodozemac` feature, only the Sotto halves run: that is
//! Sotto as shipped (see Cargo.toml: vodozemac turns on curve25519-dalek's
//! precomputed tables for every crate of the build, Sotto included).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_core::SeedableRng;
use sotto::{Account, OsRng, Session, StorageKey};
#[cfg(feature = "vodozemac")]
use sotto_bench::{OlmResponder, olm_handshake, olm_pair};
use sotto_bench::{SottoResponder, fork_account, message, sotto_handshake, sotto_pair};
use std::hint::black_box;
#[cfg(feature = "vodozemac")]
use vodozemac::olm;

fn handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmp_handshake");
    let m = message();
    // Sotto: verify the bundle (signatures, ML-KEM key check), initiate,
    // encrypt the first message, accept it.
    let alice = Account::new(&mut OsRng).unwrap();
    let responder = SottoResponder::new();
    group.bench_function("sotto", |b| {
        b.iter_batched(
            || fork_account(&responder.account),
            |mut bob| sotto_handshake(&alice, &mut bob, black_box(&responder.bundle_bytes), &m),
            BatchSize::SmallInput,
        )
    });
    // Olm: create_outbound_session, first message, create_inbound_session.
    #[cfg(feature = "vodozemac")]
    let olm_alice = olm::Account::new();
    #[cfg(feature = "vodozemac")]
    group.bench_function("vodozemac", |b| {
        b.iter_batched(
            OlmResponder::new,
            |mut bob| olm_handshake(&olm_alice, &mut bob, &m),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// One message per iteration, alternating direction: every message carries a
/// new ratchet key (a DH ratchet step on both sides).
fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmp_pingpong_100B");
    let m = message();
    {
        let (mut a, mut b) = sotto_pair();
        let mut a_sends = true;
        group.bench_function("sotto", |bench| {
            bench.iter(|| {
                let (s, r) = if a_sends {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                a_sends = !a_sends;
                let ct = s.encrypt(black_box(&m), &mut OsRng).unwrap();
                r.decrypt(&ct).unwrap()
            })
        });
    }
    {
        let (mut a, mut b) = sotto_pair();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(
            sotto::primitives::random_array(&mut OsRng).unwrap(),
        );
        let mut a_sends = true;
        group.bench_function("sotto_userspace_rng", |bench| {
            bench.iter(|| {
                let (s, r) = if a_sends {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                a_sends = !a_sends;
                let ct = s.encrypt(black_box(&m), &mut rng).unwrap();
                r.decrypt(&ct).unwrap()
            })
        });
    }
    #[cfg(feature = "vodozemac")]
    {
        let (mut a, mut b) = olm_pair();
        let mut a_sends = true;
        group.bench_function("vodozemac", |bench| {
            bench.iter(|| {
                let (s, r) = if a_sends {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                a_sends = !a_sends;
                let ct = s.encrypt(black_box(&m)).unwrap();
                r.decrypt(&ct).unwrap()
            })
        });
    }
    group.finish();
}

/// One message per iteration, always from Alice to Bob: symmetric ratchet only.
fn burst(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmp_burst_100B");
    let m = message();
    {
        let (mut a, mut b) = sotto_pair();
        group.bench_function("sotto", |bench| {
            bench.iter(|| {
                let ct = a.encrypt(black_box(&m), &mut OsRng).unwrap();
                b.decrypt(&ct).unwrap()
            })
        });
    }
    {
        let (mut a, mut b) = sotto_pair();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(
            sotto::primitives::random_array(&mut OsRng).unwrap(),
        );
        group.bench_function("sotto_userspace_rng", |bench| {
            bench.iter(|| {
                let ct = a.encrypt(black_box(&m), &mut rng).unwrap();
                b.decrypt(&ct).unwrap()
            })
        });
    }
    #[cfg(feature = "vodozemac")]
    {
        let (mut a, mut b) = olm_pair();
        group.bench_function("vodozemac", |bench| {
            bench.iter(|| {
                let ct = a.encrypt(black_box(&m)).unwrap();
                b.decrypt(&ct).unwrap()
            })
        });
    }
    group.finish();
}

/// Persisting a session: Sotto seal + unseal; vodozemac pickle, encrypt,
/// decrypt, unpickle.
fn persist(c: &mut Criterion) {
    let mut group = c.benchmark_group("cmp_persist");
    let (a, _) = sotto_pair();
    let key = StorageKey::generate(&mut OsRng).unwrap();
    group.bench_function("sotto", |b| {
        b.iter(|| {
            let sealed = black_box(&a).seal(&key, &mut OsRng).unwrap();
            Session::unseal(&key, &sealed).unwrap()
        })
    });
    #[cfg(feature = "vodozemac")]
    {
        let (oa, _) = olm_pair();
        let pickle_key = [0x24u8; 32];
        group.bench_function("vodozemac", |b| {
            b.iter(|| {
                let pickled = black_box(&oa).pickle().encrypt(&pickle_key);
                olm::Session::from_pickle(
                    olm::SessionPickle::from_encrypted(&pickled, &pickle_key).unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, handshake, ping_pong, burst, persist);
criterion_main!(benches);
