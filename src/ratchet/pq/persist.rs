//! PROTOCOL.md §22.8: the KEM ratchet inside sealed session format 2.
//!
//! ```text
//! kem state = u32(epoch) || flag || [u32(marker epoch)] || u8(phase) || phase fields
//! phase 0  key pair due      (nothing)
//! phase 1  owner             seed (64) || u32(sent) || flag(peer started)
//!                            || u32(received) || ct so far (1088)
//! phase 2  mix due           ss (32) || transcript (32)
//! phase 3  awaiting key      u32(received) || ek so far (1184)
//! phase 4  encapsulation due ek (1184)
//! phase 5  sending ct        ct (1088) || ss (32) || transcript (32) || u32(sent)
//! ```

use super::assembly::Assembly;
use super::field::CHUNK_LEN;
use super::kdf::Mix;
use super::state::{Encapsulated, KemRatchet, Owner, Phase};
use crate::primitives::Secret;
use crate::primitives::kem::{self, CIPHERTEXT_LEN, PUBLIC_KEY_LEN};
use crate::wire::{Reader, Writer};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Longest serialized KEM state (phase 3, 1198 bytes).
pub(crate) const MAX_SERIALIZED_LEN: usize = 4 + 1 + 4 + 1 + 4 + PUBLIC_KEY_LEN;

fn write_assembly<const N: usize>(out: &mut Vec<u8>, assembly: &Assembly<N>) {
    out.put_u32(assembly.received);
    out.put(&assembly.bytes[..]);
}

fn read_assembly<const N: usize>(reader: &mut Reader<'_>) -> Result<Assembly<N>> {
    let received = reader.u32()?;
    // Complete objects move on to the next phase: a full set is not a state.
    if received & !Assembly::<N>::all_bits() != 0 || received == Assembly::<N>::all_bits() {
        return Err(Error::Malformed);
    }
    let mut assembly = Assembly::new();
    assembly.received = received;
    let bytes = reader.bytes(N)?;
    // Missing chunks are zero bytes: a reader accepts exactly what a
    // writer writes (§22.8).
    for (index, chunk) in bytes.chunks(CHUNK_LEN).enumerate() {
        let held = u32::try_from(index)
            .ok()
            .and_then(|i| received.checked_shr(i))
            .is_some_and(|bits| bits & 1 == 1);
        if !held && chunk.iter().any(|&b| b != 0) {
            return Err(Error::Malformed);
        }
    }
    assembly.bytes.copy_from_slice(bytes);
    Ok(assembly)
}

fn write_mix(out: &mut Vec<u8>, mix: &Mix) {
    out.put(mix.secret.expose());
    out.put(&mix.transcript);
}

fn read_mix(reader: &mut Reader<'_>, epoch: u32) -> Result<Mix> {
    Ok(Mix {
        epoch,
        secret: Secret::from_bytes(reader.array()?),
        transcript: reader.array()?,
    })
}

impl KemRatchet {
    /// Appends the §22.8 KEM state.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.epoch);
        out.put_flag(self.marker.is_some());
        if let Some(marker) = self.marker {
            out.put_u32(marker);
        }
        match &self.phase {
            Phase::KeygenDue => out.put_u8(0),
            Phase::Owner(owner) => {
                out.put_u8(1);
                out.put(owner.key.seed().expose());
                out.put_u32(owner.sent);
                out.put_flag(owner.peer_started);
                write_assembly(out, &owner.ct);
            }
            Phase::MixDue(mix) => {
                out.put_u8(2);
                write_mix(out, mix);
            }
            Phase::AwaitingEk(assembly) => {
                out.put_u8(3);
                write_assembly(out, assembly);
            }
            Phase::EncapsDue(ek) => {
                out.put_u8(4);
                out.put(&ek[..]);
            }
            Phase::SendingCt(sending) => {
                out.put_u8(5);
                out.put(&sending.ct[..]);
                write_mix(out, &sending.mix);
                out.put_u32(sending.sent);
            }
        }
    }

    /// Reads the §22.8 KEM state.
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::Malformed`] for an unknown phase or
    /// impossible chunk set, [`Error::InvalidKey`] for a received key that
    /// fails the ML-KEM modulus check.
    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let epoch = reader.u32()?;
        let marker = if reader.flag()? {
            Some(reader.u32()?)
        } else {
            None
        };
        let phase = match reader.u8()? {
            0 => Phase::KeygenDue,
            1 => {
                let key = kem::PrivateKey::from_seed(Secret::from_bytes(reader.array()?));
                let ek = Box::new(key.public_key());
                let sent = reader.u32()?;
                let peer_started = reader.flag()?;
                let ct = read_assembly(reader)?;
                Phase::Owner(Box::new(Owner {
                    key,
                    ek,
                    sent,
                    ct,
                    peer_started,
                }))
            }
            2 => Phase::MixDue(read_mix(reader, epoch)?),
            3 => Phase::AwaitingEk(read_assembly(reader)?),
            4 => {
                let ek: [u8; PUBLIC_KEY_LEN] = reader.array()?;
                kem::PublicKey::from_bytes(&ek)?;
                Phase::EncapsDue(Box::new(ek))
            }
            5 => {
                let ct: [u8; CIPHERTEXT_LEN] = reader.array()?;
                let mix = read_mix(reader, epoch)?;
                let sent = reader.u32()?;
                Phase::SendingCt(Box::new(Encapsulated {
                    ct: Box::new(ct),
                    mix,
                    sent,
                }))
            }
            _ => return Err(Error::Malformed),
        };
        Ok(KemRatchet {
            epoch,
            phase,
            marker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratchet::pq::field::KemField;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn round_trip(kem: &KemRatchet) -> Vec<u8> {
        let mut out = Vec::new();
        kem.write(&mut out);
        assert!(out.len() <= MAX_SERIALIZED_LEN);
        let read = Reader::decode(&out, KemRatchet::read).unwrap();
        assert_eq!(&read, kem);
        out
    }

    #[test]
    fn every_phase_round_trips_and_impossible_states_are_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        // Owner (phase 1), after its first key chunk.
        let owner = KemRatchet::initiator()
            .plan_send(false, &mut rng)
            .unwrap()
            .next;
        let bytes = round_trip(&owner);
        assert_eq!(bytes[..6], [0, 0, 0, 0, 0, 1]);
        // Awaiting the key (phase 3), then every chunk: encapsulation due (4).
        let mut peer = KemRatchet::responder();
        round_trip(&peer);
        let mut sender = owner.clone();
        for _ in 0..24 {
            let plan = sender.plan_send(false, &mut rng).unwrap();
            sender = plan.next;
            if let Some(next) = peer.plan_receive(&plan.field, false).unwrap().0 {
                peer = next;
            }
        }
        assert!(matches!(peer.phase, Phase::EncapsDue(_)));
        round_trip(&peer);
        // Sending the ciphertext (5); the owner collects it and is due to mix (2).
        let mut owner = sender;
        for _ in 0..22 {
            let plan = peer.plan_send(false, &mut rng).unwrap();
            peer = plan.next;
            assert!(matches!(plan.field, KemField::CtChunk { .. }));
            owner = owner
                .plan_receive(&plan.field, false)
                .unwrap()
                .0
                .unwrap_or(owner);
        }
        round_trip(&peer);
        assert!(matches!(owner.phase, Phase::MixDue(_)));
        round_trip(&owner);
        // Unknown phase, a complete chunk set, a bit past the last chunk.
        let mut bad = round_trip(&KemRatchet::responder());
        bad[5] = 6;
        assert_eq!(
            Reader::decode(&bad, KemRatchet::read),
            Err(Error::Malformed)
        );
        for received in [0x00FF_FFFFu32, 0x0100_0000] {
            let mut bad = round_trip(&KemRatchet::responder());
            bad[6..10].copy_from_slice(&received.to_be_bytes());
            assert_eq!(
                Reader::decode(&bad, KemRatchet::read),
                Err(Error::Malformed)
            );
        }
    }
}
