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
use sotto::{Account, PrekeyBundle, Session, SessionContext};
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

fn generate() -> Value {
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
            let mut names = vec![];
            if dh_step {
                names.push("ratchet_private");
            }
            match rng.draws.len() - names.len() {
                1 => {}
                2 => names.push(if rng.draws[names.len()].len() == 64 {
                    "kem_seed"
                } else {
                    "kem_encapsulation_randomness"
                }),
                n => panic!("{n} draws"),
            }
            names.push("nonce");
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
                            session.decrypt(message).unwrap()
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
        }
    }
    let b = b.unwrap();
    json!({
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
    })
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
