//! The device-list vector generator (`tests/vectors/sotto-v1-devices.json`,
//! PROTOCOL.md §18.7).
//!
//! Deterministic: every random input comes from a seeded ChaCha20 generator
//! wrapped in a recorder and is written to the file next to what it
//! produced. Rewrite the file deliberately with
//! `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib person::vectors`.

extern crate std;

use super::{DEVICE_LIST_LABEL, DeviceList, UserIdentity};
use crate::account::Account;
use crate::fingerprint::SafetyNumber;
use crate::keys::IdentityKey;
use crate::sealed::StorageKey;
use crate::vectors::recording::{Recorder, hex, unhex};
use crate::wire::Writer;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

const SEED: u64 = 0x5077_0018;

const ACCOUNT_DRAWS: [(&str, usize); 4] = [
    ("identity_signing_seed", 32),
    ("identity_agreement_private", 32),
    ("signed_prekey_private", 32),
    ("last_resort_kem_seed", 64),
];

fn device(rng: &mut Recorder, device_id: u32) -> (Value, IdentityKey) {
    let account = Account::new(rng).unwrap();
    let random = rng.take(&ACCOUNT_DRAWS);
    let identity = account.identity_key().clone();
    (
        json!({
            "device_id": device_id,
            "random": random,
            "identity_record": hex(&identity.to_bytes()),
        }),
        identity,
    )
}

fn user(rng: &mut Recorder) -> (UserIdentity, Value) {
    let user = UserIdentity::new(rng).unwrap();
    let random = rng.take(&[("user_seed", 32)]);
    (user, random)
}

/// A list encoded by hand (any entries, any order) and signed by `user`.
fn signed_raw(user: &UserIdentity, version: u64, entries: &[(u32, &IdentityKey, u64)]) -> Vec<u8> {
    let mut out = vec![1u8, 0x09];
    out.put(&user.public_key().to_bytes());
    out.put_u64(version);
    out.put_u8(u8::try_from(entries.len()).unwrap());
    for (id, identity, at) in entries {
        out.put_u32(*id);
        out.put(&identity.to_bytes());
        out.put_u64(*at);
    }
    let signature = user.sign(DEVICE_LIST_LABEL, &out);
    out.put(&signature);
    out
}

fn ids(entries: &[super::DeviceEntry]) -> Vec<u32> {
    entries.iter().map(|e| e.device_id).collect()
}

pub(crate) fn generate() -> Value {
    let mut rng = Recorder {
        inner: ChaCha20Rng::seed_from_u64(SEED),
        draws: Vec::new(),
    };
    let (mut bob, bob_random) = user(&mut rng);
    let mut devices = Vec::new();
    let mut identities = Vec::new();
    for id in 1..=5u32 {
        let (json, identity) = device(&mut rng, id);
        devices.push(json);
        identities.push(identity);
    }
    let identity = |id: u32| identities[id as usize - 1].clone();

    // Bob's list through three changes.
    let steps: [(&[u32], &[u32], u64); 3] = [
        (&[1], &[], 1_700_000_000),
        (&[3, 2], &[], 1_700_000_100),
        (&[4], &[1], 1_700_000_200),
    ];
    let mut lists = Vec::new();
    let mut list_values: Vec<DeviceList> = Vec::new();
    for (add, remove, now) in steps {
        let adds: Vec<(u32, IdentityKey)> = add.iter().map(|id| (*id, identity(*id))).collect();
        let list = bob.sign_device_list(&adds, remove, now).unwrap();
        bob.commit_device_list(&list).unwrap();
        let change = match list_values.last() {
            Some(previous) => previous.change_to(&list),
            None => super::DeviceListChange {
                added: list.entries().to_vec(),
                removed: Vec::new(),
            },
        };
        lists.push(json!({
            "add": add,
            "remove": remove,
            "now": now,
            "version": list.version(),
            "device_ids": ids(list.entries()),
            "added": ids(&change.added),
            "removed": ids(&change.removed),
            "list": hex(&list.to_bytes()),
        }));
        list_values.push(list);
    }
    let v1 = list_values[0].to_bytes();
    let v3 = list_values[2].to_bytes();

    let certificate = bob.certify_device(2).unwrap();
    let certificate_json = json!({
        "device_id": 2,
        "list_version": 3,
        "certificate": hex(&certificate.to_bytes()),
    });

    // Sealed user identity (with the committed version 3 list).
    let storage_key = StorageKey::generate(&mut rng).unwrap();
    let sealed = bob.seal(&storage_key, &mut rng).unwrap();
    let sealed_random = rng.take(&[("storage_key", 32), ("nonce", 24)]);
    let sealed_json = json!({
        "random": sealed_random,
        "state": hex(&bob.state().unwrap()),
        "sealed": hex(&sealed),
    });

    // Alice, another person, for the user safety number and wrong-user cases.
    let (mut alice, alice_random) = user(&mut rng);
    let alice_list = alice
        .sign_device_list(&[(1, identity(5))], &[], 1_700_000_300)
        .unwrap();
    alice.commit_device_list(&alice_list).unwrap();
    let alice_certificate = alice.certify_device(1).unwrap();
    let on_alice = SafetyNumber::for_users(&alice.public_key(), &bob.public_key());
    let safety = json!({
        "alice_user_key": hex(&alice.public_key().to_bytes()),
        "bob_user_key": hex(&bob.public_key().to_bytes()),
        "alice_fingerprint": hex(&crate::fingerprint::user_fingerprint(&alice.public_key())),
        "bob_fingerprint": hex(&crate::fingerprint::user_fingerprint(&bob.public_key())),
        "digits": on_alice.digits(),
        "emoji_indexes": on_alice.emoji_indexes().to_vec(),
    });

    // Lists that Bob's contacts must reject, with the error.
    let mut invalid = Vec::new();
    let mut add_invalid = |description: &str, bytes: Vec<u8>, error: &str| {
        invalid.push(json!({ "description": description, "list": hex(&bytes), "error": error }));
    };
    {
        // Ghost device: the server inserts device 5 and count + 1, keeping the signature.
        let mut ghost = Vec::new();
        let (head, rest) = v3.split_at(2 + 33 + 8);
        ghost.extend_from_slice(head);
        ghost.push(rest[0] + 1);
        let (entries, signature) = rest[1..].split_at(rest.len() - 1 - 64);
        ghost.extend_from_slice(entries);
        let mut entry = Vec::new();
        entry.put_u32(5);
        entry.put(&identity(5).to_bytes());
        entry.put_u64(1_700_000_250);
        ghost.extend_from_slice(&entry);
        ghost.extend_from_slice(signature);
        assert_eq!(
            DeviceList::from_bytes(&ghost, &bob.public_key()),
            Err(crate::Error::BadSignature)
        );
        add_invalid("ghost device added by the server", ghost, "BAD_SIGNATURE");
    }
    let mut bad = v3.clone();
    *bad.last_mut().unwrap() ^= 0x01;
    add_invalid("tampered signature", bad, "BAD_SIGNATURE");
    let mut bad = v3.clone();
    bad[2 + 33 + 7] ^= 0x01; // version 3 -> 2 without re-signing
    add_invalid("version changed without re-signing", bad, "BAD_SIGNATURE");
    let mut bad = v3.clone();
    bad.push(0);
    add_invalid("trailing byte", bad, "TRAILING_BYTES");
    add_invalid("truncated", v3[..v3.len() - 1].to_vec(), "TRUNCATED");
    let mut bad = v3.clone();
    bad[2 + 33 + 8] = 17;
    add_invalid("17 entries (above MAX_DEVICES)", bad, "TOO_LARGE");
    let (i2, i3) = (identity(2), identity(3));
    add_invalid(
        "entries out of order (signed)",
        signed_raw(&bob, 4, &[(3, &i3, 1), (2, &i2, 1)]),
        "MALFORMED",
    );
    add_invalid(
        "device id listed twice (signed)",
        signed_raw(&bob, 4, &[(2, &i2, 1), (2, &i3, 1)]),
        "MALFORMED",
    );
    add_invalid(
        "one identity under two device ids (signed)",
        signed_raw(&bob, 4, &[(2, &i2, 1), (3, &i2, 1)]),
        "MALFORMED",
    );
    add_invalid(
        "version 0 (signed)",
        signed_raw(&bob, 0, &[(2, &i2, 1)]),
        "MALFORMED",
    );
    add_invalid(
        "another user's list",
        alice_list.to_bytes(),
        "IDENTITY_MISMATCH",
    );
    let mut bad = v3.clone();
    bad[1] = 0x0A;
    add_invalid("wrong kind", bad, "WRONG_OBJECT_TYPE");
    let mut bad = v3.clone();
    bad[0] = 2;
    add_invalid("version byte 2", bad, "UNSUPPORTED_VERSION");
    let mut bad = v3.clone();
    bad[2] = 0x01;
    add_invalid("user key with the X25519 type byte", bad, "INVALID_KEY");
    let mut bad = v3.clone();
    let record_at = 2 + 33 + 8 + 1 + 4;
    bad[record_at + 66] ^= 0x01; // the first entry's binding signature
    add_invalid("device identity binding broken", bad, "BAD_SIGNATURE");

    // Updates from Bob's version 3 list.
    let fork = bob
        .sign_device_list(&[(5, identity(5))], &[], 1_700_000_400)
        .unwrap()
        .to_bytes();
    let mut equivocation = signed_raw(&bob, 3, &[(2, &i2, 1_700_000_100), (3, &i3, 1_700_000_100)]);
    assert_ne!(equivocation, v3);
    let updates = json!([
        { "description": "rollback to version 1", "held": hex(&v3), "new": hex(&v1), "error": "ROLLBACK" },
        { "description": "another list under version 3", "held": hex(&v3), "new": hex(&equivocation), "error": "ROLLBACK" },
        { "description": "the same list again", "held": hex(&v3), "new": hex(&v3), "added": [], "removed": [] },
        { "description": "version 4 adds device 5", "held": hex(&v3), "new": hex(&fork), "added": [5], "removed": [] },
        { "description": "version 1 to 3", "held": hex(&v1), "new": hex(&v3), "added": [2, 3, 4], "removed": [1] },
    ]);
    equivocation.clear();

    let cert = certificate.to_bytes();
    let mut invalid_certificates = Vec::new();
    let mut bad = cert.clone();
    *bad.last_mut().unwrap() ^= 0x01;
    invalid_certificates.push(json!({ "description": "tampered signature", "certificate": hex(&bad), "error": "BAD_SIGNATURE" }));
    let mut bad = cert.clone();
    bad[2 + 33 + 3] ^= 0x01; // device id 2 -> 3
    invalid_certificates.push(json!({ "description": "device id changed", "certificate": hex(&bad), "error": "BAD_SIGNATURE" }));
    invalid_certificates.push(json!({ "description": "another user's certificate", "certificate": hex(&alice_certificate.to_bytes()), "error": "IDENTITY_MISMATCH" }));
    let mut bad = cert.clone();
    bad.push(0);
    invalid_certificates.push(json!({ "description": "trailing byte", "certificate": hex(&bad), "error": "TRAILING_BYTES" }));
    invalid_certificates.push(json!({ "description": "a device list", "certificate": hex(&v3), "error": "WRONG_OBJECT_TYPE" }));

    json!({
        "description": "Sotto v1 people and device lists (PROTOCOL.md §18).",
        "generator": "SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib person::vectors",
        "bob": { "random": bob_random, "user_key": hex(&bob.public_key().to_bytes()) },
        "alice": { "random": alice_random, "user_key": hex(&alice.public_key().to_bytes()), "list": hex(&alice_list.to_bytes()) },
        "devices": devices,
        "lists": lists,
        "certificate": certificate_json,
        "sealed_user_identity": sealed_json,
        "user_safety_number": safety,
        "invalid_lists": invalid,
        "updates": updates,
        "invalid_certificates": invalid_certificates,
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1-devices.json")
}

#[test]
fn regenerated_device_vectors_match_the_committed_file() {
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path()).expect(
        "tests/vectors/sotto-v1-devices.json is missing; write it with SOTTO_WRITE_VECTORS=1",
    );
    assert!(
        committed == generated,
        "device vectors changed; if deliberate, rewrite with SOTTO_WRITE_VECTORS=1"
    );
}

#[test]
fn every_invalid_list_is_rejected_with_its_error() {
    let v = generate();
    let bob =
        super::UserIdentityKey::from_bytes(&unhex(v["bob"]["user_key"].as_str().unwrap())).unwrap();
    for case in v["invalid_lists"].as_array().unwrap() {
        let bytes = unhex(case["list"].as_str().unwrap());
        let error = DeviceList::from_bytes(&bytes, &bob).unwrap_err();
        assert_eq!(error.name(), case["error"], "{}", case["description"]);
    }
}
