//! The attachment descriptor (PROTOCOL.md §16.4).

use super::{FileKey, Layout, MAX_ATTACHMENT_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, Params};
use crate::padding::Padding;
use crate::wire::{self, Hex, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

/// Longest content type a descriptor carries.
pub const MAX_CONTENT_TYPE_LEN: usize = 255;

/// Everything a receiver needs to fetch and decrypt one attachment: the file
/// key, the SHA-256 digest of the ciphertext, the plaintext size, the chunk
/// size, the padding policy and the content type.
///
/// It holds the file key, so it is as secret as a message: send its
/// [`to_bytes`](Self::to_bytes) inside an encrypted Sotto message and seal it
/// at rest. `Debug` redacts the key; the key is zeroized on drop.
///
/// ```
/// use sotto::attachment::{self, Descriptor, Params};
/// let (descriptor, _ciphertext) =
///     attachment::encrypt(b"voice", Params::default(), "audio/ogg", &mut sotto::OsRng)?;
/// let bytes = descriptor.to_bytes();
/// assert_eq!(bytes.len(), 80 + "audio/ogg".len());
/// assert_eq!(Descriptor::from_bytes(&bytes)?, descriptor);
/// assert_eq!(Descriptor::from_bytes(&[bytes.as_slice(), &[0]].concat()), Err(sotto::Error::TrailingBytes));
/// # Ok::<(), sotto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub(crate) file_key: FileKey,
    pub(crate) digest: [u8; 32],
    pub(crate) params: Params,
    pub(crate) layout: Layout,
    pub(crate) content_type: String,
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Descriptor")
            .field("file_key", &"<redacted>")
            .field("digest", &Hex(&self.digest))
            .field("plaintext_size", &self.layout.plaintext_size)
            .field("chunk_size", &self.params.chunk_size())
            .field("padding", &self.params.padding())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Content types are printable ASCII (PROTOCOL.md §16.4).
pub(crate) fn check_content_type(bytes: &[u8], error: Error) -> Result<()> {
    if bytes.len() > MAX_CONTENT_TYPE_LEN || !bytes.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(error);
    }
    Ok(())
}

impl Descriptor {
    pub(crate) fn new(
        file_key: FileKey,
        digest: [u8; 32],
        params: Params,
        plaintext_size: u64,
        content_type: &str,
    ) -> Result<Self> {
        check_content_type(content_type.as_bytes(), Error::InvalidArgument)?;
        Ok(Descriptor {
            file_key,
            digest,
            params,
            layout: Layout::new(plaintext_size, params)?,
            content_type: String::from(content_type),
        })
    }

    /// The encoding: `0x01 || 0x07 || file_key (32) || digest (32) ||
    /// u64(plaintext_size) || u32(chunk_size) || u8(padding) ||
    /// u8(len) || content_type`, 80 bytes plus the content type.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(80 + self.content_type.len());
        wire::write_header(&mut out, Kind::AttachmentDescriptor);
        out.put(self.file_key.expose());
        out.put(&self.digest);
        out.put_u64(self.layout.plaintext_size);
        out.put_u32(self.params.chunk_size());
        out.put_u8(self.params.padding().to_byte());
        // At most 255 bytes by construction.
        out.put_u8(self.content_type.len() as u8);
        out.put(self.content_type.as_bytes());
        out
    }

    /// Decodes and checks a descriptor, field by field (PROTOCOL.md §16.4).
    ///
    /// # Errors
    /// [`Error::UnsupportedVersion`], [`Error::WrongObjectType`],
    /// [`Error::Truncated`], [`Error::TooLarge`] (plaintext size),
    /// [`Error::Malformed`] (chunk size, padding, content type),
    /// [`Error::TrailingBytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Reader::decode(bytes, |reader| {
            wire::read_header(reader, Kind::AttachmentDescriptor)?;
            let file_key = FileKey::from_bytes(reader.array()?);
            let digest = reader.array()?;
            let plaintext_size = reader.u64()?;
            if plaintext_size > MAX_ATTACHMENT_SIZE {
                return Err(Error::TooLarge);
            }
            let chunk_size = reader.u32()?;
            if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
                return Err(Error::Malformed);
            }
            let padding = Padding::from_byte(reader.u8()?)?;
            let len = usize::from(reader.u8()?);
            let content_type = reader.take(len)?;
            check_content_type(content_type, Error::Malformed)?;
            let content_type = core::str::from_utf8(content_type).map_err(|_| Error::Malformed)?;
            let params = Params {
                chunk_size,
                padding,
            };
            Ok(Descriptor {
                file_key,
                digest,
                params,
                layout: Layout::new(plaintext_size, params)?,
                content_type: String::from(content_type),
            })
        })
    }

    /// The file key.
    pub const fn file_key(&self) -> &FileKey {
        &self.file_key
    }

    /// SHA-256 of the whole ciphertext: what a blob store can check without
    /// the key.
    pub const fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The plaintext size in bytes.
    pub const fn plaintext_size(&self) -> u64 {
        self.layout.plaintext_size
    }

    /// The chunk size and padding policy.
    pub const fn params(&self) -> Params {
        self.params
    }

    /// The content type (printable ASCII, possibly empty).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The ciphertext size in bytes: padded size plus 16 per chunk.
    pub const fn ciphertext_size(&self) -> u64 {
        self.layout.ciphertext_size()
    }

    /// The number of chunks (at least 1).
    pub const fn chunk_count(&self) -> u64 {
        self.layout.chunk_count
    }

    /// The ciphertext bytes of chunk `index`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `index >= chunk_count()`.
    pub fn chunk_range(&self, index: u64) -> Result<Range<u64>> {
        self.layout.chunk_ciphertext_range(index)
    }

    /// The ciphertext bytes to fetch to decrypt the plaintext bytes
    /// `plaintext` (whole chunks; empty for an empty range).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `start <= end <= plaintext_size()`.
    pub fn ciphertext_range(&self, plaintext: Range<u64>) -> Result<Range<u64>> {
        self.layout.ciphertext_range(&plaintext)
    }
}
