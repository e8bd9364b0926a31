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
/// holds. Generating more evicts the oldest unpublished ones first
/// (PROTOCOL.md §4.3).
pub const MAX_ONE_TIME_PREKEYS: usize = 100;

/// Most one-time prekeys of each kind an account lets be published (handed
/// to the server, or out in bundles) at once: half of
/// [`MAX_ONE_TIME_PREKEYS`], so that a generation of up to 50 keys never
/// evicts a key the server may still hand out. The other half is room for
/// keys generated but not uploaded yet.
pub const MAX_PUBLISHED_ONE_TIME_PREKEYS: usize = 50;

/// Signed and last-resort prekeys kept after rotation, so that prekey
/// messages made from a slightly old bundle still decrypt.
pub const MAX_RETIRED_PREKEYS: usize = 2;

/// Most prekey messages one signed prekey accepts. The account remembers the
/// base key of every one of them for as long as it holds the signed prekey,
/// so that no replay can create a second session; past this bound `accept`
/// fails with [`Error::PrekeyExhausted`](crate::Error::PrekeyExhausted) until
/// the signed prekey is rotated. Memory: at most
/// `(1 + MAX_RETIRED_PREKEYS) × 1000 × 32` = 96,000 bytes of base keys.
pub const MAX_SESSIONS_PER_SIGNED_PREKEY: usize = 1000;

/// Most archived sessions a [`SessionRecord`](crate::SessionRecord) keeps
/// besides its current one (PROTOCOL.md §17.1). Four cover the cases that
/// create a second session with one device (both sides initiating at once,
/// the peer reinstalling, either side restoring a backup) with room for
/// them to overlap, while bounding the header-key trials of a normal message
/// (at most 5 sessions × 7 header keys) and the sealed record's size
/// ([`MAX_SEALED_RECORD_LEN`](crate::record::MAX_SEALED_RECORD_LEN)). A
/// fifth archived session evicts the oldest.
pub const MAX_ARCHIVED_SESSIONS: usize = 4;

/// Drops the oldest entries so that at most `max` remain.
pub(crate) fn trim_front<T>(list: &mut alloc::vec::Vec<T>, max: usize) {
    if list.len() > max {
        let excess = list.len() - max;
        list.drain(..excess);
    }
}
