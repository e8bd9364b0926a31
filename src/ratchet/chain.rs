//! Chains (PROTOCOL.md §6.2, §6.4 step 2, §6.5 steps 4–6, §6.6): the sending
//! chain, receiving chains and their stores of skipped message keys.

use super::kdf::{ChainKey, HeaderKey, MessageKey};
use crate::limits::MAX_SKIP;
use crate::primitives::{reserve_wiping, wipe_spare_capacity};
use crate::{Error, Result};
use alloc::vec::Vec;

/// `CKs` and `Ns`: the chain this side sends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SendingChain {
    pub(crate) chain_key: ChainKey,
    pub(crate) next_index: u32,
}

impl SendingChain {
    /// A new chain from KDF_RK's chain key.
    pub(crate) const fn new(chain_key: ChainKey) -> Self {
        SendingChain {
            chain_key,
            next_index: 0,
        }
    }

    /// KDF_CK for the next message: its index, its key, and the chain after
    /// it. [`Error::LimitExceeded`] after 2³² − 1 messages.
    pub(crate) fn next_message(&self) -> Result<(u32, MessageKey, SendingChain)> {
        let index = self.next_index;
        let next_index = index.checked_add(1).ok_or(Error::LimitExceeded)?;
        let (chain_key, message_key) = self.chain_key.kdf();
        let next = SendingChain {
            chain_key,
            next_index,
        };
        Ok((index, message_key, next))
    }
}

/// A message key kept for a message that has not arrived yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkippedKey {
    pub(crate) index: u32,
    pub(crate) message_key: MessageKey,
}

impl SkippedKey {
    fn zero() -> Self {
        SkippedKey {
            index: 0,
            message_key: MessageKey::zeroed(),
        }
    }
}

/// The skipped keys of one chain, in increasing index order. Removing keys
/// wipes the copies a `Vec` shift leaves behind, and growing never frees a
/// buffer of keys unwiped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys(Vec<SkippedKey>);

impl SkippedKeys {
    pub(crate) const fn from_vec(keys: Vec<SkippedKey>) -> Self {
        SkippedKeys(keys)
    }

    pub(crate) fn as_slice(&self) -> &[SkippedKey] {
        &self.0
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The position and key of the skipped key for `index`, if stored.
    pub(crate) fn find(&self, index: u32) -> Option<(usize, &MessageKey)> {
        self.0
            .iter()
            .enumerate()
            .find(|(_, key)| key.index == index)
            .map(|(position, key)| (position, &key.message_key))
    }

    /// Removes the key at `position` (found by [`find`](Self::find)).
    pub(crate) fn remove(&mut self, position: usize) {
        if position < self.0.len() {
            self.0.remove(position);
            wipe_spare_capacity(&mut self.0, SkippedKey::zero);
        }
    }

    /// Appends newer keys (higher indexes).
    pub(crate) fn append(&mut self, keys: SkippedKeys) {
        reserve_wiping(&mut self.0, keys.0.len(), SkippedKey::zero);
        self.0.extend(keys.0);
    }

    /// Evicts up to `count` of the oldest keys; returns how many it evicted.
    pub(crate) fn evict_oldest(&mut self, count: usize) -> usize {
        let take = count.min(self.0.len());
        self.0.drain(..take);
        wipe_spare_capacity(&mut self.0, SkippedKey::zero);
        take
    }
}

/// The current receiving chain: `HKr`, `CKr`, `Nr` and its skipped keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReceivingChain {
    pub(crate) header_key: HeaderKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) next_index: u32,
    pub(crate) skipped: SkippedKeys,
}

/// A receiving chain that a newer one replaced: only its header key (to
/// recognise late and replayed messages) and its unused skipped keys remain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RetiredChain {
    pub(crate) header_key: HeaderKey,
    pub(crate) skipped: SkippedKeys,
}

impl RetiredChain {
    pub(crate) fn zero() -> Self {
        RetiredChain {
            header_key: HeaderKey::zeroed(),
            skipped: SkippedKeys::default(),
        }
    }
}

/// Keys derived by walking a chain forward to a message index.
#[derive(Debug)]
pub(crate) struct Advanced {
    /// The chain key after the target index.
    pub(crate) chain_key: ChainKey,
    /// The target's message key.
    pub(crate) message_key: MessageKey,
    pub(crate) next_index: u32,
    /// The keys of the indexes between the start and the target.
    pub(crate) skipped: SkippedKeys,
}

/// Walks the chain from index `from` to `target`, storing the keys in between
/// as skipped and returning the key for `target` (§6.5 step 4).
///
/// # Errors
/// [`Error::DuplicateMessage`] when `target < from`, [`Error::TooFarAhead`]
/// beyond [`MAX_SKIP`], [`Error::LimitExceeded`] at index 2³² − 1.
pub(crate) fn advance(chain_key: &ChainKey, from: u32, target: u32) -> Result<Advanced> {
    let gap = target.checked_sub(from).ok_or(Error::DuplicateMessage)?;
    if gap > MAX_SKIP {
        return Err(Error::TooFarAhead);
    }
    let next_index = target.checked_add(1).ok_or(Error::LimitExceeded)?;
    let mut skipped = Vec::with_capacity(gap as usize);
    let mut chain_key = chain_key.clone();
    for index in from..target {
        let (next, message_key) = chain_key.kdf();
        skipped.push(SkippedKey { index, message_key });
        chain_key = next;
    }
    let (chain_key, message_key) = chain_key.kdf();
    Ok(Advanced {
        chain_key,
        message_key,
        next_index,
        skipped: SkippedKeys(skipped),
    })
}
