//! Attachments (PROTOCOL.md §16): whole-file encryption and decryption of
//! 1 MiB and 64 MiB in 64 KiB chunks, through the caller-buffer streaming
//! API (`Encryptor`/`Decryptor`, no allocation per chunk). scripts/
//! bench-attachments.sh compares the throughput with OpenSSL's
//! ChaCha20-Poly1305 (`openssl speed` and node:crypto).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sotto::Padding;
use sotto::attachment::{Decryptor, Descriptor, Encryptor, FileKey, Params};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [(usize, &str); 2] = [(1 << 20, "1MiB"), (64 << 20, "64MiB")];

/// Encrypts `plaintext` chunk by chunk into `out` (reused between runs).
fn encrypt(plaintext: &[u8], params: Params, out: &mut Vec<u8>) -> Descriptor {
    out.clear();
    let mut encryptor = Encryptor::with_key(FileKey::from_bytes([7; 32]), params);
    let cs = params.chunk_size() as usize;
    let mut buffer = vec![0u8; params.buffer_len()];
    let mut rest = plaintext;
    while rest.len() > cs {
        buffer[..cs].copy_from_slice(&rest[..cs]);
        let n = encryptor.encrypt_chunk(&mut buffer).unwrap();
        out.extend_from_slice(&buffer[..n]);
        rest = &rest[cs..];
    }
    buffer[..rest.len()].copy_from_slice(rest);
    let mut n = encryptor.finish(&mut buffer, rest.len()).unwrap();
    loop {
        out.extend_from_slice(&buffer[..n]);
        match encryptor.padding_chunk(&mut buffer).unwrap() {
            Some(m) => n = m,
            None => break,
        }
    }
    encryptor.descriptor("video/mp4").unwrap()
}

/// Decrypts chunk by chunk in one buffer, checking the digest; returns the
/// number of plaintext bytes.
fn decrypt(descriptor: &Descriptor, ciphertext: &[u8]) -> usize {
    let mut decryptor = Decryptor::new(descriptor);
    let mut buffer = vec![0u8; descriptor.params().buffer_len()];
    let mut offset = 0;
    let mut total = 0;
    while let Some(len) = decryptor.next_chunk_len() {
        buffer[..len].copy_from_slice(&ciphertext[offset..offset + len]);
        offset += len;
        total += decryptor.decrypt_chunk(&mut buffer[..len]).unwrap();
    }
    decryptor.finish().unwrap();
    total
}

fn attachments(c: &mut Criterion) {
    // No padding: the throughput of the cryptography, not of Padmé's bytes.
    let params = Params::new(1 << 16, Padding::None).unwrap();
    let mut group = c.benchmark_group("attachment");
    for (size, label) in SIZES {
        let plaintext = vec![0xa5u8; size];
        let mut ciphertext = Vec::with_capacity(size + size / 1000 + 64);
        let descriptor = encrypt(&plaintext, params, &mut ciphertext);
        group.throughput(Throughput::Bytes(size as u64));
        if size > 8 << 20 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        } else {
            group.sample_size(30);
        }
        let mut out = Vec::with_capacity(ciphertext.len());
        group.bench_with_input(BenchmarkId::new("encrypt", label), &plaintext, |b, pt| {
            b.iter(|| encrypt(black_box(pt), params, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("decrypt", label), &ciphertext, |b, ct| {
            b.iter(|| decrypt(&descriptor, black_box(ct)))
        });
    }
    group.finish();
}

criterion_group!(benches, attachments);
criterion_main!(benches);
