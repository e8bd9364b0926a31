//! Sotto's handshake steps, skipped messages and sealed state. The
//! head-to-head comparison with vodozemac is in `vs_vodozemac.rs`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use sotto::{Account, OsRng, PrekeyBundle, Session, StorageKey};
use sotto_bench::{
    SottoResponder, alice_ctx, bob_ctx, fork_account, fork_session, message, sotto_pair,
};
use std::hint::black_box;

fn handshake_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("sotto_handshake");
    let alice = Account::new(&mut OsRng).unwrap();
    let responder = SottoResponder::new();
    let bundle = PrekeyBundle::from_bytes(&responder.bundle_bytes).unwrap();
    let m = message();
    group.bench_function("verify_bundle", |b| {
        b.iter(|| PrekeyBundle::from_bytes(black_box(&responder.bundle_bytes)).unwrap())
    });
    group.bench_function("initiate", |b| {
        b.iter(|| Session::initiate(&alice, black_box(&bundle), &alice_ctx(), &mut OsRng).unwrap())
    });
    group.bench_function("first_encrypt", |b| {
        b.iter_batched(
            || Session::initiate(&alice, &bundle, &alice_ctx(), &mut OsRng).unwrap(),
            |mut s| s.encrypt(black_box(&m), &mut OsRng).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("accept", |b| {
        b.iter_batched(
            || {
                let mut s = Session::initiate(&alice, &bundle, &alice_ctx(), &mut OsRng).unwrap();
                (
                    fork_account(&responder.account),
                    s.encrypt(&m, &mut OsRng).unwrap(),
                )
            },
            |(mut account, first)| {
                Session::accept(&mut account, black_box(&first), &bob_ctx()).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn skipped(c: &mut Criterion) {
    let mut group = c.benchmark_group("sotto_skipped");
    let (mut a, b) = sotto_pair();
    let m = message();
    let messages: Vec<Vec<u8>> = (0..=1000)
        .map(|_| a.encrypt(&m, &mut OsRng).unwrap())
        .collect();
    // Decrypt message 1000 first (1000 keys are derived and stored), then
    // the 1000 skipped ones in order.
    group.bench_function("ahead_1000_then_1000_skipped", |bench| {
        bench.iter_batched(
            || fork_session(&b),
            |mut b| {
                b.decrypt(&messages[1000]).unwrap();
                for message in &messages[..1000] {
                    b.decrypt(message).unwrap();
                }
                b
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("ahead_1000_only", |bench| {
        bench.iter_batched(
            || fork_session(&b),
            |mut b| {
                b.decrypt(&messages[1000]).unwrap();
                b
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn sealed(c: &mut Criterion) {
    let mut group = c.benchmark_group("sotto_sealed");
    let (a, _) = sotto_pair();
    let key = StorageKey::generate(&mut OsRng).unwrap();
    let sealed = a.seal(&key, &mut OsRng).unwrap();
    group.bench_function("seal", |b| {
        b.iter(|| black_box(&a).seal(&key, &mut OsRng).unwrap())
    });
    group.bench_function("unseal", |b| {
        b.iter(|| Session::unseal(&key, black_box(&sealed)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, handshake_steps, skipped, sealed);
criterion_main!(benches);
