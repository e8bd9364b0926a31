//! Known-answer vectors for session records (PROTOCOL.md §17.5,
//! `tests/vectors/sotto-v1-records.json`): a simultaneous initiation replayed
//! through the public API, with every draw of every send recorded, the
//! plaintext or error and the current session after every delivery, and the
//! record state after it; and invalid record states with their errors.
//!
//! Regenerate with `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --test records_vectors`.

mod common;

use common::tape::{Recording, hex, hx};
use common::*;
use serde_json::{Value, json};
use sotto::{Account, SessionRecord, StorageKey};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/sotto-v1-records.json"
);
const STORAGE_KEY: [u8; 32] = [0x5a; 32];

struct Side {
    account: Account,
    record: SessionRecord,
}

fn ctx(side: usize) -> sotto::SessionContext<'static> {
    if side == 0 {
        alice_context()
    } else {
        bob_context()
    }
}

/// The schedule: (from, label) sends and (to, message index, tamper) deliveries.
enum Step {
    Send(usize, &'static [u8]),
    /// (to, message, byte to flip: none, an index, or from the end if negative).
    Deliver(usize, usize, Option<isize>),
}

fn schedule() -> Vec<Step> {
    use Step::*;
    vec![
        Send(0, b"a1"),
        Send(0, b"a2"),
        Send(1, b"b1"),
        Send(1, b"b2"),
        Deliver(1, 0, None),
        Deliver(0, 2, None),
        Deliver(1, 1, None),
        Deliver(0, 3, None),
        // A replay, and a prekey message altered in its prekey ids (a new
        // session id: the accept path, which fails).
        Deliver(1, 0, None),
        Deliver(1, 1, Some(140)),
        Send(0, b"a3"),
        Deliver(1, 4, Some(-1)),
        Deliver(1, 4, None),
        Send(1, b"b3"),
        Deliver(0, 5, Some(-1)),
        Deliver(0, 5, None),
    ]
}

fn generate() -> Value {
    let mut rng = rng(0x5EC0);
    let key = StorageKey::from_bytes(STORAGE_KEY);
    let mut sides: Vec<Side> = (0..2)
        .map(|_| {
            let mut account = Account::new(&mut rng).unwrap();
            account.generate_one_time_prekeys(2, &mut rng).unwrap();
            Side {
                account,
                record: SessionRecord::new(),
            }
        })
        .collect();
    for from in [0, 1] {
        let bundle = sides[1 - from].account.prekey_bundle().unwrap();
        sides[1 - from].account.mark_bundle_published(&bundle);
        let Side { account, record } = &mut sides[from];
        record
            .initiate(account, &bundle, &ctx(from), &mut rng)
            .unwrap();
    }
    let initial: Vec<Value> = sides
        .iter()
        .map(|s| {
            json!({
                "sealed_account": hex(&s.account.seal(&key, &mut rng).unwrap()),
                "sealed_record": hex(&s.record.seal(&key, &mut rng).unwrap()),
                "record_state": hex(&s.record.state()),
            })
        })
        .collect();
    let mut messages: Vec<Vec<u8>> = vec![];
    let mut steps = vec![];
    for step in schedule() {
        match step {
            Step::Send(from, text) => {
                let mut recorder = Recording::Record(rng.clone(), vec![]);
                let bytes = sides[from].record.encrypt(text, &mut recorder).unwrap();
                let Recording::Record(advanced, drawn) = recorder else {
                    unreachable!()
                };
                rng = advanced;
                steps.push(json!({
                    "op": "send", "from": from, "plaintext": hex(text),
                    "random": hex(&drawn), "message": hex(&bytes),
                    "record_state": hex(&sides[from].record.state()),
                }));
                messages.push(bytes);
            }
            Step::Deliver(to, index, tamper) => {
                let mut bytes = messages[index].clone();
                if let Some(at) = tamper {
                    let position = if at < 0 {
                        bytes.len() - at.unsigned_abs()
                    } else {
                        at as usize
                    };
                    bytes[position] ^= 1;
                }
                let Side { account, record } = &mut sides[to];
                let result = record.decrypt(account, &bytes, &ctx(to));
                let mut entry = json!({
                    "op": "receive", "to": to, "message": hex(&bytes),
                    "current": hex(record.current_id().unwrap().as_bytes()),
                    "record_state": hex(&record.state()),
                });
                match result {
                    Ok(plaintext) => entry["plaintext"] = json!(hex(&plaintext)),
                    Err(error) => entry["error"] = json!(error.name()),
                }
                steps.push(entry);
            }
        }
    }
    // Invalid record states (§17.4) with the error a decoder must report.
    let state = sides[0].record.state();
    let session_len = u32::from_be_bytes(state[3..7].try_into().unwrap()) as usize;
    let first = &state[3..7 + session_len];
    let mut invalid = vec![];
    let mut push = |name: &str, bytes: Vec<u8>, error: &str| {
        assert_eq!(
            sotto::hazmat::record_from_state(&bytes).unwrap_err().name(),
            error,
            "{name}"
        );
        invalid.push(json!({"name": name, "state": hex(&bytes), "error": error}));
    };
    push(
        "format 2",
        [&[2u8, 0][..], &state[2..]].concat(),
        "UNSUPPORTED_VERSION",
    );
    push(
        "flags set",
        [&[1u8, 1][..], &state[2..]].concat(),
        "MALFORMED",
    );
    push("six sessions", vec![1, 0, 6], "TOO_LARGE");
    push(
        "trailing byte",
        [&state[..], &[0]].concat(),
        "TRAILING_BYTES",
    );
    push(
        "length past the end",
        vec![1, 0, 1, 0, 0, 0, 9, 1],
        "TRUNCATED",
    );
    push(
        "same session twice",
        [&[1u8, 0, 2][..], first, first].concat(),
        "MALFORMED",
    );
    json!({
        "description": "Sotto v1 session records (PROTOCOL.md §17.5)",
        "storage_key": hex(&STORAGE_KEY),
        "context": {"alice": hex(ALICE_ID), "bob": hex(BOB_ID)},
        "initial": initial,
        "steps": steps,
        "empty_record_state": "010000",
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
        "regenerate the records vectors"
    );
}

/// Replays the committed file through the public API (unseal, encrypt with
/// the recorded draws, decrypt), checking every published byte.
#[test]
fn vectors_replay_through_the_public_api() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let key = StorageKey::from_bytes(hx(&v["storage_key"]).try_into().unwrap());
    let mut sides: Vec<Side> = v["initial"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let record = SessionRecord::unseal(&key, &hx(&s["sealed_record"])).unwrap();
            assert_eq!(record.state(), hx(&s["record_state"]));
            Side {
                account: Account::unseal(&key, &hx(&s["sealed_account"])).unwrap(),
                record,
            }
        })
        .collect();
    let mut converged = false;
    for step in v["steps"].as_array().unwrap() {
        if step["op"] == "send" {
            let from = step["from"].as_u64().unwrap() as usize;
            let mut tape = Recording::Tape(hx(&step["random"]));
            let bytes = sides[from]
                .record
                .encrypt(&hx(&step["plaintext"]), &mut tape)
                .unwrap();
            assert!(
                matches!(tape, Recording::Tape(ref t) if t.is_empty()),
                "draws left over"
            );
            assert_eq!(bytes, hx(&step["message"]));
            assert_eq!(sides[from].record.state(), hx(&step["record_state"]));
        } else {
            let to = step["to"].as_u64().unwrap() as usize;
            let Side { account, record } = &mut sides[to];
            let before = record.state();
            match record.decrypt(account, &hx(&step["message"]), &ctx(to)) {
                Ok(plaintext) => assert_eq!(plaintext, hx(&step["plaintext"])),
                Err(error) => {
                    assert_eq!(error.name(), step["error"].as_str().unwrap());
                    assert_eq!(record.state(), before);
                }
            }
            assert_eq!(
                record.current_id().unwrap().as_bytes().to_vec(),
                hx(&step["current"])
            );
            assert_eq!(record.state(), hx(&step["record_state"]));
        }
        converged = sides[0].record.current_id() == sides[1].record.current_id();
    }
    assert!(converged, "the vectors end with both sides on one session");
    for case in v["invalid_states"].as_array().unwrap() {
        let error = sotto::hazmat::record_from_state(&hx(&case["state"])).unwrap_err();
        assert_eq!(
            error.name(),
            case["error"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}
