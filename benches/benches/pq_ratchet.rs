//! Ratchet version 2 (PROTOCOL.md §22), the post-quantum KEM ratchet,
//! against version 1 and vodozemac (Olm): per-message time and wire bytes
//! of 100-byte messages in a conversation alternating every 3 messages.
//!
//! One iteration is one message (encrypt and decrypt), the direction
//! changing every 3 messages, so the time includes the DH ratchet steps and,
//! for version 2, the amortised ML-KEM key generations, encapsulations and
//! decapsulations. The bytes per message for alternation every 1, 3 and 10
//! messages are deterministic; they are written to
//! `bench-results/pq-ratchet-bytes.json` (read by `benches/report.py`).

use criterion::{Criterion, criterion_group, criterion_main};
use sotto::{Account, OsRng, PrekeyBundle, Session};
use sotto_bench::{SottoResponder, alice_ctx, bob_ctx, message, sotto_pair};
#[cfg(feature = "vodozemac")]
use sotto_bench::{olm_pair, olm_wire_len};
use std::hint::black_box;

/// Two established sessions of ratchet version 2.
fn sotto_v2_pair() -> (Session, Session) {
    let alice = Account::new(&mut OsRng).expect("account");
    let mut bob = SottoResponder::new();
    let bundle = PrekeyBundle::from_bytes(&bob.bundle_bytes)
        .expect("bundle")
        .with_pq_ratchet();
    let m = message();
    let mut a = Session::initiate(&alice, &bundle, &alice_ctx(), &mut OsRng).expect("initiate");
    let first = a.encrypt(&m, &mut OsRng).expect("encrypt");
    let (mut b, _) = Session::accept(&mut bob.account, &first, &bob_ctx()).expect("accept");
    let reply = b.encrypt(&m, &mut OsRng).expect("encrypt");
    a.decrypt(&reply).expect("decrypt");
    assert!(a.uses_pq_ratchet() && b.uses_pq_ratchet());
    (a, b)
}

/// Average wire bytes of a 100-byte message over 600 messages alternating
/// every `k`.
fn sotto_bytes(pq: bool, k: usize) -> f64 {
    let (mut a, mut b) = if pq { sotto_v2_pair() } else { sotto_pair() };
    let m = message();
    let mut total = 0;
    for i in 0..600 {
        let (s, r) = if (i / k).is_multiple_of(2) {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let ct = s.encrypt(&m, &mut OsRng).expect("encrypt");
        total += ct.len();
        r.decrypt(&ct).expect("decrypt");
    }
    total as f64 / 600.0
}

#[cfg(feature = "vodozemac")]
fn olm_bytes(k: usize) -> f64 {
    let (mut a, mut b) = olm_pair();
    let m = message();
    let mut total = 0;
    for i in 0..600 {
        let (s, r) = if (i / k).is_multiple_of(2) {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let ct = s.encrypt(&m).expect("encrypt");
        total += olm_wire_len(&ct);
        r.decrypt(&ct).expect("decrypt");
    }
    total as f64 / 600.0
}

fn write_bytes() {
    let mut rows = vec![];
    for k in [1usize, 3, 10] {
        let v1 = sotto_bytes(false, k);
        let v2 = sotto_bytes(true, k);
        #[cfg(feature = "vodozemac")]
        let olm = Some(olm_bytes(k));
        #[cfg(not(feature = "vodozemac"))]
        let olm: Option<f64> = None;
        rows.push(serde_json::json!({
            "alternate_every": k,
            "sotto_v1_bytes": v1,
            "sotto_v2_bytes": v2,
            "extra_bytes_v2": v2 - v1,
            "vodozemac_bytes": olm,
        }));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench-results");
    if std::fs::create_dir_all(&dir).is_ok() {
        let name = if cfg!(feature = "vodozemac") {
            "pq-ratchet-bytes.json"
        } else {
            "pq-ratchet-bytes-shipped.json"
        };
        let _ = std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(
                &serde_json::json!({ "plaintext_bytes": 100, "rows": rows }),
            )
            .unwrap()
                + "\n",
        );
    }
}

/// One message per iteration, alternating every 3 messages.
fn alternating(c: &mut Criterion) {
    write_bytes();
    let mut group = c.benchmark_group("pq_alternate3_100B");
    let m = message();
    for (name, pq) in [("sotto_v1", false), ("sotto_v2", true)] {
        let (mut a, mut b) = if pq { sotto_v2_pair() } else { sotto_pair() };
        let mut i = 0usize;
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let (s, r) = if (i / 3).is_multiple_of(2) {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                i += 1;
                let ct = s.encrypt(black_box(&m), &mut OsRng).unwrap();
                r.decrypt(&ct).unwrap()
            })
        });
    }
    #[cfg(feature = "vodozemac")]
    {
        let (mut a, mut b) = olm_pair();
        let mut i = 0usize;
        group.bench_function("vodozemac", |bench| {
            bench.iter(|| {
                let (s, r) = if (i / 3).is_multiple_of(2) {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                i += 1;
                let ct = s.encrypt(black_box(&m)).unwrap();
                r.decrypt(&ct).unwrap()
            })
        });
    }
    group.finish();
}

/// The per-epoch work of §22.6: one ML-KEM-768 key generation (from the
/// 64-byte seed, as phase 0 does and as unsealing phase 1 does again), one
/// encapsulation (with the modulus check of the reassembled key) and one
/// decapsulation.
fn kem_operations(c: &mut Criterion) {
    use sotto::primitives::{Secret, kem};
    let mut group = c.benchmark_group("pq_epoch_kem");
    let key = kem::PrivateKey::from_seed(Secret::from_bytes([7; 64]));
    let ek = key.public_key();
    group.bench_function("keygen_from_seed", |bench| {
        bench.iter(|| {
            kem::PrivateKey::from_seed(Secret::from_bytes(black_box([7; 64]))).public_key()
        })
    });
    group.bench_function("check_and_encapsulate", |bench| {
        bench.iter(|| {
            kem::PublicKey::from_bytes(black_box(&ek))
                .unwrap()
                .encapsulate(&mut OsRng)
                .unwrap()
        })
    });
    let (ct, _) = kem::PublicKey::from_bytes(&ek)
        .unwrap()
        .encapsulate(&mut OsRng)
        .unwrap();
    group.bench_function("decapsulate", |bench| {
        bench.iter(|| key.decapsulate(black_box(&ct)))
    });
    group.finish();
}

criterion_group!(benches, alternating, kem_operations);
criterion_main!(benches);
