//! The main job: a secret chat through a hostile in-memory relay.
//!
//! First two devices (below), then the scenes of examples/scenes/: people
//! with several devices (a linked browser, a refused ghost device), a group
//! with a member removed, attachments, and the post-quantum ratchet.
//!
//! Alice and Bob each create an account. Bob uploads his public prekeys to
//! the relay, which hands Alice a bundle assembled from them (one one-time
//! prekey each time). Alice starts a session and writes at once; Bob creates
//! his side from her first message. Then 1,000 messages flow in both
//! directions through a hostile network that drops, reorders, duplicates and
//! corrupts envelopes. Every delivered plaintext is checked against what was
//! sent; duplicates and corrupted envelopes must be rejected, and rejections
//! must leave the sessions working.
//!
//! ```sh
//! cargo run --release --example secret_chat
//! ```

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sotto::{
    Account, Error, IdentityKey, KemPrekey, MessageType, OneTimePrekey, OsRng, PrekeyBundle,
    Session, SessionContext, SessionRecord, SignedPrekey, StorageKey, message_type,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[path = "scenes/attachments.rs"]
mod attachments;
#[path = "scenes/group.rs"]
mod group;
#[path = "scenes/people.rs"]
mod people;

const MESSAGES: usize = 1000;
const DROP_PERCENT: u32 = 5;
const DUPLICATE_PERCENT: u32 = 5;
const CORRUPT_PERCENT: u32 = 2;

/// What the relay stores for a user: public keys only, as uploaded bytes.
#[derive(Default)]
struct Directory {
    identity: Vec<u8>,
    signed_prekey: Vec<u8>,
    last_resort: Vec<u8>,
    one_time: Vec<Vec<u8>>,
    one_time_kem: Vec<Vec<u8>>,
}

/// An in-memory relay: a prekey directory and a lossy, reordering network.
struct Relay {
    directory: HashMap<&'static str, Directory>,
    /// Envelopes in flight: (deliver at tick, recipient, bytes, message number).
    in_flight: Vec<(u64, &'static str, Vec<u8>, usize)>,
    net: ChaCha8Rng,
    tick: u64,
    stats: Stats,
}

#[derive(Default, Debug)]
struct Stats {
    sent: usize,
    dropped: usize,
    duplicated: usize,
    corrupted: usize,
}

impl Relay {
    fn upload(&mut self, user: &'static str, account: &mut Account) -> Result<(), Error> {
        let entry = self.directory.entry(user).or_default();
        entry.identity = account.identity_key().to_bytes();
        entry.signed_prekey = account.signed_prekey().to_bytes();
        entry.last_resort = account.last_resort_prekey().to_bytes();
        entry.one_time.extend(
            account
                .unpublished_one_time_prekeys()
                .iter()
                .map(OneTimePrekey::to_bytes),
        );
        entry.one_time_kem.extend(
            account
                .unpublished_one_time_kem_prekeys()?
                .iter()
                .map(KemPrekey::to_bytes),
        );
        account.mark_prekeys_published();
        Ok(())
    }

    /// Assembles a bundle, handing out each one-time prekey once.
    fn fetch_bundle(&mut self, user: &str) -> Result<Vec<u8>, Error> {
        let entry = self.directory.get_mut(user).ok_or(Error::InvalidArgument)?;
        let kem = match entry.one_time_kem.pop() {
            Some(bytes) => KemPrekey::from_bytes(&bytes)?,
            None => KemPrekey::from_bytes(&entry.last_resort)?,
        };
        let one_time = entry
            .one_time
            .pop()
            .map(|b| OneTimePrekey::from_bytes(&b))
            .transpose()?;
        let bundle = PrekeyBundle::new(
            IdentityKey::from_bytes(&entry.identity)?,
            SignedPrekey::from_bytes(&entry.signed_prekey)?,
            kem,
            one_time,
        )?;
        Ok(bundle.to_bytes())
    }

    fn send(&mut self, to: &'static str, bytes: Vec<u8>, number: usize) {
        self.stats.sent += 1;
        let roll = self.net.next_u32() % 100;
        if roll < DROP_PERCENT {
            self.stats.dropped += 1;
            return;
        }
        let mut copies = 1;
        if roll < DROP_PERCENT + DUPLICATE_PERCENT {
            self.stats.duplicated += 1;
            copies = 2;
        }
        for _ in 0..copies {
            let mut bytes = bytes.clone();
            if self.net.next_u32() % 100 < CORRUPT_PERCENT {
                self.stats.corrupted += 1;
                let position = self.net.next_u32() as usize % bytes.len();
                bytes[position] ^= 1 << (self.net.next_u32() % 8);
            }
            let delay = 1 + u64::from(self.net.next_u32() % 8);
            self.in_flight.push((self.tick + delay, to, bytes, number));
        }
    }

    /// Envelopes due at this tick, in random order.
    fn deliver(&mut self) -> Vec<(&'static str, Vec<u8>, usize)> {
        self.tick += 1;
        let (due, later): (Vec<_>, Vec<_>) =
            self.in_flight.drain(..).partition(|e| e.0 <= self.tick);
        self.in_flight = later;
        let mut due: Vec<_> = due.into_iter().map(|(_, to, b, n)| (to, b, n)).collect();
        for i in (1..due.len()).rev() {
            due.swap(i, self.net.next_u32() as usize % (i + 1));
        }
        due
    }
}

/// A chat client: an account and its session record with the peer's device,
/// which routes every incoming message (PROTOCOL.md §17).
struct Client {
    name: &'static str,
    id: &'static [u8],
    peer_id: &'static [u8],
    account: Account,
    record: SessionRecord,
    received: Vec<bool>,
    rejected: HashMap<&'static str, usize>,
    crypto_time: Duration,
    crypto_ops: u32,
}

impl Client {
    fn new(name: &'static str, id: &'static [u8], peer_id: &'static [u8]) -> Result<Self, Error> {
        Ok(Client {
            name,
            id,
            peer_id,
            account: Account::new(&mut OsRng)?,
            record: SessionRecord::new(),
            received: vec![false; MESSAGES + 1],
            rejected: HashMap::new(),
            crypto_time: Duration::ZERO,
            crypto_ops: 0,
        })
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        if self.record.is_empty() {
            return Ok(None); // Bob cannot write before Alice's first message arrives.
        }
        let start = Instant::now();
        let bytes = self.record.encrypt(plaintext, &mut OsRng)?;
        self.crypto_time += start.elapsed();
        self.crypto_ops += 1;
        Ok(Some(bytes))
    }

    fn receive(&mut self, bytes: &[u8], number: usize, expected: &[u8]) -> Result<(), String> {
        let start = Instant::now();
        let result = self.decrypt(bytes);
        self.crypto_time += start.elapsed();
        self.crypto_ops += 1;
        match result {
            Ok(plaintext) => {
                if plaintext != expected {
                    return Err(format!(
                        "{}: message {number} decrypted to the wrong text",
                        self.name
                    ));
                }
                if std::mem::replace(&mut self.received[number], true) {
                    return Err(format!(
                        "{}: message {number} was accepted twice",
                        self.name
                    ));
                }
                Ok(())
            }
            Err(error) => {
                *self.rejected.entry(error.name()).or_default() += 1;
                Ok(())
            }
        }
    }

    fn decrypt(&mut self, bytes: &[u8]) -> Result<Vec<u8>, Error> {
        let context = SessionContext::new(self.id, self.peer_id);
        self.record.decrypt(&mut self.account, bytes, &context)
    }

    fn session(&self) -> &Session {
        self.record.current().expect("session established")
    }
}

fn text(number: usize) -> Vec<u8> {
    format!(
        "message #{number}: the meeting is at {:02}:{:02}",
        number % 24,
        (number * 7) % 60
    )
    .into_bytes()
}

#[path = "scenes/pq_ratchet.rs"]
mod pq_ratchet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut relay = Relay {
        directory: HashMap::new(),
        in_flight: Vec::new(),
        net: ChaCha8Rng::seed_from_u64(2026),
        tick: 0,
        stats: Stats::default(),
    };
    let mut alice = Client::new(
        "alice",
        b"alice@example.org/phone",
        b"bob@example.org/laptop",
    )?;
    let mut bob = Client::new("bob", b"bob@example.org/laptop", b"alice@example.org/phone")?;

    // Bob publishes his prekeys; Alice fetches a bundle and starts a session.
    bob.account.generate_one_time_prekeys(20, &mut OsRng)?;
    relay.upload("bob", &mut bob.account)?;
    let bundle_bytes = relay.fetch_bundle("bob")?;
    println!(
        "Bob's prekey bundle: {} bytes (one-time prekeys left on the relay: {})",
        bundle_bytes.len(),
        relay.directory["bob"].one_time.len()
    );
    let bundle = PrekeyBundle::from_bytes(&bundle_bytes)?;
    let context = SessionContext::new(alice.id, alice.peer_id);
    alice
        .record
        .initiate(&alice.account, &bundle, &context, &mut OsRng)?;

    // 1,000 messages; Alice writes first, then both at random.
    let mut schedule = ChaCha8Rng::seed_from_u64(7);
    let mut sent_by: Vec<Option<&'static str>> = vec![None; MESSAGES + 1];
    let mut prekey_sizes = Vec::new();
    let mut number = 1;
    while number <= MESSAGES {
        let from_alice = number <= 3 || schedule.next_u32() % 2 == 0;
        let (sender, to) = if from_alice {
            (&mut alice, "bob")
        } else {
            (&mut bob, "alice")
        };
        if let Some(bytes) = sender.encrypt(&text(number))? {
            if message_type(&bytes)? == MessageType::Prekey {
                prekey_sizes.push(bytes.len());
            }
            sent_by[number] = Some(sender.name);
            relay.send(to, bytes, number);
            number += 1;
        }
        for (to, bytes, n) in relay.deliver() {
            let receiver = if to == "alice" { &mut alice } else { &mut bob };
            receiver.receive(&bytes, n, &text(n))?;
        }
    }
    while !relay.in_flight.is_empty() {
        for (to, bytes, n) in relay.deliver() {
            let receiver = if to == "alice" { &mut alice } else { &mut bob };
            receiver.receive(&bytes, n, &text(n))?;
        }
    }

    // Every message that was not dropped arrived exactly once.
    let delivered = alice
        .received
        .iter()
        .chain(&bob.received)
        .filter(|r| **r)
        .count();
    let expected = relay.stats.sent - relay.stats.dropped;
    let rejected: usize = alice.rejected.values().chain(bob.rejected.values()).sum();
    let mut reasons: HashMap<&str, usize> = HashMap::new();
    for (reason, count) in alice.rejected.iter().chain(&bob.rejected) {
        *reasons.entry(reason).or_default() += count;
    }
    // A corrupted copy of a dropped-duplicate pair can be the only copy: allow it.
    let lost_to_corruption = expected - delivered;
    assert!(
        lost_to_corruption <= relay.stats.corrupted,
        "{expected} expected, {delivered} delivered"
    );
    assert!(
        rejected >= relay.stats.duplicated,
        "every duplicate must be rejected"
    );

    // After the storm: seal, restore and talk once more in both directions.
    let storage_key = StorageKey::generate(&mut OsRng)?;
    let sealed_alice = alice.record.seal(&storage_key, &mut OsRng)?;
    let sealed_bob = bob.record.seal(&storage_key, &mut OsRng)?;
    alice.record = SessionRecord::unseal(&storage_key, &sealed_alice)?;
    bob.record = SessionRecord::unseal(&storage_key, &sealed_bob)?;
    let ping = alice.record.encrypt(b"still there?", &mut OsRng)?;
    assert_eq!(bob.decrypt(&ping)?, b"still there?");
    let pong = bob.record.encrypt(b"always", &mut OsRng)?;
    assert_eq!(alice.decrypt(&pong)?, b"always");

    let alice_number = alice.session().safety_number();
    let bob_number = bob.session().safety_number();
    let emoji = |n: &sotto::SafetyNumber| {
        n.emoji()
            .iter()
            .map(|(e, _)| *e)
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!();
    println!("Alice's safety number: {}", alice_number.display());
    println!("Bob's safety number:   {}", bob_number.display());
    println!("Alice's emoji: {}", emoji(&alice_number));
    println!("Bob's emoji:   {}", emoji(&bob_number));
    println!(
        "Safety numbers match: {} (QR scan from Bob's phone: {})",
        alice_number.digits() == bob_number.digits(),
        bob_number.matches_qr(&alice_number.qr_payload())?
    );
    assert_eq!(alice_number.digits(), bob_number.digits());
    println!();
    let by_alice = sent_by.iter().filter(|s| **s == Some("alice")).count();
    println!(
        "Messages sent:      {} ({} by Alice, {} by Bob)",
        relay.stats.sent,
        by_alice,
        relay.stats.sent - by_alice
    );
    println!(
        "Network:            {} dropped, {} duplicated, {} corrupted",
        relay.stats.dropped, relay.stats.duplicated, relay.stats.corrupted
    );
    println!(
        "Delivered:          {delivered} of the {expected} not dropped, each exactly once and checked against what was sent \
         ({lost_to_corruption} arrived only as corrupted copies)"
    );
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort();
    println!("Rejected:           {rejected} {reasons:?}");
    println!(
        "Prekey messages:    {} (until Bob's first reply arrived), {} bytes each",
        prekey_sizes.len(),
        prekey_sizes.first().copied().unwrap_or(0)
    );
    println!(
        "Sealed records:     Alice {} bytes, Bob {} bytes (one session each)",
        sealed_alice.len(),
        sealed_bob.len()
    );
    let ops = alice.crypto_ops + bob.crypto_ops;
    let time = alice.crypto_time + bob.crypto_time;
    println!(
        "Mean time:          {:.1} µs per encryption or decryption ({} operations), {:.1} µs per message sent",
        time.as_secs_f64() * 1e6 / f64::from(ops),
        ops,
        time.as_secs_f64() * 1e6 / relay.stats.sent as f64
    );
    println!(
        "Total wall time:    {:.2} s",
        started.elapsed().as_secs_f64()
    );
    people::run()?;
    group::run()?;
    attachments::run()?;
    pq_ratchet::run()?;
    Ok(())
}
