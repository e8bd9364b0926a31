//! Linking a new device to a person by QR code (PROTOCOL.md §19).
//!
//! The new device (for example a browser) makes a [`LinkOffer`] and shows
//! its [`qr_payload`](LinkOffer::qr_payload): a fresh hybrid public key
//! (X25519 + ML-KEM-768), a 16-byte secret, an expiry time and the device's
//! account identity. The person's primary device scans it
//! ([`ScannedOffer::from_qr`]), and [`respond`](ScannedOffer::respond)s:
//! it encapsulates to both public keys, derives keys bound to the whole
//! offer and to the QR secret (only a device that saw the QR knows it), signs
//! the next device list with the new device in it, certifies the new device
//! and sends, encrypted, what the new device needs to act as the person. The
//! new device [`complete`](LinkOffer::complete)s the link. Both display the
//! same 6-digit [`LinkCode`]; the person confirms they match before the
//! primary commits the new list.
//!
//! The user signing key never leaves the primary: a linked device (a
//! browser tab, the easiest device to compromise) can prove that it belongs
//! to the person but can never add a device to the person's list.
//!
//! ```
//! use sotto::link::{LinkContact, LinkOffer, ScannedOffer};
//! use sotto::{Account, OsRng, UserIdentity};
//!
//! let now = 1_700_000_000;
//! // The phone, Bob's primary device, holds his user identity.
//! let phone = Account::new(&mut OsRng)?;
//! let mut bob = UserIdentity::new(&mut OsRng)?;
//! let list = bob.sign_device_list(&[(1, phone.identity_key().clone())], &[], now)?;
//! bob.commit_device_list(&list)?;
//!
//! // The browser shows a QR code ...
//! let browser = Account::new(&mut OsRng)?;
//! let mut offer = LinkOffer::new(&browser, now, 300, &mut OsRng)?;
//! let qr = offer.qr_payload();
//!
//! // ... the phone scans it and answers.
//! let scanned = ScannedOffer::from_qr(&qr, now + 5)?;
//! let response = scanned.respond(&bob, 2, &[], now + 5, &mut OsRng)?;
//!
//! // The browser completes the link; both show the same code.
//! let linked = offer.complete(&response.to_bytes(), now + 6)?;
//! assert_eq!(linked.code(), response.code());
//! println!("confirm on both screens: {}", linked.code());
//!
//! // Once Bob confirms the codes match and the server stored the list:
//! bob.commit_device_list(response.device_list())?;
//! assert_eq!(linked.device_list().version(), 2);
//! # Ok::<(), sotto::Error>(())
//! ```

mod offer;
mod response;
#[cfg(test)]
mod vectors;

pub use offer::{LINK_OFFER_LEN, LinkOffer, ScannedOffer};
pub use response::{LinkResponse, LinkedDevice};

use crate::person::UserIdentityKey;
use crate::primitives::kdf::{hkdf_secret, sha256};
use crate::primitives::{Secret, kem};
use crate::wire::{Reader, Writer};
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

/// Longest time an offer may stay valid (10 minutes): the QR code is shown
/// on a screen, where a camera or a bystander may also see it.
pub const MAX_LINK_TTL: u64 = 600;
/// Length of the QR secret.
pub const LINK_SECRET_LEN: usize = 16;
/// Most contacts a link response carries.
pub const MAX_LINK_CONTACTS: usize = 1024;
/// Longest contact name, in bytes of UTF-8.
pub const MAX_CONTACT_NAME_LEN: usize = 64;
/// Largest link response accepted (128 KiB): a full device list and
/// [`MAX_LINK_CONTACTS`] contacts with the longest names fit.
pub const MAX_LINK_RESPONSE_LEN: usize = 128 * 1024;

pub(crate) const TRANSCRIPT_LABEL: &[u8] = b"Sotto v1 link transcript";
pub(crate) const KDF_LABEL: &[u8] = b"Sotto v1 link";
pub(crate) const RESPONSE_AD_LABEL: &[u8] = b"Sotto v1 link response";

/// The 6-digit code both devices show during linking; the person checks
/// they are equal before the primary commits the new device list.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkCode(u32);

impl LinkCode {
    /// The code as a number below 1,000,000.
    pub const fn value(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for LinkCode {
    /// Six digits, with leading zeros (`"042917"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for LinkCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkCode({self})")
    }
}

/// A contact the primary device hands to the new device, so that the new
/// device knows whom the person already verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkContact {
    /// The contact's user identity key.
    pub user_key: UserIdentityKey,
    /// Whether the person verified the contact's safety number.
    pub verified: bool,
    /// The person's name for the contact (at most
    /// [`MAX_CONTACT_NAME_LEN`] bytes of UTF-8; may be empty).
    pub name: String,
}

impl LinkContact {
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.name.len() > MAX_CONTACT_NAME_LEN {
            return Err(Error::TooLarge);
        }
        out.put(&self.user_key.to_bytes());
        out.put_flag(self.verified);
        out.put_count_u8(self.name.len())?;
        out.put(self.name.as_bytes());
        Ok(())
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let user_key = UserIdentityKey::read(reader)?;
        let verified = reader.flag()?;
        let len = reader.count_u8(MAX_CONTACT_NAME_LEN)?;
        let name = core::str::from_utf8(reader.take(len)?).map_err(|_| Error::Malformed)?;
        Ok(LinkContact {
            user_key,
            verified,
            name: String::from(name),
        })
    }
}

/// The transcript hash: the offer as shown, and the response's public values.
pub(crate) fn transcript_hash(
    offer: &[u8],
    responder_x25519: &[u8; 32],
    kem_ciphertext: &[u8; kem::CIPHERTEXT_LEN],
) -> [u8; 32] {
    sha256(&[
        TRANSCRIPT_LABEL,
        offer,
        &crate::keys::encode_x25519(responder_x25519),
        kem_ciphertext,
    ])
}

/// The response key and the code, from both shared secrets, the QR secret
/// and the transcript.
pub(crate) fn derive(
    dh: &Secret<32>,
    kem_secret: &Secret<32>,
    link_secret: &Secret<LINK_SECRET_LEN>,
    transcript: &[u8; 32],
) -> (Secret<32>, LinkCode) {
    let mut ikm = Zeroizing::new(Vec::with_capacity(96));
    ikm.put(&[0xFF; 32]);
    ikm.put(dh.expose());
    ikm.put(kem_secret.expose());
    let mut info = Vec::with_capacity(KDF_LABEL.len() + 32);
    info.put(KDF_LABEL);
    info.put(transcript);
    let okm: Secret<64> = hkdf_secret(link_secret.expose(), &ikm, &info);
    let (key_bytes, code_bytes) = okm.expose().split_at(32);
    let mut key = Secret::<32>::zeroed();
    key.expose_mut().copy_from_slice(key_bytes);
    let code = code_bytes
        .first_chunk::<8>()
        .map_or(0, |b| u64::from_be_bytes(*b) % 1_000_000);
    // Below 1,000,000, so it fits.
    (key, LinkCode(u32::try_from(code).unwrap_or(0)))
}

/// The associated data of the response's AEAD.
pub(crate) fn response_ad(transcript: &[u8; 32]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(RESPONSE_AD_LABEL.len() + 32);
    ad.put(RESPONSE_AD_LABEL);
    ad.put(transcript);
    ad
}
