//! The rule vector generator (`tests/vectors/sotto-v1-rules.json`).
//!
//! `tests/vectors/sotto-v1.json` (`src/vectors.rs`) shows that the
//! computations of PROTOCOL.md are right; this file shows that the *rules*
//! are: the retired-chain and skipped-key bounds (§6.5, §6.6), prekey
//! rotation (§4.3), remembered base keys and the per-signed-prekey bound
//! (§4.3, §5.3), one-time prekey generation, its publication cap and
//! eviction (§4.2, §4.3), the sealed account format (§9.3) and Ed25519
//! strictness (§2, §3.2), with the error each rejected input must produce.
//!
//! Every random draw comes from the counter-based recipe of PROTOCOL.md §14.2
//! (draw `k` of `n` bytes is the first `n` bytes of
//! `SHA-512("Sotto v1 rules vectors" || u32(k))`), so a second implementation
//! can reproduce even the steps whose draws the file does not list (the
//! thousand-message ones). The file is a list of steps; this module builds
//! the list of inputs and runs it through the public API, writing the outputs
//! next to the inputs. `regenerated_rule_vectors_match_the_committed_file`
//! fails when anything changes; rewrite the file deliberately with
//! `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib vectors_rules`.

extern crate std;

use crate::Error;
use crate::account::Account;
use crate::bundle::PrekeyBundle;
use crate::handshake::SessionContext;
use crate::keys::IdentityKey;
use crate::primitives::kdf::{sha256, sha512};
use crate::sealed::StorageKey;
use crate::session::Session;
use crate::vectors::recording::{hex, unhex};
use crate::wire::Kind;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use rand_core::{TryCryptoRng, TryRng};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The label of the draw recipe (§14.2).
pub(crate) const DRAW_LABEL: &[u8] = b"Sotto v1 rules vectors";
const ALICE_ID: &[u8] = b"alice@example.org/device-1";
const BOB_ID: &[u8] = b"bob@example.org/device-7";

/// The counter-based generator of §14.2, recording what it hands out.
struct Recipe {
    next: u32,
    draws: Vec<Vec<u8>>,
}

impl TryRng for Recipe {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("the protocol draws byte strings only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("the protocol draws byte strings only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let block = sha512(&[DRAW_LABEL, &self.next.to_be_bytes()]);
        assert!(dst.len() <= block.len(), "a draw longer than 64 bytes");
        dst.copy_from_slice(&block[..dst.len()]);
        self.draws.push(dst.to_vec());
        self.next += 1;
        Ok(())
    }
}

impl TryCryptoRng for Recipe {}

impl Recipe {
    /// Names the draws made since the last call (checking the documented
    /// lengths), or `None` when there were none.
    fn take(&mut self, names: &[(&str, usize)]) -> Value {
        let draws = core::mem::take(&mut self.draws);
        assert_eq!(draws.len(), names.len(), "draw count for {names:?}");
        let mut out = serde_json::Map::new();
        for ((name, len), draw) in names.iter().zip(draws) {
            assert_eq!(draw.len(), *len, "length of {name}");
            out.insert((*name).into(), json!(hex(&draw)));
        }
        Value::Object(out)
    }
}

const ACCOUNT_DRAWS: [(&str, usize); 4] = [
    ("identity_signing_seed", 32),
    ("identity_agreement_private", 32),
    ("signed_prekey_private", 32),
    ("last_resort_kem_seed", 64),
];
const HANDSHAKE_DRAWS: [(&str, usize); 3] = [
    ("base_key_private", 32),
    ("kem_encapsulation_randomness", 32),
    ("initiator_ratchet_private", 32),
];

fn outcome(result: Result<Vec<u8>, Error>) -> Value {
    match result {
        Ok(plaintext) => json!({ "plaintext": hex(&plaintext) }),
        Err(e) => json!({ "error": e.name(), "code": e.code() }),
    }
}

/// The state the steps act on.
struct Runner {
    rng: Recipe,
    accounts: BTreeMap<String, Account>,
    bundles: BTreeMap<String, PrekeyBundle>,
    sessions: BTreeMap<(String, String), Session>,
    messages: BTreeMap<String, Vec<u8>>,
}

fn text(step: &Value, field: &str) -> String {
    step[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {step}"))
        .to_string()
}

fn context(account: &str) -> SessionContext<'static> {
    if account == "alice" {
        SessionContext::new(ALICE_ID, BOB_ID)
    } else {
        SessionContext::new(BOB_ID, ALICE_ID)
    }
}

impl Runner {
    fn account(&mut self, step: &Value) -> &mut Account {
        let name = text(step, "account");
        self.accounts.get_mut(&name).unwrap()
    }

    fn initiate(&mut self, account: &str, session: &str, bundle: &str) {
        let s = Session::initiate(
            &self.accounts[account],
            &self.bundles[bundle],
            &context(account),
            &mut self.rng,
        )
        .unwrap();
        self.sessions.insert((account.into(), session.into()), s);
    }

    fn encrypt(&mut self, account: &str, session: &str, label: &str) -> Vec<u8> {
        let s = self
            .sessions
            .get_mut(&(account.into(), session.into()))
            .unwrap();
        let bytes = s.encrypt(label.as_bytes(), &mut self.rng).unwrap();
        self.messages.insert(label.into(), bytes.clone());
        bytes
    }

    fn accept(&mut self, account: &str, session: &str, label: &str) -> Result<Vec<u8>, Error> {
        let acc = self.accounts.get_mut(account).unwrap();
        let (s, plaintext) = Session::accept(acc, &self.messages[label], &context(account))?;
        self.sessions.insert((account.into(), session.into()), s);
        Ok(plaintext)
    }

    /// Runs one step, adding its outputs to it.
    fn run(&mut self, step: &mut Value) {
        let first_draw = self.rng.next;
        let op = text(step, "op");
        match op.as_str() {
            "create_account" => {
                let account = Account::new(&mut self.rng).unwrap();
                step["random"] = self.rng.take(&ACCOUNT_DRAWS);
                step["identity_record"] = json!(hex(&account.identity_key().to_bytes()));
                step["signed_prekey"] = json!(hex(&account.signed_prekey().to_bytes()));
                step["last_resort_kem_prekey"] =
                    json!(hex(&account.last_resort_prekey().to_bytes()));
                self.accounts.insert(text(step, "account"), account);
            }
            "bundle" => {
                let bundle = self.account(step).prekey_bundle().unwrap();
                step["bytes"] = json!(hex(&bundle.to_bytes()));
                step["one_time_prekey_id"] = json!(bundle.one_time_prekey().map(|k| k.id()));
                step["kem_prekey_id"] = json!(bundle.kem_prekey().id());
                self.bundles.insert(text(step, "bundle"), bundle);
            }
            "mark_bundle_published" => {
                let bundle = self.bundles[&text(step, "bundle")].clone();
                self.account(step).mark_bundle_published(&bundle);
            }
            "generate_one_time_prekeys" => {
                let count = usize::try_from(step["count"].as_u64().unwrap()).unwrap();
                let account = self.accounts.get_mut(&text(step, "account")).unwrap();
                let report = account
                    .generate_one_time_prekeys(count, &mut self.rng)
                    .unwrap();
                let draws = core::mem::take(&mut self.rng.draws);
                assert!(
                    draws
                        .iter()
                        .map(Vec::len)
                        .eq((0..count).flat_map(|_| [32, 64]))
                );
                step["draw_count"] = json!(draws.len());
                step["created"] = json!(report.created);
                step["evicted_unpublished"] = json!(report.evicted_unpublished);
                step["evicted_published"] = json!(report.evicted_published);
                step["one_time_prekey_counts"] = json!(account.one_time_prekey_counts());
            }
            "initiate" => {
                self.initiate(
                    &text(step, "account"),
                    &text(step, "session"),
                    &text(step, "bundle"),
                );
                step["random"] = self.rng.take(&HANDSHAKE_DRAWS);
            }
            "encrypt" => {
                let bytes = self.encrypt(
                    &text(step, "account"),
                    &text(step, "session"),
                    &text(step, "message"),
                );
                step["random"] = if self.rng.draws.len() == 2 {
                    self.rng.take(&[("ratchet_private", 32), ("nonce", 24)])
                } else {
                    self.rng.take(&[("nonce", 24)])
                };
                step["bytes"] = json!(hex(&bytes));
            }
            "encrypt_many" => {
                let (account, session) = (text(step, "account"), text(step, "session"));
                let prefix = text(step, "prefix");
                let count = step["count"].as_u64().unwrap();
                let mut all = Vec::new();
                for i in 0..count {
                    all.extend(self.encrypt(&account, &session, &format!("{prefix}{i}")));
                }
                step["draw_count"] = json!(self.rng.draws.len());
                self.rng.draws.clear();
                step["sha256"] = json!(hex(&sha256(&[&all])));
                let mut kept = serde_json::Map::new();
                for i in step["record"].as_array().unwrap() {
                    let label = format!("{prefix}{}", i.as_u64().unwrap());
                    kept.insert(label.clone(), json!(hex(&self.messages[&label])));
                }
                step["bytes"] = Value::Object(kept);
            }
            "accept" => {
                let result = self.accept(
                    &text(step, "account"),
                    &text(step, "session"),
                    &text(step, "message"),
                );
                step["result"] = outcome(result);
            }
            "accept_many" => {
                let (initiator, account) = (text(step, "initiator"), text(step, "account"));
                let (bundle, prefix) = (text(step, "bundle"), text(step, "prefix"));
                let mut base_keys = Vec::new();
                for i in 0..step["count"].as_u64().unwrap() {
                    let label = format!("{prefix}{i}");
                    self.initiate(&initiator, &label, &bundle);
                    // The base key is the 33-byte typed key after the
                    // version, kind and identity record (§7.3).
                    let bytes = self.encrypt(&initiator, &label, &label);
                    base_keys.extend_from_slice(&bytes[133..165]);
                    let plaintext = self.accept(&account, &label, &label).unwrap();
                    assert_eq!(plaintext, label.as_bytes());
                    self.sessions.remove(&(initiator.clone(), label.clone()));
                    self.sessions.remove(&(account.clone(), label.clone()));
                }
                step["draw_count"] = json!(self.rng.draws.len());
                self.rng.draws.clear();
                step["base_keys_sha256"] = json!(hex(&sha256(&[&base_keys])));
                let mut kept = serde_json::Map::new();
                for i in step["record"].as_array().unwrap() {
                    let label = format!("{prefix}{}", i.as_u64().unwrap());
                    kept.insert(label.clone(), json!(hex(&self.messages[&label])));
                }
                step["bytes"] = Value::Object(kept);
                let left = self.accounts[&account].sessions_left_on_signed_prekey();
                step["sessions_left_on_signed_prekey"] = json!(left);
            }
            "decrypt" => {
                let key = (text(step, "account"), text(step, "session"));
                let bytes = self.messages[&text(step, "message")].clone();
                let result = self.sessions.get_mut(&key).unwrap().decrypt(&bytes);
                step["result"] = outcome(result);
            }
            "rotate_signed_prekey" => {
                let account = self.accounts.get_mut(&text(step, "account")).unwrap();
                account.rotate_signed_prekey(&mut self.rng).unwrap();
                let encoded = hex(&account.signed_prekey().to_bytes());
                step["signed_prekey"] = json!(encoded);
                step["random"] = self.rng.take(&[("signed_prekey_private", 32)]);
            }
            "rotate_last_resort_prekey" => {
                let account = self.accounts.get_mut(&text(step, "account")).unwrap();
                account.rotate_last_resort_prekey(&mut self.rng).unwrap();
                let encoded = hex(&account.last_resort_prekey().to_bytes());
                step["last_resort_kem_prekey"] = json!(encoded);
                step["random"] = self.rng.take(&[("last_resort_kem_seed", 64)]);
            }
            "mark_prekeys_published" => {
                let account = self.account(step);
                let ec: Vec<u32> = account
                    .unpublished_one_time_prekeys()
                    .iter()
                    .map(|k| k.id())
                    .collect();
                let kem: Vec<u32> = account
                    .unpublished_one_time_kem_prekeys()
                    .unwrap()
                    .iter()
                    .map(|k| k.id())
                    .collect();
                account.mark_prekeys_published();
                step["marked_one_time_prekeys"] = json!(ec);
                step["marked_one_time_kem_prekeys"] = json!(kem);
            }
            "seal_account" => {
                let storage_key = StorageKey::generate(&mut self.rng).unwrap();
                let account = &self.accounts[&text(step, "account")];
                let sealed = account.seal(&storage_key, &mut self.rng).unwrap();
                let serialized =
                    crate::sealed::unseal(Kind::SealedAccount, &sealed, &storage_key).unwrap();
                step["random"] = self.rng.take(&[("storage_key", 32), ("nonce", 24)]);
                step["serialized"] = json!(hex(&serialized));
                step["sealed"] = json!(hex(&sealed));
            }
            other => panic!("unknown op {other}"),
        }
        if self.rng.next != first_draw {
            step["first_draw"] = json!(first_draw);
        }
    }
}

/// The steps, inputs only (the runner adds the outputs).
fn script() -> Vec<Value> {
    let mut s = Vec::new();
    let a = |account: &str, op: &str, rest: Value| {
        let mut v = json!({ "op": op, "account": account });
        for (k, x) in rest.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let enc = |account: &str, session: &str, message: &str| {
        a(
            account,
            "encrypt",
            json!({ "session": session, "message": message }),
        )
    };
    let dec = |account: &str, session: &str, message: &str| {
        a(
            account,
            "decrypt",
            json!({ "session": session, "message": message }),
        )
    };
    let acc = |session: &str, message: &str| {
        a(
            "bob",
            "accept",
            json!({ "session": session, "message": message }),
        )
    };
    let init = |session: &str, bundle: &str| {
        a(
            "alice",
            "initiate",
            json!({ "session": session, "bundle": bundle }),
        )
    };

    // Setup.
    s.push(json!({ "op": "create_account", "account": "alice", "scenario": "setup" }));
    s.push(json!({ "op": "create_account", "account": "bob", "scenario": "setup" }));
    s.push(a("bob", "bundle", json!({ "bundle": "b1" })));

    // Retired chains (§6.5 step 5, §6.6): Bob keeps 5 retired chains.
    s.push(init("r", "b1"));
    s.push(enc("alice", "r", "r.a1.0"));
    s.push(enc("alice", "r", "r.a1.1"));
    s.push(acc("r", "r.a1.0"));
    for c in 1..=6 {
        s.push(enc("bob", "r", &format!("r.b{c}.0")));
        s.push(dec("alice", "r", &format!("r.b{c}.0")));
        s.push(enc("alice", "r", &format!("r.a{}.0", c + 1)));
        s.push(enc("alice", "r", &format!("r.a{}.1", c + 1)));
        s.push(dec("bob", "r", &format!("r.a{}.0", c + 1)));
    }
    s.push(dec("bob", "r", "r.a1.1")); // chain 1 forgotten: DECRYPTION_FAILED
    s.push(dec("bob", "r", "r.a2.1")); // oldest retired chain: decrypts
    s.push(dec("bob", "r", "r.a2.1")); // again: DUPLICATE_MESSAGE
    s.push(dec("bob", "r", "r.a7.1")); // current chain: decrypts

    // Skipped keys (§6.5, §6.6): 1000 per message and chain, 2000 stored.
    s.push(init("s", "b1"));
    s.push(a(
        "alice",
        "encrypt_many",
        json!({ "session": "s", "prefix": "s.a1.", "count": 1003,
                "record": [0, 1, 2, 1001, 1002] }),
    ));
    s.push(acc("s", "s.a1.0"));
    s.push(dec("bob", "s", "s.a1.1002")); // 1001 keys to skip: TOO_FAR_AHEAD
    s.push(dec("bob", "s", "s.a1.1001")); // 1000: stores indexes 1..1000
    s.push(enc("bob", "s", "s.b1.0"));
    s.push(dec("alice", "s", "s.b1.0"));
    s.push(a(
        "alice",
        "encrypt_many",
        json!({ "session": "s", "prefix": "s.a2.", "count": 1002,
                "record": [0, 1000, 1001] }),
    ));
    s.push(dec("bob", "s", "s.a2.1001")); // new chain, n = 1001: TOO_FAR_AHEAD
    s.push(dec("bob", "s", "s.a2.1000")); // 2001 stored: index 1 of chain 1 evicted
    s.push(dec("bob", "s", "s.a1.1")); // evicted: DUPLICATE_MESSAGE
    s.push(dec("bob", "s", "s.a1.2")); // the next oldest: decrypts
    s.push(dec("bob", "s", "s.a1.1002")); // skipped when chain 1 retired: decrypts
    s.push(dec("bob", "s", "s.a2.0")); // decrypts

    // Prekey rotation and remembered base keys (§4.3, §5.3).
    s.push(init("p1", "b1"));
    s.push(enc("alice", "p1", "p1"));
    s.push(init("p2", "b1"));
    s.push(enc("alice", "p2", "p2"));
    s.push(init("p3", "b1"));
    s.push(enc("alice", "p3", "p3"));
    s.push(acc("p1", "p1"));
    s.push(acc("p1.replay", "p1")); // DUPLICATE_MESSAGE
    s.push(a("bob", "mark_prekeys_published", json!({})));
    s.push(a("bob", "rotate_signed_prekey", json!({}))); // id 3
    s.push(acc("p1.replay", "p1")); // DUPLICATE_MESSAGE
    s.push(a("bob", "rotate_last_resort_prekey", json!({}))); // id 4
    s.push(a("bob", "rotate_signed_prekey", json!({}))); // id 5
    s.push(acc("p3", "p3")); // signed prekey 1, rotated twice: accepted
    s.push(a("bob", "seal_account", json!({})));
    s.push(a("bob", "rotate_signed_prekey", json!({}))); // id 6: 1 deleted
    s.push(acc("p1.replay", "p1")); // UNKNOWN_PREKEY
    s.push(acc("p2", "p2")); // UNKNOWN_PREKEY

    // The per-signed-prekey bound (§4.3): 1000 sessions, then PREKEY_EXHAUSTED.
    s.push(a("bob", "bundle", json!({ "bundle": "b2" })));
    s.push(a(
        "bob",
        "accept_many",
        json!({ "initiator": "alice", "bundle": "b2", "prefix": "e.", "count": 1000,
                "record": [0, 999] }),
    ));
    s.push(init("e.1000", "b2"));
    s.push(enc("alice", "e.1000", "e.1000"));
    s.push(acc("e.1000", "e.1000")); // PREKEY_EXHAUSTED
    s.push(acc("e.0.replay", "e.0")); // DUPLICATE_MESSAGE, although the list is full
    s.push(acc("e.999.replay", "e.999")); // DUPLICATE_MESSAGE
    s.push(a("bob", "rotate_signed_prekey", json!({}))); // id 7
    s.push(a("bob", "bundle", json!({ "bundle": "b3" })));
    s.push(init("e.after", "b3"));
    s.push(enc("alice", "e.after", "e.after"));
    s.push(acc("e.after", "e.after")); // accepted

    // One-time prekeys (§4.2, §4.3): at most 100 per kind, at most 50
    // published, eviction of keys held before a generation only.
    s.push(a(
        "bob",
        "generate_one_time_prekeys",
        json!({ "count": 60, "scenario": "one-time prekeys" }),
    )); // ids 8 ..= 127: X25519 even, ML-KEM odd
    s.push(a("bob", "bundle", json!({ "bundle": "b4" }))); // 8 and 9
    s.push(a("bob", "mark_bundle_published", json!({ "bundle": "b4" })));
    s.push(a("bob", "bundle", json!({ "bundle": "b5" }))); // 10 and 11
    s.push(a("bob", "mark_bundle_published", json!({ "bundle": "b5" })));
    s.push(init("o1", "b4"));
    s.push(enc("alice", "o1", "o1"));
    s.push(init("o2", "b5"));
    s.push(enc("alice", "o2", "o2"));
    s.push(a("bob", "mark_prekeys_published", json!({}))); // 48 more of each kind
    s.push(a("bob", "bundle", json!({ "bundle": "b6" }))); // 50 out: none, last resort
    s.push(a(
        "bob",
        "generate_one_time_prekeys",
        json!({ "count": 51 }),
    )); // 111 of each: 10 unpublished and the oldest published (8, 9) evicted
    s.push(acc("o1", "o1")); // UNKNOWN_PREKEY
    s.push(acc("o2", "o2")); // 10 and 11 kept: accepted, then deleted
    s.push(a("bob", "generate_one_time_prekeys", json!({ "count": 3 }))); // 102 of each: the two oldest unpublished (128 ..= 131) evicted
    s.push(a("bob", "bundle", json!({ "bundle": "b7" }))); // 132 and 133
    s
}

/// `L`, the order of the Ed25519 base point, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Ed25519 strictness (§2, §3.2): identity records, each with the outcome of
/// decoding it. Built from Alice's identity (her signing seed is in the
/// file); draws nothing.
fn ed25519_cases(alice_seed: &[u8], alice_record: &[u8]) -> Value {
    let key = &alice_record[1..33];
    let agreement = &alice_record[33..66];
    let binding = &alice_record[66..130];
    let message = [&b"Sotto v1 identity binding"[..], agreement].concat();
    let record =
        |signing: &[u8], signature: &[u8]| [&[0x02][..], signing, agreement, signature].concat();
    let point = |bytes: &[u8]| {
        CompressedEdwardsY(bytes.try_into().unwrap())
            .decompress()
            .unwrap()
    };
    let k_of = |r: &[u8], a: &[u8]| Scalar::from_bytes_mod_order_wide(&sha512(&[r, a, &message]));
    // Alice's secret scalar (RFC 8032 §5.1.5).
    let mut clamped: [u8; 32] = sha512(&[alice_seed])[..32].try_into().unwrap();
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    let a = Scalar::from_bytes_mod_order(clamped);
    assert_eq!(
        ED25519_BASEPOINT_POINT.mul_by_cofactor(),
        ED25519_BASEPOINT_POINT * Scalar::from(8u8)
    );

    let identity_point = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    // R = identity, S = k·a: [S]B = [k]A = R + [k]A holds (cofactorless).
    let k = k_of(&identity_point, key);
    let s = k * a;
    assert_eq!(
        ED25519_BASEPOINT_POINT * s,
        point(&identity_point) + point(key) * k
    );
    let small_r = [&identity_point[..], s.as_bytes()].concat();
    // A small-order key with R = B, S = 1: [1]B = B + [k]A for A = identity.
    let one_sig = {
        let mut sig = ED25519_BASEPOINT_POINT.compress().to_bytes().to_vec();
        let mut one = [0u8; 32];
        one[0] = 1;
        sig.extend_from_slice(&one);
        sig
    };
    // S + L, which is still below 2^256.
    let mut s_plus_l = binding.to_vec();
    let mut carry = 0u16;
    for (i, l) in ED25519_L.iter().enumerate() {
        let sum = u16::from(s_plus_l[32 + i]) + u16::from(*l) + carry;
        s_plus_l[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    let order_8 = unhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xf0;
    non_canonical[31] = 0x7f;
    let mut negative_zero = identity_point;
    negative_zero[31] = 0x80;
    let mut negative_zero_order_2 = [0xffu8; 32];
    negative_zero_order_2[0] = 0xec;

    let cases: [(&str, &str, Vec<u8>, Option<Error>); 8] = [
        (
            "valid",
            "Alice's identity record, unchanged",
            alice_record.to_vec(),
            None,
        ),
        (
            "non_canonical_y",
            "signing key f0ff..ff7f: y = p + 3 >= p does not decode (some libraries reduce it to y = 3)",
            record(&non_canonical, binding),
            Some(Error::InvalidKey),
        ),
        (
            "negative_zero",
            "signing key 0100..0080: x = 0 with the sign bit set (the identity point's second encoding)",
            record(&negative_zero, binding),
            Some(Error::InvalidKey),
        ),
        (
            "negative_zero_order_2",
            "signing key ecff..ffff: y = p - 1, x = 0 with the sign bit set",
            record(&negative_zero_order_2, binding),
            Some(Error::InvalidKey),
        ),
        (
            "small_order_key_identity",
            "signing key = the identity point, binding R = B, S = 1, which satisfies [S]B = R + [k]A",
            record(&identity_point, &one_sig),
            Some(Error::InvalidKey),
        ),
        (
            "small_order_key_order_8",
            "signing key = a point of order 8 (canonical encoding)",
            record(&order_8, &one_sig),
            Some(Error::InvalidKey),
        ),
        (
            "small_order_r",
            "Alice's key; binding R = the identity point, S = k*a mod L, which satisfies [S]B = R + [k]A",
            record(key, &small_r),
            Some(Error::BadSignature),
        ),
        (
            "s_not_reduced",
            "Alice's binding with S replaced by S + L (same point equation, S >= L)",
            record(key, &s_plus_l),
            Some(Error::BadSignature),
        ),
    ];
    let mut out = Vec::new();
    for (name, description, bytes, expected) in cases {
        let result = IdentityKey::from_bytes(&bytes).map(|k| k.to_bytes());
        assert_eq!(result.as_ref().err().copied(), expected, "{name}");
        out.push(json!({
            "name": name,
            "description": description,
            "identity_record": hex(&bytes),
            "result": match expected {
                None => json!({ "valid": true }),
                Some(e) => json!({ "error": e.name(), "code": e.code() }),
            },
        }));
    }
    Value::Array(out)
}

pub(crate) fn generate() -> Value {
    let mut runner = Runner {
        rng: Recipe {
            next: 0,
            draws: Vec::new(),
        },
        accounts: BTreeMap::new(),
        bundles: BTreeMap::new(),
        sessions: BTreeMap::new(),
        messages: BTreeMap::new(),
    };
    let mut steps = script();
    for step in &mut steps {
        runner.run(step);
    }
    let alice = &steps[0];
    let seed = unhex(alice["random"]["identity_signing_seed"].as_str().unwrap());
    let record = unhex(alice["identity_record"].as_str().unwrap());
    json!({
        "protocol": "Sotto v1",
        "description": "Known-answer vectors for the rules of Sotto v1 (docs/PROTOCOL.md §14.2): bounds, rotation, replays, one-time prekeys, the sealed account, Ed25519 strictness. All byte strings are lowercase hex; draw k of n bytes is SHA-512(\"Sotto v1 rules vectors\" || u32(k))[0..n].",
        "generator": "SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib vectors_rules",
        "draw_label": hex(DRAW_LABEL),
        "draw_count": runner.rng.next,
        "context": { "alice_id": hex(ALICE_ID), "bob_id": hex(BOB_ID) },
        "steps": steps,
        "ed25519_identity_records": ed25519_cases(&seed, &record),
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1-rules.json")
}

#[test]
fn regenerated_rule_vectors_match_the_committed_file() {
    let text = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(path(), &text).unwrap();
    }
    let committed =
        std::fs::read_to_string(path()).expect("tests/vectors/sotto-v1-rules.json is missing");
    assert!(
        committed == text,
        "the rules' output changed; see src/vectors_rules.rs to regenerate deliberately"
    );
}
