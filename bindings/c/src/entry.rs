//! The shapes an exported function takes, each written once.
//!
//! cbindgen reads the exported items from the source without expanding
//! macros, so every `extern "C" fn` stays written out with its signature
//! and documentation; its body calls one of these helpers, which run the
//! checks in the documented order (handles, then outputs, then inputs, then
//! aliasing, then the contents) inside [`guard`]:
//! - [`query`]: one handle → one output (a getter);
//! - [`call`]: one handle, a random source and one input → one output;
//! - [`query_array`]: one handle → a caller's fixed-size array;
//! - [`decode`]: one input, no handle → one output;
//! - [`create`]: a random source → one output (usually a new handle);
//! - [`seal`] / [`unseal`]: any sealable object, under a storage key.
//!
//! Functions with several outputs or inputs of their own kinds (lists,
//! addresses) write their prologue out with the same building blocks
//! (`Aliasing`, `OutBuffer`, `OutValue`, `OutHandle`, `bytes_in`, ...).

use crate::buffer::{
    Aliasing, Out, OutArray, OutBuffer, OutHandle, Span, bytes_in, out_spans, plaintext_in,
};
use crate::handles::{Handle, Object, Status, guard, sotto_rng};
use crate::rng::{FfiRng, RngRef};
use crate::session::storage_key;
use crate::sotto_buffer;
use crate::status::core_code;
use core::ptr;
use sotto_core::contact::Contact;
use sotto_core::group::GroupSession;
use sotto_core::{Account, Error, Session, SessionRecord, StorageKey, UserIdentity};

/// An input byte string as the caller passed it, and how it is checked.
#[derive(Clone, Copy)]
pub(crate) enum Input {
    /// No input.
    None,
    /// A required, non-empty input (see `bytes_in`).
    Bytes(*const u8, usize),
    /// A plaintext: empty (`NULL`, 0 allowed) up to
    /// `SOTTO_MAX_PLAINTEXT_LEN` bytes (see `plaintext_in`).
    Plaintext(*const u8, usize),
}

impl Input {
    /// The memory the input occupies (for `Aliasing::of`).
    fn span(self) -> Span {
        match self {
            Input::None => Span::bytes(ptr::null(), 0),
            Input::Bytes(data, len) | Input::Plaintext(data, len) => Span::bytes(data, len),
        }
    }

    /// Checks and reads the input.
    ///
    /// # Safety
    /// The pointer is NULL or readable for its length during `'a`, and not
    /// written meanwhile.
    unsafe fn read<'a>(self) -> Result<&'a [u8], Status> {
        match self {
            Input::None => Ok(&[]),
            // SAFETY: forwarded from the caller.
            Input::Bytes(data, len) => unsafe { bytes_in(data, len) },
            // SAFETY: forwarded from the caller.
            Input::Plaintext(data, len) => unsafe { plaintext_in(data, len) },
        }
    }
}

/// An object sealed at rest under a storage key (PROTOCOL.md, sealed
/// states): what [`seal`] and [`unseal`] need of it.
pub(crate) trait Sealed: Sized {
    /// Seals the object.
    fn seal_under(&self, key: &StorageKey, rng: &mut FfiRng<'_>) -> Result<Vec<u8>, Error>;
    /// Restores a sealed object.
    fn unseal_under(key: &StorageKey, sealed: &[u8]) -> Result<Self, Error>;
}

/// Implements [`Sealed`] with the core type's own `seal` and `unseal`.
macro_rules! sealed {
    ($($ty:ty),*) => {$(
        impl Sealed for $ty {
            fn seal_under(&self, key: &StorageKey, rng: &mut FfiRng<'_>) -> Result<Vec<u8>, Error> {
                self.seal(key, rng)
            }
            fn unseal_under(key: &StorageKey, sealed: &[u8]) -> Result<Self, Error> {
                <$ty>::unseal(key, sealed)
            }
        }
    )*};
}

sealed!(
    Account,
    Session,
    SessionRecord,
    UserIdentity,
    GroupSession,
    Contact
);

/// One handle, a random source (NULL: the OS generator) and one input →
/// one output. Checks, in order: `handle`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `input`, aliasing; then `f` runs on the
/// locked object (the generator's lock taken first).
///
/// # Safety
/// `input` is as [`Input::read`] requires; `out` is NULL or valid for
/// writes of what it points to.
pub(crate) unsafe fn call<H: Handle, O: Out>(
    handle: *const H::C,
    rng: *const sotto_rng,
    input: Input,
    out: O::Ptr,
    f: impl FnOnce(&mut H::Target, &[u8], &mut FfiRng<'_>) -> Result<O::Value, Status>,
) -> Status {
    guard(|| {
        let aliasing = Aliasing::of(&out_spans::<O>(out), &[input.span()]);
        // SAFETY: forwarded from the caller.
        let out = unsafe { O::open(out, &aliasing) };
        let handle = H::get(handle)?;
        let rng = RngRef::get(rng)?;
        let out = out?;
        // SAFETY: forwarded from the caller.
        let input = unsafe { input.read() }?;
        let disjoint = aliasing.check()?;
        let value = rng.with(|rng| handle.with(|object| f(object, input, rng)))?;
        out.put(&disjoint, value);
        Ok(())
    })
}

/// One handle → one output (a getter). Checks, in order: `handle` (handle
/// errors), `out` (`SOTTO_ERR_NULL_POINTER`); then `f` runs on the locked
/// object.
///
/// # Safety
/// `out` is NULL or valid for writes of what it points to.
pub(crate) unsafe fn query<H: Handle, O: Out>(
    handle: *const H::C,
    out: O::Ptr,
    f: impl FnOnce(&mut H::Target) -> Result<O::Value, Status>,
) -> Status {
    // SAFETY: forwarded from the caller; no input.
    unsafe {
        call::<H, O>(handle, ptr::null(), Input::None, out, |object, _, _| {
            f(object)
        })
    }
}

/// One handle → the first `needed` bytes of a caller's array (written only
/// on success). Checks, in order: `handle` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL` under `needed`
/// bytes); then `f` runs on the locked object and must return exactly
/// `needed` bytes.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes.
pub(crate) unsafe fn query_array<H: Handle, B: AsRef<[u8]>>(
    handle: *const H::C,
    out: *mut u8,
    out_len: usize,
    needed: usize,
    f: impl FnOnce(&mut H::Target) -> Result<B, Status>,
) -> Status {
    guard(|| {
        let aliasing = Aliasing::of(&[OutArray::span(out, out_len, needed)], &[]);
        let handle = H::get(handle)?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutArray::new(out, out_len, needed) }?;
        let disjoint = aliasing.check()?;
        let bytes = handle.with(f)?;
        out.set(&disjoint, bytes.as_ref())
    })
}

/// One input, no handle → one output. Checks, in order: `out`
/// (`SOTTO_ERR_NULL_POINTER`), `input`, aliasing; then `f` runs on the
/// input's bytes.
///
/// # Safety
/// As [`call`].
pub(crate) unsafe fn decode<O: Out>(
    input: Input,
    out: O::Ptr,
    f: impl FnOnce(&[u8]) -> Result<O::Value, Status>,
) -> Status {
    guard(|| {
        let aliasing = Aliasing::of(&out_spans::<O>(out), &[input.span()]);
        // SAFETY: forwarded from the caller.
        let out = unsafe { O::open(out, &aliasing) }?;
        // SAFETY: forwarded from the caller.
        let input = unsafe { input.read() }?;
        let disjoint = aliasing.check()?;
        out.put(&disjoint, f(input)?);
        Ok(())
    })
}

/// A random source → one output (usually a new handle). Checks, in order:
/// `rng` (handle errors), `out` (`SOTTO_ERR_NULL_POINTER`); then `f` runs
/// with the generator.
///
/// # Safety
/// `out` is NULL or valid for writes of what it points to.
pub(crate) unsafe fn create<O: Out>(
    rng: *const sotto_rng,
    out: O::Ptr,
    f: impl FnOnce(&mut FfiRng<'_>) -> Result<O::Value, Status>,
) -> Status {
    guard(|| {
        let aliasing = Aliasing::of(&out_spans::<O>(out), &[]);
        // SAFETY: forwarded from the caller.
        let out = unsafe { O::open(out, &aliasing) };
        let rng = RngRef::get(rng)?;
        let out = out?;
        let disjoint = aliasing.check()?;
        out.put(&disjoint, rng.with(f)?);
        Ok(())
    })
}

/// Seals the object behind `handle` under a 32-byte storage key. Checks, in
/// order: `handle`, `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `key` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`, `SOTTO_ERR_WRONG_LENGTH`), aliasing; then the
/// core's errors.
///
/// # Safety
/// `key` is NULL or readable for `key_len` bytes; `out` is NULL or valid
/// for writing a `sotto_buffer`.
pub(crate) unsafe fn seal<H: Handle>(
    handle: *const H::C,
    key: *const u8,
    key_len: usize,
    rng: *const sotto_rng,
    out: *mut sotto_buffer,
) -> Status
where
    H::Target: Sealed,
{
    guard(|| {
        let aliasing = Aliasing::of(&[Span::of(out)], &[Span::bytes(key, key_len)]);
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutBuffer::new(out, &aliasing) };
        let handle = H::get(handle)?;
        let rng = RngRef::get(rng)?;
        let out = out?;
        // SAFETY: forwarded from the caller.
        let key = unsafe { storage_key(key, key_len) }?;
        let disjoint = aliasing.check()?;
        let sealed =
            rng.with(|rng| handle.with(|object| object.seal_under(&key, rng).map_err(core_code)))?;
        out.set(&disjoint, sealed);
        Ok(())
    })
}

/// Restores a sealed object of type `S` and hands out a new handle to
/// `wrap(object)`. Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`),
/// `key` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH`), `sealed` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing; then the core's errors.
///
/// # Safety
/// `key` and `sealed` are NULL or readable for their lengths; `out` is NULL
/// or valid for writing a pointer.
pub(crate) unsafe fn unseal<S: Sealed, C>(
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    out: *mut *mut C,
    wrap: impl FnOnce(S) -> Object,
) -> Status {
    guard(|| {
        let aliasing = Aliasing::of(
            &[Span::of(out)],
            &[Span::bytes(key, key_len), Span::bytes(sealed, sealed_len)],
        );
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutHandle::open(out, &aliasing) }?;
        // SAFETY: forwarded from the caller.
        let key = unsafe { storage_key(key, key_len) }?;
        // SAFETY: forwarded from the caller.
        let sealed = unsafe { bytes_in(sealed, sealed_len) }?;
        let disjoint = aliasing.check()?;
        let object = S::unseal_under(&key, sealed).map_err(core_code)?;
        out.put(&disjoint, wrap(object));
        Ok(())
    })
}

/// The prologue of an exported function whose arguments fit none of the
/// helpers above (several handles, inputs or outputs), written as a list:
///
/// ```text
/// prologue! {
///     outs: [out: OutBuffer, count: OutValue<usize>],   // reset on entry
///     handles: [record: RecordRef, rng: RngRef],         // looked up
///     arrays: [to: (to_len, NEEDED)],                    // caller's arrays
///     inputs: [message = bytes_in(message, message_len)],
///     |disjoint| { ... }
/// }
/// ```
///
/// It expands to a [`guard`]ed body that checks in the documented order:
/// every output is reset (unless outputs alias), the handles are looked up
/// in parameter order, a NULL output is reported, the arrays are checked
/// (`OutArray::new`), the inputs are read in order, aliasing is checked,
/// and only then the body runs, with each name rebound to its checked
/// value and `disjoint` the proof that outputs overlap nothing.
macro_rules! prologue {
    (
        outs: [$($out:ident: $O:ty),* $(,)?],
        handles: [$($h:ident: $H:ty),* $(,)?],
        arrays: [$($arr:ident: ($alen:expr, $needed:expr)),* $(,)?],
        inputs: [$($in:ident = $read:ident $(::<$n:ident>)? ($ptr:expr, $len:expr)),* $(,)?],
        |$disjoint:ident| $body:block
    ) => {
        $crate::handles::guard(|| {
            #[allow(unused_mut)]
            let mut outputs: Vec<$crate::buffer::Span> =
                vec![$($crate::buffer::OutArray::span($arr, $alen, $needed)),*];
            $(<$O as $crate::buffer::Out>::spans($out, &mut outputs);)*
            let inputs = [$($crate::buffer::Span::bytes($ptr, $len)),*];
            let aliasing = $crate::buffer::Aliasing::of(&outputs, &inputs);
            $(
                // SAFETY: per the exported function's contract, `$out` is
                // NULL or valid for writes of what it points to.
                let $out = unsafe { <$O as $crate::buffer::Out>::open($out, &aliasing) };
            )*
            $(let $h = <$H>::get($h)?;)*
            $(let $out = $out?;)*
            $(
                // SAFETY: per the exported function's contract, `$arr` is
                // NULL or writable for `$alen` bytes.
                let $arr = unsafe { $crate::buffer::OutArray::new($arr, $alen, $needed) }?;
            )*
            $(
                // SAFETY: per the exported function's contract, `$ptr` is
                // NULL or readable for `$len` bytes during the call.
                let $in = unsafe { $read $(::<$n>)? ($ptr, $len) }?;
            )*
            let $disjoint = aliasing.check()?;
            $body
        })
    };
}
pub(crate) use prologue;
