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
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    }
}
