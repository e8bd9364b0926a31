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
