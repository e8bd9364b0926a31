//! The primitive layer: the only module that touches primitive crates.
//!
//! Everything above this module composes these functions; nothing above it
//! names `curve25519_dalek`, `ed25519_dalek`, `ml_kem`, `chacha20poly1305`,
//! `hkdf` or `hmac`. That keeps the audited surface small, lets the
//! known-answer tests (RFC 7748, RFC 8439, RFC 5869, Wycheproof) exercise
//! exactly the code the protocol runs, and makes a backend swap a local change.
//!
//! **Not for applications.** This module is public only with the
//! off-by-default `hazmat` feature, so that benchmarks, known-answer tests
//! (Wycheproof) and fuzzers can reach it. Applications use
//! [`Account`](crate::Account) and [`Session`](crate::Session).
//!
//! | primitive | crate | policy |
//! |---|---|---|
//! | X25519 | `curve25519-dalek` | all-zero outputs are rejected ([`Error::NonContributory`](crate::Error::NonContributory)) |
//! | Ed25519 | `ed25519-dalek` | strict verification (canonical `S`, no small-order `A` or `R`) |
//! | ML-KEM-768 | `ml-kem` (FIPS 203) | encapsulation keys are validated (modulus check) on import |
//! | HKDF-SHA256, HMAC-SHA256 | `hkdf`, `hmac`, `sha2` (through `sotto-kernels`) | |
//! | (X)ChaCha20-Poly1305 | `chacha20poly1305` (through `sotto-kernels`) | full 16-byte tags only |

pub mod aead;
pub mod ed25519;
pub mod kdf;
pub mod kem;
pub mod x25519;

mod rng;
mod secret;

#[cfg(feature = "getrandom")]
pub use rng::OsRng;
pub use rng::random_array;
pub use secret::Secret;
pub(crate) use secret::{reserve_wiping, wipe_spare_capacity};
