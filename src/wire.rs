//! Byte-level encoding shared by every Sotto format.
//!
//! All integers are big-endian. Every top-level object starts with two bytes,
//! `version || kind`; see PROTOCOL.md §"Wire format" for the layouts. The
//! `Reader` never panics and never allocates: it hands out borrowed slices
//! and fixed-size arrays, and reports [`Error::Truncated`] when input runs out.

use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;

/// The only format version this library reads and writes.
pub const VERSION: u8 = 1;

/// The kind byte that follows the version in every top-level object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A prekey bundle.
    PrekeyBundle = 0x01,
    /// A prekey message (first messages of a session).
    PrekeyMessage = 0x02,
    /// A normal message.
    Message = 0x03,
    /// A sealed account.
    SealedAccount = 0x04,
    /// A sealed session.
    SealedSession = 0x05,
    /// A safety-number QR payload.
    SafetyQr = 0x06,
}

/// Type byte of an X25519 public key encoding.
pub const KEY_TYPE_X25519: u8 = 0x01;
/// Type byte of an Ed25519 public key encoding.
pub const KEY_TYPE_ED25519: u8 = 0x02;
/// Type byte of an ML-KEM-768 encapsulation key encoding.
pub const KEY_TYPE_ML_KEM_768: u8 = 0x03;

/// Reads the two-byte header and checks it.
///
/// The version is checked first, so input from a newer protocol version is
/// reported as [`Error::UnsupportedVersion`] whatever its kind.
pub(crate) fn read_header(reader: &mut Reader<'_>, expected: Kind) -> Result<()> {
    if reader.u8()? != VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if reader.u8()? != expected as u8 {
        return Err(Error::WrongObjectType);
    }
    Ok(())
}

/// Writes the two-byte header.
pub(crate) fn write_header(out: &mut Vec<u8>, kind: Kind) {
    out.push(VERSION);
    out.push(kind as u8);
}

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(Error::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, tail) = self
            .bytes
            .split_first_chunk::<N>()
            .ok_or(Error::Truncated)?;
        self.bytes = tail;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a flag byte: 0 is false, 1 is true, anything else is malformed.
    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }

    /// Takes everything that is left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.bytes)
    }

    /// Succeeds only when every byte was read.
    pub(crate) const fn finish(&self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes)
        }
    }
}

/// Writing helpers on `Vec<u8>`.
pub(crate) trait Writer {
    fn put(&mut self, bytes: &[u8]);
    fn put_u8(&mut self, value: u8);
    fn put_u16(&mut self, value: u16);
    fn put_u32(&mut self, value: u32);
    fn put_flag(&mut self, value: bool);
    /// Writes a `u16` length and the bytes. The caller guarantees `bytes.len() <= u16::MAX`.
    fn put_bytes_u16(&mut self, bytes: &[u8]);
}

impl Writer for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn put_u8(&mut self, value: u8) {
        self.push(value);
    }
    fn put_u16(&mut self, value: u16) {
        self.extend_from_slice(&value.to_be_bytes());
    }
    fn put_u32(&mut self, value: u32) {
        self.extend_from_slice(&value.to_be_bytes());
    }
    fn put_flag(&mut self, value: bool) {
        self.push(u8::from(value));
    }
    fn put_bytes_u16(&mut self, bytes: &[u8]) {
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.put_u16(len);
        self.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
    }
}

/// Formats public bytes as lowercase hex in `Debug` output.
pub(crate) struct Hex<'a>(pub &'a [u8]);

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation_and_trailing_bytes() {
        let mut reader = Reader::new(&[1, 2, 3]);
        assert_eq!(reader.u16(), Ok(0x0102));
        assert_eq!(reader.u16(), Err(Error::Truncated));
        assert_eq!(reader.finish(), Err(Error::TrailingBytes));
        assert_eq!(reader.u8(), Ok(3));
        assert_eq!(reader.finish(), Ok(()));
        assert_eq!(reader.take(1), Err(Error::Truncated));
    }

    #[test]
    fn flags_are_strict() {
        assert_eq!(Reader::new(&[2]).flag(), Err(Error::Malformed));
        assert_eq!(Reader::new(&[1]).flag(), Ok(true));
    }

    #[test]
    fn header_checks_version_before_kind() {
        assert_eq!(
            read_header(&mut Reader::new(&[2, 9]), Kind::Message),
            Err(Error::UnsupportedVersion)
        );
        assert_eq!(
            read_header(&mut Reader::new(&[1, 9]), Kind::Message),
            Err(Error::WrongObjectType)
        );
        assert_eq!(
            read_header(&mut Reader::new(&[1]), Kind::Message),
            Err(Error::Truncated)
        );
    }
}
