//! PROTOCOL.md §22.5–§22.6: the KEM ratchet's state machine.
//!
//! As in the DH ratchet, every operation is planned from `&self` (a new
//! state computed aside) and committed by a move that cannot fail, so a
//! message that fails to decrypt changes nothing here either. Decryption
//! draws no randomness: key generation and encapsulation run at the next
//! encryption (the phases `KeygenDue` and `EncapsDue`).

use super::assembly::Assembly;
use super::field::{CT_CHUNKS, EK_CHUNKS, KemField, chunk_of};
use super::kdf::{Mix, transcript_hash};
use crate::primitives::kem::{self, CIPHERTEXT_LEN, PUBLIC_KEY_LEN};
use crate::{Error, Result};
use alloc::boxed::Box;
use rand_core::TryCryptoRng;

/// The bit of chunk `index` in a set of received chunks (0 past bit 31;
/// the field decoder admits indexes below 24 only).
fn bit(index: u8) -> u32 {
    1u32.checked_shl(u32::from(index)).unwrap_or(0)
}

/// Our own key pair of the current epoch (we are its owner).
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    pub(super) key: kem::PrivateKey,
    pub(super) ek: Box<[u8; PUBLIC_KEY_LEN]>,
    /// Messages that carried a key chunk so far (the next chunk is
    /// `sent mod 24`).
    pub(super) sent: u32,
    pub(super) ct: Assembly<CIPHERTEXT_LEN>,
    /// A ciphertext chunk of this epoch arrived: the peer holds the whole
    /// key, so we stop sending it.
    pub(super) peer_started: bool,
}

impl PartialEq for Owner {
    fn eq(&self, other: &Self) -> bool {
        self.key.seed() == other.key.seed()
            && self.sent == other.sent
            && self.ct == other.ct
            && self.peer_started == other.peer_started
    }
}
impl Eq for Owner {}

/// Our ciphertext of the current epoch (the peer owns the key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Encapsulated {
    pub(super) ct: Box<[u8; CIPHERTEXT_LEN]>,
    pub(super) mix: Mix,
    pub(super) sent: u32,
}

/// Where the exchange of the current epoch stands, seen from this side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// We own the epoch; the key pair is drawn at the next encryption.
    KeygenDue,
    /// We own the epoch: sending the key, collecting the ciphertext.
    Owner(Box<Owner>),
    /// We decapsulated: the secret is mixed at our next DH sending step.
    MixDue(Mix),
    /// The peer owns the epoch: collecting its key.
    AwaitingEk(Assembly<PUBLIC_KEY_LEN>),
    /// The whole key arrived: we encapsulate at the next encryption.
    EncapsDue(Box<[u8; PUBLIC_KEY_LEN]>),
    /// Sending our ciphertext until the peer's chain that mixes it arrives.
    SendingCt(Box<Encapsulated>),
}

/// The KEM ratchet of one side (§22.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KemRatchet {
    pub(super) epoch: u32,
    pub(super) phase: Phase,
    /// The epoch our current sending chain mixed, repeated in every message
    /// of that chain.
    pub(super) marker: Option<u32>,
}

/// The KEM part of one encryption.
#[derive(Debug)]
pub(crate) struct KemSendPlan {
    /// The field the message carries.
    pub(crate) field: KemField,
    /// The secret this message's DH sending step mixes, if any.
    pub(crate) mix: Option<Mix>,
    pub(crate) next: KemRatchet,
}

/// The KEM part of one decryption: the new state, or `None` when the
/// message changes nothing here.
#[derive(Debug)]
pub(crate) struct KemReceivePlan(pub(crate) Option<KemRatchet>);

impl KemRatchet {
    /// The initiator owns epoch 0; its key pair is drawn at its first
    /// encryption.
    pub(crate) const fn initiator() -> Self {
        KemRatchet {
            epoch: 0,
            phase: Phase::KeygenDue,
            marker: None,
        }
    }

    /// The responder waits for the initiator's key of epoch 0.
    pub(crate) fn responder() -> Self {
        KemRatchet {
            epoch: 0,
            phase: Phase::AwaitingEk(Assembly::new()),
            marker: None,
        }
    }

    /// The current epoch.
    pub(crate) const fn epoch(&self) -> u32 {
        self.epoch
    }

    /// §22.6 sending: `dh_step` tells whether this message runs a DH
    /// sending step. Randomness: an ML-KEM seed (64 bytes) when a key pair
    /// is due, or the encapsulation randomness (32) when a ciphertext is due.
    pub(crate) fn plan_send<R: TryCryptoRng + ?Sized>(
        &self,
        dh_step: bool,
        rng: &mut R,
    ) -> Result<KemSendPlan> {
        let mut next = self.clone();
        let mut mix = None;
        if dh_step {
            next.marker = None;
            if let Phase::MixDue(secret) = &self.phase {
                mix = Some(secret.clone());
                next.marker = Some(self.epoch);
                next.epoch = self.epoch.checked_add(1).ok_or(Error::LimitExceeded)?;
                next.phase = Phase::AwaitingEk(Assembly::new());
            }
        }
        match &next.phase {
            Phase::KeygenDue => {
                let key = kem::PrivateKey::generate(rng)?;
                let ek = Box::new(key.public_key());
                next.phase = Phase::Owner(Box::new(Owner {
                    key,
                    ek,
                    sent: 0,
                    ct: Assembly::new(),
                    peer_started: false,
                }));
            }
            Phase::EncapsDue(ek) => {
                let public = kem::PublicKey::from_bytes(ek)?;
                let (ct, secret) = public.encapsulate(rng)?;
                let transcript = transcript_hash(next.epoch, ek, &ct);
                next.phase = Phase::SendingCt(Box::new(Encapsulated {
                    ct: Box::new(ct),
                    mix: Mix {
                        epoch: next.epoch,
                        secret,
                        transcript,
                    },
                    sent: 0,
                }));
            }
            _ => {}
        }
        let epoch = next.epoch;
        let field = match (next.marker, &mut next.phase) {
            (Some(mixed), _) => KemField::Mix { epoch: mixed },
            (None, Phase::Owner(owner)) if !owner.peer_started => {
                let index = (owner.sent % u32::from(EK_CHUNKS)) as u8;
                owner.sent = owner.sent.wrapping_add(1);
                KemField::EkChunk {
                    epoch,
                    index,
                    data: chunk_of(&owner.ek[..], index).ok_or(Error::Internal)?,
                }
            }
            (None, Phase::SendingCt(sending)) => {
                let index = (sending.sent % u32::from(CT_CHUNKS)) as u8;
                sending.sent = sending.sent.wrapping_add(1);
                KemField::CtChunk {
                    epoch,
                    index,
                    data: chunk_of(&sending.ct[..], index).ok_or(Error::Internal)?,
                }
            }
            _ => KemField::Idle,
        };
        Ok(KemSendPlan { field, mix, next })
    }

    /// §22.6 receiving, for a message that starts a new receiving chain:
    /// the secret its DH step must mix. A mix marker for any exchange other
    /// than the one we encapsulated fails with [`Error::KemMismatch`], and
    /// one of the last epoch, 2³² − 1, with [`Error::LimitExceeded`] (an
    /// honest peer never mixes it): both before anything is derived.
    pub(crate) fn mix_for_new_chain(&self, field: &KemField) -> Result<Option<Mix>> {
        match (field, &self.phase) {
            (KemField::Mix { epoch }, Phase::SendingCt(sending))
                if *epoch == self.epoch && sending.mix.epoch == *epoch =>
            {
                if self.epoch == u32::MAX {
                    return Err(Error::LimitExceeded);
                }
                Ok(Some(sending.mix.clone()))
            }
            (KemField::Mix { .. }, _) => Err(Error::KemMismatch),
            _ => Ok(None),
        }
    }

    /// §22.6 receiving: the state after an authenticated message carrying
    /// `field`; `mixed` when its DH step mixed our secret.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when a completed encapsulation key fails the
    /// ML-KEM modulus check; [`Error::LimitExceeded`] at the last epoch.
    pub(crate) fn plan_receive(&self, field: &KemField, mixed: bool) -> Result<KemReceivePlan> {
        if mixed {
            return Ok(KemReceivePlan(Some(KemRatchet {
                epoch: self.epoch.checked_add(1).ok_or(Error::LimitExceeded)?,
                phase: Phase::KeygenDue,
                marker: self.marker,
            })));
        }
        match (field, &self.phase) {
            (KemField::EkChunk { epoch, index, data }, Phase::AwaitingEk(assembly))
                if *epoch == self.epoch && assembly.received & bit(*index) == 0 =>
            {
                let mut assembly = assembly.clone();
                assembly.add(*index, data);
                let phase = match assembly.complete() {
                    Some(ek) => {
                        kem::PublicKey::from_bytes(ek)?;
                        Phase::EncapsDue(Box::new(*ek))
                    }
                    None => Phase::AwaitingEk(assembly),
                };
                Ok(self.with_phase(phase))
            }
            (KemField::CtChunk { epoch, index, data }, Phase::Owner(owner))
                if *epoch == self.epoch =>
            {
                if owner.ct.received & bit(*index) != 0 && owner.peer_started {
                    return Ok(KemReceivePlan(None));
                }
                let mut owner = owner.clone();
                owner.peer_started = true;
                owner.ct.add(*index, data);
                let phase = match owner.ct.complete() {
                    Some(ct) => {
                        let secret = owner.key.decapsulate(ct);
                        Phase::MixDue(Mix {
                            epoch: self.epoch,
                            secret,
                            transcript: transcript_hash(self.epoch, &owner.ek, ct),
                        })
                    }
                    None => Phase::Owner(owner),
                };
                Ok(self.with_phase(phase))
            }
            _ => Ok(KemReceivePlan(None)),
        }
    }

    fn with_phase(&self, phase: Phase) -> KemReceivePlan {
        KemReceivePlan(Some(KemRatchet {
            epoch: self.epoch,
            phase,
            marker: self.marker,
        }))
    }
}
