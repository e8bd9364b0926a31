//! What every vector generator shares: lowercase hex both ways, and the
//! generator that records every draw (PROTOCOL.md §13, §14).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use rand_chacha::ChaCha20Rng;
use rand_core::{TryCryptoRng, TryRng};
use serde_json::{Value, json};

/// Lowercase hex, as the vector files write bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The inverse of [`hex`].
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A seeded generator that records every draw (byte strings; the integer
/// draws, which the protocol never makes, are little-endian byte draws).
pub(crate) struct Recorder {
    pub(crate) inner: ChaCha20Rng,
    pub(crate) draws: Vec<Vec<u8>>,
}

impl TryRng for Recorder {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.try_fill_bytes(dst)?;
        self.draws.push(dst.to_vec());
        Ok(())
    }
}

impl TryCryptoRng for Recorder {}

impl Recorder {
    /// Takes the draws made since the last call, checking their lengths
    /// against the documented order, and names them.
    pub(crate) fn take(&mut self, names: &[(&str, usize)]) -> Value {
        let draws = core::mem::take(&mut self.draws);
        assert_eq!(draws.len(), names.len(), "draw count for {names:?}");
        let mut out = serde_json::Map::new();
        for ((name, len), draw) in names.iter().zip(draws) {
            assert_eq!(draw.len(), *len, "length of {name}");
            out.insert((*name).into(), json!(hex(&draw)));
        }
        Value::Object(out)
    }
}
