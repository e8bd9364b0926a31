//! A small end-to-end run sized for Miri (`cargo +nightly miri test --test
//! miri_smoke --target s390x-unknown-linux-gnu`, which also makes it a
//! big-endian run): a handshake, a short conversation with reordering and a
//! replay, sealed state round trips, and decoding of every wire object.
//! It is an ordinary (fast) test natively too.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sotto::{
    Account, Error, IdentityKey, MessageType, PrekeyBundle, PrekeyMessage, Session, SessionContext,
    StorageKey,
};

#[test]
fn handshake_reordering_and_sealed_state() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5177);
    let alice_account = Account::new(&mut rng).unwrap();
    let mut bob_account = Account::new(&mut rng).unwrap();
    bob_account.generate_one_time_prekeys(1, &mut rng).unwrap();

    // Every wire object decodes back to what was encoded.
    let bundle_bytes = bob_account.prekey_bundle().unwrap().to_bytes();
    let bundle = PrekeyBundle::from_bytes(&bundle_bytes).unwrap();
    assert_eq!(bundle.to_bytes(), bundle_bytes);
    let identity = bob_account.identity_key().to_bytes();
    assert_eq!(
        &IdentityKey::from_bytes(&identity).unwrap(),
        bob_account.identity_key()
    );
    let mut bad = bundle_bytes.clone();
    bad[40] ^= 1;
    assert!(PrekeyBundle::from_bytes(&bad).is_err());

    let mut alice = Session::initiate(
        &alice_account,
        &bundle,
        &SessionContext::new(b"alice", b"bob"),
        &mut rng,
    )
    .unwrap();
    let m0 = alice.encrypt(b"zero", &mut rng).unwrap();
    let m1 = alice.encrypt(b"one", &mut rng).unwrap();
    assert_eq!(sotto::message_type(&m1), Ok(MessageType::Prekey));
    let decoded = PrekeyMessage::from_bytes(&m1).unwrap();
    assert_eq!(decoded.session_id(), alice.id());
    assert_eq!(decoded.initiator_identity(), alice_account.identity_key());

    // Bob starts from the second message; the first arrives late.
    let bob_ctx = SessionContext::new(b"bob", b"alice");
    let (mut bob, text) = Session::accept(&mut bob_account, &m1, &bob_ctx).unwrap();
    assert_eq!(text, b"one");
    assert_eq!(bob.decrypt(&m0).unwrap(), b"zero");
    assert_eq!(bob.decrypt(&m0), Err(Error::DuplicateMessage));

    let r0 = bob.encrypt(b"reply", &mut rng).unwrap();
    assert_eq!(sotto::message_type(&r0), Ok(MessageType::Normal));
    assert_eq!(alice.decrypt(&r0).unwrap(), b"reply");
    assert!(!alice.awaiting_reply());

    // A tampered message is rejected and changes nothing.
    let m2 = alice.encrypt(b"two", &mut rng).unwrap();
    let mut tampered = m2.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let before = bob.clone();
    assert_eq!(bob.decrypt(&tampered), Err(Error::DecryptionFailed));
    assert!(bob == before);
    assert_eq!(bob.decrypt(&m2).unwrap(), b"two");

    // Sealed state round trips; the wrong key and the wrong kind fail.
    let key = StorageKey::from_bytes([9; 32]);
    let sealed = bob.seal(&key, &mut rng).unwrap();
    assert!(Session::unseal(&key, &sealed).unwrap() == bob);
    assert_eq!(
        Session::unseal(&StorageKey::from_bytes([8; 32]), &sealed),
        Err(Error::UnsealFailed)
    );
    assert_eq!(
        Account::unseal(&key, &sealed).map(|_| ()),
        Err(Error::WrongObjectType)
    );
    let sealed_account = bob_account.seal(&key, &mut rng).unwrap();
    let restored = Account::unseal(&key, &sealed_account).unwrap();
    assert_eq!(restored.identity_key(), bob_account.identity_key());
    assert_eq!(
        restored.one_time_prekey_counts(),
        bob_account.one_time_prekey_counts()
    );
}

#[test]
fn decoders_reject_garbage() {
    // No key material needed: pure parsing paths.
    let garbage: [&[u8]; 5] = [&[], &[1], &[1, 3], &[2, 1, 0, 0], &[1, 1, 2, 0, 0, 0, 0]];
    for bytes in garbage {
        assert!(PrekeyBundle::from_bytes(bytes).is_err());
        assert!(PrekeyMessage::from_bytes(bytes).is_err());
        assert!(IdentityKey::from_bytes(bytes).is_err());
        let key = StorageKey::from_bytes([1; 32]);
        assert!(Session::unseal(&key, bytes).is_err());
        assert!(Account::unseal(&key, bytes).is_err());
    }
    assert_eq!(sotto::message_type(&[2, 3]), Err(Error::UnsupportedVersion));
    assert_eq!(sotto::message_type(&[1, 9]), Err(Error::WrongObjectType));
}
