//! The asynchronous hybrid handshake (PQXDH-style): X25519 and ML-KEM-768.
//!
//! With the initiator's identity `IK_A`, ephemeral base key `EK_A`, and the
//! responder's identity `IK_B`, signed prekey `SPK_B`, optional one-time
//! prekey `OPK_B` and ML-KEM prekey `PQPK_B`:
//!
//! ```text
//! DH1 = X25519(IK_A, SPK_B)    DH2 = X25519(EK_A, IK_B)
//! DH3 = X25519(EK_A, SPK_B)    DH4 = X25519(EK_A, OPK_B)   (if OPK_B)
//! (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
//! ikm  = 0xFF × 32 || DH1 || DH2 || DH3 || [DH4] || SS
//! info = "Sotto v1 PQXDH X25519 ML-KEM-768" || ad_hash || transcript_hash
//! RK || HK_A || NHK_B = HKDF-SHA256(salt = 0x00 × 32, ikm, info, 96)
//! ```
//!
//! `ad_hash` binds both identities and the caller's context (who each side
//! believes it is talking to); `transcript_hash` binds every public value of
//! the exchange, including the KEM key and ciphertext, so that no part of the
//! handshake can be swapped without changing the keys. The 0xFF prefix keeps
//! the input disjoint from any X25519 output (as in X3DH/PQXDH).
//!
//! The session identifier (§5.4) is derived here too: [`SessionId`].

use crate::account::{PrekeyIds, PrekeySecrets};
use crate::bundle::{PrekeyBundle, write_kem_key};
use crate::keys::{IdentityKey, encode_x25519};
use crate::limits::MAX_CONTEXT_ID_LEN;
use crate::message::prekey_header;
use crate::primitives::kdf::{hkdf_split3, sha256};
use crate::primitives::{Secret, kem, x25519};
use crate::ratchet::{HeaderKey, RootKey};
use crate::wire::{Hex, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

pub(crate) const HANDSHAKE_LABEL: &[u8] = b"Sotto v1 PQXDH X25519 ML-KEM-768";
pub(crate) const AD_LABEL: &[u8] = b"Sotto v1 associated data";
pub(crate) const TRANSCRIPT_LABEL: &[u8] = b"Sotto v1 handshake transcript";
pub(crate) const SESSION_ID_LABEL: &[u8] = b"Sotto v1 session id";

/// Who each side believes it is talking to, bound into the session keys.
///
/// `local_id` and `remote_id` are the application's stable identifiers (for
/// example user and device IDs). Both sides must pass the same pair, each
/// from its own point of view: if Alice's app says "alice/1 → bob/7" and
/// Bob's app does not say "bob/7 ← alice/1", the first message fails to
/// decrypt. This defeats identity misbinding (an attacker relaying a session
/// under a different name). Each identifier is 1 to
/// [`MAX_CONTEXT_ID_LEN`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionContext<'a> {
    /// This side's identifier.
    pub local_id: &'a [u8],
    /// The peer's identifier.
    pub remote_id: &'a [u8],
}

impl<'a> SessionContext<'a> {
    /// A context from the two identifiers.
    pub const fn new(local_id: &'a [u8], remote_id: &'a [u8]) -> Self {
        SessionContext {
            local_id,
            remote_id,
        }
    }

    /// Each identifier is 1 to [`MAX_CONTEXT_ID_LEN`] bytes: an empty one
    /// would bind nothing, which is always an application bug (and the C and
    /// JS bindings refuse it too).
    fn check(&self) -> Result<()> {
        let valid = |id: &[u8]| (1..=MAX_CONTEXT_ID_LEN).contains(&id.len());
        if !valid(self.local_id) || !valid(self.remote_id) {
            return Err(Error::InvalidArgument);
        }
        Ok(())
    }
}

/// `SHA-256("Sotto v1 associated data" || IK_A || IK_B || len || initiator_id || len || responder_id)`
/// with identity keys in their 66-byte form and `u16` big-endian lengths.
///
/// # Errors
/// [`Error::TooLarge`] for an identifier longer than `u16::MAX` (callers
/// check [`MAX_CONTEXT_ID_LEN`] first).
pub(crate) fn associated_data_hash(
    initiator: &IdentityKey,
    responder: &IdentityKey,
    initiator_id: &[u8],
    responder_id: &[u8],
) -> Result<[u8; 32]> {
    let mut ad =
        Vec::with_capacity(AD_LABEL.len() + 132 + 4 + initiator_id.len() + responder_id.len());
    ad.put(AD_LABEL);
    ad.put(&initiator.key_bytes());
    ad.put(&responder.key_bytes());
    ad.put_bytes_u16(initiator_id)?;
    ad.put_bytes_u16(responder_id)?;
    Ok(sha256(&[&ad]))
}

/// The public values of one handshake.
pub(crate) struct Transcript<'a> {
    pub(crate) base_key: &'a [u8; 32],
    pub(crate) signed_prekey: &'a [u8; 32],
    pub(crate) one_time_prekey: Option<&'a [u8; 32]>,
    pub(crate) kem_prekey: &'a [u8; kem::PUBLIC_KEY_LEN],
    pub(crate) kem_ciphertext: &'a [u8; kem::CIPHERTEXT_LEN],
}

impl Transcript<'_> {
    /// `SHA-256(label || EK_A || SPK_B || [OPK_B] || PQPK_B || CT)`, keys type-tagged.
    pub(crate) fn hash(&self) -> [u8; 32] {
        let mut data = Vec::with_capacity(TRANSCRIPT_LABEL.len() + 99 + 1185 + kem::CIPHERTEXT_LEN);
        data.put(TRANSCRIPT_LABEL);
        data.put(&encode_x25519(self.base_key));
        data.put(&encode_x25519(self.signed_prekey));
        if let Some(one_time) = self.one_time_prekey {
            data.put(&encode_x25519(one_time));
        }
        write_kem_key(&mut data, self.kem_prekey);
        data.put(self.kem_ciphertext);
        sha256(&[&data])
    }
}

/// The handshake's output: the first root key and the two initial header keys.
pub(crate) struct HandshakeKeys {
    pub(crate) root_key: RootKey,
    /// `HK_A`: the initiator's first sending header key.
    pub(crate) initiator_header_key: HeaderKey,
    /// `NHK_B`: the responder's first sending header key.
    pub(crate) responder_header_key: HeaderKey,
}

fn derive(
    dh: &[&Secret<32>],
    kem_secret: &Secret<32>,
    ad_hash: &[u8; 32],
    transcript: &Transcript<'_>,
) -> HandshakeKeys {
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * (dh.len() + 2)));
    ikm.put(&[0xFF; 32]);
    for output in dh {
        ikm.put(output.expose());
    }
    ikm.put(kem_secret.expose());
    let mut info = Vec::with_capacity(HANDSHAKE_LABEL.len() + 64);
    info.put(HANDSHAKE_LABEL);
    info.put(ad_hash);
    info.put(&transcript.hash());
    let [root_key, initiator_header_key, responder_header_key] =
        hkdf_split3(&[0u8; 32], &ikm, &info);
    HandshakeKeys {
        root_key: RootKey::from_secret(root_key),
        initiator_header_key: HeaderKey::from_secret(initiator_header_key),
        responder_header_key: HeaderKey::from_secret(responder_header_key),
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

/// What the initiator sends in every prekey message until it hears back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InitiatorOutput {
    pub(crate) base_key: [u8; 32],
    pub(crate) ids: PrekeyIds,
    pub(crate) kem_ciphertext: [u8; kem::CIPHERTEXT_LEN],
}

/// Runs the initiator's side. Draws the base key, then the ML-KEM
/// encapsulation randomness.
pub(crate) fn initiate<R: TryCryptoRng + ?Sized>(
    identity: &crate::keys::IdentityKeyPair,
    bundle: &PrekeyBundle,
    context: &SessionContext<'_>,
    rng: &mut R,
) -> Result<(HandshakeKeys, InitiatorOutput, [u8; 32])> {
    context.check()?;
    let base_key = x25519::PrivateKey::generate(rng)?;
    let (kem_ciphertext, kem_secret) = bundle.kem_prekey().public_key().encapsulate(rng)?;
    let responder = bundle.identity();
    let signed_prekey = bundle.signed_prekey().public_key();
    let dh1 = identity.agreement.diffie_hellman(signed_prekey)?;
    let dh2 = base_key.diffie_hellman(responder.agreement_key())?;
    let dh3 = base_key.diffie_hellman(signed_prekey)?;
    let dh4 = bundle
        .one_time_prekey()
        .map(|k| base_key.diffie_hellman(k.public_key()))
        .transpose()?;
    let ad_hash = associated_data_hash(
        &identity.public,
        responder,
        context.local_id,
        context.remote_id,
    )?;
    let base_public = base_key.public_key();
    let kem_prekey = bundle.kem_prekey().public_key().to_bytes();
    let transcript = Transcript {
        base_key: &base_public,
        signed_prekey,
        one_time_prekey: bundle.one_time_prekey().map(|k| k.public_key()),
        kem_prekey: &kem_prekey,
        kem_ciphertext: &kem_ciphertext,
    };
    let mut dh: Vec<&Secret<32>> = alloc::vec![&dh1, &dh2, &dh3];
    dh.extend(dh4.as_ref());
    let keys = derive(&dh, &kem_secret, &ad_hash, &transcript);
    let output = InitiatorOutput {
        base_key: base_public,
        ids: PrekeyIds {
            signed_prekey: bundle.signed_prekey().id(),
            kem_prekey: bundle.kem_prekey().id(),
            kem_kind: bundle.kem_prekey().kind(),
            one_time_prekey: bundle.one_time_prekey().map(|k| k.id()),
        },
        kem_ciphertext,
    };
    Ok((keys, output, ad_hash))
}

/// Runs the responder's side from the prekeys the message names.
pub(crate) fn respond(
    secrets: &PrekeySecrets<'_>,
    initiator: &IdentityKey,
    output: &InitiatorOutput,
    context: &SessionContext<'_>,
) -> Result<(HandshakeKeys, [u8; 32])> {
    context.check()?;
    let dh1 = secrets
        .signed_prekey
        .diffie_hellman(initiator.agreement_key())?;
    let dh2 = secrets
        .identity
        .agreement
        .diffie_hellman(&output.base_key)?;
    let dh3 = secrets.signed_prekey.diffie_hellman(&output.base_key)?;
    let dh4 = secrets
        .one_time_prekey
        .map(|k| k.diffie_hellman(&output.base_key))
        .transpose()?;
    let kem_secret = secrets.kem_prekey.decapsulate(&output.kem_ciphertext);
    // The responder's context is (local = responder, remote = initiator).
    let ad_hash = associated_data_hash(
        initiator,
        &secrets.identity.public,
        context.remote_id,
        context.local_id,
    )?;
    let signed_public = secrets.signed_prekey.public_key();
    let one_time_public = secrets.one_time_prekey.map(x25519::PrivateKey::public_key);
    let kem_prekey = secrets.kem_prekey.public_key();
    let transcript = Transcript {
        base_key: &output.base_key,
        signed_prekey: &signed_public,
        one_time_prekey: one_time_public.as_ref(),
        kem_prekey: &kem_prekey,
        kem_ciphertext: &output.kem_ciphertext,
    };
    let mut dh: Vec<&Secret<32>> = alloc::vec![&dh1, &dh2, &dh3];
    dh.extend(dh4.as_ref());
    Ok((derive(&dh, &kem_secret, &ad_hash, &transcript), ad_hash))
}
