//! Prekey bundles: what a user publishes so that others can start a session
//! with them while they are offline.
//!
//! A bundle is assembled by the server from parts the account uploaded: the
//! identity, the current signed prekey, one ML-KEM prekey (a signed one-time
//! key while any remain, otherwise the signed last-resort key) and, while any
//! remain, one unsigned one-time X25519 prekey. Every signature is checked
//! when a bundle is built or decoded, so a [`PrekeyBundle`] value is always
//! verified: there is no way to start a session from an unverified one.

use crate::keys::{IdentityKey, encode_x25519, read_x25519};
use crate::primitives::{ed25519, kem};
use crate::wire::{self, Hex, KEY_TYPE_ML_KEM_768, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;

pub(crate) const SIGNED_PREKEY_LABEL: &[u8] = b"Sotto v1 signed prekey";
pub(crate) const KEM_PREKEY_LABEL: &[u8] = b"Sotto v1 kem prekey";

/// Which kind of ML-KEM prekey a bundle carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum KemPrekeyKind {
    /// Reused until rotated; used when no one-time KEM prekey is left.
    LastResort = 1,
    /// Used by at most one session, then deleted.
    OneTime = 2,
}

impl KemPrekeyKind {
    pub(crate) fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            1 => Ok(KemPrekeyKind::LastResort),
            2 => Ok(KemPrekeyKind::OneTime),
            _ => Err(Error::Malformed),
        }
    }
}

/// Encodes an ML-KEM-768 encapsulation key with its type byte (1185 bytes).
pub(crate) fn write_kem_key(out: &mut Vec<u8>, key: &[u8; kem::PUBLIC_KEY_LEN]) {
    out.put_u8(KEY_TYPE_ML_KEM_768);
    out.put(key);
}

/// A signed X25519 prekey: `id (u32) || 0x01 || key (32) || signature (64)`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedPrekey {
    id: u32,
    public: [u8; 32],
    signature: [u8; 64],
}

impl fmt::Debug for SignedPrekey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPrekey")
            .field("id", &self.id)
            .field("public", &Hex(&self.public))
            .finish_non_exhaustive()
    }
}

impl SignedPrekey {
    pub(crate) fn signed_message(id: u32, public: &[u8; 32]) -> Vec<u8> {
        let mut message = Vec::with_capacity(SIGNED_PREKEY_LABEL.len() + 37);
        message.put(SIGNED_PREKEY_LABEL);
        message.put_u32(id);
        message.put(&encode_x25519(public));
        message
    }

    pub(crate) fn sign(signer: &ed25519::PrivateKey, id: u32, public: [u8; 32]) -> Self {
        let signature = signer.sign(&Self::signed_message(id, &public));
        SignedPrekey {
            id,
            public,
            signature,
        }
    }

    /// The prekey's identifier.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// The X25519 public key.
    pub const fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    fn verify(&self, identity: &IdentityKey) -> Result<()> {
        ed25519::verify(
            identity.signing_key(),
            &Self::signed_message(self.id, &self.public),
            &self.signature,
        )
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.id);
        out.put(&encode_x25519(&self.public));
        out.put(&self.signature);
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self> {
        Ok(SignedPrekey {
            id: reader.u32()?,
            public: read_x25519(reader)?,
            signature: reader.array()?,
        })
    }

    /// The encoding (101 bytes). The signature is checked when the prekey is
    /// put into a [`PrekeyBundle`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(101);
        self.write(&mut out);
        out
    }

    /// Decodes the encoding of [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TrailingBytes`] or [`Error::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let key = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(key)
    }
}

/// A signed ML-KEM-768 prekey:
/// `id (u32) || kind (u8) || 0x03 || key (1184) || signature (64)`.
#[derive(Clone, PartialEq)]
pub struct KemPrekey {
    id: u32,
    kind: KemPrekeyKind,
    public: kem::PublicKey,
    signature: [u8; 64],
}

impl fmt::Debug for KemPrekey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KemPrekey")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl KemPrekey {
    pub(crate) fn signed_message(
        id: u32,
        kind: KemPrekeyKind,
        public: &[u8; kem::PUBLIC_KEY_LEN],
    ) -> Vec<u8> {
        let mut message = Vec::with_capacity(KEM_PREKEY_LABEL.len() + 5 + 1 + kem::PUBLIC_KEY_LEN);
        message.put(KEM_PREKEY_LABEL);
        message.put_u32(id);
        message.put_u8(kind as u8);
        write_kem_key(&mut message, public);
        message
    }

    pub(crate) fn sign(
        signer: &ed25519::PrivateKey,
        id: u32,
        kind: KemPrekeyKind,
        private: &kem::PrivateKey,
    ) -> Result<Self> {
        let public_bytes = private.public_key();
        let signature = signer.sign(&Self::signed_message(id, kind, &public_bytes));
        Ok(KemPrekey {
            id,
            kind,
            // Our own key: a failure is a bug, not bad input.
            public: kem::PublicKey::from_bytes(&public_bytes).map_err(|_| Error::Internal)?,
            signature,
        })
    }

    /// The prekey's identifier.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// Last-resort or one-time.
    pub const fn kind(&self) -> KemPrekeyKind {
        self.kind
    }

    pub(crate) const fn public_key(&self) -> &kem::PublicKey {
        &self.public
    }

    fn verify(&self, identity: &IdentityKey) -> Result<()> {
        ed25519::verify(
            identity.signing_key(),
            &Self::signed_message(self.id, self.kind, &self.public.to_bytes()),
            &self.signature,
        )
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.id);
        out.put_u8(self.kind as u8);
        write_kem_key(out, &self.public.to_bytes());
        out.put(&self.signature);
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let id = reader.u32()?;
        let kind = KemPrekeyKind::from_byte(reader.u8()?)?;
        if reader.u8()? != KEY_TYPE_ML_KEM_768 {
            return Err(Error::InvalidKey);
        }
        let public = kem::PublicKey::from_bytes(&reader.array()?)?;
        Ok(KemPrekey {
            id,
            kind,
            public,
            signature: reader.array()?,
        })
    }

    /// The encoding (1254 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1254);
        self.write(&mut out);
        out
    }

    /// Decodes the encoding of [`to_bytes`](Self::to_bytes), validating the
    /// ML-KEM key.
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TrailingBytes`], [`Error::Malformed`]
    /// or [`Error::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let key = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(key)
    }
}

/// An unsigned one-time X25519 prekey: `id (u32) || 0x01 || key (32)`.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimePrekey {
    id: u32,
    public: [u8; 32],
}

impl fmt::Debug for OneTimePrekey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneTimePrekey")
            .field("id", &self.id)
            .field("public", &Hex(&self.public))
            .finish()
    }
}

impl OneTimePrekey {
    pub(crate) const fn new(id: u32, public: [u8; 32]) -> Self {
        OneTimePrekey { id, public }
    }

    /// The prekey's identifier.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// The X25519 public key.
    pub const fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.id);
        out.put(&encode_x25519(&self.public));
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self> {
        Ok(OneTimePrekey {
            id: reader.u32()?,
            public: read_x25519(reader)?,
        })
    }

    /// The encoding (37 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(37);
        self.write(&mut out);
        out
    }

    /// Decodes the encoding of [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TrailingBytes`] or [`Error::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let key = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(key)
    }
}

/// Capability bit of a version-2 bundle: its owner runs ratchet version 2,
/// the post-quantum KEM ratchet (PROTOCOL.md §22.2).
pub const CAPABILITY_PQ_RATCHET: u8 = 0x01;

/// A verified prekey bundle.
///
/// Encoding: `0x01 || 0x01 || identity record (130) || signed prekey (101) ||
/// KEM prekey (1254) || flag (u8) || [one-time prekey (37)]`; a bundle that
/// advertises capabilities (PROTOCOL.md §22.2) is `0x01 || 0x13 ||
/// u8(capabilities)` followed by the same fields.
#[derive(Clone, PartialEq)]
pub struct PrekeyBundle {
    identity: IdentityKey,
    signed_prekey: SignedPrekey,
    kem_prekey: KemPrekey,
    one_time_prekey: Option<OneTimePrekey>,
    /// `None` for a version-1 bundle (kind `0x01`).
    capabilities: Option<u8>,
}

impl fmt::Debug for PrekeyBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrekeyBundle")
            .field("identity", &self.identity)
            .field("signed_prekey", &self.signed_prekey)
            .field("kem_prekey", &self.kem_prekey)
            .field("one_time_prekey", &self.one_time_prekey)
            .finish()
    }
}

impl PrekeyBundle {
    /// Assembles a bundle from published parts, verifying both signatures
    /// under the identity's Ed25519 key.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when a prekey is not signed by `identity`.
    pub fn new(
        identity: IdentityKey,
        signed_prekey: SignedPrekey,
        kem_prekey: KemPrekey,
        one_time_prekey: Option<OneTimePrekey>,
    ) -> Result<Self> {
        signed_prekey.verify(&identity)?;
        kem_prekey.verify(&identity)?;
        Ok(PrekeyBundle {
            identity,
            signed_prekey,
            kem_prekey,
            one_time_prekey,
            capabilities: None,
        })
    }

    /// The owner's identity.
    pub const fn identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// The signed X25519 prekey.
    pub const fn signed_prekey(&self) -> &SignedPrekey {
        &self.signed_prekey
    }

    /// The ML-KEM prekey.
    pub const fn kem_prekey(&self) -> &KemPrekey {
        &self.kem_prekey
    }

    /// The one-time X25519 prekey, if the server had one left.
    pub const fn one_time_prekey(&self) -> Option<&OneTimePrekey> {
        self.one_time_prekey.as_ref()
    }

    /// The same bundle advertising ratchet version 2 (PROTOCOL.md §22.2):
    /// it encodes as kind `0x13`, and [`Session::initiate`](crate::Session::initiate)
    /// with it starts a session with the post-quantum KEM ratchet. Owners
    /// that run version 2 publish this form; a version-1 peer cannot decode
    /// it, so a server that serves both kinds of clients hands out
    /// [`without_capabilities`](Self::without_capabilities) to version-1 ones.
    ///
    /// ```
    /// use sotto::{Account, OsRng, Session, SessionContext};
    ///
    /// let alice = Account::new(&mut OsRng)?;
    /// let mut bob = Account::new(&mut OsRng)?;
    /// let bundle = bob.prekey_bundle()?.with_pq_ratchet();
    /// let bundle = sotto::PrekeyBundle::from_bytes(&bundle.to_bytes())?;
    /// assert!(bundle.supports_pq_ratchet());
    /// let mut a = Session::initiate(&alice, &bundle, &SessionContext::new(b"a", b"b"), &mut OsRng)?;
    /// let first = a.encrypt(b"hi", &mut OsRng)?;
    /// let (b, _) = Session::accept(&mut bob, &first, &SessionContext::new(b"b", b"a"))?;
    /// assert!(a.uses_pq_ratchet() && b.uses_pq_ratchet());
    /// # Ok::<(), sotto::Error>(())
    /// ```
    #[must_use]
    pub fn with_pq_ratchet(mut self) -> Self {
        self.capabilities = Some(self.capabilities.unwrap_or(0) | CAPABILITY_PQ_RATCHET);
        self
    }

    /// The same bundle in its version-1 form (kind `0x01`), for peers that
    /// run only version 1.
    #[must_use]
    pub fn without_capabilities(mut self) -> Self {
        self.capabilities = None;
        self
    }

    /// The capability byte of a version-2 bundle (`None` for version 1).
    pub const fn capabilities(&self) -> Option<u8> {
        self.capabilities
    }

    /// Whether the owner advertises ratchet version 2 (PROTOCOL.md §22.2).
    pub const fn supports_pq_ratchet(&self) -> bool {
        match self.capabilities {
            Some(capabilities) => capabilities & CAPABILITY_PQ_RATCHET != 0,
            None => false,
        }
    }

    /// Encodes the bundle (1525 bytes with a one-time prekey, 1488 without;
    /// one more with capabilities).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1530);
        match self.capabilities {
            None => wire::write_header(&mut out, Kind::PrekeyBundle),
            Some(capabilities) => {
                wire::write_header(&mut out, Kind::PrekeyBundleV2);
                out.put_u8(capabilities);
            }
        }
        self.identity.write(&mut out);
        self.signed_prekey.write(&mut out);
        self.kem_prekey.write(&mut out);
        out.put_flag(self.one_time_prekey.is_some());
        if let Some(one_time) = &self.one_time_prekey {
            one_time.write(&mut out);
        }
        out
    }

    /// Decodes a bundle and verifies every signature in it.
    ///
    /// # Errors
    /// Any decoding error, [`Error::InvalidKey`] for an invalid key, or
    /// [`Error::BadSignature`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.u8()? != wire::VERSION {
            return Err(Error::UnsupportedVersion);
        }
        let capabilities = match reader.u8()? {
            k if k == Kind::PrekeyBundle as u8 => None,
            k if k == Kind::PrekeyBundleV2 as u8 => Some(reader.u8()?),
            _ => return Err(Error::WrongObjectType),
        };
        let identity = IdentityKey::read(&mut reader)?;
        let signed_prekey = SignedPrekey::read(&mut reader)?;
        let kem_prekey = KemPrekey::read(&mut reader)?;
        let one_time_prekey = if reader.flag()? {
            Some(OneTimePrekey::read(&mut reader)?)
        } else {
            None
        };
        reader.finish()?;
        let mut bundle = Self::new(identity, signed_prekey, kem_prekey, one_time_prekey)?;
        bundle.capabilities = capabilities;
        Ok(bundle)
    }
}
