//! # Sotto
//!
//! The end-to-end encryption core of a messenger's secret chats: accounts with
//! identity keys and signed prekeys, an asynchronous post-quantum hybrid
//! handshake (X25519 + ML-KEM-768, PQXDH-style), a Double Ratchet with header
//! encryption and XChaCha20-Poly1305, bounded out-of-order delivery,
//! transactional decryption, length-hiding padding, safety numbers, and
//! sealed state at rest.
//!
//! Sotto is **sans-IO**: the caller owns storage, transport and randomness;
//! Sotto owns the cryptography. It is `no_std` (with `alloc`), contains no
//! `unsafe` code, and runs natively, in WebAssembly and on microcontrollers.
//! The protocol is specified in `docs/PROTOCOL.md`, with known-answer
//! vectors in `tests/vectors/sotto-v1.json`.
//!
//! ## Quick start
//!
//! ```
//! use sotto::{Account, OsRng, Session, SessionContext, StorageKey};
//!
//! // Each device has an account; Bob publishes a bundle through the server.
//! let alice = Account::new(&mut OsRng)?;
//! let mut bob = Account::new(&mut OsRng)?;
//! bob.generate_one_time_prekeys(20, &mut OsRng)?;
//! let bob_bundle = bob.prekey_bundle()?; // pure: the account is unchanged
//! bob.mark_bundle_published(&bob_bundle); // ... until it is handed out
//! let bundle_bytes = bob_bundle.to_bytes();
//!
//! // Alice starts a session from Bob's bundle and can write at once.
//! let bundle = sotto::PrekeyBundle::from_bytes(&bundle_bytes)?; // verifies signatures
//! let mut alice_session =
//!     Session::initiate(&alice, &bundle, &SessionContext::new(b"alice#1", b"bob#1"), &mut OsRng)?;
//! let first = alice_session.encrypt(b"Are we alone?", &mut OsRng)?;
//!
//! // Bob creates his side from Alice's first message.
//! let (mut bob_session, text) =
//!     Session::accept(&mut bob, &first, &SessionContext::new(b"bob#1", b"alice#1"))?;
//! assert_eq!(text, b"Are we alone?");
//!
//! // They compare safety numbers in person (or scan each other's QR code).
//! assert_eq!(alice_session.safety_number().digits(), bob_session.safety_number().digits());
//!
//! // Replies ratchet forward; state is sealed at rest under a keystore key.
//! let reply = bob_session.encrypt(b"Now we are.", &mut OsRng)?;
//! assert_eq!(alice_session.decrypt(&reply)?, b"Now we are.");
//! let key = StorageKey::generate(&mut OsRng)?;
//! let sealed = bob_session.seal(&key, &mut OsRng)?;
//! assert_eq!(Session::unseal(&key, &sealed)?.id(), bob_session.id());
//! # Ok::<(), sotto::Error>(())
//! ```
//!
//! ## Modules mirror the protocol
//!
//! | module | PROTOCOL.md section |
//! |---|---|
//! | `primitives` | Primitives (public only with the `hazmat` feature) |
//! | [`keys`], [`account`], [`bundle`] | Keys, accounts and prekey bundles |
//! | [`handshake`] | Handshake |
//! | `ratchet` | Double Ratchet with header encryption |
//! | [`message`], [`wire`] | Wire format |
//! | [`padding`] | Padding |
//! | [`sealed`] | Sealed state |
//! | [`fingerprint`] | Safety numbers |
//! | [`record`] | Session records (one peer device, several sessions) |
//! | [`person`] | People and device lists |
//! | [`link`] | Linking a new device |
//! | [`attachment`] | Attachments (streaming, seekable file encryption) |
//! | [`group`] | Groups (sender-key chains, membership, rotation) |
//! | [`limits`] | Bounds |
//! | [`error`] | Errors |
//!
//! With the off-by-default `hazmat` feature, `sotto::primitives` and
//! `sotto::hazmat` (the ratchet's pure step functions and key types) are
//! public too, for known-answer tests, benchmarks and fuzzing. They are not
//! for applications.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod account;
pub mod attachment;
pub mod bundle;
pub mod contact;
pub mod error;
pub mod fingerprint;
pub mod group;
pub mod handshake;
#[cfg(feature = "hazmat")]
pub mod hazmat;
pub mod keys;
pub mod limits;
pub mod link;
pub mod message;
pub mod padding;
pub mod person;
#[cfg(feature = "hazmat")]
pub mod primitives;
// Without `hazmat` the layer is private and the crate uses only part of its
// API (e.g. the RFC 8439 AEAD the Wycheproof tests check): not dead code.
#[cfg(not(feature = "hazmat"))]
#[allow(dead_code)]
mod primitives;
mod ratchet;
pub mod record;
pub mod sealed;
mod session;
pub mod wire;

#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_rules;

pub use account::{Account, OneTimePrekeyReport};
pub use bundle::{
    CAPABILITY_PQ_RATCHET, KemPrekey, KemPrekeyKind, OneTimePrekey, PrekeyBundle, SignedPrekey,
};
pub use error::{BindingError, Error, Result};
pub use fingerprint::SafetyNumber;
pub use handshake::SessionContext;
pub use handshake::SessionId;
pub use keys::IdentityKey;
pub use message::{MessageType, PrekeyMessage, message_type};
pub use padding::Padding;
pub use person::{DeviceCertificate, DeviceList, DeviceListChange, UserIdentity, UserIdentityKey};
#[cfg(feature = "getrandom")]
pub use primitives::OsRng;
pub use record::SessionRecord;
pub use sealed::StorageKey;
pub use session::{Role, Session};

/// The Rust code blocks of README.md, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
