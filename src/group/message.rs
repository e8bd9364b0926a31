//! The group message, kind 0x0E (PROTOCOL.md §21.5).

use super::{GROUP_ID_LEN, read_address};
use crate::limits::MAX_PLAINTEXT_LEN;
use crate::padding::padme;
use crate::primitives::aead::{NONCE_LEN, TAG_LEN};
use crate::primitives::ed25519::SIGNATURE_LEN;
use crate::wire::{self, Hex, Kind, Reader};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;

/// Largest encrypted body: the largest padded plaintext plus the tag.
pub(crate) const MAX_BODY_LEN: usize = padme(MAX_PLAINTEXT_LEN + 1) + TAG_LEN;

/// The public routing fields of a group message, readable without any key:
/// what the application needs to route a message to its group and, on
/// [`Error::UnknownSenderChain`], to ask the sender for its chain.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupMessage {
    group_id: [u8; GROUP_ID_LEN],
    epoch: u32,
    sender: Vec<u8>,
    chain: u32,
}

impl fmt::Debug for GroupMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupMessage")
            .field("group_id", &Hex(&self.group_id))
            .field("epoch", &self.epoch)
            .field("sender", &Hex(&self.sender))
            .field("chain", &self.chain)
            .finish()
    }
}

impl GroupMessage {
    /// Reads the clear fields of a group message and checks its framing.
    /// Nothing is authenticated here: the fields are the sender's claim
    /// until [`GroupSession::decrypt`](super::GroupSession::decrypt) succeeds.
    ///
    /// ```
    /// # use sotto::group::{GroupConfig, GroupMessage, GroupSession};
    /// # let mut alice = GroupSession::create([1; 16], b"alice#1", &[b"bob#1"], 3, GroupConfig::default(), 0, &mut sotto::OsRng)?;
    /// let sent = alice.encrypt(b"hi", 0, &mut sotto::OsRng)?;
    /// let info = GroupMessage::parse(&sent.message)?;
    /// assert_eq!((info.sender(), info.epoch()), (&b"alice#1"[..], 3));
    /// # Ok::<(), sotto::Error>(())
    /// ```
    ///
    /// # Errors
    /// The framing errors of PROTOCOL.md §21.5.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let parts = Parts::parse(bytes)?;
        Ok(GroupMessage {
            group_id: parts.group_id,
            epoch: parts.epoch,
            sender: parts.sender.to_vec(),
            chain: parts.chain,
        })
    }

    /// The group the message claims to belong to.
    pub const fn group_id(&self) -> &[u8; GROUP_ID_LEN] {
        &self.group_id
    }

    /// The epoch the message claims.
    pub const fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The device the message claims to come from.
    pub fn sender(&self) -> &[u8] {
        &self.sender
    }

    /// The sender's chain number the message claims.
    pub const fn chain(&self) -> u32 {
        self.chain
    }
}

/// A group message split into its fields (borrowed).
pub(crate) struct Parts<'a> {
    pub(crate) group_id: [u8; GROUP_ID_LEN],
    pub(crate) epoch: u32,
    pub(crate) sender: &'a [u8],
    pub(crate) chain: u32,
    pub(crate) nonce: [u8; NONCE_LEN],
    pub(crate) masked_index: [u8; 4],
    /// Everything before the body.
    pub(crate) prefix: &'a [u8],
    /// The AEAD ciphertext and tag.
    pub(crate) body: &'a [u8],
    /// Everything the signature covers (prefix and body).
    pub(crate) signed: &'a [u8],
    pub(crate) signature: [u8; SIGNATURE_LEN],
}

impl<'a> Parts<'a> {
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        wire::read_header(&mut r, Kind::GroupMessage)?;
        let group_id = r.array()?;
        let epoch = r.u32()?;
        let sender = read_address(&mut r)?;
        let chain = r.u32()?;
        let nonce = r.array()?;
        let masked_index = r.array()?;
        let rest = r.rest();
        let prefix_len = bytes.len() - rest.len();
        let body_len = rest
            .len()
            .checked_sub(SIGNATURE_LEN)
            .filter(|len| *len >= TAG_LEN)
            .ok_or(Error::Truncated)?;
        if body_len > MAX_BODY_LEN {
            return Err(Error::TooLarge);
        }
        let (signed, signature) = bytes.split_at(prefix_len + body_len);
        let (prefix, body) = signed.split_at(prefix_len);
        let signature = signature.try_into().map_err(|_| Error::Internal)?;
        Ok(Parts {
            group_id,
            epoch,
            sender,
            chain,
            nonce,
            masked_index,
            prefix,
            body,
            signed,
            signature,
        })
    }
}
