//! Owned output buffers, and the checked conversions of C inputs and
//! outputs that every exported function uses.

use crate::handles::{FfiResult, Object, guard, live_handles, register, registry};
use crate::status::{
    SOTTO_ERR_ALIASED_OUTPUT, SOTTO_ERR_BUFFER_TOO_SMALL, SOTTO_ERR_INVALID_ARGUMENT,
    SOTTO_ERR_INVALID_BUFFER, SOTTO_ERR_NULL_POINTER, SOTTO_ERR_PANIC, SOTTO_ERR_TOO_LARGE,
    SOTTO_ERR_WRONG_LENGTH, SOTTO_ERR_ZERO_LENGTH,
};
use crate::{
    SOTTO_MAX_CONTEXT_ID_LEN, SOTTO_MAX_PLAINTEXT_LEN, SOTTO_PADDING_NONE, SOTTO_PADDING_PADME,
};
use core::marker::PhantomData;
use core::ptr;
use sotto_core::Padding;
use zeroize::Zeroize;

/// Bytes allocated by libsotto and owned by the caller: a message, a sealed
/// state, a plaintext, a bundle.
///
/// `ptr` is NULL exactly when `len` is 0. Release it with
/// `sotto_buffer_free`, which zeroizes the bytes first; never with `free(3)`,
/// and never change `ptr` or `len`. Declare one as `sotto_buffer b = {0};`
/// (`{NULL, 0}`); functions overwrite their output buffer without reading
/// it, so free a previous result before reusing the variable. The struct
/// itself must not lie inside the bytes of an input of the call that fills
/// it (`SOTTO_ERR_ALIASED_OUTPUT`).
#[repr(C)]
#[derive(Debug)]
pub struct sotto_buffer {
    /// The bytes (NULL when `len` is 0).
    pub ptr: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl sotto_buffer {
    const EMPTY: sotto_buffer = sotto_buffer {
        ptr: ptr::null_mut(),
        len: 0,
    };
}

/// Frees a buffer returned by libsotto: zeroizes its bytes, releases them and
/// sets `buffer->ptr` to NULL and `buffer->len` to 0, so freeing the same
/// variable twice is harmless.
///
/// `buffer` may be NULL, and `*buffer` may be empty (`{NULL, 0}`): both are
/// no-ops returning `SOTTO_OK`. A buffer not allocated by libsotto, already
/// freed through a copy of the struct, or whose `len` was changed gives
/// `SOTTO_ERR_INVALID_BUFFER` and is left alone (a copy of a freed buffer
/// whose address has since been reused for a new buffer of the same length
/// cannot be told apart from it: never keep copies after freeing).
///
/// Aliasing: a struct stored inside the very bytes it describes gives
/// `SOTTO_ERR_ALIASED_OUTPUT` and is left alone, buffer included (resetting
/// the struct would write into freed memory): free it through a copy of the
/// struct kept elsewhere. Checks, in order: the struct's contents
/// (`SOTTO_ERR_INVALID_BUFFER`), then aliasing.
///
/// Thread safety: any thread; a buffer is not tied to the handle it came
/// from and stays valid after that handle is freed.
///
/// # Safety
/// `buffer` is NULL or points to a readable and writable `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_buffer_free(buffer: *mut sotto_buffer) -> i32 {
    guard(|| {
        if buffer.is_null() {
            return Ok(());
        }
        // SAFETY: `buffer` is non-NULL and the caller guarantees it points to
        // a readable `sotto_buffer`; `read_unaligned` needs no alignment.
        let sotto_buffer { ptr: data, len } = unsafe { buffer.read_unaligned() };
        if data.is_null() {
            return if len == 0 {
                Ok(())
            } else {
                Err(SOTTO_ERR_INVALID_BUFFER)
            };
        }
        {
            let mut registry = registry();
            if registry.buffers.get(&(data as usize)) != Some(&len) {
                return Err(SOTTO_ERR_INVALID_BUFFER);
            }
            // The struct stored inside the bytes it describes: resetting it
            // after the release would write into freed memory.
            if Span::of(buffer.cast_const()).overlaps(Span::bytes(data, len)) {
                return Err(SOTTO_ERR_ALIASED_OUTPUT);
            }
            registry.buffers.remove(&(data as usize));
        }
        // SAFETY: the registry held exactly (data, len), which `OutBuffer::set`
        // inserted after leaking a `Box<[u8]>` of that address and length, and
        // we removed the entry under the lock, so this is the only
        // reconstruction of that box and nobody else frees it.
        let mut bytes = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, len)) };
        bytes.zeroize();
        drop(bytes);
        // SAFETY: as above, `buffer` is valid for writes, and it lies outside
        // the bytes just released (checked above).
        unsafe { buffer.write_unaligned(sotto_buffer::EMPTY) };
        Ok(())
    })
}

/// Number of live handles of every kind (accounts, sessions, random
/// sources, attachment encryptors and decryptors, records, user
/// identities, device lists, link offers, linked devices, groups,
/// contacts, delivery reports) not yet freed. Intended for leak checks in
/// tests. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_live_handle_count() -> usize {
    std::panic::catch_unwind(live_handles).unwrap_or(0)
}

/// Number of live buffers not yet freed with `sotto_buffer_free`. Intended
/// for leak checks in tests. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_live_buffer_count() -> usize {
    std::panic::catch_unwind(|| registry().buffers.len()).unwrap_or(0)
}

/// Reads a required, non-empty input.
///
/// # Safety
/// `data` is NULL or valid for reads of `len` bytes for `'a`, and not
/// written during `'a`.
pub(crate) unsafe fn bytes_in<'a>(data: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    if data.is_null() {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    if len == 0 {
        return Err(SOTTO_ERR_ZERO_LENGTH);
    }
    // SAFETY: forwarded from the caller.
    unsafe { bytes_in_maybe_empty(data, len) }
}

/// Reads an input that may be empty: (NULL, 0) is the empty input.
///
/// # Safety
/// As [`bytes_in`].
pub(crate) unsafe fn bytes_in_maybe_empty<'a>(data: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(SOTTO_ERR_NULL_POINTER)
        };
    }
    if len > isize::MAX as usize {
        return Err(SOTTO_ERR_WRONG_LENGTH);
    }
    // SAFETY: `data` is non-NULL (and, as a `u8` pointer, trivially aligned),
    // `len` is at most `isize::MAX`, and the caller guarantees `len` readable
    // bytes that are not mutated while the slice lives.
    Ok(unsafe { core::slice::from_raw_parts(data, len) })
}

/// Reads a fixed-length input.
///
/// # Safety
/// As [`bytes_in`].
pub(crate) unsafe fn array_in<const N: usize>(data: *const u8, len: usize) -> FfiResult<[u8; N]> {
    if data.is_null() {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    if len != N {
        return Err(if len == 0 {
            SOTTO_ERR_ZERO_LENGTH
        } else {
            SOTTO_ERR_WRONG_LENGTH
        });
    }
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { bytes_in(data, len) }?;
    bytes.try_into().map_err(|_| SOTTO_ERR_WRONG_LENGTH)
}

/// Reads a context id (`local_id`, `remote_id`): 1 to
/// `SOTTO_MAX_CONTEXT_ID_LEN` bytes, any values (compared byte for byte).
///
/// # Safety
/// As [`bytes_in`].
pub(crate) unsafe fn context_id_in<'a>(data: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    // SAFETY: forwarded from the caller.
    let id = unsafe { bytes_in(data, len) }?;
    if id.len() > SOTTO_MAX_CONTEXT_ID_LEN {
        return Err(SOTTO_ERR_INVALID_ARGUMENT);
    }
    Ok(id)
}

/// Reads a plaintext to encrypt: 0 to `SOTTO_MAX_PLAINTEXT_LEN` bytes,
/// `(NULL, 0)` being the empty plaintext.
///
/// # Safety
/// As [`bytes_in`].
pub(crate) unsafe fn plaintext_in<'a>(data: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    // SAFETY: forwarded from the caller.
    let plaintext = unsafe { bytes_in_maybe_empty(data, len) }?;
    if plaintext.len() > SOTTO_MAX_PLAINTEXT_LEN {
        return Err(SOTTO_ERR_TOO_LARGE);
    }
    Ok(plaintext)
}

/// Reads a padding argument: `SOTTO_PADDING_PADME` or `SOTTO_PADDING_NONE`
/// (`SOTTO_ERR_INVALID_ARGUMENT` for another value).
pub(crate) fn padding_in(padding: i32) -> FfiResult<Padding> {
    match padding {
        SOTTO_PADDING_PADME => Ok(Padding::Padme),
        SOTTO_PADDING_NONE => Ok(Padding::None),
        _ => Err(SOTTO_ERR_INVALID_ARGUMENT),
    }
}

/// The memory of a list of byte strings passed as two parallel arrays
/// (`items[i]` points to `lens[i]` bytes): both arrays and, when they can
/// be read (non-NULL, at most `max` items), every item. Reading them here,
/// before any output is reset, is what lets the aliasing check cover the
/// items themselves.
///
/// # Safety
/// As [`list_in`].
pub(crate) unsafe fn list_spans(
    items: *const *const u8,
    lens: *const usize,
    count: usize,
    max: usize,
) -> Vec<Span> {
    let mut spans = vec![
        Span::bytes(items.cast(), count.saturating_mul(size_of::<*const u8>())),
        Span::bytes(lens.cast(), count.saturating_mul(size_of::<usize>())),
    ];
    if !items.is_null() && !lens.is_null() && count <= max {
        for i in 0..count {
            // SAFETY: both arrays are readable for `count` elements per the
            // caller; read unaligned.
            let (data, len) =
                unsafe { (items.add(i).read_unaligned(), lens.add(i).read_unaligned()) };
            spans.push(Span::bytes(data, len));
        }
    }
    spans
}

/// Reads a list of required, non-empty byte strings passed as two parallel
/// arrays (NULL arrays allowed when `count` is 0; more than `max` items:
/// `SOTTO_ERR_TOO_LARGE`).
///
/// # Safety
/// `items` and `lens` are NULL or readable for `count` elements, and each
/// `items[i]` is NULL or readable for `lens[i]` bytes during `'a`.
pub(crate) unsafe fn list_in<'a>(
    items: *const *const u8,
    lens: *const usize,
    count: usize,
    max: usize,
) -> FfiResult<Vec<&'a [u8]>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if items.is_null() || lens.is_null() {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    if count > max {
        return Err(SOTTO_ERR_TOO_LARGE);
    }
    (0..count)
        .map(|i| {
            // SAFETY: as in `list_spans`; each item per the caller.
            unsafe {
                let (data, len) = (items.add(i).read_unaligned(), lens.add(i).read_unaligned());
                bytes_in(data, len)
            }
        })
        .collect()
}

/// The memory an argument occupies, by address only. Computing it never
/// dereferences anything, so it is defined for whatever pointer and length
/// the caller passes (NULL, dangling, or with an impossible length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    const EMPTY: Span = Span { start: 0, end: 0 };

    /// `len` bytes at `data`; empty for NULL or a length of 0 (such an
    /// argument is never read nor written).
    pub(crate) fn bytes(data: *const u8, len: usize) -> Span {
        if data.is_null() || len == 0 {
            return Span::EMPTY;
        }
        let start = data.addr();
        Span {
            start,
            end: start.saturating_add(len),
        }
    }

    /// The `T` at `data` (empty for NULL).
    pub(crate) fn of<T>(data: *const T) -> Span {
        Span::bytes(data.cast::<u8>(), size_of::<T>())
    }

    fn is_empty(self) -> bool {
        self.start >= self.end
    }

    /// Whether the two spans have at least one byte in common.
    pub(crate) fn overlaps(self, other: Span) -> bool {
        !self.is_empty() && !other.is_empty() && self.start < other.end && other.start < self.end
    }
}

/// Whether a call's outputs are disjoint from its inputs and from one
/// another. Decided on entry, before anything is read or written.
#[derive(Debug)]
pub(crate) struct Aliasing {
    aliased: bool,
}

/// Proof that a call's outputs overlap neither its inputs nor one another:
/// every write of a result requires one, so no result is ever written into
/// an input (or into another output).
#[derive(Debug)]
pub(crate) struct Disjoint(());

impl Aliasing {
    /// Compares every output with every input and with every other output.
    pub(crate) fn of(outputs: &[Span], inputs: &[Span]) -> Aliasing {
        let mut aliased = false;
        for (i, output) in outputs.iter().enumerate() {
            for other in outputs.iter().skip(i + 1).chain(inputs) {
                aliased |= output.overlaps(*other);
            }
        }
        Aliasing { aliased }
    }

    /// `Ok` when nothing overlaps, else `SOTTO_ERR_ALIASED_OUTPUT`.
    pub(crate) fn check(&self) -> FfiResult<Disjoint> {
        if self.aliased {
            Err(SOTTO_ERR_ALIASED_OUTPUT)
        } else {
            Ok(Disjoint(()))
        }
    }

    /// Whether the outputs may be reset on entry (writing them cannot touch
    /// an input or another output).
    fn may_reset(&self) -> bool {
        !self.aliased
    }
}

/// A caller-provided output array of at least `needed` bytes. No Rust
/// reference to it is ever created: the result (always a value owned by
/// this crate) is copied in with a raw copy. It is written only on success
/// (never reset on entry).
pub(crate) struct OutArray {
    data: *mut u8,
    needed: usize,
}

impl OutArray {
    /// The bytes of the array a call writes (for [`Aliasing::of`]): the
    /// first `needed` of the `len` the caller declared.
    pub(crate) fn span(data: *const u8, len: usize, needed: usize) -> Span {
        Span::bytes(data, len.min(needed))
    }

    /// Checks the pointer and the size.
    ///
    /// # Safety
    /// `data` is NULL or valid for writes of `len` bytes until the returned
    /// value is dropped.
    pub(crate) unsafe fn new(data: *mut u8, len: usize, needed: usize) -> FfiResult<Self> {
        if data.is_null() {
            return Err(SOTTO_ERR_NULL_POINTER);
        }
        if len < needed {
            return Err(SOTTO_ERR_BUFFER_TOO_SMALL);
        }
        Ok(OutArray { data, needed })
    }

    /// Writes exactly `needed` bytes (`bytes` must have that length).
    pub(crate) fn set(self, _disjoint: &Disjoint, bytes: &[u8]) -> FfiResult<()> {
        if bytes.len() != self.needed {
            return Err(SOTTO_ERR_PANIC);
        }
        // SAFETY: `data` is writable for at least `needed` bytes per
        // `OutArray::new`'s caller, `bytes` is readable for `needed` bytes,
        // `u8` needs no alignment, and `ptr::copy` would even allow the two
        // regions to overlap (they cannot: `bytes` is owned by this crate).
        unsafe { ptr::copy(bytes.as_ptr(), self.data, self.needed) };
        Ok(())
    }

    /// Writes `bytes` at the start of the array: at most `needed` bytes,
    /// possibly fewer (the rest of the array is left as it was).
    pub(crate) fn set_prefix(self, _disjoint: &Disjoint, bytes: &[u8]) -> FfiResult<()> {
        if bytes.len() > self.needed {
            return Err(SOTTO_ERR_PANIC);
        }
        // SAFETY: `data` is writable for at least `needed` >= `bytes.len()`
        // bytes per `OutArray::new`'s caller, `bytes` is readable, `u8`
        // needs no alignment, and `ptr::copy` allows overlap (there is
        // none: `bytes` is owned by this crate).
        unsafe { ptr::copy(bytes.as_ptr(), self.data, bytes.len()) };
        Ok(())
    }
}

/// An output `sotto_buffer`, emptied on entry (unless it aliases) and set
/// on success.
pub(crate) struct OutBuffer(*mut sotto_buffer);

impl OutBuffer {
    /// Empties the buffer `out` points to when `aliasing` allows it, then
    /// checks the pointer. The check's result is returned rather than
    /// acted on, so that the caller reports it in the documented order
    /// (after the handles).
    ///
    /// # Safety
    /// `out` is NULL or valid for writes of a `sotto_buffer` until the
    /// returned value is dropped.
    pub(crate) unsafe fn new(out: *mut sotto_buffer, aliasing: &Aliasing) -> FfiResult<Self> {
        if out.is_null() {
            return Err(SOTTO_ERR_NULL_POINTER);
        }
        if aliasing.may_reset() {
            // SAFETY: non-NULL and writable per the caller; unaligned write;
            // it overlaps no input and no other output.
            unsafe { out.write_unaligned(sotto_buffer::EMPTY) };
        }
        Ok(OutBuffer(out))
    }

    /// Hands `bytes` to the caller in an exact-size, registered allocation.
    /// The intermediate vector is zeroized (it may hold a plaintext).
    pub(crate) fn set(self, _disjoint: &Disjoint, mut bytes: Vec<u8>) {
        let value = if bytes.is_empty() {
            sotto_buffer::EMPTY
        } else {
            let boxed: Box<[u8]> = Box::from(bytes.as_slice());
            let len = boxed.len();
            let data = Box::into_raw(boxed).cast::<u8>();
            registry().buffers.insert(data as usize, len);
            sotto_buffer { ptr: data, len }
        };
        bytes.zeroize();
        // SAFETY: `OutBuffer::new`'s caller guaranteed the pointer stays
        // writable while `self` lives, and `Disjoint` proves it overlaps no
        // input and no other output.
        unsafe { self.0.write_unaligned(value) };
    }
}

/// An output handle (`T **out`), set to NULL on entry (unless it aliases).
pub(crate) struct OutHandle<T>(*mut *mut T, PhantomData<T>);

impl<T> OutHandle<T> {
    /// Sets `*out` to NULL when `aliasing` allows it, then checks the
    /// pointer (see [`OutBuffer::new`]).
    ///
    /// # Safety
    /// `out` is NULL or valid for writes of a pointer until the returned
    /// value is dropped.
    pub(crate) unsafe fn new(out: *mut *mut T, aliasing: &Aliasing) -> FfiResult<Self> {
        if out.is_null() {
            return Err(SOTTO_ERR_NULL_POINTER);
        }
        if aliasing.may_reset() {
            // SAFETY: non-NULL and writable per the caller; unaligned write;
            // it overlaps no input and no other output.
            unsafe { out.write_unaligned(ptr::null_mut()) };
        }
        Ok(OutHandle(out, PhantomData))
    }

    /// Stores a handle token.
    pub(crate) fn set(self, _disjoint: &Disjoint, token: usize) {
        // SAFETY: writable per `OutHandle::new`'s caller, and disjoint from
        // the inputs and the other outputs. The token is opaque to C and
        // never dereferenced by either side.
        unsafe { self.0.write_unaligned(ptr::without_provenance_mut(token)) };
    }
}

/// An output scalar (`bool *out`, `size_t *out`, ...), set to its initial
/// value on entry (unless it aliases).
pub(crate) struct OutValue<T: Copy>(*mut T);

impl<T: Copy> OutValue<T> {
    /// Stores `initial` when `aliasing` allows it, then checks the pointer
    /// (see [`OutBuffer::new`]).
    ///
    /// # Safety
    /// `out` is NULL or valid for writes of a `T` until the returned value
    /// is dropped.
    pub(crate) unsafe fn new(out: *mut T, initial: T, aliasing: &Aliasing) -> FfiResult<Self> {
        if out.is_null() {
            return Err(SOTTO_ERR_NULL_POINTER);
        }
        if aliasing.may_reset() {
            // SAFETY: non-NULL and writable per the caller; unaligned write;
            // it overlaps no input and no other output.
            unsafe { out.write_unaligned(initial) };
        }
        Ok(OutValue(out))
    }

    /// Stores the result.
    pub(crate) fn set(self, _disjoint: &Disjoint, value: T) {
        // SAFETY: writable per `OutValue::new`'s caller, and disjoint from
        // the inputs and the other outputs.
        unsafe { self.0.write_unaligned(value) };
    }
}

/// An output argument that is reset on entry (unless it aliases) and set
/// on success: a `sotto_buffer`, a scalar or a handle. It lets one helper
/// (see `entry`) serve every kind of output.
pub(crate) trait Out: Sized {
    /// The C argument (`sotto_buffer *`, `T *`, `T **`).
    type Ptr: Copy;
    /// The result it receives.
    type Value;
    /// Adds the memory the argument occupies to `spans` (for
    /// [`Aliasing::of`]).
    fn spans(ptr: Self::Ptr, spans: &mut Vec<Span>);
    /// Resets the output when `aliasing` allows it, then checks the pointer
    /// (see [`OutBuffer::new`]).
    ///
    /// # Safety
    /// `ptr` is NULL or valid for writes of what it points to until the
    /// returned value is dropped.
    unsafe fn open(ptr: Self::Ptr, aliasing: &Aliasing) -> FfiResult<Self>;
    /// Stores the result.
    fn put(self, disjoint: &Disjoint, value: Self::Value);
}

impl Out for OutBuffer {
    type Ptr = *mut sotto_buffer;
    type Value = Vec<u8>;
    fn spans(ptr: Self::Ptr, spans: &mut Vec<Span>) {
        spans.push(Span::of(ptr));
    }
    unsafe fn open(ptr: Self::Ptr, aliasing: &Aliasing) -> FfiResult<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { OutBuffer::new(ptr, aliasing) }
    }
    fn put(self, disjoint: &Disjoint, value: Vec<u8>) {
        self.set(disjoint, value);
    }
}

/// A scalar output is reset to its type's default (0, false, zeros).
impl<T: Copy + Default> Out for OutValue<T> {
    type Ptr = *mut T;
    type Value = T;
    fn spans(ptr: Self::Ptr, spans: &mut Vec<Span>) {
        spans.push(Span::of(ptr));
    }
    unsafe fn open(ptr: Self::Ptr, aliasing: &Aliasing) -> FfiResult<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { OutValue::new(ptr, T::default(), aliasing) }
    }
    fn put(self, disjoint: &Disjoint, value: T) {
        self.set(disjoint, value);
    }
}

/// A handle output receives a new object, registered on success.
impl<T> Out for OutHandle<T> {
    type Ptr = *mut *mut T;
    type Value = Object;
    fn spans(ptr: Self::Ptr, spans: &mut Vec<Span>) {
        spans.push(Span::of(ptr));
    }
    unsafe fn open(ptr: Self::Ptr, aliasing: &Aliasing) -> FfiResult<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { OutHandle::new(ptr, aliasing) }
    }
    fn put(self, disjoint: &Disjoint, value: Object) {
        self.set(disjoint, register(value));
    }
}

/// Two outputs of one call, reset in order on entry; a NULL one is
/// reported after the handles, the first one first.
impl<A: Out, B: Out> Out for (A, B) {
    type Ptr = (A::Ptr, B::Ptr);
    type Value = (A::Value, B::Value);
    fn spans((a, b): Self::Ptr, spans: &mut Vec<Span>) {
        A::spans(a, spans);
        B::spans(b, spans);
    }
    unsafe fn open((a, b): Self::Ptr, aliasing: &Aliasing) -> FfiResult<Self> {
        // SAFETY: forwarded from the caller.
        let (a, b) = unsafe { (A::open(a, aliasing), B::open(b, aliasing)) };
        Ok((a?, b?))
    }
    fn put(self, disjoint: &Disjoint, (a, b): Self::Value) {
        self.0.put(disjoint, a);
        self.1.put(disjoint, b);
    }
}

/// The spans of the outputs `ptr` describes.
pub(crate) fn out_spans<O: Out>(ptr: O::Ptr) -> Vec<Span> {
    let mut spans = Vec::new();
    O::spans(ptr, &mut spans);
    spans
}

/// Handle tokens as the integers they are.
pub(crate) fn token<T>(handle: *const T) -> usize {
    handle as usize
}

#[cfg(test)]
mod tests {
    //! The raw-pointer helpers, exercised without any cryptography so that
    //! they can also run under Miri:
    //! `cargo +nightly miri test -p sotto-ffi --lib buffer::`.
    use super::*;
    use crate::status::{SOTTO_ERR_INVALID_BUFFER, SOTTO_OK};

    const CLEAN: Aliasing = Aliasing { aliased: false };
    const DISJOINT: Disjoint = Disjoint(());

    #[test]
    fn buffers_are_owned_wiped_and_double_frees_detected() {
        let mut buffer = sotto_buffer {
            ptr: ptr::dangling_mut(),
            len: 9,
        };
        // SAFETY: `buffer` is a valid, writable `sotto_buffer`.
        let out = unsafe { OutBuffer::new(&mut buffer, &CLEAN) }.unwrap();
        assert!(buffer.ptr.is_null() && buffer.len == 0);
        out.set(&DISJOINT, vec![1, 2, 3]);
        assert_eq!(buffer.len, 3);
        // SAFETY: the buffer was just set to a live 3-byte allocation.
        assert_eq!(unsafe { *buffer.ptr.add(2) }, 3);
        let mut copy = sotto_buffer {
            ptr: buffer.ptr,
            len: buffer.len,
        };
        // SAFETY: valid `sotto_buffer`s (the library checks the contents).
        unsafe {
            assert_eq!(sotto_buffer_free(&mut buffer), SOTTO_OK);
            assert!(buffer.ptr.is_null() && buffer.len == 0);
            assert_eq!(sotto_buffer_free(&mut buffer), SOTTO_OK);
            assert_eq!(sotto_buffer_free(&mut copy), SOTTO_ERR_INVALID_BUFFER);
            assert_eq!(sotto_buffer_free(ptr::null_mut()), SOTTO_OK);
        }
        let mut stack = [0u8; 4];
        let mut forged = sotto_buffer {
            ptr: stack.as_mut_ptr(),
            len: 4,
        };
        // SAFETY: a valid `sotto_buffer` whose contents are not ours.
        let status = unsafe { sotto_buffer_free(&mut forged) };
        assert_eq!(status, SOTTO_ERR_INVALID_BUFFER);
        let mut empty = sotto_buffer {
            ptr: ptr::dangling_mut(),
            len: 1,
        };
        // SAFETY: valid `sotto_buffer`.
        let out = unsafe { OutBuffer::new(&mut empty, &CLEAN) }.unwrap();
        out.set(&DISJOINT, Vec::new());
        assert!(empty.ptr.is_null() && empty.len == 0);
    }

    #[test]
    fn inputs_are_checked() {
        let data = [7u8; 8];
        // SAFETY: `data` is readable for 8 bytes; NULL is checked.
        unsafe {
            assert_eq!(bytes_in(ptr::null(), 3), Err(SOTTO_ERR_NULL_POINTER));
            assert_eq!(bytes_in(data.as_ptr(), 0), Err(SOTTO_ERR_ZERO_LENGTH));
            assert_eq!(bytes_in(data.as_ptr(), 8), Ok(&data[..]));
            assert_eq!(bytes_in_maybe_empty(ptr::null(), 0), Ok(&[][..]));
            assert_eq!(
                bytes_in_maybe_empty(ptr::null(), 1),
                Err(SOTTO_ERR_NULL_POINTER)
            );
            assert_eq!(
                bytes_in(data.as_ptr(), usize::MAX),
                Err(SOTTO_ERR_WRONG_LENGTH)
            );
            assert_eq!(array_in::<8>(data.as_ptr(), 8), Ok(data));
            assert_eq!(array_in::<8>(data.as_ptr(), 7), Err(SOTTO_ERR_WRONG_LENGTH));
            assert_eq!(array_in::<8>(data.as_ptr(), 0), Err(SOTTO_ERR_ZERO_LENGTH));
        }
    }

    #[test]
    fn outputs_are_checked() {
        let mut data = [1u8, 2, 3, 4, 5, 6];
        let base = data.as_mut_ptr();
        // SAFETY: `base` covers 6 writable bytes.
        unsafe {
            assert!(OutArray::new(ptr::null_mut(), 4, 4).is_err());
            assert_eq!(
                OutArray::new(base, 3, 4).err(),
                Some(SOTTO_ERR_BUFFER_TOO_SMALL)
            );
            let out = OutArray::new(base.add(1), 5, 4).unwrap();
            out.set(&DISJOINT, &[9, 9, 9, 9]).unwrap();
        }
        assert_eq!(data, [1, 9, 9, 9, 9, 6]);
        let mut value = 5usize;
        // SAFETY: `value` is writable.
        let out = unsafe { OutValue::new(&mut value, 0, &CLEAN) }.unwrap();
        assert_eq!(value, 0);
        out.set(&DISJOINT, 9);
        assert_eq!(value, 9);
        let mut handle: *mut u8 = ptr::dangling_mut();
        // SAFETY: `handle` is writable.
        let out = unsafe { OutHandle::new(&mut handle, &CLEAN) }.unwrap();
        assert!(handle.is_null());
        out.set(&DISJOINT, 0x5077_0010);
        assert_eq!(handle as usize, 0x5077_0010);
        // NULL outputs are reported, never written.
        // SAFETY: NULL is checked before any write.
        unsafe {
            assert_eq!(
                OutValue::<usize>::new(ptr::null_mut(), 0, &CLEAN).err(),
                Some(SOTTO_ERR_NULL_POINTER)
            );
            assert!(OutBuffer::new(ptr::null_mut(), &CLEAN).is_err());
        }
    }

    #[test]
    fn overlapping_arguments_are_detected_and_never_written() {
        let mut memory = [0xAAu8; 64];
        let base = memory.as_mut_ptr();
        // Spans are computed from addresses only.
        let input = Span::bytes(base, 40);
        let buffer_at = |offset: usize| Span::of(base.wrapping_add(offset).cast::<sotto_buffer>());
        assert!(buffer_at(0).overlaps(input));
        assert!(buffer_at(24).overlaps(input)); // [24, 40) inside
        assert!(buffer_at(39).overlaps(input)); // one byte in common
        assert!(!buffer_at(40).overlaps(input)); // adjacent
        assert!(!Span::bytes(ptr::null(), 10).overlaps(input));
        assert!(!Span::bytes(base, 0).overlaps(input));
        assert!(Span::bytes(base.wrapping_add(1), usize::MAX).overlaps(input));
        assert!(Aliasing::of(&[buffer_at(40)], &[input]).check().is_ok());
        assert_eq!(
            Aliasing::of(&[buffer_at(8)], &[input]).check().err(),
            Some(SOTTO_ERR_ALIASED_OUTPUT)
        );
        // Two outputs overlapping each other.
        let value_at = |offset: usize| Span::of(base.wrapping_add(offset).cast::<usize>());
        assert!(
            Aliasing::of(&[buffer_at(40), value_at(56)], &[input])
                .check()
                .is_ok()
        );
        assert!(
            Aliasing::of(&[buffer_at(40), value_at(48)], &[input])
                .check()
                .is_err()
        );
        // An aliased output is not reset on entry: the input is untouched.
        let aliased = Aliasing::of(&[buffer_at(16)], &[input]);
        // SAFETY: `base + 16` is writable for a `sotto_buffer` (16 bytes).
        let out = unsafe { OutBuffer::new(base.wrapping_add(16).cast::<sotto_buffer>(), &aliased) };
        assert!(out.is_ok());
        assert!(aliased.check().is_err());
        assert_eq!(memory, [0xAA; 64]);
        // The output array's span is the part the call writes.
        assert_eq!(OutArray::span(base, 64, 32), Span::bytes(base, 32));
        assert_eq!(OutArray::span(base, 8, 32), Span::bytes(base, 8));
    }

    #[test]
    fn a_buffer_struct_inside_its_own_bytes_is_not_freed() {
        let mut holder = sotto_buffer::EMPTY;
        // SAFETY: `holder` is a valid, writable `sotto_buffer`.
        let out = unsafe { OutBuffer::new(&mut holder, &CLEAN) }.unwrap();
        out.set(&DISJOINT, vec![0u8; 64]);
        let inside = holder.ptr.cast::<sotto_buffer>();
        // SAFETY: the buffer holds 64 writable bytes; unaligned write.
        unsafe {
            inside.write_unaligned(sotto_buffer {
                ptr: holder.ptr,
                len: holder.len,
            })
        };
        // SAFETY: `inside` points to a readable, writable `sotto_buffer`.
        let status = unsafe { sotto_buffer_free(inside) };
        assert_eq!(status, SOTTO_ERR_ALIASED_OUTPUT);
        // SAFETY: `holder` is a valid `sotto_buffer` describing a live buffer.
        assert_eq!(unsafe { sotto_buffer_free(&mut holder) }, SOTTO_OK);
        assert!(holder.ptr.is_null());
    }
}
