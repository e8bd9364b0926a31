//! Link offers: the QR payload of the new device (PROTOCOL.md §19.1) and
//! the primary's answer to it (§19.2).

use super::response::{LinkResponse, LinkedDevice, open_response};
use super::{
    LINK_SECRET_LEN, LinkContact, MAX_LINK_CONTACTS, MAX_LINK_TTL, derive, response_ad,
    transcript_hash,
};
use crate::account::Account;
use crate::bundle::write_kem_key;
use crate::keys::{IDENTITY_RECORD_LEN, IdentityKey, encode_x25519, read_x25519};
use crate::person::{DeviceCertificate, UserIdentity};
use crate::primitives::aead::{self, Algorithm, XNONCE_LEN};
use crate::primitives::{Secret, kem, random_array, x25519};
use crate::wire::{self, KEY_TYPE_ML_KEM_768, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Length of the QR payload: `2 + 33 + 1185 + 16 + 8 + 130` = 1,374 bytes.
pub const LINK_OFFER_LEN: usize =
    2 + 33 + 1 + kem::PUBLIC_KEY_LEN + LINK_SECRET_LEN + 8 + IDENTITY_RECORD_LEN;

/// The new device's side of linking: its fresh keys and QR secret.
///
/// Single use: after one successful [`complete`](Self::complete) the keys
/// are gone and every later response fails with
/// [`Error::LinkFailed`]. Private keys and the secret are zeroized on drop;
/// `Debug` is redacted.
pub struct LinkOffer {
    x25519: x25519::PrivateKey,
    kem: kem::PrivateKey,
    secret: Secret<LINK_SECRET_LEN>,
    identity: IdentityKey,
    expires_at: u64,
    bytes: Vec<u8>,
    used: bool,
}

impl fmt::Debug for LinkOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkOffer")
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

impl LinkOffer {
    /// Makes an offer for `account` (the new device), valid until
    /// `now + ttl` seconds. Draws, in order: the X25519 private key (32),
    /// the ML-KEM-768 seed (64) and the QR secret (16).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `ttl` of 0 or above [`MAX_LINK_TTL`],
    /// or when `now + ttl` overflows; [`Error::Randomness`].
    pub fn new<R: TryCryptoRng + ?Sized>(
        account: &Account,
        now: u64,
        ttl: u64,
        rng: &mut R,
    ) -> Result<Self> {
        if ttl == 0 || ttl > MAX_LINK_TTL {
            return Err(Error::InvalidArgument);
        }
        let expires_at = now.checked_add(ttl).ok_or(Error::InvalidArgument)?;
        let x25519 = x25519::PrivateKey::generate(rng)?;
        let kem = kem::PrivateKey::generate(rng)?;
        let secret = Secret::from_bytes(random_array(rng)?);
        let identity = account.identity_key().clone();
        let mut bytes = Vec::with_capacity(LINK_OFFER_LEN);
        wire::write_header(&mut bytes, Kind::LinkOffer);
        bytes.put(&encode_x25519(&x25519.public_key()));
        write_kem_key(&mut bytes, &kem.public_key());
        bytes.put(secret.expose());
        bytes.put_u64(expires_at);
        identity.write(&mut bytes);
        Ok(LinkOffer {
            x25519,
            kem,
            secret,
            identity,
            expires_at,
            bytes,
            used: false,
        })
    }

    /// The bytes to show as a QR code (kind `0x0B`, [`LINK_OFFER_LEN`]
    /// bytes). They include the QR secret: show them only on this device's
    /// screen.
    pub fn qr_payload(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// When the offer expires (the caller's clock, seconds).
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Whether a response already completed this offer.
    pub const fn is_used(&self) -> bool {
        self.used
    }

    /// Opens the primary's response and checks everything it carries; on
    /// success the offer is used up.
    ///
    /// # Errors
    /// In this order: [`Error::LinkFailed`] when the offer was already used;
    /// [`Error::Expired`] when `now` is past the expiry; [`Error::TooLarge`],
    /// the header's errors, [`Error::InvalidKey`] and [`Error::Truncated`]
    /// for a response that is not one; [`Error::LinkFailed`] when it does
    /// not authenticate (tampered, made for another offer or with another QR
    /// secret); then the errors of the payload's checks (PROTOCOL.md §19.3).
    /// Nothing changes on error.
    pub fn complete(&mut self, response: &[u8], now: u64) -> Result<LinkedDevice> {
        if self.used {
            return Err(Error::LinkFailed);
        }
        if now > self.expires_at {
            return Err(Error::Expired);
        }
        let linked = open_response(
            response,
            &self.bytes,
            &self.x25519,
            &self.kem,
            &self.secret,
            &self.identity,
        )?;
        self.used = true;
        self.x25519 = x25519::PrivateKey::from_bytes([0; 32]);
        self.secret = Secret::from_bytes([0; LINK_SECRET_LEN]);
        Ok(linked)
    }
}

/// An offer scanned by the primary device: checked, not yet answered.
///
/// `Debug` is redacted (the offer carries the QR secret).
#[derive(Clone)]
pub struct ScannedOffer {
    x25519: [u8; 32],
    kem: kem::PublicKey,
    secret: Secret<LINK_SECRET_LEN>,
    expires_at: u64,
    identity: IdentityKey,
    bytes: Vec<u8>,
}

impl fmt::Debug for ScannedOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScannedOffer")
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl ScannedOffer {
    /// Decodes a scanned QR payload and checks its expiry.
    ///
    /// # Errors
    /// The header's errors (kind `0x0B`); [`Error::InvalidKey`] for a wrong
    /// key type byte or an ML-KEM key failing its modulus check, the
    /// identity record's errors; [`Error::Truncated`] /
    /// [`Error::TrailingBytes`]; then [`Error::Expired`] when `now` is past
    /// the offer's expiry.
    pub fn from_qr(bytes: &[u8], now: u64) -> Result<Self> {
        let offer = Reader::decode(bytes, |reader| {
            wire::read_header(reader, Kind::LinkOffer)?;
            let x25519 = read_x25519(reader)?;
            if reader.u8()? != KEY_TYPE_ML_KEM_768 {
                return Err(Error::InvalidKey);
            }
            let kem = kem::PublicKey::from_bytes(&reader.array()?)?;
            let secret = Secret::from_bytes(reader.array()?);
            let expires_at = reader.u64()?;
            let identity = IdentityKey::read(reader)?;
            Ok(ScannedOffer {
                x25519,
                kem,
                secret,
                expires_at,
                identity,
                bytes: bytes.to_vec(),
            })
        })?;
        if now > offer.expires_at {
            return Err(Error::Expired);
        }
        Ok(offer)
    }

    /// The new device's account identity.
    pub const fn identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// When the offer expires.
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Answers the offer: signs `user`'s next device list with the new
    /// device added as `device_id`, certifies it, and encrypts for it the
    /// user key, the list, the certificate and `contacts`. Draws the X25519
    /// private key (32) and the ML-KEM encapsulation randomness (32).
    ///
    /// Pure for `user` (two-phase, as [`UserIdentity::sign_device_list`]):
    /// show [`LinkResponse::code`], and once the person confirmed that both
    /// devices show it and the server stored the list, call
    /// [`UserIdentity::commit_device_list`] with
    /// [`LinkResponse::device_list`].
    ///
    /// # Errors
    /// [`Error::Expired`] when `now` is past the expiry; the errors of
    /// [`UserIdentity::sign_device_list`] (device id taken, identity
    /// already listed, list full); [`Error::TooLarge`] above
    /// [`MAX_LINK_CONTACTS`] contacts or for a name over
    /// [`MAX_CONTACT_NAME_LEN`](super::MAX_CONTACT_NAME_LEN) bytes;
    /// [`Error::NonContributory`] for a low-order X25519 key in the offer;
    /// [`Error::Randomness`].
    pub fn respond<R: TryCryptoRng + ?Sized>(
        &self,
        user: &UserIdentity,
        device_id: u32,
        contacts: &[LinkContact],
        now: u64,
        rng: &mut R,
    ) -> Result<LinkResponse> {
        if now > self.expires_at {
            return Err(Error::Expired);
        }
        let list = user.sign_device_list(&[(device_id, self.identity.clone())], &[], now)?;
        let certificate =
            DeviceCertificate::sign(user, device_id, self.identity.clone(), list.version());
        if contacts.len() > MAX_LINK_CONTACTS {
            return Err(Error::TooLarge);
        }
        let list_bytes = list.to_bytes();
        let mut payload = Zeroizing::new(Vec::with_capacity(
            4 + 33 + 2 + list_bytes.len() + 241 + 2 + contacts.len() * 99,
        ));
        payload.put_u32(device_id);
        payload.put(&user.public_key().to_bytes());
        payload.put_bytes_u16(&list_bytes)?;
        payload.put(&certificate.to_bytes());
        payload.put_count_u16(contacts.len())?;
        for contact in contacts {
            contact.write(&mut payload)?;
        }

        let ephemeral = x25519::PrivateKey::generate(rng)?;
        let (ciphertext, kem_secret) = self.kem.encapsulate(rng)?;
        let dh = ephemeral.diffie_hellman(&self.x25519)?;
        let public = ephemeral.public_key();
        let transcript = transcript_hash(&self.bytes, &public, &ciphertext);
        let (key, code) = derive(&dh, &kem_secret, &self.secret, &transcript);
        let mut bytes = Vec::with_capacity(2 + 33 + kem::CIPHERTEXT_LEN + payload.len() + 16);
        wire::write_header(&mut bytes, Kind::LinkResponse);
        bytes.put(&encode_x25519(&public));
        bytes.put(&ciphertext);
        aead::seal_into(
            Algorithm::XChaCha20Poly1305,
            key.expose(),
            &[0u8; XNONCE_LEN],
            &response_ad(&transcript),
            &payload,
            &mut bytes,
        )?;
        if bytes.len() > super::MAX_LINK_RESPONSE_LEN {
            return Err(Error::TooLarge);
        }
        Ok(LinkResponse {
            bytes,
            code,
            device_list: list,
            certificate,
        })
    }
}
