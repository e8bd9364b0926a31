//! The generator of the multi-device build (feature `records`): the
//! operating system's, or the recorded draws of a known-answer test, as one
//! concrete type (see `rng` in lib.rs for why one type).

use sotto::{Error, OsRng};

/// The operating system's generator, or a tape of recorded draws handed out
/// in order (running out is [`Error::Randomness`]).
pub(crate) enum Draws<'a> {
    Os,
    Tape(&'a [u8]),
}

impl<'a> Draws<'a> {
    /// `Os` for no bytes (the JavaScript layer's default), else a tape.
    pub(crate) const fn from(bytes: &'a [u8]) -> Self {
        if bytes.is_empty() {
            Draws::Os
        } else {
            Draws::Tape(bytes)
        }
    }
}

impl rand_core::TryRng for Draws<'_> {
    type Error = Error;
    fn try_next_u32(&mut self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        match self {
            Draws::Os => {
                rand_core::TryRng::try_fill_bytes(&mut OsRng, dst).map_err(|_| Error::Randomness)
            }
            Draws::Tape(tape) => {
                let (head, rest) = tape.split_at_checked(dst.len()).ok_or(Error::Randomness)?;
                dst.copy_from_slice(head);
                *tape = rest;
                Ok(())
            }
        }
    }
}

impl rand_core::TryCryptoRng for Draws<'_> {}
