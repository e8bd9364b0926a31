//! Sending to a person (PROTOCOL.md §20): the two designs of a fan-out to
//! 1, 3 and 10 devices, every session established (normal messages).
//!
//! - `fanout_full/{body}/{n}`: Sotto's design, `send_to_person` with the
//!   full body through each device's session.
//! - `fanout_keywrap/{body}/{n}`: the alternative, built from the public
//!   API and the primitives: the body once under a random key
//!   (XChaCha20-Poly1305), its SHA-256, then `send_to_person` of the 64-byte
//!   key and digest through each session.
//!
//! Bodies of 100 B (a chat message) and 16 KiB (a long text). The bytes each
//! design sends are printed by the `sotto-sizes` binary (`fanout`).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sotto_bench::FanoutWorld;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    for (label, len) in [("100B", 100usize), ("16KiB", 16 * 1024)] {
        let body: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let mut full = c.benchmark_group(format!("fanout_full/{label}"));
        for n in [1usize, 3, 10] {
            let mut world = FanoutWorld::new(n);
            full.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| black_box(world.send_full(black_box(&body))))
            });
        }
        full.finish();
        let mut wrap = c.benchmark_group(format!("fanout_keywrap/{label}"));
        for n in [1usize, 3, 10] {
            let mut world = FanoutWorld::new(n);
            wrap.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| black_box(world.send_keywrap(black_box(&body))))
            });
        }
        wrap.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
