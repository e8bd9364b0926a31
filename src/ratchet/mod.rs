//! The Double Ratchet with header encryption (PROTOCOL.md §6).
//!
//! This follows "The Double Ratchet Algorithm" (Perrin and Marlinspike, 2016),
//! §4 "Double Ratchet with header encryption", with three deliberate choices
//! that PROTOCOL.md §6 specifies:
//!
//! 1. **Lazy sending step.** On receiving a new ratchet key the receiving half
//!    of the DH ratchet step runs at once; the sending half (fresh key pair,
//!    new sending chain) runs at the next encryption. The messages on the wire
//!    are identical to the eager form, but decryption never needs randomness,
//!    which makes it deterministic and easy to keep transactional.
//! 2. **One random 192-bit nonce per message**, used for XChaCha20-Poly1305
//!    under the header key (header) and under the message key (body). Keys
//!    are derived deterministically from the chain, so a session restored from
//!    an old backup re-derives keys it already used; random nonces make that
//!    harmless (no key/nonce pair repeats).
//! 3. **Transactional decryption.** Every decryption is planned from `&self`
//!    and committed only after the body authenticates. A failure of any kind
//!    leaves the state exactly as it was.
//!
//! | file | PROTOCOL.md |
//! |---|---|
//! | `kdf.rs` | §6.1 KDF_RK, KDF_CK; root, chain, header and message key types |
//! | `chain.rs` | §6.2 sending and receiving chains, skipped-key stores, §6.6 |
//! | `header.rs` | §6.4/§6.5 header codec and header encryption |
//! | `state.rs` | §6.2–§6.5 the state machine, one function per step |
//! | `persist.rs` | §9.2 the ratchet fields of the sealed session state |
//! | `pq/` | §22 the KEM ratchet of ratchet version 2 |

mod chain;
mod header;
mod kdf;
mod persist;
pub mod pq;
mod state;

#[cfg(any(test, feature = "hazmat"))]
pub use header::HEADER_LEN;
#[cfg(any(test, feature = "hazmat"))]
pub use header::HEADER_V2_LEN;
#[cfg(any(test, feature = "hazmat"))]
pub use header::Header;
pub use header::{ENCRYPTED_HEADER_LEN, ENCRYPTED_HEADER_V2_LEN};
#[cfg(any(test, feature = "hazmat"))]
pub use kdf::ChainKey;
pub use kdf::{HeaderKey, MessageKey, RootKey};
pub(crate) use state::Ratchet;
pub use state::{ReceiveStep, SendStep};
