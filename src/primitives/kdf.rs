//! HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 2104), plus SHA-256/512,
//! over RustCrypto's `hkdf`, `hmac` and `sha2` through the concrete
//! functions of `sotto-kernels` (see [`aead`](super::aead)).

use super::Secret;
use crate::{Error, Result};

/// HKDF-SHA256: extract with `salt` (empty salt = no salt), then expand to
/// `out.len()` bytes with `info`.
///
/// # Errors
/// [`Error::InvalidArgument`] when `out` is longer than 255 × 32 bytes.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    let salt = if salt.is_empty() { None } else { Some(salt) };
    if sotto_kernels::hkdf_sha256(salt, ikm, info, out) {
        Ok(())
    } else {
        Err(Error::InvalidArgument)
    }
}

/// HKDF-SHA256 into a fixed number of secret bytes.
pub(crate) fn hkdf_secret<const N: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> Secret<N> {
    let mut out = Secret::zeroed();
    // N is a compile-time constant no larger than 96 at every call site, far
    // below HKDF's limit of 8160 bytes, so expand cannot fail.
    let _ = hkdf_sha256(salt, ikm, info, out.expose_mut());
    out
}

/// HKDF-SHA256 into 96 bytes, split into three 32-byte secrets in order
/// (the output split of KDF_RK and of the handshake, PROTOCOL.md §5.2, §6.1).
pub(crate) fn hkdf_split3(salt: &[u8], ikm: &[u8], info: &[u8]) -> [Secret<32>; 3] {
    let okm: Secret<96> = hkdf_secret(salt, ikm, info);
    let (first, rest) = okm.expose().split_at(32);
    let (second, third) = rest.split_at(32);
    [first, second, third].map(|part| {
        let mut key = Secret::<32>::zeroed();
        key.expose_mut().copy_from_slice(part);
        key
    })
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    sotto_kernels::hmac_sha256(key, data)
}

/// `[HMAC-SHA256(key, a), HMAC-SHA256(key, b)]` with one key setup: the
/// keyed state (inner and outer pads absorbed) is computed once and cloned,
/// which saves two of the eight SHA-256 compressions of two independent calls.
/// The outputs are exactly those of two [`hmac_sha256`] calls.
pub fn hmac_sha256_pair(key: &[u8], a: &[u8], b: &[u8]) -> [[u8; 32]; 2] {
    sotto_kernels::hmac_sha256_pair(key, a, b)
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    sotto_kernels::sha256(parts)
}

/// SHA-512 of the concatenation of `parts`.
pub fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    sotto_kernels::sha512(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 5869 Appendix A.1 (basic test case with SHA-256).
    #[test]
    fn rfc5869_a1() {
        let mut okm = [0u8; 42];
        hkdf_sha256(
            &hex("000102030405060708090a0b0c"),
            &hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            &hex("f0f1f2f3f4f5f6f7f8f9"),
            &mut okm,
        )
        .unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            )
        );
    }

    /// RFC 5869 Appendix A.3 (zero-length salt and info).
    #[test]
    fn rfc5869_a3() {
        let mut okm = [0u8; 42];
        hkdf_sha256(
            &[],
            &hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            &[],
            &mut okm,
        )
        .unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
            )
        );
    }

    /// RFC 4231 test case 2 (HMAC-SHA256 with a short key).
    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?").to_vec(),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }

    #[test]
    fn hmac_pair_equals_two_calls() {
        // RFC 4231 test case 2 (key "Jefe") as the first output, so the pair
        // is checked against a published vector, not only against itself.
        let [a, b] = hmac_sha256_pair(b"Jefe", b"what do ya want for nothing?", &[2]);
        assert_eq!(
            a.to_vec(),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        assert_eq!(b, hmac_sha256(b"Jefe", &[2]));
        for key_len in [0usize, 1, 32, 64, 65, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| i as u8).collect();
            let [x, y] = hmac_sha256_pair(&key, &[1], &[2]);
            assert_eq!(x, hmac_sha256(&key, &[1]));
            assert_eq!(y, hmac_sha256(&key, &[2]));
        }
    }

    #[test]
    fn hkdf_rejects_overlong_output() {
        let mut out = alloc::vec![0u8; 255 * 32 + 1];
        assert_eq!(
            hkdf_sha256(b"s", b"k", b"i", &mut out),
            Err(Error::InvalidArgument)
        );
    }
}
