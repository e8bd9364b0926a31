//! PROTOCOL.md §22.5: collecting the chunks of an encapsulation key or a
//! ciphertext, in any order, each counted once.

use super::field::CHUNK_LEN;
use alloc::boxed::Box;
use alloc::vec;

/// The chunks received so far of an object of `N` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Assembly<const N: usize> {
    /// Bit `i` set: chunk `i` received.
    pub(super) received: u32,
    /// The object, zero where chunks are missing.
    pub(super) bytes: Box<[u8; N]>,
}

impl<const N: usize> Assembly<N> {
    /// Number of chunks of the object.
    pub(super) const CHUNKS: usize = N.div_ceil(CHUNK_LEN);

    pub(super) fn new() -> Self {
        let bytes: Box<[u8; N]> = vec![0u8; N]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| Box::new([0u8; N]));
        Assembly { received: 0, bytes }
    }

    /// Bits of the chunks that exist.
    pub(super) const fn all_bits() -> u32 {
        (1u32 << Self::CHUNKS) - 1
    }

    /// Adds chunk `index` (already checked by the field decoder); a chunk
    /// already held is ignored.
    pub(super) fn add(&mut self, index: u8, data: &[u8; CHUNK_LEN]) {
        let bit = 1u32.checked_shl(u32::from(index)).unwrap_or(0);
        if bit == 0 || self.received & bit != 0 || usize::from(index) >= Self::CHUNKS {
            return;
        }
        let start = usize::from(index) * CHUNK_LEN;
        let end = (start + CHUNK_LEN).min(N);
        if let (Some(target), Some(source)) =
            (self.bytes.get_mut(start..end), data.get(..end - start))
        {
            target.copy_from_slice(source);
            self.received |= bit;
        }
    }

    /// The object, once every chunk arrived.
    pub(super) fn complete(&self) -> Option<&[u8; N]> {
        (self.received == Self::all_bits()).then_some(&*self.bytes)
    }
}

impl<const N: usize> Drop for Assembly<N> {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes[..]);
    }
}
