//! Incremental encryption and decryption, one chunk at a time, in the
//! caller's buffer, without allocation (PROTOCOL.md §16.3, §16.5).

use super::{
    CHUNK_OVERHEAD, Descriptor, FileKey, Layout, MAX_ATTACHMENT_SIZE, Params, nonce, open_chunk,
};
use crate::primitives::Secret;
use crate::primitives::aead;
use crate::{Error, Result};
use core::fmt;
use rand_core::TryCryptoRng;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Taking plaintext chunks.
    Open,
    /// The plaintext ended; padding chunks remain (the layout is fixed).
    Padding(Layout),
    /// The last chunk was written.
    Done(Layout),
}

/// Encrypts a file chunk by chunk in a caller buffer of
/// [`Params::buffer_len`] bytes (one chunk and its tag).
///
/// 1. For each full chunk of plaintext that more plaintext follows, put it
///    in `buffer[..chunk_size]` and call [`encrypt_chunk`](Self::encrypt_chunk).
/// 2. Put the rest (0 to `chunk_size` bytes: hold back the last full chunk
///    until you know whether more follows) in the buffer and call
///    [`finish`](Self::finish).
/// 3. Call [`padding_chunk`](Self::padding_chunk) until it returns `None`
///    (Padmé padding may add whole chunks), then take the
///    [`descriptor`](Self::descriptor).
///
/// Every call writes its ciphertext to the start of the buffer and returns
/// its length. Memory is the buffer and a SHA-256 state, whatever the file
/// size.
///
/// ```
/// use sotto::attachment::{self, Encryptor, Params};
/// let params = Params::default();
/// let mut encryptor = Encryptor::new(params, &mut sotto::OsRng)?;
/// let mut buffer = vec![0u8; params.buffer_len()];
/// let mut ciphertext = Vec::new();
/// let cs = params.chunk_size() as usize;
/// for _ in 0..3 {
///     buffer[..cs].fill(0x42); // a full chunk, and more follows
///     let n = encryptor.encrypt_chunk(&mut buffer)?;
///     ciphertext.extend_from_slice(&buffer[..n]);
/// }
/// buffer[..5].copy_from_slice(b"tail!");
/// let mut n = encryptor.finish(&mut buffer, 5)?;
/// loop {
///     ciphertext.extend_from_slice(&buffer[..n]);
///     match encryptor.padding_chunk(&mut buffer)? { Some(m) => n = m, None => break }
/// }
/// let descriptor = encryptor.descriptor("video/mp4")?;
/// assert_eq!(descriptor.plaintext_size(), 3 * cs as u64 + 5);
/// assert_eq!(ciphertext.len() as u64, descriptor.ciphertext_size());
/// assert_eq!(attachment::decrypt(&descriptor, &ciphertext)?.len(), 3 * cs + 5);
/// # Ok::<(), sotto::Error>(())
/// ```
#[derive(Clone)]
pub struct Encryptor {
    file_key: FileKey,
    chunk_key: Secret<32>,
    params: Params,
    index: u64,
    hasher: Sha256,
    state: State,
}

impl fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encryptor")
            .field("params", &self.params)
            .field("index", &self.index)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Encryptor {
    /// Starts a file with a fresh random file key.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn new<R: TryCryptoRng + ?Sized>(params: Params, rng: &mut R) -> Result<Self> {
        Ok(Self::with_key(FileKey::generate(rng)?, params))
    }

    /// Starts a file with the given key (known-answer tests; a key MUST
    /// encrypt one file only).
    pub fn with_key(file_key: FileKey, params: Params) -> Self {
        let chunk_key = file_key.chunk_key(params.chunk_size());
        Encryptor {
            file_key,
            chunk_key,
            params,
            index: 0,
            hasher: Sha256::new(),
            state: State::Open,
        }
    }

    /// The parameters.
    pub const fn params(&self) -> Params {
        self.params
    }

    fn seal(&mut self, buffer: &mut [u8], len: usize, last: bool) -> Result<usize> {
        let total = len + CHUNK_OVERHEAD;
        let chunk = buffer.get_mut(..total).ok_or(Error::InvalidArgument)?;
        let (body, tag) = chunk.split_at_mut(len);
        let sealed =
            aead::seal_in_place(self.chunk_key.expose(), &nonce(self.index, last), &[], body)?;
        tag.copy_from_slice(&sealed);
        self.hasher.update(&*chunk);
        self.index += 1;
        Ok(total)
    }

    fn chunk_size(&self) -> usize {
        self.params.chunk_size() as usize
    }

    /// Encrypts the full plaintext chunk in `buffer[..chunk_size]`, which is
    /// not the last one, in place; returns `chunk_size + 16`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `buffer` is shorter than
    /// [`Params::buffer_len`] or [`finish`](Self::finish) was called;
    /// [`Error::TooLarge`] when the file would exceed
    /// [`MAX_ATTACHMENT_SIZE`](super::MAX_ATTACHMENT_SIZE). The encryptor
    /// is unchanged on error.
    pub fn encrypt_chunk(&mut self, buffer: &mut [u8]) -> Result<usize> {
        if self.state != State::Open || buffer.len() < self.params.buffer_len() {
            return Err(Error::InvalidArgument);
        }
        let after = (self.index + 1).saturating_mul(u64::from(self.params.chunk_size()));
        if after > MAX_ATTACHMENT_SIZE {
            return Err(Error::TooLarge);
        }
        self.seal(buffer, self.chunk_size(), false)
    }

    /// Encrypts the final `len` plaintext bytes in `buffer[..len]` (0 to
    /// `chunk_size`), with as much padding as fits in the chunk, in place;
    /// returns the ciphertext length. Call [`padding_chunk`](Self::padding_chunk)
    /// next.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `buffer` is shorter than
    /// [`Params::buffer_len`], `len > chunk_size`, `finish` was called, or
    /// `len` is 0 after at least one chunk while no padding follows (the
    /// previous chunk should have been the last: hold it back and pass it
    /// here). [`Error::TooLarge`] past the size bound. The encryptor is
    /// unchanged on error.
    pub fn finish(&mut self, buffer: &mut [u8], len: usize) -> Result<usize> {
        let cs = self.chunk_size();
        if self.state != State::Open || buffer.len() < self.params.buffer_len() || len > cs {
            return Err(Error::InvalidArgument);
        }
        let size = self
            .index
            .saturating_mul(cs as u64)
            .saturating_add(len as u64);
        let layout = Layout::new(size, self.params)?;
        if layout.chunk_count <= self.index {
            return Err(Error::InvalidArgument);
        }
        let chunk_len = usize::try_from(layout.chunk_plaintext_len(self.index))
            .map_err(|_| Error::InvalidArgument)?
            .min(cs);
        buffer
            .get_mut(len..chunk_len)
            .ok_or(Error::InvalidArgument)?
            .fill(0);
        let written = self.seal(buffer, chunk_len, layout.is_last(self.index))?;
        self.state = if self.index == layout.chunk_count {
            State::Done(layout)
        } else {
            State::Padding(layout)
        };
        Ok(written)
    }

    /// Writes the next chunk of padding (zeros) to the buffer, encrypted;
    /// returns its length, or `None` when the file is complete.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before [`finish`](Self::finish), or for a
    /// buffer shorter than [`Params::buffer_len`].
    pub fn padding_chunk(&mut self, buffer: &mut [u8]) -> Result<Option<usize>> {
        let layout = match self.state {
            State::Open => return Err(Error::InvalidArgument),
            State::Done(_) => return Ok(None),
            State::Padding(layout) => layout,
        };
        if buffer.len() < self.params.buffer_len() {
            return Err(Error::InvalidArgument);
        }
        let chunk_len = usize::try_from(layout.chunk_plaintext_len(self.index))
            .map_err(|_| Error::InvalidArgument)?;
        buffer
            .get_mut(..chunk_len)
            .ok_or(Error::InvalidArgument)?
            .fill(0);
        let written = self.seal(buffer, chunk_len, layout.is_last(self.index))?;
        if self.index == layout.chunk_count {
            self.state = State::Done(layout);
        }
        Ok(Some(written))
    }

    /// The descriptor of the finished file.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before the last chunk was written, or for a
    /// content type that is not printable ASCII of at most 255 bytes.
    pub fn descriptor(&self, content_type: &str) -> Result<Descriptor> {
        let State::Done(layout) = self.state else {
            return Err(Error::InvalidArgument);
        };
        Descriptor::new(
            self.file_key.clone(),
            self.hasher.clone().finalize().into(),
            self.params,
            layout.plaintext_size,
            content_type,
        )
    }
}

/// Decrypts a file chunk by chunk, in place in the caller's buffer, without
/// allocation. Ask [`next_chunk_len`](Self::next_chunk_len) how many
/// ciphertext bytes to read, pass exactly them to
/// [`decrypt_chunk`](Self::decrypt_chunk), release the plaintext it reports,
/// and call [`finish`](Self::finish) after the last chunk: only then is the
/// file complete and equal to what the descriptor's digest commits to.
///
/// ```
/// use sotto::attachment::{self, Decryptor, Params};
/// let video = vec![9u8; 300_000];
/// let (descriptor, ciphertext) = attachment::encrypt(&video, Params::default(), "video/mp4", &mut sotto::OsRng)?;
/// let mut decryptor = Decryptor::new(&descriptor);
/// let mut buffer = vec![0u8; descriptor.params().buffer_len()];
/// let (mut offset, mut plaintext) = (0, Vec::new());
/// while let Some(len) = decryptor.next_chunk_len() {
///     buffer[..len].copy_from_slice(&ciphertext[offset..offset + len]);
///     offset += len;
///     let data = decryptor.decrypt_chunk(&mut buffer[..len])?;
///     plaintext.extend_from_slice(&buffer[..data]);
/// }
/// decryptor.finish()?;
/// assert_eq!(plaintext, video);
/// # Ok::<(), sotto::Error>(())
/// ```
#[derive(Clone)]
pub struct Decryptor {
    chunk_key: Secret<32>,
    layout: Layout,
    digest: [u8; 32],
    index: u64,
    hasher: Sha256,
}

impl fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decryptor")
            .field("layout", &self.layout)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Decryptor {
    /// Starts decrypting the file `descriptor` describes.
    pub fn new(descriptor: &Descriptor) -> Self {
        Decryptor {
            chunk_key: descriptor
                .file_key
                .chunk_key(descriptor.params.chunk_size()),
            layout: descriptor.layout,
            digest: descriptor.digest,
            index: 0,
            hasher: Sha256::new(),
        }
    }

    /// The number of ciphertext bytes of the next chunk, or `None` after the
    /// last one.
    pub fn next_chunk_len(&self) -> Option<usize> {
        self.layout.chunk_ciphertext_len(self.index).ok()
    }

    /// The index of the next chunk.
    pub const fn next_chunk_index(&self) -> u64 {
        self.index
    }

    /// Authenticates and decrypts the next chunk in place; `chunk` must be
    /// exactly [`next_chunk_len`](Self::next_chunk_len) bytes. Returns how
    /// many bytes at the start of `chunk` are file data (the rest was
    /// padding). The decryptor and `chunk` are unchanged on error, so the
    /// chunk can be fetched again.
    ///
    /// # Errors
    /// [`Error::Truncated`] for a shorter chunk, [`Error::TrailingBytes`] for
    /// a longer one or any chunk after the last, [`Error::DecryptionFailed`]
    /// when it does not authenticate as chunk `i` of this file (reordered,
    /// dropped, duplicated, from another file, last flag moved),
    /// [`Error::InvalidPadding`] when its padding is not zeros.
    pub fn decrypt_chunk(&mut self, chunk: &mut [u8]) -> Result<usize> {
        if self.index >= self.layout.chunk_count {
            return Err(Error::TrailingBytes);
        }
        let mut hasher = self.hasher.clone();
        hasher.update(&*chunk);
        let data = open_chunk(&self.chunk_key, &self.layout, self.index, chunk)?;
        self.hasher = hasher;
        self.index += 1;
        Ok(data)
    }

    /// Checks that the file is complete and matches the descriptor's digest.
    ///
    /// # Errors
    /// [`Error::Truncated`] when chunks remain; [`Error::DigestMismatch`]
    /// when every chunk authenticated but the ciphertext is not the one the
    /// descriptor commits to.
    pub fn finish(&self) -> Result<()> {
        if self.index < self.layout.chunk_count {
            return Err(Error::Truncated);
        }
        let digest: [u8; 32] = self.hasher.clone().finalize().into();
        if bool::from(subtle::ConstantTimeEq::ct_eq(&digest[..], &self.digest[..])) {
            Ok(())
        } else {
            Err(Error::DigestMismatch)
        }
    }
}
