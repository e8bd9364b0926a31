//! Accounts: a long-term identity and the prekeys it publishes.
//!
//! The account is the half of the protocol that lives on one device for its
//! whole life. It creates the identity, signs prekeys, rotates them, and,
//! when a prekey message arrives, hands the private prekeys to the handshake.
//! One-time prekeys are deleted only after the first message that used them
//! decrypted, so a forged prekey message cannot burn them.

use crate::bundle::{KemPrekey, KemPrekeyKind, OneTimePrekey, PrekeyBundle, SignedPrekey};
use crate::keys::{IdentityKey, IdentityKeyPair};
use crate::limits::{
    MAX_ONE_TIME_PREKEYS, MAX_REMEMBERED_BASE_KEYS, MAX_RETIRED_PREKEYS, trim_front,
};
use crate::primitives::{Secret, ed25519, kem, reserve_wiping, wipe_spare_capacity, x25519};
use crate::sealed::{self, StorageKey};
use crate::wire::{Kind, Reader, Writer, bounded_count, len_u16};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

/// Format version of the serialized account inside a sealed account.
const ACCOUNT_FORMAT: u8 = 1;

#[derive(Clone)]
struct EcPrekey {
    id: u32,
    key: x25519::PrivateKey,
    published: bool,
}

impl EcPrekey {
    fn zero() -> Self {
        EcPrekey {
            id: 0,
            key: x25519::PrivateKey::from_bytes([0; 32]),
            published: false,
        }
    }
}

/// An ML-KEM prekey, kept as its 64-byte seed and expanded only when used.
#[derive(Clone)]
struct KemPrivatePrekey {
    id: u32,
    seed: Secret<{ kem::SEED_LEN }>,
    published: bool,
}

impl KemPrivatePrekey {
    fn zero() -> Self {
        KemPrivatePrekey {
            id: 0,
            seed: Secret::from_bytes([0; kem::SEED_LEN]),
            published: false,
        }
    }

    /// Draws a seed (one 64-byte draw, like `kem::PrivateKey::generate`).
    fn generate_seed<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Secret<{ kem::SEED_LEN }>> {
        let mut seed = Secret::from_bytes([0; kem::SEED_LEN]);
        rng.try_fill_bytes(seed.expose_mut())
            .map_err(|_| Error::Randomness)?;
        Ok(seed)
    }

    fn expand(&self) -> kem::PrivateKey {
        kem::PrivateKey::from_seed(self.seed.clone())
    }

    fn sign(&self, signer: &ed25519::PrivateKey, kind: KemPrekeyKind) -> Result<KemPrekey> {
        KemPrekey::sign(signer, self.id, kind, &self.expand())
    }
}

/// Appends to a list of secrets, keeping at most `max` (oldest dropped),
/// without leaving copies of secrets in freed or spare memory.
fn push_bounded<T>(list: &mut Vec<T>, item: T, max: usize, zero: fn() -> T) {
    reserve_wiping(list, 1, zero);
    list.push(item);
    trim_front(list, max);
    wipe_spare_capacity(list, zero);
}

/// A device's long-term identity and its prekeys.
///
/// `Debug` shows only public keys and counts.
///
/// ```
/// use sotto::{Account, OsRng};
///
/// let mut account = Account::new(&mut OsRng)?;
/// account.generate_one_time_prekeys(10, &mut OsRng)?;
/// let bundle = account.prekey_bundle()?;   // what the server hands out
/// assert_eq!(bundle.identity(), account.identity_key());
/// # Ok::<(), sotto::Error>(())
/// ```
#[derive(Clone)]
pub struct Account {
    identity: IdentityKeyPair,
    /// Current signed prekey last; older ones kept for late prekey messages.
    signed_prekeys: Vec<EcPrekey>,
    /// Current last-resort KEM prekey last.
    last_resort_prekeys: Vec<KemPrivatePrekey>,
    one_time_prekeys: Vec<EcPrekey>,
    one_time_kem_prekeys: Vec<KemPrivatePrekey>,
    next_prekey_id: u32,
    /// Base keys of accepted prekey messages, oldest first.
    used_base_keys: Vec<[u8; 32]>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("identity", &self.identity.public)
            .field("signed_prekeys", &self.signed_prekeys.len())
            .field("last_resort_prekeys", &self.last_resort_prekeys.len())
            .field("one_time_prekeys", &self.one_time_prekeys.len())
            .field("one_time_kem_prekeys", &self.one_time_kem_prekeys.len())
            .finish_non_exhaustive()
    }
}

/// Equality of the whole private state, compared in constant time (for tests
/// and for callers checking that an operation left an account unchanged).
impl PartialEq for Account {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        match (self.serialize(), other.serialize()) {
            (Ok(a), Ok(b)) => a.len() == b.len() && bool::from(a.as_slice().ct_eq(b.as_slice())),
            _ => false,
        }
    }
}

impl Eq for Account {}

/// The private prekeys a prekey message asks for, borrowed from the account.
pub(crate) struct PrekeySecrets<'a> {
    pub(crate) identity: &'a IdentityKeyPair,
    pub(crate) signed_prekey: &'a x25519::PrivateKey,
    pub(crate) kem_prekey: kem::PrivateKey,
    pub(crate) one_time_prekey: Option<&'a x25519::PrivateKey>,
}

/// Which prekeys a prekey message used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrekeyIds {
    pub(crate) signed_prekey: u32,
    pub(crate) kem_prekey: u32,
    pub(crate) kem_kind: KemPrekeyKind,
    pub(crate) one_time_prekey: Option<u32>,
}

impl Account {
    /// Creates an identity with a signed prekey and a last-resort ML-KEM
    /// prekey. One-time prekeys are made separately with
    /// [`generate_one_time_prekeys`](Self::generate_one_time_prekeys).
    ///
    /// # Errors
    /// [`Error::Randomness`] when the generator fails.
    pub fn new<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let mut account = Account {
            identity: IdentityKeyPair::generate(rng)?,
            signed_prekeys: Vec::new(),
            last_resort_prekeys: Vec::new(),
            one_time_prekeys: Vec::new(),
            one_time_kem_prekeys: Vec::new(),
            next_prekey_id: 1,
            used_base_keys: Vec::new(),
        };
        account.rotate_signed_prekey(rng)?;
        account.rotate_last_resort_prekey(rng)?;
        Ok(account)
    }

    /// The public identity.
    pub const fn identity_key(&self) -> &IdentityKey {
        &self.identity.public
    }

    pub(crate) const fn identity_pair(&self) -> &IdentityKeyPair {
        &self.identity
    }

    fn take_prekey_id(&mut self) -> Result<u32> {
        let id = self.next_prekey_id;
        self.next_prekey_id = id.checked_add(1).ok_or(Error::LimitExceeded)?;
        Ok(id)
    }

    /// Replaces the signed prekey with a fresh one. The previous
    /// [`MAX_RETIRED_PREKEYS`] stay usable for prekey messages already in
    /// flight. Rotate regularly (e.g. weekly) and upload the new one.
    ///
    /// # Errors
    /// [`Error::Randomness`]; [`Error::LimitExceeded`] after 2³² − 1 prekeys.
    pub fn rotate_signed_prekey<R: TryCryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<()> {
        let key = x25519::PrivateKey::generate(rng)?;
        let id = self.take_prekey_id()?;
        let prekey = EcPrekey {
            id,
            key,
            published: false,
        };
        push_bounded(
            &mut self.signed_prekeys,
            prekey,
            1 + MAX_RETIRED_PREKEYS,
            EcPrekey::zero,
        );
        Ok(())
    }

    /// Replaces the last-resort ML-KEM prekey, keeping the previous
    /// [`MAX_RETIRED_PREKEYS`].
    ///
    /// # Errors
    /// [`Error::Randomness`]; [`Error::LimitExceeded`] after 2³² − 1 prekeys.
    pub fn rotate_last_resort_prekey<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
    ) -> Result<()> {
        let seed = KemPrivatePrekey::generate_seed(rng)?;
        let id = self.take_prekey_id()?;
        let prekey = KemPrivatePrekey {
            id,
            seed,
            published: false,
        };
        push_bounded(
            &mut self.last_resort_prekeys,
            prekey,
            1 + MAX_RETIRED_PREKEYS,
            KemPrivatePrekey::zero,
        );
        Ok(())
    }

    /// Generates `count` one-time X25519 prekeys and `count` signed one-time
    /// ML-KEM prekeys. An account holds at most [`MAX_ONE_TIME_PREKEYS`] of
    /// each; beyond that the oldest are discarded.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `count` exceeds
    /// [`MAX_ONE_TIME_PREKEYS`]; [`Error::Randomness`].
    pub fn generate_one_time_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<()> {
        if count > MAX_ONE_TIME_PREKEYS {
            return Err(Error::InvalidArgument);
        }
        let (ec_len, kem_len, next_id) = (
            self.one_time_prekeys.len(),
            self.one_time_kem_prekeys.len(),
            self.next_prekey_id,
        );
        // Room for every new key up front, so the lists never reallocate (and
        // free a buffer of secrets unwiped) while keys are added.
        reserve_wiping(&mut self.one_time_prekeys, count, EcPrekey::zero);
        reserve_wiping(
            &mut self.one_time_kem_prekeys,
            count,
            KemPrivatePrekey::zero,
        );
        let generated = self.push_one_time_prekeys(count, rng);
        if generated.is_err() {
            // All or nothing: drop (and so wipe) the keys made before the failure.
            self.one_time_prekeys.truncate(ec_len);
            self.one_time_kem_prekeys.truncate(kem_len);
            self.next_prekey_id = next_id;
        }
        trim_front(&mut self.one_time_prekeys, MAX_ONE_TIME_PREKEYS);
        trim_front(&mut self.one_time_kem_prekeys, MAX_ONE_TIME_PREKEYS);
        wipe_spare_capacity(&mut self.one_time_prekeys, EcPrekey::zero);
        wipe_spare_capacity(&mut self.one_time_kem_prekeys, KemPrivatePrekey::zero);
        generated
    }

    /// Draws and appends `count` pairs (X25519 key then ML-KEM seed per pair,
    /// identifiers in the same order). The caller reserved the capacity.
    fn push_one_time_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<()> {
        for _ in 0..count {
            let key = x25519::PrivateKey::generate(rng)?;
            let seed = KemPrivatePrekey::generate_seed(rng)?;
            let id = self.take_prekey_id()?;
            self.one_time_prekeys.push(EcPrekey {
                id,
                key,
                published: false,
            });
            let id = self.take_prekey_id()?;
            self.one_time_kem_prekeys.push(KemPrivatePrekey {
                id,
                seed,
                published: false,
            });
        }
        Ok(())
    }

    /// The current signed prekey, to upload.
    pub fn signed_prekey(&self) -> Result<SignedPrekey> {
        let current = self.signed_prekeys.last().ok_or(Error::LimitExceeded)?;
        Ok(SignedPrekey::sign(
            &self.identity.signing,
            current.id,
            current.key.public_key(),
        ))
    }

    /// The current last-resort ML-KEM prekey, to upload.
    pub fn last_resort_prekey(&self) -> Result<KemPrekey> {
        let current = self
            .last_resort_prekeys
            .last()
            .ok_or(Error::LimitExceeded)?;
        current.sign(&self.identity.signing, KemPrekeyKind::LastResort)
    }

    /// One-time X25519 prekeys not yet marked as published, to upload.
    pub fn unpublished_one_time_prekeys(&self) -> Vec<OneTimePrekey> {
        self.one_time_prekeys
            .iter()
            .filter(|k| !k.published)
            .map(|k| OneTimePrekey::new(k.id, k.key.public_key()))
            .collect()
    }

    /// One-time ML-KEM prekeys not yet marked as published, to upload.
    pub fn unpublished_one_time_kem_prekeys(&self) -> Result<Vec<KemPrekey>> {
        self.one_time_kem_prekeys
            .iter()
            .filter(|k| !k.published)
            .map(|k| k.sign(&self.identity.signing, KemPrekeyKind::OneTime))
            .collect()
    }

    /// Marks every prekey as published (call after a successful upload).
    pub fn mark_prekeys_published(&mut self) {
        for key in self
            .signed_prekeys
            .iter_mut()
            .chain(self.one_time_prekeys.iter_mut())
        {
            key.published = true;
        }
        for key in self
            .last_resort_prekeys
            .iter_mut()
            .chain(self.one_time_kem_prekeys.iter_mut())
        {
            key.published = true;
        }
    }

    /// Number of one-time X25519 and ML-KEM prekeys still held.
    pub fn one_time_prekey_counts(&self) -> (usize, usize) {
        (self.one_time_prekeys.len(), self.one_time_kem_prekeys.len())
    }

    /// Builds a bundle directly, for deployments where the account's owner
    /// hands out bundles itself (and for tests and demos). It uses the oldest
    /// unpublished one-time prekey of each kind, if any, and marks them
    /// published so that the next call uses fresh ones; without one-time KEM
    /// prekeys it falls back to the last-resort key.
    ///
    /// # Errors
    /// Only on an internal inconsistency; a fresh account always succeeds.
    pub fn prekey_bundle(&mut self) -> Result<PrekeyBundle> {
        let one_time = self
            .one_time_prekeys
            .iter_mut()
            .find(|k| !k.published)
            .map(|k| {
                k.published = true;
                OneTimePrekey::new(k.id, k.key.public_key())
            });
        let kem_prekey = match self.one_time_kem_prekeys.iter_mut().find(|k| !k.published) {
            Some(k) => {
                k.published = true;
                k.sign(&self.identity.signing, KemPrekeyKind::OneTime)?
            }
            None => self.last_resort_prekey()?,
        };
        PrekeyBundle::new(
            self.identity.public.clone(),
            self.signed_prekey()?,
            kem_prekey,
            one_time,
        )
    }

    /// Looks up the private prekeys a prekey message names.
    pub(crate) fn prekey_secrets(&self, ids: &PrekeyIds) -> Result<PrekeySecrets<'_>> {
        let signed_prekey = &self
            .signed_prekeys
            .iter()
            .find(|k| k.id == ids.signed_prekey)
            .ok_or(Error::UnknownPrekey)?
            .key;
        let kem_pool = match ids.kem_kind {
            KemPrekeyKind::LastResort => &self.last_resort_prekeys,
            KemPrekeyKind::OneTime => &self.one_time_kem_prekeys,
        };
        let kem_prekey = kem_pool
            .iter()
            .find(|k| k.id == ids.kem_prekey)
            .ok_or(Error::UnknownPrekey)?
            .expand();
        let one_time_prekey = match ids.one_time_prekey {
            Some(id) => Some(
                &self
                    .one_time_prekeys
                    .iter()
                    .find(|k| k.id == id)
                    .ok_or(Error::UnknownPrekey)?
                    .key,
            ),
            None => None,
        };
        Ok(PrekeySecrets {
            identity: &self.identity,
            signed_prekey,
            kem_prekey,
            one_time_prekey,
        })
    }

    /// Whether a prekey message with this base key was already accepted.
    pub(crate) fn has_used_base_key(&self, base_key: &[u8; 32]) -> bool {
        self.used_base_keys.iter().any(|k| k == base_key)
    }

    /// Called after the first message of a new session decrypted: deletes the
    /// one-time prekeys it used and remembers its base key.
    pub(crate) fn consume_prekeys(&mut self, ids: &PrekeyIds, base_key: [u8; 32]) {
        if let Some(id) = ids.one_time_prekey {
            self.one_time_prekeys.retain(|k| k.id != id);
            wipe_spare_capacity(&mut self.one_time_prekeys, EcPrekey::zero);
        }
        if ids.kem_kind == KemPrekeyKind::OneTime {
            self.one_time_kem_prekeys.retain(|k| k.id != ids.kem_prekey);
            wipe_spare_capacity(&mut self.one_time_kem_prekeys, KemPrivatePrekey::zero);
        }
        self.used_base_keys.push(base_key);
        trim_front(&mut self.used_base_keys, MAX_REMEMBERED_BASE_KEYS);
    }

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

    fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        // The exact length (§9.3 of PROTOCOL.md): the buffer never reallocates,
        // which would free a copy of the secrets unwiped.
        let ec_keys = self.signed_prekeys.len() + self.one_time_prekeys.len();
        let kem_keys = self.last_resort_prekeys.len() + self.one_time_kem_prekeys.len();
        let len =
            1 + 32 + 32 + 4 + 5 * 2 + 37 * ec_keys + 69 * kem_keys + 32 * self.used_base_keys.len();
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.put_u8(ACCOUNT_FORMAT);
        out.put(self.identity.signing.seed().expose());
        out.put(self.identity.agreement.to_bytes());
        out.put_u32(self.next_prekey_id);
        for list in [&self.signed_prekeys, &self.one_time_prekeys] {
            out.put_u16(len_u16(list.len())?);
            for key in list.iter() {
                out.put_u32(key.id);
                out.put_flag(key.published);
                out.put(key.key.to_bytes());
            }
        }
        for list in [&self.last_resort_prekeys, &self.one_time_kem_prekeys] {
            out.put_u16(len_u16(list.len())?);
            for key in list.iter() {
                out.put_u32(key.id);
                out.put_flag(key.published);
                out.put(key.seed.expose());
            }
        }
        out.put_u16(len_u16(self.used_base_keys.len())?);
        for key in &self.used_base_keys {
            out.put(key);
        }
        debug_assert_eq!(out.len(), len);
        Ok(out)
    }

    fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.u8()? != ACCOUNT_FORMAT {
            return Err(Error::UnsupportedVersion);
        }
        let signing = ed25519::PrivateKey::from_seed(Secret::from_bytes(reader.array()?));
        let agreement = x25519::PrivateKey::from_bytes(reader.array()?);
        let next_prekey_id = reader.u32()?;
        let mut ec_lists = [Vec::new(), Vec::new()];
        for (list, max) in ec_lists
            .iter_mut()
            .zip([1 + MAX_RETIRED_PREKEYS, MAX_ONE_TIME_PREKEYS])
        {
            let count = bounded_count(&mut reader, max)?;
            // Exact capacity: growing would free buffers holding secrets.
            *list = Vec::with_capacity(count);
            for _ in 0..count {
                list.push(EcPrekey {
                    id: reader.u32()?,
                    published: reader.flag()?,
                    key: x25519::PrivateKey::from_bytes(reader.array()?),
                });
            }
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
        let count = bounded_count(&mut reader, MAX_REMEMBERED_BASE_KEYS)?;
        let mut used_base_keys = Vec::with_capacity(count);
        for _ in 0..count {
            used_base_keys.push(reader.array()?);
        }
        reader.finish()?;
        let [signed_prekeys, one_time_prekeys] = ec_lists;
        let [last_resort_prekeys, one_time_kem_prekeys] = kem_lists;
        if signed_prekeys.is_empty() || last_resort_prekeys.is_empty() {
            return Err(Error::Malformed);
        }
        Ok(Account {
            identity: IdentityKeyPair::from_keys(signing, agreement),
            signed_prekeys,
            last_resort_prekeys,
            one_time_prekeys,
            one_time_kem_prekeys,
            next_prekey_id,
            used_base_keys,
        })
    }
}
