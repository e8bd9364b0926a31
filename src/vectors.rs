//! The known-answer vector generator (`tests/vectors/sotto-v1.json`).
//!
//! Deterministic: every random input comes from a seeded ChaCha20 generator
//! wrapped in a recorder, and every draw is written to the file under the name
//! PROTOCOL.md gives it, next to the outputs it produced. An implementation
//! written from PROTOCOL.md can therefore recompute every output from the
//! file alone. `regenerated_vectors_match_the_committed_file` fails when the
//! protocol's output changes; rewrite the file deliberately with
//! `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib vectors`.

extern crate std;

pub(crate) mod recording;

use recording::{Recorder, hex};

use crate::account::Account;
use crate::bundle::PrekeyBundle;
use crate::fingerprint::{SafetyNumber, fingerprint};
use crate::handshake::{self, SessionContext, Transcript};
use crate::message::MESSAGE_PREFIX_LEN;
use crate::message::{MessageType, PrekeyMessage, message_type};
use crate::primitives::{Secret, kem, x25519};
use crate::ratchet::{ChainKey, MessageKey, ReceiveStep, RootKey};
use crate::sealed::StorageKey;
use crate::session::Session;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};
use serde_json::{Value, json};

const SEED: u64 = 0x5077_0001;
const ALICE_ID: &[u8] = b"alice@example.org/device-1";
const BOB_ID: &[u8] = b"bob@example.org/device-7";

fn account_json(account: &Account, random: Value) -> Value {
    json!({
        "random": random,
        "identity_key": hex(&account.identity_key().key_bytes()),
        "identity_record": hex(&account.identity_key().to_bytes()),
        "signed_prekey": hex(&account.signed_prekey().to_bytes()),
        "last_resort_kem_prekey": hex(&account.last_resort_prekey().to_bytes()),
    })
}

const ACCOUNT_DRAWS: [(&str, usize); 4] = [
    ("identity_signing_seed", 32),
    ("identity_agreement_private", 32),
    ("signed_prekey_private", 32),
    ("last_resort_kem_seed", 64),
];

/// Handshake intermediate values, recomputed from the recorded inputs.
fn handshake_json(
    alice: &Account,
    bob: &Account,
    bundle: &PrekeyBundle,
    random: &Value,
    first_message: &[u8],
) -> Value {
    let h = |name: &str| -> [u8; 32] {
        let s = random[name].as_str().unwrap();
        let v: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    };
    let base = x25519::PrivateKey::from_bytes(h("base_key_private"));
    let spk = bundle.signed_prekey().public_key();
    let dh1 = alice.identity_pair().agreement.diffie_hellman(spk).unwrap();
    let dh2 = base
        .diffie_hellman(bob.identity_key().agreement_key())
        .unwrap();
    let dh3 = base.diffie_hellman(spk).unwrap();
    let dh4 = bundle
        .one_time_prekey()
        .map(|k| base.diffie_hellman(k.public_key()).unwrap());
    let kem_key = bundle.kem_prekey().public_key().to_bytes();
    let (ciphertext, kem_secret) = bundle
        .kem_prekey()
        .public_key()
        .encapsulate_with(&Secret::from_bytes(h("kem_encapsulation_randomness")));
    let base_public = base.public_key();
    let transcript = Transcript {
        base_key: &base_public,
        signed_prekey: spk,
        one_time_prekey: bundle.one_time_prekey().map(|k| k.public_key()),
        kem_prekey: &kem_key,
        kem_ciphertext: &ciphertext,
    };
    let context = SessionContext::new(ALICE_ID, BOB_ID);
    let mut tape = Tape(vec![
        h("base_key_private").to_vec(),
        h("kem_encapsulation_randomness").to_vec(),
    ]);
    let (keys, output, ad_hash) =
        handshake::initiate(alice.identity_pair(), bundle, &context, &mut tape).unwrap();
    assert_eq!(output.kem_ciphertext, ciphertext);
    let prekey = PrekeyMessage::from_bytes(first_message).unwrap();
    assert_eq!(prekey.handshake, output);
    json!({
        "random": random,
        "bundle": hex(&bundle.to_bytes()),
        "dh1": hex(dh1.expose()),
        "dh2": hex(dh2.expose()),
        "dh3": hex(dh3.expose()),
        "dh4": dh4.map(|d| hex(d.expose())),
        "base_key_public": hex(&base_public),
        "kem_ciphertext": hex(&ciphertext),
        "kem_shared_secret": hex(kem_secret.expose()),
        "ad_hash": hex(&ad_hash),
        "transcript_hash": hex(&transcript.hash()),
        "root_key": hex(keys.root_key.expose()),
        "initiator_header_key": hex(keys.initiator_header_key.expose()),
        "responder_header_key": hex(keys.responder_header_key.expose()),
        "session_id": hex(prekey.session_id().as_bytes()),
        "first_message": hex(first_message),
    })
}

/// Replays fixed draws (used to recompute the handshake).
struct Tape(Vec<Vec<u8>>);

impl TryRng for Tape {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let next = self.0.remove(0);
        dst.copy_from_slice(&next);
        Ok(())
    }
}

impl TryCryptoRng for Tape {}

/// The conversation script: (sender is Alice, plaintext).
fn script() -> Vec<(bool, Vec<u8>)> {
    let text = |s: &str| s.as_bytes().to_vec();
    vec![
        (
            true,
            text("Hello Bob! This is the first message of our secret chat."),
        ),
        (true, text("And a second one, before you have replied.")),
        (false, text("Hi Alice. Got both, the second one first.")),
        (false, text("Let me check the safety number.")),
        (true, text("Good idea.")),
        (true, text("")),
        (true, text("That empty message was deliberate.")),
        (false, text("The numbers match.")),
        (false, text("We are alone.")),
        (true, text("Great.")),
        (false, text("Three in a row,")),
        (false, text("delivered")),
        (false, text("out of order.")),
        (true, text("Fourteen")),
        (true, text("Fifteen")),
        (false, text("Sixteen")),
        (true, vec![0x42; 200]),
        (true, text("Eighteen")),
        (true, text("Nineteen")),
        (true, text("Twenty")),
        (false, text("Twenty-one")),
        (false, text("Twenty-two")),
        (true, text("Twenty-three")),
        (false, vec![0x17; 1000]),
    ]
}

/// Delivery steps: (message index, or the point where Bob's state is sealed).
enum Step {
    Send(usize),
    Deliver(usize),
    SealBob,
}

fn steps() -> Vec<Step> {
    use Step::*;
    vec![
        Send(0),
        Send(1),
        Deliver(1),
        Deliver(0),
        Send(2),
        Send(3),
        Deliver(3),
        Deliver(2),
        Send(4),
        Send(5),
        Send(6),
        Deliver(4),
        Deliver(6),
        Deliver(5),
        Send(7),
        Send(8),
        Deliver(7),
        Deliver(8),
        Send(9),
        Deliver(9),
        Send(10),
        Send(11),
        Send(12),
        Deliver(12),
        Deliver(10),
        Deliver(11),
        Send(13),
        Send(14),
        Deliver(14),
        Deliver(13),
        Send(15),
        Deliver(15),
        Send(16),
        Send(17),
        Send(18),
        Send(19),
        Deliver(16),
        SealBob,
        Deliver(17),
        Deliver(19),
        Deliver(18),
        Send(20),
        Send(21),
        Deliver(21),
        Deliver(20),
        Send(22),
        Deliver(22),
        Send(23),
        Deliver(23),
    ]
}

/// The keys one step produced, as the vectors record them.
fn keys_json(
    root_key: Option<&RootKey>,
    chain_key: Option<&ChainKey>,
    message_key: &MessageKey,
) -> Value {
    json!({
        "root_key": root_key.map(|k| hex(k.expose())),
        "chain_key": chain_key.map(|k| hex(k.expose())),
        "message_key": hex(message_key.expose()),
    })
}

/// A receiver's record: the root key only when the message ran a DH step.
fn receive_json(step: &ReceiveStep) -> Value {
    keys_json(step.new_root_key(), step.chain_key(), step.message_key())
}

/// The inner normal message of a (prekey or normal) message.
fn inner(bytes: &[u8]) -> Vec<u8> {
    match message_type(bytes).unwrap() {
        MessageType::Normal => bytes.to_vec(),
        MessageType::Prekey => PrekeyMessage::from_bytes(bytes).unwrap().message,
    }
}

pub(crate) fn generate() -> Value {
    let mut rng = Recorder {
        inner: ChaCha20Rng::seed_from_u64(SEED),
        draws: Vec::new(),
    };
    let alice = Account::new(&mut rng).unwrap();
    let alice_random = rng.take(&ACCOUNT_DRAWS);
    let mut bob = Account::new(&mut rng).unwrap();
    let bob_random = rng.take(&ACCOUNT_DRAWS);
    bob.generate_one_time_prekeys(1, &mut rng).unwrap();
    let one_time_random = rng.take(&[("one_time_prekey_private", 32), ("one_time_kem_seed", 64)]);
    let bundle_with = bob.prekey_bundle().unwrap();
    bob.mark_bundle_published(&bundle_with);
    let bundle_without = bob.prekey_bundle().unwrap();
    assert!(bundle_with.one_time_prekey().is_some() && bundle_without.one_time_prekey().is_none());

    let alice_context = SessionContext::new(ALICE_ID, BOB_ID);
    let bob_context = SessionContext::new(BOB_ID, ALICE_ID);
    let handshake_draws = [
        ("base_key_private", 32),
        ("kem_encapsulation_randomness", 32),
        ("initiator_ratchet_private", 32),
    ];

    // Handshake without a one-time prekey: one message, accepted.
    let mut carol_session =
        Session::initiate(&alice, &bundle_without, &alice_context, &mut rng).unwrap();
    let hs2_random = rng.take(&handshake_draws);
    let hs2_message = carol_session
        .encrypt(b"Hello via the last-resort prekey.", &mut rng)
        .unwrap();
    let hs2_nonce = rng.take(&[("nonce", 24)]);
    let (_, hs2_plaintext) = Session::accept(&mut fork(&bob), &hs2_message, &bob_context).unwrap();
    let mut handshake_without =
        handshake_json(&alice, &bob, &bundle_without, &hs2_random, &hs2_message);
    handshake_without["first_message_random"] = hs2_nonce;
    handshake_without["first_message_plaintext"] = json!(hex(&hs2_plaintext));

    // Handshake with a one-time prekey: the conversation.
    let mut alice_session =
        Session::initiate(&alice, &bundle_with, &alice_context, &mut rng).unwrap();
    let hs1_random = rng.take(&handshake_draws);
    let script = script();
    let mut sent: Vec<Option<Vec<u8>>> = vec![None; script.len()];
    let mut records: Vec<Value> = vec![Value::Null; script.len()];
    // Bob routes what he receives through a session record (§17).
    let mut bob_record = crate::SessionRecord::new();
    let mut delivery_order = Vec::new();
    let mut sealed_json = Value::Null;
    let mut then_decrypt = Vec::new();
    let mut sealed_at: Option<usize> = None;
    let mut bob_for_accept = fork(&bob);
    let mut schedule = Vec::new();

    for step in steps() {
        schedule.push(match step {
            Step::Send(i) => json!({ "action": "send", "message": i }),
            Step::Deliver(i) => json!({ "action": "deliver", "message": i }),
            Step::SealBob => json!({ "action": "seal_bob" }),
        });
        match step {
            Step::Send(i) => {
                let (from_alice, plaintext) = &script[i];
                let session = if *from_alice {
                    &mut alice_session
                } else {
                    bob_record.current_mut().unwrap()
                };
                let padded = crate::padding::pad(plaintext, session.padding());
                let (bytes, step) = session.plan_encrypt(plaintext, &mut rng).unwrap();
                let header = *step.header();
                let (chain_key, message_key) =
                    (step.chain_key().clone(), step.message_key().clone());
                session.commit_encrypt(step);
                let sender = keys_json(Some(session.root_key()), Some(&chain_key), &message_key);
                let draws = if rng.draws.len() == 2 {
                    rng.take(&[("ratchet_private", 32), ("nonce", 24)])
                } else {
                    rng.take(&[("nonce", 24)])
                };
                let message = inner(&bytes);
                records[i] = json!({
                    "index": i,
                    "from": if *from_alice { "alice" } else { "bob" },
                    "plaintext": hex(plaintext),
                    "padded_plaintext": hex(&padded),
                    "random": draws,
                    "header": {
                        "ratchet_key": hex(&header.ratchet_key),
                        "previous_chain_length": header.previous_chain_length,
                        "index": header.index,
                        "bytes": hex(&header.to_bytes()),
                    },
                    "header_ciphertext": hex(&message[26..MESSAGE_PREFIX_LEN]),
                    "body_ciphertext": hex(&message[MESSAGE_PREFIX_LEN..]),
                    "message_type": if bytes == message { "normal" } else { "prekey" },
                    "message": hex(&bytes),
                    "sender": sender,
                });
                sent[i] = Some(bytes);
            }
            Step::Deliver(i) => {
                let bytes = sent[i].clone().unwrap();
                let (receiver, plaintext) = if script[i].0 {
                    let plan = bob_record
                        .plan_decrypt(&bob_for_accept, &bytes, &bob_context)
                        .unwrap();
                    let receiver = receive_json(plan.step());
                    let plaintext = bob_record
                        .commit_decrypt(&mut bob_for_accept, plan)
                        .unwrap();
                    (receiver, plaintext)
                } else {
                    let step = alice_session.plan_decrypt(&bytes).unwrap();
                    (receive_json(&step), alice_session.commit_decrypt(step))
                };
                assert_eq!(plaintext, script[i].1);
                assert_eq!(receiver["message_key"], records[i]["sender"]["message_key"]);
                records[i]["receiver"] = receiver;
                delivery_order.push(i);
                if sealed_at.is_some() && script[i].0 {
                    then_decrypt
                        .push(json!({ "message": hex(&bytes), "plaintext": hex(&plaintext) }));
                }
            }
            Step::SealBob => {
                let session = bob_record.current().unwrap();
                let storage_key =
                    StorageKey::from_bytes(crate::primitives::random_array(&mut rng).unwrap());
                let key_random = rng.take(&[("storage_key", 32)]);
                let sealed = session.seal(&storage_key, &mut rng).unwrap();
                let nonce = rng.take(&[("nonce", 24)]);
                sealed_at = Some(delivery_order.len());
                sealed_json = json!({
                    "storage_key": key_random["storage_key"],
                    "random": nonce,
                    "serialized": hex(&session.serialize().unwrap()),
                    "sealed": hex(&sealed),
                    "after_delivery_step": delivery_order.len(),
                });
            }
        }
    }
    // Only messages Bob received after sealing (and before he sent again).
    let then_decrypt: Vec<Value> = then_decrypt.into_iter().take(3).collect();
    sealed_json["then_decrypt"] = json!(then_decrypt);
    assert_eq!(then_decrypt.len(), 3);

    assert_eq!(bob_record.len(), 1);
    let bob_session = bob_record.current().unwrap();
    let safety = SafetyNumber::new(alice.identity_key(), bob.identity_key());
    let bob_view = bob_session.safety_number();
    assert_eq!(safety.digits(), bob_view.digits());
    let emoji = safety.emoji();

    json!({
        "protocol": "Sotto v1",
        "description": "Known-answer vectors for Sotto v1 (docs/PROTOCOL.md). All byte strings are lowercase hex. Every random input is listed under 'random' in the order it was drawn, next to what it produced.",
        "generator": "SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib vectors",
        "context": { "alice_id": hex(ALICE_ID), "bob_id": hex(BOB_ID) },
        "alice": account_json(&alice, alice_random),
        "bob": {
            "account": account_json(&bob, bob_random),
            "one_time_prekeys": {
                "random": one_time_random,
                "one_time_prekey": hex(&bundle_with.one_time_prekey().unwrap().to_bytes()),
                "one_time_kem_prekey": hex(&bundle_with.kem_prekey().to_bytes()),
            },
            "bundle_with_one_time_prekey": hex(&bundle_with.to_bytes()),
            "bundle_without_one_time_prekey": hex(&bundle_without.to_bytes()),
        },
        "handshake_with_one_time_prekey": handshake_json(
            &alice, &bob, &bundle_with, &hs1_random, sent[0].as_ref().unwrap()),
        "handshake_without_one_time_prekey": handshake_without,
        "conversation": {
            "messages": records,
            "schedule": schedule,
            "delivery_order": delivery_order,
        },
        "safety_number": {
            "alice_identity": hex(&alice.identity_key().to_bytes()),
            "bob_identity": hex(&bob.identity_key().to_bytes()),
            "alice_fingerprint": hex(&fingerprint(alice.identity_key())),
            "bob_fingerprint": hex(&fingerprint(bob.identity_key())),
            "digits": safety.digits(),
            "display": safety.display(),
            "emoji_indexes": safety.emoji_indexes().to_vec(),
            "emoji": emoji.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
            "emoji_names": emoji.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            "qr_payload_alice": hex(&safety.qr_payload()),
            "qr_payload_bob": hex(&bob_view.qr_payload()),
        },
        "sealed_session": sealed_json,
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1.json")
}

#[test]
fn regenerated_vectors_match_the_committed_file() {
    let text = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(path(), &text).unwrap();
    }
    let committed =
        std::fs::read_to_string(path()).expect("tests/vectors/sotto-v1.json is missing");
    assert!(
        committed == text,
        "the protocol's output changed; see src/vectors.rs to regenerate deliberately"
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate(), generate());
}

#[test]
fn sealed_state_in_the_vectors_round_trips() {
    let vectors = generate();
    let key: [u8; 32] = (0..32)
        .map(|i| {
            u8::from_str_radix(
                &vectors["sealed_session"]["storage_key"].as_str().unwrap()[2 * i..2 * i + 2],
                16,
            )
            .unwrap()
        })
        .collect::<Vec<u8>>()
        .try_into()
        .unwrap();
    let sealed: Vec<u8> = {
        let s = vectors["sealed_session"]["sealed"].as_str().unwrap();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    };
    let session = Session::unseal(&StorageKey::from_bytes(key), &sealed).unwrap();
    assert_eq!(
        hex(&session.serialize().unwrap()),
        vectors["sealed_session"]["serialized"].as_str().unwrap()
    );
    let _ = kem::CIPHERTEXT_LEN;
}

/// A second copy of an account (accounts are not `Clone`).
fn fork(account: &Account) -> Account {
    Account::deserialize(&account.serialize().unwrap()).unwrap()
}
