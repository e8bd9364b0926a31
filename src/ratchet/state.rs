//! The state machine (PROTOCOL.md §6.2–§6.5): one function per step.
//!
//! Each operation is split in two. A pure *plan* function (`plan_send`,
//! `plan_receive`) computes everything a message needs, new keys included,
//! from `&self`; an *apply* function commits the result with moves only and
//! cannot fail. Decryption is transactional because nothing is written
//! before the body authenticates; the vector generator (and, with the
//! `hazmat` feature, anyone) can inspect a plan before committing it.

use super::chain::{Advanced, ReceivingChain, RetiredChain, SendingChain, SkippedKeys, advance};
use super::header::{Header, header_bytes};
use super::kdf::{ChainKey, HeaderKey, MessageKey, RootKey, RootStep};
use super::pq::{KemField, KemRatchet, KemSendPlan, Mix, kdf_rk2};
use crate::limits::{MAX_RETIRED_CHAINS, MAX_SKIPPED_KEYS, trim_front};
use crate::message::{MessageParts, encode_normal_message};
use crate::padding::{Padding, pad};
use crate::primitives::aead::XNONCE_LEN;
use crate::primitives::{random_array, reserve_wiping, wipe_spare_capacity, x25519};
use crate::wire::Kind;
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// `DHs`: our current ratchet key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RatchetKeyPair {
    pub(super) private: x25519::PrivateKey,
    pub(super) public: [u8; 32],
}

impl RatchetKeyPair {
    pub(super) fn new(private: x25519::PrivateKey) -> Self {
        RatchetKeyPair {
            public: private.public_key(),
            private,
        }
    }
}

/// The sending side of the state (`DHr`, `CKs`, `Ns`, `PN`, `HKs`,
/// `pending` of §6.2), as the three shapes it can take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SendState {
    /// A responder before the first message: no `DHr`, no chain, no `HKs`.
    /// It cannot send (through the API such a state is never returned).
    AwaitingFirstMessage,
    /// Sending on `chain` under `HKs = header_key`, to the peer's ratchet
    /// key `DHr`.
    Sending {
        their_ratchet_key: [u8; 32],
        chain: SendingChain,
        header_key: HeaderKey,
        previous_chain_length: u32,
    },
    /// A new peer ratchet key arrived (`pending`): the sending half of the
    /// DH step runs at the next encryption, under `HKs = NHKs`. The last
    /// sending chain gives the next header's `PN`; it and the `PN` it had
    /// are kept only because the v1 sealed form (§9.2) records them.
    StepDue {
        their_ratchet_key: [u8; 32],
        previous_chain: Option<SendingChain>,
        previous_chain_length: u32,
    },
}

impl SendState {
    /// `DHr`, if known.
    pub(super) const fn their_ratchet_key(&self) -> Option<&[u8; 32]> {
        match self {
            SendState::AwaitingFirstMessage => None,
            SendState::Sending {
                their_ratchet_key, ..
            }
            | SendState::StepDue {
                their_ratchet_key, ..
            } => Some(their_ratchet_key),
        }
    }

    /// The receiving half of a DH step ran with the peer's new key `their`.
    fn step_due(self, their: [u8; 32]) -> Self {
        let (previous_chain, previous_chain_length) = match self {
            SendState::AwaitingFirstMessage => (None, 0),
            SendState::Sending {
                chain,
                previous_chain_length,
                ..
            } => (Some(chain), previous_chain_length),
            SendState::StepDue {
                previous_chain,
                previous_chain_length,
                ..
            } => (previous_chain, previous_chain_length),
        };
        SendState::StepDue {
            their_ratchet_key: their,
            previous_chain,
            previous_chain_length,
        }
    }
}

/// The state of one side of a conversation (§6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ratchet {
    pub(super) root_key: RootKey,
    pub(super) our_ratchet_key: RatchetKeyPair,
    pub(super) send: SendState,
    pub(super) next_send_header_key: HeaderKey,
    pub(super) receiving: Option<ReceivingChain>,
    pub(super) next_receive_header_key: HeaderKey,
    /// Oldest first.
    pub(super) retired: Vec<RetiredChain>,
    /// The KEM ratchet: present exactly in sessions of ratchet version 2
    /// (PROTOCOL.md §22), whose messages are of kind `0x12`.
    pub(super) kem: Option<KemRatchet>,
}

/// The sending half of a DH ratchet step (§6.4 step 1), computed aside.
#[derive(Debug)]
struct SendingRatchetStep {
    our_ratchet_key: RatchetKeyPair,
    root_key: RootKey,
    next_header_key: HeaderKey,
}

/// One encryption, planned by `plan_send` and committed by `apply_send`:
/// the header, its keys and the state after it. `Debug` redacts the keys.
#[derive(Debug)]
pub struct SendStep {
    header: Header,
    header_key: HeaderKey,
    message_key: MessageKey,
    their_ratchet_key: [u8; 32],
    chain: SendingChain,
    ratchet_step: Option<SendingRatchetStep>,
    /// Version 2: the KEM field and the KEM state after this message.
    kem: Option<KemSendPlan>,
}

#[cfg(any(test, feature = "hazmat"))]
impl SendStep {
    /// The message's plaintext header.
    pub const fn header(&self) -> &Header {
        &self.header
    }
    /// `HKs`, the key the header is encrypted under.
    pub const fn header_key(&self) -> &HeaderKey {
        &self.header_key
    }
    /// `mk`, the key the body is encrypted under.
    pub const fn message_key(&self) -> &MessageKey {
        &self.message_key
    }
    /// `CKs` after this message.
    pub const fn chain_key(&self) -> &ChainKey {
        &self.chain.chain_key
    }
    /// The new root key, when this message runs a sending step.
    pub fn new_root_key(&self) -> Option<&RootKey> {
        self.ratchet_step.as_ref().map(|step| &step.root_key)
    }
    /// Version 2: the KEM field the header carries (PROTOCOL.md §22.3).
    pub fn kem_field(&self) -> Option<&KemField> {
        self.kem.as_ref().map(|plan| &plan.field)
    }
    /// Version 2: the KEM exchange this message's DH step mixes.
    pub fn kem_mix(&self) -> Option<&Mix> {
        self.kem.as_ref().and_then(|plan| plan.mix.as_ref())
    }
}

impl SendStep {
    /// Draws the nonce, pads the plaintext and builds the §7.2 message.
    pub(crate) fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        ad_hash: &[u8; 32],
        plaintext: &[u8],
        padding: Padding,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let nonce: [u8; XNONCE_LEN] = random_array(rng)?;
        let padded = Zeroizing::new(pad(plaintext, padding));
        let field = self.kem.as_ref().map(|plan| &plan.field);
        let kind = if field.is_some() {
            Kind::MessageV2
        } else {
            Kind::Message
        };
        encode_normal_message(
            ad_hash,
            &nonce,
            &self.header_key,
            kind,
            &header_bytes(&self.header, field),
            &self.message_key,
            &padded,
        )
    }
}

/// Which stored chain holds a skipped key.
#[derive(Clone, Copy, Debug)]
enum SkippedIn {
    Current,
    Retired(usize),
}

/// The new state of a receiving chain after a message.
#[derive(Debug)]
struct ChainUpdate {
    chain_key: ChainKey,
    next_index: u32,
    skipped: SkippedKeys,
}

impl ChainUpdate {
    fn split(advanced: Advanced) -> (MessageKey, ChainUpdate) {
        let update = ChainUpdate {
            chain_key: advanced.chain_key,
            next_index: advanced.next_index,
            skipped: advanced.skipped,
        };
        (advanced.message_key, update)
    }
}

/// The receiving half of a DH ratchet step (§6.5 case b), computed aside.
#[derive(Debug)]
struct ReceivingRatchetStep {
    their_ratchet_key: [u8; 32],
    root_key: RootKey,
    next_receive_header_key: HeaderKey,
    /// Skipped keys that finish the old receiving chain.
    finished: Option<SkippedKeys>,
    chain: ChainUpdate,
}

/// What committing a decryption changes.
#[derive(Debug)]
enum ReceiveChange {
    /// A stored skipped key was used: delete it.
    UsedSkipped { chain: SkippedIn, position: usize },
    /// The current receiving chain moved forward.
    Advanced(ChainUpdate),
    /// A new receiving chain replaces the current one. Not boxed: a box
    /// would be freed with the moved-out keys still in it.
    NewChain(ReceivingRatchetStep),
}

/// One decryption, planned by `plan_receive` and committed by
/// `apply_receive`. It exists only once the body authenticated.
///
/// `Debug` shows the header only (not the plaintext, and keys redacted).
pub struct ReceiveStep {
    header: Header,
    message_key: MessageKey,
    plaintext: Zeroizing<Vec<u8>>,
    change: ReceiveChange,
    /// Version 2: the KEM field of the header.
    kem_field: Option<KemField>,
    /// Version 2: the KEM state after this message, when it changes.
    kem: Option<KemRatchet>,
}

#[cfg(any(test, feature = "hazmat"))]
impl ReceiveStep {
    /// The decrypted header.
    pub const fn header(&self) -> &Header {
        &self.header
    }
    /// The message key that opened the body.
    pub const fn message_key(&self) -> &MessageKey {
        &self.message_key
    }
    /// `CKr` after this message; `None` when it used a skipped key.
    pub fn chain_key(&self) -> Option<&ChainKey> {
        match &self.change {
            ReceiveChange::UsedSkipped { .. } => None,
            ReceiveChange::Advanced(update) => Some(&update.chain_key),
            ReceiveChange::NewChain(step) => Some(&step.chain.chain_key),
        }
    }
    /// The new root key, when this message runs a receiving step.
    pub fn new_root_key(&self) -> Option<&RootKey> {
        match &self.change {
            ReceiveChange::NewChain(step) => Some(&step.root_key),
            _ => None,
        }
    }
}

impl ReceiveStep {
    /// The unpadded plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }
    /// Version 2: the KEM field of the header (PROTOCOL.md §22.3).
    // Read only through `hazmat` (vectors and tests); unused without it.
    #[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
    pub const fn kem_field(&self) -> Option<&KemField> {
        self.kem_field.as_ref()
    }
}

impl fmt::Debug for ReceiveStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiveStep")
            .field("header", &self.header)
            .field("message_key", &self.message_key)
            .finish_non_exhaustive()
    }
}

/// Which header key opened a header (§6.5 step 3).
enum Route {
    Current,
    NextChain,
    Retired(usize),
}

impl Ratchet {
    /// The initiator's state (§6.3): it can send at once, under `HK_A`.
    pub(crate) fn initiator(
        root_key: &RootKey,
        header_key: HeaderKey,
        next_receive_header_key: HeaderKey,
        their_signed_prekey: [u8; 32],
        our_ratchet_key: x25519::PrivateKey,
        pq: bool,
    ) -> Result<Self> {
        let dh = our_ratchet_key.diffie_hellman(&their_signed_prekey)?;
        let RootStep {
            root_key,
            chain_key,
            next_header_key,
        } = if pq {
            kdf_rk2(root_key, &dh, None)
        } else {
            root_key.step(&dh)
        };
        Ok(Ratchet {
            root_key,
            our_ratchet_key: RatchetKeyPair::new(our_ratchet_key),
            send: SendState::Sending {
                their_ratchet_key: their_signed_prekey,
                chain: SendingChain::new(chain_key),
                header_key,
                previous_chain_length: 0,
            },
            next_send_header_key: next_header_key,
            receiving: None,
            next_receive_header_key,
            retired: Vec::new(),
            kem: pq.then(KemRatchet::initiator),
        })
    }

    /// The responder's state before its first message (§6.3): its signed
    /// prekey is the first ratchet key, and it cannot send until it has
    /// received.
    pub(crate) fn responder(
        root_key: RootKey,
        next_send_header_key: HeaderKey,
        next_receive_header_key: HeaderKey,
        signed_prekey: x25519::PrivateKey,
        pq: bool,
    ) -> Self {
        Ratchet {
            root_key,
            our_ratchet_key: RatchetKeyPair::new(signed_prekey),
            send: SendState::AwaitingFirstMessage,
            next_send_header_key,
            receiving: None,
            next_receive_header_key,
            retired: Vec::new(),
            kem: pq.then(KemRatchet::responder),
        }
    }

    /// Whether this is a ratchet of version 2 (with the KEM ratchet).
    pub(crate) const fn is_pq(&self) -> bool {
        self.kem.is_some()
    }

    /// The KEM ratchet of a version-2 session.
    pub(crate) const fn kem(&self) -> Option<&KemRatchet> {
        self.kem.as_ref()
    }

    /// Attaches the KEM ratchet read from sealed session format 2.
    pub(crate) fn set_kem(&mut self, kem: KemRatchet) {
        self.kem = Some(kem);
    }

    /// KDF_RK (version 1) or KDF_RK2 (version 2, with the KEM exchange
    /// `mix` when one is mixed at this step).
    fn root_step(&self, dh: &crate::primitives::Secret<32>, mix: Option<&Mix>) -> RootStep {
        if self.kem.is_some() {
            kdf_rk2(&self.root_key, dh, mix)
        } else {
            self.root_key.step(dh)
        }
    }

    /// Whether the session can send (it has `HKs`).
    pub(crate) const fn can_send(&self) -> bool {
        !matches!(self.send, SendState::AwaitingFirstMessage)
    }

    /// `RK`.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) const fn root_key(&self) -> &RootKey {
        &self.root_key
    }

    /// §6.4 steps 1–3: the next message's header and keys, running the
    /// sending half of a DH step first when one is due.
    pub(crate) fn plan_send<R: TryCryptoRng + ?Sized>(&self, rng: &mut R) -> Result<SendStep> {
        match &self.send {
            SendState::AwaitingFirstMessage => Err(Error::Internal),
            SendState::Sending {
                their_ratchet_key,
                chain,
                header_key,
                previous_chain_length,
            } => {
                let (index, message_key, chain) = chain.next_message()?;
                let kem = self
                    .kem
                    .as_ref()
                    .map(|kem| kem.plan_send(false, rng))
                    .transpose()?;
                Ok(SendStep {
                    header: Header {
                        ratchet_key: self.our_ratchet_key.public,
                        previous_chain_length: *previous_chain_length,
                        index,
                    },
                    header_key: header_key.clone(),
                    message_key,
                    their_ratchet_key: *their_ratchet_key,
                    chain,
                    ratchet_step: None,
                    kem,
                })
            }
            SendState::StepDue {
                their_ratchet_key,
                previous_chain,
                ..
            } => {
                let (step, chain_key, kem) = self.sending_ratchet_step(their_ratchet_key, rng)?;
                let (index, message_key, chain) = SendingChain::new(chain_key).next_message()?;
                Ok(SendStep {
                    header: Header {
                        ratchet_key: step.our_ratchet_key.public,
                        previous_chain_length: previous_chain.as_ref().map_or(0, |c| c.next_index),
                        index,
                    },
                    header_key: self.next_send_header_key.clone(),
                    message_key,
                    their_ratchet_key: *their_ratchet_key,
                    chain,
                    ratchet_step: Some(step),
                    kem,
                })
            }
        }
    }

    /// The sending half of a DH ratchet step: a fresh key pair and
    /// `KDF_RK(RK, X25519(DHs', DHr))` (version 2: `KDF_RK2`, mixing a
    /// completed KEM exchange when one is due, PROTOCOL.md §22.6).
    fn sending_ratchet_step<R: TryCryptoRng + ?Sized>(
        &self,
        their_ratchet_key: &[u8; 32],
        rng: &mut R,
    ) -> Result<(SendingRatchetStep, ChainKey, Option<KemSendPlan>)> {
        let private = x25519::PrivateKey::generate(rng)?;
        let dh = private.diffie_hellman(their_ratchet_key)?;
        let kem = self
            .kem
            .as_ref()
            .map(|kem| kem.plan_send(true, rng))
            .transpose()?;
        let mix = kem.as_ref().and_then(|plan| plan.mix.as_ref());
        let RootStep {
            root_key,
            chain_key,
            next_header_key,
        } = self.root_step(&dh, mix);
        let step = SendingRatchetStep {
            our_ratchet_key: RatchetKeyPair::new(private),
            root_key,
            next_header_key,
        };
        Ok((step, chain_key, kem))
    }

    /// §6.4 step 6: commits a planned encryption.
    pub(crate) fn apply_send(&mut self, step: SendStep) {
        if let Some(plan) = step.kem {
            self.kem = Some(plan.next);
        }
        if let Some(ratchet_step) = step.ratchet_step {
            self.our_ratchet_key = ratchet_step.our_ratchet_key;
            self.root_key = ratchet_step.root_key;
            self.next_send_header_key = ratchet_step.next_header_key;
        }
        self.send = SendState::Sending {
            their_ratchet_key: step.their_ratchet_key,
            chain: step.chain,
            header_key: step.header_key,
            previous_chain_length: step.header.previous_chain_length,
        };
    }

    /// §6.5 steps 3–7, without changing anything: routes the header, finds
    /// or derives the message key and opens the body.
    pub(crate) fn plan_receive(
        &self,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
    ) -> Result<ReceiveStep> {
        let expected = if self.kem.is_some() {
            Kind::MessageV2
        } else {
            Kind::Message
        };
        if message.kind != expected {
            return Err(Error::WrongObjectType);
        }
        let (route, header, field) = self.decrypt_header(ad_hash, message)?;
        let mix = match (&route, &self.kem, &field) {
            (Route::NextChain, Some(kem), Some(field)) => kem.mix_for_new_chain(field)?,
            _ => None,
        };
        let mut step = match route {
            Route::Current => self.receive_on_current_chain(header, ad_hash, message),
            Route::NextChain => self.receiving_ratchet_step(header, ad_hash, message, mix.as_ref()),
            Route::Retired(chain) => {
                self.open_skipped(SkippedIn::Retired(chain), header, ad_hash, message)
            }
        }?;
        if let (Some(kem), Some(field)) = (&self.kem, &field) {
            step.kem = kem.plan_receive(field, mix.is_some())?.0;
        }
        step.kem_field = field;
        Ok(step)
    }

    /// Whether one of the header keys §6.5 step 3 tries authenticates the
    /// message's header (the cheap routing test of a session record, §17.2).
    pub(crate) fn opens_header(&self, ad_hash: &[u8; 32], message: &MessageParts<'_>) -> bool {
        let opens = |key: &HeaderKey| {
            key.open_header(
                ad_hash,
                &message.nonce,
                message.kind,
                message.encrypted_header,
            )
            .is_some()
        };
        self.receiving
            .as_ref()
            .is_some_and(|c| opens(&c.header_key))
            || opens(&self.next_receive_header_key)
            || self.retired.iter().any(|c| opens(&c.header_key))
    }

    /// §6.5 step 3: trial-decrypts the header under the current chain's
    /// header key, the next one, then retired chains from newest to oldest.
    fn decrypt_header(
        &self,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
    ) -> Result<(Route, Header, Option<KemField>)> {
        let open = |key: &HeaderKey| {
            key.open_header(
                ad_hash,
                &message.nonce,
                message.kind,
                message.encrypted_header,
            )
        };
        if let Some(header) = self.receiving.as_ref().and_then(|c| open(&c.header_key)) {
            let (header, field) = header?;
            return Ok((Route::Current, header, field));
        }
        if let Some(header) = open(&self.next_receive_header_key) {
            let (header, field) = header?;
            return Ok((Route::NextChain, header, field));
        }
        for (index, chain) in self.retired.iter().enumerate().rev() {
            if let Some(header) = open(&chain.header_key) {
                let (header, field) = header?;
                return Ok((Route::Retired(index), header, field));
            }
        }
        Err(Error::DecryptionFailed)
    }

    /// §6.5 case (a): a message of the current receiving chain.
    fn receive_on_current_chain(
        &self,
        header: Header,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
    ) -> Result<ReceiveStep> {
        let chain = self.receiving.as_ref().ok_or(Error::DecryptionFailed)?;
        if self.send.their_ratchet_key() != Some(&header.ratchet_key) {
            // The peer restored a session from before its last ratchet step.
            return Err(Error::StaleSession);
        }
        if header.index < chain.next_index {
            return self.open_skipped(SkippedIn::Current, header, ad_hash, message);
        }
        let advanced = advance(&chain.chain_key, chain.next_index, header.index)?;
        let (message_key, update) = ChainUpdate::split(advanced);
        let plaintext = message.open_body(&message_key, ad_hash)?;
        Ok(ReceiveStep {
            header,
            message_key,
            plaintext,
            change: ReceiveChange::Advanced(update),
            kem_field: None,
            kem: None,
        })
    }

    /// Skipped-key lookup (§6.5 cases a and c): finds the key for the
    /// header's index, opens the body with it, and plans its removal.
    fn open_skipped(
        &self,
        chain: SkippedIn,
        header: Header,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
    ) -> Result<ReceiveStep> {
        let keys = self.skipped_keys(chain).ok_or(Error::DecryptionFailed)?;
        let (position, key) = keys.find(header.index).ok_or(Error::DuplicateMessage)?;
        let plaintext = message.open_body(key, ad_hash)?;
        Ok(ReceiveStep {
            header,
            message_key: key.clone(),
            plaintext,
            change: ReceiveChange::UsedSkipped { chain, position },
            kem_field: None,
            kem: None,
        })
    }

    /// §6.5 case (b), the receiving half of a DH ratchet step: finishes the
    /// current chain up to the sender's `PN`, then derives the new chain.
    fn receiving_ratchet_step(
        &self,
        header: Header,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
        mix: Option<&Mix>,
    ) -> Result<ReceiveStep> {
        let finished = self.finish_current_chain(header.previous_chain_length)?;
        let dh = self
            .our_ratchet_key
            .private
            .diffie_hellman(&header.ratchet_key)?;
        let RootStep {
            root_key,
            chain_key,
            next_header_key,
        } = self.root_step(&dh, mix);
        let (message_key, chain) = ChainUpdate::split(advance(&chain_key, 0, header.index)?);
        let plaintext = message.open_body(&message_key, ad_hash)?;
        let step = ReceivingRatchetStep {
            their_ratchet_key: header.ratchet_key,
            root_key,
            next_receive_header_key: next_header_key,
            finished,
            chain,
        };
        Ok(ReceiveStep {
            header,
            message_key,
            plaintext,
            change: ReceiveChange::NewChain(step),
            kem_field: None,
            kem: None,
        })
    }

    /// The keys of the current chain's indexes `Nr .. pn − 1`, so that late
    /// messages of the old chain stay decryptable.
    fn finish_current_chain(&self, previous_chain_length: u32) -> Result<Option<SkippedKeys>> {
        match &self.receiving {
            Some(chain) if previous_chain_length > chain.next_index => {
                // `advance` derives one key past the end: that index was never
                // sent, so it is not stored.
                let advanced = advance(&chain.chain_key, chain.next_index, previous_chain_length)?;
                Ok(Some(advanced.skipped))
            }
            _ => Ok(None),
        }
    }

    /// Commits a planned decryption and returns its plaintext. Cannot fail.
    pub(crate) fn apply_receive(&mut self, step: ReceiveStep) -> Vec<u8> {
        let ReceiveStep {
            mut plaintext,
            change,
            kem,
            ..
        } = step;
        if let Some(kem) = kem {
            self.kem = Some(kem);
        }
        match change {
            ReceiveChange::UsedSkipped { chain, position } => {
                if let Some(keys) = self.skipped_keys_mut(chain) {
                    keys.remove(position);
                }
            }
            ReceiveChange::Advanced(update) => {
                if let Some(chain) = self.receiving.as_mut() {
                    chain.chain_key = update.chain_key;
                    chain.next_index = update.next_index;
                    chain.skipped.append(update.skipped);
                }
                self.enforce_skipped_bound();
            }
            ReceiveChange::NewChain(step) => self.apply_receiving_ratchet_step(step),
        }
        core::mem::take(&mut *plaintext)
    }

    /// §6.5 case (b), on success: the current chain retires, the new one
    /// becomes current under the old `NHKr`, and a sending step is due.
    fn apply_receiving_ratchet_step(&mut self, step: ReceivingRatchetStep) {
        if let Some(old) = self.receiving.take() {
            let mut skipped = old.skipped;
            if let Some(finished) = step.finished {
                skipped.append(finished);
            }
            self.retire(RetiredChain {
                header_key: old.header_key,
                skipped,
            });
        }
        let header_key = core::mem::replace(
            &mut self.next_receive_header_key,
            step.next_receive_header_key,
        );
        self.receiving = Some(ReceivingChain {
            header_key,
            chain_key: step.chain.chain_key,
            next_index: step.chain.next_index,
            skipped: step.chain.skipped,
        });
        self.root_key = step.root_key;
        let send = core::mem::replace(&mut self.send, SendState::AwaitingFirstMessage);
        self.send = send.step_due(step.their_ratchet_key);
        self.enforce_skipped_bound();
    }

    /// Appends a retired chain, forgetting the oldest beyond
    /// [`MAX_RETIRED_CHAINS`].
    fn retire(&mut self, chain: RetiredChain) {
        reserve_wiping(&mut self.retired, 1, RetiredChain::zero);
        self.retired.push(chain);
        trim_front(&mut self.retired, MAX_RETIRED_CHAINS);
        wipe_spare_capacity(&mut self.retired, RetiredChain::zero);
    }

    fn skipped_keys(&self, chain: SkippedIn) -> Option<&SkippedKeys> {
        match chain {
            SkippedIn::Current => self.receiving.as_ref().map(|c| &c.skipped),
            SkippedIn::Retired(index) => self.retired.get(index).map(|c| &c.skipped),
        }
    }

    fn skipped_keys_mut(&mut self, chain: SkippedIn) -> Option<&mut SkippedKeys> {
        match chain {
            SkippedIn::Current => self.receiving.as_mut().map(|c| &mut c.skipped),
            SkippedIn::Retired(index) => self.retired.get_mut(index).map(|c| &mut c.skipped),
        }
    }

    pub(super) fn skipped_count(&self) -> usize {
        self.retired.iter().map(|c| c.skipped.len()).sum::<usize>()
            + self.receiving.as_ref().map_or(0, |c| c.skipped.len())
    }

    /// §6.6: evicts the oldest skipped keys until at most
    /// [`MAX_SKIPPED_KEYS`] remain.
    fn enforce_skipped_bound(&mut self) {
        let mut excess = self.skipped_count().saturating_sub(MAX_SKIPPED_KEYS);
        let lists = self
            .retired
            .iter_mut()
            .map(|c| &mut c.skipped)
            .chain(self.receiving.as_mut().map(|c| &mut c.skipped));
        for list in lists {
            if excess == 0 {
                break;
            }
            excess -= list.evict_oldest(excess);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageParts;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// An initiator and a responder as the handshake would leave them.
    fn pair(rng: &mut ChaCha20Rng) -> (Ratchet, Ratchet) {
        let root = RootKey::from_bytes([1; 32]);
        let (hk_a, nhk_b) = (
            HeaderKey::from_bytes([2; 32]),
            HeaderKey::from_bytes([3; 32]),
        );
        let signed_prekey = x25519::PrivateKey::generate(rng).unwrap();
        let ratchet_key = x25519::PrivateKey::generate(rng).unwrap();
        let alice = Ratchet::initiator(
            &root,
            hk_a.clone(),
            nhk_b.clone(),
            signed_prekey.public_key(),
            ratchet_key,
            false,
        )
        .unwrap();
        (
            alice,
            Ratchet::responder(root, nhk_b, hk_a, signed_prekey, false),
        )
    }

    #[test]
    fn plans_change_nothing_until_committed_and_debug_redacts() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (mut alice, mut bob) = pair(&mut rng);
        assert!(!bob.can_send() && alice.can_send());
        let ad = [9; 32];
        let send = alice.plan_send(&mut rng).unwrap();
        let message = send.seal(&ad, b"hello", Padding::None, &mut rng).unwrap();
        let shown = alloc::format!("{send:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&alloc::format!("{:?}", send.message_key().expose())));
        let before = alice.clone();
        assert_eq!(alice.plan_send(&mut rng).unwrap().header().index, 0);
        assert_eq!(alice, before, "planning does not commit");
        alice.apply_send(send);

        let parts = MessageParts::parse(&message).unwrap();
        let untouched = bob.clone();
        assert!(bob.plan_receive(&[8; 32], &parts).is_err());
        let step = bob.plan_receive(&ad, &parts).unwrap();
        assert_eq!(bob, untouched, "planning does not commit");
        assert!(!alloc::format!("{step:?}").contains("hello"));
        assert!(step.new_root_key().is_some() && step.chain_key().is_some());
        assert_eq!(bob.apply_receive(step), b"hello");
        assert!(matches!(bob.send, SendState::StepDue { .. }));
        let reply = bob.plan_send(&mut rng).unwrap();
        assert_eq!(reply.header().previous_chain_length, 0);
        assert!(reply.new_root_key().is_some());
    }
}
