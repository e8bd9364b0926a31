//! The group state and its operations (PROTOCOL.md §21.6–§21.8).

use super::chain::{index_mask, step};
use super::distribution::ChainDistribution;
use super::message::Parts;
use super::{
    DEFAULT_MAX_AGE_SECS, DEFAULT_MAX_MESSAGES, GROUP_ID_LEN, MAX_CHAINS_PER_SENDER,
    MAX_DEVICE_ADDRESS_LEN, MAX_GROUP_DEVICES, MAX_GROUP_SKIP, MAX_GROUP_SKIPPED_KEYS,
    check_address, write_address,
};
use crate::limits::MAX_PLAINTEXT_LEN;
use crate::padding::{Padding, pad, unpad};
use crate::primitives::aead::{self, Algorithm, NONCE_LEN};
use crate::primitives::ed25519::{self, PUBLIC_KEY_LEN};
use crate::primitives::{Secret, random_array, reserve_wiping, wipe_spare_capacity};
use crate::wire::{self, Hex, Kind, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Associated-data label of the group AEAD.
pub(crate) const AD_LABEL: &[u8] = b"Sotto v1 group message";
/// Prefix of the signed bytes of a group message.
pub(crate) const SIGNATURE_LABEL: &[u8] = b"Sotto v1 group signature";

/// The rotation policy and padding of a group state.
///
/// A sending chain is replaced by a new one (and handed to the members
/// again) before a message when it has sent `max_messages` messages or is
/// `max_age_secs` seconds old (PROTOCOL.md §21.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupConfig {
    /// Messages per sending chain before rotation (≥ 1; default 100).
    pub max_messages: u32,
    /// Age of a sending chain in seconds before rotation (≥ 1; default 7 days).
    pub max_age_secs: u64,
    /// Padding of group plaintexts (default Padmé).
    pub padding: Padding,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            max_messages: DEFAULT_MAX_MESSAGES,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            padding: Padding::Padme,
        }
    }
}

impl GroupConfig {
    fn check(&self) -> Result<()> {
        if self.max_messages == 0 || self.max_age_secs == 0 {
            return Err(Error::InvalidArgument);
        }
        Ok(())
    }
}

/// The result of [`GroupSession::encrypt`].
#[derive(Debug)]
pub struct GroupEncrypted {
    /// The group message, to send to the group (through the server).
    pub message: Vec<u8>,
    /// `Some` when the sending chain was rotated before this message: the new
    /// chain, to send to every member device through the pairwise sessions
    /// (before, or together with, the message).
    pub distribution: Option<ChainDistribution>,
}

/// The result of [`GroupSession::decrypt`].
#[derive(Clone, PartialEq, Eq)]
pub struct GroupDecrypted {
    /// The sending device (authenticated by its chain's signature).
    pub sender: Vec<u8>,
    /// The epoch the message was sent in.
    pub epoch: u32,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

impl fmt::Debug for GroupDecrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupDecrypted")
            .field("sender", &Hex(&self.sender))
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// Our sending chain.
#[derive(Clone)]
pub(crate) struct SendingChain {
    pub(crate) chain: u32,
    pub(crate) index: u32,
    pub(crate) chain_key: Secret<32>,
    pub(crate) header_key: Secret<32>,
    pub(crate) signing: ed25519::PrivateKey,
    pub(crate) created_at: u64,
}

impl SendingChain {
    fn generate<R: TryCryptoRng + ?Sized>(chain: u32, now: u64, rng: &mut R) -> Result<Self> {
        let chain_key = Secret::from_bytes(random_array(rng)?);
        let header_key = Secret::from_bytes(random_array(rng)?);
        let signing = ed25519::PrivateKey::from_seed(Secret::from_bytes(random_array(rng)?));
        Ok(SendingChain {
            chain,
            index: 0,
            chain_key,
            header_key,
            signing,
            created_at: now,
        })
    }
}

/// Another device's chain, as we hold it.
#[derive(Clone)]
pub(crate) struct ReceiverChain {
    pub(crate) sender: Vec<u8>,
    pub(crate) epoch: u32,
    pub(crate) chain: u32,
    pub(crate) next: u32,
    pub(crate) chain_key: Secret<32>,
    pub(crate) header_key: Secret<32>,
    pub(crate) signing_key: [u8; PUBLIC_KEY_LEN],
    /// `signing_key`, decoded and checked once.
    pub(crate) verifier: ed25519::PublicKey,
    /// Skipped message keys, by increasing index.
    pub(crate) skipped: Vec<(u32, Secret<32>)>,
}

impl ReceiverChain {
    fn key(&self) -> (&[u8], u32, u32) {
        (&self.sender, self.epoch, self.chain)
    }
}

/// One device's state in one group: its sending chain, the chains of the
/// other member devices, the member list and the epoch.
///
/// Not `Clone`: a copy would send with message keys the original also uses.
/// Persist it with [`seal`](Self::seal) after every call that changes it.
/// `Debug` shows no key.
pub struct GroupSession {
    pub(crate) group_id: [u8; GROUP_ID_LEN],
    pub(crate) own: Vec<u8>,
    pub(crate) epoch: u32,
    pub(crate) config: GroupConfig,
    /// The other member devices, sorted, without duplicates.
    pub(crate) members: Vec<Vec<u8>>,
    pub(crate) sending: SendingChain,
    /// Sorted by (sender, epoch, chain).
    pub(crate) receiving: Vec<ReceiverChain>,
}

impl fmt::Debug for GroupSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSession")
            .field("group_id", &Hex(&self.group_id))
            .field("own", &Hex(&self.own))
            .field("epoch", &self.epoch)
            .field("members", &self.members.len())
            .field("chain", &self.sending.chain)
            .field("index", &self.sending.index)
            .field("receiving_chains", &self.receiving.len())
            .finish_non_exhaustive()
    }
}

/// Checks and sorts a member list (no duplicates, not `own`).
fn member_list(own: &[u8], members: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
    if members.len() > MAX_GROUP_DEVICES {
        return Err(Error::TooLarge);
    }
    let mut list = Vec::with_capacity(members.len());
    for member in members {
        check_address(member)?;
        if *member == own {
            return Err(Error::InvalidArgument);
        }
        list.push(member.to_vec());
    }
    list.sort();
    let before = list.len();
    list.dedup();
    if list.len() != before {
        return Err(Error::InvalidArgument);
    }
    Ok(list)
}

impl GroupSession {
    /// Creates this device's state in a group: a new sending chain (draws
    /// 96 random bytes) at `epoch`, with the other member devices `members`.
    ///
    /// The creator of a group passes epoch 0; a device joining an existing
    /// group passes the group's current epoch. Then send
    /// [`distribution`](Self::distribution) to every member device through
    /// the pairwise sessions. `now` is the caller's clock in seconds (any
    /// monotonic origin; it only drives rotation).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for an address outside 1–64 bytes, a duplicate
    /// member, `own_device` among the members or an invalid config;
    /// `TOO_LARGE` for more than 1000 members; `RANDOMNESS`.
    pub fn create<R: TryCryptoRng + ?Sized>(
        group_id: [u8; GROUP_ID_LEN],
        own_device: &[u8],
        members: &[&[u8]],
        epoch: u32,
        config: GroupConfig,
        now: u64,
        rng: &mut R,
    ) -> Result<Self> {
        check_address(own_device)?;
        config.check()?;
        let members = member_list(own_device, members)?;
        let sending = SendingChain::generate(0, now, rng)?;
        Ok(GroupSession {
            group_id,
            own: own_device.to_vec(),
            epoch,
            config,
            members,
            sending,
            receiving: Vec::new(),
        })
    }

    /// The group identifier.
    pub const fn group_id(&self) -> &[u8; GROUP_ID_LEN] {
        &self.group_id
    }

    /// This device's address.
    pub fn own_device(&self) -> &[u8] {
        &self.own
    }

    /// The current epoch (it grows by one with every removal).
    pub const fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The rotation policy.
    pub const fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The other member devices, sorted.
    pub fn members(&self) -> impl Iterator<Item = &[u8]> {
        self.members.iter().map(Vec::as_slice)
    }

    /// How many receiving chains are held.
    pub fn receiving_chains(&self) -> usize {
        self.receiving.len()
    }

    /// Whether `(sender, epoch)` has a receiving chain here (any chain number).
    pub fn has_chain(&self, sender: &[u8], epoch: u32) -> bool {
        self.receiving
            .iter()
            .any(|c| c.sender == sender && c.epoch == epoch)
    }

    /// Our current sending chain at its current index, to hand to member
    /// devices through the pairwise sessions (PROTOCOL.md §21.4). It opens
    /// only messages from now on.
    pub fn distribution(&self) -> ChainDistribution {
        ChainDistribution {
            group_id: self.group_id,
            epoch: self.epoch,
            sender: self.own.clone(),
            chain: self.sending.chain,
            index: self.sending.index,
            chain_key: self.sending.chain_key.clone(),
            header_key: self.sending.header_key.clone(),
            signing_key: self.sending.signing.public_key(),
        }
    }

    /// Whether the next [`encrypt`](Self::encrypt) at time `now` rotates the
    /// sending chain first.
    pub fn rotation_due(&self, now: u64) -> bool {
        self.sending.index >= self.config.max_messages
            || self.sending.index == u32::MAX
            || now.saturating_sub(self.sending.created_at) >= self.config.max_age_secs
    }

    /// Replaces the sending chain by a new one now (for instance after a
    /// suspected leak) and returns it, to send to every member device.
    ///
    /// # Errors
    /// `RANDOMNESS`; `LIMIT_EXCEEDED` after 2³² − 1 chains. Nothing changes then.
    pub fn rotate<R: TryCryptoRng + ?Sized>(
        &mut self,
        now: u64,
        rng: &mut R,
    ) -> Result<ChainDistribution> {
        let next = self
            .sending
            .chain
            .checked_add(1)
            .ok_or(Error::LimitExceeded)?;
        self.sending = SendingChain::generate(next, now, rng)?;
        Ok(self.distribution())
    }

    /// Adds member devices. They get no history: send them the returned
    /// distribution (our chain at its current index) through the pairwise
    /// sessions. Every other member device does the same on its side.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for an invalid address, this device or a device
    /// already a member (or listed twice); `TOO_LARGE` past 1000 members.
    /// Nothing changes then.
    pub fn add_members(&mut self, devices: &[&[u8]]) -> Result<ChainDistribution> {
        let added = member_list(&self.own, devices)?;
        if added.iter().any(|d| self.members.binary_search(d).is_ok()) {
            return Err(Error::InvalidArgument);
        }
        if self.members.len().saturating_add(added.len()) > MAX_GROUP_DEVICES {
            return Err(Error::TooLarge);
        }
        self.members.extend(added);
        self.members.sort();
        Ok(self.distribution())
    }

    /// Removes member devices and starts a new epoch: their chains are
    /// dropped, chains older than the previous epoch are dropped, and this
    /// device starts a new sending chain. Send the returned distribution to
    /// every remaining member device (never to the removed ones).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a device that is not a member;
    /// `LIMIT_EXCEEDED` at epoch or chain 2³² − 1; `RANDOMNESS`. Nothing
    /// changes then.
    pub fn remove_members<R: TryCryptoRng + ?Sized>(
        &mut self,
        devices: &[&[u8]],
        now: u64,
        rng: &mut R,
    ) -> Result<ChainDistribution> {
        let removed = member_list(&self.own, devices)?;
        if removed
            .iter()
            .any(|d| self.members.binary_search(d).is_err())
        {
            return Err(Error::InvalidArgument);
        }
        let epoch = self.epoch.checked_add(1).ok_or(Error::LimitExceeded)?;
        let chain = self
            .sending
            .chain
            .checked_add(1)
            .ok_or(Error::LimitExceeded)?;
        let sending = SendingChain::generate(chain, now, rng)?;
        self.members.retain(|m| removed.binary_search(m).is_err());
        self.receiving.retain(|c| {
            removed.binary_search(&c.sender).is_err() && c.epoch.saturating_add(1) >= epoch
        });
        self.epoch = epoch;
        self.sending = sending;
        Ok(self.distribution())
    }

    /// Drops every receiving chain of an epoch before the current one. Call
    /// it when the application's grace period for messages in flight across
    /// an epoch change has passed (PROTOCOL.md §21.7).
    pub fn drop_previous_epochs(&mut self) {
        let epoch = self.epoch;
        self.receiving.retain(|c| c.epoch >= epoch);
    }

    /// Stores another member device's chain, received through the pairwise
    /// session with `from` (the device that session authenticates).
    ///
    /// Receiving a chain already held (same sender, epoch and chain number,
    /// same signature key) changes nothing and succeeds.
    ///
    /// # Errors
    /// The decoding errors of [`ChainDistribution::from_bytes`];
    /// `SESSION_MISMATCH` for another group; `IDENTITY_MISMATCH` when the
    /// sender is not `from` (or is this device); `EPOCH_MISMATCH` when the
    /// sender is not a member here or the epoch is older than the previous
    /// one, or the chain is older than the 3 held for that sender;
    /// `DUPLICATE_MESSAGE` for another chain under a number already held.
    /// Nothing changes on error.
    pub fn receive_distribution(&mut self, bytes: &[u8], from: &[u8]) -> Result<()> {
        let (d, verifier) = ChainDistribution::decode(bytes)?;
        if d.group_id != self.group_id {
            return Err(Error::SessionMismatch);
        }
        if d.sender != from || d.sender == self.own {
            return Err(Error::IdentityMismatch);
        }
        if self.members.binary_search(&d.sender).is_err() || d.epoch.saturating_add(1) < self.epoch
        {
            return Err(Error::EpochMismatch);
        }
        let key = (d.sender.as_slice(), d.epoch, d.chain);
        let position = self.receiving.binary_search_by(|c| c.key().cmp(&key));
        match position {
            Ok(found) => {
                let held = self.receiving.get(found).ok_or(Error::Internal)?;
                if held.signing_key == d.signing_key {
                    Ok(())
                } else {
                    Err(Error::DuplicateMessage)
                }
            }
            Err(insert_at) => {
                // Keep the newest MAX_CHAINS_PER_SENDER chains of the sender.
                let older_held = self
                    .receiving
                    .iter()
                    .filter(|c| c.sender == d.sender && (c.epoch, c.chain) < (d.epoch, d.chain))
                    .count();
                let held = self
                    .receiving
                    .iter()
                    .filter(|c| c.sender == d.sender)
                    .count();
                if held >= MAX_CHAINS_PER_SENDER && older_held == 0 {
                    return Err(Error::EpochMismatch);
                }
                self.receiving.insert(
                    insert_at,
                    ReceiverChain {
                        sender: d.sender.clone(),
                        epoch: d.epoch,
                        chain: d.chain,
                        next: d.index,
                        chain_key: d.chain_key.clone(),
                        header_key: d.header_key.clone(),
                        signing_key: d.signing_key,
                        verifier,
                        skipped: Vec::new(),
                    },
                );
                if held >= MAX_CHAINS_PER_SENDER {
                    // The sender's chains are contiguous and sorted: its
                    // first one is the oldest.
                    if let Some(oldest) = self.receiving.iter().position(|c| c.sender == d.sender) {
                        self.receiving.remove(oldest);
                    }
                }
                Ok(())
            }
        }
    }

    /// Encrypts a group message (PROTOCOL.md §21.5), rotating the sending
    /// chain first when the policy says so (then the result carries the new
    /// chain, to distribute). Draws 12 random bytes (and 96 on rotation).
    ///
    /// # Errors
    /// `TOO_LARGE` for a plaintext over 1 MiB; `RANDOMNESS`;
    /// `LIMIT_EXCEEDED` after 2³² − 1 chains. Nothing changes on error.
    pub fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        now: u64,
        rng: &mut R,
    ) -> Result<GroupEncrypted> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::TooLarge);
        }
        let rotated = if self.rotation_due(now) {
            let chain = self
                .sending
                .chain
                .checked_add(1)
                .ok_or(Error::LimitExceeded)?;
            Some(SendingChain::generate(chain, now, rng)?)
        } else {
            None
        };
        let nonce: [u8; NONCE_LEN] = random_array(rng)?;
        let sending = rotated.as_ref().unwrap_or(&self.sending);
        // One chain step gives this message's key and the next chain key.
        let (message_key, next_key) = step(&sending.chain_key);
        let message = self.seal_message(sending, &message_key, plaintext, &nonce)?;
        let distribution = match rotated {
            Some(new) => {
                self.sending = new;
                Some(self.distribution())
            }
            None => None,
        };
        self.sending.chain_key = next_key;
        self.sending.index = self.sending.index.saturating_add(1);
        Ok(GroupEncrypted {
            message,
            distribution,
        })
    }

    fn seal_message(
        &self,
        sending: &SendingChain,
        message_key: &Secret<32>,
        plaintext: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<Vec<u8>> {
        let index = sending.index;
        let mask = index_mask(&sending.header_key, nonce);
        let masked: [u8; 4] = core::array::from_fn(|i| {
            index.to_be_bytes().get(i).copied().unwrap_or(0) ^ mask.get(i).copied().unwrap_or(0)
        });
        let padded = Zeroizing::new(pad(plaintext, self.config.padding));
        let mut out = Vec::with_capacity(
            2 + GROUP_ID_LEN
                + 4
                + 1
                + MAX_DEVICE_ADDRESS_LEN
                + 4
                + NONCE_LEN
                + 4
                + padded.len()
                + aead::TAG_LEN
                + ed25519::SIGNATURE_LEN,
        );
        wire::write_header(&mut out, Kind::GroupMessage);
        out.put(&self.group_id);
        out.put_u32(self.epoch);
        write_address(&mut out, &self.own);
        out.put_u32(sending.chain);
        out.put(nonce);
        out.put(&masked);
        let mut ad = Vec::with_capacity(AD_LABEL.len() + out.len() + 4);
        ad.put(AD_LABEL);
        ad.put(&out);
        ad.put_u32(index);
        aead::seal_into(
            Algorithm::ChaCha20Poly1305,
            message_key.expose(),
            nonce,
            &ad,
            &padded,
            &mut out,
        )?;
        let signature = sending.signing.sign_parts(&[SIGNATURE_LABEL, &out]);
        out.put(&signature);
        Ok(out)
    }

    /// Decrypts a group message from another member device. Transactional:
    /// on any error the state is unchanged.
    ///
    /// # Errors
    /// Framing errors (§21.5); `SESSION_MISMATCH` for another group;
    /// `UNKNOWN_SENDER_CHAIN` when no chain of the sender, epoch and chain
    /// number is held (ask the sender: [`GroupMessage::parse`](super::GroupMessage::parse));
    /// `EPOCH_MISMATCH` for an epoch before the previous one;
    /// `BAD_SIGNATURE`; `DUPLICATE_MESSAGE` for a replay or a message before
    /// the chain was received; `TOO_FAR_AHEAD` past 1000 skipped keys;
    /// `DECRYPTION_FAILED`; `INVALID_PADDING`.
    pub fn decrypt(&mut self, message: &[u8]) -> Result<GroupDecrypted> {
        let parts = Parts::parse(message)?;
        if parts.group_id != self.group_id {
            return Err(Error::SessionMismatch);
        }
        let key = (parts.sender, parts.epoch, parts.chain);
        let Ok(position) = self.receiving.binary_search_by(|c| c.key().cmp(&key)) else {
            if parts.epoch.saturating_add(1) < self.epoch {
                return Err(Error::EpochMismatch);
            }
            return Err(Error::UnknownSenderChain);
        };
        let chain = self.receiving.get(position).ok_or(Error::Internal)?;
        chain
            .verifier
            .verify_parts(&[SIGNATURE_LABEL, parts.signed], &parts.signature)?;
        let mask = index_mask(&chain.header_key, &parts.nonce);
        let index = u32::from_be_bytes(core::array::from_fn(|i| {
            parts.masked_index.get(i).copied().unwrap_or(0) ^ mask.get(i).copied().unwrap_or(0)
        }));
        let mut ad = Vec::with_capacity(AD_LABEL.len() + parts.prefix.len() + 4);
        ad.put(AD_LABEL);
        ad.put(parts.prefix);
        ad.put_u32(index);
        let open = |message_key: &Secret<32>| -> Result<Vec<u8>> {
            let mut padded = aead::open(
                Algorithm::ChaCha20Poly1305,
                message_key.expose(),
                &parts.nonce,
                &ad,
                parts.body,
            )?;
            unpad(&mut padded).inspect_err(|_| {
                zeroize::Zeroize::zeroize(&mut padded);
            })?;
            Ok(padded)
        };
        // Nothing is written to the state until the message has opened:
        // the work is done on the held chain read-only, then committed.
        if index < chain.next {
            let slot = chain
                .skipped
                .binary_search_by_key(&index, |(i, _)| *i)
                .map_err(|_| Error::DuplicateMessage)?;
            let (_, message_key) = chain.skipped.get(slot).ok_or(Error::Internal)?;
            let plaintext = open(message_key)?;
            let chain = self.receiving.get_mut(position).ok_or(Error::Internal)?;
            chain.skipped.remove(slot);
            wipe_spare_capacity(&mut chain.skipped, || (0, Secret::zeroed()));
            return Ok(GroupDecrypted {
                sender: chain.sender.clone(),
                epoch: chain.epoch,
                plaintext,
            });
        }
        if index - chain.next > MAX_GROUP_SKIP {
            return Err(Error::TooFarAhead);
        }
        let mut new_skipped = Vec::with_capacity(usize::try_from(index - chain.next).unwrap_or(0));
        let mut at = chain.next;
        let (mut message_key, mut next_key) = step(&chain.chain_key);
        while at < index {
            let (key, next) = step(&next_key);
            new_skipped.push((at, core::mem::replace(&mut message_key, key)));
            next_key = next;
            at += 1;
        }
        let plaintext = open(&message_key)?;
        let next_index = index.checked_add(1).ok_or(Error::LimitExceeded)?;
        // Commit: nothing below can fail.
        let chain = self.receiving.get_mut(position).ok_or(Error::Internal)?;
        if !new_skipped.is_empty() {
            reserve_wiping(&mut chain.skipped, new_skipped.len(), || {
                (0, Secret::zeroed())
            });
            chain.skipped.append(&mut new_skipped);
            wipe_spare_capacity(&mut new_skipped, || (0, Secret::zeroed()));
        }
        chain.chain_key = next_key;
        chain.next = next_index;
        let sender = chain.sender.clone();
        let epoch = chain.epoch;
        self.evict_skipped();
        Ok(GroupDecrypted {
            sender,
            epoch,
            plaintext,
        })
    }

    /// Keeps at most [`MAX_GROUP_SKIPPED_KEYS`] skipped keys: while there
    /// are more, the lowest index of the chain holding the most is dropped
    /// (the first such chain in (sender, epoch, chain) order).
    fn evict_skipped(&mut self) {
        let mut total: usize = self.receiving.iter().map(|c| c.skipped.len()).sum();
        while total > MAX_GROUP_SKIPPED_KEYS {
            let mut largest: Option<&mut ReceiverChain> = None;
            for chain in &mut self.receiving {
                if largest
                    .as_ref()
                    .is_none_or(|l| chain.skipped.len() > l.skipped.len())
                {
                    largest = Some(chain);
                }
            }
            match largest {
                Some(chain) if !chain.skipped.is_empty() => {
                    chain.skipped.remove(0);
                    wipe_spare_capacity(&mut chain.skipped, || (0, Secret::zeroed()));
                    total -= 1;
                }
                _ => return,
            }
        }
    }
}
