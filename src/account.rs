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
    MAX_ONE_TIME_PREKEYS, MAX_PUBLISHED_ONE_TIME_PREKEYS, MAX_RETIRED_PREKEYS,
    MAX_SESSIONS_PER_SIGNED_PREKEY, trim_front,
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
/// Format 2 ties the remembered base keys to their signed prekey (§9.3);
/// format 1 (one list of the last 256 base keys) is still read.
const ACCOUNT_FORMAT: u8 = 2;
const ACCOUNT_FORMAT_1: u8 = 1;
/// The bound of the single base-key list of format 1.
const FORMAT_1_MAX_BASE_KEYS: usize = 256;

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

/// A signed prekey with the base keys of every prekey message it accepted.
///
/// The list lives exactly as long as the prekey: while the prekey can open a
/// session, every base key it opened one with is remembered, so no replayed
/// prekey message can open a second one (PROTOCOL.md §4.3). Base keys are
/// public values and need no wiping.
#[derive(Clone)]
struct SignedPrekeyState {
    prekey: EcPrekey,
    accepted_base_keys: Vec<[u8; 32]>,
}

impl SignedPrekeyState {
    fn zero() -> Self {
        SignedPrekeyState {
            prekey: EcPrekey::zero(),
            accepted_base_keys: Vec::new(),
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

/// Removes `excess` of the first `old` entries (those held before a
/// generation, never the new ones): unpublished ones first (oldest first),
/// then published ones (oldest first), recording the identifiers removed.
fn evict<T>(
    list: &mut Vec<T>,
    old: usize,
    excess: usize,
    key: fn(&T) -> (u32, bool),
    report: &mut OneTimePrekeyReport,
) {
    for removed in 0..excess.min(old) {
        let position = list
            .iter()
            .take(old - removed)
            .position(|item| !key(item).1)
            .unwrap_or_default();
        if position < list.len() {
            let (id, published) = key(&list.remove(position));
            if published {
                report.evicted_published.push(id);
            } else {
                report.evicted_unpublished.push(id);
            }
        }
    }
}

/// What [`Account::generate_one_time_prekeys`] did.
///
/// Evicted keys are gone from the account for good: a prekey message that
/// uses one fails with [`Error::UnknownPrekey`]. Those in
/// [`evicted_published`](Self::evicted_published) were uploaded, so the
/// server may still hand them out: ask it to delete them. Evictions never
/// touch a published key while the account holds at most
/// [`MAX_PUBLISHED_ONE_TIME_PREKEYS`] published keys of a kind (which the
/// account itself guarantees) and `count` is at most
/// `MAX_ONE_TIME_PREKEYS − MAX_PUBLISHED_ONE_TIME_PREKEYS` = 50.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OneTimePrekeyReport {
    /// Identifiers of the new prekeys, X25519 and ML-KEM alternating (one
    /// pair per requested key), in creation order.
    pub created: Vec<u32>,
    /// Identifiers of evicted prekeys that were never published: nothing to do.
    pub evicted_unpublished: Vec<u32>,
    /// Identifiers of evicted prekeys that were published: the server may
    /// still hand them out; ask it to delete them.
    pub evicted_published: Vec<u32>,
}

/// A device's long-term identity and its prekeys.
///
/// `Debug` shows only public keys and counts. An account is deliberately not
/// `Clone` (nor `PartialEq`): two copies would both accept the same prekey
/// message and hand out the same one-time prekeys. Persist it with
/// [`seal`](Self::seal) and keep exactly one live copy per device.
///
/// ```
/// use sotto::{Account, OsRng};
///
/// let mut account = Account::new(&mut OsRng)?;
/// account.generate_one_time_prekeys(10, &mut OsRng)?;
/// let bundle = account.prekey_bundle()?;   // what the server hands out
/// account.mark_bundle_published(&bundle);  // its one-time keys are now out
/// assert_eq!(bundle.identity(), account.identity_key());
/// # Ok::<(), sotto::Error>(())
/// ```
pub struct Account {
    identity: IdentityKeyPair,
    /// Current signed prekey last; older ones kept for late prekey messages.
    /// Never empty.
    signed_prekeys: Vec<SignedPrekeyState>,
    /// The public, signed record of the current signed prekey.
    signed_prekey: SignedPrekey,
    /// Current last-resort KEM prekey last. Never empty.
    last_resort_prekeys: Vec<KemPrivatePrekey>,
    /// The public, signed record of the current last-resort prekey.
    last_resort_prekey: KemPrekey,
    one_time_prekeys: Vec<EcPrekey>,
    one_time_kem_prekeys: Vec<KemPrivatePrekey>,
    next_prekey_id: u32,
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
        let identity = IdentityKeyPair::generate(rng)?;
        // Same draws and identifiers as rotating each prekey once.
        let signed = EcPrekey {
            key: x25519::PrivateKey::generate(rng)?,
            id: 1,
            published: false,
        };
        let last_resort = KemPrivatePrekey {
            seed: KemPrivatePrekey::generate_seed(rng)?,
            id: 2,
            published: false,
        };
        let signed_prekey = sign_signed_prekey(&identity, &signed);
        let last_resort_prekey = last_resort.sign(&identity.signing, KemPrekeyKind::LastResort)?;
        let mut signed_prekeys = Vec::with_capacity(1 + MAX_RETIRED_PREKEYS);
        signed_prekeys.push(SignedPrekeyState {
            prekey: signed,
            accepted_base_keys: Vec::new(),
        });
        let mut last_resort_prekeys = Vec::with_capacity(1 + MAX_RETIRED_PREKEYS);
        last_resort_prekeys.push(last_resort);
        Ok(Account {
            identity,
            signed_prekeys,
            signed_prekey,
            last_resort_prekeys,
            last_resort_prekey,
            one_time_prekeys: Vec::new(),
            one_time_kem_prekeys: Vec::new(),
            next_prekey_id: 3,
        })
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
    /// flight. Rotate regularly (e.g. weekly), and whenever
    /// [`sessions_left_on_signed_prekey`](Self::sessions_left_on_signed_prekey)
    /// runs low, and upload the new one.
    ///
    /// # Errors
    /// [`Error::Randomness`]; [`Error::LimitExceeded`] after 2³² − 1 prekeys.
    pub fn rotate_signed_prekey<R: TryCryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<()> {
        let key = x25519::PrivateKey::generate(rng)?;
        let id = self.take_prekey_id()?;
        let prekey = SignedPrekeyState {
            prekey: EcPrekey {
                id,
                key,
                published: false,
            },
            accepted_base_keys: Vec::new(),
        };
        self.signed_prekey = sign_signed_prekey(&self.identity, &prekey.prekey);
        push_bounded(
            &mut self.signed_prekeys,
            prekey,
            1 + MAX_RETIRED_PREKEYS,
            SignedPrekeyState::zero,
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
        let next_id = self.next_prekey_id;
        let id = self.take_prekey_id()?;
        let prekey = KemPrivatePrekey {
            id,
            seed,
            published: false,
        };
        self.last_resort_prekey =
            match prekey.sign(&self.identity.signing, KemPrekeyKind::LastResort) {
                Ok(record) => record,
                Err(error) => {
                    self.next_prekey_id = next_id;
                    return Err(error);
                }
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
    /// ML-KEM prekeys, and reports what it created and evicted.
    ///
    /// An account holds at most [`MAX_ONE_TIME_PREKEYS`] (100) of each kind.
    /// Beyond that it evicts, per kind, keys it held before the call (never
    /// the new ones): unpublished keys first (oldest first), and published
    /// keys only when no older unpublished one is left
    /// (reported in [`OneTimePrekeyReport::evicted_published`]: the server
    /// may still hand them out). Since the account never lets more than
    /// [`MAX_PUBLISHED_ONE_TIME_PREKEYS`] (50) keys of a kind be published
    /// at once, a call with `count` ≤ 50 never evicts a published key: top
    /// up with the number of keys the server reports missing.
    ///
    /// On error nothing changes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `count` exceeds
    /// [`MAX_ONE_TIME_PREKEYS`]; [`Error::Randomness`];
    /// [`Error::LimitExceeded`] after 2³² − 1 prekeys.
    pub fn generate_one_time_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<OneTimePrekeyReport> {
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
        let mut report = OneTimePrekeyReport::default();
        if generated.is_err() {
            // All or nothing: drop (and so wipe) the keys made before the failure.
            self.one_time_prekeys.truncate(ec_len);
            self.one_time_kem_prekeys.truncate(kem_len);
            self.next_prekey_id = next_id;
        } else {
            report.created = (next_id..self.next_prekey_id).collect();
            let excess = self
                .one_time_prekeys
                .len()
                .saturating_sub(MAX_ONE_TIME_PREKEYS);
            evict(
                &mut self.one_time_prekeys,
                ec_len,
                excess,
                |k| (k.id, k.published),
                &mut report,
            );
            let excess = self
                .one_time_kem_prekeys
                .len()
                .saturating_sub(MAX_ONE_TIME_PREKEYS);
            evict(
                &mut self.one_time_kem_prekeys,
                kem_len,
                excess,
                |k| (k.id, k.published),
                &mut report,
            );
            report.evicted_unpublished.sort_unstable();
            report.evicted_published.sort_unstable();
        }
        trim_front(&mut self.one_time_prekeys, MAX_ONE_TIME_PREKEYS);
        trim_front(&mut self.one_time_kem_prekeys, MAX_ONE_TIME_PREKEYS);
        wipe_spare_capacity(&mut self.one_time_prekeys, EcPrekey::zero);
        wipe_spare_capacity(&mut self.one_time_kem_prekeys, KemPrivatePrekey::zero);
        generated.map(|()| report)
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

    /// How many more prekey messages the current signed prekey accepts before
    /// [`Session::accept`](crate::Session::accept) refuses new sessions on it
    /// with [`Error::PrekeyExhausted`] (at most
    /// [`MAX_SESSIONS_PER_SIGNED_PREKEY`]). Rotate the signed prekey before it
    /// reaches zero; a high-volume account (a bot) should check it after
    /// every accept.
    ///
    /// ```
    /// use sotto::{Account, OsRng, limits::MAX_SESSIONS_PER_SIGNED_PREKEY};
    ///
    /// let account = Account::new(&mut OsRng)?;
    /// assert_eq!(account.sessions_left_on_signed_prekey(), MAX_SESSIONS_PER_SIGNED_PREKEY);
    /// # Ok::<(), sotto::Error>(())
    /// ```
    pub fn sessions_left_on_signed_prekey(&self) -> usize {
        self.signed_prekeys.last().map_or(0, |current| {
            MAX_SESSIONS_PER_SIGNED_PREKEY.saturating_sub(current.accepted_base_keys.len())
        })
    }

    /// The current signed prekey, to upload.
    pub const fn signed_prekey(&self) -> &SignedPrekey {
        &self.signed_prekey
    }

    /// The current last-resort ML-KEM prekey, to upload.
    pub const fn last_resort_prekey(&self) -> &KemPrekey {
        &self.last_resort_prekey
    }

    /// How many more one-time prekeys of each kind (X25519, ML-KEM) may be
    /// published before [`MAX_PUBLISHED_ONE_TIME_PREKEYS`] are out.
    fn publication_room(&self) -> (usize, usize) {
        let published = |flags: &mut dyn Iterator<Item = bool>| flags.filter(|p| *p).count();
        let ec = published(&mut self.one_time_prekeys.iter().map(|k| k.published));
        let kem = published(&mut self.one_time_kem_prekeys.iter().map(|k| k.published));
        (
            MAX_PUBLISHED_ONE_TIME_PREKEYS.saturating_sub(ec),
            MAX_PUBLISHED_ONE_TIME_PREKEYS.saturating_sub(kem),
        )
    }

    /// The oldest unpublished one-time X25519 prekeys, to upload: as many as
    /// keep the published ones at most [`MAX_PUBLISHED_ONE_TIME_PREKEYS`]
    /// (so that generating keys never has to evict an uploaded one).
    pub fn unpublished_one_time_prekeys(&self) -> Vec<OneTimePrekey> {
        self.one_time_prekeys
            .iter()
            .filter(|k| !k.published)
            .take(self.publication_room().0)
            .map(|k| OneTimePrekey::new(k.id, k.key.public_key()))
            .collect()
    }

    /// The oldest unpublished one-time ML-KEM prekeys, to upload, capped
    /// like [`unpublished_one_time_prekeys`](Self::unpublished_one_time_prekeys).
    ///
    /// # Errors
    /// [`Error::Internal`] only (a stored key that cannot be signed).
    pub fn unpublished_one_time_kem_prekeys(&self) -> Result<Vec<KemPrekey>> {
        self.one_time_kem_prekeys
            .iter()
            .filter(|k| !k.published)
            .take(self.publication_room().1)
            .map(|k| k.sign(&self.identity.signing, KemPrekeyKind::OneTime))
            .collect()
    }

    /// Marks as published the current signed and last-resort prekeys and
    /// exactly the one-time prekeys that
    /// [`unpublished_one_time_prekeys`](Self::unpublished_one_time_prekeys)
    /// and [`unpublished_one_time_kem_prekeys`](Self::unpublished_one_time_kem_prekeys)
    /// return now. Call it after a successful upload of what they returned,
    /// with no other call on the account in between.
    pub fn mark_prekeys_published(&mut self) {
        let (ec_room, kem_room) = self.publication_room();
        for state in &mut self.signed_prekeys {
            state.prekey.published = true;
        }
        for key in &mut self.last_resort_prekeys {
            key.published = true;
        }
        for key in self
            .one_time_prekeys
            .iter_mut()
            .filter(|k| !k.published)
            .take(ec_room)
        {
            key.published = true;
        }
        for key in self
            .one_time_kem_prekeys
            .iter_mut()
            .filter(|k| !k.published)
            .take(kem_room)
        {
            key.published = true;
        }
    }

    /// Marks the one-time prekeys of a bundle made by
    /// [`prekey_bundle`](Self::prekey_bundle) as published, so that the
    /// next bundle uses other ones. Call it once the bundle was handed out.
    /// Identifiers the account no longer holds are ignored.
    pub fn mark_bundle_published(&mut self, bundle: &PrekeyBundle) {
        if let Some(one_time) = bundle.one_time_prekey() {
            for key in self
                .one_time_prekeys
                .iter_mut()
                .filter(|k| k.id == one_time.id())
            {
                key.published = true;
            }
        }
        let kem = bundle.kem_prekey();
        if kem.kind() == KemPrekeyKind::OneTime {
            for key in self
                .one_time_kem_prekeys
                .iter_mut()
                .filter(|k| k.id == kem.id())
            {
                key.published = true;
            }
        }
    }

    /// Number of one-time X25519 and ML-KEM prekeys still held.
    pub fn one_time_prekey_counts(&self) -> (usize, usize) {
        (self.one_time_prekeys.len(), self.one_time_kem_prekeys.len())
    }

    /// Builds a bundle directly, for deployments where the account's owner
    /// hands out bundles itself (and for tests and demos). It does not
    /// change the account: it uses the oldest unpublished one-time prekey of
    /// each kind (while fewer than [`MAX_PUBLISHED_ONE_TIME_PREKEYS`] of that
    /// kind are published), so two calls return the same keys until
    /// [`mark_bundle_published`](Self::mark_bundle_published) records that
    /// the bundle was handed out. Without a one-time ML-KEM prekey it falls
    /// back to the last-resort key.
    ///
    /// # Errors
    /// [`Error::Internal`] only (a stored key that cannot be signed).
    pub fn prekey_bundle(&self) -> Result<PrekeyBundle> {
        let (ec_room, kem_room) = self.publication_room();
        let one_time = self
            .one_time_prekeys
            .iter()
            .filter(|_| ec_room > 0)
            .find(|k| !k.published)
            .map(|k| OneTimePrekey::new(k.id, k.key.public_key()));
        let kem_prekey = match self
            .one_time_kem_prekeys
            .iter()
            .filter(|_| kem_room > 0)
            .find(|k| !k.published)
        {
            Some(k) => k.sign(&self.identity.signing, KemPrekeyKind::OneTime)?,
            None => self.last_resort_prekey.clone(),
        };
        PrekeyBundle::new(
            self.identity.public.clone(),
            self.signed_prekey.clone(),
            kem_prekey,
            one_time,
        )
    }

    /// Looks up the private prekeys a prekey message names.
    pub(crate) fn prekey_secrets(&self, ids: &PrekeyIds) -> Result<PrekeySecrets<'_>> {
        let signed_prekey = &self.signed_prekey_state(ids.signed_prekey)?.prekey.key;
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

    fn signed_prekey_state(&self, id: u32) -> Result<&SignedPrekeyState> {
        self.signed_prekeys
            .iter()
            .find(|k| k.prekey.id == id)
            .ok_or(Error::UnknownPrekey)
    }

    /// Steps 2 and 3 of §5.3 for the signed prekey: whether a prekey message
    /// with this base key may open a session. [`Error::UnknownPrekey`] when
    /// the signed prekey is not held, [`Error::DuplicateMessage`] when it
    /// already accepted this base key, [`Error::PrekeyExhausted`] when it
    /// accepted its maximum number of sessions.
    pub(crate) fn check_base_key(&self, ids: &PrekeyIds, base_key: &[u8; 32]) -> Result<()> {
        let state = self.signed_prekey_state(ids.signed_prekey)?;
        if state.accepted_base_keys.iter().any(|k| k == base_key) {
            return Err(Error::DuplicateMessage);
        }
        if state.accepted_base_keys.len() >= MAX_SESSIONS_PER_SIGNED_PREKEY {
            return Err(Error::PrekeyExhausted);
        }
        Ok(())
    }

    /// Called after the first message of a new session decrypted (and after
    /// [`check_base_key`](Self::check_base_key) passed): deletes the one-time
    /// prekeys it used and remembers its base key with its signed prekey.
    pub(crate) fn consume_prekeys(&mut self, ids: &PrekeyIds, base_key: [u8; 32]) {
        if let Some(id) = ids.one_time_prekey {
            self.one_time_prekeys.retain(|k| k.id != id);
            wipe_spare_capacity(&mut self.one_time_prekeys, EcPrekey::zero);
        }
        if ids.kem_kind == KemPrekeyKind::OneTime {
            self.one_time_kem_prekeys.retain(|k| k.id != ids.kem_prekey);
            wipe_spare_capacity(&mut self.one_time_kem_prekeys, KemPrivatePrekey::zero);
        }
        if let Some(state) = self
            .signed_prekeys
            .iter_mut()
            .find(|k| k.prekey.id == ids.signed_prekey)
        {
            state.accepted_base_keys.push(base_key);
        }
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

/// The public record of a signed prekey.
fn sign_signed_prekey(identity: &IdentityKeyPair, key: &EcPrekey) -> SignedPrekey {
    SignedPrekey::sign(&identity.signing, key.id, key.key.public_key())
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
