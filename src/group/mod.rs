//! Sender-key group chats (PROTOCOL.md §21).
//!
//! Each member device of a group has a **sending chain**: a symmetric hash
//! ratchet (one message key per index, forward secret) with an Ed25519
//! signing key. A device hands its chain to the other member devices as a
//! [`ChainDistribution`], a plaintext object the application sends through
//! its pairwise [`Session`](crate::Session)s, whose hybrid handshake gives
//! the chain keys post-quantum confidentiality. A group message is then
//! encrypted once, whatever the group size, and signed by the sender's
//! chain key, so that no other member can forge it.
//!
//! Membership is the application's: it tells every device of the group
//! about additions ([`GroupSession::add_members`]: the newcomers receive the
//! current chains at their current index, so no history) and removals
//! ([`GroupSession::remove_members`]: a new epoch, every remaining device
//! starts a new chain and hands it to the remaining devices only).
//!
//! ```
//! use sotto::group::{GroupConfig, GroupSession};
//! use sotto::OsRng;
//!
//! let id = [7u8; 16];
//! let now = 1_700_000_000;
//! let mut alice = GroupSession::create(id, b"alice#1", &[b"bob#1"], 0, GroupConfig::default(), now, &mut OsRng)?;
//! let mut bob = GroupSession::create(id, b"bob#1", &[b"alice#1"], 0, GroupConfig::default(), now, &mut OsRng)?;
//! // Each sends its chain to the other through their pairwise session
//! // (here directly), naming the device the session authenticates.
//! bob.receive_distribution(&alice.distribution().to_bytes()?, b"alice#1")?;
//! alice.receive_distribution(&bob.distribution().to_bytes()?, b"bob#1")?;
//!
//! let sent = alice.encrypt(b"hello group", now, &mut OsRng)?;
//! assert!(sent.distribution.is_none()); // no rotation was due
//! let read = bob.decrypt(&sent.message)?;
//! assert_eq!(read.plaintext, b"hello group");
//! assert_eq!(read.sender, b"alice#1");
//! # Ok::<(), sotto::Error>(())
//! ```

mod chain;
mod distribution;
mod message;
mod persist;
mod state;
#[cfg(test)]
mod tests;

pub use distribution::ChainDistribution;
pub use message::GroupMessage;
pub use state::{GroupConfig, GroupDecrypted, GroupEncrypted, GroupSession};

/// Length of a group identifier.
pub const GROUP_ID_LEN: usize = 16;

/// Longest device address (the sender of a chain, a member) in bytes.
pub const MAX_DEVICE_ADDRESS_LEN: usize = 64;

/// Most other member devices one group state holds.
pub const MAX_GROUP_DEVICES: usize = 1000;

/// Most receiving chains held per sender device: the newest ones by
/// (epoch, chain number); an older one is dropped first.
pub const MAX_CHAINS_PER_SENDER: usize = 3;

/// Most message keys one group message may make the receiver skip in a chain.
pub const MAX_GROUP_SKIP: u32 = 1000;

/// Most skipped message keys a group state stores over all its chains.
pub const MAX_GROUP_SKIPPED_KEYS: usize = 2000;

/// Largest sealed group accepted or produced (1 MiB; the largest state the
/// bounds allow is 662,215 bytes, PROTOCOL.md §21.9).
pub const MAX_SEALED_GROUP_LEN: usize = 1024 * 1024;

/// Default rotation bound on messages per sending chain.
pub const DEFAULT_MAX_MESSAGES: u32 = 100;

/// Default rotation bound on a sending chain's age (7 days, in seconds).
pub const DEFAULT_MAX_AGE_SECS: u64 = 7 * 24 * 3600;

/// Checks a device address from a caller: 1 to 64 bytes.
pub(crate) fn check_address(address: &[u8]) -> crate::Result<()> {
    if address.is_empty() || address.len() > MAX_DEVICE_ADDRESS_LEN {
        return Err(crate::Error::InvalidArgument);
    }
    Ok(())
}

/// Reads `u8(len) || address` from untrusted bytes.
pub(crate) fn read_address<'a>(reader: &mut crate::wire::Reader<'a>) -> crate::Result<&'a [u8]> {
    let len = usize::from(reader.u8()?);
    if len == 0 {
        return Err(crate::Error::Malformed);
    }
    if len > MAX_DEVICE_ADDRESS_LEN {
        return Err(crate::Error::TooLarge);
    }
    reader.take(len)
}

/// Writes `u8(len) || address` (the address was checked on entry).
pub(crate) fn write_address(out: &mut alloc::vec::Vec<u8>, address: &[u8]) {
    use crate::wire::Writer;
    out.put_u8(u8::try_from(address.len()).unwrap_or(0));
    out.put(address);
}
