//! Known-answer vectors of ratchet version 2 (PROTOCOL.md §22.11):
//! `tests/vectors/sotto-v2-pqratchet.json`.
//!
//! `generate` writes the file from a seeded generator, recording every
//! draw under its PROTOCOL name (`SOTTO_WRITE_VECTORS=1 cargo test -p sotto
//! --features hazmat --test pq_vectors`); `vectors_replay_through_the_public_api`
//! feeds exactly those draws back through the public API and must reproduce
//! every byte; `interop/python/pqratchet.py` reproduces them from §22.

mod common;

use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};
use serde_json::{Value, json};
use sotto::hazmat::{self, KemField};
use sotto::{Account, PrekeyBundle, Session, SessionContext, StorageKey};
use std::collections::VecDeque;

const ALICE_ID: &[u8] = b"alice@example.org/device-1";
const BOB_ID: &[u8] = b"bob@example.org/device-7";
const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/sotto-v2-pqratchet.json"
);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(value: &Value) -> Vec<u8> {
    let s = value.as_str().unwrap_or_else(|| panic!("not hex: {value}"));
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Records every draw.
struct Recorder {
    inner: ChaCha20Rng,
    draws: Vec<Vec<u8>>,
}

impl TryRng for Recorder {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.try_fill_bytes(dst)?;
        self.draws.push(dst.to_vec());
        Ok(())
    }
}
impl TryCryptoRng for Recorder {}

impl Recorder {
    /// The names of one encryption's draws, in order: the new ratchet key
    /// (on a DH step), then the ML-KEM key-generation seed (64 bytes) or
    /// encapsulation randomness if the KEM ratchet drew one, then the nonce.
    fn encryption_draw_names(&self, dh_step: bool) -> Vec<&'static str> {
        let mut names = vec![];
        if dh_step {
            names.push("ratchet_private");
        }
        match self.draws.len() - names.len() {
            1 => {}
            2 => names.push(if self.draws[names.len()].len() == 64 {
                "kem_seed"
            } else {
                "kem_encapsulation_randomness"
            }),
            n => panic!("{n} draws"),
        }
        names.push("nonce");
        names
    }

    fn take(&mut self, names: &[&str]) -> Value {
        let draws = std::mem::take(&mut self.draws);
        assert_eq!(draws.len(), names.len(), "{names:?}");
        // In draw order: `[name, hex]` pairs.
        names
            .iter()
            .zip(draws)
            .map(|(name, draw)| json!([name, hex(&draw)]))
            .collect()
    }
}

/// Hands out recorded draws in order, checking lengths.
struct Tape(VecDeque<Vec<u8>>);

impl Tape {
    fn push(&mut self, random: &Value) {
        for pair in random.as_array().unwrap() {
            self.0.push_back(unhex(&pair[1]));
        }
    }
}

impl TryRng for Tape {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        panic!("the protocol draws byte strings only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let next = self.0.pop_front().expect("more draws than recorded");
        assert_eq!(next.len(), dst.len());
        dst.copy_from_slice(&next);
        Ok(())
    }
}
impl TryCryptoRng for Tape {}

const ACCOUNT: [&str; 4] = [
    "identity_signing_seed",
    "identity_agreement_private",
    "signed_prekey_private",
    "last_resort_kem_seed",
];

/// Who sends how many messages, turn by turn (`true` = Alice), and the
/// deliveries that are postponed: `(message number, delivered after)`.
const TURNS: [(bool, usize); 6] = [
    (true, 25),
    (false, 22),
    (true, 2),
    (false, 3),
    (true, 1),
    (false, 1),
];
const LATE: (usize, usize) = (2, 10);

fn field_json(field: &KemField) -> Value {
    let (kind, epoch, index) = match field {
        KemField::Idle => ("idle", 0, 0),
        KemField::EkChunk { epoch, index, .. } => ("key chunk", *epoch, *index),
        KemField::CtChunk { epoch, index, .. } => ("ciphertext chunk", *epoch, *index),
        KemField::Mix { epoch } => ("mix marker", *epoch, 0),
    };
    json!({ "type": kind, "epoch": epoch, "index": index, "bytes": hex(&field.to_bytes()) })
}

/// What the conversation of `generate` leaves for `generate_rules`.
struct Run {
    json: Value,
    rng: Recorder,
    alice: Account,
    bundle: PrekeyBundle,
    /// `(message number, receiver's state before, after)` for every
    /// delivery to an existing session.
    deliveries: Vec<(usize, Vec<u8>, Vec<u8>)>,
    /// Both sides' states whenever every sent message was delivered:
    /// `(messages sent so far, Alice's state, Bob's state)`.
    quiet: Vec<(usize, Vec<u8>, Vec<u8>)>,
}

fn state(session: &Session) -> Vec<u8> {
    hazmat::session_state(session).unwrap().to_vec()
}

fn generate() -> Value {
    run().json
}

fn run() -> Run {
    let mut rng = Recorder {
        inner: ChaCha20Rng::seed_from_u64(0x5077_0022),
        draws: vec![],
    };
    let alice = Account::new(&mut rng).unwrap();
    let alice_random = rng.take(&ACCOUNT);
    let mut bob = Account::new(&mut rng).unwrap();
    let bob_random = rng.take(&ACCOUNT);
    bob.generate_one_time_prekeys(1, &mut rng).unwrap();
    let bob_one_time = rng.take(&["one_time_prekey_private", "one_time_kem_seed"]);
    let bundle = bob.prekey_bundle().unwrap().with_pq_ratchet();
    let alice_context = SessionContext::new(ALICE_ID, BOB_ID);
    let bob_context = SessionContext::new(BOB_ID, ALICE_ID);
    let mut a = Session::initiate(&alice, &bundle, &alice_context, &mut rng).unwrap();
    let initiate = rng.take(&[
        "base_key_private",
        "kem_encapsulation_randomness",
        "initiator_ratchet_private",
    ]);
    let mut b: Option<Session> = None;

    let mut messages = vec![];
    let mut number = 0usize;
    let mut late: Option<(Vec<u8>, usize)> = None;
    let mut deliveries = vec![];
    let mut log = vec![];
    let mut quiet = vec![];
    for (from_alice, count) in TURNS {
        for _ in 0..count {
            let plaintext = format!("message {number}").into_bytes();
            let sender = if from_alice {
                &mut a
            } else {
                b.as_mut().unwrap()
            };
            let (message, step) = hazmat::plan_encrypt(sender, &plaintext, &mut rng).unwrap();
            let dh_step = step.new_root_key().is_some();
            let names = rng.encryption_draw_names(dh_step);
            let random = rng.take(&names);
            let mut entry = json!({
                "number": number,
                "from": if from_alice { "alice" } else { "bob" },
                "plaintext": hex(&plaintext),
                "random": random,
                "header_key": hex(step.header_key().expose()),
                "message_key": hex(step.message_key().expose()),
                "chain_key_after": hex(step.chain_key().expose()),
                "field": field_json(step.kem_field().unwrap()),
            });
            if let Some(root) = step.new_root_key() {
                entry["root_key_after"] = json!(hex(root.expose()));
            }
            if let Some(mix) = step.kem_mix() {
                entry["mix"] = json!({
                    "epoch": mix.epoch,
                    "shared_secret": hex(mix.secret.expose()),
                    "transcript_hash": hex(&mix.transcript),
                });
            }
            hazmat::commit_encrypt(sender, step);
            entry["message"] = json!(hex(&message));
            messages.push(entry);
            // Deliver.
            let mut deliver =
                |message: &[u8], n: usize, b: &mut Option<Session>, a: &mut Session| {
                    let plaintext =
                        if let Some(session) = if from_alice { b.as_mut() } else { Some(a) } {
                            let before = state(session);
                            let plaintext = session.decrypt(message).unwrap();
                            log.push((n, before, state(session)));
                            plaintext
                        } else {
                            let (session, plaintext) =
                                Session::accept(&mut bob, message, &bob_context).unwrap();
                            *b = Some(session);
                            plaintext
                        };
                    assert_eq!(plaintext, format!("message {n}").into_bytes());
                    deliveries.push(n);
                };
            if number == LATE.0 {
                late = Some((message, number));
            } else {
                deliver(&message, number, &mut b, &mut a);
            }
            if number == LATE.1 {
                let (message, n) = late.take().unwrap();
                deliver(&message, n, &mut b, &mut a);
            }
            number += 1;
            if late.is_none()
                && let Some(b) = &b
            {
                quiet.push((number, state(&a), state(b)));
            }
        }
    }
    let b = b.unwrap();
    let json = json!({
        "description": "Sotto ratchet version 2 (PROTOCOL.md §22): two accounts, Bob's bundle with the capability, a session whose first KEM exchange completes and is mixed, and the start of the second. Every message is delivered at once except message 2, delivered after message 10.",
        "alice_id": hex(ALICE_ID),
        "bob_id": hex(BOB_ID),
        "alice": { "random": alice_random },
        "bob": { "random": bob_random, "one_time_random": bob_one_time },
        "bundle": hex(&bundle.to_bytes()),
        "initiate": { "random": initiate },
        "messages": messages,
        "delivery_order": deliveries,
        "final": {
            "alice_kem_epoch": a.kem_epoch(),
            "bob_kem_epoch": b.kem_epoch(),
            "alice_root_key": hex(hazmat::root_key(&a).expose()),
            "bob_root_key": hex(hazmat::root_key(&b).expose()),
        },
    });
    Run {
        json,
        rng,
        alice,
        bundle,
        deliveries: log,
        quiet,
    }
}

#[test]
fn regenerated_vectors_match_the_committed_file() {
    let generated = generate();
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    assert_eq!(generated, committed, "the protocol's output changed");
}

#[test]
fn vectors_replay_through_the_public_api() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let mut tape = Tape(VecDeque::new());
    tape.push(&v["alice"]["random"]);
    let alice = Account::new(&mut tape).unwrap();
    tape.push(&v["bob"]["random"]);
    let mut bob = Account::new(&mut tape).unwrap();
    tape.push(&v["bob"]["one_time_random"]);
    bob.generate_one_time_prekeys(1, &mut tape).unwrap();
    let bundle = PrekeyBundle::from_bytes(&unhex(&v["bundle"])).unwrap();
    assert!(bundle.supports_pq_ratchet());
    assert_eq!(bob.prekey_bundle().unwrap().with_pq_ratchet(), bundle);
    let (alice_id, bob_id) = (unhex(&v["alice_id"]), unhex(&v["bob_id"]));
    tape.push(&v["initiate"]["random"]);
    let mut a = Session::initiate(
        &alice,
        &bundle,
        &SessionContext::new(&alice_id, &bob_id),
        &mut tape,
    )
    .unwrap();
    let messages = v["messages"].as_array().unwrap();
    let mut sent: Vec<Vec<u8>> = vec![];
    let mut b: Option<Session> = None;
    // Encrypt everything in order, delivering in the recorded order: a
    // message is delivered before the next one is sent unless postponed.
    let order: Vec<usize> = v["delivery_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap() as usize)
        .collect();
    let mut delivered = 0;
    for entry in messages {
        let from_alice = entry["from"] == "alice";
        tape.push(&entry["random"]);
        let plaintext = unhex(&entry["plaintext"]);
        let sender = if from_alice {
            &mut a
        } else {
            b.as_mut().unwrap()
        };
        let message = sender.encrypt(&plaintext, &mut tape).unwrap();
        assert_eq!(
            hex(&message),
            entry["message"].as_str().unwrap(),
            "message {}",
            entry["number"]
        );
        sent.push(message);
        while delivered < order.len() && order[delivered] < sent.len() {
            let n = order[delivered];
            let to_bob = messages[n]["from"] == "alice";
            let got = if to_bob && b.is_none() {
                let (session, plaintext) =
                    Session::accept(&mut bob, &sent[n], &SessionContext::new(&bob_id, &alice_id))
                        .unwrap();
                b = Some(session);
                plaintext
            } else if to_bob {
                b.as_mut().unwrap().decrypt(&sent[n]).unwrap()
            } else {
                a.decrypt(&sent[n]).unwrap()
            };
            assert_eq!(got, unhex(&messages[n]["plaintext"]));
            delivered += 1;
        }
    }
    assert!(tape.0.is_empty());
    assert_eq!(delivered, messages.len());
    let b = b.unwrap();
    assert_eq!(json!(a.kem_epoch()), v["final"]["alice_kem_epoch"]);
    assert_eq!(json!(b.kem_epoch()), v["final"]["bob_kem_epoch"]);
    assert_eq!(a.kem_epoch(), Some(1));
    assert_eq!(
        hex(hazmat::root_key(&a).expose()),
        v["final"]["alice_root_key"].as_str().unwrap()
    );
}

// ---------------------------------------------------------------------------
// Sealed sessions of format 2 and the rejections (PROTOCOL.md §22.11):
// `tests/vectors/sotto-v2-pqratchet-rules.json`.

const RULES_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/sotto-v2-pqratchet-rules.json"
);

/// Length of the phase fields of §22.8, by phase.
const PHASE_FIELDS: [usize; 6] = [0, 64 + 4 + 1 + 4 + 1088, 64, 4 + 1184, 1184, 1088 + 64 + 4];

/// The KEM state of a serialized format-2 session, after the §9.2 fields:
/// `(offset, epoch, marker, phase)`; checks that the phase's fields end
/// the state.
fn kem_part(state: &[u8]) -> (usize, u32, Option<u32>, u8) {
    assert_eq!(state[0], 2, "format 2");
    let u16_at = |at: usize| usize::from(u16::from_be_bytes([state[at], state[at + 1]]));
    let u32_at = |at: usize| u32::from_be_bytes(state[at..at + 4].try_into().unwrap());
    let skipped = |at: usize| at + 2 + 36 * u16_at(at);
    let mut at = 3 + 32 + 32 + 130 + 130 + 32 + 32;
    let flag = |at: &mut usize, then: usize| {
        let set = state[*at] == 1;
        *at += 1 + if set { then } else { 0 };
        set
    };
    flag(&mut at, 32); // DHr
    flag(&mut at, 36); // CKs, Ns
    at += 4; // PN
    flag(&mut at, 32); // HKs
    at += 32; // NHKs
    if flag(&mut at, 0) {
        at = skipped(at + 68); // HKr, CKr, Nr, skipped
    }
    at += 32; // NHKr
    let retired = state[at];
    at += 1;
    for _ in 0..retired {
        at = skipped(at + 32);
    }
    flag(&mut at, 0); // pending
    if flag(&mut at, 0) {
        at += 33 + 4 + 4 + 1;
        flag(&mut at, 4);
        at += 1088;
    }
    let epoch = u32_at(at);
    let marker = (state[at + 4] == 1).then(|| u32_at(at + 5));
    let phase_at = at + 5 + if marker.is_some() { 4 } else { 0 };
    let phase = state[phase_at];
    assert_eq!(phase_at + 1 + PHASE_FIELDS[usize::from(phase)], state.len());
    (at, epoch, marker, phase)
}

/// The offset of the version-2 message inside `wire` (a prekey message of
/// §7.3 with a one-time prekey embeds it after 1267 bytes).
fn embedded_at(wire: &[u8]) -> usize {
    match wire[1] {
        0x12 => 0,
        0x02 => {
            assert_eq!(wire[1267..1269], [0x01, 0x12]);
            1267
        }
        kind => panic!("kind {kind}"),
    }
}

/// `wire` (a message of kind 0x12, maybe inside a prekey message) with
/// another KEM field, authenticated again under the sender's header key
/// and message key: what a sender writing this field would send.
fn reforge(wire: &[u8], ad_hash: &[u8], hk: &[u8], mk: &[u8], field: &[u8; 56]) -> Vec<u8> {
    reforge_header(wire, ad_hash, hk, mk, |header| {
        header[40..].copy_from_slice(field);
    })
}

/// `wire` with its decrypted header changed by `change`, authenticated
/// again as by its sender.
fn reforge_header(
    wire: &[u8],
    ad_hash: &[u8],
    hk: &[u8],
    mk: &[u8],
    change: impl FnOnce(&mut [u8]),
) -> Vec<u8> {
    use sotto::primitives::aead::{self, Algorithm::XChaCha20Poly1305 as X};
    let at = embedded_at(wire);
    let m = &wire[at..];
    let (nonce, eh, eb) = (&m[2..26], &m[26..138], &m[138..]);
    let hk: [u8; 32] = hk.try_into().unwrap();
    let mk: [u8; 32] = mk.try_into().unwrap();
    let header_ad = [ad_hash, &[0x01, 0x12]].concat();
    let mut header = aead::open(X, &hk, nonce, &header_ad, eh).unwrap();
    change(&mut header);
    let padded = aead::open(X, &mk, nonce, &[ad_hash, &m[..138]].concat(), eb).unwrap();
    let mut out = wire[..at].to_vec();
    out.extend_from_slice(&m[..26]);
    out.extend(aead::seal(X, &hk, nonce, &header_ad, &header).unwrap());
    let prefix = out[at..].to_vec();
    out.extend(aead::seal(X, &mk, nonce, &[ad_hash, &prefix].concat(), &padded).unwrap());
    out
}

fn field(kind: u8, epoch: u32, index: u8, data: &[u8]) -> [u8; 56] {
    let mut f = [0u8; 56];
    f[0] = kind;
    f[1..5].copy_from_slice(&epoch.to_be_bytes());
    f[5] = index;
    f[6..6 + data.len()].copy_from_slice(data);
    f
}

fn decode_field(wire: &[u8], hk: &[u8], ad_hash: &[u8]) -> KemField {
    use sotto::primitives::aead::{self, Algorithm::XChaCha20Poly1305 as X};
    let m = &wire[embedded_at(wire)..];
    let hk: [u8; 32] = hk.try_into().unwrap();
    let header = aead::open(
        X,
        &hk,
        &m[2..26],
        &[ad_hash, &[0x01, 0x12]].concat(),
        &m[26..138],
    )
    .unwrap();
    KemField::from_bytes(&header[40..]).unwrap()
}

fn generate_rules() -> Value {
    let Run {
        json: v,
        mut rng,
        alice,
        bundle,
        deliveries,
        quiet,
    } = run();
    let messages = v["messages"].as_array().unwrap();
    let wire = |n: usize| unhex(&messages[n]["message"]);
    let keys = |n: usize| {
        (
            unhex(&messages[n]["header_key"]),
            unhex(&messages[n]["message_key"]),
        )
    };
    let delivery = |n: usize| deliveries.iter().find(|d| d.0 == n).unwrap();
    let ad_hash = |state: &[u8]| state[35..67].to_vec();
    // The KEM phase of the receiver before each delivery.
    let phase_before = |n: usize| kem_part(&delivery(n).1).3;

    // --- Sealed sessions: the first quiet moment of every (phase, marker).
    let mut sealed = vec![];
    let mut seen = std::collections::BTreeSet::new();
    for (sent, a_state, b_state) in &quiet {
        for (side, own, peer) in [("alice", a_state, b_state), ("bob", b_state, a_state)] {
            let (_, epoch, marker, phase) = kem_part(own);
            if !seen.insert((phase, marker.is_some())) {
                continue;
            }
            let session = hazmat::session_from_state(own).unwrap();
            let key = StorageKey::generate(&mut rng).unwrap();
            let bytes = session.seal(&key, &mut rng).unwrap();
            let random = rng.take(&["storage_key", "nonce"]);
            // The conversation goes on: two turns of two messages, the
            // restored side first, each delivered at once.
            let mut restored = Session::unseal(&key, &bytes).unwrap();
            let mut other = hazmat::session_from_state(peer).unwrap();
            let mut then = vec![];
            for turn in 0..4 {
                let restored_sends = turn % 2 == 0;
                let (from, to) = if restored_sends {
                    (&mut restored, &mut other)
                } else {
                    (&mut other, &mut restored)
                };
                let plaintext = format!("after the seal, {turn}").into_bytes();
                let (message, step) = hazmat::plan_encrypt(from, &plaintext, &mut rng).unwrap();
                let names = rng.encryption_draw_names(step.new_root_key().is_some());
                let field = field_json(step.kem_field().unwrap());
                hazmat::commit_encrypt(from, step);
                assert_eq!(to.decrypt(&message).unwrap(), plaintext);
                then.push(json!({
                    "from": if restored_sends { "restored" } else { "peer" },
                    "plaintext": hex(&plaintext),
                    "random": rng.take(&names),
                    "field": field,
                    "message": hex(&message),
                }));
            }
            sealed.push(json!({
                "side": side,
                "after_messages": sent,
                "kem": { "epoch": epoch, "marker": marker, "phase": phase },
                "serialized": hex(own),
                "storage_key": random[0][1],
                "random": [random[1].clone()],
                "sealed": hex(&bytes),
                "peer_serialized": hex(peer),
                "then": then,
                "restored_after": hex(&state(&restored)),
                "peer_after": hex(&state(&other)),
            }));
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");

    // --- Messages that must be rejected, each by a receiver in a given
    // state, which stays unchanged.
    let mut rejections: Vec<Value> = vec![];
    let mut reject = |name: &str, state: &[u8], message: &[u8], expected: sotto::Error| {
        let mut session = hazmat::session_from_state(state).unwrap();
        let result = session.decrypt(message);
        assert_eq!(result, Err(expected), "{name}");
        assert_eq!(self::state(&session), state, "{name}: state changed");
        rejections.push(json!({
            "name": name,
            "state": hex(state),
            "message": hex(message),
            "error": expected.name(),
        }));
    };
    use sotto::Error as E;
    // A normal message of Bob's (kind 0x12, a new chain: message 25) to
    // Alice, who owns epoch 0 and is sending her key (phase 1).
    let bob_first = 25usize;
    assert_eq!(messages[bob_first]["from"], "bob");
    assert!(messages[bob_first].get("root_key_after").is_some());
    assert_eq!(phase_before(bob_first), 1);
    let s25 = &delivery(bob_first).1;
    let w25 = wire(bob_first);
    let (hk25, mk25) = keys(bob_first);
    let ad = ad_hash(s25);
    let forged = |f: [u8; 56]| reforge(&w25, &ad, &hk25, &mk25, &f);
    let mut flipped = w25.clone();
    flipped[26 + 40 + 2] ^= 0x01; // inside the encrypted KEM field
    reject(
        "KEM field altered on the wire",
        s25,
        &flipped,
        E::DecryptionFailed,
    );
    reject(
        "field type 4",
        s25,
        &forged(field(4, 0, 0, &[])),
        E::Malformed,
    );
    reject(
        "idle field with an epoch",
        s25,
        &forged(field(0, 1, 0, &[])),
        E::Malformed,
    );
    reject(
        "idle field with data",
        s25,
        &forged(field(
            0,
            0,
            0,
            &[0; 49].iter().chain(&[1]).copied().collect::<Vec<_>>(),
        )),
        E::Malformed,
    );
    reject(
        "mix marker with an index",
        s25,
        &forged(field(3, 0, 1, &[])),
        E::Malformed,
    );
    reject(
        "mix marker with data",
        s25,
        &forged(field(3, 0, 0, &[1])),
        E::Malformed,
    );
    reject(
        "key chunk 24",
        s25,
        &forged(field(1, 0, 24, &[1; 50])),
        E::Malformed,
    );
    reject(
        "ciphertext chunk 22",
        s25,
        &forged(field(2, 0, 22, &[1; 50])),
        E::Malformed,
    );
    reject(
        "key chunk 23 with padding",
        s25,
        &forged(field(1, 0, 23, &[1; 35])),
        E::Malformed,
    );
    reject(
        "ciphertext chunk 21 with padding",
        s25,
        &forged(field(2, 0, 21, &[1; 39])),
        E::Malformed,
    );
    reject(
        "mix marker on a new chain to a side that is not sending a ciphertext",
        s25,
        &forged(field(3, 0, 0, &[])),
        E::KemMismatch,
    );
    // Framing.
    reject("truncated to 153 bytes", s25, &w25[..153], E::Truncated);
    reject("truncated to 2 bytes", s25, &w25[..2], E::Truncated);
    reject(
        "one byte appended",
        s25,
        &[&w25[..], &[0]].concat(),
        E::DecryptionFailed,
    );
    reject(
        "last byte removed",
        s25,
        &w25[..w25.len() - 1],
        E::DecryptionFailed,
    );
    reject(
        "version 2",
        s25,
        &[&[2u8][..], &w25[1..]].concat(),
        E::UnsupportedVersion,
    );
    reject(
        "relabelled as a version-1 message (kind 0x03)",
        s25,
        &[&[1u8, 0x03][..], &w25[2..]].concat(),
        E::WrongObjectType,
    );
    // The mixing message (Alice's first after Bob's ciphertext).
    let mixing = messages
        .iter()
        .position(|m| m.get("mix").is_some())
        .unwrap();
    assert_eq!(messages[mixing]["from"], "alice");
    let s_mix = &delivery(mixing).1;
    assert_eq!(kem_part(s_mix).3, 5);
    let w_mix = wire(mixing);
    let (hk_m, mk_m) = keys(mixing);
    let ad_b = ad_hash(s_mix);
    reject(
        "mix marker of the next epoch",
        s_mix,
        &reforge(&w_mix, &ad_b, &hk_m, &mk_m, &field(3, 1, 0, &[])),
        E::KemMismatch,
    );
    // The marker is checked as soon as the header routes to a new chain,
    // before the `pn` bound of §6.5 case (b).
    let far = |marker_epoch: u32| {
        reforge_header(&w_mix, &ad_b, &hk_m, &mk_m, |header| {
            let pn = u32::from_be_bytes(header[32..36].try_into().unwrap());
            header[32..36].copy_from_slice(&(pn + 3000).to_be_bytes());
            header[40..].copy_from_slice(&field(3, marker_epoch, 0, &[]));
        })
    };
    reject(
        "mix marker of the next epoch, pn 3000 ahead",
        s_mix,
        &far(1),
        E::KemMismatch,
    );
    reject(
        "mix marker of the right epoch, pn 3000 ahead",
        s_mix,
        &far(0),
        E::TooFarAhead,
    );
    // Bob restored from before he encapsulated (phase 4) receives the mix.
    let stale = deliveries
        .iter()
        .rev()
        .find(|d| d.0 < mixing && messages[d.0]["from"] == "alice" && kem_part(&d.2).3 == 4)
        .unwrap();
    reject(
        "mix of an exchange restored from before encapsulating",
        &stale.2,
        &w_mix,
        E::KemMismatch,
    );
    // The epoch bound: Bob's state with E = 2^32 - 1 and a matching marker.
    let mut at_limit = s_mix.clone();
    let off = kem_part(&at_limit).0;
    at_limit[off..off + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    reject(
        "mix of epoch 2^32 - 1",
        &at_limit,
        &reforge(&w_mix, &ad_b, &hk_m, &mk_m, &field(3, u32::MAX, 0, &[])),
        E::LimitExceeded,
    );
    // The key chunk that completes Bob's copy of the key, with a
    // coefficient of 4095 (>= q): the modulus check fails.
    let completing = deliveries
        .iter()
        .find(|d| kem_part(&d.1).3 == 3 && kem_part(&d.2).3 == 4)
        .unwrap();
    let wc = wire(completing.0);
    let (hkc, mkc) = keys(completing.0);
    let adc = ad_hash(&completing.1);
    let KemField::EkChunk { epoch, index, data } = decode_field(&wc, &hkc, &adc) else {
        panic!("not a key chunk")
    };
    let mut bad = data;
    // Bytes 3t + 1 and 3t + 2 of the encoded vector hold the high nibble
    // of byte 3t + 1 and the 8 high bits of coefficient 2t + 1: all ones
    // make it 4095.
    let skip = (1 + 3 * 50 - 50 * usize::from(index) % 3) % 3;
    assert!(50 * usize::from(index) + skip + 2 <= 1152);
    bad[skip..skip + 2].copy_from_slice(&[0xFF; 2]);
    let used = (1184 - 50 * usize::from(index)).min(50);
    reject(
        "the last key chunk makes a key that fails the modulus check",
        &completing.1,
        &reforge(&wc, &adc, &hkc, &mkc, &field(1, epoch, index, &bad[..used])),
        E::InvalidKey,
    );
    // A prekey message whose embedded message is relabelled version 1, to
    // Bob's session made from it.
    let w0 = wire(0);
    let s_bob0 = &deliveries
        .iter()
        .find(|d| messages[d.0]["from"] == "alice")
        .unwrap()
        .1;
    let mut relabelled = w0.clone();
    relabelled[1268] = 0x03;
    reject(
        "prekey message with an embedded version-1 kind, to its version-2 session",
        s_bob0,
        &relabelled,
        E::WrongObjectType,
    );
    // A version-1 session (Alice's, from the same bundle without the
    // capability) receives a message of kind 0x12.
    let v1 = Session::initiate(
        &alice,
        &bundle.clone().without_capabilities(),
        &SessionContext::new(ALICE_ID, BOB_ID),
        &mut rng,
    )
    .unwrap();
    let v1_random = rng.take(&[
        "base_key_private",
        "kem_encapsulation_randomness",
        "initiator_ratchet_private",
    ]);
    assert!(!v1.uses_pq_ratchet());
    let v1_state = state(&v1);
    assert_eq!(v1_state[0], 1);
    reject(
        "kind 0x12 to a version-1 session",
        &v1_state,
        &w25,
        E::WrongObjectType,
    );

    // --- Accepted, the KEM state unchanged: chunks of another epoch or
    // phase, a chunk already held.
    let mut ignored: Vec<Value> = vec![];
    let mut accept = |name: &str, state: &[u8], message: &[u8], plaintext: &[u8]| {
        let mut session = hazmat::session_from_state(state).unwrap();
        assert_eq!(session.decrypt(message).unwrap(), plaintext, "{name}");
        let after = self::state(&session);
        let (o1, o2) = (kem_part(state).0, kem_part(&after).0);
        assert_eq!(state[o1..], after[o2..], "{name}: KEM state changed");
        ignored.push(json!({
            "name": name,
            "state": hex(state),
            "message": hex(message),
            "plaintext": hex(plaintext),
            "state_after": hex(&after),
        }));
    };
    let p25 = unhex(&messages[bob_first]["plaintext"]);
    accept(
        "ciphertext chunk of another epoch",
        s25,
        &forged(field(2, 1, 0, &[7; 50])),
        &p25,
    );
    accept(
        "key chunk to the key's owner",
        s25,
        &forged(field(1, 0, 3, &[7; 50])),
        &p25,
    );
    // A key chunk of the wrong epoch and one already held, to Bob
    // collecting Alice's key (phase 3), on one of Alice's messages.
    let collecting = deliveries
        .iter()
        .find(|d| kem_part(&d.1).3 == 3 && kem_part(&d.2).3 == 3 && d.0 > 3)
        .unwrap();
    let wk = wire(collecting.0);
    let (hkk, mkk) = keys(collecting.0);
    let adk = ad_hash(&collecting.1);
    let pk = unhex(&messages[collecting.0]["plaintext"]);
    accept(
        "key chunk of another epoch",
        &collecting.1,
        &reforge(&wk, &adk, &hkk, &mkk, &field(1, 1, 5, &[7; 50])),
        &pk,
    );
    accept(
        "key chunk already held (other bytes)",
        &collecting.1,
        &reforge(&wk, &adk, &hkk, &mkk, &field(1, 0, 0, &[7; 50])),
        &pk,
    );
    // The second message of the mixing chain repeats the marker: on a chain
    // already open it is ignored.
    let second = mixing + 1;
    assert_eq!(messages[second]["field"]["type"], "mix marker");
    let s_second = &delivery(second).1;
    accept(
        "mix marker on a chain already open",
        s_second,
        &wire(second),
        &unhex(&messages[second]["plaintext"]),
    );

    // --- Sealed states of format 2 that must be rejected (§22.8).
    let mut states: Vec<Value> = vec![];
    let mut bad_state = |name: &str, state: Vec<u8>, expected: sotto::Error| {
        assert_eq!(
            hazmat::session_from_state(&state).map(|_| ()),
            Err(expected),
            "{name}"
        );
        states.push(json!({ "name": name, "state": hex(&state), "error": expected.name() }));
    };
    let find = |phase: u8, marker: bool| -> Vec<u8> {
        quiet
            .iter()
            .flat_map(|(_, a, b)| [a, b])
            .find(|s| {
                let k = kem_part(s);
                k.3 == phase && k.2.is_some() == marker
            })
            .unwrap()
            .clone()
    };
    let set = |mut s: Vec<u8>, at: usize, bytes: &[u8]| {
        s[at..at + bytes.len()].copy_from_slice(bytes);
        s
    };
    let p0 = find(0, false);
    let o = kem_part(&p0).0;
    bad_state("phase 6", set(p0.clone(), o + 5, &[6]), E::Malformed);
    bad_state("marker flag 2", set(p0.clone(), o + 4, &[2]), E::Malformed);
    bad_state(
        "one byte appended",
        [&p0[..], &[0]].concat(),
        E::TrailingBytes,
    );
    bad_state(
        "last byte removed",
        p0[..p0.len() - 1].to_vec(),
        E::Truncated,
    );
    bad_state("format 3", set(p0.clone(), 0, &[3]), E::UnsupportedVersion);
    bad_state(
        "format 1 with a KEM state",
        set(p0.clone(), 0, &[1]),
        E::TrailingBytes,
    );
    let p3 = find(3, false);
    let o = kem_part(&p3).0 + 6;
    let bits = u32::from_be_bytes(p3[o..o + 4].try_into().unwrap());
    bad_state(
        "received bit 24",
        set(p3.clone(), o, &(bits | 1 << 24).to_be_bytes()),
        E::Malformed,
    );
    bad_state(
        "received bit 31",
        set(p3.clone(), o, &(bits | 1 << 31).to_be_bytes()),
        E::Malformed,
    );
    bad_state(
        "every key chunk received",
        set(p3.clone(), o, &0x00FF_FFFFu32.to_be_bytes()),
        E::Malformed,
    );
    let missing = (0..24).find(|i| bits >> i & 1 == 0).unwrap();
    bad_state(
        "a non-zero byte in a missing key chunk",
        set(p3.clone(), o + 4 + 50 * missing + 49, &[1]),
        E::Malformed,
    );
    let p1 = find(1, false);
    let o = kem_part(&p1).0 + 6 + 64;
    bad_state(
        "peer_started flag 2",
        set(p1.clone(), o + 4, &[2]),
        E::Malformed,
    );
    bad_state(
        "every ciphertext chunk received",
        set(p1.clone(), o + 5, &0x003F_FFFFu32.to_be_bytes()),
        E::Malformed,
    );
    bad_state(
        "received ciphertext bit 22",
        set(p1.clone(), o + 5, &(1u32 << 22).to_be_bytes()),
        E::Malformed,
    );
    bad_state(
        "a non-zero byte in a missing ciphertext chunk",
        set(p1.clone(), o + 9 + 1087, &[1]),
        E::Malformed,
    );
    let p4 = find(4, false);
    let o = kem_part(&p4).0 + 6;
    bad_state(
        "a key that fails the modulus check",
        set(p4, o, &[0xFF; 3]),
        E::InvalidKey,
    );

    // --- Bundles (§22.2).
    let v2 = bundle.to_bytes();
    let v1 = bundle.clone().without_capabilities().to_bytes();
    let mut bundles = vec![];
    let mut check_bundle = |name: &str, bytes: Vec<u8>| {
        let result = PrekeyBundle::from_bytes(&bytes);
        let mut entry = json!({ "name": name, "bundle": hex(&bytes) });
        match result {
            Ok(b) => {
                entry["capabilities"] = json!(b.capabilities());
                entry["runs_version_2"] = json!(b.supports_pq_ratchet());
                entry["without_capabilities"] = json!(hex(&b.without_capabilities().to_bytes()));
            }
            Err(e) => entry["error"] = json!(e.name()),
        }
        bundles.push(entry);
    };
    check_bundle("capability 0x01", v2.clone());
    check_bundle("version-1 form", v1.clone());
    check_bundle("reserved bit 0x02 only", set(v2.clone(), 2, &[0x02]));
    check_bundle("every bit", set(v2.clone(), 2, &[0xFF]));
    check_bundle("capability byte 0", set(v2.clone(), 2, &[0x00]));
    check_bundle(
        "capability byte stripped",
        [&[1u8, 0x13][..], &v1[2..]].concat(),
    );
    check_bundle("kind 0x13 and no more", v2[..2].to_vec());
    check_bundle("kind 0x13 with the capability only", v2[..3].to_vec());
    check_bundle(
        "version-1 form with a capability byte",
        [&v1[..2], &[1u8][..], &v1[2..]].concat(),
    );
    check_bundle("kind 0x14", set(v2.clone(), 1, &[0x14]));
    check_bundle("one byte appended", [&v2[..], &[0]].concat());

    // Each state once, named, in `states`; entries name theirs.
    let mut names: Vec<String> = vec![];
    let mut table = serde_json::Map::new();
    let mut by_name = |state: &mut Value| {
        let hex_state = state.as_str().unwrap().to_string();
        let index = names
            .iter()
            .position(|s| *s == hex_state)
            .unwrap_or_else(|| {
                names.push(hex_state.clone());
                names.len() - 1
            });
        let name = format!("state {index}");
        table.insert(name.clone(), json!(hex_state));
        *state = json!(name);
    };
    for list in [&mut rejections, &mut ignored, &mut states] {
        for entry in list.iter_mut() {
            by_name(&mut entry["state"]);
            if entry.get("state_after").is_some() {
                by_name(&mut entry["state_after"]);
            }
        }
    }
    json!({
        "description": "Sotto ratchet version 2 (PROTOCOL.md §22.11): sealed sessions of format 2 in every KEM phase, which continue the conversation after unsealing, and inputs that must be rejected or leave the KEM state alone. States are the serialized sessions of §9.2 and §22.8.",
        "alice_id": hex(ALICE_ID),
        "bob_id": hex(BOB_ID),
        "sealed_sessions": sealed,
        "rejected_messages": rejections,
        "ignored_kem_fields": ignored,
        "rejected_states": states,
        "bundles": bundles,
        "states": table,
        "version_1_session": { "random": v1_random },
    })
}

#[test]
fn regenerated_rules_match_the_committed_file() {
    let generated = generate_rules();
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(RULES_PATH, text).unwrap();
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(RULES_PATH).unwrap()).unwrap();
    assert_eq!(generated, committed, "the protocol's output changed");
}

#[test]
fn rules_replay_through_the_public_api() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(RULES_PATH).unwrap()).unwrap();
    let named = |entry: &Value, key: &str| unhex(&v["states"][entry[key].as_str().unwrap()]);
    let list = |key: &str| v[key].as_array().unwrap().clone();

    // Sealed sessions: unseal, seal again with the recorded nonce, go on.
    let sealed = list("sealed_sessions");
    assert_eq!(sealed.len(), 7);
    let mut phases = std::collections::BTreeSet::new();
    for entry in &sealed {
        let key = StorageKey::from_bytes(unhex(&entry["storage_key"]).try_into().unwrap());
        let bytes = unhex(&entry["sealed"]);
        let mut restored = Session::unseal(&key, &bytes).unwrap();
        assert!(restored.uses_pq_ratchet());
        assert_eq!(state(&restored), unhex(&entry["serialized"]));
        assert_eq!(json!(restored.kem_epoch().unwrap()), entry["kem"]["epoch"]);
        phases.insert(entry["kem"]["phase"].as_u64().unwrap());
        let mut tape = Tape(VecDeque::new());
        tape.push(&entry["random"]);
        assert_eq!(restored.seal(&key, &mut tape).unwrap(), bytes);
        assert!(tape.0.is_empty());
        let mut peer = hazmat::session_from_state(&unhex(&entry["peer_serialized"])).unwrap();
        for step in entry["then"].as_array().unwrap() {
            let (from, to) = if step["from"] == "restored" {
                (&mut restored, &mut peer)
            } else {
                (&mut peer, &mut restored)
            };
            tape.push(&step["random"]);
            let message = from.encrypt(&unhex(&step["plaintext"]), &mut tape).unwrap();
            assert!(tape.0.is_empty());
            assert_eq!(hex(&message), step["message"].as_str().unwrap());
            assert_eq!(to.decrypt(&message).unwrap(), unhex(&step["plaintext"]));
        }
        assert_eq!(state(&restored), unhex(&entry["restored_after"]));
        assert_eq!(state(&peer), unhex(&entry["peer_after"]));
    }
    assert_eq!(phases.len(), 6, "every phase of §22.5");

    // Rejected messages: the typed error, and nothing changes.
    let rejected = list("rejected_messages");
    assert!(rejected.len() >= 20);
    for entry in &rejected {
        let before = named(entry, "state");
        let mut session = hazmat::session_from_state(&before).unwrap();
        let error = session
            .decrypt(&unhex(&entry["message"]))
            .expect_err(entry["name"].as_str().unwrap());
        assert_eq!(error.name(), entry["error"], "{}", entry["name"]);
        assert_eq!(state(&session), before, "{}: state changed", entry["name"]);
    }

    // Fields that decrypt and leave the KEM state alone.
    for entry in &list("ignored_kem_fields") {
        let before = named(entry, "state");
        let mut session = hazmat::session_from_state(&before).unwrap();
        let plaintext = session.decrypt(&unhex(&entry["message"])).unwrap();
        assert_eq!(plaintext, unhex(&entry["plaintext"]), "{}", entry["name"]);
        let after = state(&session);
        assert_eq!(after, named(entry, "state_after"), "{}", entry["name"]);
        assert_eq!(
            before[kem_part(&before).0..],
            after[kem_part(&after).0..],
            "{}",
            entry["name"]
        );
    }

    // Sealed states that must be rejected.
    for entry in &list("rejected_states") {
        let error = hazmat::session_from_state(&named(entry, "state"))
            .map(|_| ())
            .expect_err(entry["name"].as_str().unwrap());
        assert_eq!(error.name(), entry["error"], "{}", entry["name"]);
    }

    // Bundles.
    for entry in &list("bundles") {
        let result = PrekeyBundle::from_bytes(&unhex(&entry["bundle"]));
        match (&result, entry.get("error")) {
            (Ok(bundle), None) => {
                assert_eq!(json!(bundle.capabilities()), entry["capabilities"]);
                assert_eq!(json!(bundle.supports_pq_ratchet()), entry["runs_version_2"]);
                assert_eq!(
                    hex(&bundle.clone().without_capabilities().to_bytes()),
                    entry["without_capabilities"].as_str().unwrap()
                );
            }
            (Err(e), Some(name)) => assert_eq!(e.name(), name, "{}", entry["name"]),
            _ => panic!("{}: {result:?}", entry["name"]),
        }
    }
}
