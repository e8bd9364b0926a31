//! Glue shared by the subpath WebAssembly modules (`sotto/groups`,
//! `sotto/devices`): error codes for JavaScript, the generator (the
//! operating system's, or a known-answer tape), and integer seconds.
//! Included by path from each crate so that each module stays one crate with
//! no extra dependency.

use sotto::{Error, OsRng};
use wasm_bindgen::prelude::*;

pub(crate) type JsResult<T> = Result<T, JsValue>;

pub(crate) fn code(error: Error) -> JsValue {
    JsValue::from(error.code())
}

pub(crate) trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for sotto::Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(code)
    }
}

pub(crate) const INVALID: fn() -> JsValue = || code(Error::InvalidArgument);

/// The random bytes of a known-answer test, handed out in order.
struct Tape<'a>(&'a [u8]);

impl rand_core::TryRng for Tape<'_> {
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
        let (head, rest) = self
            .0
            .split_at_checked(dst.len())
            .ok_or(Error::Randomness)?;
        dst.copy_from_slice(head);
        self.0 = rest;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Tape<'_> {}

/// Runs `f` with the operating system's generator, or with `draws`.
pub(crate) fn with_rng<T>(
    draws: &[u8],
    f: impl FnOnce(&mut dyn rand_core::TryCryptoRng<Error = Error>) -> sotto::Result<T>,
) -> JsResult<T> {
    if draws.is_empty() {
        f(&mut Os).js()
    } else {
        f(&mut Tape(draws)).js()
    }
}

/// [`OsRng`] with the core's error type, so that both generators fit one
/// `dyn` signature.
struct Os;

impl rand_core::TryRng for Os {
    type Error = Error;
    fn try_next_u32(&mut self) -> Result<u32, Error> {
        rand_core::TryRng::try_next_u32(&mut OsRng).map_err(|_| Error::Randomness)
    }
    fn try_next_u64(&mut self) -> Result<u64, Error> {
        rand_core::TryRng::try_next_u64(&mut OsRng).map_err(|_| Error::Randomness)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        rand_core::TryRng::try_fill_bytes(&mut OsRng, dst).map_err(|_| Error::Randomness)
    }
}

impl rand_core::TryCryptoRng for Os {}

/// Seconds from JavaScript: an integer in `0..=2^53`.
pub(crate) fn secs(value: f64) -> JsResult<u64> {
    if (0.0..=9_007_199_254_740_992.0).contains(&value) && value.fract() == 0.0 {
        // Exact: an integer below 2^53 + 1.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as u64)
    } else {
        Err(INVALID())
    }
}
