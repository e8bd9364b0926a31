//! A property test of sending to people (PROTOCOL.md §20) over random
//! schedules: 2–3 persons with 1–3 devices each send to each other's
//! person; messages are delivered in any order, dropped, duplicated,
//! tampered with or delivered to the wrong device; devices are added and
//! removed (and lists imported late); both sides initiate at once; every
//! device's state is sealed and restored at random points.
//!
//! Checked: every untampered message reaches every device it was meant for
//! exactly once (by the end, once every device holds the latest lists,
//! unless its sender was removed, when it is refused with
//! `UNKNOWN_DEVICE`); nothing else decrypts; every failed operation leaves
//! the account and every contact byte for byte as they were.

mod common;

use common::people::World;
use common::rng;
use proptest::prelude::*;
use sotto::contact::{Contact, Outcome};
use sotto::{Account, Error, StorageKey};

#[derive(Clone, Debug)]
enum Op {
    /// Device (index mod count) sends to person (mod count), with bundles
    /// for every device it has no session with, or none.
    Send(usize, usize, bool),
    /// Deliver the pending message (index mod count).
    Deliver(usize),
    /// Deliver it again (a duplicate), if it was delivered.
    Duplicate(usize),
    /// Drop it for now (moved to the end of the queue: delivered late).
    Delay(usize),
    /// Deliver a copy with one byte flipped (position mod length).
    Tamper(usize, usize),
    /// Deliver it to another device (mod count), claiming the true sender.
    Misdeliver(usize, usize),
    /// A person adds a device.
    Add(usize),
    /// A person removes a device (never its last).
    Remove(usize),
    /// A device imports a person's latest list.
    Import(usize, usize),
    /// A device seals and restores its account and contacts.
    Restore(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<usize>(), any::<usize>(), prop::bool::weighted(0.8)).prop_map(|(a, b, c)| Op::Send(a, b, c)),
        8 => any::<usize>().prop_map(Op::Deliver),
        1 => any::<usize>().prop_map(Op::Duplicate),
        1 => any::<usize>().prop_map(Op::Delay),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Tamper(a, b)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Misdeliver(a, b)),
        1 => any::<usize>().prop_map(Op::Add),
        1 => any::<usize>().prop_map(Op::Remove),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Import(a, b)),
        1 => any::<usize>().prop_map(Op::Restore),
    ]
}

/// One device's copy of a sent message.
struct Copy {
    from: usize,
    to: usize,
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    addressee: usize,
    delivered: bool,
}

struct Run {
    w: World,
    copies: Vec<Copy>,
    /// Indexes into `copies` not yet delivered, in delivery order.
    queue: Vec<usize>,
    counter: u32,
}

impl Run {
    fn listed_devices(&self, p: usize) -> Vec<usize> {
        (0..self.w.devices.len())
            .filter(|&d| self.w.devices[d].person == p && self.w.devices[d].listed)
            .collect()
    }

    /// Delivers copy `c` to its device and checks the outcome.
    fn deliver(&mut self, c: usize, final_phase: bool) -> Result<(), TestCaseError> {
        let (from, to) = (self.copies[c].from, self.copies[c].to);
        let before = self.w.state(to);
        let result = self.w.receive(to, from, &self.copies[c].bytes.clone());
        let copy = &mut self.copies[c];
        match result {
            Ok(r) => {
                prop_assert!(!copy.delivered, "delivered twice");
                prop_assert_eq!(&r.plaintext, &copy.plaintext);
                prop_assert_eq!(r.to, self.w.users[copy.addressee].public_key());
                copy.delivered = true;
            }
            Err(e) => {
                prop_assert_eq!(self.w.state(to), before, "a failure changed state");
                if !copy.delivered {
                    // A genuine copy is refused only while the receiver's
                    // list does not name the sender as it is (stale, or the
                    // sender was removed).
                    let sender = &self.w.devices[from];
                    let held = self.w.contact(to, sender.person).list();
                    let named = held
                        .device(sender.id)
                        .is_some_and(|e| &e.identity == sender.account.identity_key());
                    prop_assert_eq!(e, Error::UnknownDevice, "genuine copy refused");
                    prop_assert!(!named, "refused although the list names the sender");
                    prop_assert!(
                        !final_phase || !sender.listed,
                        "a listed sender's copy lost"
                    );
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        let n = self.w.devices.len();
        let persons = self.w.users.len();
        match op {
            Op::Send(d, p, with_bundles) => {
                let from = d % n;
                // Another person than the sender's.
                let to = (self.w.devices[from].person + 1 + p % (persons - 1)) % persons;
                self.counter += 1;
                let text = format!("message {} from {from}", self.counter).into_bytes();
                let bundles = if with_bundles {
                    self.w.bundles_for(from, to)
                } else {
                    vec![]
                };
                let before = self.w.state(from);
                match self.w.send(from, to, &bundles, &text) {
                    Ok(report) => {
                        for d in report {
                            let target = self.w.index(&d.to);
                            match d.outcome {
                                Outcome::Sent { message, .. } => {
                                    self.queue.push(self.copies.len());
                                    self.copies.push(Copy {
                                        from,
                                        to: target,
                                        bytes: message,
                                        plaintext: text.clone(),
                                        addressee: to,
                                        delivered: false,
                                    });
                                }
                                Outcome::NeedsBundle => prop_assert!(!with_bundles),
                                Outcome::BundleRejected(e) => {
                                    return Err(TestCaseError::fail(format!("{e:?}")));
                                }
                            }
                        }
                    }
                    Err(e) => {
                        // Only a device its own held list no longer names.
                        prop_assert_eq!(e, Error::UnknownDevice);
                        prop_assert!(!self.w.devices[from].listed);
                        prop_assert_eq!(self.w.state(from), before);
                    }
                }
            }
            Op::Deliver(i) if !self.queue.is_empty() => {
                let c = self.queue.remove(i % self.queue.len());
                self.deliver(c, false)?;
                if !self.copies[c].delivered {
                    self.queue.push(c); // refused for a stale list: retried later
                }
            }
            Op::Duplicate(i) if !self.copies.is_empty() => {
                let c = i % self.copies.len();
                if self.copies[c].delivered {
                    self.deliver(c, false)?;
                }
            }
            Op::Delay(i) if !self.queue.is_empty() => {
                let c = self.queue.remove(i % self.queue.len());
                self.queue.push(c);
            }
            Op::Tamper(i, at) if !self.copies.is_empty() => {
                let c = &self.copies[i % self.copies.len()];
                let mut bytes = c.bytes.clone();
                let at = at % bytes.len();
                bytes[at] ^= 0x40;
                let (from, to) = (c.from, c.to);
                let before = self.w.state(to);
                prop_assert!(self.w.receive(to, from, &bytes).is_err());
                prop_assert_eq!(self.w.state(to), before);
            }
            Op::Misdeliver(i, d) if !self.copies.is_empty() => {
                let c = &self.copies[i % self.copies.len()];
                let other = d % n;
                if other != c.to && other != c.from {
                    let (from, bytes) = (c.from, c.bytes.clone());
                    let before = self.w.state(other);
                    prop_assert!(
                        self.w.receive(other, from, &bytes).is_err(),
                        "another device decrypted"
                    );
                    prop_assert_eq!(self.w.state(other), before);
                }
            }
            Op::Add(p) => {
                let p = p % persons;
                if self.listed_devices(p).len() < 4 {
                    self.w.add_device(p);
                }
            }
            Op::Remove(p) => {
                let p = p % persons;
                let listed = self.listed_devices(p);
                if listed.len() > 1 {
                    self.w.remove_device(listed[listed.len() - 1]);
                }
            }
            Op::Import(d, p) => {
                let (at, p) = (d % n, p % persons);
                self.w
                    .import_latest(at, p)
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            }
            Op::Restore(d) => {
                let at = d % n;
                let before = self.w.state(at);
                let key = StorageKey::from_bytes([7; 32]);
                let dev = &mut self.w.devices[at];
                let sealed = dev.account.seal(&key, &mut self.w.rng).unwrap();
                dev.account = Account::unseal(&key, &sealed).unwrap();
                for slot in &mut dev.contacts {
                    let sealed = slot.as_ref().unwrap().seal(&key, &mut self.w.rng).unwrap();
                    *slot = Some(Contact::unseal(&key, &sealed).unwrap());
                }
                prop_assert_eq!(self.w.state(at), before);
            }
            _ => {}
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_copy_reaches_its_device_exactly_once(
        seed in any::<u64>(),
        sizes in prop::collection::vec(1usize..=3, 2..=3),
        ops in prop::collection::vec(op(), 8..40),
    ) {
        let mut run = Run { w: World::new(rng(seed), &sizes), copies: vec![], queue: vec![], counter: 0 };
        for op in ops {
            run.apply(op)?;
        }
        // Everyone catches up with the latest lists, then every copy still
        // queued is delivered: each reaches its device, unless its sender
        // was removed, and a second delivery of any copy fails.
        for at in 0..run.w.devices.len() {
            for p in 0..run.w.users.len() {
                run.w.import_latest(at, p).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            }
        }
        for c in std::mem::take(&mut run.queue) {
            if run.w.devices[run.copies[c].to].listed {
                run.deliver(c, true)?;
            }
        }
        for c in 0..run.copies.len() {
            if run.copies[c].delivered && run.w.devices[run.copies[c].to].listed {
                run.deliver(c, true)?;
            }
        }
        if std::env::var_os("SOTTO_SCHEDULE_STATS").is_some() {
            let delivered = run.copies.iter().filter(|c| c.delivered).count();
            eprintln!("{} devices, {} copies, {delivered} delivered", run.w.devices.len(), run.copies.len());
        }
    }
}
