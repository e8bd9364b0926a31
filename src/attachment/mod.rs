//! Attachments: streaming, seekable encryption of photos, voice notes and
//! videos (PROTOCOL.md §16).
//!
//! A file is encrypted under a fresh random [`FileKey`] in chunks (STREAM,
//! as in age and Tink): each chunk is sealed with RFC 8439
//! ChaCha20-Poly1305 under a key derived from the file key, with a nonce
//! made of the chunk's index and a flag that marks the last chunk. The
//! application uploads the ciphertext wherever it likes and sends the
//! [`Descriptor`] (file key, SHA-256 of the ciphertext, sizes, content
//! type; 80 bytes plus the content type) inside a normal Sotto message.
//!
//! Three ways to decrypt, all verifying what they read:
//!
//! - whole files: [`decrypt`] (and [`encrypt`]), or the `std::io`
//!   adapters `EncryptingWriter` and `DecryptingReader` (`std` feature);
//! - streams in constant memory with caller buffers and no allocation:
//!   [`Encryptor`] and [`Decryptor`] (one chunk at a time);
//! - random access: [`decrypt_chunk`], [`decrypt_range`] and
//!   [`decrypt_range_in_place`] read only the chunks under a plaintext
//!   range ([`Descriptor::ciphertext_range`] says which bytes to fetch).
//!
//! ```
//! use sotto::OsRng;
//! use sotto::attachment::{self, Params};
//!
//! let photo = vec![7u8; 200_000];
//! let (descriptor, ciphertext) = attachment::encrypt(&photo, Params::default(), "image/jpeg", &mut OsRng)?;
//!
//! // The descriptor travels inside an end-to-end encrypted message.
//! let sent = descriptor.to_bytes();
//! let received = attachment::Descriptor::from_bytes(&sent)?;
//! assert_eq!(attachment::decrypt(&received, &ciphertext)?, photo);
//!
//! // Seek: fetch and authenticate only the chunks under bytes 100000..100010.
//! let range = received.ciphertext_range(100_000..100_010)?;
//! let fetched = &ciphertext[range.start as usize..range.end as usize];
//! assert_eq!(attachment::decrypt_range(&received, 100_000..100_010, fetched)?, &photo[100_000..100_010]);
//! # Ok::<(), sotto::Error>(())
//! ```

mod descriptor;
#[cfg(feature = "std")]
mod io;
mod random_access;
mod stream;
#[cfg(test)]
mod vectors;

pub use descriptor::{Descriptor, MAX_CONTENT_TYPE_LEN};
#[cfg(feature = "std")]
pub use io::{DecryptingReader, EncryptingWriter};
pub use random_access::{decrypt_chunk, decrypt_range, decrypt_range_in_place};
pub use stream::{Decryptor, Encryptor};

use crate::padding::Padding;
use crate::primitives::kdf::hkdf_sha256;
use crate::primitives::{Secret, random_array};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Smallest chunk size (plaintext bytes per chunk).
pub const MIN_CHUNK_SIZE: u32 = 1024;
/// Largest chunk size: a decryptor holds one chunk in memory.
pub const MAX_CHUNK_SIZE: u32 = 1 << 20;
/// The default chunk size, 64 KiB.
pub const DEFAULT_CHUNK_SIZE: u32 = 1 << 16;
/// Largest attachment plaintext, 2³⁶ bytes (64 GiB).
pub const MAX_ATTACHMENT_SIZE: u64 = 1 << 36;
/// Bytes added to each chunk (its Poly1305 tag).
pub const CHUNK_OVERHEAD: usize = 16;

const CHUNK_KEY_LABEL: &[u8] = b"Sotto v1 attachment chunks";

/// The random key of one attachment. Zeroized on drop, redacted in `Debug`,
/// compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey(Secret<32>);

impl fmt::Debug for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileKey(<redacted>)")
    }
}

impl FileKey {
    /// Draws a fresh key (PROTOCOL.md §13: 32 bytes).
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Ok(FileKey(Secret::from_bytes(random_array(rng)?)))
    }

    /// Wraps 32 key bytes. A key MUST encrypt one file only.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        FileKey(Secret::from_bytes(bytes))
    }

    /// The key bytes.
    pub const fn expose(&self) -> &[u8; 32] {
        self.0.expose()
    }

    /// `chunk_key` of PROTOCOL.md §16.1.
    pub(crate) fn chunk_key(&self, chunk_size: u32) -> Secret<32> {
        let mut info = [0u8; CHUNK_KEY_LABEL.len() + 4];
        let (label, size) = info.split_at_mut(CHUNK_KEY_LABEL.len());
        label.copy_from_slice(CHUNK_KEY_LABEL);
        size.copy_from_slice(&chunk_size.to_be_bytes());
        let mut key = Secret::<32>::zeroed();
        // 32 bytes is far below HKDF's output limit: this cannot fail.
        let _ = hkdf_sha256(&[0u8; 32], self.expose(), &info, key.expose_mut());
        key
    }
}

/// How a file is cut and padded: the chunk size and the padding policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Params {
    chunk_size: u32,
    padding: Padding,
}

impl Default for Params {
    /// 64 KiB chunks, Padmé padding.
    fn default() -> Self {
        Params {
            chunk_size: DEFAULT_CHUNK_SIZE,
            padding: Padding::Padme,
        }
    }
}

impl Params {
    /// Chosen parameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `chunk_size` is outside
    /// [`MIN_CHUNK_SIZE`]`..=`[`MAX_CHUNK_SIZE`].
    pub fn new(chunk_size: u32, padding: Padding) -> Result<Self> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(Error::InvalidArgument);
        }
        Ok(Params {
            chunk_size,
            padding,
        })
    }

    /// Plaintext bytes per chunk.
    pub const fn chunk_size(self) -> u32 {
        self.chunk_size
    }

    /// The padding policy.
    pub const fn padding(self) -> Padding {
        self.padding
    }

    /// The size of the buffer [`Encryptor`] and [`Decryptor`] work in: one
    /// chunk and its tag.
    pub const fn buffer_len(self) -> usize {
        self.chunk_size as usize + CHUNK_OVERHEAD
    }
}

/// Padmé on 64-bit lengths (PROTOCOL.md §8; wasm32 has 32-bit `usize`).
pub(crate) const fn padme_u64(len: u64) -> u64 {
    if len <= 32 {
        return 32;
    }
    let e = u64::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let mask = (1u64 << (e - s)) - 1;
    len.saturating_add(mask) & !mask
}

/// The sizes of PROTOCOL.md §16.2 for one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) plaintext_size: u64,
    pub(crate) padded_size: u64,
    pub(crate) chunk_size: u32,
    pub(crate) chunk_count: u64,
}

impl Layout {
    /// # Errors
    /// [`Error::TooLarge`] when `plaintext_size` exceeds [`MAX_ATTACHMENT_SIZE`].
    pub(crate) fn new(plaintext_size: u64, params: Params) -> Result<Self> {
        if plaintext_size > MAX_ATTACHMENT_SIZE {
            return Err(Error::TooLarge);
        }
        let padded_size = match params.padding {
            Padding::None => plaintext_size,
            Padding::Padme => padme_u64(plaintext_size),
        };
        let cs = u64::from(params.chunk_size);
        Ok(Layout {
            plaintext_size,
            padded_size,
            chunk_size: params.chunk_size,
            chunk_count: padded_size.div_ceil(cs).max(1),
        })
    }

    const fn stride(&self) -> u64 {
        self.chunk_size as u64 + CHUNK_OVERHEAD as u64
    }

    pub(crate) const fn ciphertext_size(&self) -> u64 {
        self.padded_size + CHUNK_OVERHEAD as u64 * self.chunk_count
    }

    pub(crate) const fn is_last(&self, index: u64) -> bool {
        index + 1 == self.chunk_count
    }

    /// Padded plaintext bytes in chunk `index` (< `chunk_count`).
    pub(crate) const fn chunk_plaintext_len(&self, index: u64) -> u64 {
        if self.is_last(index) {
            self.padded_size - index * self.chunk_size as u64
        } else {
            self.chunk_size as u64
        }
    }

    /// `L_i` of §16.2, or `InvalidArgument` for an index past the end.
    pub(crate) fn chunk_ciphertext_len(&self, index: u64) -> Result<usize> {
        if index >= self.chunk_count {
            return Err(Error::InvalidArgument);
        }
        usize::try_from(self.chunk_plaintext_len(index) + CHUNK_OVERHEAD as u64)
            .map_err(|_| Error::TooLarge)
    }

    pub(crate) fn chunk_ciphertext_range(&self, index: u64) -> Result<Range<u64>> {
        let len = self.chunk_ciphertext_len(index)? as u64;
        let start = index * self.stride();
        Ok(start..start + len)
    }

    /// The chunks under the plaintext range `range` (empty for an empty range).
    pub(crate) fn chunks_for(&self, range: &Range<u64>) -> Result<Range<u64>> {
        if range.start > range.end || range.end > self.plaintext_size {
            return Err(Error::InvalidArgument);
        }
        if range.start == range.end {
            return Ok(0..0);
        }
        let cs = u64::from(self.chunk_size);
        Ok(range.start / cs..(range.end - 1) / cs + 1)
    }

    pub(crate) fn ciphertext_range(&self, range: &Range<u64>) -> Result<Range<u64>> {
        let chunks = self.chunks_for(range)?;
        if chunks.is_empty() {
            return Ok(0..0);
        }
        let first = self.chunk_ciphertext_range(chunks.start)?;
        let last = self.chunk_ciphertext_range(chunks.end - 1)?;
        Ok(first.start..last.end)
    }

    /// How many bytes of chunk `index`'s plaintext are file data (the rest is
    /// padding).
    pub(crate) fn data_len(&self, index: u64, chunk_plaintext_len: usize) -> usize {
        let start = index * u64::from(self.chunk_size);
        let data = self.plaintext_size.saturating_sub(start);
        usize::try_from(data).map_or(chunk_plaintext_len, |d| d.min(chunk_plaintext_len))
    }
}

/// `nonce(i, last)` of PROTOCOL.md §16.1.
pub(crate) fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    let (_, rest) = nonce.split_at_mut(3);
    let (counter, flag) = rest.split_at_mut(8);
    counter.copy_from_slice(&index.to_be_bytes());
    flag.copy_from_slice(&[u8::from(last)]);
    nonce
}

/// Decrypts one chunk in place (`chunk` = exactly `L_index` bytes) and
/// checks its padding; returns the number of file bytes at its start.
pub(crate) fn open_chunk(
    chunk_key: &Secret<32>,
    layout: &Layout,
    index: u64,
    chunk: &mut [u8],
) -> Result<usize> {
    let expected = layout.chunk_ciphertext_len(index)?;
    if chunk.len() < expected {
        return Err(Error::Truncated);
    }
    if chunk.len() > expected {
        return Err(Error::TrailingBytes);
    }
    let body_len = expected - CHUNK_OVERHEAD;
    let (body, tag) = chunk.split_at_mut(body_len);
    let tag: [u8; CHUNK_OVERHEAD] = (&*tag).try_into().map_err(|_| Error::Truncated)?;
    let nonce = nonce(index, layout.is_last(index));
    let data = layout.data_len(index, body_len);
    // Check the padding on a copy of the decision only after authentication;
    // a padding error must leave the ciphertext as it was.
    crate::primitives::aead::open_in_place(chunk_key.expose(), &nonce, &[], body, &tag)?;
    let padding_is_zero = body
        .get(data..)
        .is_none_or(|p| p.iter().fold(0u8, |a, b| a | b) == 0);
    if !padding_is_zero {
        // Restore the ciphertext so that the failed call changes nothing.
        crate::primitives::aead::seal_in_place(chunk_key.expose(), &nonce, &[], body)?;
        return Err(Error::InvalidPadding);
    }
    Ok(data)
}

/// Encrypts a whole file in memory: returns its descriptor and ciphertext.
/// Draws the file key from `rng`.
///
/// # Errors
/// [`Error::InvalidArgument`] for a content type that is not printable ASCII
/// of at most [`MAX_CONTENT_TYPE_LEN`] bytes; [`Error::TooLarge`] past
/// [`MAX_ATTACHMENT_SIZE`]; [`Error::Randomness`].
pub fn encrypt<R: TryCryptoRng + ?Sized>(
    plaintext: &[u8],
    params: Params,
    content_type: &str,
    rng: &mut R,
) -> Result<(Descriptor, Vec<u8>)> {
    descriptor::check_content_type(content_type.as_bytes(), Error::InvalidArgument)?;
    let encryptor = Encryptor::new(params, rng)?;
    encrypt_with(encryptor, plaintext, content_type)
}

/// [`encrypt`] with a given file key (for tests and known-answer vectors; a
/// key MUST encrypt one file only).
///
/// # Errors
/// As [`encrypt`].
pub fn encrypt_with_key(
    file_key: FileKey,
    plaintext: &[u8],
    params: Params,
    content_type: &str,
) -> Result<(Descriptor, Vec<u8>)> {
    descriptor::check_content_type(content_type.as_bytes(), Error::InvalidArgument)?;
    encrypt_with(
        Encryptor::with_key(file_key, params),
        plaintext,
        content_type,
    )
}

fn encrypt_with(
    mut encryptor: Encryptor,
    plaintext: &[u8],
    content_type: &str,
) -> Result<(Descriptor, Vec<u8>)> {
    let layout = Layout::new(plaintext.len() as u64, encryptor.params())?;
    let cs = encryptor.params().chunk_size() as usize;
    let mut out =
        Vec::with_capacity(usize::try_from(layout.ciphertext_size()).map_err(|_| Error::TooLarge)?);
    // Holds plaintext chunks: wiped when dropped, like the io adapters' buffers.
    let mut buffer = Zeroizing::new(alloc::vec![0u8; encryptor.params().buffer_len()]);
    let mut rest = plaintext;
    // Every full chunk that is followed by more plaintext is not the last.
    while rest.len() > cs {
        let (chunk, tail) = rest.split_at(cs);
        buffer
            .get_mut(..cs)
            .ok_or(Error::Internal)?
            .copy_from_slice(chunk);
        let written = encryptor.encrypt_chunk(&mut buffer)?;
        out.extend_from_slice(buffer.get(..written).ok_or(Error::Internal)?);
        rest = tail;
    }
    buffer
        .get_mut(..rest.len())
        .ok_or(Error::Internal)?
        .copy_from_slice(rest);
    let mut written = encryptor.finish(&mut buffer, rest.len())?;
    loop {
        out.extend_from_slice(buffer.get(..written).ok_or(Error::Internal)?);
        match encryptor.padding_chunk(&mut buffer)? {
            Some(n) => written = n,
            None => break,
        }
    }
    let descriptor = encryptor.descriptor(content_type)?;
    Ok((descriptor, out))
}

/// Decrypts a whole file in memory, checking every chunk, the end of the
/// file and the digest (PROTOCOL.md §16.5).
///
/// # Errors
/// [`Error::Truncated`], [`Error::DecryptionFailed`],
/// [`Error::InvalidPadding`], [`Error::TrailingBytes`],
/// [`Error::DigestMismatch`], in the order the stream meets them.
pub fn decrypt(descriptor: &Descriptor, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let mut decryptor = Decryptor::new(descriptor);
    let capacity = usize::try_from(descriptor.plaintext_size())
        .unwrap_or(usize::MAX)
        .min(ciphertext.len());
    let mut out = Vec::with_capacity(capacity);
    // Holds one decrypted chunk at a time: sized once (never reallocated with
    // plaintext in it) and wiped when dropped.
    let mut buffer = Zeroizing::new(Vec::with_capacity(descriptor.params().buffer_len()));
    let mut rest = ciphertext;
    while let Some(len) = decryptor.next_chunk_len() {
        if rest.len() < len {
            return Err(Error::Truncated);
        }
        let (chunk, tail) = rest.split_at(len);
        buffer.clear();
        buffer.extend_from_slice(chunk);
        let data = decryptor.decrypt_chunk(&mut buffer)?;
        out.extend_from_slice(buffer.get(..data).ok_or(Error::Internal)?);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(Error::TrailingBytes);
    }
    decryptor.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padme_u64_matches_the_message_padding() {
        for len in 0..5000u64 {
            assert_eq!(padme_u64(len), crate::padding::padme(len as usize) as u64);
        }
        assert_eq!(padme_u64(MAX_ATTACHMENT_SIZE), MAX_ATTACHMENT_SIZE);
        assert_eq!(padme_u64(MAX_ATTACHMENT_SIZE - 1), MAX_ATTACHMENT_SIZE);
        // 2 GiB + 1 rounds up by at most 3%.
        let n = (1u64 << 31) + 1;
        assert!(padme_u64(n) - n <= n / 32);
    }

    #[test]
    fn nonce_layout() {
        assert_eq!(nonce(0, false), [0; 12]);
        assert_eq!(nonce(0x0102, true), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1]);
    }

    #[test]
    fn layout_bounds() {
        let params = Params::new(1024, Padding::None).unwrap();
        let empty = Layout::new(0, params).unwrap();
        assert_eq!((empty.chunk_count, empty.ciphertext_size()), (1, 16));
        let exact = Layout::new(1024, params).unwrap();
        assert_eq!((exact.chunk_count, exact.ciphertext_size()), (1, 1040));
        let partial = Layout::new(2500, params).unwrap();
        assert_eq!(partial.chunk_count, 3);
        assert_eq!(partial.chunk_ciphertext_range(2), Ok(2080..2548));
        assert_eq!(
            partial.chunk_ciphertext_range(3),
            Err(Error::InvalidArgument)
        );
        assert_eq!(partial.chunks_for(&(1023..1025)), Ok(0..2));
        assert_eq!(partial.chunks_for(&(5..5)), Ok(0..0));
        assert_eq!(partial.chunks_for(&(0..2501)), Err(Error::InvalidArgument));
        assert_eq!(
            Layout::new(MAX_ATTACHMENT_SIZE + 1, params),
            Err(Error::TooLarge)
        );
        let most = Layout::new(
            MAX_ATTACHMENT_SIZE,
            Params::new(1024, Padding::Padme).unwrap(),
        )
        .unwrap();
        assert_eq!(most.chunk_count, 1 << 26);
        assert_eq!(
            Params::new(1023, Padding::None),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            Params::new(MAX_CHUNK_SIZE + 1, Padding::None),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn file_key_debug_is_redacted() {
        let key = FileKey::from_bytes([0xab; 32]);
        let shown = alloc::format!("{key:?}");
        assert!(!shown.contains("ab") && shown.contains("redacted"));
    }
}
