//! Message encodings.
//!
//! ```text
//! message        = 0x01 || 0x03 || nonce (24) || encrypted header (56) || body (padded + 16)
//! prekey message = 0x01 || 0x02 || initiator identity record (130)
//!                  || 0x01 || base key (32) || signed prekey id (u32)
//!                  || KEM prekey id (u32) || KEM prekey kind (u8)
//!                  || one-time flag (u8) || [one-time prekey id (u32)]
//!                  || KEM ciphertext (1088) || message
//! ```
//!
//! An initiator sends prekey messages until it receives its first reply;
//! each one repeats the handshake fields so that the responder can create the
//! session from whichever arrives first.

use crate::account::PrekeyIds;
use crate::bundle::KemPrekeyKind;
use crate::handshake::InitiatorOutput;
use crate::keys::{IdentityKey, encode_x25519, read_x25519};
use crate::primitives::kdf::sha256;
use crate::ratchet::MessageParts;
use crate::wire::{self, Hex, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;

pub(crate) const SESSION_ID_LABEL: &[u8] = b"Sotto v1 session id";

/// Which kind of message some bytes are, from their header alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Starts a session: pass it to [`Session::accept`](crate::Session::accept)
    /// unless a session with its [`session_id`](PrekeyMessage::session_id) exists.
    Prekey,
    /// A message within an existing session.
    Normal,
}

/// Classifies message bytes by their two-byte header.
///
/// # Errors
/// [`Error::Truncated`], [`Error::UnsupportedVersion`] or
/// [`Error::WrongObjectType`] for bytes that are not a message.
pub fn message_type(bytes: &[u8]) -> Result<MessageType> {
    let mut reader = Reader::new(bytes);
    if reader.u8()? != wire::VERSION {
        return Err(Error::UnsupportedVersion);
    }
    match reader.u8()? {
        k if k == Kind::PrekeyMessage as u8 => Ok(MessageType::Prekey),
        k if k == Kind::Message as u8 => Ok(MessageType::Normal),
        _ => Err(Error::WrongObjectType),
    }
}

/// Identifies a session on both sides: the hash of its prekey header.
///
/// `SHA-256("Sotto v1 session id" || prekey header)`, where the prekey header
/// is every byte of a prekey message before the embedded message. Because it
/// covers the whole header, a repeated prekey message whose header was
/// altered in any byte no longer matches its session.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; 32]);

impl SessionId {
    pub(crate) fn derive(initiator: &IdentityKey, handshake: &InitiatorOutput) -> Self {
        SessionId(sha256(&[
            SESSION_ID_LABEL,
            &prekey_header(initiator, handshake),
        ]))
    }

    pub(crate) const fn from_bytes(bytes: [u8; 32]) -> Self {
        SessionId(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({:?})", Hex(&self.0))
    }
}

/// A decoded prekey message.
#[derive(Clone, PartialEq, Eq)]
pub struct PrekeyMessage {
    pub(crate) initiator: IdentityKey,
    pub(crate) handshake: InitiatorOutput,
    pub(crate) message: Vec<u8>,
}

impl fmt::Debug for PrekeyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrekeyMessage")
            .field("initiator", &self.initiator)
            .field("session_id", &self.session_id())
            .finish_non_exhaustive()
    }
}

impl PrekeyMessage {
    /// The identity of the sender.
    pub const fn initiator_identity(&self) -> &IdentityKey {
        &self.initiator
    }

    /// The session this message belongs to.
    pub fn session_id(&self) -> SessionId {
        SessionId::derive(&self.initiator, &self.handshake)
    }

    pub(crate) fn encode(
        initiator: &IdentityKey,
        handshake: &InitiatorOutput,
        message: &[u8],
    ) -> Vec<u8> {
        let mut out = prekey_header(initiator, handshake);
        out.put(message);
        out
    }

    /// Decodes a prekey message, verifying the initiator's identity binding
    /// and the shape of the embedded message.
    ///
    /// # Errors
    /// Any decoding error; [`Error::BadSignature`] for a forged identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        wire::read_header(&mut reader, Kind::PrekeyMessage)?;
        let initiator = IdentityKey::read(&mut reader)?;
        let handshake = read_handshake(&mut reader)?;
        let message = reader.rest();
        MessageParts::parse(message)?;
        Ok(PrekeyMessage {
            initiator,
            handshake,
            message: message.to_vec(),
        })
    }
}

/// Every byte of a prekey message before the embedded message. Decoding is
/// strict (fixed type bytes, flags 0 or 1), so this re-encoding equals the
/// bytes that were received.
pub(crate) fn prekey_header(initiator: &IdentityKey, handshake: &InitiatorOutput) -> Vec<u8> {
    let mut out = Vec::with_capacity(1300);
    wire::write_header(&mut out, Kind::PrekeyMessage);
    initiator.write(&mut out);
    write_handshake(&mut out, handshake);
    out
}

pub(crate) fn write_handshake(out: &mut Vec<u8>, handshake: &InitiatorOutput) {
    out.put(&encode_x25519(&handshake.base_key));
    out.put_u32(handshake.ids.signed_prekey);
    out.put_u32(handshake.ids.kem_prekey);
    out.put_u8(handshake.ids.kem_kind as u8);
    out.put_flag(handshake.ids.one_time_prekey.is_some());
    if let Some(id) = handshake.ids.one_time_prekey {
        out.put_u32(id);
    }
    out.put(&handshake.kem_ciphertext);
}

pub(crate) fn read_handshake(reader: &mut Reader<'_>) -> Result<InitiatorOutput> {
    let base_key = read_x25519(reader)?;
    let signed_prekey = reader.u32()?;
    let kem_prekey = reader.u32()?;
    let kem_kind = KemPrekeyKind::from_byte(reader.u8()?)?;
    let one_time_prekey = if reader.flag()? {
        Some(reader.u32()?)
    } else {
        None
    };
    Ok(InitiatorOutput {
        base_key,
        ids: PrekeyIds {
            signed_prekey,
            kem_prekey,
            kem_kind,
            one_time_prekey,
        },
        kem_ciphertext: reader.array()?,
    })
}
