//! Sealing and the serialized account (formats 1 and 2 of PROTOCOL.md §9.3).

use super::Account;
use super::prekeys::{EcPrekey, KemPrivatePrekey, SignedPrekeyState, sign_signed_prekey};
use crate::bundle::KemPrekeyKind;
use crate::keys::IdentityKeyPair;
use crate::limits::{MAX_ONE_TIME_PREKEYS, MAX_RETIRED_PREKEYS, MAX_SESSIONS_PER_SIGNED_PREKEY};
use crate::primitives::{Secret, ed25519, x25519};
use crate::sealed::{self, StorageKey};
use crate::wire::{Kind, Reader, Writer, bounded_count, len_u16};
use crate::{Error, Result};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Format version of the serialized account inside a sealed account.
/// Format 2 ties the remembered base keys to their signed prekey (§9.3);
/// format 1 (one list of the last 256 base keys) is still read.
const ACCOUNT_FORMAT: u8 = 2;
const ACCOUNT_FORMAT_1: u8 = 1;
/// The bound of the single base-key list of format 1.
const FORMAT_1_MAX_BASE_KEYS: usize = 256;

impl Account {
    /// Seals the account under `storage_key` (see [`crate::sealed`]).
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        storage_key: &StorageKey,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        sealed::seal(Kind::SealedAccount, &self.serialize()?, storage_key, rng)
    }

    /// Restores an account sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::UnsealFailed`] for a wrong key or corrupted bytes,
    /// [`Error::WrongObjectType`] for a sealed session, or a decoding error.
    pub fn unseal(storage_key: &StorageKey, sealed_bytes: &[u8]) -> Result<Self> {
        let plaintext = sealed::unseal(Kind::SealedAccount, sealed_bytes, storage_key)?;
        Self::deserialize(&plaintext)
    }

    pub(crate) fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        // The exact length (§9.3 of PROTOCOL.md): the buffer never reallocates,
        // which would free a copy of the secrets unwiped.
        let base_keys: usize = self
            .signed_prekeys
            .iter()
            .map(|k| 2 + 32 * k.accepted_base_keys.len())
            .sum();
        let ec_keys = self.signed_prekeys.len() + self.one_time_prekeys.len();
        let kem_keys = self.last_resort_prekeys.len() + self.one_time_kem_prekeys.len();
        let len = 1 + 32 + 32 + 4 + 4 * 2 + 37 * ec_keys + 69 * kem_keys + base_keys;
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.put_u8(ACCOUNT_FORMAT);
        out.put(self.identity.signing.seed().expose());
        out.put(self.identity.agreement.to_bytes());
        out.put_u32(self.next_prekey_id);
        out.put_u16(len_u16(self.signed_prekeys.len())?);
        for state in &self.signed_prekeys {
            put_ec_prekey(&mut out, &state.prekey);
            out.put_u16(len_u16(state.accepted_base_keys.len())?);
            for base_key in &state.accepted_base_keys {
                out.put(base_key);
            }
        }
        out.put_u16(len_u16(self.one_time_prekeys.len())?);
        for key in &self.one_time_prekeys {
            put_ec_prekey(&mut out, key);
        }
        for list in [&self.last_resort_prekeys, &self.one_time_kem_prekeys] {
            out.put_u16(len_u16(list.len())?);
            for key in list.iter() {
                out.put_u32(key.id);
                out.put_flag(key.published);
                out.put(key.seed.expose());
            }
        }
        debug_assert_eq!(out.len(), len);
        Ok(out)
    }

    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let format = reader.u8()?;
        if format != ACCOUNT_FORMAT && format != ACCOUNT_FORMAT_1 {
            return Err(Error::UnsupportedVersion);
        }
        let signing = ed25519::PrivateKey::from_seed(Secret::from_bytes(reader.array()?));
        let agreement = x25519::PrivateKey::from_bytes(reader.array()?);
        let next_prekey_id = reader.u32()?;
        let count = bounded_count(&mut reader, 1 + MAX_RETIRED_PREKEYS)?;
        // Exact capacity: growing would free buffers holding secrets.
        let mut signed_prekeys = Vec::with_capacity(count);
        for _ in 0..count {
            let prekey = read_ec_prekey(&mut reader)?;
            let accepted_base_keys = if format == ACCOUNT_FORMAT {
                read_base_keys(&mut reader, MAX_SESSIONS_PER_SIGNED_PREKEY)?
            } else {
                Vec::new()
            };
            signed_prekeys.push(SignedPrekeyState {
                prekey,
                accepted_base_keys,
            });
        }
        let count = bounded_count(&mut reader, MAX_ONE_TIME_PREKEYS)?;
        let mut one_time_prekeys = Vec::with_capacity(count);
        for _ in 0..count {
            one_time_prekeys.push(read_ec_prekey(&mut reader)?);
        }
        let mut kem_lists = [Vec::new(), Vec::new()];
        for (list, max) in kem_lists
            .iter_mut()
            .zip([1 + MAX_RETIRED_PREKEYS, MAX_ONE_TIME_PREKEYS])
        {
            let count = bounded_count(&mut reader, max)?;
            // Exact capacity: growing would free buffers holding secrets.
            *list = Vec::with_capacity(count);
            for _ in 0..count {
                list.push(KemPrivatePrekey {
                    id: reader.u32()?,
                    published: reader.flag()?,
                    seed: Secret::from_bytes(reader.array()?),
                });
            }
        }
        if format == ACCOUNT_FORMAT_1 {
            // Format 1 did not record which signed prekey a base key used:
            // remember each with every signed prekey, so that a replay is
            // still refused whichever one it names (at most 256 ≤ the bound).
            let base_keys = read_base_keys(&mut reader, FORMAT_1_MAX_BASE_KEYS)?;
            for state in &mut signed_prekeys {
                state.accepted_base_keys.clone_from(&base_keys);
            }
        }
        reader.finish()?;
        let [last_resort_prekeys, one_time_kem_prekeys] = kem_lists;
        let identity = IdentityKeyPair::from_keys(signing, agreement);
        let (Some(signed), Some(last_resort)) = (signed_prekeys.last(), last_resort_prekeys.last())
        else {
            return Err(Error::Malformed);
        };
        let signed_prekey = sign_signed_prekey(&identity, &signed.prekey);
        let last_resort_prekey = last_resort.sign(&identity.signing, KemPrekeyKind::LastResort)?;
        Ok(Account {
            identity,
            signed_prekeys,
            signed_prekey,
            last_resort_prekeys,
            last_resort_prekey,
            one_time_prekeys,
            one_time_kem_prekeys,
            next_prekey_id,
        })
    }
}

fn put_ec_prekey(out: &mut Vec<u8>, key: &EcPrekey) {
    out.put_u32(key.id);
    out.put_flag(key.published);
    out.put(key.key.to_bytes());
}

fn read_ec_prekey(reader: &mut Reader<'_>) -> Result<EcPrekey> {
    Ok(EcPrekey {
        id: reader.u32()?,
        published: reader.flag()?,
        key: x25519::PrivateKey::from_bytes(reader.array()?),
    })
}

/// Reads a list of base keys of at most `max` entries.
fn read_base_keys(reader: &mut Reader<'_>, max: usize) -> Result<Vec<[u8; 32]>> {
    let count = bounded_count(reader, max)?;
    let mut base_keys = Vec::with_capacity(count);
    for _ in 0..count {
        base_keys.push(reader.array()?);
    }
    Ok(base_keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::PrekeyIds;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn ids(signed_prekey: u32) -> PrekeyIds {
        PrekeyIds {
            signed_prekey,
            kem_prekey: 2,
            kem_kind: KemPrekeyKind::LastResort,
            one_time_prekey: None,
        }
    }

    /// Format 1 of §9.3, written from the specification: signed prekeys
    /// without lists, then one trailing list of base keys.
    fn format_1(account: &Account, base_keys: &[[u8; 32]]) -> Vec<u8> {
        let mut out = Vec::new();
        out.put_u8(1);
        out.put(account.identity.signing.seed().expose());
        out.put(account.identity.agreement.to_bytes());
        out.put_u32(account.next_prekey_id);
        out.put_u16(len_u16(account.signed_prekeys.len()).unwrap());
        for state in &account.signed_prekeys {
            put_ec_prekey(&mut out, &state.prekey);
        }
        out.put_u16(0);
        for list in [&account.last_resort_prekeys, &account.one_time_kem_prekeys] {
            out.put_u16(len_u16(list.len()).unwrap());
            for key in list.iter() {
                out.put_u32(key.id);
                out.put_flag(key.published);
                out.put(key.seed.expose());
            }
        }
        out.put_u16(len_u16(base_keys.len()).unwrap());
        for key in base_keys {
            out.put(key);
        }
        out
    }

    #[test]
    fn format_1_base_keys_are_remembered_by_every_signed_prekey() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut account = Account::new(&mut rng).unwrap();
        account.rotate_signed_prekey(&mut rng).unwrap();
        let ids_held: Vec<u32> = account.signed_prekeys.iter().map(|k| k.prekey.id).collect();
        assert_eq!(ids_held.len(), 2);
        let remembered = [[5; 32], [6; 32]];
        let restored = Account::deserialize(&format_1(&account, &remembered)).unwrap();
        for id in ids_held {
            for key in &remembered {
                assert_eq!(
                    restored.check_base_key(&ids(id), key),
                    Err(Error::DuplicateMessage)
                );
            }
            assert_eq!(restored.check_base_key(&ids(id), &[7; 32]), Ok(()));
        }
        // Written back as format 2, with the same meaning.
        let again = Account::deserialize(&restored.serialize().unwrap()).unwrap();
        assert_eq!(again.serialize().unwrap().first(), Some(&ACCOUNT_FORMAT));
        assert_eq!(again.serialize().unwrap(), restored.serialize().unwrap());
        // A format-1 list longer than its bound of 256 is refused.
        let too_many = [[9; 32]; FORMAT_1_MAX_BASE_KEYS + 1];
        assert_eq!(
            Account::deserialize(&format_1(&account, &too_many)).err(),
            Some(Error::TooLarge)
        );
    }

    #[test]
    fn base_key_lists_are_bounded_and_die_with_their_prekey() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut account = Account::new(&mut rng).unwrap();
        let first = account.signed_prekeys[0].prekey.id;
        for i in 0..MAX_SESSIONS_PER_SIGNED_PREKEY {
            let mut key = [0; 32];
            key[..8].copy_from_slice(&(i as u64).to_le_bytes());
            assert_eq!(account.check_base_key(&ids(first), &key), Ok(()));
            account.consume_prekeys(&ids(first), key);
        }
        assert_eq!(account.sessions_left_on_signed_prekey(), 0);
        assert_eq!(
            account.check_base_key(&ids(first), &[0xff; 32]),
            Err(Error::PrekeyExhausted)
        );
        // A full list survives the sealed format (the decoder's bound is the
        // same number) ...
        let full = Account::deserialize(&account.serialize().unwrap()).unwrap();
        assert_eq!(full.serialize().unwrap(), account.serialize().unwrap());
        // ... and goes away with its prekey.
        for _ in 0..=MAX_RETIRED_PREKEYS {
            account.rotate_signed_prekey(&mut rng).unwrap();
        }
        assert_eq!(
            account.check_base_key(&ids(first), &[0; 32]),
            Err(Error::UnknownPrekey)
        );
        assert!(account.serialize().unwrap().len() < 2_000);
    }
}
