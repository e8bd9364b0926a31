//! Replays the committed fuzz corpora (fuzz/corpus/<target>/*) and any
//! committed crash regressions (fuzz/regressions/<target>/*) through the very
//! code the fuzz targets run (fuzz/common/harness.rs, included below), on
//! stable Rust, as part of the ordinary test suite.
//!
//! Regenerate the seed corpora (deterministic) with
//! `cargo test --release --test fuzz_corpus_replay -- --ignored generate_seed_corpora`.

include!("../fuzz/common/harness.rs");

use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let run = TARGETS.iter().find(|(name, _)| *name == target).unwrap().1;
    let corpus = files_under(&root.join("corpus").join(target));
    assert!(
        corpus.len() >= 3,
        "fuzz/corpus/{target} should hold a seed corpus (found {} files)",
        corpus.len()
    );
    let regressions = files_under(&root.join("regressions").join(target));
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} violates an invariant",
            file.display()
        );
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*

        #[test]
        fn every_fuzz_target_is_replayed() {
            let replayed = [$(stringify!($name)),*];
            let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, replayed);
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
            // Targets of the bindings compile binding code and run only
            // under cargo-fuzz (their corpora are replayed by each run).
            let bindings = ["c_abi"];
            let mut files: Vec<String> = files_under(&dir)
                .iter()
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .filter(|name| !bindings.contains(&name.as_str()))
                .collect();
            files.sort();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(files, sorted, "fuzz/fuzz_targets and TARGETS disagree");
        }
    };
}

replay_tests!(
    prekey_bundle,
    prekey_parts,
    identity_key,
    prekey_message,
    message,
    sealed_account,
    sealed_account_state,
    sealed_session,
    sealed_session_state,
    sealed_record,
    qr_payload,
    conversation,
    attachment_descriptor,
    attachment_chunks,
    device_list,
    device_certificate,
    sealed_user_identity,
    link_offer,
    link_response,
    group_message,
    group_distribution,
    sealed_group,
    group_conversation,
    sealed_contact,
    pq_message,
    pq_conversation,
);

// ------------------------------------------------------------ harness checks

/// The harness must be able to fail: each invariant it checks is violated by
/// a deliberately wrong input to the checking code.
#[test]
fn fixture_messages_behave_as_documented() {
    let fx = fixture();
    for message in &fx.messages {
        let mut recipient = if message.to_bob {
            fx.bob.fork()
        } else {
            fx.alice.fork()
        };
        let result = recipient.decrypt(&message.bytes);
        if message.delivered {
            assert_eq!(result, Err(Error::DuplicateMessage), "{}", message.name);
        } else {
            assert_eq!(
                result.as_deref(),
                Ok(message.plaintext.as_slice()),
                "{}",
                message.name
            );
        }
    }
    // Seals of the raw state are what the sealed-state targets feed in.
    let state = session_state(&fx.bob);
    let restored = Session::unseal(&storage_key(), &seal_raw(KIND_SEALED_SESSION, &state)).unwrap();
    assert!(restored.state() == fx.bob.state());
}

#[test]
fn scripted_conversation_decrypts_each_message_once() {
    // Two messages, each delivered twice: only the first deliveries decrypt
    // (`deliver` itself panics if the core disagrees with the model).
    let ops = Ops::default()
        .send(0, 3)
        .deliver(0)
        .send(1, 1)
        .deliver(1)
        .deliver(1)
        .deliver(0)
        .0;
    let mut c = Conversation::new();
    let mut input = Input(&ops);
    while let Some(op) = input.byte() {
        let arg = input.arg();
        match op {
            0 => c.send(0, arg),
            1 => c.send(1, arg),
            _ => c.deliver(usize::from(arg), None),
        }
    }
    assert_eq!(c.decrypted, 2, "exactly the two first deliveries decrypt");
}

#[test]
fn every_flipped_bit_of_a_repeated_prekey_message_is_rejected() {
    // What the conversation target relies on when it expects every tampered
    // delivery to fail: an existing session authenticates every byte of a
    // repeated prekey message, header included (the session id covers it).
    let fx = fixture();
    let message = fx.messages.iter().find(|m| m.name == "p0").unwrap();
    assert!(message.bytes.len() > PREKEY_HEADER_LEN);
    for position in 0..message.bytes.len() {
        for mask in [0x01, 0x80] {
            let mut bytes = message.bytes.clone();
            bytes[position] ^= mask;
            let mut bob = fx.bob.fork();
            assert!(
                bob.decrypt(&bytes).is_err(),
                "flipped byte {position} ^ {mask:#x} accepted"
            );
            assert!(bob.state() == fx.bob.state());
        }
    }
    let mut bob = fx.bob.fork();
    assert_eq!(bob.decrypt(&message.bytes).unwrap(), message.plaintext);
}

/// The scripted seeds reach the documented bounds, and the model and the core
/// agree on them (`deliver` panics otherwise).
#[test]
fn conversation_seeds_reach_the_documented_outcomes() {
    let seeds = conversation_seeds();
    let run = |name: &str| run_conversation(&seeds.iter().find(|(n, _)| *n == name).unwrap().1);

    let hello = run("hello");
    // The final flush delivers both again: rejected as replays.
    assert_eq!(hello.decrypted, 2);
    assert_eq!(hello.errors, [Error::DuplicateMessage; 2]);

    let far = run("too_far_ahead");
    assert!(far.errors.contains(&Error::TooFarAhead), "{:?}", far.errors);
    // The first two messages, the chain's last two, nothing dropped.
    assert_eq!(far.decrypted, 4);

    let turns = run("many_turns");
    // The held-back message's chain was forgotten: its header opens nowhere.
    assert!(
        turns.errors.contains(&Error::DecryptionFailed),
        "{:?}",
        turns.errors
    );

    let duplicates = run("duplicates");
    assert!(
        duplicates
            .errors
            .iter()
            .all(|e| *e == Error::DuplicateMessage)
    );
    assert!(duplicates.errors.len() >= 3);

    let reorder = run("reorder");
    assert_eq!((reorder.decrypted, reorder.errors.len()), (7, 7));

    // Bob restores an account sealed before he accepted Alice's first
    // message: one replay opens the same session again (by its id), the next
    // is a duplicate again.
    let rollback = run("older_account");
    assert_eq!(rollback.reaccepted_after_rollback, 1);
    assert!(rollback.bob_remembers_alice);
}

// ------------------------------------------------------------ seed corpora

/// Builds conversation-target inputs op by op (see `fuzz_conversation`).
#[derive(Default, Clone)]
struct Ops(Vec<u8>);

impl Ops {
    fn send(mut self, party: u8, len: u8) -> Self {
        self.0.extend([party, len]);
        self
    }
    fn deliver(mut self, k: u8) -> Self {
        self.0.extend([2, k]);
        self
    }
    fn drop_message(mut self, k: u8) -> Self {
        self.0.extend([3, k]);
        self
    }
    fn tamper(mut self, k: u8, position: u16, mask: u8) -> Self {
        let [hi, lo] = position.to_be_bytes();
        self.0.extend([4, k, hi, lo, mask]);
        self
    }
    fn misdeliver(mut self, k: u8) -> Self {
        self.0.extend([5, k]);
        self
    }
    fn seal(mut self, which: u8) -> Self {
        self.0.extend([6, which]);
        self
    }
    fn reaccept(mut self, k: u8) -> Self {
        self.0.extend([7, k]);
        self
    }
}

fn conversation_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut seeds = Vec::new();
    let hello = Ops::default().send(0, 5).deliver(0).send(1, 7).deliver(1);
    seeds.push(("hello", hello.clone().0));
    seeds.push((
        "reorder",
        Ops::default()
            .send(0, 1)
            .send(0, 2)
            .send(0, 3)
            .send(0, 4)
            .deliver(2)
            .deliver(0)
            .deliver(3)
            .deliver(1)
            .send(1, 0)
            .send(1, 0)
            .send(1, 0)
            .deliver(6)
            .deliver(4)
            .deliver(5)
            .0,
    ));
    seeds.push((
        "older_account",
        // Seal Alice's session and Bob's account, keeping the account as a
        // backup (6 = account | backup); accept; replay (refused); restore
        // the backup (8); replay (accepted again, same session id); replay.
        Ops::default()
            .seal(6)
            .send(0, 3)
            .deliver(0)
            .reaccept(0)
            .seal(8)
            .reaccept(0)
            .reaccept(0)
            .send(1, 2)
            .deliver(1)
            .0,
    ));
    seeds.push((
        "duplicates",
        hello
            .clone()
            .deliver(0)
            .deliver(1)
            .reaccept(0)
            .send(0, 9)
            .deliver(2)
            .deliver(2)
            .0,
    ));
    seeds.push((
        "tamper",
        hello
            .clone()
            .send(0, 1)
            .tamper(2, 0, 1)
            .tamper(2, 30, 0x80)
            .tamper(2, 100, 0x01)
            .deliver(2)
            .send(0, 1)
            .tamper(3, 1, 0xff)
            .0,
    ));
    seeds.push((
        "tamper_prekey",
        Ops::default()
            .send(0, 1)
            .send(0, 2)
            .tamper(0, 10, 1)
            .tamper(0, 140, 2)
            .tamper(0, 200, 4)
            .tamper(0, 1300, 8)
            .deliver(0)
            .tamper(1, 170, 1)
            .tamper(1, 600, 0x10)
            .tamper(1, 1280, 1)
            .deliver(1)
            .0,
    ));
    seeds.push((
        "misdeliver",
        hello
            .clone()
            .misdeliver(0)
            .misdeliver(1)
            .send(0, 0)
            .misdeliver(2)
            .0,
    ));
    seeds.push((
        "seal_restore",
        hello
            .clone()
            .seal(0)
            .seal(1)
            .seal(3)
            .send(0, 2)
            .seal(0)
            .deliver(2)
            .seal(1)
            .0,
    ));
    seeds.push((
        "drop",
        hello
            .clone()
            .send(0, 1)
            .send(0, 2)
            .drop_message(2)
            .deliver(2)
            .send(1, 3)
            .deliver(3)
            .0,
    ));
    // Seven ratchet turns with the first message of the second turn held
    // back: its chain is forgotten (MAX_RETIRED_CHAINS) before it arrives.
    let mut turns = Ops::default()
        .send(0, 0)
        .deliver(0)
        .send(1, 0)
        .send(1, 0)
        .deliver(2);
    let mut next = 3u8;
    for _ in 0..7 {
        turns = turns.send(0, 0).deliver(next).send(1, 0).deliver(next + 1);
        next += 2;
    }
    seeds.push(("many_turns", turns.deliver(1).0));
    // More than MAX_SKIP messages in one chain, the last delivered first.
    let mut far = Ops::default().send(0, 0).deliver(0).send(1, 0).deliver(1);
    for _ in 0..1002 {
        far = far.send(0, 0);
    }
    // Keep only the chain's last two messages (indexes 1000 and 1001): the
    // second is one past MAX_SKIP and is rejected until the first arrives.
    for _ in 0..1000 {
        far = far.drop_message(2);
    }
    seeds.push(("too_far_ahead", far.deliver(3).deliver(2).0));
    seeds
}

/// Fixtures of tests/miri_smoke.rs: the fixture conversation's sealed
/// sessions and messages, so that Miri runs the ratchet without the
/// (interpreted, very slow) ML-KEM and account generation.
fn write_miri_fixtures() {
    let fx = fixture();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fixtures/miri");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let key = storage_key();
    std::fs::write(
        dir.join("alice.sealed"),
        fx.alice.seal(&key, &mut rng).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("bob.sealed"), fx.bob.seal(&key, &mut rng).unwrap()).unwrap();
    std::fs::write(dir.join("bundle"), &fx.bob_bundle_bytes).unwrap();
    std::fs::write(dir.join("qr"), &fx.bob_qr).unwrap();
    for message in &fx.messages {
        std::fs::write(dir.join(format!("{}.msg", message.name)), &message.bytes).unwrap();
    }
}

#[test]
#[ignore = "writes fuzz/corpus: run by hand to regenerate the seed corpora"]
fn generate_seed_corpora() {
    generate_pq_seed_corpora();
    write_miri_fixtures();
    let fx = fixture();
    let key = storage_key();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    };
    let by_name = |name: &str| &fx.messages.iter().find(|m| m.name == name).unwrap().bytes;

    // sealed_contact: the contact states of the fan-out vectors (valid and
    // invalid) and the sealed contact.
    let fanout: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1-fanout.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let unhex = |v: &serde_json::Value| -> Vec<u8> {
        let s = v.as_str().unwrap();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    };
    write(
        "sealed_contact",
        "sealed",
        &unhex(&fanout["sealed_contact"]["sealed"]),
    );
    write(
        "sealed_contact",
        "state",
        &unhex(&fanout["sealed_contact"]["state"]),
    );
    for (i, case) in fanout["invalid_states"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        write(
            "sealed_contact",
            &format!("invalid-{i}"),
            &unhex(&case["state"]),
        );
    }

    // group_message, group_distribution, sealed_group, group_conversation
    let gfx = group_fixture();
    for (k, (m, _, _)) in gfx.messages.iter().enumerate() {
        write("group_message", &format!("a{k}"), m);
    }
    write("group_message", "truncated", &gfx.messages[0].0[..60]);
    for (k, d) in gfx.distributions.iter().enumerate() {
        write("group_distribution", &format!("d{k}"), d);
    }
    write(
        "group_distribution",
        "trailing",
        &[gfx.distributions[0].as_slice(), &[0]].concat(),
    );
    let bob = sotto::hazmat::group_state(&gfx.devices[1]).unwrap();
    write("sealed_group", "bob-state", &bob);
    write(
        "sealed_group",
        "bob-sealed",
        &gfx.devices[1]
            .seal(&key, &mut ChaCha20Rng::seed_from_u64(0x6704))
            .unwrap(),
    );
    write("sealed_group", "truncated", &bob[..100]);
    // send, deliver, tamper, add, remove, rotate, restore
    write(
        "group_conversation",
        "send-deliver",
        &[0, 0, 5, 1, 4, 1, 1, 4, 2],
    );
    write(
        "group_conversation",
        "remove-add",
        &[4, 2, 0, 0, 1, 9, 1, 5, 2, 3, 2, 0, 0, 0, 3, 1, 6, 2],
    );
    write(
        "group_conversation",
        "tamper-rotate-restore",
        &[2, 0, 1, 40, 3, 5, 0, 0, 0, 1, 7, 6, 1, 0, 1, 4, 1],
    );

    // attachment_descriptor, attachment_chunks
    let afx = attachment_fixture();
    let descriptor = afx.descriptor.to_bytes();
    write("attachment_descriptor", "valid", &descriptor);
    write("attachment_descriptor", "truncated", &descriptor[..70]);
    write(
        "attachment_descriptor",
        "trailing",
        &[descriptor.as_slice(), &[0]].concat(),
    );
    write(
        "attachment_chunks",
        "whole-file",
        &[&[0u8][..], &afx.ciphertext].concat(),
    );
    write(
        "attachment_chunks",
        "chunk-1",
        &[&[1u8, 1][..], &afx.ciphertext[1040..2080]].concat(),
    );
    write(
        "attachment_chunks",
        "range-1000-1100",
        &[&[2u8, 0x03, 0xe8, 0x04, 0x4c][..], &afx.ciphertext[..2080]].concat(),
    );
    write(
        "attachment_chunks",
        "reordered",
        &[
            &[0u8][..],
            &afx.ciphertext[1040..2080],
            &afx.ciphertext[..1040],
            &afx.ciphertext[2080..],
        ]
        .concat(),
    );

    // prekey_bundle
    write("prekey_bundle", "bob", &fx.bob_bundle_bytes);
    write("prekey_bundle", "alice-no-one-time", &fx.alice_bundle_bytes);
    write("prekey_bundle", "truncated", &fx.bob_bundle_bytes[..200]);
    write("prekey_bundle", "prekey-message", by_name("p0"));
    // prekey_parts
    let bundle = &fx.bob_bundle;
    write("prekey_parts", "signed", &bundle.signed_prekey().to_bytes());
    write("prekey_parts", "kem", &bundle.kem_prekey().to_bytes());
    write(
        "prekey_parts",
        "one-time",
        &bundle.one_time_prekey().unwrap().to_bytes(),
    );
    // identity_key
    write(
        "identity_key",
        "alice",
        &fx.alice_account.identity_key().to_bytes(),
    );
    write(
        "identity_key",
        "bob",
        &fx.bob_account.identity_key().to_bytes(),
    );
    write(
        "identity_key",
        "short",
        &fx.bob_account.identity_key().to_bytes()[..66],
    );
    // prekey_message and message
    for name in ["p0", "p1", "p2"] {
        write("prekey_message", name, by_name(name));
    }
    write("prekey_message", "normal", by_name("m0"));
    for message in &fx.messages {
        write("message", message.name, &message.bytes);
    }
    write("message", "header-only", &by_name("m0")[..82]);
    // sealed_account(_state)
    for (name, account) in [
        ("alice", &fx.alice_account),
        ("bob", &fx.bob_account),
        ("bob-fresh", &fx.bob_account_fresh),
    ] {
        let sealed = account.seal(&key, &mut rng).unwrap();
        write("sealed_account", name, &sealed);
        write(
            "sealed_account_state",
            name,
            &unseal_raw(KIND_SEALED_ACCOUNT, &sealed),
        );
    }
    write(
        "sealed_account",
        "a-session",
        &fx.bob.seal(&key, &mut rng).unwrap(),
    );
    // sealed_session(_state)
    for (name, session) in [
        ("alice", &fx.alice),
        ("bob", &fx.bob),
        ("alice-initial", &fx.alice_initial),
    ] {
        let sealed = session.seal(&key, &mut rng).unwrap();
        write("sealed_session", name, &sealed);
        write(
            "sealed_session_state",
            name,
            &unseal_raw(KIND_SEALED_SESSION, &sealed),
        );
    }
    write(
        "sealed_session",
        "an-account",
        &fx.alice_account.seal(&key, &mut rng).unwrap(),
    );
    // qr_payload
    write("qr_payload", "peer", &fx.bob_qr);
    write("qr_payload", "own", &fx.alice_qr);
    let mut swapped = fx.bob_qr.clone();
    swapped[2..].rotate_left(32);
    write("qr_payload", "swapped", &swapped);
    // device_list, device_certificate, sealed_user_identity
    let people = people_fixture();
    for (i, list) in people.lists.iter().enumerate() {
        write("device_list", &format!("v{}", i + 1), &list.to_bytes());
    }
    let mut ghost = people.lists[0].to_bytes();
    ghost.push(0);
    write("device_list", "trailing", &ghost);
    write(
        "device_certificate",
        "device-2",
        &people.certificate.to_bytes(),
    );
    write("device_certificate", "a-list", &people.lists[1].to_bytes());
    let mut tampered = people.certificate.to_bytes();
    tampered[40] ^= 1;
    write("device_certificate", "tampered", &tampered);
    write("sealed_user_identity", "bob", &people.sealed);
    write(
        "sealed_user_identity",
        "bob-state",
        &unseal_raw(KIND_SEALED_USER_IDENTITY, &people.sealed),
    );
    write(
        "sealed_user_identity",
        "no-list",
        &[&[1u8][..], &[7u8; 32], &[0]].concat(),
    );
    // link_offer, link_response
    let link = link_fixture();
    write("link_offer", "offer", &link.qr);
    write("link_offer", "expired-at-0", &{
        let mut qr = link.qr.clone();
        let at = 2 + 33 + 1185 + 16;
        qr[at..at + 8].copy_from_slice(&0u64.to_be_bytes());
        qr
    });
    write("link_offer", "truncated", &link.qr[..link.qr.len() - 1]);
    write("link_response", "response", &link.response);
    let mut tampered = link.response.clone();
    *tampered.last_mut().unwrap() ^= 1;
    write("link_response", "tampered", &tampered);
    write("link_response", "header-only", &link.response[..1123]);
    // conversation
    for (name, ops) in conversation_seeds() {
        write("conversation", name, &ops);
    }
    // sealed_record: sealed records and record states
    let states: Vec<Vec<u8>> = [&fx.alice, &fx.bob, &fx.alice_initial]
        .iter()
        .map(|s| sotto::hazmat::session_state(s).unwrap().to_vec())
        .collect();
    // Alice's initial session under another id (byte 3 starts the id, §9.2),
    // so that a valid record holds two sessions.
    let mut other_id = states[2].clone();
    other_id[3] ^= 1;
    let record_of = |sessions: &[&Vec<u8>]| {
        let mut out = vec![1u8, 0, sessions.len() as u8];
        for state in sessions {
            out.extend_from_slice(&(state.len() as u32).to_be_bytes());
            out.extend_from_slice(state);
        }
        out
    };
    for (name, state) in [
        ("empty", record_of(&[])),
        ("alice", record_of(&[&states[0]])),
        ("bob", record_of(&[&states[1]])),
        ("alice-two", record_of(&[&states[0], &other_id])),
        ("duplicate", record_of(&[&states[0], &states[0]])),
    ] {
        let record = sotto::hazmat::record_from_state(&state);
        if let Ok(record) = record {
            write(
                "sealed_record",
                &format!("sealed-{name}"),
                &record.seal(&key, &mut rng).unwrap(),
            );
        }
        write("sealed_record", &format!("state-{name}"), &state);
    }
    write(
        "sealed_record",
        "a-session",
        &fx.alice.seal(&key, &mut rng).unwrap(),
    );
}

/// Seeds of `pq_message` and `pq_conversation` (ratchet version 2, §22):
/// `cargo test --test fuzz_corpus_replay -- --ignored generate_pq_seed_corpora`.
#[test]
#[ignore]
fn generate_pq_seed_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    };
    let fields = [
        sotto::hazmat::KemField::Idle,
        sotto::hazmat::KemField::Mix { epoch: 3 },
        sotto::hazmat::KemField::EkChunk {
            epoch: 1,
            index: 23,
            data: [[7; 34].as_slice(), &[0; 16]].concat().try_into().unwrap(),
        },
        sotto::hazmat::KemField::CtChunk {
            epoch: 2,
            index: 0,
            data: [9; 50],
        },
    ];
    for (k, field) in fields.iter().enumerate() {
        write(
            "pq_message",
            &format!("field{k}"),
            &[[0u8].as_slice(), &field.to_bytes()].concat(),
        );
    }
    for (k, (m, _, _)) in pq_fixture().messages.iter().enumerate() {
        write(
            "pq_message",
            &format!("m{k}"),
            &[[1u8].as_slice(), m].concat(),
        );
    }
    // Alternating sends each delivered at once; with drops, tampering,
    // reordering and seal/restore.
    let mut alternate = Vec::new();
    for turn in 0..60u8 {
        alternate.extend_from_slice(&[turn % 2, 0, 2, 0]);
    }
    write("pq_conversation", "alternate", &alternate);
    write(
        "pq_conversation",
        "mixed",
        &[
            0, 1, 0, 2, 1, 0, 2, 0, 3, 1, 9, 4, 5, 0, 2, 1, 4, 0, 1, 3, 2, 0,
        ],
    );
    write(
        "pq_conversation",
        "reorder",
        &[
            0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 2, 0, 1, 0, 1, 0, 2, 1, 2, 0, 5, 1,
        ],
    );
}
