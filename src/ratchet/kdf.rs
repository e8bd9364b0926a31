//! PROTOCOL.md §6.1: the root and chain KDFs, and the four kinds of key they
//! produce.
//!
//! Root, chain, header and message keys are distinct types, so passing one
//! where another is expected (or two header keys in the wrong order, where
//! the parameters say which is which) does not compile. Each wraps a
//! [`Secret`]: wiped on drop, redacted in `Debug`, compared in constant time.

use crate::primitives::Secret;
use crate::primitives::kdf::{hkdf_split3, hmac_sha256_pair};
use core::fmt;

/// Info string of KDF_RK.
pub(crate) const RATCHET_LABEL: &[u8] = b"Sotto v1 ratchet";
/// Input byte of KDF_CK for the message key.
const MESSAGE_KEY_BYTE: u8 = 0x01;
/// Input byte of KDF_CK for the next chain key.
const CHAIN_KEY_BYTE: u8 = 0x02;

macro_rules! ratchet_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Wiped on drop (it holds a [`Secret`]), redacted in `Debug`.
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Secret<32>);

        impl $name {
            /// Wraps 32 bytes as this kind of key. The caller's copy is not wiped.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                $name(Secret::from_bytes(bytes))
            }

            /// The key bytes.
            pub const fn expose(&self) -> &[u8; 32] {
                self.0.expose()
            }

            pub(crate) const fn from_secret(secret: Secret<32>) -> Self {
                $name(secret)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl zeroize::ZeroizeOnDrop for $name {}
    };
}

ratchet_key! {
    /// `RK`: the root key, input of KDF_RK.
    RootKey
}
ratchet_key! {
    /// `CKs` or `CKr`: a sending or receiving chain key, input of KDF_CK.
    ChainKey
}
ratchet_key! {
    /// `HKs`, `NHKs`, `HKr` or `NHKr`: encrypts the headers of one chain.
    HeaderKey
}
ratchet_key! {
    /// `mk`: encrypts the body of exactly one message.
    MessageKey
}

impl HeaderKey {
    pub(crate) const fn zeroed() -> Self {
        HeaderKey(Secret::zeroed())
    }
}

impl MessageKey {
    pub(crate) const fn zeroed() -> Self {
        MessageKey(Secret::zeroed())
    }
}

/// The outputs of one KDF_RK.
pub(crate) struct RootStep {
    pub(crate) root_key: RootKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) next_header_key: HeaderKey,
}

impl RootKey {
    /// `KDF_RK(rk, dh_out) = HKDF(salt = rk, ikm = dh_out, "Sotto v1 ratchet", 96)`
    /// split as (next root key, chain key, next header key).
    pub fn kdf(&self, dh_output: &Secret<32>) -> (RootKey, ChainKey, HeaderKey) {
        let [root, chain, header] = hkdf_split3(self.expose(), dh_output.expose(), RATCHET_LABEL);
        (
            RootKey::from_secret(root),
            ChainKey::from_secret(chain),
            HeaderKey::from_secret(header),
        )
    }

    pub(crate) fn step(&self, dh_output: &Secret<32>) -> RootStep {
        let (root_key, chain_key, next_header_key) = self.kdf(dh_output);
        RootStep {
            root_key,
            chain_key,
            next_header_key,
        }
    }
}

impl ChainKey {
    /// `KDF_CK(ck) = (HMAC(ck, 0x02), HMAC(ck, 0x01))` as (next chain key,
    /// message key).
    pub fn kdf(&self) -> (ChainKey, MessageKey) {
        // Two HMACs under the same key: one key setup (same bytes as two
        // independent HMAC-SHA256 calls, PROTOCOL.md's KDF_CK).
        let [message_key, next_chain_key] =
            hmac_sha256_pair(self.expose(), &[MESSAGE_KEY_BYTE], &[CHAIN_KEY_BYTE]);
        (
            ChainKey::from_secret(Secret::from_bytes(next_chain_key)),
            MessageKey::from_secret(Secret::from_bytes(message_key)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted_and_typed() {
        let shown = alloc::format!("{:?}", HeaderKey::from_bytes([0xAB; 32]));
        assert_eq!(shown, "HeaderKey(<redacted>)");
        let (next, message) = ChainKey::from_bytes([1; 32]).kdf();
        assert_ne!(next.expose(), message.expose());
    }
}
