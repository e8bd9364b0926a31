//! A fixed-size secret byte string: zeroized on drop, redacted in `Debug`,
//! compared in constant time.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `N` secret bytes.
///
/// The bytes are wiped when the value is dropped, never printed by `Debug`,
/// and compared with [`subtle`] so equality takes the same time whatever the
/// contents. `Clone` is deliberate and explicit: each clone is wiped on its
/// own drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// Wraps bytes as a secret. The caller's copy is not wiped.
    pub const fn from_bytes(bytes: [u8; N]) -> Self {
        Secret(bytes)
    }

    /// Reads the secret bytes.
    pub const fn expose(&self) -> &[u8; N] {
        &self.0
    }

    /// Mutable access, for filling from an RNG or a KDF in place.
    pub(crate) fn expose_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }

    /// All-zero secret, to be filled in place.
    pub(crate) const fn zeroed() -> Self {
        Secret([0u8; N])
    }
}

impl<const N: usize> ConstantTimeEq for Secret<N> {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret<{N}>(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::from_bytes([0xAB; 32]);
        let shown = alloc::format!("{secret:?}");
        assert!(!shown.contains("ab") && !shown.contains("AB") && !shown.contains("171"));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::from_bytes([1u8; 4]), Secret::from_bytes([1u8; 4]));
        assert_ne!(
            Secret::from_bytes([1u8; 4]),
            Secret::from_bytes([1, 1, 1, 2])
        );
    }
}

/// Overwrites the spare capacity of `list` with `zero()` values.
///
/// `Vec::remove`, `drain` and `retain` move elements down by bitwise copy and
/// leave the old bytes of the moved elements beyond the new length, where no
/// destructor will ever wipe them. Call this after such an operation on a list
/// of secrets. It never reallocates (it only fills existing capacity).
pub(crate) fn wipe_spare_capacity<T>(list: &mut alloc::vec::Vec<T>, zero: impl Fn() -> T) {
    let len = list.len();
    while list.len() < list.capacity() {
        list.push(zero());
    }
    list.truncate(len);
}

/// Makes room for `additional` more elements without leaving secrets in a
/// freed buffer: when the list must grow, its elements move to a fresh buffer
/// and the old one is overwritten with `zero()` values before it is freed
/// (a plain `Vec` reallocation would free it with the secrets still in it).
pub(crate) fn reserve_wiping<T>(
    list: &mut alloc::vec::Vec<T>,
    additional: usize,
    zero: impl Fn() -> T,
) {
    let needed = list.len().saturating_add(additional);
    if needed <= list.capacity() {
        return;
    }
    let mut grown = alloc::vec::Vec::with_capacity(needed.max(list.capacity().saturating_mul(2)));
    grown.append(list);
    wipe_spare_capacity(list, zero);
    *list = grown;
}

#[cfg(test)]
mod wipe_tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn wiping_keeps_the_live_elements() {
        let mut list: Vec<Secret<4>> = (1..=4u8).map(|i| Secret::from_bytes([i; 4])).collect();
        list.remove(0);
        wipe_spare_capacity(&mut list, Secret::zeroed);
        // Refill the capacity without writing to observe what was left there.
        let len = list.len();
        assert_eq!(len, 3);
        let values: Vec<[u8; 4]> = list.iter().map(|s| *s.expose()).collect();
        assert_eq!(values, [[2; 4], [3; 4], [4; 4]]);
    }

    #[test]
    fn growth_keeps_elements() {
        let mut list: Vec<Secret<4>> = Vec::with_capacity(1);
        list.push(Secret::from_bytes([9; 4]));
        reserve_wiping(&mut list, 10, Secret::zeroed);
        assert!(list.capacity() >= 11);
        assert_eq!(list[0].expose(), &[9; 4]);
    }
}
