//! Safety numbers: what two people compare to know that no one sits between
//! their devices.
//!
//! Each identity gets a fingerprint by iterated hashing (which makes finding
//! a second identity with a chosen fingerprint prefix expensive):
//!
//! ```text
//! h_0     = SHA-512("Sotto v1 safety number" || IK)      IK: 66-byte identity key
//! h_{i+1} = SHA-512(h_i || IK)                            for i in 0..5200
//! fp(IK)  = h_5200
//! ```
//!
//! Three presentations are derived, all identical on both sides:
//! - **60 digits**: for each side, six 5-digit groups, group `j` being the
//!   big-endian 40-bit integer `fp[5j..5j+5] mod 100000`; the two 30-digit
//!   halves are concatenated in ascending order.
//! - **10 emoji**: `SHA-256("Sotto v1 safety emoji" || lower || higher)`,
//!   where lower/higher are the first 32 bytes of the two fingerprints in
//!   ascending byte order; its first 60 bits, 6 at a time (most significant
//!   first), index [`EMOJI`].
//! - **QR payload**: `0x01 || 0x06 || fp(local)[..32] || fp(remote)[..32]`,
//!   scanned from the other device and checked with [`SafetyNumber::matches_qr`].

use crate::keys::{IDENTITY_KEY_LEN, IdentityKey};
use crate::person::UserIdentityKey;
use crate::primitives::kdf::{sha256, sha512};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use subtle::ConstantTimeEq;

pub(crate) const SAFETY_NUMBER_LABEL: &[u8] = b"Sotto v1 safety number";
pub(crate) const USER_SAFETY_NUMBER_LABEL: &[u8] = b"Sotto v1 user safety number";
pub(crate) const SAFETY_EMOJI_LABEL: &[u8] = b"Sotto v1 safety emoji";
/// Hash iterations per fingerprint.
pub const ITERATIONS: usize = 5200;
/// Number of emoji in [`SafetyNumber::emoji`].
pub const EMOJI_COUNT: usize = 10;
/// Length of a QR payload.
pub const QR_PAYLOAD_LEN: usize = 66;

/// The 64 emoji, indexed by 6-bit values, with their English names.
pub const EMOJI: [(&str, &str); 64] = [
    ("🐶", "dog"),
    ("🐱", "cat"),
    ("🦁", "lion"),
    ("🐴", "horse"),
    ("🦄", "unicorn"),
    ("🐷", "pig"),
    ("🐘", "elephant"),
    ("🐰", "rabbit"),
    ("🐼", "panda"),
    ("🐓", "rooster"),
    ("🐧", "penguin"),
    ("🐢", "turtle"),
    ("🐟", "fish"),
    ("🐙", "octopus"),
    ("🦋", "butterfly"),
    ("🌷", "tulip"),
    ("🌳", "tree"),
    ("🌵", "cactus"),
    ("🍄", "mushroom"),
    ("🌏", "globe"),
    ("🌙", "moon"),
    ("🌈", "rainbow"),
    ("🔥", "fire"),
    ("🍌", "banana"),
    ("🍎", "apple"),
    ("🍓", "strawberry"),
    ("🌽", "corn"),
    ("🍕", "pizza"),
    ("🎂", "cake"),
    ("💜", "heart"),
    ("😀", "smiley"),
    ("🤖", "robot"),
    ("🎩", "hat"),
    ("👓", "glasses"),
    ("🔧", "wrench"),
    ("🎅", "santa"),
    ("👍", "thumbs up"),
    ("⌛", "hourglass"),
    ("⏰", "alarm clock"),
    ("🎁", "gift"),
    ("💡", "light bulb"),
    ("📕", "book"),
    ("📌", "pin"),
    ("📎", "paperclip"),
    ("🔒", "lock"),
    ("🔑", "key"),
    ("🔨", "hammer"),
    ("📞", "telephone"),
    ("🏁", "flag"),
    ("🚂", "train"),
    ("🚲", "bicycle"),
    ("🚀", "rocket"),
    ("🏆", "trophy"),
    ("⚽", "ball"),
    ("🎸", "guitar"),
    ("🎺", "trumpet"),
    ("🔔", "bell"),
    ("⚓", "anchor"),
    ("🎧", "headphones"),
    ("📁", "folder"),
    ("📷", "camera"),
    ("🐝", "bee"),
    ("🍇", "grapes"),
    ("🌻", "sunflower"),
];

/// The iterated-hash fingerprint of one identity.
pub fn fingerprint(identity: &IdentityKey) -> [u8; 64] {
    let key: [u8; IDENTITY_KEY_LEN] = identity.key_bytes();
    iterate(SAFETY_NUMBER_LABEL, &key)
}

/// The iterated-hash fingerprint of a person's user identity key
/// (PROTOCOL.md §18.5): as [`fingerprint`] with the label
/// `"Sotto v1 user safety number"` and the 33-byte user key, so a person's
/// number never equals a device's.
pub fn user_fingerprint(user: &UserIdentityKey) -> [u8; 64] {
    iterate(USER_SAFETY_NUMBER_LABEL, &user.to_bytes())
}

fn iterate(label: &[u8], key: &[u8]) -> [u8; 64] {
    let mut hash = sha512(&[label, key]);
    for _ in 0..ITERATIONS {
        hash = sha512(&[&hash, key]);
    }
    hash
}

fn digits_of(fp: &[u8; 64]) -> String {
    let mut out = String::with_capacity(30);
    for chunk in fp.chunks_exact(5).take(6) {
        let value = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Five decimal digits with leading zeros (`{:05}`), written by hand:
        // a smaller WebAssembly module than `write!` (issue 14).
        let mut rest = value % 100_000;
        let mut digits = [b'0'; 5];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        out.extend(digits.iter().map(|&d| char::from(d)));
    }
    out
}

/// The safety number of a pair of identities, as seen from one side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyNumber {
    local: [u8; 64],
    remote: [u8; 64],
}

impl SafetyNumber {
    /// Computes the fingerprints of both identities (2 × 5200 SHA-512).
    pub fn new(local: &IdentityKey, remote: &IdentityKey) -> Self {
        SafetyNumber {
            local: fingerprint(local),
            remote: fingerprint(remote),
        }
    }

    /// The safety number of two people (PROTOCOL.md §18.5): it covers their
    /// two user identity keys only, so it stays the same while devices come
    /// and go (the approach WhatsApp took). Device changes are shown through
    /// [`DeviceListChange`](crate::DeviceListChange) instead, and every
    /// device list is signed by the user key this number verifies.
    ///
    /// ```
    /// use sotto::{OsRng, SafetyNumber, UserIdentity};
    /// let alice = UserIdentity::new(&mut OsRng)?;
    /// let bob = UserIdentity::new(&mut OsRng)?;
    /// let on_alice = SafetyNumber::for_users(&alice.public_key(), &bob.public_key());
    /// let on_bob = SafetyNumber::for_users(&bob.public_key(), &alice.public_key());
    /// assert_eq!(on_alice.digits(), on_bob.digits());
    /// # Ok::<(), sotto::Error>(())
    /// ```
    pub fn for_users(local: &UserIdentityKey, remote: &UserIdentityKey) -> Self {
        SafetyNumber {
            local: user_fingerprint(local),
            remote: user_fingerprint(remote),
        }
    }

    /// The 60 decimal digits, identical on both sides.
    pub fn digits(&self) -> String {
        let (local, remote) = (digits_of(&self.local), digits_of(&self.remote));
        // The smaller half first (a comparison rather than a slice sort:
        // less WebAssembly code).
        if local <= remote {
            local + &remote
        } else {
            remote + &local
        }
    }

    /// The digits in 12 groups of 5 separated by spaces, for display.
    pub fn display(&self) -> String {
        // Written group by group (no `join`: less WebAssembly code).
        let digits = self.digits();
        let mut out = String::with_capacity(71);
        for group in 0..12 {
            if group > 0 {
                out.push(' ');
            }
            out.push_str(digits.get(5 * group..5 * group + 5).unwrap_or_default());
        }
        out
    }

    fn ordered_prefixes(&self) -> ([u8; 32], [u8; 32]) {
        let mut local = [0u8; 32];
        let mut remote = [0u8; 32];
        local.copy_from_slice(self.local.get(..32).unwrap_or(&[0u8; 32]));
        remote.copy_from_slice(self.remote.get(..32).unwrap_or(&[0u8; 32]));
        if local <= remote {
            (local, remote)
        } else {
            (remote, local)
        }
    }

    /// The indexes into [`EMOJI`] of the emoji sequence.
    pub fn emoji_indexes(&self) -> [u8; EMOJI_COUNT] {
        let (lower, higher) = self.ordered_prefixes();
        let hash = sha256(&[SAFETY_EMOJI_LABEL, &lower, &higher]);
        let mut bits = hash
            .first_chunk::<8>()
            .map_or(0, |b| u64::from_be_bytes(*b));
        let mut out = [0u8; EMOJI_COUNT];
        for slot in &mut out {
            *slot = (bits >> 58) as u8;
            bits <<= 6;
        }
        out
    }

    /// The emoji sequence with names, identical on both sides.
    pub fn emoji(&self) -> [(&'static str, &'static str); EMOJI_COUNT] {
        self.emoji_indexes()
            .map(|i| EMOJI.get(usize::from(i)).copied().unwrap_or(("?", "?")))
    }

    /// The QR payload this side displays (66 bytes).
    pub fn qr_payload(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(QR_PAYLOAD_LEN);
        wire::write_header(&mut out, Kind::SafetyQr);
        // The first 32 bytes of each 64-byte fingerprint (§10).
        let (local, _) = self.local.split_at(32);
        let (remote, _) = self.remote.split_at(32);
        out.put(local);
        out.put(remote);
        out
    }

    /// Checks a QR payload scanned from the peer's screen: it matches when the
    /// peer's view of (its identity, our identity) equals ours. Compared in
    /// constant time.
    ///
    /// # Errors
    /// A decoding error for bytes that are not a QR payload.
    pub fn matches_qr(&self, scanned: &[u8]) -> Result<bool> {
        let mut reader = Reader::new(scanned);
        wire::read_header(&mut reader, Kind::SafetyQr)?;
        let their_local: [u8; 32] = reader.array()?;
        let their_remote: [u8; 32] = reader.array()?;
        reader.finish()?;
        let ours_remote = self.remote.get(..32).ok_or(Error::Internal)?;
        let ours_local = self.local.get(..32).ok_or(Error::Internal)?;
        Ok((their_local.ct_eq(ours_remote) & their_remote.ct_eq(ours_local)).into())
    }
}
