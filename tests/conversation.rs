//! End-to-end behaviour of sessions through the public API: handshakes,
//! ordering, loss, replays, tampering, bounds, sealing and safety numbers.

mod common;

use common::*;
use sotto::limits::{MAX_PLAINTEXT_LEN, MAX_SKIP, MAX_SKIPPED_KEYS};
use sotto::{
    Account, Error, MessageType, Padding, PrekeyBundle, PrekeyMessage, Role, SafetyNumber, Session,
    SessionContext, StorageKey, message_type,
};

#[test]
fn handshake_with_and_without_one_time_prekey() {
    for one_time in [true, false] {
        let mut rng = rng(1);
        let mut p = pair(&mut rng, one_time);
        assert_eq!(p.bundle.one_time_prekey().is_some(), one_time);
        let first = p.alice_session.encrypt(b"first", &mut rng).unwrap();
        assert_eq!(message_type(&first), Ok(MessageType::Prekey));
        let counts_before = p.bob.one_time_prekey_counts();
        let (mut bob_session, plaintext) =
            Session::accept(&mut p.bob, &first, &bob_context()).unwrap();
        assert_eq!(plaintext, b"first");
        let counts_after = p.bob.one_time_prekey_counts();
        if one_time {
            // Both the X25519 and the ML-KEM one-time prekey are consumed.
            assert_eq!((counts_after.0 + 1, counts_after.1 + 1), counts_before);
        } else {
            assert_eq!(counts_after, counts_before);
        }
        assert_eq!(bob_session.id(), p.alice_session.id());
        assert_eq!(bob_session.role(), Role::Responder);
        assert_eq!(bob_session.remote_identity(), p.alice.identity_key());
        let reply = bob_session.encrypt(b"reply", &mut rng).unwrap();
        assert_eq!(message_type(&reply), Ok(MessageType::Normal));
        assert!(p.alice_session.awaiting_reply());
        assert_eq!(p.alice_session.decrypt(&reply).unwrap(), b"reply");
        assert!(!p.alice_session.awaiting_reply());
        // After the reply Alice sends normal messages.
        let third = p.alice_session.encrypt(b"third", &mut rng).unwrap();
        assert_eq!(message_type(&third), Ok(MessageType::Normal));
        assert_eq!(bob_session.decrypt(&third).unwrap(), b"third");
    }
}

#[test]
fn prekey_messages_repeat_until_reply_and_may_arrive_out_of_order() {
    let mut rng = rng(2);
    let mut p = pair(&mut rng, true);
    let m1 = p.alice_session.encrypt(b"one", &mut rng).unwrap();
    let m2 = p.alice_session.encrypt(b"two", &mut rng).unwrap();
    let m3 = p.alice_session.encrypt(b"three", &mut rng).unwrap();
    for m in [&m1, &m2, &m3] {
        assert_eq!(message_type(m), Ok(MessageType::Prekey));
    }
    let id = PrekeyMessage::from_bytes(&m3).unwrap().session_id();
    assert_eq!(id, PrekeyMessage::from_bytes(&m1).unwrap().session_id());
    // The third arrives first and creates the session; the others route to it.
    let (mut bob_session, plaintext) = Session::accept(&mut p.bob, &m3, &bob_context()).unwrap();
    assert_eq!(plaintext, b"three");
    assert_eq!(bob_session.id(), id);
    assert_eq!(bob_session.decrypt(&m1).unwrap(), b"one");
    assert_eq!(bob_session.decrypt(&m2).unwrap(), b"two");
    // Accepting any of them again is refused: the base key was used.
    assert_eq!(
        Session::accept(&mut p.bob, &m1, &bob_context()).unwrap_err(),
        Error::DuplicateMessage
    );
}

#[test]
fn a_tampered_repeated_prekey_header_is_a_session_mismatch() {
    let mut rng = rng(3);
    let mut p = pair(&mut rng, true);
    let m1 = p.alice_session.encrypt(b"one", &mut rng).unwrap();
    let mut m2 = p.alice_session.encrypt(b"two", &mut rng).unwrap();
    let (mut bob_session, _) = Session::accept(&mut p.bob, &m1, &bob_context()).unwrap();
    // Flip a bit inside the KEM ciphertext of the repeated header.
    m2[400] ^= 1;
    let before = bob_session.fork();
    assert_eq!(bob_session.decrypt(&m2), Err(Error::SessionMismatch));
    assert_eq!(bob_session.state(), before.state());
}

#[test]
fn mismatched_context_fails_and_keeps_one_time_prekeys() {
    let mut rng = rng(4);
    let mut p = pair(&mut rng, true);
    let first = p.alice_session.encrypt(b"hi", &mut rng).unwrap();
    let before = p.bob.fork();
    let wrong = SessionContext::new(BOB_ID, b"mallory@example.org/phone");
    assert_eq!(
        Session::accept(&mut p.bob, &first, &wrong).unwrap_err(),
        Error::DecryptionFailed
    );
    assert_eq!(
        p.bob.state(),
        before.state(),
        "a failed accept must not touch the account"
    );
    // The right context still works afterwards.
    Session::accept(&mut p.bob, &first, &bob_context()).unwrap();
}

#[test]
fn a_consumed_one_time_prekey_cannot_be_used_again() {
    let mut rng = rng(5);
    let mut p = pair(&mut rng, true);
    let first = p.alice_session.encrypt(b"hi", &mut rng).unwrap();
    Session::accept(&mut p.bob, &first, &bob_context()).unwrap();
    // A second initiator using the same (stale) bundle names a consumed prekey.
    let carol = Account::new(&mut rng).unwrap();
    let mut carol_session =
        Session::initiate(&carol, &p.bundle, &alice_context(), &mut rng).unwrap();
    let m = carol_session.encrypt(b"hello", &mut rng).unwrap();
    assert_eq!(
        Session::accept(&mut p.bob, &m, &bob_context()).unwrap_err(),
        Error::UnknownPrekey
    );
}

#[test]
fn prekey_message_for_another_account_fails() {
    let mut rng = rng(6);
    let mut p = pair(&mut rng, false);
    let first = p.alice_session.encrypt(b"hi", &mut rng).unwrap();
    let mut eve = Account::new(&mut rng).unwrap();
    let err = Session::accept(&mut eve, &first, &bob_context()).unwrap_err();
    assert!(
        matches!(err, Error::UnknownPrekey | Error::DecryptionFailed),
        "{err:?}"
    );
}

#[test]
fn long_conversation_with_ratchet_steps_in_both_directions() {
    let (mut alice, mut bob, mut rng) = established(7);
    for round in 0..50u32 {
        let burst = 1 + round % 4;
        for i in 0..burst {
            let text = format!("alice {round}.{i}");
            let m = alice.encrypt(text.as_bytes(), &mut rng).unwrap();
            assert_eq!(bob.decrypt(&m).unwrap(), text.as_bytes());
        }
        for i in 0..(round % 3) {
            let text = format!("bob {round}.{i}");
            let m = bob.encrypt(text.as_bytes(), &mut rng).unwrap();
            assert_eq!(alice.decrypt(&m).unwrap(), text.as_bytes());
        }
    }
}

#[test]
fn out_of_order_across_ratchet_steps() {
    let (mut alice, mut bob, mut rng) = established(8);
    let a1: Vec<_> = (0..5)
        .map(|i| alice.encrypt(&[i], &mut rng).unwrap())
        .collect();
    // Bob receives only the last of the first chain, then replies.
    assert_eq!(bob.decrypt(&a1[4]).unwrap(), [4]);
    let b1 = bob.encrypt(b"b", &mut rng).unwrap();
    assert_eq!(alice.decrypt(&b1).unwrap(), b"b");
    // Alice's new chain; Bob gets a message of it before the old stragglers.
    let a2: Vec<_> = (10..13)
        .map(|i| alice.encrypt(&[i], &mut rng).unwrap())
        .collect();
    assert_eq!(bob.decrypt(&a2[2]).unwrap(), [12]);
    for i in [3usize, 0, 2, 1] {
        assert_eq!(bob.decrypt(&a1[i]).unwrap(), [i as u8]);
    }
    assert_eq!(bob.decrypt(&a2[0]).unwrap(), [10]);
    assert_eq!(bob.decrypt(&a2[1]).unwrap(), [11]);
    // Everything was consumed exactly once.
    for m in a1.iter().chain(&a2) {
        assert_eq!(bob.decrypt(m), Err(Error::DuplicateMessage));
    }
}

#[test]
fn replays_are_duplicates_and_leave_state_unchanged() {
    let (mut alice, mut bob, mut rng) = established(9);
    let m = alice.encrypt(b"once", &mut rng).unwrap();
    assert_eq!(bob.decrypt(&m).unwrap(), b"once");
    let before = bob.fork();
    assert_eq!(bob.decrypt(&m), Err(Error::DuplicateMessage));
    assert_eq!(bob.state(), before.state());
}

#[test]
fn every_single_bit_flip_is_rejected_without_state_change() {
    let (mut alice, mut bob, mut rng) = established(10);
    let m = alice.encrypt(b"tamper with me", &mut rng).unwrap();
    let before = bob.fork();
    for byte in 0..m.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = m.clone();
            bad[byte] ^= bit;
            assert!(bob.decrypt(&bad).is_err(), "byte {byte}");
            assert_eq!(
                bob.state(),
                before.state(),
                "state changed after byte {byte}"
            );
        }
    }
    for len in 0..m.len() {
        assert!(bob.decrypt(&m[..len]).is_err());
    }
    assert_eq!(bob.state(), before.state());
    assert_eq!(bob.decrypt(&m).unwrap(), b"tamper with me");
}

#[test]
fn messages_of_another_session_are_rejected() {
    let (mut alice, _, mut rng) = established(11);
    let (_, mut other_bob, _) = established(12);
    let m = alice.encrypt(b"not yours", &mut rng).unwrap();
    let before = other_bob.fork();
    assert_eq!(other_bob.decrypt(&m), Err(Error::DecryptionFailed));
    assert_eq!(other_bob.state(), before.state());
}

#[test]
fn skip_bound_is_enforced_and_harmless() {
    let (mut alice, mut bob, mut rng) = established(13);
    let messages: Vec<_> = (0..=MAX_SKIP + 1)
        .map(|i| alice.encrypt(&i.to_be_bytes(), &mut rng).unwrap())
        .collect();
    let before = bob.fork();
    // Index MAX_SKIP + 1 would skip MAX_SKIP + 1 keys: refused.
    assert_eq!(
        bob.decrypt(&messages[(MAX_SKIP + 1) as usize]),
        Err(Error::TooFarAhead)
    );
    assert_eq!(bob.state(), before.state());
    // Index MAX_SKIP skips exactly MAX_SKIP keys: allowed.
    assert_eq!(
        bob.decrypt(&messages[MAX_SKIP as usize]).unwrap(),
        MAX_SKIP.to_be_bytes()
    );
    assert_eq!(bob.decrypt(&messages[0]).unwrap(), 0u32.to_be_bytes());
    assert_eq!(
        bob.decrypt(&messages[(MAX_SKIP + 1) as usize]).unwrap(),
        (MAX_SKIP + 1).to_be_bytes()
    );
}

#[test]
fn skipped_key_store_is_bounded_and_evicts_oldest_first() {
    let (mut alice, mut bob, mut rng) = established(14);
    // Three chains, each skipping MAX_SKIP keys: 3000 skipped > MAX_SKIPPED_KEYS.
    let mut skipped_firsts = Vec::new();
    for _ in 0..3 {
        let chain: Vec<_> = (0..=MAX_SKIP)
            .map(|i| alice.encrypt(&i.to_be_bytes(), &mut rng).unwrap())
            .collect();
        assert!(bob.decrypt(&chain[MAX_SKIP as usize]).is_ok());
        skipped_firsts.push((chain[0].clone(), chain[(MAX_SKIP - 1) as usize].clone()));
        let reply = bob.encrypt(b"ack", &mut rng).unwrap();
        alice.decrypt(&reply).unwrap();
    }
    let total = 3 * MAX_SKIP as usize;
    assert!(total > MAX_SKIPPED_KEYS);
    let evicted = total - MAX_SKIPPED_KEYS; // 1000: exactly the whole first chain
    assert_eq!(evicted, MAX_SKIP as usize);
    // The first chain's keys were evicted (oldest first) ...
    assert_eq!(
        bob.decrypt(&skipped_firsts[0].0),
        Err(Error::DuplicateMessage)
    );
    assert_eq!(
        bob.decrypt(&skipped_firsts[0].1),
        Err(Error::DuplicateMessage)
    );
    // ... the later chains' keys were kept.
    assert_eq!(
        bob.decrypt(&skipped_firsts[1].0).unwrap(),
        0u32.to_be_bytes()
    );
    assert_eq!(
        bob.decrypt(&skipped_firsts[2].1).unwrap(),
        (MAX_SKIP - 1).to_be_bytes()
    );
}

#[test]
fn plaintext_size_limit() {
    let (mut alice, mut bob, mut rng) = established(15);
    let before = alice.fork();
    assert_eq!(
        alice.encrypt(&vec![0u8; MAX_PLAINTEXT_LEN + 1], &mut rng),
        Err(Error::TooLarge)
    );
    assert_eq!(alice.state(), before.state());
    let big = vec![0x5a; MAX_PLAINTEXT_LEN];
    let m = alice.encrypt(&big, &mut rng).unwrap();
    assert_eq!(bob.decrypt(&m).unwrap(), big);
}

#[test]
fn padding_hides_short_lengths_and_is_configurable() {
    let (mut alice, mut bob, mut rng) = established(16);
    let short: Vec<usize> = [0usize, 1, 5, 20, 31]
        .iter()
        .map(|&n| alice.encrypt(&vec![b'x'; n], &mut rng).unwrap().len())
        .collect();
    assert!(
        short.windows(2).all(|w| w[0] == w[1]),
        "short messages must have one size: {short:?}"
    );
    // 100 bytes -> 101 with the marker -> Padmé 104; overhead 2 + 24 + 56 + 16.
    let m = alice.encrypt(&[7u8; 100], &mut rng).unwrap();
    assert_eq!(m.len(), 104 + 98);
    alice.set_padding(Padding::None);
    let m2 = alice.encrypt(&[7u8; 100], &mut rng).unwrap();
    assert_eq!(m2.len(), 101 + 98);
    assert_eq!(bob.decrypt(&m2).unwrap(), [7u8; 100]);
    assert_eq!(bob.decrypt(&m).unwrap(), [7u8; 100]);
}

#[test]
fn sealed_session_round_trip_and_errors() {
    let (mut alice, mut bob, mut rng) = established(17);
    let key = StorageKey::generate(&mut rng).unwrap();
    let sealed = bob.seal(&key, &mut rng).unwrap();
    let restored = Session::unseal(&key, &sealed).unwrap();
    assert_eq!(restored.state(), bob.state());
    // Sealing twice gives different bytes (random nonce), both valid.
    let sealed_again = bob.seal(&key, &mut rng).unwrap();
    assert_ne!(sealed, sealed_again);
    assert_eq!(
        Session::unseal(&key, &sealed_again).unwrap().state(),
        bob.state()
    );
    // Wrong key, corruption, truncation, wrong type, unknown version.
    let wrong = StorageKey::from_bytes([7; 32]);
    assert_eq!(
        Session::unseal(&wrong, &sealed).err(),
        Some(Error::UnsealFailed)
    );
    for i in [2usize, 30, sealed.len() - 1] {
        let mut bad = sealed.clone();
        bad[i] ^= 1;
        assert_eq!(
            Session::unseal(&key, &bad).err(),
            Some(Error::UnsealFailed),
            "byte {i}"
        );
    }
    assert_eq!(
        Session::unseal(&key, &sealed[..20]).err(),
        Some(Error::Truncated)
    );
    let mut other_kind = sealed.clone();
    other_kind[1] = 0x04;
    assert_eq!(
        Session::unseal(&key, &other_kind).err(),
        Some(Error::WrongObjectType)
    );
    let mut newer = sealed.clone();
    newer[0] = 2;
    assert_eq!(
        Session::unseal(&key, &newer).err(),
        Some(Error::UnsupportedVersion)
    );
    // The restored session keeps talking.
    let mut bob2 = restored;
    let m = alice.encrypt(b"after restore", &mut rng).unwrap();
    assert_eq!(bob2.decrypt(&m).unwrap(), b"after restore");
    assert_eq!(bob.decrypt(&m).unwrap(), b"after restore");
}

#[test]
fn sealed_account_round_trip_keeps_prekeys() {
    let mut rng = rng(18);
    let mut p = pair(&mut rng, true);
    let key = StorageKey::generate(&mut rng).unwrap();
    let sealed = p.bob.seal(&key, &mut rng).unwrap();
    let mut restored = Account::unseal(&key, &sealed).unwrap();
    assert_eq!(restored.state(), p.bob.state());
    assert_eq!(
        Session::unseal(&key, &sealed).err(),
        Some(Error::WrongObjectType)
    );
    assert_eq!(
        Account::unseal(&StorageKey::from_bytes([1; 32]), &sealed).err(),
        Some(Error::UnsealFailed)
    );
    let first = p
        .alice_session
        .encrypt(b"to the restored account", &mut rng)
        .unwrap();
    let (_, plaintext) = Session::accept(&mut restored, &first, &bob_context()).unwrap();
    assert_eq!(plaintext, b"to the restored account");
}

#[test]
fn rotated_prekeys_stay_usable_for_a_while() {
    let mut rng = rng(19);
    let mut p = pair(&mut rng, false);
    let first = p.alice_session.encrypt(b"old bundle", &mut rng).unwrap();
    p.bob.rotate_signed_prekey(&mut rng).unwrap();
    p.bob.rotate_last_resort_prekey(&mut rng).unwrap();
    Session::accept(&mut p.bob.fork(), &first, &bob_context()).unwrap();
    for _ in 0..2 {
        p.bob.rotate_signed_prekey(&mut rng).unwrap();
        p.bob.rotate_last_resort_prekey(&mut rng).unwrap();
    }
    assert_eq!(
        Session::accept(&mut p.bob, &first, &bob_context()).unwrap_err(),
        Error::UnknownPrekey
    );
}

#[test]
fn bundles_round_trip_and_reject_tampering() {
    let mut rng = rng(20);
    let mut bob = Account::new(&mut rng).unwrap();
    bob.generate_one_time_prekeys(2, &mut rng).unwrap();
    for bundle in [bob.prekey_bundle().unwrap(), {
        let b = Account::new(&mut rng).unwrap();
        b.prekey_bundle().unwrap()
    }] {
        let bytes = bundle.to_bytes();
        assert_eq!(PrekeyBundle::from_bytes(&bytes).unwrap(), bundle);
        // A flip in any signature, key or id byte is caught (ids are signed).
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x04;
            let flag_or_one_time = i >= bytes.len() - 38 && bundle.one_time_prekey().is_some();
            if !flag_or_one_time {
                assert!(
                    PrekeyBundle::from_bytes(&bad).is_err(),
                    "byte {i} of {}",
                    bytes.len()
                );
            }
        }
        assert_eq!(
            PrekeyBundle::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            Error::Truncated
        );
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            PrekeyBundle::from_bytes(&long).unwrap_err(),
            Error::TrailingBytes
        );
    }
}

#[test]
fn components_assemble_into_verified_bundles() {
    let mut rng = rng(21);
    let mut bob = Account::new(&mut rng).unwrap();
    let mallory = Account::new(&mut rng).unwrap();
    bob.generate_one_time_prekeys(3, &mut rng).unwrap();
    let one_time = bob.unpublished_one_time_prekeys();
    let kem = bob.unpublished_one_time_kem_prekeys().unwrap();
    assert_eq!((one_time.len(), kem.len()), (3, 3));
    bob.mark_prekeys_published();
    assert!(bob.unpublished_one_time_prekeys().is_empty());
    let spk = sotto::SignedPrekey::from_bytes(&bob.signed_prekey().to_bytes()).unwrap();
    let kem0 = sotto::KemPrekey::from_bytes(&kem[0].to_bytes()).unwrap();
    let otk = sotto::OneTimePrekey::from_bytes(&one_time[1].to_bytes()).unwrap();
    let bundle = PrekeyBundle::new(
        bob.identity_key().clone(),
        spk.clone(),
        kem0.clone(),
        Some(otk),
    )
    .unwrap();
    // Another identity's prekeys are refused.
    assert_eq!(
        PrekeyBundle::new(mallory.identity_key().clone(), spk, kem0, None).unwrap_err(),
        Error::BadSignature
    );
    let alice = Account::new(&mut rng).unwrap();
    let mut a = Session::initiate(&alice, &bundle, &alice_context(), &mut rng).unwrap();
    let m = a.encrypt(b"assembled", &mut rng).unwrap();
    assert_eq!(
        Session::accept(&mut bob, &m, &bob_context()).unwrap().1,
        b"assembled"
    );
}

#[test]
fn safety_numbers_agree_and_detect_substitution() {
    let (alice, bob, mut rng) = established(22);
    let a = alice.safety_number();
    let b = bob.safety_number();
    assert_eq!(a.digits().len(), 60);
    assert!(a.digits().bytes().all(|c| c.is_ascii_digit()));
    assert_eq!(a.digits(), b.digits());
    assert_eq!(a.display().len(), 60 + 11);
    assert_eq!(a.emoji(), b.emoji());
    assert!(b.matches_qr(&a.qr_payload()).unwrap());
    assert!(a.matches_qr(&b.qr_payload()).unwrap());
    // A QR payload shown by a party is not accepted as its own view.
    assert!(!a.matches_qr(&a.qr_payload()).unwrap());
    // A man in the middle has different numbers.
    let mallory = Account::new(&mut rng).unwrap();
    let m = SafetyNumber::new(alice.local_identity(), mallory.identity_key());
    assert_ne!(m.digits(), a.digits());
    assert!(!b.matches_qr(&m.qr_payload()).unwrap());
    assert_eq!(a.matches_qr(&a.qr_payload()[..10]), Err(Error::Truncated));
    assert_eq!(a.matches_qr(&[2u8; 66]), Err(Error::UnsupportedVersion));
}

#[test]
fn decoders_report_typed_errors() {
    assert_eq!(message_type(&[]), Err(Error::Truncated));
    assert_eq!(message_type(&[9, 3]), Err(Error::UnsupportedVersion));
    assert_eq!(message_type(&[1, 1]), Err(Error::WrongObjectType));
    assert_eq!(
        PrekeyMessage::from_bytes(&[1, 2, 3]).unwrap_err(),
        Error::InvalidKey
    );
    assert_eq!(
        PrekeyMessage::from_bytes(&[1, 3]).unwrap_err(),
        Error::WrongObjectType
    );
    let (mut alice, _, _) = established(23);
    assert_eq!(alice.decrypt(&[1, 3, 0, 0]), Err(Error::Truncated));
    assert_eq!(alice.decrypt(&[1, 1, 0, 0]), Err(Error::WrongObjectType));
    let mut too_big = vec![1u8, 3];
    too_big.resize(3 * MAX_PLAINTEXT_LEN, 0);
    assert_eq!(alice.decrypt(&too_big), Err(Error::TooLarge));
}

#[test]
fn context_identifiers_are_bounded() {
    let mut rng = rng(24);
    let mut p = pair(&mut rng, false);
    let long = vec![b'x'; sotto::limits::MAX_CONTEXT_ID_LEN + 1];
    let context = SessionContext::new(&long, BOB_ID);
    assert_eq!(
        Session::initiate(&p.alice, &p.bundle, &context, &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    let first = p.alice_session.encrypt(b"x", &mut rng).unwrap();
    let context = SessionContext::new(BOB_ID, &long);
    assert_eq!(
        Session::accept(&mut p.bob, &first, &context).unwrap_err(),
        Error::InvalidArgument
    );
    // Empty identifiers bind nothing: refused on both sides (as in C and JS).
    let longest = vec![b'x'; sotto::limits::MAX_CONTEXT_ID_LEN];
    for (local, remote) in [(&b""[..], BOB_ID), (ALICE_ID, &b""[..])] {
        let context = SessionContext::new(local, remote);
        assert_eq!(
            Session::initiate(&p.alice, &p.bundle, &context, &mut rng).unwrap_err(),
            Error::InvalidArgument
        );
        let context = SessionContext::new(remote, local);
        assert_eq!(
            Session::accept(&mut p.bob, &first, &context).unwrap_err(),
            Error::InvalidArgument
        );
    }
    let context = SessionContext::new(&longest, BOB_ID);
    assert!(Session::initiate(&p.alice, &p.bundle, &context, &mut rng).is_ok());
}

#[test]
fn accept_from_refuses_another_identity_and_changes_nothing() {
    let mut rng = rng(40);
    let mut p = pair(&mut rng, true);
    let first = p.alice_session.encrypt(b"from alice", &mut rng).unwrap();
    let mallory = Account::new(&mut rng).unwrap();
    let before = p.bob.state();
    assert_eq!(
        Session::accept_from(
            &mut p.bob,
            &first,
            &bob_context(),
            Some(mallory.identity_key())
        )
        .err(),
        Some(Error::IdentityMismatch)
    );
    assert_eq!(
        p.bob.state(),
        before,
        "a refused accept must not touch the account"
    );
    assert_eq!(Error::IdentityMismatch.code(), 23);
    // The expected identity, or none, accepts.
    let (session, text) = Session::accept_from(
        &mut p.bob,
        &first,
        &bob_context(),
        Some(p.alice.identity_key()),
    )
    .unwrap();
    assert_eq!(text, b"from alice");
    assert_eq!(session.remote_identity(), p.alice.identity_key());
}

#[test]
fn prekey_bundle_is_pure_until_marked_published() {
    let mut rng = rng(41);
    let mut bob = Account::new(&mut rng).unwrap();
    bob.generate_one_time_prekeys(2, &mut rng).unwrap();
    let before = bob.state();
    let a = bob.prekey_bundle().unwrap();
    let b = bob.prekey_bundle().unwrap();
    assert_eq!(bob.state(), before, "building a bundle changed the account");
    assert_eq!(a.to_bytes(), b.to_bytes());
    bob.mark_bundle_published(&a);
    let c = bob.prekey_bundle().unwrap();
    assert_ne!(
        a.one_time_prekey().map(|k| k.id()),
        c.one_time_prekey().map(|k| k.id())
    );
    assert_ne!(a.kem_prekey().id(), c.kem_prekey().id());
    // The getters are infallible and match the bundle.
    assert_eq!(bob.signed_prekey(), c.signed_prekey());
    assert_eq!(
        bob.last_resort_prekey().kind(),
        sotto::KemPrekeyKind::LastResort
    );
}

#[test]
fn generation_reports_and_never_evicts_published_keys_within_the_cap() {
    use sotto::limits::{MAX_ONE_TIME_PREKEYS, MAX_PUBLISHED_ONE_TIME_PREKEYS};
    let mut rng = rng(42);
    let mut bob = Account::new(&mut rng).unwrap();
    let report = bob
        .generate_one_time_prekeys(MAX_ONE_TIME_PREKEYS, &mut rng)
        .unwrap();
    assert_eq!(report.created.len(), 2 * MAX_ONE_TIME_PREKEYS);
    assert_eq!(
        report.created.first(),
        Some(&3),
        "ids continue after prekeys 1 and 2"
    );
    assert!(report.evicted_published.is_empty() && report.evicted_unpublished.is_empty());
    // Publication is capped at 50 of each kind.
    let uploaded: Vec<u32> = bob
        .unpublished_one_time_prekeys()
        .iter()
        .map(|k| k.id())
        .collect();
    assert_eq!(uploaded.len(), MAX_PUBLISHED_ONE_TIME_PREKEYS);
    assert_eq!(
        bob.unpublished_one_time_kem_prekeys().unwrap().len(),
        MAX_PUBLISHED_ONE_TIME_PREKEYS
    );
    bob.mark_prekeys_published();
    assert!(
        bob.unpublished_one_time_prekeys().is_empty(),
        "the cap is reached"
    );
    assert!(bob.prekey_bundle().unwrap().one_time_prekey().is_none());
    // A top-up of 50 evicts only unpublished keys (the oldest first).
    let report = bob
        .generate_one_time_prekeys(
            MAX_ONE_TIME_PREKEYS - MAX_PUBLISHED_ONE_TIME_PREKEYS,
            &mut rng,
        )
        .unwrap();
    assert_eq!(report.created.len(), 100);
    assert_eq!(report.evicted_unpublished.len(), 100);
    assert!(report.evicted_published.is_empty());
    assert!(
        uploaded
            .iter()
            .all(|id| !report.evicted_unpublished.contains(id))
    );
    assert_eq!(bob.one_time_prekey_counts(), (100, 100));
    // A full generation must evict published keys too, and says which.
    let report = bob
        .generate_one_time_prekeys(MAX_ONE_TIME_PREKEYS, &mut rng)
        .unwrap();
    assert_eq!(report.evicted_unpublished.len(), 100);
    assert_eq!(report.evicted_published.len(), 100);
    assert!(
        uploaded
            .iter()
            .all(|id| report.evicted_published.contains(id))
    );
    // Too many at once is refused and changes nothing.
    let before = bob.state();
    assert_eq!(
        bob.generate_one_time_prekeys(MAX_ONE_TIME_PREKEYS + 1, &mut rng)
            .err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(bob.state(), before);
}
