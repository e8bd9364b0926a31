//! People and device lists (PROTOCOL.md §18) through the public API: the
//! vectors of tests/vectors/sotto-v1-devices.json replayed, the attacks
//! (ghost device, rollback, equivocation, tampering, trailing bytes, too
//! many devices) each a typed error that changes nothing, a property test
//! of list changes against a model, and the sizes.

mod common;

use common::tape::{Tape, hx};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;
use sotto::person::{DeviceEntry, MAX_DEVICES};
use sotto::{
    Account, DeviceCertificate, DeviceList, Error, IdentityKey, SafetyNumber, StorageKey,
    UserIdentity, UserIdentityKey,
};
use std::collections::BTreeMap;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/sotto-v1-devices.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn user_from(random: &Value) -> UserIdentity {
    let mut tape = Tape::new(&[&random["user_seed"]]);
    let user = UserIdentity::new(&mut tape).unwrap();
    tape.done();
    user
}

fn device_from(device: &Value) -> IdentityKey {
    let r = &device["random"];
    let mut tape = Tape::new(&[
        &r["identity_signing_seed"],
        &r["identity_agreement_private"],
        &r["signed_prekey_private"],
        &r["last_resort_kem_seed"],
    ]);
    let account = Account::new(&mut tape).unwrap();
    tape.done();
    account.identity_key().clone()
}

fn ids(entries: &[DeviceEntry]) -> Vec<u64> {
    entries.iter().map(|e| u64::from(e.device_id)).collect()
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[test]
fn vectors_replay_through_the_public_api() {
    let v = vectors();
    let mut bob = user_from(&v["bob"]["random"]);
    assert_eq!(
        bob.public_key().to_bytes().to_vec(),
        hx(&v["bob"]["user_key"])
    );
    let devices: BTreeMap<u64, IdentityKey> = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let identity = device_from(d);
            assert_eq!(identity.to_bytes(), hx(&d["identity_record"]));
            (d["device_id"].as_u64().unwrap(), identity)
        })
        .collect();
    // A contact who pins Bob's key on first use and follows every change.
    let mut held: Option<DeviceList> = None;
    for step in v["lists"].as_array().unwrap() {
        let add: Vec<(u32, IdentityKey)> = u64s(&step["add"])
            .into_iter()
            .map(|id| (u32::try_from(id).unwrap(), devices[&id].clone()))
            .collect();
        let remove: Vec<u32> = u64s(&step["remove"])
            .into_iter()
            .map(|id| u32::try_from(id).unwrap())
            .collect();
        let list = bob
            .sign_device_list(&add, &remove, step["now"].as_u64().unwrap())
            .unwrap();
        assert_eq!(list.to_bytes(), hx(&step["list"]));
        assert_eq!(list.version(), step["version"].as_u64().unwrap());
        assert_eq!(ids(list.entries()), u64s(&step["device_ids"]));
        bob.commit_device_list(&list).unwrap();
        held = Some(match held {
            None => {
                let first = DeviceList::from_bytes_first_use(&list.to_bytes()).unwrap();
                assert_eq!(ids(first.entries()), u64s(&step["added"]));
                first
            }
            Some(previous) => {
                let (next, change) = previous.update(&list.to_bytes()).unwrap();
                assert_eq!(ids(&change.added), u64s(&step["added"]));
                assert_eq!(ids(&change.removed), u64s(&step["removed"]));
                next
            }
        });
    }
    let cert = &v["certificate"];
    let certificate = bob.certify_device(2).unwrap();
    assert_eq!(certificate.to_bytes(), hx(&cert["certificate"]));
    let decoded =
        DeviceCertificate::from_bytes(&hx(&cert["certificate"]), &bob.public_key()).unwrap();
    assert_eq!(decoded.device_id(), 2);
    assert_eq!(
        decoded.list_version(),
        cert["list_version"].as_u64().unwrap()
    );
    decoded.verify_device(&devices[&2]).unwrap();
    assert_eq!(
        decoded.verify_device(&devices[&3]),
        Err(Error::IdentityMismatch)
    );
    decoded.verify_in_list(held.as_ref().unwrap()).unwrap();

    let sealed = &v["sealed_user_identity"];
    let mut tape = Tape::new(&[&sealed["random"]["storage_key"], &sealed["random"]["nonce"]]);
    let key = StorageKey::generate(&mut tape).unwrap();
    assert_eq!(bob.seal(&key, &mut tape).unwrap(), hx(&sealed["sealed"]));
    tape.done();
    let restored = UserIdentity::unseal(&key, &hx(&sealed["sealed"])).unwrap();
    assert_eq!(restored.public_key(), bob.public_key());
    assert_eq!(restored.device_list(), bob.device_list());

    let alice = user_from(&v["alice"]["random"]);
    let s = &v["user_safety_number"];
    assert_eq!(
        alice.public_key().to_bytes().to_vec(),
        hx(&s["alice_user_key"])
    );
    let on_alice = SafetyNumber::for_users(&alice.public_key(), &bob.public_key());
    let on_bob = SafetyNumber::for_users(&bob.public_key(), &alice.public_key());
    assert_eq!(on_alice.digits(), s["digits"].as_str().unwrap());
    assert_eq!(on_bob.digits(), on_alice.digits());
    assert_eq!(
        on_alice.emoji_indexes().map(u64::from).to_vec(),
        u64s(&s["emoji_indexes"])
    );
    assert!(on_bob.matches_qr(&on_alice.qr_payload()).unwrap());
}

#[test]
fn invalid_lists_updates_and_certificates_fail_with_their_errors() {
    let v = vectors();
    let bob = UserIdentityKey::from_bytes(&hx(&v["bob"]["user_key"])).unwrap();
    let invalid = v["invalid_lists"].as_array().unwrap();
    assert!(invalid.len() >= 14);
    for case in invalid {
        let error = DeviceList::from_bytes(&hx(&case["list"]), &bob).unwrap_err();
        assert_eq!(error.name(), case["error"], "{}", case["description"]);
    }
    for case in v["updates"].as_array().unwrap() {
        let held = DeviceList::from_bytes(&hx(&case["held"]), &bob).unwrap();
        let before = held.clone();
        match case.get("error") {
            Some(error) => {
                let got = held.update(&hx(&case["new"])).unwrap_err();
                assert_eq!(got.name(), error, "{}", case["description"]);
            }
            None => {
                let (new, change) = held.update(&hx(&case["new"])).unwrap();
                assert_eq!(new.to_bytes(), hx(&case["new"]));
                assert_eq!(ids(&change.added), u64s(&case["added"]));
                assert_eq!(ids(&change.removed), u64s(&case["removed"]));
            }
        }
        assert_eq!(held, before);
    }
    for case in v["invalid_certificates"].as_array().unwrap() {
        let error = DeviceCertificate::from_bytes(&hx(&case["certificate"]), &bob).unwrap_err();
        assert_eq!(error.name(), case["error"], "{}", case["description"]);
    }
}

fn identities(n: usize, rng: &mut ChaCha20Rng) -> Vec<IdentityKey> {
    (0..n)
        .map(|_| Account::new(&mut *rng).unwrap().identity_key().clone())
        .collect()
}

#[test]
fn the_attacks_are_refused_and_change_nothing() {
    let mut rng = ChaCha20Rng::seed_from_u64(18);
    let devices = identities(4, &mut rng);
    let mut bob = UserIdentity::new(&mut rng).unwrap();
    let v1 = bob
        .sign_device_list(&[(1, devices[0].clone())], &[], 10)
        .unwrap();
    bob.commit_device_list(&v1).unwrap();
    let v2 = bob
        .sign_device_list(&[(2, devices[1].clone())], &[1], 20)
        .unwrap();
    bob.commit_device_list(&v2).unwrap();
    let held = DeviceList::from_bytes(&v2.to_bytes(), &bob.public_key()).unwrap();

    // Ghost device: the server inserts an entry it cannot sign.
    let mallory = UserIdentity::new(&mut rng).unwrap();
    let mut ghost = v2.to_bytes();
    let count_at = 2 + 33 + 8;
    ghost[count_at] += 1;
    let signature = ghost.split_off(ghost.len() - 64);
    ghost.extend_from_slice(&9u32.to_be_bytes());
    ghost.extend_from_slice(&devices[3].to_bytes());
    ghost.extend_from_slice(&30u64.to_be_bytes());
    ghost.extend_from_slice(&signature);
    assert_eq!(held.update(&ghost), Err(Error::BadSignature));
    // ... nor can it sign the list with a key of its own.
    let mut forged = mallory
        .sign_device_list(&[(2, devices[1].clone()), (9, devices[3].clone())], &[], 30)
        .unwrap();
    assert_eq!(
        held.update(&forged.to_bytes()),
        Err(Error::IdentityMismatch)
    );
    forged = mallory.sign_device_list(&[], &[], 30).unwrap();
    assert_eq!(
        DeviceList::from_bytes(&forged.to_bytes(), &bob.public_key()),
        Err(Error::IdentityMismatch)
    );

    // Rollback to bring device 1 back.
    assert_eq!(held.update(&v1.to_bytes()), Err(Error::Rollback));
    // Tampering anywhere, trailing bytes, truncation.
    let bytes = v2.to_bytes();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x04;
        assert!(held.update(&bad).is_err(), "byte {i}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(held.update(&long), Err(Error::TrailingBytes));
    assert_eq!(
        held.update(&bytes[..bytes.len() - 1]),
        Err(Error::Truncated)
    );
    // Nothing changed on the contact's side.
    assert_eq!(held.to_bytes(), v2.to_bytes());
    assert!(held.update(&bytes).unwrap().1.is_empty());

    // The owner: a signed but uncommitted list changes nothing, a stale
    // commit is refused, another user's list is refused.
    let pending = bob
        .sign_device_list(&[(3, devices[2].clone())], &[], 40)
        .unwrap();
    assert_eq!(bob.device_list(), Some(&v2));
    let again = bob
        .sign_device_list(&[(3, devices[2].clone())], &[], 40)
        .unwrap();
    assert_eq!(again, pending, "signing is pure and deterministic");
    assert_eq!(bob.commit_device_list(&v1), Err(Error::Rollback));
    assert_eq!(
        bob.commit_device_list(&forged),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(bob.device_list(), Some(&v2));
    // Bad changes are refused before anything is signed.
    assert_eq!(
        bob.sign_device_list(&[(2, devices[2].clone())], &[], 50),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        bob.sign_device_list(&[], &[7], 50),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        bob.sign_device_list(&[(5, devices[1].clone())], &[], 50),
        Err(Error::InvalidArgument),
        "one identity under two ids"
    );
    bob.commit_device_list(&pending).unwrap();
    assert_eq!(bob.device_list().unwrap().version(), 3);
    // A certificate for a device of the list, not for one outside it.
    assert_eq!(bob.certify_device(1).unwrap_err(), Error::InvalidArgument);
    let certificate = bob.certify_device(3).unwrap();
    assert_eq!(
        DeviceCertificate::from_bytes(&certificate.to_bytes(), &mallory.public_key()),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        certificate.verify_in_list(&v2),
        Err(Error::IdentityMismatch)
    );
    // Sealed state: wrong key or kind.
    let key = StorageKey::generate(&mut rng).unwrap();
    let other = StorageKey::generate(&mut rng).unwrap();
    let sealed = bob.seal(&key, &mut rng).unwrap();
    assert_eq!(
        UserIdentity::unseal(&other, &sealed).unwrap_err(),
        Error::UnsealFailed
    );
    let mut wrong_kind = sealed.clone();
    wrong_kind[1] = 0x05;
    assert_eq!(
        UserIdentity::unseal(&key, &wrong_kind).unwrap_err(),
        Error::WrongObjectType
    );
    // Debug never shows the private key.
    let seed_free = format!("{bob:?}");
    assert!(seed_free.contains("UserIdentity") && !seed_free.contains("seed"));
}

#[test]
fn the_bound_is_enforced_on_both_sides() {
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    let devices = identities(MAX_DEVICES + 1, &mut rng);
    let mut bob = UserIdentity::new(&mut rng).unwrap();
    let all: Vec<(u32, IdentityKey)> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| (u32::try_from(i).unwrap(), d.clone()))
        .collect();
    assert_eq!(bob.sign_device_list(&all, &[], 1), Err(Error::TooLarge));
    let full = bob.sign_device_list(&all[..MAX_DEVICES], &[], 1).unwrap();
    bob.commit_device_list(&full).unwrap();
    assert_eq!(
        bob.sign_device_list(&all[MAX_DEVICES..], &[], 2),
        Err(Error::TooLarge)
    );
    let mut over = full.to_bytes();
    over[2 + 33 + 8] = u8::try_from(MAX_DEVICES + 1).unwrap();
    assert_eq!(
        DeviceList::from_bytes(&over, &bob.public_key()),
        Err(Error::TooLarge)
    );
    over[2 + 33 + 8] = 255;
    assert_eq!(
        DeviceList::from_bytes(&over, &bob.public_key()),
        Err(Error::TooLarge)
    );
}

#[test]
fn sizes() {
    let mut rng = ChaCha20Rng::seed_from_u64(20);
    let devices = identities(16, &mut rng);
    let bob = UserIdentity::new(&mut rng).unwrap();
    for n in [1usize, 5, 16] {
        let add: Vec<(u32, IdentityKey)> = devices[..n]
            .iter()
            .enumerate()
            .map(|(i, d)| (u32::try_from(i).unwrap(), d.clone()))
            .collect();
        let list = bob.sign_device_list(&add, &[], 1).unwrap();
        // PROTOCOL.md §18.2: 108 + 142 × count.
        assert_eq!(
            list.to_bytes().len(),
            [250, 818, 2380][[1, 5, 16].iter().position(|&x| x == n).unwrap()]
        );
        let mut committed = bob.clone();
        committed.commit_device_list(&list).unwrap();
        let sealed = committed
            .seal(&StorageKey::generate(&mut rng).unwrap(), &mut rng)
            .unwrap();
        println!(
            "device list with {n} devices: {} bytes; sealed user identity: {} bytes",
            list.to_bytes().len(),
            sealed.len()
        );
        if n == 1 {
            let certificate = committed.certify_device(0).unwrap();
            assert_eq!(certificate.to_bytes().len(), 241);
            println!("device certificate: {} bytes", certificate.to_bytes().len());
        }
        // 26-byte envelope header + 36-byte state prefix + list + 16-byte tag.
        assert_eq!(sealed.len(), 26 + 36 + list.to_bytes().len() + 16);
    }
}

#[derive(Clone, Debug)]
enum Op {
    Add(u8),
    Remove(u8),
    /// The contact is shown the list of an earlier version.
    Replay(u8),
    /// The contact is shown the current list with one byte flipped.
    Tamper(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..20).prop_map(Op::Add),
        (0u8..20).prop_map(Op::Remove),
        any::<u8>().prop_map(Op::Replay),
        any::<u16>().prop_map(Op::Tamper),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Over random changes, the contact's list follows the owner's, every
    /// reported change equals the model's set difference, and every replayed
    /// or tampered list is refused without changing the held list.
    #[test]
    fn contacts_follow_every_change_and_refuse_the_rest(ops in proptest::collection::vec(op(), 1..24)) {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let pool = identities(20, &mut rng);
        let mut bob = UserIdentity::new(&mut rng).unwrap();
        let first = bob.sign_device_list(&[(100, pool[0].clone())], &[], 0).unwrap();
        bob.commit_device_list(&first).unwrap();
        let mut model: BTreeMap<u32, usize> = BTreeMap::from([(100, 0)]);
        let mut history = vec![first.to_bytes()];
        let mut held = DeviceList::from_bytes(&first.to_bytes(), &bob.public_key()).unwrap();
        for (now, op) in ops.into_iter().enumerate() {
            let now = now as u64 + 1;
            match op {
                Op::Add(i) | Op::Remove(i) => {
                    let adding = matches!(op, Op::Add(_));
                    let id = u32::from(i);
                    let valid = if adding {
                        !model.contains_key(&id)
                            && model.len() < MAX_DEVICES
                            && !model.values().any(|&p| p == usize::from(i))
                    } else {
                        model.contains_key(&id)
                    };
                    let result = if adding {
                        bob.sign_device_list(&[(id, pool[usize::from(i)].clone())], &[], now)
                    } else {
                        bob.sign_device_list(&[], &[id], now)
                    };
                    prop_assert_eq!(result.is_ok(), valid);
                    let Ok(list) = result else { continue };
                    bob.commit_device_list(&list).unwrap();
                    let (next, change) = held.update(&list.to_bytes()).unwrap();
                    let expected: Vec<u64> = vec![u64::from(id)];
                    if adding {
                        model.insert(id, usize::from(i));
                        prop_assert_eq!(ids(&change.added), expected);
                        prop_assert!(change.removed.is_empty());
                    } else {
                        model.remove(&id);
                        prop_assert_eq!(ids(&change.removed), expected);
                        prop_assert!(change.added.is_empty());
                    }
                    held = next;
                    history.push(list.to_bytes());
                }
                Op::Replay(k) => {
                    let old = &history[usize::from(k) % history.len()];
                    let before = held.clone();
                    match held.update(old) {
                        Ok((same, change)) => {
                            prop_assert_eq!(old, history.last().unwrap());
                            prop_assert!(change.is_empty());
                            prop_assert_eq!(&same, &before);
                        }
                        Err(e) => prop_assert_eq!(e, Error::Rollback),
                    }
                    prop_assert_eq!(&held, &before);
                }
                Op::Tamper(at) => {
                    let mut bad = held.to_bytes();
                    let at = usize::from(at) % bad.len();
                    bad[at] ^= 0x10;
                    let before = held.clone();
                    prop_assert!(held.update(&bad).is_err());
                    prop_assert_eq!(&held, &before);
                }
            }
            let listed: Vec<u64> = model.keys().map(|&k| u64::from(k)).collect();
            prop_assert_eq!(ids(held.entries()), listed);
            prop_assert_eq!(held.version(), history.len() as u64);
        }
    }
}

#[test]
fn debug_of_a_user_identity_shows_no_secret() {
    let v = vectors();
    let seed = hx(&v["bob"]["random"]["user_seed"]);
    let mut bob = user_from(&v["bob"]["random"]);
    let list = DeviceList::from_bytes(&hx(&v["lists"][0]["list"]), &bob.public_key()).unwrap();
    bob.commit_device_list(&list).unwrap();
    for shown in [format!("{bob:?}"), format!("{bob:#?}")] {
        let public: String = bob
            .public_key()
            .ed25519_key()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(shown.contains(&public), "{shown}");
        for window in seed.windows(6) {
            let hex: String = window.iter().map(|b| format!("{b:02x}")).collect();
            let list = format!("{window:?}");
            assert!(
                !shown.contains(&hex) && !shown.contains(&hex.to_uppercase()),
                "{shown}"
            );
            assert!(!shown.contains(&list[1..list.len() - 1]), "{shown}");
        }
    }
}
