//! Known-answer vectors for sending to a person (PROTOCOL.md §20.7,
//! `tests/vectors/sotto-v1-fanout.json`): Alice (2 devices) and Bob (3, then
//! a list that removes one and adds another) write to each other; every
//! draw of every fan-out is recorded, with every device's message and
//! outcome, every delivery's plaintext or error, and the contact states
//! after each step. The replay runs the file through the public API.
//!
//! Regenerate with `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --test fanout_vectors`.

mod common;

use common::tape::{Recording, hex, hx};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use sotto::contact::{Contact, DeviceAddress, Outcome, send_to_person};
use sotto::person::UserIdentity;
use sotto::{Account, DeviceList, PrekeyBundle, Session, SessionContext, StorageKey};
use std::collections::BTreeMap;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/sotto-v1-fanout.json"
);
const STORAGE_KEY: [u8; 32] = [0x20; 32];
const USERS: [&str; 2] = ["alice", "bob"];

fn state(contact: &Contact) -> String {
    hex(&sotto::hazmat::contact_state(contact).unwrap())
}

/// One device: its account and its contact of each person (its own too).
struct Device {
    user: &'static str,
    id: u32,
    account: Account,
    contacts: BTreeMap<&'static str, Contact>,
}

fn split(key: &str) -> (&str, u32) {
    let (user, id) = key.split_once('/').unwrap();
    (user, id.parse().unwrap())
}

/// The schedule (§20.7). Messages are named `label>device`.
enum Step {
    Send(
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    ),
    /// (receiver, contact, from, message name, flip the last byte).
    Receive(&'static str, &'static str, u32, &'static str, bool),
    /// (device, contact, user, list index, ghost device appended).
    Update(&'static str, &'static str, &'static str, usize, bool),
    /// A message made outside the fan-out (see `forge`).
    Forge(&'static str),
}

fn schedule() -> Vec<Step> {
    use Step::*;
    vec![
        Send(
            "alice/1",
            "bob",
            &[
                ("bob/1", "bob/1"),
                ("bob/2", "bob/2"),
                ("bob/3", "bob/3"),
                ("alice/2", "alice/2"),
            ],
            "m1",
        ),
        Receive("bob/1", "alice", 1, "m1>bob/1", false),
        Receive("bob/2", "alice", 1, "m1>bob/2", true),
        Receive("bob/2", "alice", 1, "m1>bob/2", false),
        Receive("alice/2", "alice", 1, "m1>alice/2", false),
        Receive("bob/1", "alice", 1, "m1>bob/1", false),
        Receive("bob/3", "alice", 2, "m1>bob/3", false),
        Receive("bob/3", "alice", 1, "m1>bob/3", false),
        Send(
            "bob/2",
            "alice",
            &[
                ("alice/2", "alice/2"),
                ("bob/1", "bob/1"),
                ("bob/3", "bob/3"),
            ],
            "r1",
        ),
        Receive("alice/1", "bob", 2, "r1>alice/1", false),
        Receive("bob/3", "bob", 2, "r1>bob/3", false),
        Receive("alice/2", "bob", 2, "r1>alice/2", false),
        Receive("bob/1", "bob", 2, "r1>bob/1", false),
        Send(
            "bob/3",
            "alice",
            &[("alice/2", "alice/2"), ("bob/1", "bob/1")],
            "b3",
        ),
        Forge("reinstall"),
        Receive("alice/1", "bob", 3, "reinstall", false),
        Forge("misaddressed"),
        Receive("alice/1", "bob", 1, "misaddressed", false),
        Update("alice/1", "bob", "bob", 1, true),
        Update("alice/1", "bob", "bob", 1, false),
        Update("alice/1", "bob", "bob", 0, false),
        Receive("alice/1", "bob", 3, "b3>alice/1", false),
        Receive("alice/2", "bob", 3, "b3>alice/2", false),
        Send("alice/1", "bob", &[("bob/4", "bob/3")], "m2"),
        Send("alice/1", "bob", &[], "m3"),
        Receive("bob/1", "alice", 1, "m3>bob/1", false),
        Receive("bob/1", "alice", 1, "m2>bob/1", false),
        Receive("bob/1", "alice", 1, "m2>bob/1", false),
        Receive("alice/2", "alice", 1, "m3>alice/2", false),
        Send("alice/1", "bob", &[("bob/4", "bob/4")], "m4"),
        Receive("bob/4", "alice", 1, "m4>bob/4", false),
        Receive("bob/2", "alice", 1, "m4>bob/2", false),
        Receive("bob/2", "alice", 1, "m2>bob/2", false),
    ]
}

fn generate() -> Value {
    let mut rng = ChaCha20Rng::seed_from_u64(0xFA_0020);
    let key = StorageKey::from_bytes(STORAGE_KEY);
    let mut users = BTreeMap::new();
    for name in USERS {
        users.insert(name, UserIdentity::new(&mut rng).unwrap());
    }
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    for k in [
        "alice/1", "alice/2", "bob/1", "bob/2", "bob/3", "bob/4", "bob/3b",
    ] {
        accounts.insert(k.into(), Account::new(&mut rng).unwrap());
    }
    let identities: BTreeMap<String, sotto::IdentityKey> = accounts
        .iter()
        .map(|(k, a)| (k.clone(), a.identity_key().clone()))
        .collect();
    let identity = |k: &str| identities[k].clone();
    let now = 1_800_000_000;
    let mut lists: BTreeMap<&str, Vec<DeviceList>> = BTreeMap::new();
    let alice = users.get_mut("alice").unwrap();
    let l = alice
        .sign_device_list(
            &[(1, identity("alice/1")), (2, identity("alice/2"))],
            &[],
            now,
        )
        .unwrap();
    alice.commit_device_list(&l).unwrap();
    lists.insert("alice", vec![l]);
    let bob = users.get_mut("bob").unwrap();
    let l1 = bob
        .sign_device_list(
            &[
                (1, identity("bob/1")),
                (2, identity("bob/2")),
                (3, identity("bob/3")),
            ],
            &[],
            now,
        )
        .unwrap();
    bob.commit_device_list(&l1).unwrap();
    let l2 = bob
        .sign_device_list(&[(4, identity("bob/4"))], &[3], now + 100)
        .unwrap();
    bob.commit_device_list(&l2).unwrap();
    lists.insert("bob", vec![l1, l2]);
    let user_key = |u: &str| users[u].public_key();

    let mut devices_json = serde_json::Map::new();
    let mut devices: BTreeMap<String, Device> = BTreeMap::new();
    for (k, account) in accounts {
        let bundle = account.prekey_bundle().unwrap();
        devices_json.insert(
            k.clone(),
            json!({
                "sealed_account": hex(&account.seal(&key, &mut rng).unwrap()),
                "bundle": hex(&bundle.to_bytes()),
            }),
        );
        if k == "bob/3b" {
            devices.insert(
                k.clone(),
                Device {
                    user: "bob",
                    id: 3,
                    account,
                    contacts: BTreeMap::new(),
                },
            );
            continue;
        }
        let (user, id) = split(&k);
        let user = if user == "alice" { "alice" } else { "bob" };
        let contacts = USERS
            .iter()
            .map(|u| (*u, Contact::new(lists[u][0].clone())))
            .collect();
        devices.insert(
            k.clone(),
            Device {
                user,
                id,
                account,
                contacts,
            },
        );
    }
    let bundles: BTreeMap<String, PrekeyBundle> = devices_json
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                PrekeyBundle::from_bytes(&hx(&v["bundle"])).unwrap(),
            )
        })
        .collect();

    let mut messages: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut steps = vec![];
    for step in schedule() {
        match step {
            Step::Send(from, to, given, text) => {
                let mut recorder = Recording::Record(rng.clone(), vec![]);
                let dev = devices.get_mut(from).unwrap();
                let me = DeviceAddress::new(user_key(dev.user), dev.id);
                let mut own = dev.contacts.remove(dev.user).unwrap();
                let mut recipient = dev.contacts.remove(to).unwrap();
                let b: Vec<(DeviceAddress, PrekeyBundle)> = given
                    .iter()
                    .map(|(at, of)| {
                        let (u, id) = split(at);
                        (DeviceAddress::new(user_key(u), id), bundles[*of].clone())
                    })
                    .collect();
                let report = send_to_person(
                    &dev.account,
                    &me,
                    &mut own,
                    &mut recipient,
                    &b,
                    text.as_bytes(),
                    &mut recorder,
                )
                .unwrap();
                let Recording::Record(advanced, drawn) = recorder else {
                    unreachable!()
                };
                rng = advanced;
                let deliveries: Vec<Value> = report
                    .iter()
                    .map(|d| {
                        let name = format!(
                            "{}/{}",
                            if d.to.user == user_key("alice") {
                                "alice"
                            } else {
                                "bob"
                            },
                            d.to.device_id
                        );
                        match &d.outcome {
                            Outcome::Sent {
                                message,
                                new_session,
                            } => {
                                messages.insert(format!("{text}>{name}"), message.clone());
                                json!({"device": name, "outcome": "sent",
                                       "new_session": new_session, "message": hex(message)})
                            }
                            Outcome::NeedsBundle => {
                                json!({"device": name, "outcome": "needs_bundle"})
                            }
                            Outcome::BundleRejected(e) => json!({"device": name,
                                "outcome": "bundle_rejected", "error": e.name()}),
                        }
                    })
                    .collect();
                steps.push(json!({
                    "op": "send", "device": from, "to": to,
                    "bundles": given.iter().map(|(at, of)| json!({"device": at, "bundle_of": of})).collect::<Vec<_>>(),
                    "plaintext": hex(text.as_bytes()), "random": hex(&drawn),
                    "deliveries": deliveries,
                    "own_state": state(&own), "recipient_state": state(&recipient),
                }));
                let user = dev.user;
                dev.contacts.insert(user, own);
                dev.contacts.insert(to, recipient);
            }
            Step::Forge(name) => {
                // Outside the fan-out: a reinstalled bob/3 (a new identity
                // under id 3, not in any list) and bob/1 addressing Alice's
                // device with Bob's own user key in the payload.
                let (account, from, to_user) = match name {
                    "reinstall" => ("bob/3b", 3, "alice"),
                    _ => ("bob/1", 1, "bob"),
                };
                let local = DeviceAddress::new(user_key("bob"), from).to_bytes();
                let remote = DeviceAddress::new(user_key("alice"), 1).to_bytes();
                let mut session = Session::initiate(
                    &devices[account].account,
                    &bundles["alice/1"],
                    &SessionContext::new(&local, &remote),
                    &mut rng,
                )
                .unwrap();
                let payload = [&user_key(to_user).to_bytes()[..], b"forged"].concat();
                messages.insert(name.into(), session.encrypt(&payload, &mut rng).unwrap());
            }
            Step::Receive(at, contact, from, name, flip) => {
                let mut bytes = messages[name].clone();
                if flip {
                    *bytes.last_mut().unwrap() ^= 1;
                }
                let dev = devices.get_mut(at).unwrap();
                let me = DeviceAddress::new(user_key(dev.user), dev.id);
                let c = dev.contacts.get_mut(contact).unwrap();
                let mut entry = json!({"op": "receive", "device": at, "contact": contact,
                    "from": from, "message": hex(&bytes)});
                match c.decrypt(&mut dev.account, &me, from, &bytes) {
                    Ok(r) => {
                        entry["to"] = json!(hex(&r.to.to_bytes()));
                        entry["plaintext"] = json!(hex(&r.plaintext));
                    }
                    Err(e) => entry["error"] = json!(e.name()),
                }
                entry["state"] = json!(state(c));
                steps.push(entry);
            }
            Step::Update(at, contact, user, index, ghost) => {
                let mut bytes = lists[user][index].to_bytes();
                if ghost {
                    // A device the server adds: an entry appended, the count
                    // raised, the user's signature left as it was.
                    let signature = bytes.split_off(bytes.len() - 64);
                    bytes[43] += 1;
                    bytes.extend_from_slice(&9u32.to_be_bytes());
                    bytes.extend_from_slice(&identity("bob/3b").to_bytes());
                    bytes.extend_from_slice(&(now + 1).to_be_bytes());
                    bytes.extend_from_slice(&signature);
                }
                let c = devices
                    .get_mut(at)
                    .unwrap()
                    .contacts
                    .get_mut(contact)
                    .unwrap();
                let mut entry = json!({"op": "update", "device": at, "contact": contact,
                    "list": hex(&bytes)});
                match c.update_list(&bytes) {
                    Ok(change) => {
                        let ids = |es: &[sotto::person::DeviceEntry]| {
                            es.iter().map(|e| e.device_id).collect::<Vec<_>>()
                        };
                        entry["added"] = json!(ids(&change.added));
                        entry["removed"] = json!(ids(&change.removed));
                    }
                    Err(e) => entry["error"] = json!(e.name()),
                }
                entry["state"] = json!(state(c));
                steps.push(entry);
            }
        }
    }
    // One contact sealed, and invalid contact states.
    let contact = &devices["alice/1"].contacts["bob"];
    let mut recorder = Recording::Record(rng.clone(), vec![]);
    let sealed = contact.seal(&key, &mut recorder).unwrap();
    let Recording::Record(_, nonce) = recorder else {
        unreachable!()
    };
    let good = sotto::hazmat::contact_state(contact).unwrap().to_vec();
    let list = lists["bob"][1].to_bytes();
    let after_list = 3 + list.len();
    let mut invalid = vec![];
    let mut push = |name: &str, bytes: Vec<u8>, error: &str| {
        assert_eq!(
            sotto::hazmat::contact_from_state(&bytes)
                .unwrap_err()
                .name(),
            error,
            "{name}"
        );
        invalid.push(json!({"name": name, "state": hex(&bytes), "error": error}));
    };
    let head = &good[..after_list];
    let first_len = u32::from_be_bytes(good[after_list + 5..after_list + 9].try_into().unwrap());
    let first = &good[after_list + 1..after_list + 9 + first_len as usize];
    push(
        "format 2",
        [&[2u8][..], &good[1..]].concat(),
        "UNSUPPORTED_VERSION",
    );
    push(
        "trailing byte",
        [&good[..], &[0]].concat(),
        "TRAILING_BYTES",
    );
    push(
        "seventeen records",
        [head, &[17u8][..]].concat(),
        "TOO_LARGE",
    );
    push(
        "same device twice",
        [head, &[2u8][..], first, first].concat(),
        "MALFORMED",
    );
    let mut unlisted = first.to_vec();
    unlisted[..4].copy_from_slice(&3u32.to_be_bytes());
    push(
        "record of an unlisted device",
        [head, &[1u8][..], &unlisted].concat(),
        "MALFORMED",
    );
    let mut empty = first[..4].to_vec();
    empty.extend_from_slice(&[0, 0, 0, 3, 1, 0, 0]);
    push(
        "empty record",
        [head, &[1u8][..], &empty].concat(),
        "MALFORMED",
    );
    let mut bad_list = good.clone();
    bad_list[after_list - 1] ^= 1;
    push("list signature", bad_list, "BAD_SIGNATURE");
    push(
        "record past the end",
        [head, &[1u8][..], &first[..12]].concat(),
        "TRUNCATED",
    );

    json!({
        "description": "Sotto v1 sending to a person (PROTOCOL.md §20.7)",
        "storage_key": hex(&STORAGE_KEY),
        "users": USERS.iter().map(|u| (u.to_string(), json!({
            "user_key": hex(&user_key(u).to_bytes()),
            "lists": lists[u].iter().map(|l| hex(&l.to_bytes())).collect::<Vec<_>>(),
        }))).collect::<serde_json::Map<_, _>>(),
        "devices": devices_json,
        "steps": steps,
        "sealed_contact": {"device": "alice/1", "contact": "bob", "state": hex(&good),
            "nonce": hex(&nonce), "sealed": hex(&sealed)},
        "invalid_states": invalid,
    })
}

#[test]
fn regenerated_vectors_match_the_committed_file() {
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, &generated).unwrap();
    }
    assert!(
        std::fs::read_to_string(PATH).unwrap() == generated,
        "regenerate the fan-out vectors"
    );
}

/// Replays the committed file through the public API (unseal the accounts,
/// start every contact from its person's first list, send with the
/// recorded draws, decrypt, import lists), checking every published byte.
#[test]
fn vectors_replay_through_the_public_api() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let key = StorageKey::from_bytes(hx(&v["storage_key"]).try_into().unwrap());
    let user_key =
        |u: &str| sotto::UserIdentityKey::from_bytes(&hx(&v["users"][u]["user_key"])).unwrap();
    let first_list =
        |u: &str| DeviceList::from_bytes(&hx(&v["users"][u]["lists"][0]), &user_key(u)).unwrap();
    let mut devices: BTreeMap<String, Device> = BTreeMap::new();
    for (k, d) in v["devices"].as_object().unwrap() {
        if k == "bob/3b" {
            continue;
        }
        let (user, id) = split(k);
        let user = if user == "alice" { "alice" } else { "bob" };
        devices.insert(
            k.clone(),
            Device {
                user,
                id,
                account: Account::unseal(&key, &hx(&d["sealed_account"])).unwrap(),
                contacts: USERS
                    .iter()
                    .map(|u| (*u, Contact::new(first_list(u))))
                    .collect(),
            },
        );
    }
    let bundle = |k: &str| PrekeyBundle::from_bytes(&hx(&v["devices"][k]["bundle"])).unwrap();
    let (mut sent, mut received, mut refused) = (0, 0, 0);
    for step in v["steps"].as_array().unwrap() {
        let at = step["device"].as_str().unwrap();
        let dev = devices.get_mut(at).unwrap();
        let me = DeviceAddress::new(user_key(dev.user), dev.id);
        match step["op"].as_str().unwrap() {
            "send" => {
                let to = if step["to"] == "alice" {
                    "alice"
                } else {
                    "bob"
                };
                let mut own = dev.contacts.remove(dev.user).unwrap();
                let mut recipient = dev.contacts.remove(to).unwrap();
                let bundles: Vec<_> = step["bundles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| {
                        let (u, id) = split(b["device"].as_str().unwrap());
                        (
                            DeviceAddress::new(user_key(u), id),
                            bundle(b["bundle_of"].as_str().unwrap()),
                        )
                    })
                    .collect();
                let mut tape = Recording::Tape(hx(&step["random"]));
                let report = send_to_person(
                    &dev.account,
                    &me,
                    &mut own,
                    &mut recipient,
                    &bundles,
                    &hx(&step["plaintext"]),
                    &mut tape,
                )
                .unwrap();
                assert!(
                    matches!(tape, Recording::Tape(ref t) if t.is_empty()),
                    "draws left over"
                );
                let expected = step["deliveries"].as_array().unwrap();
                assert_eq!(report.len(), expected.len());
                for (d, e) in report.iter().zip(expected) {
                    let (u, id) = split(e["device"].as_str().unwrap());
                    assert_eq!(d.to, DeviceAddress::new(user_key(u), id));
                    match (&d.outcome, e["outcome"].as_str().unwrap()) {
                        (
                            Outcome::Sent {
                                message,
                                new_session,
                            },
                            "sent",
                        ) => {
                            assert_eq!(message, &hx(&e["message"]));
                            assert_eq!(*new_session, e["new_session"].as_bool().unwrap());
                            sent += 1;
                        }
                        (Outcome::NeedsBundle, "needs_bundle") => {}
                        (Outcome::BundleRejected(err), "bundle_rejected") => {
                            assert_eq!(err.name(), e["error"].as_str().unwrap());
                        }
                        (got, want) => panic!("{got:?} where the vectors say {want}"),
                    }
                }
                assert_eq!(state(&own), step["own_state"].as_str().unwrap());
                assert_eq!(state(&recipient), step["recipient_state"].as_str().unwrap());
                let user = dev.user;
                dev.contacts.insert(user, own);
                dev.contacts.insert(to, recipient);
            }
            "receive" => {
                let c = dev
                    .contacts
                    .get_mut(step["contact"].as_str().unwrap())
                    .unwrap();
                let before = state(c);
                let from = step["from"].as_u64().unwrap() as u32;
                match c.decrypt(&mut dev.account, &me, from, &hx(&step["message"])) {
                    Ok(r) => {
                        assert_eq!(r.plaintext, hx(&step["plaintext"]));
                        assert_eq!(r.to.to_bytes().to_vec(), hx(&step["to"]));
                        assert_eq!(r.from.device_id, from);
                        received += 1;
                    }
                    Err(e) => {
                        assert_eq!(e.name(), step["error"].as_str().unwrap());
                        assert_eq!(state(c), before, "a failed delivery changes nothing");
                        refused += 1;
                    }
                }
                assert_eq!(state(c), step["state"].as_str().unwrap());
            }
            _ => {
                let c = dev
                    .contacts
                    .get_mut(step["contact"].as_str().unwrap())
                    .unwrap();
                match c.update_list(&hx(&step["list"])) {
                    Ok(change) => {
                        let ids = |es: &[sotto::person::DeviceEntry]| {
                            es.iter().map(|e| json!(e.device_id)).collect::<Vec<_>>()
                        };
                        assert_eq!(json!(ids(&change.added)), step["added"]);
                        assert_eq!(json!(ids(&change.removed)), step["removed"]);
                    }
                    Err(e) => assert_eq!(e.name(), step["error"].as_str().unwrap()),
                }
                assert_eq!(state(c), step["state"].as_str().unwrap());
            }
        }
    }
    assert!(
        sent >= 15 && received >= 15 && refused >= 5,
        "{sent} {received} {refused}"
    );
    let s = &v["sealed_contact"];
    let contact = Contact::unseal(&key, &hx(&s["sealed"])).unwrap();
    assert_eq!(state(&contact), s["state"].as_str().unwrap());
    let resealed = contact
        .seal(&key, &mut Recording::Tape(hx(&s["nonce"])))
        .unwrap();
    assert_eq!(resealed, hx(&s["sealed"]));
    for case in v["invalid_states"].as_array().unwrap() {
        let error = sotto::hazmat::contact_from_state(&hx(&case["state"])).unwrap_err();
        assert_eq!(
            error.name(),
            case["error"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}
