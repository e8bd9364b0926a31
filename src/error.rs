//! The one error type of the crate, with stable numeric codes.
//!
//! Codes are part of the public contract: the WASM and C bindings expose them,
//! and applications may persist or log them. A code is never reused for a
//! different meaning. Codes 1–99 belong to the core; 100–199 belong to the
//! bindings (null pointers, freed handles, wrong argument types) and are
//! listed in [`BindingError`], one table for the C ABI and the npm package.
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
    /// A message came from a copy of the peer's session that was restored
    /// from sealed state older than a ratchet step it had already taken: its
    /// header opens under the current receiving header key but names an
    /// older ratchet key (PROTOCOL.md §6.5 step 4). Such a message can never
    /// be decrypted; the peer must not restore stale sessions (it should
    /// start a new session instead).
    21 => StaleSession, "STALE_SESSION",
        "the peer sent this from an outdated restored copy of its session; it can never be decrypted: ask the peer to start a new session and to persist its session after every call";
    /// An internal invariant of Sotto was violated. This is a bug in Sotto,
    /// not in the caller's input; the operation changed nothing.
    22 => Internal, "INTERNAL",
        "an internal invariant of Sotto was violated (a bug in Sotto, please report it); nothing was changed";
    /// A prekey message was made by another identity than the one the caller
    /// said it expects ([`Session::accept_from`](crate::Session::accept_from)).
    /// The account was not changed.
    23 => IdentityMismatch, "IDENTITY_MISMATCH",
        "the prekey message comes from another identity than the expected one; the account was not changed: drop the message or check which contact it is from";
    /// A device list is not newer than the one already held: a lower
    /// version (a server replaying an old list to bring back a removed
    /// device or hide a new one), or the same version with other content (a
    /// server showing two different lists under one version). Keep the list
    /// you hold (PROTOCOL.md §18.4).
    24 => Rollback, "ROLLBACK",
        "this device list is older than the one held (or another list under the same version); keep the current list and treat the server as suspect";
    /// A link offer is past its expiry time (PROTOCOL.md §19).
    25 => Expired, "EXPIRED",
        "the link offer has expired; show a fresh QR code on the new device and scan it again";
    /// Every chunk of an attachment authenticated, but the whole ciphertext
    /// is not the one its descriptor's digest commits to (PROTOCOL.md §16.6).
    /// Only the sender, who holds the file key, can make such a file:
    /// downloading it again will not help.
    26 => DigestMismatch, "DIGEST_MISMATCH",
        "the attachment's chunks authenticate but the file differs from the digest in its descriptor; the sender made two different files under one key, do not retry";
    /// Linking a new device failed: the response does not authenticate
    /// under the offer (tampered, made for another offer, or with another QR
    /// secret), or the offer was already used (PROTOCOL.md §19). Nothing was
    /// changed.
    27 => LinkFailed, "LINK_FAILED",
        "linking failed: the response was tampered with, belongs to another QR code, or the offer was already used; start again with a fresh QR code";
    /// A message to or from a person's device that is not in the person's
    /// verified device list, or whose session identity differs from the
    /// identity the list names for that device (a reinstall or an impostor),
    /// or a device of a list that is not its person's (PROTOCOL.md §20).
    /// Nothing was changed: fetch the person's current device list, import
    /// it, and try again; if the list does not name the device, drop the
    /// message.
    28 => UnknownDevice, "UNKNOWN_DEVICE",
        "the device is not in the person's verified device list, or its identity differs from the one the list names; import the person's current device list and retry, else drop the message (nothing was changed)";
    /// A group message names a sender chain (sender device, epoch, chain
    /// number) this group state does not hold (PROTOCOL.md §21.6). Read
    /// the sender and epoch with
    /// [`GroupMessage::parse`](crate::group::GroupMessage::parse) and ask
    /// that device to send its chain distribution again; nothing changed.
    29 => UnknownSenderChain, "UNKNOWN_SENDER_CHAIN",
        "no key chain for this group message's sender and epoch; parse the message for its sender and epoch and ask that device to send its chain again (nothing was changed)";
    /// A group message or chain distribution belongs to an epoch this group
    /// state no longer keeps, or comes from a device that is not a member in
    /// this state's view of the group (PROTOCOL.md §21.6, §21.7).
    30 => EpochMismatch, "EPOCH_MISMATCH",
        "the group message or chain belongs to an epoch that was dropped, or to a device that is not a member in this view of the group; apply pending membership changes, or drop it";
    /// A message of ratchet version 2 mixes the secret of a KEM exchange
    /// this session does not hold (PROTOCOL.md §22.6): one side runs a
    /// session restored from before that exchange. Nothing changed; such a
    /// message can never be decrypted, start a new session.
    31 => KemMismatch, "KEM_MISMATCH",
        "the message mixes a post-quantum key exchange this session does not hold (a session restored from an old copy on one side); nothing changed, start a new session";
}

/// Generates [`BindingError`] from one table of
/// `code, Variant, "NAME", "message", bindings` rows.
macro_rules! binding_table {
    ($(
        $(#[doc = $doc:literal])+
        $code:literal => $variant:ident, $name:literal, $message:literal, $c:literal, $js:literal;
    )+) => {
        /// The status codes 100–199 of the bindings (C ABI and npm package).
        ///
        /// The bindings report these themselves (a NULL pointer, a freed
        /// object, a trap); the core never returns them. They live here, next
        /// to [`Error`], so that both bindings take their numbers, names and
        /// messages from one table: a meaning shared by both bindings has one
        /// code, a meaning of one binding only has a code the other never
        /// uses. The C header and the npm package are tested against
        /// [`BindingError::ALL`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum BindingError {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl BindingError {
            /// Every binding code, in code order.
            pub const ALL: &'static [BindingError] = &[$(BindingError::$variant),+];

            /// The stable numeric code (100–199).
            pub const fn code(self) -> u32 {
                match self { $(BindingError::$variant => $code,)+ }
            }

            /// The binding code with this number, if any.
            pub const fn from_code(code: u32) -> Option<BindingError> {
                match code { $($code => Some(BindingError::$variant),)+ _ => None }
            }

            /// A short stable identifier, e.g. `"REENTRANT"`.
            pub const fn name(self) -> &'static str {
                match self { $(BindingError::$variant => $name,)+ }
            }

            /// A message that tells a developer what happened and what to do.
            pub const fn message(self) -> &'static str {
                match self { $(BindingError::$variant => $message,)+ }
            }

            /// Whether the C ABI (`libsotto`) reports this code.
            pub const fn in_c(self) -> bool {
                match self { $(BindingError::$variant => $c,)+ }
            }

            /// Whether the npm package reports this code.
            pub const fn in_js(self) -> bool {
                match self { $(BindingError::$variant => $js,)+ }
            }
        }
    };
}

binding_table! {
    /// C: a required pointer argument was NULL.
    100 => NullPointer, "NULL_POINTER",
        "a required pointer argument is NULL", true, false;
    /// A handle or object that is not live: never created by Sotto, or
    /// already freed (C: `sotto_*_free`; JS: `free()` or `Symbol.dispose`).
    101 => InvalidHandle, "INVALID_HANDLE",
        "not a live object: it was never created by Sotto, or was already freed", true, true;
    /// C: the handle is live but of another kind.
    102 => WrongHandleKind, "WRONG_HANDLE_KIND",
        "the handle is of another kind than the function expects (e.g. a session where an account is expected)", true, false;
    /// C: an input that must hold bytes has length 0.
    103 => ZeroLength, "ZERO_LENGTH",
        "an input that must hold bytes has length 0", true, false;
    /// C: a fixed-length input has another length.
    104 => WrongLength, "WRONG_LENGTH",
        "an input has the wrong length for its fixed size (see the header's SOTTO_*_LEN constants)", true, false;
    /// C: a caller-provided output array is smaller than documented.
    105 => BufferTooSmall, "BUFFER_TOO_SMALL",
        "the output array is smaller than the documented size", true, false;
    /// C: `sotto_buffer_free` got a buffer the library did not allocate.
    106 => InvalidBuffer, "INVALID_BUFFER",
        "this buffer was not allocated by libsotto, was already freed, or its length was modified", true, false;
    /// A bug in Sotto stopped a call half-way (C: a panic caught at the
    /// boundary; JS: a WebAssembly trap, after which the module restarts and
    /// earlier objects are lost).
    107 => Panic, "PANIC",
        "internal failure (a bug in Sotto, or out of memory) stopped the call; in JavaScript the module was restarted and every earlier Sotto object must be restored from sealed state; please report this bug", true, true;
    /// C: the handle was in use when a panic was caught; it can only be freed.
    108 => Poisoned, "POISONED",
        "this handle was in use when an internal error occurred; free it and restore from sealed state", true, false;
    /// Sotto was called from inside its own randomness source (C: a
    /// `sotto_rng` callback; JS: `crypto.getRandomValues`).
    109 => Reentrant, "REENTRANT",
        "Sotto was called from inside its own random-number source while another Sotto call was running; this is not allowed", true, true;
    /// C: an output argument overlaps an input or another output.
    110 => AliasedOutput, "ALIASED_OUTPUT",
        "an output argument overlaps an input or another output of the call; nothing was written: pass separate memory for each output", true, false;
    /// JS: an argument has the wrong JavaScript type.
    111 => WrongArgumentType, "WRONG_ARGUMENT_TYPE",
        "an argument has the wrong type; see the TypeScript declarations of the call", false, true;
    /// JS: the WebAssembly module is not loaded yet.
    112 => NotInitialized, "NOT_INITIALIZED",
        "the WebAssembly module is not loaded yet; await init() first (the Node entry needs no init)", false, true;
    /// JS: the WebAssembly module could not be loaded.
    113 => InitFailed, "INIT_FAILED",
        "the WebAssembly module could not be loaded; check the URL, the Content-Type (application/wasm) or the bytes given to init()", false, true;
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

    #[test]
    fn binding_codes_are_unique_dense_and_used() {
        for (position, error) in BindingError::ALL.iter().enumerate() {
            assert_eq!(error.code() as usize, 100 + position, "dense, in order");
            assert_eq!(BindingError::from_code(error.code()), Some(*error));
            assert!(
                error.in_c() || error.in_js(),
                "{error:?} used by no binding"
            );
            assert!(!error.message().is_empty());
            assert!(Error::ALL.iter().all(|core| core.name() != error.name()));
        }
        assert!(BindingError::ALL.len() < 100);
        assert_eq!(BindingError::from_code(99), None);
        assert_eq!(Error::from_code(100), None);
    }
}
