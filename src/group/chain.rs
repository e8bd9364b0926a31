//! The symmetric sender chain (PROTOCOL.md §21.3).

use crate::primitives::Secret;
use crate::primitives::kdf::{hmac_sha256, hmac_sha256_pair};

/// HMAC input that derives a message key from a chain key.
pub(crate) const MESSAGE_KEY_LABEL: &[u8] = b"Sotto v1 group message key";
/// HMAC input that derives the next chain key.
pub(crate) const CHAIN_KEY_LABEL: &[u8] = b"Sotto v1 group chain key";

/// One step: `(message key, next chain key)` from a chain key.
pub(crate) fn step(chain_key: &Secret<32>) -> (Secret<32>, Secret<32>) {
    let [mk, ck] = hmac_sha256_pair(chain_key.expose(), MESSAGE_KEY_LABEL, CHAIN_KEY_LABEL);
    (Secret::from_bytes(mk), Secret::from_bytes(ck))
}

/// The 4-byte mask that hides a message's index: the first four bytes of
/// `HMAC-SHA256(header key, nonce)`.
pub(crate) fn index_mask(header_key: &Secret<32>, nonce: &[u8]) -> [u8; 4] {
    let mac = hmac_sha256(header_key.expose(), nonce);
    let mut mask = [0u8; 4];
    if let Some(head) = mac.first_chunk::<4>() {
        mask = *head;
    }
    mask
}
