//! Randomness comes from the caller as a `rand_core` [`TryCryptoRng`].

use crate::{Error, Result};
use rand_core::TryCryptoRng;

/// Draws `N` bytes from the caller's generator.
///
/// # Errors
/// [`Error::Randomness`] when the generator fails.
pub fn random_array<const N: usize, R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    rng.try_fill_bytes(&mut out)
        .map_err(|_| Error::Randomness)?;
    Ok(out)
}

/// The operating system's generator (through `getrandom`).
///
/// Pass `&mut OsRng` wherever Sotto asks for randomness. On
/// `wasm32-unknown-unknown` it uses `crypto.getRandomValues`.
#[cfg(feature = "getrandom")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRng;

#[cfg(feature = "getrandom")]
impl rand_core::TryRng for OsRng {
    type Error = getrandom::Error;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
        getrandom::fill(dst)
    }
}

#[cfg(feature = "getrandom")]
impl TryCryptoRng for OsRng {}
