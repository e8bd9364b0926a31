//! Scene: people with several devices (PROTOCOL.md §18–§20).
//!
//! Alice has a phone and a laptop; Bob a phone and a browser he links by QR
//! code. Messages go to *people*: one call encrypts for every device of the
//! recipient and every other device of the sender. The relay drops (the
//! sender's outbox sends those copies again), reorders and duplicates
//! copies, and tries to slip a ghost device into Bob's list (a list it
//! signed itself, then an old list without the browser): both are refused.
//! At the end every message has reached every device it was meant for
//! exactly once.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sotto::contact::{Contact, DeviceAddress, Outcome, send_to_person};
use sotto::link::{LinkOffer, ScannedOffer};
use sotto::{Account, DeviceList, Error, UserIdentity};
use std::collections::BTreeMap;

struct Device {
    name: &'static str,
    person: usize,
    id: u32,
    account: Account,
    /// One contact per person, its own included.
    contacts: Vec<Option<Contact>>,
}

/// One copy in flight: which message, to which device, from which device.
#[derive(Clone)]
struct Envelope {
    message: usize,
    to: usize,
    from: usize,
    bytes: Vec<u8>,
}

fn check(ok: bool, what: &str) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("people scene: {what}").into())
    }
}

pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!();
    println!("== People with several devices (sotto::contact, PROTOCOL.md §20) ==");
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let now = 1_800_000_000;

    // Alice's phone holds her user identity and lists her two devices.
    let alice_phone = Account::new(&mut rng)?;
    let alice_laptop = Account::new(&mut rng)?;
    let mut alice = UserIdentity::new(&mut rng)?;
    let alice_list = alice.sign_device_list(
        &[
            (1, alice_phone.identity_key().clone()),
            (2, alice_laptop.identity_key().clone()),
        ],
        &[],
        now,
    )?;
    alice.commit_device_list(&alice_list)?;

    // Bob's phone holds his; his browser links by QR code.
    let bob_phone = Account::new(&mut rng)?;
    let mut bob = UserIdentity::new(&mut rng)?;
    let bob_v1 = bob.sign_device_list(&[(1, bob_phone.identity_key().clone())], &[], now)?;
    bob.commit_device_list(&bob_v1)?;
    let bob_browser = Account::new(&mut rng)?;
    let mut offer = LinkOffer::new(&bob_browser, now, 300, &mut rng)?;
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), now + 10)?;
    let response = scanned.respond(&bob, 2, &[], now + 10, &mut rng)?;
    let linked = offer.complete(&response.to_bytes(), now + 12)?;
    println!(
        "Linking Bob's browser: phone shows {}, browser shows {}",
        response.code(),
        linked.code()
    );
    check(response.code() == linked.code(), "the link codes differ")?;
    bob.commit_device_list(response.device_list())?;
    let bob_v2 = linked.device_list().clone();

    let (alice_key, bob_key) = (alice.public_key(), bob.public_key());
    let keys = [alice_key, bob_key];
    // Everyone verified the other person's user key (safety numbers); the
    // relay serves lists. Alice's devices start from Bob's first list.
    let contacts = |lists: [&DeviceList; 2]| -> Result<Vec<Option<Contact>>, Error> {
        lists
            .iter()
            .zip(keys)
            .map(|(l, k)| {
                Ok(Some(Contact::new(DeviceList::from_bytes(
                    &l.to_bytes(),
                    &k,
                )?)))
            })
            .collect()
    };
    let mut devices = [
        Device {
            name: "Alice's phone",
            person: 0,
            id: 1,
            account: alice_phone,
            contacts: contacts([&alice_list, &bob_v1])?,
        },
        Device {
            name: "Alice's laptop",
            person: 0,
            id: 2,
            account: alice_laptop,
            contacts: contacts([&alice_list, &bob_v1])?,
        },
        Device {
            name: "Bob's phone",
            person: 1,
            id: 1,
            account: bob_phone,
            contacts: contacts([&alice_list, &bob_v2])?,
        },
        Device {
            name: "Bob's browser",
            person: 1,
            id: 2,
            account: bob_browser,
            contacts: contacts([&alice_list, &bob_v2])?,
        },
    ];
    for d in devices.iter_mut().filter(|d| d.person == 0) {
        let change = d.contacts[1]
            .as_mut()
            .ok_or("lent")?
            .update_list(&bob_v2.to_bytes())?;
        println!(
            "{} imports Bob's list v{}: Bob added device(s) {:?}",
            d.name,
            bob_v2.version(),
            change.added.iter().map(|e| e.device_id).collect::<Vec<_>>()
        );
    }

    // The relay attacks Alice's phone's view of Bob.
    let mut ghost = bob_v2.to_bytes();
    let signature = ghost.split_off(ghost.len() - 64);
    ghost[43] += 1;
    ghost.extend_from_slice(&3u32.to_be_bytes());
    ghost.extend_from_slice(&Account::new(&mut rng)?.identity_key().to_bytes());
    ghost.extend_from_slice(&(now + 20).to_be_bytes());
    ghost.extend_from_slice(&signature);
    let phone_bob = devices[0].contacts[1].as_mut().ok_or("lent")?;
    let forged = phone_bob.update_list(&ghost);
    println!("Relay adds a ghost device to Bob's list: {forged:?}");
    check(
        forged == Err(Error::BadSignature),
        "the ghost list was accepted",
    )?;
    let rolled_back = phone_bob.update_list(&bob_v1.to_bytes());
    println!("Relay serves Bob's old list (no browser): {rolled_back:?}");
    check(
        rolled_back == Err(Error::Rollback),
        "the old list was accepted",
    )?;

    // The conversation: each message goes to a person.
    let script: [(usize, &str); 8] = [
        (0, "Bob, are you on your laptop?"),
        (3, "On my browser now, linked it this morning."),
        (1, "Typing from my laptop, same conversation."),
        (2, "Phone here: got both of yours."),
        (0, "Lunch at noon?"),
        (3, "Yes, see you there."),
        (1, "I'll book a table."),
        (2, "Thanks, Alice."),
    ];
    let mut intended: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    let mut received: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    let mut in_flight: Vec<Envelope> = Vec::new();
    let (mut dropped, mut duplicated, mut refused, mut bytes_sent, mut new_sessions) =
        (0, 0, 0, 0, 0);
    for (m, (from, text)) in script.iter().enumerate() {
        let from = *from;
        let me = DeviceAddress::new(keys[devices[from].person], devices[from].id);
        let to_person = 1 - devices[from].person;
        // Bundles for devices without a session, served by the relay.
        let mut bundles = Vec::new();
        for p in [to_person, devices[from].person] {
            for a in devices[from].contacts[p]
                .as_ref()
                .ok_or("lent")?
                .devices_without_session(&me)
            {
                let i = devices
                    .iter()
                    .position(|d| keys[d.person] == a.user && d.id == a.device_id)
                    .ok_or("no device")?;
                bundles.push((a, devices[i].account.prekey_bundle()?));
            }
        }
        let dev = &mut devices[from];
        let mut own = dev.contacts[dev.person].take().ok_or("lent")?;
        let mut recipient = dev.contacts[to_person].take().ok_or("lent")?;
        let report = send_to_person(
            &dev.account,
            &me,
            &mut own,
            &mut recipient,
            &bundles,
            text.as_bytes(),
            &mut rng,
        );
        dev.contacts[dev.person] = Some(own);
        dev.contacts[to_person] = Some(recipient);
        let report = report?;
        println!(
            "{} -> {}: {:?} ({} copies)",
            dev.name,
            ["Alice", "Bob"][to_person],
            text,
            report.len()
        );
        for d in report {
            let Outcome::Sent {
                message,
                new_session,
            } = d.outcome
            else {
                return Err(format!("not sent: {:?}", d.outcome).into());
            };
            let to = devices
                .iter()
                .position(|x| keys[x.person] == d.to.user && x.id == d.to.device_id)
                .ok_or("no device")?;
            bytes_sent += message.len();
            new_sessions += usize::from(new_session);
            intended.insert((m, to), 0);
            in_flight.push(Envelope {
                message: m,
                to,
                from,
                bytes: message,
            });
        }
        // The relay delivers what is in flight in a random order, dropping
        // some (the sender's outbox sends them again) and duplicating some.
        let mut next = Vec::new();
        while !in_flight.is_empty() {
            let i = (rng.next_u32() as usize) % in_flight.len();
            let e = in_flight.swap_remove(i);
            let roll = rng.next_u32() % 100;
            if roll < 15 {
                dropped += 1;
                next.push(e);
                continue;
            }
            if roll < 30 {
                duplicated += 1;
                in_flight.push(e.clone());
            }
            let me = DeviceAddress::new(keys[devices[e.to].person], devices[e.to].id);
            let (from_person, from_id) = (devices[e.from].person, devices[e.from].id);
            let dev = &mut devices[e.to];
            let contact = dev.contacts[from_person].as_mut().ok_or("lent")?;
            match contact.decrypt(&mut dev.account, &me, from_id, &e.bytes) {
                Ok(r) => {
                    check(
                        r.plaintext == script[e.message].1.as_bytes(),
                        "wrong plaintext",
                    )?;
                    *received.entry((e.message, e.to)).or_default() += 1;
                }
                Err(Error::DuplicateMessage) => refused += 1,
                Err(other) => return Err(format!("{}: unexpected {other:?}", dev.name).into()),
            }
        }
        in_flight = next;
    }
    // The outbox sends what is still dropped until it arrives.
    while let Some(e) = in_flight.pop() {
        let me = DeviceAddress::new(keys[devices[e.to].person], devices[e.to].id);
        let (from_person, from_id) = (devices[e.from].person, devices[e.from].id);
        let dev = &mut devices[e.to];
        let r = dev.contacts[from_person].as_mut().ok_or("lent")?.decrypt(
            &mut dev.account,
            &me,
            from_id,
            &e.bytes,
        )?;
        check(
            r.plaintext == script[e.message].1.as_bytes(),
            "wrong plaintext",
        )?;
        *received.entry((e.message, e.to)).or_default() += 1;
    }
    let exactly_once =
        intended.keys().all(|k| received.get(k) == Some(&1)) && received.len() == intended.len();
    println!(
        "Relay: {dropped} copies dropped (sent again), {duplicated} duplicated ({refused} refused as duplicates)"
    );
    println!(
        "Delivered: {} copies of {} messages to 4 devices, {} bytes in all, {} sessions created from bundles",
        received.values().sum::<u32>(),
        script.len(),
        bytes_sent,
        new_sessions
    );
    check(exactly_once, "a copy was lost or delivered twice")?;
    println!("Every message reached every device it was meant for exactly once.");
    Ok(())
}
