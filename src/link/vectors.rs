//! The linking vector generator (`tests/vectors/sotto-v1-link.json`,
//! PROTOCOL.md §19.5). Rewrite the file deliberately with
//! `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib link::vectors`.

extern crate std;

use super::{LinkContact, LinkOffer, ScannedOffer};
use crate::Error;
use crate::account::Account;
use crate::person::UserIdentity;
use crate::vectors::recording::{Recorder, hex};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

const SEED: u64 = 0x5077_0019;
const NOW: u64 = 1_700_000_000;
const TTL: u64 = 300;

const ACCOUNT_DRAWS: [(&str, usize); 4] = [
    ("identity_signing_seed", 32),
    ("identity_agreement_private", 32),
    ("signed_prekey_private", 32),
    ("last_resort_kem_seed", 64),
];

pub(crate) fn generate() -> Value {
    let mut rng = Recorder {
        inner: ChaCha20Rng::seed_from_u64(SEED),
        draws: Vec::new(),
    };
    let phone = Account::new(&mut rng).unwrap();
    let phone_random = rng.take(&ACCOUNT_DRAWS);
    let mut bob = UserIdentity::new(&mut rng).unwrap();
    let user_random = rng.take(&[("user_seed", 32)]);
    let list = bob
        .sign_device_list(&[(1, phone.identity_key().clone())], &[], NOW - 1000)
        .unwrap();
    bob.commit_device_list(&list).unwrap();
    let carol = UserIdentity::new(&mut rng).unwrap();
    let carol_random = rng.take(&[("user_seed", 32)]);
    let dave = UserIdentity::new(&mut rng).unwrap();
    let dave_random = rng.take(&[("user_seed", 32)]);
    let contacts = [
        LinkContact {
            user_key: carol.public_key(),
            verified: true,
            name: String::from("Carol"),
        },
        LinkContact {
            user_key: dave.public_key(),
            verified: false,
            name: String::from("Dave ✈"),
        },
    ];

    let browser = Account::new(&mut rng).unwrap();
    let browser_random = rng.take(&ACCOUNT_DRAWS);
    let mut offer = LinkOffer::new(&browser, NOW, TTL, &mut rng).unwrap();
    let offer_random = rng.take(&[("x25519_private", 32), ("kem_seed", 64), ("secret", 16)]);
    let qr = offer.qr_payload();

    let scanned = ScannedOffer::from_qr(&qr, NOW + 10).unwrap();
    let response = scanned
        .respond(&bob, 2, &contacts, NOW + 10, &mut rng)
        .unwrap();
    let response_random = rng.take(&[("x25519_private", 32), ("kem_randomness", 32)]);
    let bytes = response.to_bytes();

    // A response to the same keys under another QR secret.
    let mut other_qr = qr.clone();
    let secret_at = 2 + 33 + 1185;
    other_qr[secret_at] ^= 0x01;
    let other = ScannedOffer::from_qr(&other_qr, NOW + 10).unwrap();
    let wrong_secret = other
        .respond(&bob, 2, &contacts, NOW + 10, &mut rng)
        .unwrap();
    let wrong_secret_random = rng.take(&[("x25519_private", 32), ("kem_randomness", 32)]);

    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let mut tampered_key = bytes.clone();
    tampered_key[5] ^= 0x01;
    let mut wrong_kind = bytes.clone();
    wrong_kind[1] = 0x0B;

    let linked = offer.complete(&bytes, NOW + 11).unwrap();
    assert_eq!(linked.code(), response.code());
    assert_eq!(
        offer.complete(&bytes, NOW + 11).unwrap_err(),
        Error::LinkFailed
    );

    json!({
        "description": "Sotto v1 linking a new device (PROTOCOL.md §19).",
        "generator": "SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib link::vectors",
        "now": NOW,
        "ttl": TTL,
        "phone": { "random": phone_random, "identity_record": hex(&phone.identity_key().to_bytes()) },
        "bob": { "random": user_random, "user_key": hex(&bob.public_key().to_bytes()), "list": hex(&list.to_bytes()) },
        "contacts": [
            { "random": carol_random, "user_key": hex(&carol.public_key().to_bytes()), "verified": true, "name": "Carol" },
            { "random": dave_random, "user_key": hex(&dave.public_key().to_bytes()), "verified": false, "name": "Dave ✈" },
        ],
        "browser": { "random": browser_random, "identity_record": hex(&browser.identity_key().to_bytes()) },
        "offer": { "random": offer_random, "qr_payload": hex(&qr), "expires_at": NOW + TTL },
        "response": {
            "now": NOW + 10,
            "device_id": 2,
            "random": response_random,
            "device_list": hex(&response.device_list().to_bytes()),
            "certificate": hex(&response.certificate().to_bytes()),
            "code": format!("{}", response.code()),
            "response": hex(&bytes),
        },
        "invalid_responses": [
            { "description": "tampered tag", "response": hex(&tampered), "now": NOW + 11, "error": "LINK_FAILED" },
            { "description": "tampered responder key", "response": hex(&tampered_key), "now": NOW + 11, "error": "LINK_FAILED" },
            { "description": "made with another QR secret", "response": hex(&wrong_secret.to_bytes()), "random": wrong_secret_random, "now": NOW + 11, "error": "LINK_FAILED" },
            { "description": "after expiry", "response": hex(&bytes), "now": NOW + TTL + 1, "error": "EXPIRED" },
            { "description": "wrong kind", "response": hex(&wrong_kind), "now": NOW + 11, "error": "WRONG_OBJECT_TYPE" },
            { "description": "truncated", "response": hex(&bytes[..1000]), "now": NOW + 11, "error": "TRUNCATED" },
        ],
        "invalid_offers": [
            { "description": "scanned after expiry", "qr_payload": hex(&qr), "now": NOW + TTL + 1, "error": "EXPIRED" },
            { "description": "trailing byte", "qr_payload": hex(&[qr.as_slice(), &[0]].concat()), "now": NOW, "error": "TRAILING_BYTES" },
            { "description": "truncated", "qr_payload": hex(&qr[..qr.len() - 1]), "now": NOW, "error": "TRUNCATED" },
            { "description": "ML-KEM key with the X25519 type byte", "qr_payload": hex(&{ let mut b = qr.clone(); b[35] = 0x01; b }), "now": NOW, "error": "INVALID_KEY" },
            { "description": "identity binding broken", "qr_payload": hex(&{ let mut b = qr.clone(); let l = b.len(); b[l - 1] ^= 1; b }), "now": NOW, "error": "BAD_SIGNATURE" },
        ],
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1-link.json")
}

#[test]
fn regenerated_link_vectors_match_the_committed_file() {
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path())
        .expect("tests/vectors/sotto-v1-link.json is missing; write it with SOTTO_WRITE_VECTORS=1");
    assert!(
        committed == generated,
        "link vectors changed; if deliberate, rewrite with SOTTO_WRITE_VECTORS=1"
    );
}
