//! Random access: one chunk, or a plaintext range, decrypted and
//! authenticated alone (PROTOCOL.md §16.6).
//!
//! Reads are verified by the chunks' tags only: the digest covers the whole
//! file and is checked by a full decryption ([`Decryptor::finish`](super::Decryptor::finish)).
//! PROTOCOL.md §16.6 explains why that is enough against the server.

use super::{Descriptor, open_chunk};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::ops::Range;

/// Authenticates and decrypts chunk `index` alone, in place. `chunk` holds
/// exactly the ciphertext bytes [`Descriptor::chunk_range`] names. Returns
/// how many bytes at its start are file data; `chunk` is unchanged on error.
///
/// # Errors
/// [`Error::InvalidArgument`] for an index past the last chunk;
/// [`Error::Truncated`] / [`Error::TrailingBytes`] for a chunk of the wrong
/// length; [`Error::DecryptionFailed`] when the bytes are not chunk `index`
/// of this file; [`Error::InvalidPadding`].
pub fn decrypt_chunk(descriptor: &Descriptor, index: u64, chunk: &mut [u8]) -> Result<usize> {
    let key = descriptor
        .file_key
        .chunk_key(descriptor.params.chunk_size());
    open_chunk(&key, &descriptor.layout, index, chunk)
}

/// Decrypts the plaintext bytes `range` in place. `ciphertext` holds
/// exactly the bytes [`Descriptor::ciphertext_range`] names for that range;
/// each of its chunks is authenticated and decrypted, the plaintexts are
/// moved to the front, and the returned range of `ciphertext` holds the
/// requested bytes. Allocates nothing. On error the contents of
/// `ciphertext` are unspecified (chunks before the failing one are
/// decrypted).
///
/// # Errors
/// [`Error::InvalidArgument`] unless `range.start <= range.end <=
/// plaintext_size`; [`Error::Truncated`] / [`Error::TrailingBytes`] when
/// `ciphertext` is shorter or longer than the chunks under the range;
/// [`Error::DecryptionFailed`]; [`Error::InvalidPadding`].
pub fn decrypt_range_in_place(
    descriptor: &Descriptor,
    range: Range<u64>,
    ciphertext: &mut [u8],
) -> Result<Range<usize>> {
    let layout = &descriptor.layout;
    let chunks = layout.chunks_for(&range)?;
    let expected = layout.ciphertext_range(&range)?;
    let expected_len = expected.end - expected.start;
    if (ciphertext.len() as u64) < expected_len {
        return Err(Error::Truncated);
    }
    if ciphertext.len() as u64 > expected_len {
        return Err(Error::TrailingBytes);
    }
    if chunks.is_empty() {
        return Ok(0..0);
    }
    let key = descriptor
        .file_key
        .chunk_key(descriptor.params.chunk_size());
    let mut read = 0usize;
    let mut written = 0usize;
    for index in chunks.clone() {
        let len = layout.chunk_ciphertext_len(index)?;
        let chunk = ciphertext
            .get_mut(read..read + len)
            .ok_or(Error::Truncated)?;
        let data = open_chunk(&key, layout, index, chunk)?;
        ciphertext.copy_within(read..read + data, written);
        read += len;
        written += data;
    }
    let cs = u64::from(descriptor.params.chunk_size());
    let offset = usize::try_from(range.start - chunks.start * cs).map_err(|_| Error::TooLarge)?;
    let len = usize::try_from(range.end - range.start).map_err(|_| Error::TooLarge)?;
    Ok(offset..offset + len)
}

/// Decrypts the plaintext bytes `range` from the ciphertext bytes
/// [`Descriptor::ciphertext_range`] names for it (see
/// [`decrypt_range_in_place`]), into a new vector.
///
/// ```
/// use sotto::attachment::{self, Params};
/// use sotto::Padding;
/// let params = Params::new(1024, Padding::None)?;
/// let file: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
/// let (descriptor, ciphertext) = attachment::encrypt(&file, params, "", &mut sotto::OsRng)?;
/// let wanted = 1500..3100;
/// let fetch = descriptor.ciphertext_range(wanted.clone())?; // chunks 1 to 3
/// assert_eq!(fetch, 1040..4160);
/// let bytes = &ciphertext[fetch.start as usize..fetch.end as usize];
/// assert_eq!(attachment::decrypt_range(&descriptor, wanted, bytes)?, &file[1500..3100]);
/// # Ok::<(), sotto::Error>(())
/// ```
///
/// # Errors
/// As [`decrypt_range_in_place`].
pub fn decrypt_range(
    descriptor: &Descriptor,
    range: Range<u64>,
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    let mut buffer = ciphertext.to_vec();
    let plaintext = decrypt_range_in_place(descriptor, range, &mut buffer)?;
    buffer.truncate(plaintext.end);
    buffer.drain(..plaintext.start);
    Ok(buffer)
}
