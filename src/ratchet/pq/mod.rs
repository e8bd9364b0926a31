//! The post-quantum KEM ratchet of ratchet version 2 (PROTOCOL.md §22).
//!
//! A version-2 session runs an ML-KEM-768 exchange continuously next to the
//! DH ratchet. Each message carries one fixed-size [`KemField`] inside its
//! encrypted header: a 50-byte chunk of the current encapsulation key or
//! ciphertext, a mix marker, or nothing. When an exchange completes, its
//! shared secret is mixed into the root key at the decapsulator's next DH
//! sending step, so that every later message key depends on both ratchets.
//!
//! | file | PROTOCOL.md |
//! |---|---|
//! | `field.rs` | §22.3 the 56-byte KEM field |
//! | `kdf.rs` | §22.4 `KDF_RK2` and the KEM transcript hash |
//! | `assembly.rs` | §22.5 reassembling an encapsulation key or ciphertext from chunks |
//! | `state.rs` | §22.5–§22.6 the KEM state machine, planned and committed |
//! | `persist.rs` | §22.8 the KEM part of sealed session format 2 |

mod assembly;
mod field;
mod kdf;
mod persist;
mod state;

#[cfg(any(test, feature = "hazmat"))]
pub use field::{CHUNK_LEN, CT_CHUNKS, EK_CHUNKS};
pub use field::{FIELD_LEN, KemField};
pub use kdf::Mix;
pub(crate) use kdf::kdf_rk2;
#[cfg(any(test, feature = "hazmat"))]
pub use kdf::transcript_hash;
pub(crate) use persist::MAX_SERIALIZED_LEN;
pub(crate) use state::{KemRatchet, KemSendPlan};
