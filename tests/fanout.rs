//! Sending to a person (PROTOCOL.md §20) through the public API: the
//! fan-out reaches every device of the recipient and every other device of
//! the sender exactly once; forged and rolled-back lists, unknown devices,
//! changed identities and removed devices are typed errors that change
//! nothing; bad arguments are typed errors; sealing round-trips.

mod common;

use common::people::World;
use common::rng;
use rand_core::{TryCryptoRng, TryRng};
use sotto::contact::{Contact, DeviceAddress, MAX_FANOUT_PLAINTEXT_LEN, Outcome, send_to_person};
use sotto::{Error, Session, SessionContext, StorageKey};

fn sent(outcome: &Outcome) -> &[u8] {
    match outcome {
        Outcome::Sent { message, .. } => message,
        other => panic!("not sent: {other:?}"),
    }
}

/// Alice (devices 0, 1) and Bob (devices 2, 3, 4).
fn alice_and_bob(seed: u64) -> World {
    World::new(rng(seed), &[2, 3])
}

#[test]
fn one_call_reaches_every_device_of_the_recipient_and_the_senders_others() {
    let mut w = alice_and_bob(1);
    let bundles = w.bundles_for(0, 1);
    assert_eq!(
        bundles.len(),
        4,
        "three of Bob's devices and Alice's laptop"
    );
    let report = w.send(0, 1, &bundles, b"hello Bob").unwrap();
    let targets: Vec<usize> = report.iter().map(|d| w.index(&d.to)).collect();
    assert_eq!(
        targets,
        [2, 3, 4, 1],
        "recipient devices first, then own, by id"
    );
    for d in &report {
        assert!(matches!(
            d.outcome,
            Outcome::Sent {
                new_session: true,
                ..
            }
        ));
        let at = w.index(&d.to);
        let r = w.receive(at, 0, sent(&d.outcome)).unwrap();
        assert_eq!(r.plaintext, b"hello Bob");
        assert_eq!(r.from, w.address(0));
        assert_eq!(
            r.to,
            w.users[1].public_key(),
            "addressed to Bob, also on Alice's laptop"
        );
        // Exactly once: a second delivery is a duplicate and changes nothing.
        let before = w.state(at);
        assert_eq!(
            w.receive(at, 0, sent(&d.outcome)).unwrap_err(),
            Error::DuplicateMessage
        );
        assert_eq!(w.state(at), before);
    }
    // Bob's laptop answers: Alice's phone gets a normal message, everyone
    // else a first message; Bob's own devices file it under Alice.
    let bundles = w.bundles_for(3, 0);
    let report = w.send(3, 0, &bundles, b"hi Alice").unwrap();
    assert_eq!(report.len(), 4);
    for d in &report {
        let at = w.index(&d.to);
        let r = w.receive(at, 3, sent(&d.outcome)).unwrap();
        assert_eq!(
            (r.plaintext.as_slice(), r.to),
            (&b"hi Alice"[..], w.users[0].public_key())
        );
    }
    // Nothing else decrypts: Alice's copy for Bob's phone fails everywhere else.
    let report = w.send(0, 1, &[], b"second").unwrap();
    let for_phone = sent(&report[0].outcome).to_vec();
    for at in [1, 3, 4] {
        let before = w.state(at);
        assert!(w.receive(at, 0, &for_phone).is_err());
        assert_eq!(w.state(at), before);
    }
    assert_eq!(w.receive(2, 0, &for_phone).unwrap().plaintext, b"second");
}

#[test]
fn devices_without_session_or_bundle_are_reported_and_reached_later() {
    let mut w = alice_and_bob(2);
    let report = w.send(0, 1, &[], b"nobody yet").unwrap();
    assert!(report.iter().all(|d| d.outcome == Outcome::NeedsBundle));
    assert_eq!(w.contact(0, 1).devices_with_session(), Vec::<u32>::new());
    // One bundle: that device only.
    let bob = w.users[1].public_key();
    let bundles: Vec<_> = w
        .bundles_for(0, 1)
        .into_iter()
        .filter(|(a, _)| a.user == bob && a.device_id == 2)
        .collect();
    let report = w.send(0, 1, &bundles, b"m").unwrap();
    let reached: Vec<(bool, u32)> = report
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Sent { .. }))
        .map(|d| (d.to.user == bob, d.to.device_id))
        .collect();
    assert_eq!(reached, [(true, 2)]);
    assert_eq!(w.contact(0, 1).devices_with_session(), [2]);
}

#[test]
fn a_bundle_of_another_identity_is_rejected_for_that_device_only() {
    let mut w = alice_and_bob(3);
    let mut bundles = w.bundles_for(0, 1);
    // The server answers Bob's device 3 with his device 2's bundle.
    let four = w.devices[3].account.prekey_bundle().unwrap();
    bundles
        .iter_mut()
        .find(|(a, _)| a.device_id == 3)
        .unwrap()
        .1 = four;
    let report = w.send(0, 1, &bundles, b"m").unwrap();
    let by_id = |id: u32| {
        &report
            .iter()
            .find(|d| d.to.device_id == id && d.to.user == w.users[1].public_key())
            .unwrap()
            .outcome
    };
    assert_eq!(by_id(3), &Outcome::BundleRejected(Error::UnknownDevice));
    assert!(matches!(by_id(2), Outcome::Sent { .. }));
    assert!(
        w.contact(0, 1).record(3).is_none(),
        "no session with the impostor"
    );
}

#[test]
fn a_forged_or_rolled_back_list_at_send_time_changes_nothing() {
    let mut w = alice_and_bob(4);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    // The server adds a ghost device to Bob's list (signature unchanged).
    let mut ghost = w.lists[1][0].to_bytes();
    let signature = ghost.split_off(ghost.len() - 64);
    ghost[43] += 1;
    ghost.extend_from_slice(&9u32.to_be_bytes());
    ghost.extend_from_slice(&w.devices[1].account.identity_key().to_bytes());
    ghost.extend_from_slice(&5u64.to_be_bytes());
    ghost.extend_from_slice(&signature);
    let before = w.state(0);
    let c = w.devices[0].contacts[1].as_mut().unwrap();
    assert_eq!(c.update_list(&ghost).unwrap_err(), Error::BadSignature);
    // A list signed by another user under Bob's name.
    let mallory = sotto::person::UserIdentity::new(&mut w.rng).unwrap();
    let forged = mallory
        .sign_device_list(&[(1, w.devices[2].account.identity_key().clone())], &[], 9)
        .unwrap();
    let c = w.devices[0].contacts[1].as_mut().unwrap();
    assert_eq!(
        c.update_list(&forged.to_bytes()).unwrap_err(),
        Error::IdentityMismatch
    );
    assert_eq!(w.state(0), before);
    // A bundle for the ghost's address fails the whole call, nothing changes.
    let ghost_address = DeviceAddress::new(w.users[1].public_key(), 9);
    let bundle = w.devices[1].account.prekey_bundle().unwrap();
    assert_eq!(
        w.send(0, 1, &[(ghost_address, bundle)], b"m2").unwrap_err(),
        Error::UnknownDevice
    );
    assert_eq!(w.state(0), before);
    // Bob removes device 4; the old list (with 4) is refused afterwards.
    w.remove_device(4);
    assert_eq!(w.import_latest(0, 1).unwrap().removed.len(), 1);
    let old = w.lists[1][0].to_bytes();
    let before = w.state(0);
    let c = w.devices[0].contacts[1].as_mut().unwrap();
    assert_eq!(c.update_list(&old).unwrap_err(), Error::Rollback);
    assert_eq!(w.state(0), before);
    let report = w.send(0, 1, &[], b"m3").unwrap();
    assert!(
        report
            .iter()
            .all(|d| d.to.device_id != 4 || d.to.user != w.users[1].public_key())
    );
    assert_eq!(report.len(), 3);
}

#[test]
fn a_message_from_an_unlisted_device_is_refused_then_accepted_with_the_new_list() {
    let mut w = alice_and_bob(5);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    // Bob links a tablet; it writes to Alice before her phone saw the list.
    let tablet = w.add_device(1);
    let bundles = w.bundles_for(tablet, 0);
    let report = w.send(tablet, 0, &bundles, b"from the tablet").unwrap();
    let to_phone = sent(&report[0].outcome).to_vec();
    let before = w.state(0);
    assert_eq!(
        w.receive(0, tablet, &to_phone).unwrap_err(),
        Error::UnknownDevice
    );
    assert_eq!(w.state(0), before, "nothing changed, nothing lost");
    assert_eq!(w.import_latest(0, 1).unwrap().added.len(), 1);
    assert_eq!(
        w.receive(0, tablet, &to_phone).unwrap().plaintext,
        b"from the tablet"
    );
}

#[test]
fn a_changed_identity_is_refused_until_the_list_names_it() {
    let mut w = alice_and_bob(6);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    // Bob's device 2 (index 3) is reinstalled: a new account under id 2.
    let bob_key = w.users[1].public_key();
    let reinstall = sotto::Account::new(&mut w.rng).unwrap();
    // Not in its own list yet: it cannot send to people.
    let list = w.lists[1].last().unwrap().clone();
    let (mut own, mut to_alice) = (Contact::new(list), Contact::new(w.lists[0][0].clone()));
    let me = DeviceAddress::new(bob_key, 2);
    assert_eq!(
        send_to_person(
            &reinstall,
            &me,
            &mut own,
            &mut to_alice,
            &[],
            b"x",
            &mut w.rng
        )
        .unwrap_err(),
        Error::UnknownDevice
    );
    // An impostor (or the reinstall) writes to Alice's phone as device 2.
    let local = me.to_bytes();
    let remote = w.address(0).to_bytes();
    let mut session = Session::initiate(
        &reinstall,
        &w.devices[0].account.prekey_bundle().unwrap(),
        &SessionContext::new(&local, &remote),
        &mut w.rng,
    )
    .unwrap();
    let payload = [&w.users[0].public_key().to_bytes()[..], b"it's me"].concat();
    let message = session.encrypt(&payload, &mut w.rng).unwrap();
    let before = w.state(0);
    assert_eq!(
        w.receive_as(0, 1, 2, &message).unwrap_err(),
        Error::UnknownDevice
    );
    assert_eq!(w.state(0), before);
    // Bob's primary lists the new identity under id 2: the change shows
    // id 2 removed and added, the old record is dropped, the message passes.
    w.now += 1;
    let next = w.users[1].sign_device_list(&[], &[2], w.now).unwrap();
    w.users[1].commit_device_list(&next).unwrap();
    let next = w.users[1]
        .sign_device_list(&[(2, reinstall.identity_key().clone())], &[], w.now)
        .unwrap();
    w.users[1].commit_device_list(&next).unwrap();
    let c = w.devices[0].contacts[1].as_mut().unwrap();
    assert!(c.record(2).is_some());
    let change = c.update_list(&next.to_bytes()).unwrap();
    assert_eq!(
        (change.added[0].device_id, change.removed[0].device_id),
        (2, 2)
    );
    assert!(
        c.record(2).is_none(),
        "the old device's sessions are dropped"
    );
    assert_eq!(
        w.receive_as(0, 1, 2, &message).unwrap().plaintext,
        b"it's me"
    );
}

#[test]
fn a_removed_device_is_dropped_and_its_messages_refused() {
    let mut w = alice_and_bob(7);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    for d in w.send(0, 1, &[], b"m1").unwrap() {
        let at = w.index(&d.to);
        w.receive(at, 0, sent(&d.outcome)).unwrap();
    }
    // Device 3 of Bob (index 4) writes, then is removed before delivery.
    let bundles = w.bundles_for(4, 0);
    let late = w.send(4, 0, &bundles, b"late").unwrap();
    let late = sent(&late[0].outcome).to_vec();
    w.remove_device(4);
    let change = w.import_latest(0, 1).unwrap();
    assert_eq!(change.removed[0].device_id, 3);
    assert!(w.contact(0, 1).record(3).is_none());
    let before = w.state(0);
    assert_eq!(
        w.receive_as(0, 1, 3, &late).unwrap_err(),
        Error::UnknownDevice
    );
    assert_eq!(w.state(0), before);
    let report = w.send(0, 1, &[], b"after").unwrap();
    assert_eq!(
        report
            .iter()
            .filter(|d| d.to.user == w.users[1].public_key())
            .count(),
        2
    );
}

#[test]
fn bad_arguments_are_typed_errors_and_change_nothing() {
    let mut w = alice_and_bob(8);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    let before = w.state(0);
    // To oneself.
    assert_eq!(w.send(0, 0, &[], b"x").unwrap_err(), Error::InvalidArgument);
    // Too large.
    let big = vec![0u8; MAX_FANOUT_PLAINTEXT_LEN + 1];
    assert_eq!(w.send(0, 1, &[], &big).unwrap_err(), Error::TooLarge);
    // Two bundles for one device.
    let b = w.devices[2].account.prekey_bundle().unwrap();
    let a = w.address(2);
    assert_eq!(
        w.send(0, 1, &[(a, b.clone()), (a, b.clone())], b"x")
            .unwrap_err(),
        Error::InvalidArgument
    );
    // A bundle for oneself.
    assert_eq!(
        w.send(0, 1, &[(w.address(0), b.clone())], b"x")
            .unwrap_err(),
        Error::UnknownDevice
    );
    // Both rules broken, the duplicate first: UNKNOWN_DEVICE (§20.3 check 4).
    assert_eq!(
        w.send(
            0,
            1,
            &[(a, b.clone()), (a, b.clone()), (w.address(0), b)],
            b"x"
        )
        .unwrap_err(),
        Error::UnknownDevice
    );
    // Own and recipient swapped (own is not this device's person).
    {
        let me = w.address(0);
        let dev = &mut w.devices[0];
        let mut own = dev.contacts[0].take().unwrap();
        let mut bob = dev.contacts[1].take().unwrap();
        let r = send_to_person(&dev.account, &me, &mut bob, &mut own, &[], b"x", &mut w.rng);
        assert_eq!(r.unwrap_err(), Error::InvalidArgument);
        // Another device's account under this device's address.
        let other = &w.devices[1].account;
        let r = send_to_person(other, &me, &mut own, &mut bob, &[], b"x", &mut w.rng);
        assert_eq!(r.unwrap_err(), Error::UnknownDevice);
        let dev = &mut w.devices[0];
        dev.contacts[0] = Some(own);
        dev.contacts[1] = Some(bob);
    }
    // Receiving: from oneself, from an unlisted id, garbage.
    assert_eq!(
        w.receive_as(0, 0, 1, b"\x01\x03").unwrap_err(),
        Error::UnknownDevice
    );
    assert_eq!(
        w.receive_as(0, 1, 77, b"\x01\x03").unwrap_err(),
        Error::UnknownDevice
    );
    for garbage in [
        &b""[..],
        b"\x01",
        b"\x02\x03",
        b"\x01\x09abc",
        &[0x01, 0x03, 0, 0, 0][..],
    ] {
        assert!(w.receive_as(0, 1, 1, garbage).is_err());
    }
    assert_eq!(w.state(0), before);
}

/// A generator that fails after `left` bytes.
struct Failing(rand_chacha::ChaCha20Rng, usize);
impl TryRng for Failing {
    type Error = core::fmt::Error;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Err(core::fmt::Error)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Err(core::fmt::Error)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if dst.len() > self.1 {
            return Err(core::fmt::Error);
        }
        self.1 -= dst.len();
        self.0.try_fill_bytes(dst).map_err(|_| core::fmt::Error)
    }
}
impl TryCryptoRng for Failing {}

#[test]
fn a_generator_failing_mid_fanout_changes_nothing() {
    let mut w = alice_and_bob(9);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles[..2], b"m1").unwrap();
    let bundles = w.bundles_for(0, 1);
    let before = w.state(0);
    // Two sessions exist (24-byte nonce each), two are new (96 + 24 each).
    for left in [0, 24, 40, 48, 100, 200] {
        let me = w.address(0);
        let dev = &mut w.devices[0];
        let mut own = dev.contacts[0].take().unwrap();
        let mut bob = dev.contacts[1].take().unwrap();
        let mut failing = Failing(rng(left as u64), left);
        let r = send_to_person(
            &dev.account,
            &me,
            &mut own,
            &mut bob,
            &bundles,
            b"x",
            &mut failing,
        );
        assert_eq!(r.unwrap_err(), Error::Randomness, "{left}");
        dev.contacts[0] = Some(own);
        dev.contacts[1] = Some(bob);
        assert_eq!(w.state(0), before, "{left}");
    }
    assert_eq!(w.send(0, 1, &bundles, b"m2").unwrap().len(), 4);
}

#[test]
fn a_misaddressed_payload_is_malformed_and_changes_nothing() {
    let mut w = alice_and_bob(10);
    // Bob's phone makes a session to Alice's phone by hand and names Bob
    // (not Alice) as the addressee.
    let local = w.address(2).to_bytes();
    let remote = w.address(0).to_bytes();
    let mut s = Session::initiate(
        &w.devices[2].account,
        &w.devices[0].account.prekey_bundle().unwrap(),
        &SessionContext::new(&local, &remote),
        &mut w.rng,
    )
    .unwrap();
    let payload = [&w.users[1].public_key().to_bytes()[..], b"x"].concat();
    let m = s.encrypt(&payload, &mut w.rng).unwrap();
    let before = w.state(0);
    assert_eq!(w.receive(0, 2, &m).unwrap_err(), Error::Malformed);
    let short = s.encrypt(b"short", &mut w.rng).unwrap();
    assert_eq!(w.receive(0, 2, &short).unwrap_err(), Error::Malformed);
    assert_eq!(w.state(0), before);
}

#[test]
fn contacts_seal_and_restore() {
    let mut w = alice_and_bob(11);
    let bundles = w.bundles_for(0, 1);
    w.send(0, 1, &bundles, b"m1").unwrap();
    let key = StorageKey::generate(&mut w.rng).unwrap();
    let mut r = rng(99);
    let c = w.contact(0, 1);
    let sealed = c.seal(&key, &mut r).unwrap();
    let restored = Contact::unseal(&key, &sealed).unwrap();
    assert_eq!(
        sotto::hazmat::contact_state(&restored).unwrap(),
        sotto::hazmat::contact_state(c).unwrap()
    );
    assert_eq!(restored.devices_with_session(), [1, 2, 3]);
    let mut bad = sealed.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(
        Contact::unseal(&key, &bad).unwrap_err(),
        Error::UnsealFailed
    );
    let record = c.record(1).unwrap().seal(&key, &mut r).unwrap();
    assert_eq!(
        Contact::unseal(&key, &record).unwrap_err(),
        Error::WrongObjectType
    );
    let huge = vec![1u8; sotto::contact::MAX_SEALED_CONTACT_LEN + 1];
    assert_eq!(Contact::unseal(&key, &huge).unwrap_err(), Error::TooLarge);
    assert_eq!(
        Contact::unseal(&key, &sealed[..30]).unwrap_err(),
        Error::Truncated
    );
    // Sizes: an empty contact with Bob's 3-device list, and with 3 sessions.
    let empty = Contact::new(w.lists[1][0].clone())
        .seal(&key, &mut r)
        .unwrap();
    assert_eq!(empty.len(), 42 + 1 + 2 + (108 + 3 * 142) + 1);
    println!(
        "sealed contact: empty {} B, 3 fresh sessions {} B",
        empty.len(),
        sealed.len()
    );
}

#[test]
fn fanout_sizes() {
    // Measured wire bytes of one fan-out of a 100-byte body, established
    // sessions, to 3 and 10 devices (PROTOCOL.md §20.3).
    for n in [3usize, 10] {
        let mut w = World::new(rng(12 + n as u64), &[1, n]);
        let bundles = w.bundles_for(0, 1);
        for d in w.send(0, 1, &bundles, b"hi").unwrap() {
            let at = w.index(&d.to);
            w.receive(at, 0, sent(&d.outcome)).unwrap();
            let bundles = w.bundles_for(at, 0);
            let reply = w.send(at, 0, &bundles, b"hi").unwrap();
            w.receive(0, at, sent(&reply[0].outcome)).unwrap();
        }
        let report = w.send(0, 1, &[], &[7u8; 100]).unwrap();
        let total: usize = report.iter().map(|d| sent(&d.outcome).len()).sum();
        assert_eq!(report.len(), n);
        // Each a normal message: 2 + 24 + 72 (header) + Padmé(133) + 16.
        assert!(report.iter().all(|d| sent(&d.outcome).len() == total / n));
        println!(
            "fan-out of 100 B to {n} devices: {total} B ({} B each)",
            total / n
        );
    }
}

#[test]
fn both_people_initiating_at_once_converge_and_lose_nothing() {
    let mut w = World::new(rng(13), &[1, 1]);
    // Both write before either message arrives: two sessions per pair.
    let b = w.bundles_for(0, 1);
    let a1 = w.send(0, 1, &b, b"a1").unwrap();
    let b = w.bundles_for(1, 0);
    let b1 = w.send(1, 0, &b, b"b1").unwrap();
    let a2 = w.send(0, 1, &[], b"a2").unwrap();
    // Delivered crosswise and out of order.
    assert_eq!(
        w.receive(0, 1, sent(&b1[0].outcome)).unwrap().plaintext,
        b"b1"
    );
    assert_eq!(
        w.receive(1, 0, sent(&a2[0].outcome)).unwrap().plaintext,
        b"a2"
    );
    assert_eq!(
        w.receive(1, 0, sent(&a1[0].outcome)).unwrap().plaintext,
        b"a1"
    );
    // From now on both send in one session, and everything decrypts.
    for round in 0..4u8 {
        let (from, to) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let person = w.devices[to].person;
        let r = w.send(from, person, &[], &[round]).unwrap();
        assert!(matches!(
            r[0].outcome,
            Outcome::Sent {
                new_session: false,
                ..
            }
        ));
        assert_eq!(
            w.receive(to, from, sent(&r[0].outcome)).unwrap().plaintext,
            [round]
        );
    }
    let a = w.contact(0, 1).record(1).unwrap().current_id();
    let b = w.contact(1, 0).record(1).unwrap().current_id();
    assert_eq!(a, b, "both sides settled on one session");
}
