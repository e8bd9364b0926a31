//! The one error type of the crate, with stable numeric codes.
//!
//! Codes are part of the public contract: the WASM and C bindings expose them,
//! and applications may persist or log them. A code is never reused for a
//! different meaning. Codes 1–99 belong to the core; 100–199 are reserved for
//! the bindings (null pointers, freed handles, wrong argument types).
//!
//! The table below is the only place where a code, its name and its message
//! are written: the `error_table!` macro generates the enum, [`Error::code`],
//! [`Error::from_code`], [`Error::name`], [`Error::message`] and
//! [`Error::ALL`] from it. The C header and the npm package are tested
//! against [`Error::ALL`], so they cannot drift from it.

use core::fmt;

/// Generates [`Error`] and its lookup functions from one table of
/// `code, Variant, "NAME", "message"` rows (each with its rustdoc).
macro_rules! error_table {
    ($(
        $(#[doc = $doc:literal])+
        $code:literal => $variant:ident, $name:literal, $message:literal;
    )+) => {
        /// Everything that can go wrong in Sotto.
        ///
        /// Every variant maps to a stable [`code`](Error::code). Variants carry no
        /// secret data, so errors may be logged freely.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Error {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Error {
            /// Every error, in code order (for bindings and their tests).
            pub const ALL: &'static [Error] = &[$(Error::$variant),+];

            /// The stable numeric code of this error (1–99).
            pub const fn code(self) -> u32 {
                match self { $(Error::$variant => $code,)+ }
            }

            /// The error with the given code, if it is a core code.
            pub const fn from_code(code: u32) -> Option<Error> {
                match code { $($code => Some(Error::$variant),)+ _ => None }
            }

            /// A short stable identifier, e.g. `"DUPLICATE_MESSAGE"`.
            pub const fn name(self) -> &'static str {
                match self { $(Error::$variant => $name,)+ }
            }

            /// A message that tells a developer what happened and what to do about it.
            pub const fn message(self) -> &'static str {
                match self { $(Error::$variant => $message,)+ }
            }
        }
    };
}

error_table! {
    /// The input ended before a complete structure could be read.
    1 => Truncated, "TRUNCATED",
        "input ended early; pass the complete bytes exactly as produced by the sender";
    /// The input had bytes left over after a complete structure.
    2 => TrailingBytes, "TRAILING_BYTES",
        "input has extra bytes after the object; do not concatenate or pad encoded objects";
    /// The input starts with a format version this library does not know.
    3 => UnsupportedVersion, "UNSUPPORTED_VERSION",
        "unknown format version; the sender runs a newer or incompatible Sotto";
    /// The input is a different kind of object than the call expects
    /// (for example a sealed account passed where a sealed session is expected).
    4 => WrongObjectType, "WRONG_OBJECT_TYPE",
        "this is a different kind of object than the call expects (e.g. a message where a bundle was expected)";
    /// A field has a value outside its allowed set (an unknown flag or tag byte).
    5 => Malformed, "MALFORMED",
        "a field has an invalid value: the bytes were corrupted or forged";
    /// A public key is not a valid encoding of the expected key type.
    6 => InvalidKey, "INVALID_KEY",
        "a public key is not valid for its type";
    /// An X25519 computation produced the all-zero output (a low-order public key).
    7 => NonContributory, "NON_CONTRIBUTORY",
        "a Diffie-Hellman key is of low order; the peer's key is invalid or malicious";
    /// An Ed25519 signature did not verify under strict rules.
    8 => BadSignature, "BAD_SIGNATURE",
        "a signature does not verify; the bundle or identity was forged or corrupted";
    /// Authentication of a ciphertext failed: it was tampered with, truncated,
    /// or is not addressed to this session.
    9 => DecryptionFailed, "DECRYPTION_FAILED",
        "authentication failed: the message was tampered with or belongs to another session";
    /// The message was already decrypted (or its key has been evicted).
    10 => DuplicateMessage, "DUPLICATE_MESSAGE",
        "this message was already decrypted (replay) or its key was evicted";
    /// The message is further ahead in its chain than the skipped-key bound allows.
    11 => TooFarAhead, "TOO_FAR_AHEAD",
        "the message skips more messages than allowed; it may be forged, or too many were lost";
    /// A prekey message names a prekey this account does not hold (never had it,
    /// already consumed, or rotated out).
    12 => UnknownPrekey, "UNKNOWN_PREKEY",
        "the prekey this message uses is not held by this account (consumed, rotated out or never published)";
    /// A prekey message belongs to a different session than the one asked to decrypt it.
    13 => SessionMismatch, "SESSION_MISMATCH",
        "this prekey message belongs to another session; route it by its session id";
    /// An input or output exceeds a documented size limit.
    14 => TooLarge, "TOO_LARGE",
        "input or output exceeds a documented size limit";
    /// A decrypted plaintext has invalid padding.
    15 => InvalidPadding, "INVALID_PADDING",
        "decrypted plaintext has invalid padding";
    /// Sealed state did not authenticate: wrong storage key or corrupted bytes.
    16 => UnsealFailed, "UNSEAL_FAILED",
        "sealed state did not authenticate: wrong storage key or corrupted bytes";
    /// The random number generator failed.
    17 => Randomness, "RANDOMNESS",
        "the random number generator failed";
    /// A counter reached a documented limit.
    18 => LimitExceeded, "LIMIT_EXCEEDED",
        "a counter reached its documented limit";
    /// A caller-supplied argument is invalid (for example an over-long context).
    19 => InvalidArgument, "INVALID_ARGUMENT",
        "an argument is invalid (see the function's documentation for its limits)";
    /// The signed prekey a prekey message used has already accepted its
    /// maximum number of sessions ([`MAX_SESSIONS_PER_SIGNED_PREKEY`](crate::limits::MAX_SESSIONS_PER_SIGNED_PREKEY)).
    /// Rotate the signed prekey and publish the new one.
    20 => PrekeyExhausted, "PREKEY_EXHAUSTED",
        "the signed prekey this message uses has accepted its maximum number of sessions; rotate the signed prekey and publish it";
    /// Every chunk of an attachment authenticated, but the whole ciphertext
    /// is not the one its descriptor's digest commits to (PROTOCOL.md §16.6).
    /// Only the sender, who holds the file key, can make such a file:
    /// downloading it again will not help.
    26 => DigestMismatch, "DIGEST_MISMATCH",
        "the attachment's chunks authenticate but the file differs from the digest in its descriptor; the sender made two different files under one key, do not retry";
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
        assert_eq!(seen.iter().filter(|s| **s).count(), Error::ALL.len());
        // Codes are unique and increasing in table order; gaps are allowed
        // (branches reserve ranges of codes while they are developed).
        assert_eq!(Error::ALL.first().map(|e| e.code()), Some(1));
        for pair in Error::ALL.windows(2) {
            assert!(
                pair[0].code() < pair[1].code(),
                "codes increase in table order"
            );
        }
    }
}
