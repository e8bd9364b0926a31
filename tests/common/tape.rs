//! Replaying recorded vectors: hex and a generator that plays the recorded
//! draws back (tests/devices.rs, tests/link.rs).

use rand_core::{TryCryptoRng, TryRng};
use serde_json::Value;
use std::collections::VecDeque;

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

pub fn hx(v: &Value) -> Vec<u8> {
    unhex(v.as_str().unwrap())
}

/// A generator that replays the recorded draws, in order, checking lengths.
pub struct Tape(VecDeque<Vec<u8>>);

impl Tape {
    pub fn new(draws: &[&Value]) -> Self {
        Tape(draws.iter().map(|v| hx(v)).collect())
    }
    pub fn done(&self) {
        assert!(self.0.is_empty(), "fewer draws than the vectors list");
    }
}

impl TryRng for Tape {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        panic!("byte strings only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        panic!("byte strings only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let next = self
            .0
            .pop_front()
            .expect("more draws than the vectors list");
        assert_eq!(next.len(), dst.len(), "draw length");
        dst.copy_from_slice(&next);
        Ok(())
    }
}

impl TryCryptoRng for Tape {}

/// Lowercase hex, as the vector files write bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records every draw (generation), or plays a tape of bytes back (replay).
#[allow(clippy::large_enum_variant)] // a test helper, moved rarely
pub enum Recording {
    Record(rand_chacha::ChaCha20Rng, Vec<u8>),
    Tape(Vec<u8>),
}

impl TryRng for Recording {
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
        match self {
            Recording::Record(inner, drawn) => {
                inner.try_fill_bytes(dst)?;
                drawn.extend_from_slice(dst);
            }
            Recording::Tape(tape) => {
                assert!(tape.len() >= dst.len(), "tape ran out");
                dst.copy_from_slice(&tape[..dst.len()]);
                tape.drain(..dst.len());
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for Recording {}
