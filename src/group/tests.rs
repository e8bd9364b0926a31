use super::persist::MAX_STATE_LEN;
use super::*;
use alloc::vec::Vec;

#[test]
fn largest_state_fits_the_sealed_bound() {
    assert_eq!(MAX_STATE_LEN, 662_215);
    const { assert!(MAX_STATE_LEN + 2 + 24 + 16 <= MAX_SEALED_GROUP_LEN) };
}

#[test]
fn chain_step_matches_hmac_definition() {
    use crate::primitives::Secret;
    use crate::primitives::kdf::hmac_sha256;
    let ck = Secret::from_bytes([9u8; 32]);
    let (mk, next) = chain::step(&ck);
    assert_eq!(
        mk.expose(),
        &hmac_sha256(&[9u8; 32], b"Sotto v1 group message key")
    );
    assert_eq!(
        next.expose(),
        &hmac_sha256(&[9u8; 32], b"Sotto v1 group chain key")
    );
    assert_ne!(mk.expose(), next.expose());
}

/// A deterministic generator for the tests below.
fn rng() -> rand_chacha::ChaCha20Rng {
    rand_core::SeedableRng::from_seed([0x5e; 32])
}

fn pair() -> (GroupSession, GroupSession) {
    let mut rng = rng();
    let config = GroupConfig {
        max_messages: u32::MAX,
        ..GroupConfig::default()
    };
    let alice = GroupSession::create([3; 16], b"alice#1", &[b"bob#1"], 0, config, 0, &mut rng)
        .expect("create");
    let mut bob = GroupSession::create([3; 16], b"bob#1", &[b"alice#1"], 0, config, 0, &mut rng)
        .expect("create");
    bob.receive_distribution(
        &alice.distribution().to_bytes().expect("encode"),
        b"alice#1",
    )
    .expect("distribution");
    (alice, bob)
}

/// The verifying key a chain keeps (its negation, decoded once) is rebuilt
/// from the 32 stored bytes when a state is restored: a restored receiver
/// accepts and rejects exactly what the original does, and a restored
/// sender's signatures are the original's (Ed25519 is deterministic), so the
/// same message bytes come out for the same nonce draws.
#[test]
fn restored_group_signs_and_verifies_as_the_original() {
    let (mut alice, mut bob) = pair();
    let mut alice_copy =
        GroupSession::deserialize(&alice.serialize().expect("state")).expect("restore");
    let mut bob_copy =
        GroupSession::deserialize(&bob.serialize().expect("state")).expect("restore");
    let sent = alice
        .encrypt(b"same bytes", 0, &mut rng())
        .expect("encrypt");
    let sent_copy = alice_copy
        .encrypt(b"same bytes", 0, &mut rng())
        .expect("encrypt");
    assert_eq!(sent.message, sent_copy.message);
    // Every one-bit change of the signature, and of a signed byte, is
    // refused by both receivers alike and changes neither.
    let before = bob.serialize().expect("state");
    let len = sent.message.len();
    for bit in [
        0,
        7 * 8,
        (len - 65) * 8,
        (len - 64) * 8 + 3,
        (len - 1) * 8 + 7,
    ] {
        let mut bad = sent.message.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let original = bob.decrypt(&bad).map(|d| d.plaintext);
        let restored = bob_copy.decrypt(&bad).map(|d| d.plaintext);
        assert!(original.is_err(), "bit {bit}");
        assert_eq!(original, restored, "bit {bit}");
    }
    assert_eq!(*before, *bob.serialize().expect("state"));
    assert_eq!(
        bob.decrypt(&sent.message).expect("decrypt").plaintext,
        b"same bytes"
    );
    assert_eq!(
        bob_copy
            .decrypt(&sent_copy.message)
            .expect("decrypt")
            .plaintext,
        b"same bytes"
    );
    assert_eq!(
        *bob.serialize().expect("state"),
        *bob_copy.serialize().expect("state")
    );
}

/// Decryption commits in place (no copy of the chain): out-of-order
/// delivery stores the skipped keys, takes each once, and a rejected
/// message (replay, tampered body, too far ahead) leaves the state byte for
/// byte as it was.
#[test]
fn decryption_commits_only_on_success() {
    let (mut alice, mut bob) = pair();
    let mut rng = rng();
    let sent: Vec<Vec<u8>> = (0..6u8)
        .map(|i| {
            alice
                .encrypt(&[i; 20], 0, &mut rng)
                .expect("encrypt")
                .message
        })
        .collect();
    let state = |g: &GroupSession| g.serialize().expect("state").to_vec();
    for i in [3usize, 0, 5, 2, 1, 4] {
        let mut tampered = sent[i].clone();
        let body = tampered.len() - 70;
        tampered[body] ^= 1;
        let before = state(&bob);
        assert!(bob.decrypt(&tampered).is_err());
        assert_eq!(before, state(&bob));
        let read = bob.decrypt(&sent[i]).expect("decrypt");
        assert_eq!(read.plaintext, [i as u8; 20]);
        let after = state(&bob);
        assert_eq!(bob.decrypt(&sent[i]), Err(crate::Error::DuplicateMessage));
        assert_eq!(after, state(&bob));
    }
    assert_eq!(bob.receiving[0].skipped.len(), 0);
    assert_eq!(bob.receiving[0].next, 6);
    // 1001 keys ahead: refused, nothing stored. Alice's chain is stepped
    // as `encrypt` steps it, without sealing the 1001 skipped messages: a
    // signature each made this test run for tens of minutes under Miri.
    for _ in 0..=MAX_GROUP_SKIP {
        let (_, next) = chain::step(&alice.sending.chain_key);
        alice.sending.chain_key = next;
        alice.sending.index += 1;
    }
    let far = alice.encrypt(b"far", 0, &mut rng).expect("encrypt").message;
    let before = state(&bob);
    assert_eq!(bob.decrypt(&far), Err(crate::Error::TooFarAhead));
    assert_eq!(before, state(&bob));
}
