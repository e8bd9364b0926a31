//! Length-hiding padding (Padmé).
//!
//! A plaintext of `n` bytes is followed by a single `0x80` byte and then zero
//! bytes up to the padded length `P(n + 1)`:
//!
//! ```text
//! P(L) = 32                                  if L <= 32
//! P(L) = (L + m) & !m, m = 2^(E - S) - 1     otherwise,
//!        where E = floor(log2 L), S = floor(log2 E) + 1
//! ```
//!
//! Padmé (Nikitin et al., PETS 2019) leaks only O(log log n) bits of the
//! length and costs at most about 12% of overhead; the 32-byte floor hides
//! the length of short messages ("ok", "yes") completely. The receiver strips
//! the zeros and the `0x80` marker whatever padding the sender chose, so the
//! policy can change without breaking compatibility.

use crate::{Error, Result};
use alloc::vec::Vec;

/// How the sender pads plaintexts before encryption.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Padmé with a 32-byte floor (the default).
    #[default]
    Padme,
    /// Only the one-byte `0x80` terminator: lengths are visible. Use only when
    /// an outer layer already hides lengths.
    None,
}

impl Padding {
    pub(crate) const fn to_byte(self) -> u8 {
        match self {
            Padding::Padme => 1,
            Padding::None => 0,
        }
    }

    pub(crate) fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            1 => Ok(Padding::Padme),
            0 => Ok(Padding::None),
            _ => Err(Error::Malformed),
        }
    }

    /// The padded length for a plaintext of `len` bytes (marker included).
    pub const fn padded_len(self, len: usize) -> usize {
        let with_marker = len.saturating_add(1);
        match self {
            Padding::None => with_marker,
            Padding::Padme => padme(with_marker),
        }
    }
}

/// The Padmé length function with a 32-byte floor.
pub const fn padme(len: usize) -> usize {
    if len <= 32 {
        return 32;
    }
    let e = usize::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let zero_bits = e - s;
    let mask = (1usize << zero_bits) - 1;
    len.saturating_add(mask) & !mask
}

/// Pads `plaintext` into a fresh buffer.
pub(crate) fn pad(plaintext: &[u8], padding: Padding) -> Vec<u8> {
    let target = padding.padded_len(plaintext.len());
    let mut out = Vec::with_capacity(target);
    out.extend_from_slice(plaintext);
    out.push(0x80);
    out.resize(target, 0);
    out
}

/// Removes the padding in place.
///
/// # Errors
/// [`Error::InvalidPadding`] when no `0x80` marker precedes the trailing zeros.
pub(crate) fn unpad(padded: &mut Vec<u8>) -> Result<()> {
    let marker = padded
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(Error::InvalidPadding)?;
    if padded.get(marker) != Some(&0x80) {
        return Err(Error::InvalidPadding);
    }
    padded.truncate(marker);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed by hand from the definition.
    #[test]
    fn padme_known_values() {
        assert_eq!(padme(1), 32);
        assert_eq!(padme(32), 32);
        assert_eq!(padme(33), 36); // E=5, S=3: round up to a multiple of 4
        assert_eq!(padme(101), 104); // E=6, S=3: multiple of 8
        assert_eq!(padme(1000), 1024); // E=9, S=4: multiple of 32
        assert_eq!(padme(1025), 1088); // E=10, S=4: multiple of 64
    }

    #[test]
    fn padme_bounds() {
        for len in 1..5000 {
            let padded = padme(len);
            assert!(padded >= len);
            assert!(padded >= 32);
            assert!(
                len <= 32 || padded - len <= len / 8 + 1,
                "overhead at {len}"
            );
        }
    }

    #[test]
    fn round_trip_and_rejects_bad_padding() {
        for len in [0usize, 1, 31, 32, 100, 4096] {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8 | 1).collect();
            for mode in [Padding::Padme, Padding::None] {
                let mut padded = pad(&plaintext, mode);
                assert_eq!(padded.len(), mode.padded_len(len));
                unpad(&mut padded).unwrap();
                assert_eq!(padded, plaintext);
            }
        }
        assert_eq!(unpad(&mut alloc::vec![0, 0, 0]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&mut alloc::vec![1, 2, 0]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&mut Vec::new()), Err(Error::InvalidPadding));
    }
}
