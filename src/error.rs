//! The one error type of the crate, with stable numeric codes.
//!
//! Codes are part of the public contract: the WASM and C bindings expose them,
//! and applications may persist or log them. A code is never reused for a
//! different meaning. Codes 1–99 belong to the core; 100–199 are reserved for
//! the bindings (null pointers, freed handles, wrong argument types).

use core::fmt;

/// Everything that can go wrong in Sotto.
///
/// Every variant maps to a stable [`code`](Error::code). Variants carry no
/// secret data, so errors may be logged freely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before a complete structure could be read.
    Truncated,
    /// The input had bytes left over after a complete structure.
    TrailingBytes,
    /// The input starts with a format version this library does not know.
    UnsupportedVersion,
    /// The input is a different kind of object than the call expects
    /// (for example a sealed account passed where a sealed session is expected).
    WrongObjectType,
    /// A field has a value outside its allowed set (an unknown flag or tag byte).
    Malformed,
    /// A public key is not a valid encoding of the expected key type.
    InvalidKey,
    /// An X25519 computation produced the all-zero output (a low-order public key).
    NonContributory,
    /// An Ed25519 signature did not verify under strict rules.
    BadSignature,
    /// Authentication of a ciphertext failed: it was tampered with, truncated,
    /// or is not addressed to this session.
    DecryptionFailed,
    /// The message was already decrypted (or its key has been evicted).
    DuplicateMessage,
    /// The message is further ahead in its chain than the skipped-key bound allows.
    TooFarAhead,
    /// A prekey message names a prekey this account does not hold (never had it,
    /// already consumed, or rotated out).
    UnknownPrekey,
    /// A prekey message belongs to a different session than the one asked to decrypt it.
    SessionMismatch,
    /// An input or output exceeds a documented size limit.
    TooLarge,
    /// A decrypted plaintext has invalid padding.
    InvalidPadding,
    /// Sealed state did not authenticate: wrong storage key or corrupted bytes.
    UnsealFailed,
    /// The random number generator failed.
    Randomness,
    /// A counter or store reached a documented limit.
    LimitExceeded,
    /// A caller-supplied argument is invalid (for example an over-long context).
    InvalidArgument,
}

impl Error {
    /// The stable numeric code of this error (1–99).
    pub const fn code(self) -> u32 {
        match self {
            Error::Truncated => 1,
            Error::TrailingBytes => 2,
            Error::UnsupportedVersion => 3,
            Error::WrongObjectType => 4,
            Error::Malformed => 5,
            Error::InvalidKey => 6,
            Error::NonContributory => 7,
            Error::BadSignature => 8,
            Error::DecryptionFailed => 9,
            Error::DuplicateMessage => 10,
            Error::TooFarAhead => 11,
            Error::UnknownPrekey => 12,
            Error::SessionMismatch => 13,
            Error::TooLarge => 14,
            Error::InvalidPadding => 15,
            Error::UnsealFailed => 16,
            Error::Randomness => 17,
            Error::LimitExceeded => 18,
            Error::InvalidArgument => 19,
        }
    }

    /// The error with the given code, if it is a core code.
    pub const fn from_code(code: u32) -> Option<Error> {
        Some(match code {
            1 => Error::Truncated,
            2 => Error::TrailingBytes,
            3 => Error::UnsupportedVersion,
            4 => Error::WrongObjectType,
            5 => Error::Malformed,
            6 => Error::InvalidKey,
            7 => Error::NonContributory,
            8 => Error::BadSignature,
            9 => Error::DecryptionFailed,
            10 => Error::DuplicateMessage,
            11 => Error::TooFarAhead,
            12 => Error::UnknownPrekey,
            13 => Error::SessionMismatch,
            14 => Error::TooLarge,
            15 => Error::InvalidPadding,
            16 => Error::UnsealFailed,
            17 => Error::Randomness,
            18 => Error::LimitExceeded,
            19 => Error::InvalidArgument,
            _ => return None,
        })
    }

    /// A short stable identifier, e.g. `"DUPLICATE_MESSAGE"`.
    pub const fn name(self) -> &'static str {
        match self {
            Error::Truncated => "TRUNCATED",
            Error::TrailingBytes => "TRAILING_BYTES",
            Error::UnsupportedVersion => "UNSUPPORTED_VERSION",
            Error::WrongObjectType => "WRONG_OBJECT_TYPE",
            Error::Malformed => "MALFORMED",
            Error::InvalidKey => "INVALID_KEY",
            Error::NonContributory => "NON_CONTRIBUTORY",
            Error::BadSignature => "BAD_SIGNATURE",
            Error::DecryptionFailed => "DECRYPTION_FAILED",
            Error::DuplicateMessage => "DUPLICATE_MESSAGE",
            Error::TooFarAhead => "TOO_FAR_AHEAD",
            Error::UnknownPrekey => "UNKNOWN_PREKEY",
            Error::SessionMismatch => "SESSION_MISMATCH",
            Error::TooLarge => "TOO_LARGE",
            Error::InvalidPadding => "INVALID_PADDING",
            Error::UnsealFailed => "UNSEAL_FAILED",
            Error::Randomness => "RANDOMNESS",
            Error::LimitExceeded => "LIMIT_EXCEEDED",
            Error::InvalidArgument => "INVALID_ARGUMENT",
        }
    }

    /// A message that tells a developer what happened and what to do about it.
    pub const fn message(self) -> &'static str {
        match self {
            Error::Truncated => {
                "input ended early; pass the complete bytes exactly as produced by the sender"
            }
            Error::TrailingBytes => {
                "input has extra bytes after the object; do not concatenate or pad encoded objects"
            }
            Error::UnsupportedVersion => {
                "unknown format version; the sender runs a newer or incompatible Sotto"
            }
            Error::WrongObjectType => {
                "this is a different kind of object than the call expects (e.g. a message where a bundle was expected)"
            }
            Error::Malformed => {
                "a field has an invalid value: the bytes were corrupted or forged, or the peer sent from an outdated restored copy of its session"
            }
            Error::InvalidKey => "a public key is not valid for its type",
            Error::NonContributory => {
                "a Diffie-Hellman key is of low order; the peer's key is invalid or malicious"
            }
            Error::BadSignature => {
                "a signature does not verify; the bundle or identity was forged or corrupted"
            }
            Error::DecryptionFailed => {
                "authentication failed: the message was tampered with or belongs to another session"
            }
            Error::DuplicateMessage => {
                "this message was already decrypted (replay) or its key was evicted"
            }
            Error::TooFarAhead => {
                "the message skips more messages than allowed; it may be forged, or too many were lost"
            }
            Error::UnknownPrekey => {
                "the prekey this message uses is not held by this account (consumed, rotated out or never published)"
            }
            Error::SessionMismatch => {
                "this prekey message belongs to another session; route it by its session id"
            }
            Error::TooLarge => "input or output exceeds a documented size limit",
            Error::InvalidPadding => "decrypted plaintext has invalid padding",
            Error::UnsealFailed => {
                "sealed state did not authenticate: wrong storage key or corrupted bytes"
            }
            Error::Randomness => "the random number generator failed",
            Error::LimitExceeded => "a counter or bounded store reached its documented limit",
            Error::InvalidArgument => {
                "an argument is invalid (see the function's documentation for its limits)"
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (sotto error {}): {}",
            self.name(),
            self.code(),
            self.message()
        )
    }
}

impl core::error::Error for Error {}

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = [false; 100];
        for code in 0..200 {
            if let Some(error) = Error::from_code(code) {
                assert_eq!(error.code(), code);
                let slot = seen.get_mut(code as usize).unwrap();
                assert!(!*slot, "code {code} used twice");
                *slot = true;
                assert!(!error.message().is_empty());
                assert!(alloc::format!("{error}").contains(error.name()));
            }
        }
        assert_eq!(seen.iter().filter(|s| **s).count(), 19);
    }
}
