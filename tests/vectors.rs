//! Replays the committed known-answer vectors (`tests/vectors/sotto-v1.json`)
//! through the public API only.
//!
//! The vectors list every random input under the name PROTOCOL.md gives it, in
//! the order it was drawn. Feeding exactly those bytes back (through a tape
//! generator that also checks each draw's length) must reproduce every
//! published byte: bundles, prekey messages, messages, safety numbers and
//! the sealed session. Then the receiving side must decrypt everything.

mod common;
use common::Fork;
use rand_core::{TryCryptoRng, TryRng};
use serde_json::Value;
use sotto::{
    Account, IdentityKey, PrekeyBundle, SafetyNumber, Session, SessionContext, StorageKey,
};

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/sotto-v1.json");
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

/// A generator that hands out recorded draws, in order, checking lengths.
struct Tape(std::collections::VecDeque<Vec<u8>>);

impl Tape {
    fn push(&mut self, random: &Value, names: &[&str]) {
        for name in names {
            self.0.push_back(bytes(&random[*name]));
        }
    }
}

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
            "draw of a different length than documented"
        );
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
const HANDSHAKE: [&str; 3] = [
    "base_key_private",
    "kem_encapsulation_randomness",
    "initiator_ratchet_private",
];

#[test]
fn vectors_replay_through_the_public_api() {
    let v = load();
    let mut tape = Tape(Default::default());
    let alice_id = bytes(&v["context"]["alice_id"]);
    let bob_id = bytes(&v["context"]["bob_id"]);
    let alice_context = SessionContext::new(&alice_id, &bob_id);
    let bob_context = SessionContext::new(&bob_id, &alice_id);

    // Accounts and bundles.
    tape.push(&v["alice"]["random"], &ACCOUNT);
    let alice = Account::new(&mut tape).unwrap();
    assert_eq!(
        alice.identity_key().to_bytes(),
        bytes(&v["alice"]["identity_record"])
    );
    tape.push(&v["bob"]["account"]["random"], &ACCOUNT);
    let mut bob = Account::new(&mut tape).unwrap();
    assert_eq!(
        bob.identity_key().to_bytes(),
        bytes(&v["bob"]["account"]["identity_record"])
    );
    assert_eq!(
        bob.signed_prekey().to_bytes(),
        bytes(&v["bob"]["account"]["signed_prekey"])
    );
    tape.push(
        &v["bob"]["one_time_prekeys"]["random"],
        &["one_time_prekey_private", "one_time_kem_seed"],
    );
    bob.generate_one_time_prekeys(1, &mut tape).unwrap();
    let bundle_with = bob.prekey_bundle().unwrap();
    bob.mark_bundle_published(&bundle_with);
    let bundle_without = bob.prekey_bundle().unwrap();
    assert_eq!(
        bundle_with.to_bytes(),
        bytes(&v["bob"]["bundle_with_one_time_prekey"])
    );
    assert_eq!(
        bundle_without.to_bytes(),
        bytes(&v["bob"]["bundle_without_one_time_prekey"])
    );
    assert_eq!(
        PrekeyBundle::from_bytes(&bundle_with.to_bytes()).unwrap(),
        bundle_with
    );

    // Handshake without a one-time prekey.
    let hs = &v["handshake_without_one_time_prekey"];
    tape.push(&hs["random"], &HANDSHAKE);
    let mut session =
        Session::initiate(&alice, &bundle_without, &alice_context, &mut tape).unwrap();
    tape.push(&hs["first_message_random"], &["nonce"]);
    let first = session
        .encrypt(&bytes(&hs["first_message_plaintext"]), &mut tape)
        .unwrap();
    assert_eq!(first, bytes(&hs["first_message"]));
    assert_eq!(session.id().as_bytes().to_vec(), bytes(&hs["session_id"]));
    let (_, plaintext) = Session::accept(&mut bob.fork(), &first, &bob_context).unwrap();
    assert_eq!(plaintext, bytes(&hs["first_message_plaintext"]));

    // Handshake with a one-time prekey, then the conversation.
    let hs = &v["handshake_with_one_time_prekey"];
    tape.push(&hs["random"], &HANDSHAKE);
    let mut alice_session =
        Session::initiate(&alice, &bundle_with, &alice_context, &mut tape).unwrap();
    assert_eq!(
        alice_session.id().as_bytes().to_vec(),
        bytes(&hs["session_id"])
    );
    let messages = v["conversation"]["messages"].as_array().unwrap();
    let mut bob_session: Option<Session> = None;
    let mut sealed_checked = false;
    for step in v["conversation"]["schedule"].as_array().unwrap() {
        match step["action"].as_str().unwrap() {
            "send" => {
                let m = &messages[step["message"].as_u64().unwrap() as usize];
                let from_alice = m["from"] == "alice";
                let random = &m["random"];
                if random.get("ratchet_private").is_some() {
                    tape.push(random, &["ratchet_private"]);
                }
                tape.push(random, &["nonce"]);
                let session = if from_alice {
                    &mut alice_session
                } else {
                    bob_session.as_mut().unwrap()
                };
                let sent = session.encrypt(&bytes(&m["plaintext"]), &mut tape).unwrap();
                assert_eq!(sent, bytes(&m["message"]), "message {}", m["index"]);
            }
            "deliver" => {
                let m = &messages[step["message"].as_u64().unwrap() as usize];
                let received = bytes(&m["message"]);
                let plaintext = if m["from"] == "alice" {
                    match bob_session.as_mut() {
                        Some(s) => s.decrypt(&received).unwrap(),
                        None => {
                            let (s, p) =
                                Session::accept(&mut bob, &received, &bob_context).unwrap();
                            bob_session = Some(s);
                            p
                        }
                    }
                } else {
                    alice_session.decrypt(&received).unwrap()
                };
                assert_eq!(plaintext, bytes(&m["plaintext"]), "message {}", m["index"]);
            }
            "seal_bob" => {
                let sealed = &v["sealed_session"];
                tape.push(sealed, &["storage_key"]);
                let mut key = [0u8; 32];
                tape.try_fill_bytes(&mut key).unwrap();
                let key = StorageKey::from_bytes(key);
                tape.push(&sealed["random"], &["nonce"]);
                let bytes_out = bob_session.as_ref().unwrap().seal(&key, &mut tape).unwrap();
                assert_eq!(bytes_out, bytes(&sealed["sealed"]));
                sealed_checked = true;
            }
            other => panic!("unknown action {other}"),
        }
    }
    assert!(sealed_checked);
    assert!(
        tape.0.is_empty(),
        "the vectors list draws the API did not make"
    );

    // Safety numbers from the identity records alone.
    let sn = &v["safety_number"];
    let alice_identity = IdentityKey::from_bytes(&bytes(&sn["alice_identity"])).unwrap();
    let bob_identity = IdentityKey::from_bytes(&bytes(&sn["bob_identity"])).unwrap();
    let from_alice = SafetyNumber::new(&alice_identity, &bob_identity);
    let from_bob = SafetyNumber::new(&bob_identity, &alice_identity);
    assert_eq!(from_alice.digits(), sn["digits"].as_str().unwrap());
    assert_eq!(from_bob.digits(), sn["digits"].as_str().unwrap());
    assert_eq!(from_alice.display(), sn["display"].as_str().unwrap());
    let emoji: Vec<&str> = from_bob.emoji().iter().map(|(e, _)| *e).collect();
    assert_eq!(
        emoji,
        sn["emoji"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(from_alice.qr_payload(), bytes(&sn["qr_payload_alice"]));
    assert_eq!(from_bob.qr_payload(), bytes(&sn["qr_payload_bob"]));
    assert!(
        from_bob
            .matches_qr(&bytes(&sn["qr_payload_alice"]))
            .unwrap()
    );
    assert_eq!(
        alice_session.safety_number().digits(),
        sn["digits"].as_str().unwrap()
    );
}

#[test]
fn sealed_session_in_the_vectors_decrypts_what_followed() {
    let v = load();
    let sealed = &v["sealed_session"];
    let key = StorageKey::from_bytes(bytes(&sealed["storage_key"]).try_into().unwrap());
    let mut session = Session::unseal(&key, &bytes(&sealed["sealed"])).unwrap();
    let list = sealed["then_decrypt"].as_array().unwrap();
    assert!(list.len() >= 3);
    for item in list {
        assert_eq!(
            session.decrypt(&bytes(&item["message"])).unwrap(),
            bytes(&item["plaintext"])
        );
    }
    assert_eq!(
        Session::unseal(&StorageKey::from_bytes([0; 32]), &bytes(&sealed["sealed"])).err(),
        Some(sotto::Error::UnsealFailed)
    );
}

#[test]
fn vectors_cover_what_the_specification_promises() {
    let v = load();
    let messages = v["conversation"]["messages"].as_array().unwrap();
    assert!(messages.len() >= 20);
    let from = |who: &str| messages.iter().filter(|m| m["from"] == who).count();
    assert!(from("alice") >= 5 && from("bob") >= 5);
    // DH ratchet steps: messages that drew a new ratchet key, from both sides.
    let steps = messages
        .iter()
        .filter(|m| m["random"].get("ratchet_private").is_some())
        .count();
    assert!(steps >= 6, "{steps} ratchet steps");
    // Out-of-order delivery.
    let order: Vec<u64> = v["conversation"]["delivery_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    assert!(order.windows(2).any(|w| w[0] > w[1]));
    for m in messages {
        for key in [
            "plaintext",
            "padded_plaintext",
            "header_ciphertext",
            "body_ciphertext",
            "message",
        ] {
            assert!(
                m[key].is_string(),
                "{key} missing in message {}",
                m["index"]
            );
        }
        for key in ["root_key", "chain_key", "message_key"] {
            assert!(
                m["sender"][key].is_string(),
                "sender {key} missing in message {}",
                m["index"]
            );
        }
    }
    assert!(v["handshake_with_one_time_prekey"]["dh4"].is_string());
    assert!(v["handshake_without_one_time_prekey"]["dh4"].is_null());
}
