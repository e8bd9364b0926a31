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
//! The body is `AEAD(mk, nonce, ad_hash || prefix, padded)`, where the
//! prefix is the first 82 bytes (everything before the body); the encrypted
//! header is `AEAD(HK, nonce, ad_hash || 0x01 || 0x03, header)`
//! (PROTOCOL.md §7.2, header codec in the ratchet's `header.rs`).
//!
//! An initiator sends prekey messages until it receives its first reply;
//! each one repeats the handshake fields so that the responder can create the
//! session from whichever arrives first.

use crate::account::PrekeyIds;
use crate::bundle::KemPrekeyKind;
use crate::handshake::InitiatorOutput;
pub use crate::handshake::SessionId;
use crate::keys::{IdentityKey, encode_x25519, read_x25519};
use crate::primitives::aead::{self, Algorithm, TAG_LEN, XNONCE_LEN};
use crate::ratchet::{ENCRYPTED_HEADER_LEN, ENCRYPTED_HEADER_V2_LEN, HeaderKey, MessageKey};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

/// Which kind of message some bytes are, from their header alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Starts a session: pass it to [`Session::accept`](crate::Session::accept)
    /// unless a session with its [`session_id`](PrekeyMessage::session_id) exists.
    Prekey,
    /// A message within an existing session.
    Normal,
}

impl MessageType {
    /// Every message type, in code order.
    pub const ALL: [MessageType; 2] = [MessageType::Prekey, MessageType::Normal];

    /// The number both bindings use for this type: 1 for a prekey message,
    /// 2 for a normal message (`SOTTO_MESSAGE_PREKEY`, `SOTTO_MESSAGE_NORMAL`
    /// in C; `MessageTypeCode` in the npm package). 0 is never a type, so a
    /// zeroed or unset variable (the C ABI writes 0 on error) cannot pass for
    /// one. These are not the wire kind bytes (§7.4).
    pub const fn code(self) -> u8 {
        match self {
            MessageType::Prekey => 1,
            MessageType::Normal => 2,
        }
    }

    /// The stable identifier: `"PREKEY"` or `"NORMAL"`.
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Prekey => "PREKEY",
            MessageType::Normal => "NORMAL",
        }
    }
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
        k if k == Kind::Message as u8 || k == Kind::MessageV2 as u8 => Ok(MessageType::Normal),
        _ => Err(Error::WrongObjectType),
    }
}

/// `version || kind || nonce || encrypted header`.
pub(crate) const MESSAGE_PREFIX_LEN: usize = 2 + XNONCE_LEN + ENCRYPTED_HEADER_LEN;

/// Largest body: the padded maximum plaintext plus a tag.
pub(crate) const fn max_body_len() -> usize {
    crate::padding::padme(crate::limits::MAX_PLAINTEXT_LEN + 1) + TAG_LEN
}

/// `version || kind || nonce || encrypted header` of ratchet version 2
/// (PROTOCOL.md §22.3).
pub(crate) const MESSAGE_V2_PREFIX_LEN: usize = 2 + XNONCE_LEN + ENCRYPTED_HEADER_V2_LEN;

/// A normal message (§7.2, or §22.3 for kind `0x12`), parsed but not yet
/// authenticated.
pub(crate) struct MessageParts<'a> {
    /// [`Kind::Message`] or [`Kind::MessageV2`].
    pub(crate) kind: Kind,
    pub(crate) prefix: &'a [u8],
    pub(crate) nonce: [u8; XNONCE_LEN],
    pub(crate) encrypted_header: &'a [u8],
    pub(crate) body: &'a [u8],
}

impl<'a> MessageParts<'a> {
    /// `0x01 || 0x03 || nonce (24) || encrypted header (56) || body (≥ 16)`,
    /// or `0x01 || 0x12 || nonce (24) || encrypted header (112) || body (≥ 16)`.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.u8()? != wire::VERSION {
            return Err(Error::UnsupportedVersion);
        }
        let (kind, header_len, prefix_len) = match reader.u8()? {
            k if k == Kind::Message as u8 => {
                (Kind::Message, ENCRYPTED_HEADER_LEN, MESSAGE_PREFIX_LEN)
            }
            k if k == Kind::MessageV2 as u8 => (
                Kind::MessageV2,
                ENCRYPTED_HEADER_V2_LEN,
                MESSAGE_V2_PREFIX_LEN,
            ),
            _ => return Err(Error::WrongObjectType),
        };
        let nonce = reader.array()?;
        let encrypted_header = reader.bytes(header_len)?;
        let body = reader.rest();
        if body.len() < TAG_LEN {
            return Err(Error::Truncated);
        }
        if body.len() > max_body_len() {
            return Err(Error::TooLarge);
        }
        let prefix = bytes.get(..prefix_len).ok_or(Error::Truncated)?;
        Ok(MessageParts {
            kind,
            prefix,
            nonce,
            encrypted_header,
            body,
        })
    }

    /// Authenticates and decrypts the body, then strips its padding: both
    /// must succeed before the caller commits any state.
    pub(crate) fn open_body(
        &self,
        message_key: &MessageKey,
        ad_hash: &[u8; 32],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut plaintext = Zeroizing::new(aead::open(
            Algorithm::XChaCha20Poly1305,
            message_key.expose(),
            &self.nonce,
            &body_ad(ad_hash, self.prefix),
            self.body,
        )?);
        crate::padding::unpad(&mut plaintext)?;
        Ok(plaintext)
    }
}

/// Associated data of the body AEAD: `ad_hash || message prefix` (82
/// bytes, or 138 for version 2).
fn body_ad(ad_hash: &[u8; 32], prefix: &[u8]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(32 + MESSAGE_V2_PREFIX_LEN);
    ad.put(ad_hash);
    ad.put(prefix);
    ad
}

/// Builds a normal message (§7.2, or §22.3 for [`Kind::MessageV2`]) from
/// its plaintext header bytes and padded plaintext.
pub(crate) fn encode_normal_message(
    ad_hash: &[u8; 32],
    nonce: &[u8; XNONCE_LEN],
    header_key: &HeaderKey,
    kind: Kind,
    header: &[u8],
    message_key: &MessageKey,
    padded: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(MESSAGE_V2_PREFIX_LEN + padded.len() + TAG_LEN);
    wire::write_header(&mut out, kind);
    out.put(nonce);
    header_key.seal_header(ad_hash, nonce, kind, header, &mut out)?;
    let body_ad = body_ad(ad_hash, &out);
    aead::seal_into(
        Algorithm::XChaCha20Poly1305,
        message_key.expose(),
        nonce,
        &body_ad,
        padded,
        &mut out,
    )?;
    Ok(out)
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
