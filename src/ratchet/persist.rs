//! The ratchet part of the sealed session state (PROTOCOL.md §9.2), from
//! `RK` to `flag(pending)`.

use super::chain::{ReceivingChain, RetiredChain, SendingChain, SkippedKey, SkippedKeys};
use super::kdf::{ChainKey, HeaderKey, MessageKey, RootKey};
use super::state::{Ratchet, RatchetKeyPair, SendState};
use crate::limits::{MAX_RETIRED_CHAINS, MAX_SKIPPED_KEYS};
use crate::primitives::x25519;
use crate::wire::{Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;

/// The §9.2 fields `DHr`, `CKs || Ns`, `PN`, `HKs` and `pending`, as stored.
struct SendFields<'a> {
    their_ratchet_key: Option<[u8; 32]>,
    chain: Option<SendingChain>,
    previous_chain_length: u32,
    header_key: Option<HeaderKey>,
    pending: bool,
    next_send_header_key: &'a HeaderKey,
}

impl SendFields<'_> {
    /// The typed state, or [`Error::Malformed`] for a combination that no
    /// session can reach: `pending` without `DHr` or with `HKs ≠ NHKs`, a
    /// chain without `DHr` and `HKs`, or `DHr` without either.
    fn into_state(self) -> Result<SendState> {
        match (self.their_ratchet_key, self.pending) {
            (Some(their_ratchet_key), true) => {
                if self.header_key.as_ref() != Some(self.next_send_header_key) {
                    return Err(Error::Malformed);
                }
                Ok(SendState::StepDue {
                    their_ratchet_key,
                    previous_chain: self.chain,
                    previous_chain_length: self.previous_chain_length,
                })
            }
            (Some(their_ratchet_key), false) => match (self.chain, self.header_key) {
                (Some(chain), Some(header_key)) => Ok(SendState::Sending {
                    their_ratchet_key,
                    chain,
                    header_key,
                    previous_chain_length: self.previous_chain_length,
                }),
                _ => Err(Error::Malformed),
            },
            (None, false)
                if self.chain.is_none()
                    && self.header_key.is_none()
                    && self.previous_chain_length == 0 =>
            {
                Ok(SendState::AwaitingFirstMessage)
            }
            (None, _) => Err(Error::Malformed),
        }
    }
}

impl Ratchet {
    /// An upper bound of the length [`write`](Self::write) produces, so that
    /// the serialization buffer never reallocates (freeing secrets unwiped).
    pub(crate) fn serialized_len_bound(&self) -> usize {
        // Fixed fields: at most 11 keys of 32 bytes, counters and flags.
        512 + 34 * self.retired.len() + 36 * self.skipped_count()
    }

    /// Writes the §9.2 ratchet fields.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if a count does not fit its field (impossible
    /// within the bounds of [`crate::limits`]).
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put(self.root_key.expose());
        out.put(self.our_ratchet_key.private.to_bytes());
        let pending = self.write_send_fields(out);
        out.put(self.next_send_header_key.expose());
        out.put_flag(self.receiving.is_some());
        if let Some(receiving) = &self.receiving {
            out.put(receiving.header_key.expose());
            out.put(receiving.chain_key.expose());
            out.put_u32(receiving.next_index);
            write_skipped(out, &receiving.skipped)?;
        }
        out.put(self.next_receive_header_key.expose());
        out.put_count_u8(self.retired.len())?;
        for chain in &self.retired {
            out.put(chain.header_key.expose());
            write_skipped(out, &chain.skipped)?;
        }
        out.put_flag(pending);
        Ok(())
    }

    /// Writes `DHr`, `CKs || Ns`, `PN` and `HKs`; returns `pending`, which
    /// §9.2 stores last.
    fn write_send_fields(&self, out: &mut Vec<u8>) -> bool {
        let (their, chain, previous_chain_length, header_key, pending) = match &self.send {
            SendState::AwaitingFirstMessage => (None, None, 0, None, false),
            SendState::Sending {
                their_ratchet_key,
                chain,
                header_key,
                previous_chain_length,
            } => (
                Some(their_ratchet_key),
                Some(chain),
                *previous_chain_length,
                Some(header_key),
                false,
            ),
            SendState::StepDue {
                their_ratchet_key,
                previous_chain,
                previous_chain_length,
            } => (
                Some(their_ratchet_key),
                previous_chain.as_ref(),
                *previous_chain_length,
                Some(&self.next_send_header_key),
                true,
            ),
        };
        out.put_optional(their.map(<[u8; 32]>::as_slice));
        out.put_flag(chain.is_some());
        if let Some(chain) = chain {
            out.put(chain.chain_key.expose());
            out.put_u32(chain.next_index);
        }
        out.put_u32(previous_chain_length);
        out.put_optional(header_key.map(|key| key.expose().as_slice()));
        pending
    }

    /// Reads the §9.2 ratchet fields.
    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let root_key = RootKey::from_bytes(reader.array()?);
        let our_ratchet_key = x25519::PrivateKey::from_bytes(reader.array()?);
        let their_ratchet_key = reader.optional(Reader::array)?;
        let chain = reader.optional(|r| {
            Ok(SendingChain {
                chain_key: ChainKey::from_bytes(r.array()?),
                next_index: r.u32()?,
            })
        })?;
        let previous_chain_length = reader.u32()?;
        let header_key = reader.optional(|r| Ok(HeaderKey::from_bytes(r.array()?)))?;
        let next_send_header_key = HeaderKey::from_bytes(reader.array()?);
        let mut budget = MAX_SKIPPED_KEYS;
        let receiving = reader.optional(|r| {
            Ok(ReceivingChain {
                header_key: HeaderKey::from_bytes(r.array()?),
                chain_key: ChainKey::from_bytes(r.array()?),
                next_index: r.u32()?,
                skipped: read_skipped(r, &mut budget)?,
            })
        })?;
        let next_receive_header_key = HeaderKey::from_bytes(reader.array()?);
        let retired = read_retired(reader, &mut budget)?;
        let send = SendFields {
            their_ratchet_key,
            chain,
            previous_chain_length,
            header_key,
            pending: reader.flag()?,
            next_send_header_key: &next_send_header_key,
        }
        .into_state()?;
        Ok(Ratchet {
            root_key,
            our_ratchet_key: RatchetKeyPair::new(our_ratchet_key),
            send,
            next_send_header_key,
            receiving,
            next_receive_header_key,
            retired,
            kem: None,
        })
    }
}

/// `u8(count ≤ 5) || (HK (32) || skipped) × count`, oldest first.
fn read_retired(reader: &mut Reader<'_>, budget: &mut usize) -> Result<Vec<RetiredChain>> {
    let count = reader.count_u8(MAX_RETIRED_CHAINS)?;
    let mut retired = Vec::with_capacity(count);
    for _ in 0..count {
        retired.push(RetiredChain {
            header_key: HeaderKey::from_bytes(reader.array()?),
            skipped: read_skipped(reader, budget)?,
        });
    }
    Ok(retired)
}

/// `list(u32(index) || mk (32))` with a `u16` count.
fn write_skipped(out: &mut Vec<u8>, skipped: &SkippedKeys) -> Result<()> {
    out.put_count_u16(skipped.len())?;
    for key in skipped.as_slice() {
        out.put_u32(key.index);
        out.put(key.message_key.expose());
    }
    Ok(())
}

/// Reads a skipped list whose count must fit the session's remaining budget.
fn read_skipped(reader: &mut Reader<'_>, budget: &mut usize) -> Result<SkippedKeys> {
    let count = reader.count_u16(*budget)?;
    *budget -= count;
    let mut skipped = Vec::with_capacity(count);
    for _ in 0..count {
        skipped.push(SkippedKey {
            index: reader.u32()?,
            message_key: MessageKey::from_bytes(reader.array()?),
        });
    }
    Ok(SkippedKeys::from_vec(skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        their: Option<[u8; 32]>,
        chain: bool,
        header_key: Option<[u8; 32]>,
        pending: bool,
    ) -> Result<SendState> {
        SendFields {
            their_ratchet_key: their,
            chain: chain.then(|| SendingChain::new(ChainKey::from_bytes([4; 32]))),
            previous_chain_length: 0,
            header_key: header_key.map(HeaderKey::from_bytes),
            pending,
            next_send_header_key: &HeaderKey::from_bytes([2; 32]),
        }
        .into_state()
    }

    #[test]
    fn only_reachable_send_states_decode() {
        let their = Some([1; 32]);
        assert_eq!(
            state(None, false, None, false),
            Ok(SendState::AwaitingFirstMessage)
        );
        assert!(matches!(
            state(their, true, Some([3; 32]), false),
            Ok(SendState::Sending { .. })
        ));
        assert!(matches!(
            state(their, false, Some([2; 32]), true),
            Ok(SendState::StepDue { .. })
        ));
        let malformed = [
            state(None, false, Some([2; 32]), true), // pending without DHr
            state(their, true, Some([3; 32]), true), // pending, HKs ≠ NHKs
            state(their, false, None, true),         // pending without HKs
            state(their, false, Some([3; 32]), false), // DHr, HKs, no chain
            state(their, true, None, false),         // DHr, chain, no HKs
            state(None, true, None, false),          // chain without DHr
            state(None, false, Some([3; 32]), false), // HKs without DHr
        ];
        for result in malformed {
            assert_eq!(result, Err(Error::Malformed));
        }
    }
}
