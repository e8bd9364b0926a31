//! Randomness: the operating system's generator by default, or a caller's
//! callback (for deterministic tests, or a platform generator).

use crate::buffer::{Aliasing, OutHandle, Span, token};
use crate::handles::Handle;
use crate::handles::{CallbackRngRef, CallbackScope, FfiResult, Kind, Object, guard, register};
use crate::handles::{free, sotto_rng};
use crate::status::SOTTO_ERR_NULL_POINTER;
use core::ffi::c_void;
use core::fmt;
use rand_core::{TryCryptoRng, TryRng};
use std::sync::Mutex;

/// A random-number callback: fill `len` bytes at `out` with
/// cryptographically secure random bytes and return 0, or return any
/// non-zero value on failure (the call then fails with
/// `SOTTO_ERR_RANDOMNESS`).
///
/// It is called with the `user_data` given to `sotto_rng_new_callback`, on
/// whichever thread made the libsotto call that needs randomness, never by
/// two threads at once for the same `sotto_rng`. It must not call libsotto
/// (such calls fail with `SOTTO_ERR_REENTRANT`), must not unwind or
/// `longjmp`, and must write only `out[0..len]`.
pub type sotto_fill_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, out: *mut u8, len: usize) -> i32>;

/// A generator backed by a caller's callback.
pub(crate) struct CallbackRng {
    fill: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> i32,
    user_data: *mut c_void,
}

// SAFETY: the only non-`Send` field is `user_data`, an opaque pointer we
// never dereference; we only pass it back to the caller's callback. The
// documented contract of `sotto_rng_new_callback` requires the callback and
// its `user_data` to be usable from any thread that calls libsotto with
// this generator, and the handle's mutex guarantees one call at a time.
unsafe impl Send for CallbackRng {}

/// A random-number failure (the OS generator's or the callback's).
#[derive(Debug)]
pub(crate) struct RngFailure;

impl fmt::Display for RngFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("random number generator failed")
    }
}

impl core::error::Error for RngFailure {}

impl CallbackRng {
    fn fill(&mut self, dst: &mut [u8]) -> Result<(), RngFailure> {
        if dst.is_empty() {
            return Ok(());
        }
        let _scope = CallbackScope::enter();
        // SAFETY: the callback was supplied by the caller for exactly this
        // use (see `sotto_fill_fn`): it is called with the caller's own
        // `user_data` and with `dst`, a valid, exclusively borrowed, writable
        // region of `dst.len()` bytes that outlives the call. Re-entrant
        // libsotto calls are refused by `guard` through `CallbackScope`.
        let status = unsafe { (self.fill)(self.user_data, dst.as_mut_ptr(), dst.len()) };
        if status == 0 { Ok(()) } else { Err(RngFailure) }
    }
}

/// The generator of one call: the OS's, or a locked callback generator.
pub(crate) enum FfiRng<'a> {
    Os,
    Callback(&'a mut CallbackRng),
}

impl TryRng for FfiRng<'_> {
    type Error = RngFailure;

    fn try_next_u32(&mut self) -> Result<u32, RngFailure> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, RngFailure> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RngFailure> {
        match self {
            FfiRng::Os => sotto_core::OsRng
                .try_fill_bytes(dst)
                .map_err(|_| RngFailure),
            FfiRng::Callback(rng) => rng.fill(dst),
        }
    }
}

impl TryCryptoRng for FfiRng<'_> {}

/// The generator argument of a call, looked up at its start: the OS
/// generator for NULL, else a live callback generator (locked when used).
pub(crate) enum RngRef {
    Os,
    Callback(CallbackRngRef),
}

impl RngRef {
    /// Looks up `rng` (unknown and wrong-kind handles are errors; NULL is
    /// the OS generator).
    pub(crate) fn get(rng: *const sotto_rng) -> FfiResult<Self> {
        if rng.is_null() {
            return Ok(RngRef::Os);
        }
        CallbackRngRef::get(rng).map(RngRef::Callback)
    }

    /// Runs `f` with the generator (holding the callback generator's lock).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut FfiRng<'_>) -> FfiResult<T>) -> FfiResult<T> {
        match self {
            RngRef::Os => f(&mut FfiRng::Os),
            RngRef::Callback(handle) => handle.with(|callback| f(&mut FfiRng::Callback(callback))),
        }
    }
}

/// Creates a random source that calls `fill` whenever libsotto needs
/// randomness. Pass it as the `rng` argument of functions that take one;
/// pass NULL there to use the operating system's generator (the default,
/// and what production code should do unless the platform mandates its own
/// generator).
///
/// Typical use: deterministic tests (a seeded generator makes key
/// generation and encryption reproducible). The callback must return
/// cryptographically secure bytes in production.
///
/// On success `*out` receives a new handle, owned by the caller: release it
/// with `sotto_rng_free` after the last call that uses it. On error `*out`
/// is NULL.
///
/// Thread safety: the handle may be used from any thread; calls that use the
/// same `sotto_rng` are serialized, so the callback never runs concurrently
/// with itself for one handle. `user_data` must stay valid until the handle
/// is freed and any call using it has returned.
///
/// Checks, in order: `out`, then `fill` (`SOTTO_ERR_NULL_POINTER` if
/// NULL). Aliasing: `user_data` is never read by libsotto (only passed
/// back to `fill`), so nothing can overlap.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer; `fill` is NULL or a
/// function obeying the contract of `sotto_fill_fn` for this `user_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_rng_new_callback(
    fill: sotto_fill_fn,
    user_data: *mut c_void,
    out: *mut *mut sotto_rng,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(&[Span::of(out)], &[]);
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out, &aliasing) }?;
        let fill = fill.ok_or(SOTTO_ERR_NULL_POINTER)?;
        let disjoint = aliasing.check()?;
        out.set(
            &disjoint,
            register(Object::Rng(Mutex::new(CallbackRng { fill, user_data }))),
        );
        Ok(())
    })
}

/// Frees a random source. NULL is a no-op. `user_data` is not touched (it
/// stays owned by the caller).
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Aliasing: no memory arguments. Thread safety: any thread; a call already
/// using the handle on another thread completes normally.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_rng_free(rng: *mut sotto_rng) -> i32 {
    guard(|| free(token(rng), Kind::Rng))
}
