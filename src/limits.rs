//! Every bound the library enforces, in one place.
//!
//! These are part of the protocol's documented behaviour (PROTOCOL.md §"Bounds"):
//! an input that would exceed one is rejected with a typed error, never
//! truncated silently and never allowed to grow memory without limit.

/// Largest plaintext [`Session::encrypt`](crate::Session::encrypt) accepts (1 MiB).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 20;

/// Most message keys one incoming message may make the receiver skip in a
/// chain (the gap between the next expected index and the message's index).
pub const MAX_SKIP: u32 = 1000;

/// Most skipped message keys a session stores across all its chains. When a
/// new key would exceed it, the oldest stored key is evicted first (oldest
/// retired chain first, lowest index first within a chain).
pub const MAX_SKIPPED_KEYS: usize = 2000;

/// Most earlier receiving chains whose header keys a session remembers, for
/// skipped keys and for recognising replays. The oldest is forgotten first.
pub const MAX_RETIRED_CHAINS: usize = 5;

/// Longest local or remote identifier in a [`SessionContext`](crate::SessionContext).
pub const MAX_CONTEXT_ID_LEN: usize = 1024;

/// Most unused one-time prekeys of each kind (X25519, ML-KEM) an account
/// holds. Generating more evicts the oldest.
pub const MAX_ONE_TIME_PREKEYS: usize = 100;

/// Signed and last-resort prekeys kept after rotation, so that prekey
/// messages made from a slightly old bundle still decrypt.
pub const MAX_RETIRED_PREKEYS: usize = 2;

/// Base keys of accepted prekey messages an account remembers, so that a
/// replayed prekey message cannot create a second session.
pub const MAX_REMEMBERED_BASE_KEYS: usize = 256;

/// Drops the oldest entries of `list` so that at most `max` remain (how the
/// bounds above that forget the oldest are enforced).
pub(crate) fn trim_front<T>(list: &mut alloc::vec::Vec<T>, max: usize) {
    if list.len() > max {
        let excess = list.len() - max;
        list.drain(..excess);
    }
}
