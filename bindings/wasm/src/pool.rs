//! The generator of the main build: the operating system's, directly or,
//! for the nonces of `WasmSession::encrypt`, through the session's pool of
//! it (issue 14). On wasm32 the operating system's generator is
//! `crypto.getRandomValues`, one call from WebAssembly into JavaScript per
//! draw: about 0.8–1.1 µs in Chromium and more in Node, a tenth or more of
//! a 100-byte message's encrypt+decrypt (docs/BENCHMARKS.md). The pool
//! fetches ten nonces at a time.
//!
//! Why this is as good as drawing each time: the pool serves only draws of
//! exactly 24 bytes, and in the call tree of `Session::encrypt` (the one
//! call given the pool) those are only XChaCha20 nonces (§7.2: drawn in
//! `SendStep::seal`), which the message carries in the clear; every other
//! draw (a ratchet key, ML-KEM randomness) goes to the operating system's
//! generator at once. So the pool never holds a secret: a memory dump
//! learns from it only nonces that the next messages would publish, and
//! XChaCha20-Poly1305 needs a nonce to be unique, not unpredictable. Every
//! byte comes from the operating system's generator and is handed out once
//! (and wiped as it is, the rest on drop). The pool lives in its
//! `WasmSession`, which is never cloned or moved out in this build, and
//! whose sealed state does not include it (an unsealed session starts
//! empty), so two sessions never share bytes; a restart after a trap brings
//! a new instance, with zeroed memory, whose sessions start empty.

use sotto::{Error, OsRng};
use zeroize::Zeroize;

/// The one draw length the pool serves: an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
const POOL_LEN: usize = 10 * NONCE_LEN;

/// Bytes drawn ahead from the operating system's generator; `used` of them
/// (from the start) were handed out and wiped.
pub(crate) struct Pool {
    bytes: [u8; POOL_LEN],
    used: usize,
}

impl Pool {
    pub(crate) const fn new() -> Self {
        Pool {
            bytes: [0; POOL_LEN],
            used: POOL_LEN,
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// The generator: the operating system's, or a session's pool of it for
/// 24-byte draws.
pub(crate) enum Gen<'a> {
    Os,
    Pool(&'a mut Pool),
}

fn os(dst: &mut [u8]) -> Result<(), Error> {
    rand_core::TryRng::try_fill_bytes(&mut OsRng, dst).map_err(|_| Error::Randomness)
}

impl rand_core::TryRng for Gen<'_> {
    type Error = Error;
    fn try_next_u32(&mut self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        let pool = match self {
            Gen::Pool(pool) if dst.len() == NONCE_LEN => pool,
            _ => return os(dst),
        };
        if POOL_LEN - pool.used < dst.len() {
            // Empty until the refill succeeded: a failed one hands out nothing.
            pool.used = POOL_LEN;
            os(&mut pool.bytes)?;
            pool.used = 0;
        }
        let end = pool.used + dst.len();
        let taken = pool.bytes.get_mut(pool.used..end).ok_or(Error::Internal)?;
        dst.copy_from_slice(taken);
        taken.zeroize();
        pool.used = end;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Gen<'_> {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use rand_core::TryRng;

    #[test]
    fn nonces_come_from_the_pool_once_each_and_are_wiped() {
        let mut pool = Pool::new();
        let mut nonces = std::vec::Vec::new();
        for _ in 0..25 {
            let mut nonce = [0u8; NONCE_LEN];
            Gen::Pool(&mut pool).try_fill_bytes(&mut nonce).unwrap();
            // Handed out: wiped in the pool, and the pool moved past it.
            assert!(pool.bytes[..pool.used].iter().all(|&b| b == 0));
            assert_eq!(pool.used % NONCE_LEN, 0);
            assert_ne!(nonce, [0u8; NONCE_LEN]);
            nonces.push(nonce);
        }
        // 25 draws: two refills; no two nonces alike.
        nonces.sort_unstable();
        nonces.dedup();
        assert_eq!(nonces.len(), 25);
        assert_eq!(pool.used, 5 * NONCE_LEN);
    }

    /// Records the 24-byte draws that the pool serves.
    struct Recording<'a> {
        inner: Gen<'a>,
        served: std::vec::Vec<[u8; NONCE_LEN]>,
    }

    impl TryRng for Recording<'_> {
        type Error = Error;
        fn try_next_u32(&mut self) -> Result<u32, Error> {
            self.inner.try_next_u32()
        }
        fn try_next_u64(&mut self) -> Result<u64, Error> {
            self.inner.try_next_u64()
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
            self.inner.try_fill_bytes(dst)?;
            if let Ok(draw) = <[u8; NONCE_LEN]>::try_from(&*dst) {
                self.served.push(draw);
            }
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for Recording<'_> {}

    /// The pool's safety argument, checked on real sessions: everything it
    /// hands out during `Session::encrypt` is published in the message sent
    /// (it is the nonce), through bursts, DH ratchet steps (replies) and,
    /// for a version-2 session, ML-KEM ratchet steps. A future 24-byte
    /// secret draw inside `encrypt` would fail this test.
    #[test]
    fn everything_the_pool_serves_is_in_the_message_sent() {
        use sotto::{Account, PrekeyBundle, Session, SessionContext};
        for pq in [false, true] {
            let alice = Account::new(&mut OsRng).unwrap();
            let mut bob = Account::new(&mut OsRng).unwrap();
            let mut bundle = bob.prekey_bundle().unwrap();
            if pq {
                bundle = bundle.with_pq_ratchet();
            }
            let bundle = PrekeyBundle::from_bytes(&bundle.to_bytes()).unwrap();
            let mut a = Session::initiate(
                &alice,
                &bundle,
                &SessionContext::new(b"alice", b"bob"),
                &mut OsRng,
            )
            .unwrap();
            let first = a.encrypt(b"hello", &mut OsRng).unwrap();
            let (mut b, _) =
                Session::accept(&mut bob, &first, &SessionContext::new(b"bob", b"alice")).unwrap();
            let (mut pool_a, mut pool_b) = (Pool::new(), Pool::new());
            let mut served = 0;
            // Direction changes every 3 messages: DH (and KEM) steps.
            for i in 0..60u32 {
                let (sender, receiver, pool) = if (i / 3) % 2 == 0 {
                    (&mut b, &mut a, &mut pool_b)
                } else {
                    (&mut a, &mut b, &mut pool_a)
                };
                let mut rng = Recording {
                    inner: Gen::Pool(pool),
                    served: std::vec::Vec::new(),
                };
                let message = sender.encrypt(&i.to_le_bytes(), &mut rng).unwrap();
                assert_eq!(receiver.decrypt(&message).unwrap(), i.to_le_bytes());
                for draw in &rng.served {
                    assert!(
                        message.windows(NONCE_LEN).any(|w| w == draw),
                        "pq {pq}, message {i}: a 24-byte draw is not in the message"
                    );
                }
                served += rng.served.len();
            }
            assert_eq!(served, 60, "one nonce per message");
        }
    }

    #[test]
    fn other_draws_bypass_the_pool() {
        let mut pool = Pool::new();
        let mut nonce = [0u8; NONCE_LEN];
        Gen::Pool(&mut pool).try_fill_bytes(&mut nonce).unwrap();
        let before = (pool.bytes, pool.used);
        let mut key = [0u8; 32];
        Gen::Pool(&mut pool).try_fill_bytes(&mut key).unwrap();
        let mut short = [0u8; 23];
        Gen::Pool(&mut pool).try_fill_bytes(&mut short).unwrap();
        assert_eq!((pool.bytes, pool.used), before);
        assert_ne!(key, [0u8; 32]);
        // The bytes the key took are none of the pool's unused ones.
        let unused = &pool.bytes[pool.used..];
        assert!(!unused.windows(32).any(|w| w == key));
    }
}
