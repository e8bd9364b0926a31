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
    /// An attachment descriptor (PROTOCOL.md §16.4).
    AttachmentDescriptor = 0x07,
    /// A sealed session record (PROTOCOL.md §17.4).
    SealedRecord = 0x08,
    /// A user-signed device list (PROTOCOL.md §18.2).
    DeviceList = 0x09,
    /// A user-signed device certificate (PROTOCOL.md §18.3).
    DeviceCertificate = 0x0A,
    /// A link offer, shown as a QR code by a new device (PROTOCOL.md §19).
    LinkOffer = 0x0B,
    /// A link response, sent by the existing device (PROTOCOL.md §19).
    LinkResponse = 0x0C,
    /// A sealed user identity (PROTOCOL.md §18.6).
    SealedUserIdentity = 0x0D,
    /// A group message (PROTOCOL.md §21.5).
    GroupMessage = 0x0E,
    /// A group chain distribution (PROTOCOL.md §21.4).
    GroupDistribution = 0x0F,
    /// A sealed group (PROTOCOL.md §21.9).
    SealedGroup = 0x10,
    /// A sealed contact: a person's device list and one session record
    /// per device (PROTOCOL.md §20.6).
    SealedContact = 0x11,
    /// A normal message of ratchet version 2, with the KEM field
    /// (PROTOCOL.md §22.3).
    MessageV2 = 0x12,
    /// A prekey bundle advertising capabilities (PROTOCOL.md §22.2).
    PrekeyBundleV2 = 0x13,
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
///
/// Every layout of PROTOCOL.md §3, §4, §7 and §9 is decoded with it. Decoders
/// end with [`finish`](Self::finish) (or use [`decode`](Self::decode)), so
/// trailing bytes are rejected everywhere; a layout whose last field runs to
/// the end takes it with [`rest`](Self::rest).
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Decodes all of `bytes` with `read`: [`Error::TrailingBytes`] when
    /// `read` leaves any unread.
    pub(crate) fn decode<T>(
        bytes: &'a [u8],
        read: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let mut reader = Reader::new(bytes);
        let value = read(&mut reader)?;
        reader.finish()?;
        Ok(value)
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

    /// Takes the next `n` bytes (the same as [`take`](Self::take)).
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        self.take(n)
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

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a flag byte: 0 is false, 1 is true, anything else is malformed.
    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }

    /// Reads `flag || [value]`: the value only when the flag is set.
    pub(crate) fn optional<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.flag()? {
            Ok(Some(read(self)?))
        } else {
            Ok(None)
        }
    }

    /// Reads a `u16` count and rejects one above `max` ([`Error::TooLarge`])
    /// before anything is allocated.
    pub(crate) fn count_u16(&mut self, max: usize) -> Result<usize> {
        let count = usize::from(self.u16()?);
        if count > max {
            return Err(Error::TooLarge);
        }
        Ok(count)
    }

    /// Reads a `u8` count and rejects one above `max` ([`Error::TooLarge`]).
    pub(crate) fn count_u8(&mut self, max: usize) -> Result<usize> {
        let count = usize::from(self.u8()?);
        if count > max {
            return Err(Error::TooLarge);
        }
        Ok(count)
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

/// Reads a `u16` count and rejects one above `max` before anything is
/// allocated (the same as [`Reader::count_u16`]).
pub(crate) fn bounded_count(reader: &mut Reader<'_>, max: usize) -> Result<usize> {
    reader.count_u16(max)
}

/// A length as a `u16` field: [`Error::TooLarge`] when it does not fit,
/// never truncated or saturated.
pub(crate) fn len_u16(len: usize) -> Result<u16> {
    u16::try_from(len).map_err(|_| Error::TooLarge)
}

/// A length as a `u8` field: [`Error::TooLarge`] when it does not fit.
pub(crate) fn len_u8(len: usize) -> Result<u8> {
    u8::try_from(len).map_err(|_| Error::TooLarge)
}

/// Writing helpers on `Vec<u8>`. Nothing here truncates or saturates: a
/// length that does not fit its field is [`Error::TooLarge`].
pub(crate) trait Writer {
    fn put(&mut self, bytes: &[u8]);
    fn put_u8(&mut self, value: u8);
    fn put_u16(&mut self, value: u16);
    fn put_u32(&mut self, value: u32);
    fn put_u64(&mut self, value: u64);
    fn put_flag(&mut self, value: bool);
    /// Writes `flag || [value]`.
    fn put_optional(&mut self, value: Option<&[u8]>) {
        self.put_flag(value.is_some());
        if let Some(value) = value {
            self.put(value);
        }
    }
    /// Writes a count as a `u16`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] when `count > u16::MAX`; nothing is written then.
    fn put_count_u16(&mut self, count: usize) -> Result<()> {
        self.put_u16(len_u16(count)?);
        Ok(())
    }
    /// Writes a count as a `u8`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] when `count > u8::MAX`; nothing is written then.
    fn put_count_u8(&mut self, count: usize) -> Result<()> {
        self.put_u8(len_u8(count)?);
        Ok(())
    }
    /// Writes a `u16` length and the bytes.
    ///
    /// # Errors
    /// [`Error::TooLarge`] when `bytes` is longer than `u16::MAX`; nothing
    /// is written then.
    fn put_bytes_u16(&mut self, bytes: &[u8]) -> Result<()> {
        self.put_count_u16(bytes.len())?;
        self.put(bytes);
        Ok(())
    }
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
    fn put_u64(&mut self, value: u64) {
        self.extend_from_slice(&value.to_be_bytes());
    }
    fn put_flag(&mut self, value: bool) {
        self.push(u8::from(value));
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
    fn lengths_never_truncate() {
        let mut out = Vec::new();
        assert_eq!(out.put_bytes_u16(&[7; 3]), Ok(()));
        assert_eq!(out, [0, 3, 7, 7, 7]);
        let long = alloc::vec![0u8; usize::from(u16::MAX) + 1];
        assert_eq!(out.put_bytes_u16(&long), Err(Error::TooLarge));
        assert_eq!(out.put_count_u8(256), Err(Error::TooLarge));
        assert_eq!(out.len(), 5, "a failed write writes nothing");
        assert_eq!(len_u16(65_535), Ok(u16::MAX));
    }

    #[test]
    fn counts_and_decode_are_bounded_and_complete() {
        assert_eq!(Reader::new(&[0, 3]).count_u16(2), Err(Error::TooLarge));
        assert_eq!(Reader::new(&[0, 2]).count_u16(2), Ok(2));
        assert_eq!(Reader::new(&[6]).count_u8(5), Err(Error::TooLarge));
        assert_eq!(
            Reader::decode(&[1, 2], |r| r.u8()),
            Err(Error::TrailingBytes)
        );
        assert_eq!(Reader::decode(&[0], |r| r.optional(|r| r.u8())), Ok(None));
        assert_eq!(
            Reader::decode(&[1, 9], |r| r.optional(|r| r.u8())),
            Ok(Some(9))
        );
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
