//! vodozemac (Olm) in WebAssembly for the JavaScript bench of ratchet
//! version 2 (`benches/js/pqratchet-cases.js`): two established Olm
//! sessions exchanging messages, the sender changing every 3 messages, as
//! the native `pq_alternate3_100B/vodozemac` (benches/benches/pq_ratchet.rs).

use vodozemac::olm::{Account, OlmMessage, Session, SessionConfig};
use wasm_bindgen::prelude::*;

/// Alice's and Bob's Olm sessions, established (one message each way).
#[wasm_bindgen]
pub struct OlmPair {
    alice: Session,
    bob: Session,
    count: u32,
}

fn err<E: core::fmt::Display>(e: E) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl OlmPair {
    /// Creates both accounts and runs the Olm handshake (outbound session,
    /// prekey message, inbound session, one reply).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<OlmPair, JsError> {
        let alice_account = Account::new();
        let mut bob_account = Account::new();
        bob_account.generate_one_time_keys(1);
        let one_time_key = *bob_account
            .one_time_keys()
            .values()
            .next()
            .ok_or_else(|| JsError::new("no one-time key"))?;
        bob_account.mark_keys_as_published();
        let mut alice = alice_account
            .create_outbound_session(
                SessionConfig::version_1(),
                bob_account.curve25519_key(),
                one_time_key,
            )
            .map_err(err)?;
        let first = alice.encrypt(b"hello").map_err(err)?;
        let OlmMessage::PreKey(prekey) = &first else {
            return Err(JsError::new("first Olm message is not a prekey message"));
        };
        let inbound = bob_account
            .create_inbound_session(
                SessionConfig::version_1(),
                alice_account.curve25519_key(),
                prekey,
            )
            .map_err(err)?;
        let mut bob = inbound.session;
        let reply = bob.encrypt(b"hello back").map_err(err)?;
        alice.decrypt(&reply).map_err(err)?;
        Ok(OlmPair {
            alice,
            bob,
            count: 0,
        })
    }

    /// One message: encrypted by the side whose turn it is (Alice for
    /// messages 0–2, Bob for 3–5, ...) and decrypted by the other. Returns
    /// the bytes it put on the wire (the message body, as the native bench
    /// counts them; Matrix carries the type apart).
    pub fn op(&mut self, plaintext: &[u8]) -> Result<usize, JsError> {
        let (sender, receiver) = if (self.count / 3) % 2 == 0 {
            (&mut self.alice, &mut self.bob)
        } else {
            (&mut self.bob, &mut self.alice)
        };
        self.count += 1;
        let message = sender.encrypt(plaintext).map_err(err)?;
        let len = message.to_parts().1.len();
        let decrypted = receiver.decrypt(&message).map_err(err)?;
        if decrypted != plaintext {
            return Err(JsError::new("Olm round trip"));
        }
        Ok(len)
    }
}
