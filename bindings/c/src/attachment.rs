//! Attachments (PROTOCOL.md §16): streaming encryption and decryption of
//! files one chunk at a time, with caller-provided buffers, and random
//! access to one chunk.
//!
//! Each handle keeps one scratch buffer of a chunk and its tag; a call
//! copies its input there, lets the core work in place, copies the result
//! to the caller's output array (only on success) and wipes the scratch
//! buffer. A failed call therefore changes neither the handle nor the
//! caller's output array.

use crate::buffer::padding_in;
use crate::buffer::{
    Aliasing, OutArray, OutBuffer, OutHandle, OutValue, Span, bytes_in, bytes_in_maybe_empty, token,
};
use crate::entry::prologue;
use crate::entry::{Input, decode, query};
use crate::handles::Handle;
use crate::handles::{
    DecryptorRef, EncryptorRef, FfiResult, Kind, Object, free, guard, register,
    sotto_attachment_decryptor, sotto_attachment_encryptor, sotto_rng,
};
use crate::rng::RngRef;
use crate::status::{
    SOTTO_ERR_INVALID_ARGUMENT, SOTTO_ERR_PANIC, SOTTO_ERR_TRAILING_BYTES, SOTTO_ERR_WRONG_LENGTH,
    core_code,
};
use crate::{SOTTO_PADDING_NONE, SOTTO_PADDING_PADME, sotto_buffer};
use core::ffi::c_char;
use sotto_core::Padding;
use sotto_core::attachment::{self, Decryptor, Descriptor, Encryptor, Params};
use std::sync::Mutex;
use zeroize::{Zeroize, Zeroizing};

/// Bytes each attachment chunk grows by when encrypted (its Poly1305 tag).
pub const SOTTO_ATTACHMENT_CHUNK_OVERHEAD: usize = 16;
/// Smallest attachment chunk size (plaintext bytes per chunk).
pub const SOTTO_ATTACHMENT_MIN_CHUNK_SIZE: u32 = 1024;
/// Largest attachment chunk size (1 MiB).
pub const SOTTO_ATTACHMENT_MAX_CHUNK_SIZE: u32 = 1048576;
/// The recommended attachment chunk size (64 KiB).
pub const SOTTO_ATTACHMENT_DEFAULT_CHUNK_SIZE: u32 = 65536;
/// Largest attachment plaintext, 2^36 bytes (64 GiB).
pub const SOTTO_ATTACHMENT_MAX_SIZE: u64 = 68719476736;
/// Longest attachment content type, in bytes (printable ASCII).
pub const SOTTO_ATTACHMENT_MAX_CONTENT_TYPE_LEN: usize = 255;

/// The state behind a `sotto_attachment_encryptor`.
pub(crate) struct AttachmentEncryptor {
    inner: Encryptor,
    /// One chunk and its tag; wiped after every call.
    scratch: Zeroizing<Vec<u8>>,
}

/// The state behind a `sotto_attachment_decryptor`.
pub(crate) struct AttachmentDecryptor {
    inner: Decryptor,
    /// One chunk and its tag; wiped after every call.
    scratch: Zeroizing<Vec<u8>>,
}

/// Copies `input` to the start of `scratch`, runs `f` on the scratch
/// buffer, copies the `n` bytes `f` reports to `out` on success, and wipes
/// the scratch buffer in every case.
fn through_scratch(
    scratch: &mut [u8],
    input: &[u8],
    out: OutArray,
    disjoint: &crate::buffer::Disjoint,
    f: impl FnOnce(&mut [u8]) -> Result<usize, sotto_core::Error>,
) -> FfiResult<usize> {
    let result: FfiResult<usize> = (|| {
        scratch
            .get_mut(..input.len())
            .ok_or(SOTTO_ERR_PANIC)?
            .copy_from_slice(input);
        let n = f(scratch).map_err(core_code)?;
        out.set_prefix(disjoint, scratch.get(..n).ok_or(SOTTO_ERR_PANIC)?)?;
        Ok(n)
    })();
    scratch.zeroize();
    result
}

/// The input of one encryptor step.
#[derive(Clone, Copy)]
enum Step {
    /// A full chunk: exactly the chunk size (`bytes_in`).
    Chunk(*const u8, usize),
    /// The last chunk: 0 to the chunk size bytes (`bytes_in_maybe_empty`).
    Final(*const u8, usize),
    /// A padding chunk: no input.
    Padding,
}

/// The body of `sotto_attachment_encryptor_chunk`, `_final` and
/// `_padding`: checks, in order, `encryptor` (handle errors), `written`
/// (`SOTTO_ERR_NULL_POINTER`), `out` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), the input (`SOTTO_ERR_WRONG_LENGTH`),
/// aliasing; then runs `step` on the scratch buffer holding the input
/// (with the input's length) and copies its result to `out`.
///
/// # Safety
/// As those functions: the input is NULL or readable for its length, `out`
/// NULL or writable for `out_len` bytes, `written` NULL or valid for
/// writing a `size_t`.
unsafe fn encryptor_step(
    encryptor: *const sotto_attachment_encryptor,
    input: Step,
    (out, out_len): (*mut u8, usize),
    written: *mut usize,
    step: impl FnOnce(&mut Encryptor, &mut [u8], usize) -> Result<usize, sotto_core::Error>,
) -> i32 {
    guard(|| {
        let (data, len) = match input {
            Step::Chunk(data, len) | Step::Final(data, len) => (data, len),
            Step::Padding => (core::ptr::null(), 0),
        };
        let aliasing = Aliasing::of(
            &[Span::bytes(out, out_len), Span::of(written)],
            &[Span::bytes(data, len)],
        );
        // SAFETY: per the caller's contract.
        let written = unsafe { OutValue::new(written, 0, &aliasing) };
        let encryptor = EncryptorRef::get(encryptor)?;
        let written = written?;
        encryptor.with(|state| {
            let params = state.inner.params();
            // SAFETY: per the caller's contract.
            let out = unsafe { OutArray::new(out, out_len, params.buffer_len()) }?;
            let chunk_size = params.chunk_size() as usize;
            let input = match input {
                Step::Chunk(..) => {
                    // SAFETY: per the caller's contract.
                    let input = unsafe { bytes_in(data, len) }?;
                    if input.len() != chunk_size {
                        return Err(SOTTO_ERR_WRONG_LENGTH);
                    }
                    input
                }
                Step::Final(..) => {
                    // SAFETY: per the caller's contract.
                    let input = unsafe { bytes_in_maybe_empty(data, len) }?;
                    if input.len() > chunk_size {
                        return Err(SOTTO_ERR_WRONG_LENGTH);
                    }
                    input
                }
                Step::Padding => &[],
            };
            let disjoint = aliasing.check()?;
            let inner = &mut state.inner;
            let n = through_scratch(&mut state.scratch, input, out, &disjoint, |buffer| {
                step(inner, buffer, input.len())
            })?;
            written.set(&disjoint, n);
            Ok(())
        })
    })
}

/// Starts encrypting an attachment under a fresh random file key drawn from
/// `rng` (NULL: the operating system's generator).
///
/// `chunk_size` is the plaintext bytes per chunk, from
/// `SOTTO_ATTACHMENT_MIN_CHUNK_SIZE` to `SOTTO_ATTACHMENT_MAX_CHUNK_SIZE`
/// (`SOTTO_ATTACHMENT_DEFAULT_CHUNK_SIZE` unless you have a reason);
/// `padding` is `SOTTO_PADDING_PADME` (recommended: the ciphertext size
/// reveals only O(log log n) bits of the file size) or `SOTTO_PADDING_NONE`.
/// The total size need not be known in advance.
///
/// Then: `sotto_attachment_encryptor_chunk` for every full chunk that more
/// data follows, `sotto_attachment_encryptor_final` for the rest (0 to
/// `chunk_size` bytes: hold back the last full chunk until you know whether
/// more follows), `sotto_attachment_encryptor_padding` until it writes 0
/// bytes, then `sotto_attachment_encryptor_descriptor`. The ciphertext is
/// the concatenation of every output, in order.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_attachment_encryptor_free`, which wipes the file key); on
/// error `*out` is NULL.
///
/// Checks, in order: `rng` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `chunk_size` and `padding`
/// (`SOTTO_ERR_INVALID_ARGUMENT`), then `SOTTO_ERR_RANDOMNESS`. Aliasing:
/// no input memory. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_new(
    chunk_size: u32,
    padding: i32,
    rng: *const sotto_rng,
    out: *mut *mut sotto_attachment_encryptor,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(&[Span::of(out)], &[]);
        // SAFETY: per this function's contract.
        let out = unsafe { OutHandle::new(out, &aliasing) };
        let rng = RngRef::get(rng)?;
        let out = out?;
        let params = Params::new(chunk_size, padding_in(padding)?).map_err(core_code)?;
        let disjoint = aliasing.check()?;
        let inner = rng.with(|rng| Encryptor::new(params, rng).map_err(core_code))?;
        let state = AttachmentEncryptor {
            inner,
            scratch: Zeroizing::new(vec![0u8; params.buffer_len()]),
        };
        out.set(
            &disjoint,
            register(Object::AttachmentEncryptor(Mutex::new(state))),
        );
        Ok(())
    })
}

/// Encrypts one full chunk of plaintext that is not the last: `input` holds
/// exactly `chunk_size` bytes. Writes exactly `chunk_size + 16`
/// (`SOTTO_ATTACHMENT_CHUNK_OVERHEAD`) bytes to `out`, which must hold at
/// least that many, and stores that length in `*written`.
///
/// The output array is written only on success; on error the encryptor is
/// unchanged and `*written` is 0.
///
/// Checks, in order: `encryptor` (handle errors), `written`
/// (`SOTTO_ERR_NULL_POINTER`), `out` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL` under `chunk_size + 16`), `input`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`,
/// `SOTTO_ERR_WRONG_LENGTH` unless exactly `chunk_size`), aliasing
/// (`out[0..out_len]` and `*written` must overlap neither `input` nor each
/// other: `SOTTO_ERR_ALIASED_OUTPUT`; in-place encryption is not
/// supported), then `SOTTO_ERR_INVALID_ARGUMENT` (after `_final`),
/// `SOTTO_ERR_TOO_LARGE` (past `SOTTO_ATTACHMENT_MAX_SIZE`).
/// Ownership: allocates nothing. Thread safety: any thread; calls on one
/// encryptor are serialized.
///
/// # Safety
/// `input` is NULL or readable for `input_len` bytes; `out` is NULL or
/// writable for `out_len` bytes; `written` is NULL or valid for writing a
/// `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_chunk(
    encryptor: *mut sotto_attachment_encryptor,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        encryptor_step(
            encryptor,
            Step::Chunk(input, input_len),
            (out, out_len),
            written,
            |e, buffer, _| e.encrypt_chunk(buffer),
        )
    }
}

/// Encrypts the last `input_len` bytes of plaintext (0 to `chunk_size`; an
/// empty rest may be passed as NULL with length 0), padded as chosen. Writes
/// at most `chunk_size + 16` bytes to `out`, which must hold at least that
/// many, and stores the number written in `*written` (the chunk's padded
/// plaintext length plus 16). Call `sotto_attachment_encryptor_padding`
/// next.
///
/// The output array is written only on success; on error the encryptor is
/// unchanged and `*written` is 0.
///
/// Checks, in order: `encryptor` (handle errors), `written`, `out` (as in
/// `sotto_attachment_encryptor_chunk`), `input` (`SOTTO_ERR_NULL_POINTER`
/// when NULL with a non-zero length, `SOTTO_ERR_WRONG_LENGTH` over
/// `chunk_size`), aliasing (as in `sotto_attachment_encryptor_chunk`), then
/// `SOTTO_ERR_INVALID_ARGUMENT` (called twice, or an empty rest after full
/// chunks while no padding follows: the previous chunk should have been
/// passed here), `SOTTO_ERR_TOO_LARGE`.
/// Ownership: allocates nothing. Thread safety: any thread; calls on one
/// encryptor are serialized.
///
/// # Safety
/// As `sotto_attachment_encryptor_chunk`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_final(
    encryptor: *mut sotto_attachment_encryptor,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        encryptor_step(
            encryptor,
            Step::Final(input, input_len),
            (out, out_len),
            written,
            |e, buffer, len| e.finish(buffer, len),
        )
    }
}

/// Writes the next chunk of padding, encrypted, after
/// `sotto_attachment_encryptor_final`: Padmé padding may add whole chunks.
/// Writes at most `chunk_size + 16` bytes to `out`, which must hold at
/// least that many, and stores the number written in `*written`; 0 means
/// the file is complete (call it until then).
///
/// Checks, in order: `encryptor` (handle errors), `written`, `out` (as in
/// `sotto_attachment_encryptor_chunk`), aliasing (`out[0..out_len]` and
/// `*written` must not overlap), then `SOTTO_ERR_INVALID_ARGUMENT` (before
/// `_final`). The output array is written only on success.
/// Ownership: allocates nothing. Thread safety: any thread; calls on one
/// encryptor are serialized.
///
/// # Safety
/// `out` is NULL or writable for `out_len` bytes; `written` is NULL or
/// valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_padding(
    encryptor: *mut sotto_attachment_encryptor,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        encryptor_step(
            encryptor,
            Step::Padding,
            (out, out_len),
            written,
            |e, buffer, _| e.padding_chunk(buffer).map(|n| n.unwrap_or(0)),
        )
    }
}

/// The descriptor of the finished attachment (after
/// `sotto_attachment_encryptor_padding` wrote 0 bytes): 80 bytes plus the
/// content type, holding the file key, the SHA-256 of the ciphertext, the
/// sizes and the content type. It is a secret: send it only inside a Sotto
/// message (`sotto_session_encrypt`); the receiver passes it to
/// `sotto_attachment_decryptor_new`.
///
/// `content_type` is 0 to `SOTTO_ATTACHMENT_MAX_CONTENT_TYPE_LEN` bytes of
/// printable ASCII (e.g. `image/jpeg`; not NUL-terminated; an empty one may
/// be NULL with length 0).
///
/// On success `*out` holds the descriptor, a new buffer owned by the caller
/// (free it with `sotto_buffer_free`, which wipes the key); on error it is
/// empty. The encryptor is unchanged (the call may be repeated).
///
/// Checks, in order: `encryptor` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`), `content_type` (`SOTTO_ERR_NULL_POINTER`
/// when NULL with a non-zero length), aliasing (`out` must not overlap
/// `content_type`: `SOTTO_ERR_ALIASED_OUTPUT`), then
/// `SOTTO_ERR_INVALID_ARGUMENT` (the file is not complete, or the content
/// type is too long or not printable ASCII).
/// Thread safety: any thread; calls on one encryptor are serialized.
///
/// # Safety
/// `content_type` is NULL or readable for `content_type_len` bytes; `out`
/// is NULL or valid for writing a `sotto_buffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_descriptor(
    encryptor: *const sotto_attachment_encryptor,
    content_type: *const u8,
    content_type_len: usize,
    out: *mut sotto_buffer,
) -> i32 {
    prologue! {
        outs: [out: OutBuffer],
        handles: [encryptor: EncryptorRef],
        arrays: [],
        inputs: [content_type = bytes_in_maybe_empty(content_type, content_type_len)],
        |disjoint| {
            let content_type =
                core::str::from_utf8(content_type).map_err(|_| SOTTO_ERR_INVALID_ARGUMENT)?;
            let descriptor =
                encryptor.with(|state| state.inner.descriptor(content_type).map_err(core_code))?;
            out.set(&disjoint, descriptor.to_bytes());
            Ok(())
        }
    }
}

/// Frees an attachment encryptor, wiping its file key and scratch buffer.
/// NULL is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Aliasing: no memory arguments. Thread
/// safety: any thread; a call already using the handle on another thread
/// completes first on its own reference.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_attachment_encryptor_free(
    encryptor: *mut sotto_attachment_encryptor,
) -> i32 {
    guard(|| free(token(encryptor), Kind::AttachmentEncryptor))
}

/// Starts decrypting the attachment a descriptor (from
/// `sotto_attachment_encryptor_descriptor`, received inside a Sotto message)
/// describes. Feed its chunks in order to
/// `sotto_attachment_decryptor_chunk` (`sotto_attachment_decryptor_next_chunk_len`
/// says how many ciphertext bytes each is), then call
/// `sotto_attachment_decryptor_finish`: only then is the file known to be
/// complete and the one the descriptor commits to.
///
/// On success `*out` receives a new handle owned by the caller (free it
/// with `sotto_attachment_decryptor_free`, which wipes the key); on error
/// `*out` is NULL.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `descriptor`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out`
/// must not overlap `descriptor`: `SOTTO_ERR_ALIASED_OUTPUT`), then the
/// descriptor's decoding errors: `SOTTO_ERR_UNSUPPORTED_VERSION`,
/// `SOTTO_ERR_WRONG_OBJECT_TYPE`, `SOTTO_ERR_TRUNCATED`,
/// `SOTTO_ERR_TOO_LARGE`, `SOTTO_ERR_MALFORMED`, `SOTTO_ERR_TRAILING_BYTES`.
/// Thread safety: any thread.
///
/// # Safety
/// `descriptor` is NULL or readable for `descriptor_len` bytes; `out` is
/// NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_new(
    descriptor: *const u8,
    descriptor_len: usize,
    out: *mut *mut sotto_attachment_decryptor,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        decode::<OutHandle<_>>(
            Input::Bytes(descriptor, descriptor_len),
            out,
            |descriptor| {
                let descriptor = Descriptor::from_bytes(descriptor).map_err(core_code)?;
                Ok(DecryptorRef::wrap(AttachmentDecryptor {
                    inner: Decryptor::new(&descriptor),
                    scratch: Zeroizing::new(vec![0u8; descriptor.params().buffer_len()]),
                }))
            },
        )
    }
}

/// Stores in `*out` the number of ciphertext bytes of the next chunk to
/// pass to `sotto_attachment_decryptor_chunk` (`chunk_size + 16` for every
/// chunk but the last, which may be shorter), or 0 after the last chunk.
///
/// Checks, in order: `decryptor` (handle errors), `out`
/// (`SOTTO_ERR_NULL_POINTER`). Aliasing: no input memory. Ownership:
/// allocates nothing. Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_next_chunk_len(
    decryptor: *const sotto_attachment_decryptor,
    out: *mut usize,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        query::<DecryptorRef, OutValue<usize>>(decryptor, out, |state| {
            Ok(state.inner.next_chunk_len().unwrap_or(0))
        })
    }
}

/// Authenticates and decrypts the next chunk: `input` holds exactly its
/// ciphertext (`sotto_attachment_decryptor_next_chunk_len` bytes). `out`
/// must hold at least `input_len - 16` bytes (`chunk_size` always
/// suffices); the file data of the chunk (padding removed) is written at
/// its start and its length stored in `*written` (0 for a chunk of
/// padding only).
///
/// A failed call changes nothing: the decryptor expects the same chunk
/// again (fetch it again and retry), the output array is not written and
/// `*written` is 0.
///
/// Checks, in order: `decryptor` (handle errors), `written`
/// (`SOTTO_ERR_NULL_POINTER`), `out` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_BUFFER_TOO_SMALL`), `input` (`SOTTO_ERR_NULL_POINTER`,
/// `SOTTO_ERR_ZERO_LENGTH`), aliasing (`out[0..out_len]` and `*written`
/// must overlap neither `input` nor each other:
/// `SOTTO_ERR_ALIASED_OUTPUT`), then the contents:
/// `SOTTO_ERR_TRUNCATED` (shorter chunk), `SOTTO_ERR_TRAILING_BYTES`
/// (longer chunk, or any chunk after the last), `SOTTO_ERR_DECRYPTION_FAILED`
/// (tampered, reordered, dropped, duplicated, from another file, or the
/// last-chunk flag moved), `SOTTO_ERR_INVALID_PADDING`.
/// Ownership: allocates nothing. Thread safety: any thread; calls on one
/// decryptor are serialized.
///
/// # Safety
/// `input` is NULL or readable for `input_len` bytes; `out` is NULL or
/// writable for `out_len` bytes; `written` is NULL or valid for writing a
/// `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_chunk(
    decryptor: *mut sotto_attachment_decryptor,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(
            &[Span::bytes(out, out_len), Span::of(written)],
            &[Span::bytes(input, input_len)],
        );
        // SAFETY: per this function's contract.
        let written = unsafe { OutValue::new(written, 0, &aliasing) };
        let decryptor = DecryptorRef::get(decryptor)?;
        let written = written?;
        let needed = input_len.saturating_sub(SOTTO_ATTACHMENT_CHUNK_OVERHEAD);
        // SAFETY: per this function's contract.
        let out = unsafe { OutArray::new(out, out_len, needed) }?;
        // SAFETY: per this function's contract.
        let input = unsafe { bytes_in(input, input_len) }?;
        let disjoint = aliasing.check()?;
        decryptor.with(|state| {
            // Longer than any chunk: the core would say the same.
            if input.len() > state.scratch.len() {
                return Err(SOTTO_ERR_TRAILING_BYTES);
            }
            let inner = &mut state.inner;
            let n = through_scratch(&mut state.scratch, input, out, &disjoint, |buffer| {
                let chunk = buffer
                    .get_mut(..input.len())
                    .ok_or(sotto_core::Error::Internal)?;
                inner.decrypt_chunk(chunk)
            })?;
            written.set(&disjoint, n);
            Ok(())
        })
    })
}

/// Checks that every chunk was decrypted and that the ciphertext is the one
/// the descriptor commits to. Data already released is only known to be
/// the whole, intended file once this returns `SOTTO_OK`.
///
/// Errors: handle errors, then `SOTTO_ERR_TRUNCATED` (chunks remain: the
/// file was cut short), `SOTTO_ERR_DIGEST_MISMATCH` (every chunk
/// authenticated but the ciphertext differs from the one the descriptor
/// names). The decryptor is unchanged. Aliasing: no memory arguments.
/// Ownership: allocates nothing. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_attachment_decryptor_finish(
    decryptor: *const sotto_attachment_decryptor,
) -> i32 {
    guard(|| {
        let decryptor = DecryptorRef::get(decryptor)?;
        decryptor.with(|state| state.inner.finish().map_err(core_code))
    })
}

/// Frees an attachment decryptor, wiping its key and scratch buffer. NULL
/// is a no-op.
///
/// Errors: `SOTTO_ERR_INVALID_HANDLE` (already freed or not a handle),
/// `SOTTO_ERR_WRONG_HANDLE_KIND`. Aliasing: no memory arguments. Thread
/// safety: any thread; a call already using the handle on another thread
/// completes first on its own reference.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_attachment_decryptor_free(
    decryptor: *mut sotto_attachment_decryptor,
) -> i32 {
    guard(|| free(token(decryptor), Kind::AttachmentDecryptor))
}

/// Where chunk `index` of an attachment lies in its ciphertext: stores its
/// byte offset in `*offset` and its length in `*length` (fetch those bytes
/// for `sotto_attachment_decrypt_chunk`).
///
/// Checks, in order: `offset`, `length` (`SOTTO_ERR_NULL_POINTER`),
/// `descriptor` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`),
/// aliasing (the outputs must overlap neither `descriptor` nor each other:
/// `SOTTO_ERR_ALIASED_OUTPUT`), then the descriptor's decoding errors (see
/// `sotto_attachment_decryptor_new`) and `SOTTO_ERR_INVALID_ARGUMENT` for
/// an index past the last chunk. Both outputs are 0 on error.
/// Ownership: allocates nothing that outlives the call. Thread safety: any
/// thread.
///
/// # Safety
/// `descriptor` is NULL or readable for `descriptor_len` bytes; `offset`
/// and `length` are NULL or valid for writing a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_chunk_range(
    descriptor: *const u8,
    descriptor_len: usize,
    index: u64,
    offset: *mut u64,
    length: *mut u64,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let descriptor = Input::Bytes(descriptor, descriptor_len);
        decode::<(OutValue<u64>, OutValue<u64>)>(descriptor, (offset, length), |descriptor| {
            let descriptor = Descriptor::from_bytes(descriptor).map_err(core_code)?;
            let range = descriptor.chunk_range(index).map_err(core_code)?;
            Ok((range.start, range.end - range.start))
        })
    }
}

/// Random access: authenticates and decrypts chunk `index` alone. `input`
/// holds exactly its ciphertext (the bytes `sotto_attachment_chunk_range`
/// names). `out` must hold at least `input_len - 16` bytes (the chunk size
/// always suffices); the file data of the chunk is written at its start
/// and its length stored in `*written`.
///
/// A chunk read alone is authenticated by its tag (it is chunk `index` of
/// this file), not by the whole-file digest: PROTOCOL.md §16.6.
///
/// Checks, in order: `written` (`SOTTO_ERR_NULL_POINTER`), `out`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_BUFFER_TOO_SMALL`), `descriptor`,
/// `input` (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing
/// (`out[0..out_len]` and `*written` must overlap neither input nor each
/// other: `SOTTO_ERR_ALIASED_OUTPUT`), then the descriptor's decoding
/// errors (see `sotto_attachment_decryptor_new`), then
/// `SOTTO_ERR_INVALID_ARGUMENT` (index past the last chunk),
/// `SOTTO_ERR_TRUNCATED` / `SOTTO_ERR_TRAILING_BYTES` (wrong length),
/// `SOTTO_ERR_DECRYPTION_FAILED` (not chunk `index` of this file),
/// `SOTTO_ERR_INVALID_PADDING`. The output array is written only on
/// success; `*written` is 0 on error.
/// Ownership: allocates only a scratch chunk, wiped before the call
/// returns. Thread safety: any thread.
///
/// # Safety
/// `descriptor` and `input` are NULL or readable for their lengths; `out`
/// is NULL or writable for `out_len` bytes; `written` is NULL or valid for
/// writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decrypt_chunk(
    descriptor: *const u8,
    descriptor_len: usize,
    index: u64,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
) -> i32 {
    guard(|| {
        let aliasing = Aliasing::of(
            &[Span::bytes(out, out_len), Span::of(written)],
            &[
                Span::bytes(descriptor, descriptor_len),
                Span::bytes(input, input_len),
            ],
        );
        // SAFETY: per this function's contract.
        let written = unsafe { OutValue::new(written, 0, &aliasing) }?;
        let needed = input_len.saturating_sub(SOTTO_ATTACHMENT_CHUNK_OVERHEAD);
        // SAFETY: per this function's contract.
        let out = unsafe { OutArray::new(out, out_len, needed) }?;
        // SAFETY: per this function's contract.
        let descriptor = unsafe { bytes_in(descriptor, descriptor_len) }?;
        // SAFETY: per this function's contract.
        let input = unsafe { bytes_in(input, input_len) }?;
        let disjoint = aliasing.check()?;
        let descriptor = Descriptor::from_bytes(descriptor).map_err(core_code)?;
        let expected = descriptor.chunk_range(index).map_err(core_code)?;
        // Longer than the chunk: refused before allocating anything.
        if input.len() as u64 > expected.end - expected.start {
            return Err(SOTTO_ERR_TRAILING_BYTES);
        }
        let mut scratch = Zeroizing::new(vec![0u8; input.len()]);
        let n = through_scratch(&mut scratch, input, out, &disjoint, |buffer| {
            attachment::decrypt_chunk(&descriptor, index, buffer)
        })?;
        written.set(&disjoint, n);
        Ok(())
    })
}

/// The public fields of an attachment descriptor, filled by
/// `sotto_attachment_descriptor_info`. Declare one as
/// `sotto_attachment_descriptor_fields f;` (it is reset on entry).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_attachment_descriptor_fields {
    /// The file's size in bytes (before padding).
    pub plaintext_size: u64,
    /// The padded plaintext size: `plaintext_size` plus the padding the
    /// encryptor added (equal to it with `SOTTO_PADDING_NONE`).
    pub padded_size: u64,
    /// The ciphertext size: `padded_size` plus 16 per chunk.
    pub ciphertext_size: u64,
    /// The number of chunks (at least 1).
    pub chunk_count: u64,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// `SOTTO_PADDING_PADME` or `SOTTO_PADDING_NONE`.
    pub padding: i32,
    /// SHA-256 of the whole ciphertext: what a blob store can check
    /// without the key.
    pub digest: [u8; 32],
    /// Length of the content type, 0 to
    /// `SOTTO_ATTACHMENT_MAX_CONTENT_TYPE_LEN`.
    pub content_type_len: usize,
    /// The content type (printable ASCII), NUL-terminated.
    pub content_type: [c_char; 256],
}

impl sotto_attachment_descriptor_fields {
    const EMPTY: Self = sotto_attachment_descriptor_fields {
        plaintext_size: 0,
        padded_size: 0,
        ciphertext_size: 0,
        chunk_count: 0,
        chunk_size: 0,
        padding: 0,
        digest: [0; 32],
        content_type_len: 0,
        content_type: [0; 256],
    };
}

/// All zeros (what `out` is reset to on entry).
impl Default for sotto_attachment_descriptor_fields {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Reads the public fields of an attachment descriptor (from
/// `sotto_attachment_encryptor_descriptor`, or received inside a Sotto
/// message) into `*out`: sizes, chunking, padding, the ciphertext digest
/// and the content type. The file key is not exposed.
///
/// Checks, in order: `out` (`SOTTO_ERR_NULL_POINTER`), `descriptor`
/// (`SOTTO_ERR_NULL_POINTER`, `SOTTO_ERR_ZERO_LENGTH`), aliasing (`*out`
/// must not overlap `descriptor`: `SOTTO_ERR_ALIASED_OUTPUT`), then the
/// descriptor's decoding errors (see `sotto_attachment_decryptor_new`).
/// `*out` is all zeros on error. Ownership: allocates nothing. Thread
/// safety: any thread.
///
/// # Safety
/// `descriptor` is NULL or readable for `descriptor_len` bytes; `out` is
/// NULL or valid for writing a `sotto_attachment_descriptor_fields`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_descriptor_info(
    descriptor: *const u8,
    descriptor_len: usize,
    out: *mut sotto_attachment_descriptor_fields,
) -> i32 {
    // SAFETY: per this function's contract.
    unsafe {
        let descriptor = Input::Bytes(descriptor, descriptor_len);
        decode::<OutValue<sotto_attachment_descriptor_fields>>(descriptor, out, |descriptor| {
            let descriptor = Descriptor::from_bytes(descriptor).map_err(core_code)?;
            let params = descriptor.params();
            let mut fields = sotto_attachment_descriptor_fields::EMPTY;
            fields.plaintext_size = descriptor.plaintext_size();
            fields.ciphertext_size = descriptor.ciphertext_size();
            fields.chunk_count = descriptor.chunk_count();
            fields.padded_size = descriptor.ciphertext_size().saturating_sub(
                descriptor
                    .chunk_count()
                    .saturating_mul(SOTTO_ATTACHMENT_CHUNK_OVERHEAD as u64),
            );
            fields.chunk_size = params.chunk_size();
            fields.padding = match params.padding() {
                Padding::Padme => SOTTO_PADDING_PADME,
                Padding::None => SOTTO_PADDING_NONE,
            };
            fields.digest = *descriptor.digest();
            let content_type = descriptor.content_type().as_bytes();
            fields.content_type_len = content_type.len();
            for (slot, byte) in fields.content_type.iter_mut().zip(content_type) {
                *slot = *byte as c_char;
            }
            Ok(fields)
        })
    }
}

#[cfg(test)]
mod tests {
    use sotto_core::attachment as core;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(super::SOTTO_ATTACHMENT_CHUNK_OVERHEAD, core::CHUNK_OVERHEAD);
        assert_eq!(super::SOTTO_ATTACHMENT_MIN_CHUNK_SIZE, core::MIN_CHUNK_SIZE);
        assert_eq!(super::SOTTO_ATTACHMENT_MAX_CHUNK_SIZE, core::MAX_CHUNK_SIZE);
        assert_eq!(
            super::SOTTO_ATTACHMENT_DEFAULT_CHUNK_SIZE,
            core::DEFAULT_CHUNK_SIZE
        );
        assert_eq!(super::SOTTO_ATTACHMENT_MAX_SIZE, core::MAX_ATTACHMENT_SIZE);
        assert_eq!(
            super::SOTTO_ATTACHMENT_MAX_CONTENT_TYPE_LEN,
            core::MAX_CONTENT_TYPE_LEN
        );
        // The longest content type and its NUL fit the fields' array.
        let fields = super::sotto_attachment_descriptor_fields::EMPTY;
        assert!(fields.content_type.len() > core::MAX_CONTENT_TYPE_LEN);
    }
}
