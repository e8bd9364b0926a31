//! Replays the committed rule vectors (`tests/vectors/sotto-v1-rules.json`,
//! PROTOCOL.md §14.2) through the public API only.
//!
//! Each step's recorded draws are fed back through a tape generator (which
//! checks every draw's length); the steps whose draws are not listed (the
//! thousand-message ones) get theirs from the documented recipe, and the
//! recorded draws are checked against the recipe too. Every published byte
//! (records, prekeys, bundles, messages, the sealed account) must be
//! reproduced, and every accept and decrypt must end as recorded: with the
//! plaintext, or with the recorded error name and code.

use rand_core::{TryCryptoRng, TryRng};
use serde_json::Value;
use sotto::primitives::kdf::{sha256, sha512};
use sotto::{Account, Error, IdentityKey, PrekeyBundle, Session, SessionContext, StorageKey};
use std::collections::{BTreeMap, VecDeque};

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/sotto-v1-rules.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("not a hex string: {value}"));
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn ids(value: &Value) -> Vec<u32> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list of identifiers: {value}"))
        .iter()
        .map(|id| u32::try_from(id.as_u64().unwrap()).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Draw `k` of the recipe (§14.2), 64 bytes (a draw of `n` takes the first `n`).
fn recipe(label: &[u8], k: u64) -> [u8; 64] {
    sha512(&[label, &u32::try_from(k).unwrap().to_be_bytes()])
}

/// Hands out queued draws in order, checking lengths.
struct Tape(VecDeque<Vec<u8>>);

impl TryRng for Tape {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let next = self
            .0
            .pop_front()
            .expect("more draws than the vectors list");
        assert_eq!(
            next.len(),
            dst.len(),
            "draw of another length than documented"
        );
        dst.copy_from_slice(&next);
        Ok(())
    }
}

impl TryCryptoRng for Tape {}

/// The names of each operation's draws, in draw order (§13).
fn draw_names(op: &str, random: &Value) -> Vec<&'static str> {
    match op {
        "create_account" => vec![
            "identity_signing_seed",
            "identity_agreement_private",
            "signed_prekey_private",
            "last_resort_kem_seed",
        ],
        "initiate" => vec![
            "base_key_private",
            "kem_encapsulation_randomness",
            "initiator_ratchet_private",
        ],
        "encrypt" if random.get("ratchet_private").is_some() => vec!["ratchet_private", "nonce"],
        "encrypt" => vec!["nonce"],
        "rotate_signed_prekey" => vec!["signed_prekey_private"],
        "rotate_last_resort_prekey" => vec!["last_resort_kem_seed"],
        "seal_account" => vec!["storage_key", "nonce"],
        _ => vec![],
    }
}

fn outcome(result: Result<Vec<u8>, Error>) -> Value {
    match result {
        Ok(plaintext) => serde_json::json!({ "plaintext": hex(&plaintext) }),
        Err(e) => serde_json::json!({ "error": e.name(), "code": e.code() }),
    }
}

struct Replay {
    label: Vec<u8>,
    next_draw: u64,
    tape: Tape,
    alice_id: Vec<u8>,
    bob_id: Vec<u8>,
    accounts: BTreeMap<String, Account>,
    bundles: BTreeMap<String, PrekeyBundle>,
    sessions: BTreeMap<(String, String), Session>,
    messages: BTreeMap<String, Vec<u8>>,
}

fn text(step: &Value, field: &str) -> String {
    step[field].as_str().unwrap().to_string()
}

impl Replay {
    /// Queues the draws of a step: the recorded ones (checked against the
    /// recipe), or `count` recipe draws of the given lengths.
    fn queue_recorded(&mut self, step: &Value) {
        let names = draw_names(step["op"].as_str().unwrap(), &step["random"]);
        if names.is_empty() {
            return;
        }
        assert_eq!(step["first_draw"].as_u64().unwrap(), self.next_draw);
        assert_eq!(step["random"].as_object().unwrap().len(), names.len());
        for name in names {
            let value = bytes(&step["random"][name]);
            let expected = recipe(&self.label, self.next_draw);
            assert_eq!(
                value,
                expected[..value.len()],
                "{name} is not the recipe's draw"
            );
            self.tape.0.push_back(value);
            self.next_draw += 1;
        }
    }

    fn queue_recipe(&mut self, lengths: &[usize]) {
        for n in lengths {
            self.tape
                .0
                .push_back(recipe(&self.label, self.next_draw)[..*n].to_vec());
            self.next_draw += 1;
        }
    }

    fn initiate(&mut self, account: &str, session: &str, bundle: &str) {
        let context = if account == "alice" {
            SessionContext::new(&self.alice_id, &self.bob_id)
        } else {
            SessionContext::new(&self.bob_id, &self.alice_id)
        };
        let s = Session::initiate(
            &self.accounts[account],
            &self.bundles[bundle],
            &context,
            &mut self.tape,
        )
        .unwrap();
        self.sessions.insert((account.into(), session.into()), s);
    }

    fn encrypt(&mut self, account: &str, session: &str, label: &str) -> Vec<u8> {
        let s = self
            .sessions
            .get_mut(&(account.to_string(), session.to_string()))
            .unwrap();
        let bytes = s.encrypt(label.as_bytes(), &mut self.tape).unwrap();
        self.messages.insert(label.into(), bytes.clone());
        bytes
    }

    fn accept(&mut self, account: &str, session: &str, label: &str) -> Result<Vec<u8>, Error> {
        let context = if account == "alice" {
            SessionContext::new(&self.alice_id, &self.bob_id)
        } else {
            SessionContext::new(&self.bob_id, &self.alice_id)
        };
        let acc = self.accounts.get_mut(account).unwrap();
        let (s, plaintext) = Session::accept(acc, &self.messages[label], &context)?;
        self.sessions.insert((account.into(), session.into()), s);
        Ok(plaintext)
    }

    fn check_recorded_messages(&self, step: &Value) {
        for (label, recorded) in step["bytes"].as_object().unwrap() {
            assert_eq!(
                hex(&self.messages[label]),
                recorded.as_str().unwrap(),
                "{label}"
            );
        }
    }

    fn run(&mut self, step: &Value) {
        self.queue_recorded(step);
        let account = text(step, "account");
        match step["op"].as_str().unwrap() {
            "create_account" => {
                let a = Account::new(&mut self.tape).unwrap();
                assert_eq!(hex(&a.identity_key().to_bytes()), step["identity_record"]);
                assert_eq!(hex(&a.signed_prekey().to_bytes()), step["signed_prekey"]);
                assert_eq!(
                    hex(&a.last_resort_prekey().to_bytes()),
                    step["last_resort_kem_prekey"]
                );
                self.accounts.insert(account, a);
            }
            "bundle" => {
                let bundle = self
                    .accounts
                    .get_mut(&account)
                    .unwrap()
                    .prekey_bundle()
                    .unwrap();
                assert_eq!(hex(&bundle.to_bytes()), step["bytes"]);
                // What a peer receives decodes to the same bundle.
                let decoded = PrekeyBundle::from_bytes(&bytes(&step["bytes"])).unwrap();
                assert_eq!(decoded.to_bytes(), bundle.to_bytes());
                assert_eq!(
                    decoded.one_time_prekey().map(|k| u64::from(k.id())),
                    step["one_time_prekey_id"].as_u64()
                );
                assert_eq!(
                    u64::from(decoded.kem_prekey().id()),
                    step["kem_prekey_id"].as_u64().unwrap()
                );
                self.bundles.insert(text(step, "bundle"), bundle);
            }
            "mark_bundle_published" => {
                let bundle = &self.bundles[&text(step, "bundle")];
                self.accounts
                    .get_mut(&account)
                    .unwrap()
                    .mark_bundle_published(bundle);
            }
            "generate_one_time_prekeys" => {
                assert_eq!(step["first_draw"].as_u64().unwrap(), self.next_draw);
                let count = step["count"].as_u64().unwrap();
                assert_eq!(step["draw_count"].as_u64().unwrap(), 2 * count);
                for _ in 0..count {
                    self.queue_recipe(&[32, 64]);
                }
                let a = self.accounts.get_mut(&account).unwrap();
                let report = a
                    .generate_one_time_prekeys(usize::try_from(count).unwrap(), &mut self.tape)
                    .unwrap();
                assert_eq!(ids(&step["created"]), report.created);
                assert_eq!(
                    ids(&step["evicted_unpublished"]),
                    report.evicted_unpublished
                );
                assert_eq!(ids(&step["evicted_published"]), report.evicted_published);
                let counts = a.one_time_prekey_counts();
                assert_eq!(step["one_time_prekey_counts"], serde_json::json!(counts));
            }
            "initiate" => self.initiate(&account, &text(step, "session"), &text(step, "bundle")),
            "encrypt" => {
                let b = self.encrypt(&account, &text(step, "session"), &text(step, "message"));
                assert_eq!(hex(&b), step["bytes"]);
            }
            "encrypt_many" => {
                let (session, prefix) = (text(step, "session"), text(step, "prefix"));
                assert_eq!(step["first_draw"].as_u64().unwrap(), self.next_draw);
                let count = step["count"].as_u64().unwrap();
                let draws = step["draw_count"].as_u64().unwrap();
                // A sending step (ratchet key, 32 bytes) happens at most on
                // the first message; then one nonce per message.
                assert!(draws == count || draws == count + 1);
                if draws == count + 1 {
                    self.queue_recipe(&[32]);
                }
                let mut all = Vec::new();
                for i in 0..count {
                    self.queue_recipe(&[24]);
                    all.extend(self.encrypt(&account, &session, &format!("{prefix}{i}")));
                }
                assert_eq!(hex(&sha256(&[&all])), step["sha256"]);
                self.check_recorded_messages(step);
            }
            "accept_many" => {
                let (initiator, bundle) = (text(step, "initiator"), text(step, "bundle"));
                let prefix = text(step, "prefix");
                assert_eq!(step["first_draw"].as_u64().unwrap(), self.next_draw);
                let count = step["count"].as_u64().unwrap();
                assert_eq!(step["draw_count"].as_u64().unwrap(), 4 * count);
                let mut base_keys = Vec::new();
                for i in 0..count {
                    let label = format!("{prefix}{i}");
                    self.queue_recipe(&[32, 32, 32, 24]);
                    self.initiate(&initiator, &label, &bundle);
                    let message = self.encrypt(&initiator, &label, &label);
                    base_keys.extend_from_slice(&message[133..165]);
                    assert_eq!(
                        self.accept(&account, &label, &label).unwrap(),
                        label.as_bytes()
                    );
                    self.sessions.remove(&(initiator.clone(), label.clone()));
                    self.sessions.remove(&(account.clone(), label.clone()));
                }
                assert_eq!(hex(&sha256(&[&base_keys])), step["base_keys_sha256"]);
                assert_eq!(
                    self.accounts[&account].sessions_left_on_signed_prekey() as u64,
                    step["sessions_left_on_signed_prekey"].as_u64().unwrap()
                );
                self.check_recorded_messages(step);
            }
            "accept" => {
                let r = self.accept(&account, &text(step, "session"), &text(step, "message"));
                assert_eq!(outcome(r), step["result"], "accept {}", step["message"]);
            }
            "decrypt" => {
                let key = (account, text(step, "session"));
                let message = self.messages[&text(step, "message")].clone();
                let r = self.sessions.get_mut(&key).unwrap().decrypt(&message);
                assert_eq!(outcome(r), step["result"], "decrypt {}", step["message"]);
            }
            "rotate_signed_prekey" => {
                let a = self.accounts.get_mut(&account).unwrap();
                a.rotate_signed_prekey(&mut self.tape).unwrap();
                assert_eq!(hex(&a.signed_prekey().to_bytes()), step["signed_prekey"]);
            }
            "rotate_last_resort_prekey" => {
                let a = self.accounts.get_mut(&account).unwrap();
                a.rotate_last_resort_prekey(&mut self.tape).unwrap();
                assert_eq!(
                    hex(&a.last_resort_prekey().to_bytes()),
                    step["last_resort_kem_prekey"]
                );
            }
            "mark_prekeys_published" => {
                let a = self.accounts.get_mut(&account).unwrap();
                // What it marks is what the account offers for upload now.
                let ec: Vec<u32> = a
                    .unpublished_one_time_prekeys()
                    .iter()
                    .map(|k| k.id())
                    .collect();
                let kem: Vec<u32> = a
                    .unpublished_one_time_kem_prekeys()
                    .unwrap()
                    .iter()
                    .map(|k| k.id())
                    .collect();
                assert_eq!(ids(&step["marked_one_time_prekeys"]), ec);
                assert_eq!(ids(&step["marked_one_time_kem_prekeys"]), kem);
                a.mark_prekeys_published();
                // None of them is offered again.
                let again = a.unpublished_one_time_prekeys();
                assert!(again.iter().all(|k| !ec.contains(&k.id())));
                let again = a.unpublished_one_time_kem_prekeys().unwrap();
                assert!(again.iter().all(|k| !kem.contains(&k.id())));
            }
            "seal_account" => {
                let key = StorageKey::generate(&mut self.tape).unwrap();
                let sealed = self.accounts[&account].seal(&key, &mut self.tape).unwrap();
                assert_eq!(hex(&sealed), step["sealed"]);
                // The sealed bytes restore an account that seals identically.
                let restored = Account::unseal(&key, &sealed).unwrap();
                self.tape.0.push_back(bytes(&step["random"]["nonce"]));
                assert_eq!(restored.seal(&key, &mut self.tape).unwrap(), sealed);
            }
            other => panic!("unknown op {other}"),
        }
        assert!(
            self.tape.0.is_empty(),
            "{} drew fewer draws than recorded",
            step["op"]
        );
    }
}

#[test]
fn rule_vectors_replay_through_the_public_api() {
    let v = load();
    let mut replay = Replay {
        label: bytes(&v["draw_label"]),
        next_draw: 0,
        tape: Tape(VecDeque::new()),
        alice_id: bytes(&v["context"]["alice_id"]),
        bob_id: bytes(&v["context"]["bob_id"]),
        accounts: BTreeMap::new(),
        bundles: BTreeMap::new(),
        sessions: BTreeMap::new(),
        messages: BTreeMap::new(),
    };
    assert_eq!(replay.label, b"Sotto v1 rules vectors");
    let steps = v["steps"].as_array().unwrap();
    for step in steps {
        replay.run(step);
    }
    assert_eq!(replay.next_draw, v["draw_count"].as_u64().unwrap());
    // The file shows every rule it claims to: count the outcomes.
    let errors: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["result"]["error"].as_str())
        .collect();
    for name in [
        "DECRYPTION_FAILED",
        "DUPLICATE_MESSAGE",
        "TOO_FAR_AHEAD",
        "UNKNOWN_PREKEY",
        "PREKEY_EXHAUSTED",
    ] {
        assert!(errors.contains(&name), "no {name} case");
    }
    // A generation that evicts both unpublished and published one-time
    // prekeys, and a bundle held back by the cap of 50 published keys.
    assert!(steps.iter().any(|s| {
        s["op"] == "generate_one_time_prekeys"
            && !ids(&s["evicted_unpublished"]).is_empty()
            && !ids(&s["evicted_published"]).is_empty()
    }));
    let first_generation = steps
        .iter()
        .position(|s| s["op"] == "generate_one_time_prekeys")
        .unwrap();
    assert!(
        steps[first_generation..]
            .iter()
            .any(|s| s["op"] == "bundle" && s["one_time_prekey_id"].is_null())
    );
}

#[test]
fn sealed_account_in_the_rule_vectors_unseals_to_its_serialized_state() {
    let v = load();
    let step = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["op"] == "seal_account")
        .unwrap();
    let key: [u8; 32] = bytes(&step["random"]["storage_key"]).try_into().unwrap();
    let sealed = bytes(&step["sealed"]);
    let account = Account::unseal(&StorageKey::from_bytes(key), &sealed).unwrap();
    // §9.3 layout: format 2, then the identity seeds.
    let serialized = bytes(&step["serialized"]);
    assert_eq!(serialized[0], 2);
    let record = bytes(&v["steps"][1]["identity_record"]);
    assert_eq!(account.identity_key().to_bytes(), record);
    // One wrong bit anywhere in the sealed bytes: UNSEAL_FAILED.
    let mut flipped = sealed.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert_eq!(
        Account::unseal(&StorageKey::from_bytes(key), &flipped).err(),
        Some(Error::UnsealFailed)
    );
}

#[test]
fn ed25519_identity_records_decode_as_recorded() {
    let v = load();
    let cases = v["ed25519_identity_records"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let record = bytes(&case["identity_record"]);
        let result = IdentityKey::from_bytes(&record);
        match result {
            Ok(key) => {
                assert_eq!(case["result"]["valid"], true, "{}", case["name"]);
                assert_eq!(key.to_bytes(), record);
            }
            Err(e) => {
                assert_eq!(case["result"]["error"], e.name(), "{}", case["name"]);
                assert_eq!(case["result"]["code"], e.code(), "{}", case["name"]);
            }
        }
    }
}
