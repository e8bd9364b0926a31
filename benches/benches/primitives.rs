//! Sotto's primitive layer (`sotto::primitives`): exactly the code the
//! protocol runs.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sotto::OsRng;
use sotto::primitives::aead::{self, Algorithm};
use sotto::primitives::{Secret, ed25519, kdf, kem, x25519};
use std::hint::black_box;

const AEAD_SIZES: [(usize, &str); 4] = [
    (64, "64B"),
    (1024, "1KiB"),
    (64 * 1024, "64KiB"),
    (1024 * 1024, "1MiB"),
];

fn aead(c: &mut Criterion) {
    let key = [0x42u8; 32];
    for (algorithm, name, nonce) in [
        (
            Algorithm::ChaCha20Poly1305,
            "chacha20poly1305",
            &[7u8; 12][..],
        ),
        (
            Algorithm::XChaCha20Poly1305,
            "xchacha20poly1305",
            &[7u8; 24][..],
        ),
    ] {
        let mut group = c.benchmark_group(format!("aead/{name}"));
        for (size, label) in AEAD_SIZES {
            let plaintext = vec![0xa5u8; size];
            let sealed = aead::seal(algorithm, &key, nonce, b"ad", &plaintext).unwrap();
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new("seal", label), &plaintext, |b, pt| {
                b.iter(|| {
                    aead::seal(algorithm, black_box(&key), nonce, b"ad", black_box(pt)).unwrap()
                })
            });
            group.bench_with_input(BenchmarkId::new("open", label), &sealed, |b, ct| {
                b.iter(|| {
                    aead::open(algorithm, black_box(&key), nonce, b"ad", black_box(ct)).unwrap()
                })
            });
        }
        group.finish();
    }
}

fn x25519(c: &mut Criterion) {
    let mut group = c.benchmark_group("x25519");
    let a = x25519::PrivateKey::generate(&mut OsRng).unwrap();
    let b = x25519::PrivateKey::generate(&mut OsRng)
        .unwrap()
        .public_key();
    group.bench_function("public_key", |bench| {
        bench.iter(|| black_box(&a).public_key())
    });
    group.bench_function("diffie_hellman", |bench| {
        bench.iter(|| black_box(&a).diffie_hellman(black_box(&b)).unwrap())
    });
    group.finish();
}

fn ed25519(c: &mut Criterion) {
    let mut group = c.benchmark_group("ed25519");
    let key = ed25519::PrivateKey::generate(&mut OsRng).unwrap();
    let public = key.public_key();
    let message = [0x5au8; 100];
    let signature = key.sign(&message);
    group.bench_function("sign_100B", |b| {
        b.iter(|| black_box(&key).sign(black_box(&message)))
    });
    group.bench_function("verify_100B", |b| {
        b.iter(|| ed25519::verify(black_box(&public), black_box(&message), &signature).unwrap())
    });
    group.finish();
}

fn mlkem(c: &mut Criterion) {
    let mut group = c.benchmark_group("mlkem768");
    let seed = Secret::from_bytes([0x11u8; 64]);
    let key = kem::PrivateKey::from_seed(seed.clone());
    let public_bytes = key.public_key();
    let public = kem::PublicKey::from_bytes(&public_bytes).unwrap();
    let (ciphertext, _) = public.encapsulate(&mut OsRng).unwrap();
    group.bench_function("keygen", |b| {
        b.iter(|| kem::PrivateKey::from_seed(black_box(seed.clone())).public_key())
    });
    group.bench_function("encaps", |b| {
        b.iter(|| {
            kem::PublicKey::from_bytes(black_box(&public_bytes))
                .unwrap()
                .encapsulate(&mut OsRng)
                .unwrap()
        })
    });
    group.bench_function("decaps", |b| {
        b.iter(|| black_box(&key).decapsulate(black_box(&ciphertext)))
    });
    group.finish();
}

fn hkdf(c: &mut Criterion) {
    let mut group = c.benchmark_group("hkdf_sha256");
    let ikm = [0x0bu8; 32];
    let salt = [0x01u8; 32];
    let mut out = [0u8; 96];
    group.bench_function("32B_ikm_96B_out", |b| {
        b.iter(|| {
            kdf::hkdf_sha256(
                black_box(&salt),
                black_box(&ikm),
                b"Sotto v1 ratchet",
                &mut out,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, aead, x25519, ed25519, mlkem, hkdf);
criterion_main!(benches);
