//! Sessions: one end of a secret chat.

use crate::account::Account;
use crate::account::PrekeyIds;
use crate::bundle::PrekeyBundle;
use crate::fingerprint::SafetyNumber;
use crate::handshake::{self, InitiatorOutput, SessionContext, SessionId};
use crate::keys::IdentityKey;
use crate::limits::MAX_PLAINTEXT_LEN;
use crate::message::{MessageParts, PrekeyMessage, read_handshake, write_handshake};
use crate::padding::Padding;
use crate::primitives::x25519;
use crate::ratchet::{Ratchet, ReceiveStep, SendStep};
use crate::sealed::{self, StorageKey};
use crate::wire::{Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Format version of the serialized session inside a sealed session.
const SESSION_FORMAT: u8 = 1;
/// Format of a session of ratchet version 2: format 1 followed by the KEM
/// state (PROTOCOL.md §22.8).
const SESSION_FORMAT_V2: u8 = 2;

/// Which side of the handshake this session was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Started the session from the peer's prekey bundle.
    Initiator,
    /// Created the session from the peer's first prekey message.
    Responder,
}

/// One end of an end-to-end encrypted conversation with one peer device.
///
/// Created by [`Session::initiate`] (from the peer's bundle; can send at
/// once) or [`Session::accept`] (from the peer's first prekey message).
/// Persist it with [`seal`](Self::seal) after every call that changed it.
///
/// `Debug` shows only public information. A session is deliberately not
/// `Clone` (nor `PartialEq`): two copies would reuse message keys and
/// accept each other's replays. Persist it with [`seal`](Self::seal) and keep
/// exactly one live copy.
///
/// ```
/// use sotto::{Account, OsRng, Session, SessionContext};
///
/// let mut alice = Account::new(&mut OsRng)?;
/// let mut bob = Account::new(&mut OsRng)?;
/// bob.generate_one_time_prekeys(1, &mut OsRng)?;
/// let bundle = bob.prekey_bundle()?;
///
/// let mut a = Session::initiate(&alice, &bundle, &SessionContext::new(b"alice", b"bob"), &mut OsRng)?;
/// let first = a.encrypt(b"hi Bob", &mut OsRng)?;
///
/// let (mut b, plaintext) = Session::accept(&mut bob, &first, &SessionContext::new(b"bob", b"alice"))?;
/// assert_eq!(plaintext, b"hi Bob");
/// let reply = b.encrypt(b"hi Alice", &mut OsRng)?;
/// assert_eq!(a.decrypt(&reply)?, b"hi Alice");
/// assert_eq!(a.safety_number().digits(), b.safety_number().digits());
/// # Ok::<(), sotto::Error>(())
/// ```
pub struct Session {
    role: Role,
    padding: Padding,
    session_id: SessionId,
    ad_hash: [u8; 32],
    local_identity: IdentityKey,
    remote_identity: IdentityKey,
    ratchet: Ratchet,
    /// The initiator's handshake fields, repeated until the first reply.
    ///
    /// Boxed on purpose: inline, the 1.1 KB payload of a `None` would be an
    /// uninitialised region of the struct that carries stale stack bytes
    /// (earlier keys) wherever the session is moved or boxed, where no
    /// destructor can wipe them. It also keeps moves of a session cheap.
    pending_handshake: Option<alloc::boxed::Box<InitiatorOutput>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.session_id)
            .field("role", &self.role)
            .field("remote_identity", &self.remote_identity)
            .field("awaiting_reply", &self.pending_handshake.is_some())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts a session with the owner of `bundle`. The session can encrypt
    /// at once; its messages are prekey messages until the first reply.
    ///
    /// Randomness is drawn in this order: base key (32 bytes), ML-KEM
    /// encapsulation randomness (32), first ratchet key (32).
    ///
    /// When the bundle advertises ratchet version 2
    /// ([`PrekeyBundle::supports_pq_ratchet`]), the session runs the
    /// post-quantum KEM ratchet of PROTOCOL.md §22 (see
    /// [`uses_pq_ratchet`](Self::uses_pq_ratchet)); otherwise version 1.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an over-long context,
    /// [`Error::NonContributory`] for a low-order prekey, [`Error::Randomness`].
    pub fn initiate<R: TryCryptoRng + ?Sized>(
        account: &Account,
        bundle: &PrekeyBundle,
        context: &SessionContext<'_>,
        rng: &mut R,
    ) -> Result<Self> {
        let identity = account.identity_pair();
        let (keys, handshake, ad_hash) = handshake::initiate(identity, bundle, context, rng)?;
        let ratchet_key = x25519::PrivateKey::generate(rng)?;
        let ratchet = Ratchet::initiator(
            &keys.root_key,
            keys.initiator_header_key,
            keys.responder_header_key,
            *bundle.signed_prekey().public_key(),
            ratchet_key,
            bundle.supports_pq_ratchet(),
        )?;
        Ok(Session {
            role: Role::Initiator,
            padding: Padding::default(),
            session_id: SessionId::derive(&identity.public, &handshake),
            ad_hash,
            local_identity: identity.public.clone(),
            remote_identity: bundle.identity().clone(),
            ratchet,
            pending_handshake: Some(alloc::boxed::Box::new(handshake)),
        })
    }

    /// Creates a session from a peer's first prekey message and decrypts it.
    ///
    /// The account changes only on success: the one-time prekeys the message
    /// used are deleted and its base key is remembered, so the same prekey
    /// message cannot create a second session. Persist the account and the
    /// new session together.
    ///
    /// # Errors
    /// Any decoding error; [`Error::UnknownPrekey`] when the message names a
    /// prekey the account does not hold; [`Error::DuplicateMessage`] for a
    /// prekey message already accepted (remembered for as long as its signed
    /// prekey is held); [`Error::PrekeyExhausted`] when its signed prekey has
    /// accepted [`MAX_SESSIONS_PER_SIGNED_PREKEY`](crate::limits::MAX_SESSIONS_PER_SIGNED_PREKEY)
    /// sessions (rotate it); [`Error::DecryptionFailed`] when the
    /// message was tampered with, made for another account, or the contexts
    /// of the two sides do not match.
    pub fn accept(
        account: &mut Account,
        prekey_message: &[u8],
        context: &SessionContext<'_>,
    ) -> Result<(Self, Vec<u8>)> {
        Self::accept_from(account, prekey_message, context, None)
    }

    /// [`accept`](Self::accept), when the application knows which identity
    /// the prekey message should come from (the contact it routed the
    /// message to, as vodozemac's `create_inbound_session` takes the
    /// sender's key). With `Some(expected)`, a prekey message made by another
    /// identity fails with [`Error::IdentityMismatch`] after decoding and
    /// before any prekey is looked up or any secret computed; the account is
    /// not changed. With `None` it is exactly [`accept`](Self::accept).
    ///
    /// Identities are compared by their keys ([`IdentityKey::key_bytes`]:
    /// public data, so not in constant time). Still compare safety numbers to
    /// know that the expected identity is really the peer's.
    ///
    /// # Errors
    /// A decoding error, [`Error::IdentityMismatch`], then as
    /// [`accept`](Self::accept).
    pub fn accept_from(
        account: &mut Account,
        prekey_message: &[u8],
        context: &SessionContext<'_>,
        expected: Option<&IdentityKey>,
    ) -> Result<(Self, Vec<u8>)> {
        let accepted = Self::plan_accept(account, prekey_message, context, expected)?;
        Ok(accepted.commit(account))
    }

    /// [`accept_from`](Self::accept_from) without changing the account: the
    /// new session, its first message decrypted but not committed, and the
    /// prekeys to consume.
    pub(crate) fn plan_accept(
        account: &Account,
        prekey_message: &[u8],
        context: &SessionContext<'_>,
        expected: Option<&IdentityKey>,
    ) -> Result<Accepted> {
        let message = PrekeyMessage::from_bytes(prekey_message)?;
        if expected.is_some_and(|expected| expected.key_bytes() != message.initiator.key_bytes()) {
            return Err(Error::IdentityMismatch);
        }
        let handshake = &message.handshake;
        account.check_base_key(&handshake.ids, &handshake.base_key)?;
        let secrets = account.prekey_secrets(&handshake.ids)?;
        let (keys, ad_hash) = handshake::respond(&secrets, &message.initiator, handshake, context)?;
        let parts = MessageParts::parse(&message.message)?;
        // The embedded message's kind selects the ratchet version (§22.2).
        let ratchet = Ratchet::responder(
            keys.root_key,
            keys.responder_header_key,
            keys.initiator_header_key,
            secrets.signed_prekey.clone(),
            parts.kind == Kind::MessageV2,
        );
        let session = Session {
            role: Role::Responder,
            padding: Padding::default(),
            session_id: message.session_id(),
            ad_hash,
            local_identity: account.identity_key().clone(),
            remote_identity: message.initiator.clone(),
            ratchet,
            pending_handshake: None,
        };
        let step = session.ratchet.plan_receive(&session.ad_hash, &parts)?;
        Ok(Accepted {
            session,
            step,
            ids: handshake.ids,
            base_key: handshake.base_key,
        })
    }

    /// Encrypts `plaintext` (at most [`MAX_PLAINTEXT_LEN`] bytes), padded
    /// according to [`padding`](Self::padding).
    ///
    /// Randomness: a new ratchet key (32 bytes) when a DH ratchet step is
    /// due, then the 24-byte nonce. A version-2 session (PROTOCOL.md §22.9)
    /// draws, between the two, an ML-KEM seed (64 bytes) when it generates
    /// a key pair or the encapsulation randomness (32) when it encapsulates.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::Randomness`], or
    /// [`Error::LimitExceeded`] after 2³² − 1 messages in one chain.
    pub fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let (message, step) = self.plan_encrypt(plaintext, rng)?;
        self.ratchet.apply_send(step);
        Ok(message)
    }

    /// [`encrypt`](Self::encrypt) without changing the session: the message
    /// to send and the step that [`commit_encrypt`](Self::commit_encrypt)
    /// commits. Draws the same randomness as `encrypt`.
    pub(crate) fn plan_encrypt<R: TryCryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<(Vec<u8>, SendStep)> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::TooLarge);
        }
        let step = self.ratchet.plan_send(rng)?;
        let message = step.seal(&self.ad_hash, plaintext, self.padding, rng)?;
        let message = match &self.pending_handshake {
            Some(handshake) => PrekeyMessage::encode(&self.local_identity, handshake, &message),
            None => message,
        };
        Ok((message, step))
    }

    /// Commits a step planned by [`plan_encrypt`](Self::plan_encrypt).
    pub(crate) fn commit_encrypt(&mut self, step: SendStep) {
        self.ratchet.apply_send(step);
    }

    /// Decrypts a message (normal, or a repeated prekey message of this
    /// session).
    ///
    /// On any error the session is left exactly as it was, so a forged,
    /// corrupted or replayed message cannot disturb the conversation.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] (tampered or not for this session),
    /// [`Error::DuplicateMessage`] (replayed, or its skipped key was
    /// evicted), [`Error::TooFarAhead`], [`Error::SessionMismatch`] (a prekey
    /// message of another session), [`Error::StaleSession`] (a message the
    /// peer sent from a copy of its session restored from before a ratchet
    /// step: such a message can never be decrypted), or a decoding error.
    pub fn decrypt(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        let step = self.plan_decrypt(message)?;
        Ok(self.commit_decrypt(step))
    }

    /// [`decrypt`](Self::decrypt) without changing the session.
    pub(crate) fn plan_decrypt(&self, message: &[u8]) -> Result<ReceiveStep> {
        let prekey;
        let bytes = match crate::message::message_type(message)? {
            crate::MessageType::Normal => message,
            crate::MessageType::Prekey => {
                prekey = PrekeyMessage::from_bytes(message)?;
                if self.role != Role::Responder || prekey.session_id() != self.session_id {
                    return Err(Error::SessionMismatch);
                }
                &prekey.message
            }
        };
        let parts = MessageParts::parse(bytes)?;
        self.ratchet.plan_receive(&self.ad_hash, &parts)
    }

    /// Whether one of this session's header keys opens a normal message's
    /// header (§17.2).
    pub(crate) fn opens_header(&self, parts: &MessageParts<'_>) -> bool {
        self.ratchet.opens_header(&self.ad_hash, parts)
    }

    /// Commits a step planned by [`plan_decrypt`](Self::plan_decrypt) and
    /// returns the plaintext.
    pub(crate) fn commit_decrypt(&mut self, step: ReceiveStep) -> Vec<u8> {
        let plaintext = self.ratchet.apply_receive(step);
        // Any authenticated message from the peer proves it has the session.
        self.pending_handshake = None;
        plaintext
    }

    /// The ratchet's current root key.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) const fn root_key(&self) -> &crate::ratchet::RootKey {
        self.ratchet.root_key()
    }

    /// This session's identifier (equal on both sides).
    pub const fn id(&self) -> SessionId {
        self.session_id
    }

    /// Whether this side initiated or accepted the session.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// This device's identity.
    pub const fn local_identity(&self) -> &IdentityKey {
        &self.local_identity
    }

    /// The peer's identity. Compare [`safety_number`](Self::safety_number)
    /// out of band to be sure it is really theirs.
    pub const fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// Whether the initiator is still waiting for the first reply (and so
    /// still sends prekey messages).
    pub const fn awaiting_reply(&self) -> bool {
        self.pending_handshake.is_some()
    }

    /// The safety number of the two identities.
    pub fn safety_number(&self) -> SafetyNumber {
        SafetyNumber::new(&self.local_identity, &self.remote_identity)
    }

    /// The padding applied to outgoing messages.
    pub const fn padding(&self) -> Padding {
        self.padding
    }

    /// Changes the padding of outgoing messages (incoming messages are
    /// unpadded whatever the sender chose).
    pub fn set_padding(&mut self, padding: Padding) {
        self.padding = padding;
    }

    /// Seals the session under `storage_key`.
    ///
    /// Restoring an older sealed session and sending again is safe: keys may
    /// be reused but with fresh random nonces (PROTOCOL.md §"Nonces"), though
    /// the peer will reject messages whose indexes it has already seen.
    ///
    /// # Errors
    /// [`Error::Randomness`], or [`Error::TooLarge`] for a session over the
    /// sealed size limit (cannot happen within the skipped-key bounds).
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        storage_key: &StorageKey,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        sealed::seal(Kind::SealedSession, &self.serialize()?, storage_key, rng)
    }

    /// Restores a session sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::UnsealFailed`] for a wrong key or corrupted bytes,
    /// [`Error::WrongObjectType`] for a sealed account, or a decoding error.
    pub fn unseal(storage_key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let plaintext = sealed::unseal(Kind::SealedSession, sealed_bytes, storage_key)?;
        Self::deserialize(&plaintext)
    }

    pub(crate) fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        // An upper bound, so that the buffer never reallocates: a reallocation
        // would free a copy of the keys unwiped. Identities 2 × 130, handshake
        // fields at most 1131.
        let bound = 3
            + 32
            + 32
            + 2 * 130
            + self.ratchet.serialized_len_bound()
            + 1
            + 1131
            + crate::ratchet::pq::MAX_SERIALIZED_LEN;
        let mut out = Zeroizing::new(Vec::with_capacity(bound));
        out.put_u8(if self.ratchet.is_pq() {
            SESSION_FORMAT_V2
        } else {
            SESSION_FORMAT
        });
        out.put_u8(match self.role {
            Role::Initiator => 0,
            Role::Responder => 1,
        });
        out.put_u8(self.padding.to_byte());
        out.put(self.session_id.as_bytes());
        out.put(&self.ad_hash);
        self.local_identity.write(&mut out);
        self.remote_identity.write(&mut out);
        self.ratchet.write(&mut out)?;
        out.put_flag(self.pending_handshake.is_some());
        if let Some(handshake) = &self.pending_handshake {
            write_handshake(&mut out, handshake);
        }
        if let Some(kem) = self.ratchet.kem() {
            kem.write(&mut out);
        }
        debug_assert!(out.len() <= bound);
        Ok(out)
    }

    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let format = reader.u8()?;
        if format != SESSION_FORMAT && format != SESSION_FORMAT_V2 {
            return Err(Error::UnsupportedVersion);
        }
        let role = match reader.u8()? {
            0 => Role::Initiator,
            1 => Role::Responder,
            _ => return Err(Error::Malformed),
        };
        let padding = Padding::from_byte(reader.u8()?)?;
        let session_id = SessionId::from_bytes(reader.array()?);
        let ad_hash = reader.array()?;
        // Authenticated by the sealing AEAD and verified when first received.
        let local_identity = IdentityKey::read_sealed(&mut reader)?;
        let remote_identity = IdentityKey::read_sealed(&mut reader)?;
        let mut ratchet = Ratchet::read(&mut reader)?;
        let pending_handshake = if reader.flag()? {
            Some(alloc::boxed::Box::new(read_handshake(&mut reader)?))
        } else {
            None
        };
        if format == SESSION_FORMAT_V2 {
            ratchet.set_kem(crate::ratchet::pq::KemRatchet::read(&mut reader)?);
        }
        reader.finish()?;
        if pending_handshake.is_some() && role != Role::Initiator {
            return Err(Error::Malformed);
        }
        Ok(Session {
            role,
            padding,
            session_id,
            ad_hash,
            local_identity,
            remote_identity,
            ratchet,
            pending_handshake,
        })
    }

    /// Whether this session runs ratchet version 2, the post-quantum KEM
    /// ratchet of PROTOCOL.md §22 (negotiated from the peer's bundle, §22.2).
    /// An application that once saw a version-2 session with a peer can
    /// refuse a later version-1 session with it (a downgrade by the server).
    pub const fn uses_pq_ratchet(&self) -> bool {
        self.ratchet.is_pq()
    }

    /// The current KEM epoch of a version-2 session (PROTOCOL.md §22.5):
    /// the number of KEM exchanges completed and mixed on this side.
    pub fn kem_epoch(&self) -> Option<u32> {
        self.ratchet
            .kem()
            .map(crate::ratchet::pq::KemRatchet::epoch)
    }

    /// Whether this session can encrypt (always true for sessions built by
    /// the public constructors).
    pub const fn can_encrypt(&self) -> bool {
        self.ratchet.can_send()
    }
}

/// A session created from a prekey message whose first message decrypted,
/// not yet committed: [`commit`](Self::commit) consumes the prekeys.
///
/// Made by [`hazmat::plan_accept`](crate::hazmat::plan_accept) (with the
/// `hazmat` feature); [`Session::accept`] is that plan and its commit.
#[derive(Debug)]
pub struct Accepted {
    session: Session,
    step: ReceiveStep,
    ids: PrekeyIds,
    base_key: [u8; 32],
}

impl Accepted {
    /// The new session, before the commit.
    pub(crate) const fn session(&self) -> &Session {
        &self.session
    }

    /// The first message's decryption.
    pub const fn step(&self) -> &ReceiveStep {
        &self.step
    }

    /// Deletes the one-time prekeys the message used, remembers its base key
    /// and returns the session with the first message's plaintext.
    pub fn commit(self, account: &mut Account) -> (Session, Vec<u8>) {
        let Accepted {
            mut session,
            step,
            ids,
            base_key,
        } = self;
        let plaintext = session.commit_decrypt(step);
        account.consume_prekeys(&ids, base_key);
        (session, plaintext)
    }
}
