//! Scene: a sender-key group (PROTOCOL.md §21) through the hostile relay.
//!
//! Three people with two devices each (six member devices). Every pair of
//! devices has a pairwise session record (§17); each device hands its
//! sending chain to the other five as a chain distribution inside those
//! sessions, then the group talks. Midway, Carol (both her devices) is
//! removed: the four remaining devices start a new epoch and hand their new
//! chains to each other only. The relay drops (the sender retries),
//! reorders and duplicates every envelope, pairwise and group alike, and
//! keeps fanning group messages out to Carol's devices after the removal.
//!
//! Checked: every remaining device reads every group message of every other
//! device exactly once; Carol's devices read every message from before the
//! removal and none after it; the remaining devices refuse what Carol sends
//! after her removal; duplicates are refused. Returns `Err` if any check
//! fails.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sotto::group::{GroupConfig, GroupMessage, GroupSession};
use sotto::{Account, Error, OsRng, SessionContext, SessionRecord};
use std::collections::{BTreeMap, BTreeSet};

const DEVICES: [&str; 6] = ["alice#1", "alice#2", "bob#1", "bob#2", "carol#1", "carol#2"];
const REMOVED: [usize; 2] = [4, 5];
const MESSAGES_PER_DEVICE: usize = 4;
const DROP_PERCENT: u32 = 15;
const DUPLICATE_PERCENT: u32 = 15;
const GROUP_ID: [u8; 16] = *b"sotto-demo-group";

/// One member device: its account, a session record per peer device, its
/// group state, group messages waiting for their sender's chain, and what it
/// has read.
struct Device {
    account: Account,
    records: BTreeMap<usize, SessionRecord>,
    group: Option<GroupSession>,
    pending: Vec<Vec<u8>>,
    read: Vec<(String, String)>,
}

enum Envelope {
    /// A pairwise session message (carrying a chain distribution or a hello).
    Pairwise {
        from: usize,
        to: usize,
        bytes: Vec<u8>,
    },
    /// A group message fanned out by the server to one device.
    Group { to: usize, bytes: Vec<u8> },
}

#[derive(Default)]
struct Stats {
    delivered: usize,
    dropped_and_retried: usize,
    duplicated: usize,
    duplicates_refused: usize,
    waited_for_chain: usize,
    /// (receiving device, error, message) for refusals after the removal.
    refused_after_removal: Vec<(usize, Error, Vec<u8>)>,
}

fn ctx(local: usize, peer: usize) -> SessionContext<'static> {
    SessionContext::new(DEVICES[local].as_bytes(), DEVICES[peer].as_bytes())
}

type Scene<T> = Result<T, Box<dyn std::error::Error>>;

struct World {
    devices: Vec<Device>,
    queue: Vec<Envelope>,
    rng: ChaCha8Rng,
    stats: Stats,
    removed: bool,
}

impl World {
    fn send_pairwise(&mut self, from: usize, to: usize, plaintext: &[u8]) -> Scene<()> {
        let record = self.devices[from].records.get_mut(&to).ok_or("no record")?;
        let bytes = record.encrypt(plaintext, &mut OsRng)?;
        self.queue.push(Envelope::Pairwise { from, to, bytes });
        Ok(())
    }

    /// Sends this device's current chain to the given member devices.
    fn distribute(&mut self, from: usize, to: &[usize]) -> Scene<()> {
        let group = self.devices[from].group.as_ref().ok_or("no group")?;
        let bytes = group.distribution().to_bytes()?;
        for &peer in to {
            self.send_pairwise(from, peer, &bytes)?;
        }
        Ok(())
    }

    fn send_group(&mut self, from: usize, text: &str, to: &[usize]) -> Scene<()> {
        let group = self.devices[from].group.as_mut().ok_or("no group")?;
        let sent = group.encrypt(text.as_bytes(), 0, &mut OsRng)?;
        if sent.distribution.is_some() {
            return Err("unexpected chain rotation".into());
        }
        for &peer in to {
            self.queue.push(Envelope::Group {
                to: peer,
                bytes: sent.message.clone(),
            });
        }
        Ok(())
    }

    fn try_group(&mut self, to: usize, bytes: &[u8]) -> Scene<()> {
        let from_removed = GroupMessage::parse(bytes)
            .map(|m| REMOVED.iter().any(|&r| DEVICES[r].as_bytes() == m.sender()))
            .unwrap_or(false);
        // After the removal, Carol's devices, and everyone for what Carol
        // sends, expect refusals, not chains on their way.
        let expect_refusal = self.removed && (REMOVED.contains(&to) || from_removed);
        let device = &mut self.devices[to];
        let group = device.group.as_mut().ok_or("no group")?;
        match group.decrypt(bytes) {
            Ok(read) => {
                let sender = String::from_utf8(read.sender)?;
                device
                    .read
                    .push((sender, String::from_utf8(read.plaintext)?));
            }
            Err(Error::UnknownSenderChain)
                if !expect_refusal && !device.pending.iter().any(|p| p == bytes) =>
            {
                // The sender's chain is still on its way (pairwise): keep it.
                self.stats.waited_for_chain += 1;
                device.pending.push(bytes.to_vec());
            }
            Err(Error::UnknownSenderChain) if !expect_refusal => {
                // A duplicate of a message already waiting.
                self.stats.duplicates_refused += 1;
            }
            Err(Error::DuplicateMessage) => self.stats.duplicates_refused += 1,
            Err(e) if expect_refusal => {
                self.stats
                    .refused_after_removal
                    .push((to, e, bytes.to_vec()));
            }
            Err(e) => return Err(format!("{}: group message refused: {e:?}", DEVICES[to]).into()),
        }
        Ok(())
    }

    fn deliver(&mut self, envelope: &Envelope) -> Scene<()> {
        self.stats.delivered += 1;
        match envelope {
            Envelope::Pairwise { from, to, bytes } => {
                let (from, to) = (*from, *to);
                let device = &mut self.devices[to];
                let record = device.records.entry(from).or_default();
                let plaintext = match record.decrypt(&mut device.account, bytes, &ctx(to, from)) {
                    Ok(p) => p,
                    Err(Error::DuplicateMessage) => {
                        self.stats.duplicates_refused += 1;
                        return Ok(());
                    }
                    Err(e) => return Err(format!("pairwise {from}->{to}: {e:?}").into()),
                };
                if plaintext == b"hello" {
                    return Ok(());
                }
                let group = device.group.as_mut().ok_or("no group")?;
                group.receive_distribution(&plaintext, DEVICES[from].as_bytes())?;
                // Retry what waited for a chain.
                let pending = std::mem::take(&mut device.pending);
                for bytes in pending {
                    self.try_group(to, &bytes)?;
                }
                Ok(())
            }
            Envelope::Group { to, bytes } => self.try_group(*to, bytes),
        }
    }

    /// Runs the relay until every envelope has been delivered: each round
    /// shuffles the queue; an envelope is dropped (and resent next round),
    /// duplicated, or delivered once.
    fn flush(&mut self) -> Scene<()> {
        let mut rounds = 0;
        while !self.queue.is_empty() {
            rounds += 1;
            if rounds > 1000 {
                return Err("relay did not drain".into());
            }
            let mut batch = std::mem::take(&mut self.queue);
            for i in (1..batch.len()).rev() {
                let j = (self.rng.next_u32() as usize) % (i + 1);
                batch.swap(i, j);
            }
            let mut retry = Vec::new();
            for envelope in batch {
                let roll = self.rng.next_u32() % 100;
                if roll < DROP_PERCENT {
                    self.stats.dropped_and_retried += 1;
                    retry.push(envelope);
                    continue;
                }
                self.deliver(&envelope)?;
                if roll < DROP_PERCENT + DUPLICATE_PERCENT {
                    self.stats.duplicated += 1;
                    self.deliver(&envelope)?;
                }
            }
            self.queue = retry;
        }
        Ok(())
    }
}

#[allow(clippy::needless_range_loop)] // devices are numbered; DEVICES names them
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!();
    println!("== Scene: a group of 3 people x 2 devices, one person removed ==");
    let mut devices = Vec::new();
    for _ in DEVICES {
        let mut account = Account::new(&mut OsRng)?;
        account.generate_one_time_prekeys(8, &mut OsRng)?;
        devices.push(Device {
            account,
            records: BTreeMap::new(),
            group: None,
            pending: Vec::new(),
            read: Vec::new(),
        });
    }
    let mut world = World {
        devices,
        queue: Vec::new(),
        rng: ChaCha8Rng::seed_from_u64(0x0067_726f_7570),
        stats: Stats::default(),
        removed: false,
    };
    let n = DEVICES.len();

    // Pairwise sessions: the lower-numbered device initiates from a bundle
    // the relay hands out, then says hello (a prekey message).
    for i in 0..n {
        for j in i + 1..n {
            let bundle = world.devices[j].account.prekey_bundle()?;
            world.devices[j].account.mark_bundle_published(&bundle);
            let mut record = SessionRecord::new();
            record.initiate(&world.devices[i].account, &bundle, &ctx(i, j), &mut OsRng)?;
            world.devices[i].records.insert(j, record);
            world.send_pairwise(i, j, b"hello")?;
        }
    }
    world.flush()?;
    println!(
        "{} pairwise session records set up through the relay",
        n * (n - 1)
    );

    // Epoch 0: everyone creates the group, hands its chain to the five
    // others, and writes at once (messages may overtake the chains).
    let mut expected: Vec<BTreeSet<(String, String)>> = vec![BTreeSet::new(); n];
    for me in 0..n {
        let others: Vec<&[u8]> = (0..n)
            .filter(|&d| d != me)
            .map(|d| DEVICES[d].as_bytes())
            .collect();
        world.devices[me].group = Some(GroupSession::create(
            GROUP_ID,
            DEVICES[me].as_bytes(),
            &others,
            0,
            GroupConfig::default(),
            0,
            &mut OsRng,
        )?);
        let peers: Vec<usize> = (0..n).filter(|&d| d != me).collect();
        world.distribute(me, &peers)?;
    }
    for round in 0..MESSAGES_PER_DEVICE {
        for me in 0..n {
            let text = format!("{} before removal #{round}", DEVICES[me]);
            let peers: Vec<usize> = (0..n).filter(|&d| d != me).collect();
            world.send_group(me, &text, &peers)?;
            for &p in &peers {
                expected[p].insert((DEVICES[me].to_string(), text.clone()));
            }
        }
    }
    world.flush()?;
    let before: Vec<usize> = world.devices.iter().map(|d| d.read.len()).collect();
    println!(
        "epoch 0: {} group messages, read per device {before:?}",
        n * MESSAGES_PER_DEVICE
    );

    // Carol is removed: the remaining devices start epoch 1 and hand the new
    // chains to each other only.
    world.removed = true;
    let remaining: Vec<usize> = (0..n).filter(|d| !REMOVED.contains(d)).collect();
    let removed: Vec<&[u8]> = REMOVED.iter().map(|&d| DEVICES[d].as_bytes()).collect();
    for &me in &remaining {
        let group = world.devices[me].group.as_mut().ok_or("no group")?;
        group.remove_members(&removed, 0, &mut OsRng)?;
        let peers: Vec<usize> = remaining.iter().copied().filter(|&d| d != me).collect();
        world.distribute(me, &peers)?;
    }
    for round in 0..MESSAGES_PER_DEVICE {
        for &me in &remaining {
            let text = format!("{} after removal #{round}", DEVICES[me]);
            // The server still fans out to Carol's devices.
            let all: Vec<usize> = (0..n).filter(|&d| d != me).collect();
            world.send_group(me, &text, &all)?;
            for &p in &remaining {
                if p != me {
                    expected[p].insert((DEVICES[me].to_string(), text.clone()));
                }
            }
        }
    }
    // Carol's first device still writes with its old chain.
    world.send_group(REMOVED[0], "carol#1 after removal", &remaining)?;
    world.flush()?;

    // Checks.
    let mut failures = Vec::new();
    for (d, device) in world.devices.iter().enumerate() {
        let read: BTreeSet<(String, String)> = device.read.iter().cloned().collect();
        if read.len() != device.read.len() {
            failures.push(format!("{} read a message twice", DEVICES[d]));
        }
        if read != expected[d] {
            failures.push(format!(
                "{} read {} messages, expected {}",
                DEVICES[d],
                read.len(),
                expected[d].len()
            ));
        }
        if !device.pending.is_empty() {
            failures.push(format!(
                "{} still waits for {} messages",
                DEVICES[d],
                device.pending.len()
            ));
        }
        let after = device.read.len() - before[d];
        println!(
            "  {:8} read {:2} messages ({:2} after the removal), each exactly once{}",
            DEVICES[d],
            device.read.len(),
            after,
            if REMOVED.contains(&d) {
                "  <- removed"
            } else {
                ""
            }
        );
    }
    let member_after = remaining.len() * MESSAGES_PER_DEVICE;
    // Distinct (device, message) refusals (the relay duplicates some).
    let refusals: BTreeSet<(usize, &[u8])> = world
        .stats
        .refused_after_removal
        .iter()
        .map(|(to, _, bytes)| (*to, bytes.as_slice()))
        .collect();
    for &c in &REMOVED {
        let refused = refusals.iter().filter(|(to, _)| *to == c).count();
        if refused != member_after || world.devices[c].read.len() != before[c] {
            failures.push(format!(
                "{}: {refused} of {member_after} post-removal messages refused",
                DEVICES[c]
            ));
        }
    }
    let refused_carol = refusals
        .iter()
        .filter(|(to, _)| remaining.contains(to))
        .count();
    if refused_carol != remaining.len() {
        failures.push(format!(
            "carol#1's post-removal message refused by {refused_carol} of {}",
            remaining.len()
        ));
    }
    let errors: BTreeSet<String> = world
        .stats
        .refused_after_removal
        .iter()
        .map(|(_, e, _)| format!("{e:?}"))
        .collect();
    let s = &world.stats;
    println!(
        "relay: {} deliveries, {} drops (resent), {} duplicates; {} duplicates refused, \
         {} messages waited for their chain",
        s.delivered, s.dropped_and_retried, s.duplicated, s.duplicates_refused, s.waited_for_chain
    );
    println!(
        "after the removal: Carol's devices refused all {member_after} messages each; \
         carol#1's own message refused by all {} remaining devices ({errors:?})",
        remaining.len()
    );
    if failures.is_empty() {
        println!(
            "group: every remaining device read every message exactly once; the removed member read nothing new"
        );
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}
