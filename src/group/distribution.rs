//! The chain distribution message, kind 0x0F (PROTOCOL.md §21.4).

use super::{GROUP_ID_LEN, MAX_DEVICE_ADDRESS_LEN, read_address, write_address};
use crate::Result;
use crate::primitives::Secret;
use crate::primitives::ed25519::{self, PUBLIC_KEY_LEN};
use crate::wire::{self, Hex, Kind, Reader, Writer};
use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

/// A sender chain as handed to another member device: the group, the epoch,
/// the sender device, the chain number, the chain's next index, its chain
/// and header keys and its signature public key.
///
/// **It is secret and unauthenticated on its own**: send it only inside a
/// pairwise [`Session`](crate::Session) message to the member device, and
/// give the receiver the device that session authenticates
/// ([`GroupSession::receive_distribution`](super::GroupSession::receive_distribution)).
/// Keys are zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct ChainDistribution {
    pub(crate) group_id: [u8; GROUP_ID_LEN],
    pub(crate) epoch: u32,
    pub(crate) sender: Vec<u8>,
    pub(crate) chain: u32,
    pub(crate) index: u32,
    pub(crate) chain_key: Secret<32>,
    pub(crate) header_key: Secret<32>,
    pub(crate) signing_key: [u8; PUBLIC_KEY_LEN],
}

impl fmt::Debug for ChainDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainDistribution")
            .field("group_id", &Hex(&self.group_id))
            .field("epoch", &self.epoch)
            .field("sender", &Hex(&self.sender))
            .field("chain", &self.chain)
            .field("index", &self.index)
            .field("signing_key", &Hex(&self.signing_key))
            .finish_non_exhaustive()
    }
}

/// Encoded length without the sender address.
const FIXED_LEN: usize = 2 + GROUP_ID_LEN + 4 + 1 + 4 + 4 + 32 + 32 + PUBLIC_KEY_LEN;

impl ChainDistribution {
    /// Encodes the distribution (PROTOCOL.md §21.4). The bytes hold the
    /// chain key: they are wiped on drop.
    ///
    /// # Errors
    /// None in practice (the sender address was checked on creation).
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::with_capacity(FIXED_LEN + MAX_DEVICE_ADDRESS_LEN));
        wire::write_header(&mut out, Kind::GroupDistribution);
        out.put(&self.group_id);
        out.put_u32(self.epoch);
        write_address(&mut out, &self.sender);
        out.put_u32(self.chain);
        out.put_u32(self.index);
        out.put(self.chain_key.expose());
        out.put(self.header_key.expose());
        out.put(&self.signing_key);
        Ok(out)
    }

    /// Decodes a distribution. The signature key must be a valid Ed25519
    /// key (`INVALID_KEY`); nothing else is checked here.
    ///
    /// # Errors
    /// `UNSUPPORTED_VERSION`, `WRONG_OBJECT_TYPE`, `TRUNCATED`,
    /// `TRAILING_BYTES`, `MALFORMED` (empty address), `TOO_LARGE` (address
    /// over 64 bytes), `INVALID_KEY`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes).map(|(distribution, _)| distribution)
    }

    /// [`from_bytes`](Self::from_bytes), also returning the decoded
    /// signature key (decoded once: the receiver keeps it).
    pub(crate) fn decode(bytes: &[u8]) -> Result<(Self, ed25519::PublicKey)> {
        Reader::decode(bytes, |r| {
            wire::read_header(r, Kind::GroupDistribution)?;
            let group_id = r.array()?;
            let epoch = r.u32()?;
            let sender = read_address(r)?.to_vec();
            let chain = r.u32()?;
            let index = r.u32()?;
            let chain_key = Secret::from_bytes(r.array()?);
            let header_key = Secret::from_bytes(r.array()?);
            let signing_key: [u8; PUBLIC_KEY_LEN] = r.array()?;
            let verifier = ed25519::PublicKey::from_bytes(&signing_key)?;
            let distribution = ChainDistribution {
                group_id,
                epoch,
                sender,
                chain,
                index,
                chain_key,
                header_key,
                signing_key,
            };
            Ok((distribution, verifier))
        })
    }

    /// The group this chain belongs to.
    pub const fn group_id(&self) -> &[u8; GROUP_ID_LEN] {
        &self.group_id
    }

    /// The epoch of the chain.
    pub const fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The sending device.
    pub fn sender(&self) -> &[u8] {
        &self.sender
    }

    /// The sender's chain number (it grows with every new chain).
    pub const fn chain(&self) -> u32 {
        self.chain
    }

    /// The index of the next message the chain key opens.
    pub const fn index(&self) -> u32 {
        self.index
    }
}
