//! Workloads for `valgrind --tool=callgrind` (instruction counts are
//! repeatable on a noisy machine, unlike times):
//!
//!     sotto-profile <workload> [iterations]
//!
//! Workloads: sotto-burst, olm-burst, sotto-pingpong, olm-pingpong,
//! sotto-handshake, olm-handshake, sotto-unseal, olm-unpickle, sotto-group,
//! megolm (100-byte group messages, PROTOCOL.md §21). Setup runs
//! before the `start` marker function; profile with
//! `--toggle-collect=*measured*` to count only the workload. The `olm-*`
//! workloads need the `vodozemac` feature; build without it
//! (`--no-default-features`) to profile Sotto as shipped.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
fn measured<T>(f: impl FnOnce() -> T) -> T {
    std::hint::black_box(f())
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use sotto::{Account, OsRng, Session, StorageKey};
    use sotto_bench::*;
    #[cfg(feature = "vodozemac")]
    use vodozemac::olm;

    let args: Vec<String> = std::env::args().collect();
    let workload = args.get(1).map(String::as_str).unwrap_or("sotto-burst");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let m = message();
    match workload {
        "sotto-burst" => {
            let (mut a, mut b) = sotto_pair();
            measured(|| {
                for _ in 0..n {
                    let ct = a.encrypt(&m, &mut OsRng).unwrap();
                    b.decrypt(&ct).unwrap();
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "olm-burst" => {
            let (mut a, mut b) = olm_pair();
            measured(|| {
                for _ in 0..n {
                    let ct = a.encrypt(&m).unwrap();
                    b.decrypt(&ct).unwrap();
                }
            });
        }
        "sotto-pingpong" => {
            let (mut a, mut b) = sotto_pair();
            measured(|| {
                for i in 0..n {
                    let (s, r) = if i % 2 == 0 {
                        (&mut a, &mut b)
                    } else {
                        (&mut b, &mut a)
                    };
                    let ct = s.encrypt(&m, &mut OsRng).unwrap();
                    r.decrypt(&ct).unwrap();
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "olm-pingpong" => {
            let (mut a, mut b) = olm_pair();
            measured(|| {
                for i in 0..n {
                    let (s, r) = if i % 2 == 0 {
                        (&mut a, &mut b)
                    } else {
                        (&mut b, &mut a)
                    };
                    let ct = s.encrypt(&m).unwrap();
                    r.decrypt(&ct).unwrap();
                }
            });
        }
        "sotto-handshake" => {
            let alice = Account::new(&mut OsRng).unwrap();
            let responder = SottoResponder::new();
            let bobs: Vec<Account> = (0..n)
                .map(|_| sotto_bench::fork_account(&responder.account))
                .collect();
            measured(|| {
                for mut bob in bobs {
                    sotto_handshake(&alice, &mut bob, &responder.bundle_bytes, &m);
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "olm-handshake" => {
            let alice = olm::Account::new();
            let bobs: Vec<OlmResponder> = (0..n).map(|_| OlmResponder::new()).collect();
            measured(|| {
                for mut bob in bobs {
                    olm_handshake(&alice, &mut bob, &m);
                }
            });
        }
        "sotto-unseal" => {
            let (a, _) = sotto_pair();
            let key = StorageKey::generate(&mut OsRng).unwrap();
            let sealed = a.seal(&key, &mut OsRng).unwrap();
            measured(|| {
                for _ in 0..n {
                    Session::unseal(&key, &sealed).unwrap();
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "olm-unpickle" => {
            let (a, _) = olm_pair();
            let key = [0x24u8; 32];
            let pickled = a.pickle().encrypt(&key);
            measured(|| {
                for _ in 0..n {
                    olm::Session::from_pickle(
                        olm::SessionPickle::from_encrypted(&pickled, &key).unwrap(),
                    );
                }
            });
        }
        "sotto-group" => {
            use sotto::group::{GroupConfig, GroupSession};
            let config = GroupConfig {
                max_messages: u32::MAX,
                ..GroupConfig::default()
            };
            let mut a =
                GroupSession::create([1; 16], b"a", &[b"b"], 0, config, 0, &mut OsRng).unwrap();
            let mut b =
                GroupSession::create([1; 16], b"b", &[b"a"], 0, config, 0, &mut OsRng).unwrap();
            b.receive_distribution(&a.distribution().to_bytes().unwrap(), b"a")
                .unwrap();
            measured(|| {
                for _ in 0..n {
                    let out = a.encrypt(&m, 0, &mut OsRng).unwrap();
                    b.decrypt(&out.message).unwrap();
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "megolm" => {
            use vodozemac::megolm::{GroupSession, InboundGroupSession, SessionConfig};
            let mut a = GroupSession::new(SessionConfig::version_1());
            let mut b = InboundGroupSession::new(&a.session_key(), SessionConfig::version_1());
            measured(|| {
                for _ in 0..n {
                    let ct = a.encrypt(&m);
                    b.decrypt(&ct).unwrap();
                }
            });
        }
        #[cfg(feature = "vodozemac")]
        "group-cmp" => group_cmp(n),
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    }
}

/// `group-cmp [rounds]`: Sotto's group message (encrypt + decrypt, 100 B,
/// `OsRng`) against vodozemac's Megolm in the same process, interleaved
/// message by message so that both see the same machine load; prints the
/// per-message time of each (median, 10th percentile, fastest) and their
/// ratio,
/// with the parts of Sotto's cost measured the same way.
#[cfg(all(not(target_arch = "wasm32"), feature = "vodozemac"))]
fn group_cmp(rounds: usize) {
    use sotto::OsRng;
    use sotto::group::{GroupConfig, GroupSession};
    use sotto::primitives::{Secret, aead, ed25519, kdf};
    use std::hint::black_box;
    use std::time::Instant;
    use vodozemac::megolm::{GroupSession as Megolm, InboundGroupSession, SessionConfig};

    let m = sotto_bench::message();
    let config = GroupConfig {
        max_messages: u32::MAX,
        max_age_secs: u64::MAX,
        ..GroupConfig::default()
    };
    let names = [
        b"alice@example.org/phone".as_slice(),
        b"bob@example.org/laptop",
    ];
    let mut alice =
        GroupSession::create([0x42; 16], names[0], &[names[1]], 0, config, 0, &mut OsRng).unwrap();
    let mut bob =
        GroupSession::create([0x42; 16], names[1], &[names[0]], 0, config, 0, &mut OsRng).unwrap();
    bob.receive_distribution(&alice.distribution().to_bytes().unwrap(), names[0])
        .unwrap();
    let mut outbound = Megolm::new(SessionConfig::version_1());
    let mut inbound = InboundGroupSession::new(&outbound.session_key(), SessionConfig::version_1());
    let sample = alice.encrypt(&m, 0, &mut OsRng).unwrap().message;
    bob.decrypt(&sample).unwrap();
    let signing = ed25519::PrivateKey::from_seed(Secret::from_bytes([7; 32]));
    let verifier = ed25519::PublicKey::from_bytes(&signing.public_key()).unwrap();
    let signature = signing.sign(&sample);
    let key = [9u8; 32];
    let nonce = [3u8; 12];
    let mut sealed = Vec::new();
    aead::seal_into(
        aead::Algorithm::ChaCha20Poly1305,
        &key,
        &nonce,
        &sample[..70],
        &m[..100],
        &mut sealed,
    )
    .unwrap();
    sealed.clear();
    let padded = vec![0u8; 108];
    aead::seal_into(
        aead::Algorithm::ChaCha20Poly1305,
        &key,
        &nonce,
        &sample[..90],
        &padded,
        &mut sealed,
    )
    .unwrap();

    type Work<'a> = Box<dyn FnMut() + 'a>;
    let mut works: Vec<(&str, Work)> = vec![
        (
            "sotto",
            Box::new(|| {
                let out = alice.encrypt(black_box(&m), 0, &mut OsRng).unwrap();
                black_box(bob.decrypt(&out.message).unwrap());
            }),
        ),
        (
            "megolm",
            Box::new(|| {
                let message = outbound.encrypt(black_box(&m));
                black_box(inbound.decrypt(&message).unwrap());
            }),
        ),
        (
            "ed25519 sign",
            Box::new(|| {
                black_box(signing.sign(black_box(&sample)));
            }),
        ),
        (
            "ed25519 verify_strict",
            Box::new(|| {
                verifier.verify(black_box(&sample), &signature).unwrap();
            }),
        ),
        (
            "OsRng 12 bytes",
            Box::new(|| {
                black_box(sotto::primitives::random_array::<12, _>(&mut OsRng).unwrap());
            }),
        ),
        (
            "hmac pair (chain step)",
            Box::new(|| {
                black_box(kdf::hmac_sha256_pair(
                    black_box(&key),
                    b"Sotto v1 group message key",
                    b"Sotto v1 group chain key",
                ));
            }),
        ),
        (
            "hmac (index mask)",
            Box::new(|| {
                black_box(kdf::hmac_sha256(black_box(&key), &nonce));
            }),
        ),
        (
            "aead seal 108 B",
            Box::new(|| {
                let mut out = Vec::with_capacity(256);
                aead::seal_into(
                    aead::Algorithm::ChaCha20Poly1305,
                    &key,
                    &nonce,
                    &sample[..90],
                    black_box(&padded),
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "aead open 108 B",
            Box::new(|| {
                black_box(
                    aead::open(
                        aead::Algorithm::ChaCha20Poly1305,
                        &key,
                        &nonce,
                        &sample[..90],
                        black_box(&sealed),
                    )
                    .unwrap(),
                );
            }),
        ),
    ];
    // One operation at a time, the workloads alternating (the order turning
    // each round): a time slice lost to another process spoils one sample,
    // which the median ignores.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); works.len()];
    let count = works.len();
    for round in 0..rounds.max(1) {
        for j in 0..count {
            let i = (round + j) % count;
            let work = &mut works[i].1;
            let start = Instant::now();
            work();
            times[i].push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    let stat = |t: &[f64]| {
        let mut t = t.to_vec();
        t.sort_by(f64::total_cmp);
        (t[t.len() / 2], t[t.len() / 10], t[0])
    };
    println!("{rounds} rounds, one operation each per round, interleaved (us):");
    for (i, (name, _)) in works.iter().enumerate() {
        let (median, p10, min) = stat(&times[i]);
        println!("{name:24} median {median:7.2}  p10 {p10:7.2}  fastest {min:7.2}");
    }
    // The ratio of medians over consecutive blocks of rounds.
    let block = (rounds / 10).max(1);
    let ratios: Vec<f64> = times[0]
        .chunks(block)
        .zip(times[1].chunks(block))
        .map(|(s, m)| stat(s).0 / stat(m).0)
        .collect();
    let (s, m) = (stat(&times[0]).0, stat(&times[1]).0);
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "ratio sotto/megolm (medians): {:.3}; over {} blocks of {block} rounds: {:.3}..{:.3}",
        s / m,
        ratios.len(),
        sorted[0],
        sorted[sorted.len() - 1]
    );
}
