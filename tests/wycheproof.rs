//! Every Wycheproof vector for the primitives Sotto uses, run through Sotto's
//! own primitive layer (`sotto::primitives`), against this policy:
//!
//! | file | `valid` | `invalid` | `acceptable` |
//! |---|---|---|---|
//! | x25519 | output matches | — | `ZeroSharedSecret`: rejected with `NonContributory` (our policy); otherwise (twist, non-canonical u) output matches RFC 7748 |
//! | ed25519 | verifies | rejected (strict verification; wrong lengths cannot be expressed) | — |
//! | (x)chacha20-poly1305 | seal matches, open round-trips | open fails (bad tag), or the nonce length is refused | — |
//! | hkdf-sha256 | output matches | refused (output longer than 255 × 32) | — |
//! | hmac-sha256 | (truncated) tag matches | tag differs | — |
//! | ml-kem-768 keygen | encapsulation key matches | — | — |
//! | ml-kem-768 decaps | shared secret and key match | wrong-length seed or ciphertext cannot be expressed | — |
//! | ml-kem-768 encaps | ciphertext and secret match | key rejected by the modulus check, or wrong length | — |
//!
//! Every file must be run completely: the test counts vectors and compares with
//! the file's `numberOfTests`.

use serde_json::Value;
use sotto::Error;
use sotto::primitives::aead::{self, Algorithm};
use sotto::primitives::{Secret, ed25519, kdf, kem, x25519};

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/vectors/wycheproof/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn hex(value: &Value) -> Vec<u8> {
    let s = value.as_str().unwrap();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Calls `check` on every test of every group; returns the number run.
fn for_each(file: &Value, mut check: impl FnMut(&Value, &Value)) -> usize {
    let mut count = 0;
    for group in file["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            check(group, test);
            count += 1;
        }
    }
    assert_eq!(
        count as u64,
        file["numberOfTests"].as_u64().unwrap(),
        "not every vector ran"
    );
    count
}

fn result(test: &Value) -> &str {
    test["result"].as_str().unwrap()
}

fn has_flag(test: &Value, flag: &str) -> bool {
    test["flags"].as_array().unwrap().iter().any(|f| f == flag)
}

#[test]
fn x25519() {
    let file = load("x25519_test.json");
    let mut rejected = 0;
    let n = for_each(&file, |_, t| {
        let private: [u8; 32] = hex(&t["private"]).try_into().unwrap();
        let public: [u8; 32] = hex(&t["public"]).try_into().unwrap();
        let shared = x25519::PrivateKey::from_bytes(private).diffie_hellman(&public);
        let id = &t["tcId"];
        if has_flag(t, "ZeroSharedSecret") {
            assert_eq!(result(t), "acceptable", "tc {id}");
            assert_eq!(shared, Err(Error::NonContributory), "tc {id}");
            rejected += 1;
        } else {
            assert!(matches!(result(t), "valid" | "acceptable"), "tc {id}");
            assert_eq!(
                shared.unwrap().expose().to_vec(),
                hex(&t["shared"]),
                "tc {id}"
            );
        }
    });
    assert!(rejected >= 30, "the low-order cases must be exercised");
    println!("x25519: {n} vectors, {rejected} non-contributory rejected");
}

#[test]
fn ed25519() {
    let file = load("ed25519_test.json");
    let n = for_each(&file, |group, t| {
        let public: [u8; 32] = hex(&group["publicKey"]["pk"]).try_into().unwrap();
        let message = hex(&t["msg"]);
        let signature: Result<[u8; 64], _> = hex(&t["sig"]).try_into();
        let verified = signature
            .map(|sig| ed25519::verify(&public, &message, &sig).is_ok())
            .unwrap_or(false);
        assert_eq!(
            verified,
            result(t) == "valid",
            "tc {}: {}",
            t["tcId"],
            t["comment"]
        );
    });
    println!("ed25519: {n} vectors");
}

fn aead_file(name: &str, algorithm: Algorithm, nonce_len: usize) {
    let file = load(name);
    let n = for_each(&file, |_, t| {
        let key: [u8; 32] = hex(&t["key"]).try_into().unwrap();
        let (nonce, aad, msg) = (hex(&t["iv"]), hex(&t["aad"]), hex(&t["msg"]));
        let mut sealed = hex(&t["ct"]);
        sealed.extend(hex(&t["tag"]));
        let id = &t["tcId"];
        if nonce.len() != nonce_len {
            assert_eq!(result(t), "invalid", "tc {id}");
            assert_eq!(
                aead::seal(algorithm, &key, &nonce, &aad, &msg),
                Err(Error::InvalidArgument)
            );
            assert_eq!(
                aead::open(algorithm, &key, &nonce, &aad, &sealed),
                Err(Error::InvalidArgument)
            );
            return;
        }
        match result(t) {
            "valid" => {
                assert_eq!(
                    aead::seal(algorithm, &key, &nonce, &aad, &msg).unwrap(),
                    sealed,
                    "tc {id}"
                );
                assert_eq!(
                    aead::open(algorithm, &key, &nonce, &aad, &sealed).unwrap(),
                    msg,
                    "tc {id}"
                );
            }
            "invalid" => assert_eq!(
                aead::open(algorithm, &key, &nonce, &aad, &sealed),
                Err(Error::DecryptionFailed),
                "tc {id}"
            ),
            other => panic!("unexpected result {other}"),
        }
    });
    println!("{name}: {n} vectors");
}

#[test]
fn chacha20_poly1305() {
    aead_file(
        "chacha20_poly1305_test.json",
        Algorithm::ChaCha20Poly1305,
        12,
    );
}

#[test]
fn xchacha20_poly1305() {
    aead_file(
        "xchacha20_poly1305_test.json",
        Algorithm::XChaCha20Poly1305,
        24,
    );
}

#[test]
fn hkdf_sha256() {
    let file = load("hkdf_sha256_test.json");
    let n = for_each(&file, |_, t| {
        let size = t["size"].as_u64().unwrap() as usize;
        let mut okm = vec![0u8; size];
        let outcome = kdf::hkdf_sha256(
            &hex(&t["salt"]),
            &hex(&t["ikm"]),
            &hex(&t["info"]),
            &mut okm,
        );
        match result(t) {
            "valid" => {
                outcome.unwrap();
                assert_eq!(okm, hex(&t["okm"]), "tc {}", t["tcId"]);
            }
            _ => assert_eq!(outcome, Err(Error::InvalidArgument), "tc {}", t["tcId"]),
        }
    });
    println!("hkdf: {n} vectors");
}

#[test]
fn hmac_sha256() {
    let file = load("hmac_sha256_test.json");
    let n = for_each(&file, |group, t| {
        let tag_len = group["tagSize"].as_u64().unwrap() as usize / 8;
        let tag = kdf::hmac_sha256(&hex(&t["key"]), &hex(&t["msg"]));
        let matches = tag[..tag_len] == hex(&t["tag"])[..];
        assert_eq!(matches, result(t) == "valid", "tc {}", t["tcId"]);
    });
    println!("hmac: {n} vectors");
}

#[test]
fn ml_kem_768_keygen_from_seed() {
    let file = load("mlkem_768_keygen_seed_test.json");
    let n = for_each(&file, |_, t| {
        assert_eq!(result(t), "valid");
        let seed: [u8; 64] = hex(&t["seed"]).try_into().unwrap();
        let key = kem::PrivateKey::from_seed(Secret::from_bytes(seed));
        assert_eq!(key.public_key().to_vec(), hex(&t["ek"]), "tc {}", t["tcId"]);
    });
    println!("ml-kem keygen: {n} vectors");
}

#[test]
fn ml_kem_768_decapsulation() {
    let file = load("mlkem_768_test.json");
    let mut valid = 0;
    let n = for_each(&file, |_, t| {
        let seed: Result<[u8; 64], _> = hex(&t["seed"]).try_into();
        let ciphertext: Result<[u8; kem::CIPHERTEXT_LEN], _> = hex(&t["c"]).try_into();
        match (seed, ciphertext) {
            (Ok(seed), Ok(ciphertext)) => {
                assert_eq!(result(t), "valid", "tc {}", t["tcId"]);
                let key = kem::PrivateKey::from_seed(Secret::from_bytes(seed));
                assert_eq!(key.public_key().to_vec(), hex(&t["ek"]));
                assert_eq!(
                    key.decapsulate(&ciphertext).expose().to_vec(),
                    hex(&t["K"]),
                    "tc {}",
                    t["tcId"]
                );
                valid += 1;
            }
            // Wrong lengths cannot reach the primitive: the types refuse them.
            _ => assert_eq!(result(t), "invalid", "tc {}", t["tcId"]),
        }
    });
    assert!(valid > 50);
    println!("ml-kem decaps: {n} vectors ({valid} valid)");
}

#[test]
fn ml_kem_768_encapsulation() {
    let file = load("mlkem_768_encaps_test.json");
    let mut modulus_rejections = 0;
    let n = for_each(&file, |_, t| {
        let id = &t["tcId"];
        let key: Result<[u8; kem::PUBLIC_KEY_LEN], _> = hex(&t["ek"]).try_into();
        let randomness: Result<[u8; 32], _> = hex(&t["m"]).try_into();
        let (Ok(key), Ok(randomness)) = (key, randomness) else {
            assert_eq!(result(t), "invalid", "tc {id}");
            return;
        };
        match kem::PublicKey::from_bytes(&key) {
            Ok(public) => {
                assert_eq!(result(t), "valid", "tc {id}");
                let (ciphertext, secret) = public.encapsulate_with(&Secret::from_bytes(randomness));
                assert_eq!(ciphertext.to_vec(), hex(&t["c"]), "tc {id}");
                assert_eq!(secret.expose().to_vec(), hex(&t["K"]), "tc {id}");
            }
            Err(error) => {
                assert_eq!(error, Error::InvalidKey);
                // "ModulusOverflow" and "Public key not reduced" cases.
                assert_eq!(result(t), "invalid", "tc {id}");
                modulus_rejections += 1;
            }
        }
    });
    assert!(modulus_rejections > 0);
    println!("ml-kem encaps: {n} vectors ({modulus_rejections} rejected by the modulus check)");
}
