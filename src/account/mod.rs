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
use crate::primitives::{kem, reserve_wiping, wipe_spare_capacity, x25519};
use crate::{Error, Result};
use alloc::vec::Vec;
use core::fmt;
use rand_core::TryCryptoRng;

mod persist;
mod prekeys;

pub use prekeys::OneTimePrekeyReport;
use prekeys::{
    EcPrekey, KemPrivatePrekey, SignedPrekeyState, evict, push_bounded, sign_signed_prekey,
    sort_ids,
};

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
            sort_ids(&mut report.evicted_unpublished);
            sort_ids(&mut report.evicted_published);
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
}
