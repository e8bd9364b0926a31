//! Link responses (PROTOCOL.md §19.2, §19.3).

use super::{
    LinkCode, LinkContact, MAX_LINK_CONTACTS, MAX_LINK_RESPONSE_LEN, derive, response_ad,
    transcript_hash,
};
use crate::keys::{IdentityKey, read_x25519};
use crate::person::{DEVICE_CERTIFICATE_LEN, DeviceCertificate, DeviceList, UserIdentityKey};
use crate::primitives::aead::{self, Algorithm, XNONCE_LEN};
use crate::primitives::{Secret, kem, x25519};
use crate::wire::{self, Kind, Reader};
use crate::{Error, Result};
use alloc::vec::Vec;
use zeroize::Zeroizing;

/// The primary device's answer to a scanned offer.
#[derive(Clone, Debug)]
pub struct LinkResponse {
    pub(crate) bytes: Vec<u8>,
    pub(crate) code: LinkCode,
    pub(crate) device_list: DeviceList,
    pub(crate) certificate: DeviceCertificate,
}

impl LinkResponse {
    /// The bytes to send to the new device (kind `0x0C`).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The code to show on the primary device.
    pub const fn code(&self) -> LinkCode {
        self.code
    }

    /// The signed device list with the new device: upload it, then commit
    /// it with [`UserIdentity::commit_device_list`](crate::UserIdentity::commit_device_list)
    /// once the person confirmed the codes match.
    pub const fn device_list(&self) -> &DeviceList {
        &self.device_list
    }

    /// The new device's certificate (also inside the encrypted payload).
    pub const fn certificate(&self) -> &DeviceCertificate {
        &self.certificate
    }
}

/// What a new device learns when linking completes: whose device it now is
/// and what it needs to act as that person.
#[derive(Clone, Debug)]
pub struct LinkedDevice {
    user_key: UserIdentityKey,
    device_id: u32,
    device_list: DeviceList,
    certificate: DeviceCertificate,
    contacts: Vec<LinkContact>,
    code: LinkCode,
}

impl LinkedDevice {
    /// The person's user identity key (public: the signing key stays on the
    /// primary).
    pub const fn user_key(&self) -> &UserIdentityKey {
        &self.user_key
    }

    /// This device's id in the person's list.
    pub const fn device_id(&self) -> u32 {
        self.device_id
    }

    /// The person's device list, with this device in it.
    pub const fn device_list(&self) -> &DeviceList {
        &self.device_list
    }

    /// This device's certificate, to show to the person's contacts.
    pub const fn certificate(&self) -> &DeviceCertificate {
        &self.certificate
    }

    /// The contacts the primary handed over.
    pub fn contacts(&self) -> &[LinkContact] {
        &self.contacts
    }

    /// The code to show on this device: it must equal the primary's.
    pub const fn code(&self) -> LinkCode {
        self.code
    }
}

pub(crate) fn open_response(
    response: &[u8],
    offer: &[u8],
    x25519_key: &x25519::PrivateKey,
    kem_key: &kem::PrivateKey,
    secret: &Secret<{ super::LINK_SECRET_LEN }>,
    identity: &IdentityKey,
) -> Result<LinkedDevice> {
    if response.len() > MAX_LINK_RESPONSE_LEN {
        return Err(Error::TooLarge);
    }
    let mut reader = Reader::new(response);
    wire::read_header(&mut reader, Kind::LinkResponse)?;
    let public = read_x25519(&mut reader)?;
    let ciphertext: [u8; kem::CIPHERTEXT_LEN] = reader.array()?;
    let sealed = reader.rest();
    if sealed.len() < aead::TAG_LEN {
        return Err(Error::Truncated);
    }
    let dh = x25519_key
        .diffie_hellman(&public)
        .map_err(|_| Error::LinkFailed)?;
    let kem_secret = kem_key.decapsulate(&ciphertext);
    let transcript = transcript_hash(offer, &public, &ciphertext);
    let (key, code) = derive(&dh, &kem_secret, secret, &transcript);
    let payload = Zeroizing::new(
        aead::open(
            Algorithm::XChaCha20Poly1305,
            key.expose(),
            &[0u8; XNONCE_LEN],
            &response_ad(&transcript),
            sealed,
        )
        .map_err(|_| Error::LinkFailed)?,
    );
    Reader::decode(&payload, |reader| {
        let device_id = reader.u32()?;
        let user_key = UserIdentityKey::read(reader)?;
        let list_len = usize::from(reader.u16()?);
        let device_list = DeviceList::from_bytes(reader.take(list_len)?, &user_key)?;
        let certificate =
            DeviceCertificate::from_bytes(reader.take(DEVICE_CERTIFICATE_LEN)?, &user_key)?;
        let count = reader.count_u16(MAX_LINK_CONTACTS)?;
        let mut contacts = Vec::with_capacity(count);
        for _ in 0..count {
            contacts.push(LinkContact::read(reader)?);
        }
        // The list names this device, and the certificate certifies it.
        match device_list.device(device_id) {
            Some(entry) if &entry.identity == identity => {}
            _ => return Err(Error::IdentityMismatch),
        }
        if certificate.device_id() != device_id
            || certificate.device_identity() != identity
            || certificate.list_version() != device_list.version()
        {
            return Err(Error::IdentityMismatch);
        }
        Ok(LinkedDevice {
            user_key,
            device_id,
            device_list,
            certificate,
            contacts,
            code,
        })
    })
}
