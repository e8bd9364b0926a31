//! People and their devices (PROTOCOL.md §18).
//!
//! A person has one **user identity**: an Ed25519 key pair that never signs
//! messages, only the person's **device list** (which device identities are
//! theirs, under a version that only increases) and **device certificates**
//! (one device's proof that it belongs to the person). A server stores and
//! hands out the signed list but cannot change it: a device it adds on its
//! own (a "ghost device") fails the signature check
//! ([`Error::BadSignature`](crate::Error::BadSignature)), and an older list
//! replayed to bring a removed device back fails the version check
//! ([`Error::Rollback`](crate::Error::Rollback)).
//!
//! ```
//! use sotto::person::{DeviceList, UserIdentity};
//! use sotto::{Account, OsRng};
//!
//! // Bob's phone creates his user identity and lists itself.
//! let phone = Account::new(&mut OsRng)?;
//! let mut bob = UserIdentity::new(&mut OsRng)?;
//! let list = bob.sign_device_list(&[(1, phone.identity_key().clone())], &[], 1_700_000_000)?;
//! // ... upload list.to_bytes() to the server; only once it is stored:
//! bob.commit_device_list(&list)?;
//!
//! // Alice fetches Bob's list, having learnt his user key when she verified him.
//! let held = DeviceList::from_bytes(&list.to_bytes(), &bob.public_key())?;
//!
//! // Bob adds a laptop; Alice learns exactly what changed.
//! let laptop = Account::new(&mut OsRng)?;
//! let next = bob.sign_device_list(&[(2, laptop.identity_key().clone())], &[], 1_700_000_100)?;
//! bob.commit_device_list(&next)?;
//! let (held, change) = held.update(&next.to_bytes())?;
//! assert_eq!(change.added.len(), 1);
//! assert_eq!(held.version(), 2);
//! # Ok::<(), sotto::Error>(())
//! ```

mod certificate;
mod list;
mod user;
#[cfg(test)]
mod vectors;

pub use certificate::{DEVICE_CERTIFICATE_LEN, DeviceCertificate};
pub use list::{DEVICE_ENTRY_LEN, DeviceEntry, DeviceList, DeviceListChange, MAX_DEVICES};
pub use user::{USER_IDENTITY_KEY_LEN, UserIdentity, UserIdentityKey};

/// Domain label of a device list's signature.
pub(crate) const DEVICE_LIST_LABEL: &[u8] = b"Sotto v1 device list";
/// Domain label of a device certificate's signature.
pub(crate) const DEVICE_CERTIFICATE_LABEL: &[u8] = b"Sotto v1 device certificate";
