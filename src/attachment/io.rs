//! [`std::io`] adapters (the `std` feature): encrypt while writing, decrypt
//! while reading, in constant memory (one chunk).
//!
//! Sotto errors reach the caller as [`std::io::Error`]s of kind
//! `InvalidData` (or `UnexpectedEof` for [`Error::Truncated`]) that wrap the
//! [`Error`]: `err.get_ref().and_then(|e| e.downcast_ref::<sotto::Error>())`.

use super::{Decryptor, Descriptor, Encryptor, Params};
use crate::Error;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

fn io_error(error: Error) -> io::Error {
    let kind = if error == Error::Truncated {
        io::ErrorKind::UnexpectedEof
    } else {
        io::ErrorKind::InvalidData
    };
    io::Error::new(kind, error)
}

/// Encrypts everything written to it into `inner`, chunk by chunk;
/// [`finish`](Self::finish) writes the last chunks and returns the
/// descriptor.
///
/// ```
/// use std::io::{Read, Write};
/// use sotto::attachment::{DecryptingReader, EncryptingWriter, Params};
///
/// let mut writer = EncryptingWriter::new(Vec::new(), Params::default(), &mut sotto::OsRng)?;
/// for _ in 0..100 {
///     writer.write_all(&[1u8; 10_000])?;
/// }
/// let (ciphertext, descriptor) = writer.finish("audio/ogg")?;
///
/// let mut reader = DecryptingReader::new(ciphertext.as_slice(), &descriptor);
/// let mut voice = Vec::new();
/// reader.read_to_end(&mut voice)?; // checks the end of the file and the digest
/// assert_eq!(voice, vec![1u8; 1_000_000]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct EncryptingWriter<W: Write> {
    inner: W,
    encryptor: Encryptor,
    buffer: Zeroizing<Vec<u8>>,
    filled: usize,
}

impl<W: Write> fmt::Debug for EncryptingWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptingWriter")
            .field("encryptor", &self.encryptor)
            .finish_non_exhaustive()
    }
}

impl<W: Write> EncryptingWriter<W> {
    /// Starts a file with a fresh file key.
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn new<R: TryCryptoRng + ?Sized>(
        inner: W,
        params: Params,
        rng: &mut R,
    ) -> crate::Result<Self> {
        Ok(Self::from_encryptor(inner, Encryptor::new(params, rng)?))
    }

    /// Wraps an [`Encryptor`] that has not written anything yet.
    pub fn from_encryptor(inner: W, encryptor: Encryptor) -> Self {
        let buffer = Zeroizing::new(vec![0u8; encryptor.params().buffer_len()]);
        EncryptingWriter {
            inner,
            encryptor,
            buffer,
            filled: 0,
        }
    }

    /// Writes the last chunks (and padding), flushes, and returns the inner
    /// writer with the file's descriptor.
    ///
    /// # Errors
    /// Errors of the inner writer; [`Error::InvalidArgument`] for a content
    /// type that is not printable ASCII of at most 255 bytes.
    pub fn finish(mut self, content_type: &str) -> io::Result<(W, Descriptor)> {
        super::descriptor::check_content_type(content_type.as_bytes(), Error::InvalidArgument)
            .map_err(io_error)?;
        let mut written = self
            .encryptor
            .finish(&mut self.buffer, self.filled)
            .map_err(io_error)?;
        loop {
            self.inner
                .write_all(self.buffer.get(..written).unwrap_or_default())?;
            match self
                .encryptor
                .padding_chunk(&mut self.buffer)
                .map_err(io_error)?
            {
                Some(n) => written = n,
                None => break,
            }
        }
        self.inner.flush()?;
        let descriptor = self.encryptor.descriptor(content_type).map_err(io_error)?;
        Ok((self.inner, descriptor))
    }
}

impl<W: Write> Write for EncryptingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let cs = self.encryptor.params().chunk_size() as usize;
        if self.filled == cs {
            // A full chunk is held back until more plaintext arrives: now it
            // is known not to be the last.
            let written = self
                .encryptor
                .encrypt_chunk(&mut self.buffer)
                .map_err(io_error)?;
            self.inner
                .write_all(self.buffer.get(..written).unwrap_or_default())?;
            self.filled = 0;
        }
        let room = self.buffer.get_mut(self.filled..cs).unwrap_or_default();
        let n = room.len().min(data.len());
        room.get_mut(..n)
            .unwrap_or_default()
            .copy_from_slice(data.get(..n).unwrap_or_default());
        self.filled += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts `inner` while it is read: each chunk is authenticated before its
/// bytes are returned, and end of file (`Ok(0)`) is reported only after the
/// end of the ciphertext and the digest were checked. Until then the data
/// read so far is not known to be the whole file.
pub struct DecryptingReader<R: Read> {
    inner: R,
    decryptor: Decryptor,
    buffer: Zeroizing<Vec<u8>>,
    start: usize,
    end: usize,
    done: bool,
}

impl<R: Read> fmt::Debug for DecryptingReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptingReader")
            .field("decryptor", &self.decryptor)
            .finish_non_exhaustive()
    }
}

impl<R: Read> DecryptingReader<R> {
    /// Decrypts the file `descriptor` describes from `inner`.
    pub fn new(inner: R, descriptor: &Descriptor) -> Self {
        DecryptingReader {
            inner,
            decryptor: Decryptor::new(descriptor),
            buffer: Zeroizing::new(vec![0u8; descriptor.params().buffer_len()]),
            start: 0,
            end: 0,
            done: false,
        }
    }

    /// The inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads `len` bytes into the buffer, or fewer at end of input.
    fn read_full(&mut self, len: usize) -> io::Result<usize> {
        let mut got = 0;
        while got < len {
            let target = self.buffer.get_mut(got..len).unwrap_or_default();
            match self.inner.read(target) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let Some(len) = self.decryptor.next_chunk_len() else {
            // After the last chunk: nothing may follow, and the digest must match.
            let mut extra = [0u8; 1];
            loop {
                match self.inner.read(&mut extra) {
                    Ok(0) => break,
                    Ok(_) => return Err(io_error(Error::TrailingBytes)),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.decryptor.finish().map_err(io_error)?;
            self.done = true;
            return Ok(());
        };
        if self.read_full(len)? < len {
            return Err(io_error(Error::Truncated));
        }
        let chunk = self.buffer.get_mut(..len).unwrap_or_default();
        let data = self.decryptor.decrypt_chunk(chunk).map_err(io_error)?;
        self.start = 0;
        self.end = data;
        Ok(())
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.start == self.end && !self.done && !out.is_empty() {
            self.next_chunk()?;
        }
        let available = self.buffer.get(self.start..self.end).unwrap_or_default();
        let n = available.len().min(out.len());
        out.get_mut(..n)
            .unwrap_or_default()
            .copy_from_slice(available.get(..n).unwrap_or_default());
        self.start += n;
        Ok(n)
    }
}
