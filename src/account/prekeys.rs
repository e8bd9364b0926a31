//! The private prekey records an account holds, the bounded lists that
//! keep them, and the report of a one-time prekey generation.

use crate::bundle::{KemPrekey, KemPrekeyKind, SignedPrekey};
use crate::keys::IdentityKeyPair;
use crate::limits::trim_front;
use crate::primitives::{Secret, ed25519, kem, reserve_wiping, wipe_spare_capacity, x25519};
use crate::{Error, Result};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;

#[derive(Clone)]
pub(super) struct EcPrekey {
    pub(super) id: u32,
    pub(super) key: x25519::PrivateKey,
    pub(super) published: bool,
}

impl EcPrekey {
    pub(super) fn zero() -> Self {
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
pub(super) struct SignedPrekeyState {
    pub(super) prekey: EcPrekey,
    pub(super) accepted_base_keys: Vec<[u8; 32]>,
}

impl SignedPrekeyState {
    pub(super) fn zero() -> Self {
        SignedPrekeyState {
            prekey: EcPrekey::zero(),
            accepted_base_keys: Vec::new(),
        }
    }
}

/// An ML-KEM prekey, kept as its 64-byte seed and expanded only when used.
#[derive(Clone)]
pub(super) struct KemPrivatePrekey {
    pub(super) id: u32,
    pub(super) seed: Secret<{ kem::SEED_LEN }>,
    pub(super) published: bool,
}

impl KemPrivatePrekey {
    pub(super) fn zero() -> Self {
        KemPrivatePrekey {
            id: 0,
            seed: Secret::from_bytes([0; kem::SEED_LEN]),
            published: false,
        }
    }

    /// Draws a seed (one 64-byte draw, like `kem::PrivateKey::generate`).
    pub(super) fn generate_seed<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Result<Secret<{ kem::SEED_LEN }>> {
        let mut seed = Secret::from_bytes([0; kem::SEED_LEN]);
        rng.try_fill_bytes(seed.expose_mut())
            .map_err(|_| Error::Randomness)?;
        Ok(seed)
    }

    pub(super) fn expand(&self) -> kem::PrivateKey {
        kem::PrivateKey::from_seed(self.seed.clone())
    }

    pub(super) fn sign(
        &self,
        signer: &ed25519::PrivateKey,
        kind: KemPrekeyKind,
    ) -> Result<KemPrekey> {
        KemPrekey::sign(signer, self.id, kind, &self.expand())
    }
}

/// Appends to a list of secrets, keeping at most `max` (oldest dropped),
/// without leaving copies of secrets in freed or spare memory.
pub(super) fn push_bounded<T>(list: &mut Vec<T>, item: T, max: usize, zero: fn() -> T) {
    reserve_wiping(list, 1, zero);
    list.push(item);
    trim_front(list, max);
    wipe_spare_capacity(list, zero);
}

/// Removes `excess` of the first `old` entries (those held before a
/// generation, never the new ones): unpublished ones first (oldest first),
/// then published ones (oldest first), recording the identifiers removed.
pub(super) fn evict<T>(
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

/// Sorts identifiers in ascending order: an insertion sort, because the
/// lists are short (at most 2 × [`MAX_ONE_TIME_PREKEYS`](crate::limits::MAX_ONE_TIME_PREKEYS)
/// evicted identifiers) and the standard
/// library's `sort_unstable` costs about 4 KB of WebAssembly (issue 14).
/// Identifiers are unique, so the order is the same as any sort's.
pub(super) fn sort_ids(ids: &mut [u32]) {
    for end in 1..ids.len() {
        let mut at = end;
        while let Some(pair) = at
            .checked_sub(1)
            .and_then(|before| ids.get_mut(before..=at))
        {
            match pair {
                [a, b] if *a > *b => core::mem::swap(a, b),
                _ => break,
            }
            at -= 1;
        }
    }
}

/// What [`Account::generate_one_time_prekeys`](super::Account::generate_one_time_prekeys) did.
///
/// Evicted keys are gone from the account for good: a prekey message that
/// uses one fails with [`Error::UnknownPrekey`]. Those in
/// [`evicted_published`](Self::evicted_published) were uploaded, so the
/// server may still hand them out: ask it to delete them. Evictions never
/// touch a published key while the account holds at most
/// [`MAX_PUBLISHED_ONE_TIME_PREKEYS`](crate::limits::MAX_PUBLISHED_ONE_TIME_PREKEYS) published keys of a kind (which the
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

/// The public record of a signed prekey.
pub(super) fn sign_signed_prekey(identity: &IdentityKeyPair, key: &EcPrekey) -> SignedPrekey {
    SignedPrekey::sign(&identity.signing, key.id, key.key.public_key())
}

#[cfg(test)]
mod tests {
    use super::sort_ids;
    use alloc::vec::Vec;

    #[test]
    fn sort_ids_sorts_like_the_standard_library() {
        let mut state = 0x9E37_79B9_u32;
        for len in 0..40 {
            for round in 0..20 {
                let mut ids: Vec<u32> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        // Small values too, so that duplicates occur.
                        if round % 2 == 0 { state } else { state % 8 }
                    })
                    .collect();
                let mut expected = ids.clone();
                expected.sort_unstable();
                sort_ids(&mut ids);
                assert_eq!(ids, expected);
            }
        }
        let mut descending: Vec<u32> = (0..200).rev().collect();
        sort_ids(&mut descending);
        assert_eq!(descending, (0..200).collect::<Vec<u32>>());
    }
}
