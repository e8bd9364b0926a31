//! Group state serialization and sealing, kind 0x10 (PROTOCOL.md §21.9).

use super::state::{GroupConfig, GroupSession, ReceiverChain, SendingChain};
use super::{
    MAX_CHAINS_PER_SENDER, MAX_DEVICE_ADDRESS_LEN, MAX_GROUP_DEVICES, MAX_GROUP_SKIPPED_KEYS,
    MAX_SEALED_GROUP_LEN, read_address, write_address,
};
use crate::padding::Padding;
use crate::primitives::aead::XNONCE_LEN;
use crate::primitives::ed25519::{self, PrivateKey};
use crate::primitives::{Secret, random_array};
use crate::sealed::{self, StorageKey};
use crate::wire::{Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// The state format written (§21.9).
const GROUP_FORMAT: u8 = 1;
/// Most receiving chains in a state.
const MAX_RECEIVING: usize = MAX_GROUP_DEVICES * MAX_CHAINS_PER_SENDER;

impl GroupSession {
    /// Seals the group state under `storage_key` (PROTOCOL.md §21.9). Draws
    /// a 24-byte nonce.
    ///
    /// # Errors
    /// `RANDOMNESS`; `TOO_LARGE` past 1 MiB (cannot happen within the bounds).
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        storage_key: &StorageKey,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let nonce: [u8; XNONCE_LEN] = random_array(rng)?;
        sealed::seal_bounded(
            Kind::SealedGroup,
            &self.serialize()?,
            storage_key,
            &nonce,
            MAX_SEALED_GROUP_LEN,
        )
    }

    /// Restores a group sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// `TOO_LARGE`, `TRUNCATED`, `UNSUPPORTED_VERSION`, `WRONG_OBJECT_TYPE`,
    /// `UNSEAL_FAILED`, then the decoding errors of the state.
    pub fn unseal(storage_key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let state = sealed::unseal_bounded(
            Kind::SealedGroup,
            sealed_bytes,
            storage_key,
            MAX_SEALED_GROUP_LEN,
        )?;
        Self::deserialize(&state)
    }

    pub(crate) fn serialized_len(&self) -> usize {
        let chains: usize = self
            .receiving
            .iter()
            .map(|c| 1 + c.sender.len() + 12 + 96 + 2 + 36 * c.skipped.len())
            .sum();
        let members: usize = self.members.iter().map(|m| 1 + m.len()).sum();
        1 + 16 + 1 + self.own.len() + 4 + 13 + 2 + members + 112 + 2 + chains
    }

    pub(crate) fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        // Exact size: the buffer never reallocates (which would free an
        // unwiped copy of the keys).
        let mut out = Zeroizing::new(Vec::with_capacity(self.serialized_len()));
        out.put_u8(GROUP_FORMAT);
        out.put(&self.group_id);
        write_address(&mut out, &self.own);
        out.put_u32(self.epoch);
        out.put_u32(self.config.max_messages);
        out.put_u64(self.config.max_age_secs);
        out.put_u8(self.config.padding.to_byte());
        out.put_count_u16(self.members.len())?;
        for member in &self.members {
            write_address(&mut out, member);
        }
        let s = &self.sending;
        out.put_u32(s.chain);
        out.put_u32(s.index);
        out.put(s.chain_key.expose());
        out.put(s.header_key.expose());
        out.put(s.signing.seed().expose());
        out.put_u64(s.created_at);
        out.put_count_u16(self.receiving.len())?;
        for c in &self.receiving {
            write_address(&mut out, &c.sender);
            out.put_u32(c.epoch);
            out.put_u32(c.chain);
            out.put_u32(c.next);
            out.put(c.chain_key.expose());
            out.put(c.header_key.expose());
            out.put(&c.signing_key);
            out.put_count_u16(c.skipped.len())?;
            for (index, key) in &c.skipped {
                out.put_u32(*index);
                out.put(key.expose());
            }
        }
        Ok(out)
    }

    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self> {
        Reader::decode(bytes, |r| {
            if r.u8()? != GROUP_FORMAT {
                return Err(Error::UnsupportedVersion);
            }
            let group_id = r.array()?;
            let own = read_address(r)?.to_vec();
            let epoch = r.u32()?;
            let max_messages = r.u32()?;
            let max_age_secs = r.u64()?;
            let padding = Padding::from_byte(r.u8()?)?;
            if max_messages == 0 || max_age_secs == 0 {
                return Err(Error::Malformed);
            }
            let count = r.count_u16(MAX_GROUP_DEVICES)?;
            let mut members: Vec<Vec<u8>> = Vec::with_capacity(count);
            for _ in 0..count {
                let member = read_address(r)?;
                if member == own.as_slice()
                    || members.last().is_some_and(|l| l.as_slice() >= member)
                {
                    return Err(Error::Malformed);
                }
                members.push(member.to_vec());
            }
            let chain = r.u32()?;
            let index = r.u32()?;
            let chain_key = Secret::from_bytes(r.array()?);
            let header_key = Secret::from_bytes(r.array()?);
            let signing = PrivateKey::from_seed(Secret::from_bytes(r.array()?));
            let created_at = r.u64()?;
            let sending = SendingChain {
                chain,
                index,
                chain_key,
                header_key,
                signing,
                created_at,
            };
            let count = r.count_u16(MAX_RECEIVING)?;
            let mut receiving: Vec<ReceiverChain> = Vec::with_capacity(count);
            let mut budget = MAX_GROUP_SKIPPED_KEYS;
            for _ in 0..count {
                let sender = read_address(r)?.to_vec();
                let epoch = r.u32()?;
                let chain = r.u32()?;
                let next = r.u32()?;
                let chain_key = Secret::from_bytes(r.array()?);
                let header_key = Secret::from_bytes(r.array()?);
                let signing_key = r.array()?;
                let verifier = ed25519::PublicKey::from_bytes(&signing_key)?;
                let skipped_count = r.count_u16(budget)?;
                budget -= skipped_count;
                let mut skipped: Vec<(u32, Secret<32>)> = Vec::with_capacity(skipped_count);
                for _ in 0..skipped_count {
                    let index = r.u32()?;
                    if index >= next || skipped.last().is_some_and(|(last, _)| *last >= index) {
                        return Err(Error::Malformed);
                    }
                    skipped.push((index, Secret::from_bytes(r.array()?)));
                }
                let ordered = receiving.last().is_none_or(|l| {
                    (l.sender.as_slice(), l.epoch, l.chain) < (sender.as_slice(), epoch, chain)
                });
                let same_sender = receiving
                    .iter()
                    .rev()
                    .take_while(|c| c.sender == sender)
                    .count();
                if !ordered
                    || members.binary_search(&sender).is_err()
                    || same_sender >= MAX_CHAINS_PER_SENDER
                {
                    return Err(Error::Malformed);
                }
                receiving.push(ReceiverChain {
                    sender,
                    epoch,
                    chain,
                    next,
                    chain_key,
                    header_key,
                    signing_key,
                    verifier,
                    skipped,
                });
            }
            Ok(GroupSession {
                group_id,
                own,
                epoch,
                config: GroupConfig {
                    max_messages,
                    max_age_secs,
                    padding,
                },
                members,
                sending,
                receiving,
            })
        })
    }
}

/// Largest state the bounds allow, for the documentation of §21.9.
#[allow(dead_code)]
pub(crate) const MAX_STATE_LEN: usize = 1
    + 16
    + 1
    + MAX_DEVICE_ADDRESS_LEN
    + 4
    + 13
    + 2
    + MAX_GROUP_DEVICES * (1 + MAX_DEVICE_ADDRESS_LEN)
    + 112
    + 2
    + MAX_RECEIVING * (1 + MAX_DEVICE_ADDRESS_LEN + 12 + 96 + 2)
    + MAX_GROUP_SKIPPED_KEYS * 36;
