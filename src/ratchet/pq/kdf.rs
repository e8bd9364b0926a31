//! PROTOCOL.md §22.4: the version-2 root KDF and the KEM transcript hash.

use crate::primitives::Secret;
use crate::primitives::kdf::{hkdf_split3, sha256};
use crate::primitives::kem::{CIPHERTEXT_LEN, PUBLIC_KEY_LEN};
use crate::ratchet::kdf::{ChainKey, HeaderKey, RootKey, RootStep};
use alloc::vec::Vec;
use zeroize::Zeroizing;

/// Info prefix of `KDF_RK2`.
const RATCHET2_LABEL: &[u8] = b"Sotto v2 ratchet";
/// Prefix of the KEM transcript hash.
const TRANSCRIPT_LABEL: &[u8] = b"Sotto v2 KEM transcript";

/// A completed KEM exchange, as mixed into a root step.
#[derive(Clone, PartialEq, Eq)]
pub struct Mix {
    /// The exchange's epoch.
    pub epoch: u32,
    /// Its ML-KEM shared secret.
    pub secret: Secret<32>,
    /// [`transcript_hash`] of its key and ciphertext.
    pub transcript: [u8; 32],
}

impl core::fmt::Debug for Mix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mix")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// `SHA-256("Sotto v2 KEM transcript" || u32(epoch) || ek || ct)`.
pub fn transcript_hash(
    epoch: u32,
    ek: &[u8; PUBLIC_KEY_LEN],
    ct: &[u8; CIPHERTEXT_LEN],
) -> [u8; 32] {
    sha256(&[TRANSCRIPT_LABEL, &epoch.to_be_bytes(), ek, ct])
}

/// `KDF_RK2(rk, dh_out, [mix])`: HKDF with salt `rk`, ikm `dh_out || [ss]`
/// and info `"Sotto v2 ratchet" || flag(mix) || [u32(epoch) || transcript]`,
/// split as (root key, chain key, next header key).
pub(crate) fn kdf_rk2(root_key: &RootKey, dh_output: &Secret<32>, mix: Option<&Mix>) -> RootStep {
    let mut ikm: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(64));
    let mut info = Vec::with_capacity(RATCHET2_LABEL.len() + 37);
    info.extend_from_slice(RATCHET2_LABEL);
    ikm.extend_from_slice(dh_output.expose());
    match mix {
        None => info.push(0),
        Some(mix) => {
            info.push(1);
            info.extend_from_slice(&mix.epoch.to_be_bytes());
            info.extend_from_slice(&mix.transcript);
            ikm.extend_from_slice(mix.secret.expose());
        }
    }
    let [root, chain, header] = hkdf_split3(root_key.expose(), &ikm, &info);
    RootStep {
        root_key: RootKey::from_secret(root),
        chain_key: ChainKey::from_secret(chain),
        next_header_key: HeaderKey::from_secret(header),
    }
}
