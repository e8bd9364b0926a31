use super::persist::MAX_STATE_LEN;
use super::*;

#[test]
fn largest_state_fits_the_sealed_bound() {
    assert_eq!(MAX_STATE_LEN, 662_215);
    const { assert!(MAX_STATE_LEN + 2 + 24 + 16 <= MAX_SEALED_GROUP_LEN) };
}

#[test]
fn chain_step_matches_hmac_definition() {
    use crate::primitives::Secret;
    use crate::primitives::kdf::hmac_sha256;
    let ck = Secret::from_bytes([9u8; 32]);
    let (mk, next) = chain::step(&ck);
    assert_eq!(
        mk.expose(),
        &hmac_sha256(&[9u8; 32], b"Sotto v1 group message key")
    );
    assert_eq!(
        next.expose(),
        &hmac_sha256(&[9u8; 32], b"Sotto v1 group chain key")
    );
    assert_ne!(mk.expose(), next.expose());
}
