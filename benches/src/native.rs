use sotto::{Account, OsRng, PrekeyBundle, Session, SessionContext};
#[cfg(feature = "vodozemac")]
use vodozemac::olm::{self, OlmMessage, SessionConfig};

pub use sotto;
#[cfg(feature = "vodozemac")]
pub use vodozemac;

/// Every benchmarked message has this many plaintext bytes.
pub const MESSAGE_LEN: usize = 100;

/// The 100-byte plaintext.
pub fn message() -> Vec<u8> {
    (0..MESSAGE_LEN).map(|i| (i * 7 + 3) as u8).collect()
}

pub const ALICE: &[u8] = b"alice@example.org/phone";
pub const BOB: &[u8] = b"bob@example.org/laptop";

pub fn alice_ctx() -> SessionContext<'static> {
    SessionContext::new(ALICE, BOB)
}

pub fn bob_ctx() -> SessionContext<'static> {
    SessionContext::new(BOB, ALICE)
}

/// A second live copy of an account, for benchmarks that run one handshake
/// per iteration on the same state (accounts are not `Clone`).
pub fn fork_account(account: &Account) -> Account {
    let state = sotto::hazmat::account_state(account).expect("state");
    sotto::hazmat::account_from_state(&state).expect("account")
}

/// A second live copy of a session (sessions are not `Clone`).
pub fn fork_session(session: &Session) -> Session {
    let state = sotto::hazmat::session_state(session).expect("state");
    sotto::hazmat::session_from_state(&state).expect("session")
}

/// Bob's account (with one-time prekeys) and a bundle of it, encoded.
pub struct SottoResponder {
    pub account: Account,
    pub bundle_bytes: Vec<u8>,
}

impl SottoResponder {
    pub fn new() -> Self {
        let mut account = Account::new(&mut OsRng).expect("account");
        account
            .generate_one_time_prekeys(1, &mut OsRng)
            .expect("prekeys");
        let bundle_bytes = account.prekey_bundle().expect("bundle").to_bytes();
        SottoResponder {
            account,
            bundle_bytes,
        }
    }
}

impl Default for SottoResponder {
    fn default() -> Self {
        Self::new()
    }
}

/// The whole Sotto handshake from the initiator's point of view and the
/// responder's: verify the bundle, initiate, encrypt the first message,
/// accept it (which decrypts it). Returns both sessions and the prekey message.
pub fn sotto_handshake(
    alice: &Account,
    bob: &mut Account,
    bundle_bytes: &[u8],
    plaintext: &[u8],
) -> (Session, Session, Vec<u8>) {
    let bundle = PrekeyBundle::from_bytes(bundle_bytes).expect("bundle verifies");
    let mut a = Session::initiate(alice, &bundle, &alice_ctx(), &mut OsRng).expect("initiate");
    let first = a.encrypt(plaintext, &mut OsRng).expect("encrypt");
    let (b, text) = Session::accept(bob, &first, &bob_ctx()).expect("accept");
    assert_eq!(text.len(), plaintext.len());
    (a, b, first)
}

/// Two established Sotto sessions (one message each way already exchanged,
/// so neither sends prekey messages any more).
pub fn sotto_pair() -> (Session, Session) {
    let alice = Account::new(&mut OsRng).expect("account");
    let mut bob = SottoResponder::new();
    let m = message();
    let (mut a, mut b, _) = sotto_handshake(&alice, &mut bob.account, &bob.bundle_bytes, &m);
    let reply = b.encrypt(&m, &mut OsRng).expect("encrypt");
    a.decrypt(&reply).expect("decrypt");
    assert!(!a.awaiting_reply());
    (a, b)
}

#[cfg(feature = "vodozemac")]
mod olm_fixtures {
    use super::*;

    /// Bob's Olm account with one unpublished one-time key, and that key.
    pub struct OlmResponder {
        pub account: olm::Account,
        pub identity: vodozemac::Curve25519PublicKey,
        pub one_time_key: vodozemac::Curve25519PublicKey,
    }

    impl OlmResponder {
        pub fn new() -> Self {
            let mut account = olm::Account::new();
            account.generate_one_time_keys(1);
            let one_time_key = *account.one_time_keys().values().next().expect("otk");
            account.mark_keys_as_published();
            OlmResponder {
                identity: account.curve25519_key(),
                account,
                one_time_key,
            }
        }
    }

    impl Default for OlmResponder {
        fn default() -> Self {
            Self::new()
        }
    }

    /// The Olm handshake: create_outbound_session, the first (prekey) message,
    /// create_inbound_session (which decrypts it).
    pub fn olm_handshake(
        alice: &olm::Account,
        bob: &mut OlmResponder,
        plaintext: &[u8],
    ) -> (olm::Session, olm::Session, OlmMessage) {
        let mut a = alice
            .create_outbound_session(SessionConfig::version_1(), bob.identity, bob.one_time_key)
            .expect("outbound");
        let first = a.encrypt(plaintext).expect("encrypt");
        let OlmMessage::PreKey(prekey) = &first else {
            panic!("first Olm message is not a prekey message")
        };
        let result = bob
            .account
            .create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), prekey)
            .expect("inbound");
        assert_eq!(result.plaintext.len(), plaintext.len());
        (a, result.session, first)
    }

    /// Two established Olm sessions (one message each way already exchanged).
    pub fn olm_pair() -> (olm::Session, olm::Session) {
        let alice = olm::Account::new();
        let mut bob = OlmResponder::new();
        let m = message();
        let (mut a, mut b, _) = olm_handshake(&alice, &mut bob, &m);
        let reply = b.encrypt(&m).expect("encrypt");
        a.decrypt(&reply).expect("decrypt");
        assert!(a.has_received_message());
        (a, b)
    }

    /// The bytes an Olm message puts on the wire (type byte excluded: Matrix
    /// carries it as a separate JSON field).
    pub fn olm_wire_len(message: &OlmMessage) -> usize {
        message.to_parts().1.len()
    }
}
#[cfg(feature = "vodozemac")]
pub use olm_fixtures::*;

/// Sending to a person (PROTOCOL.md §20): a sender with one device and a
/// recipient with `n` devices, every session established (both sides have
/// sent), so that a fan-out is `n` normal messages.
pub struct FanoutWorld {
    pub account: Account,
    pub me: sotto::contact::DeviceAddress,
    pub own: sotto::contact::Contact,
    pub recipient: sotto::contact::Contact,
}

impl FanoutWorld {
    pub fn new(n: usize) -> Self {
        use sotto::contact::{Contact, DeviceAddress, Outcome, send_to_person};
        use sotto::person::UserIdentity;
        let account = Account::new(&mut OsRng).expect("account");
        let alice = UserIdentity::new(&mut OsRng).expect("user");
        let alice_list = alice
            .sign_device_list(&[(1, account.identity_key().clone())], &[], 0)
            .expect("list");
        let bob = UserIdentity::new(&mut OsRng).expect("user");
        let mut devices: Vec<Account> = (0..n)
            .map(|_| Account::new(&mut OsRng).expect("account"))
            .collect();
        let entries: Vec<_> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (i as u32 + 1, d.identity_key().clone()))
            .collect();
        let bob_list = bob.sign_device_list(&entries, &[], 0).expect("list");
        let me = DeviceAddress::new(alice.public_key(), 1);
        let mut own = Contact::new(alice_list.clone());
        let mut recipient = Contact::new(bob_list.clone());
        let bundles: Vec<_> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    DeviceAddress::new(bob.public_key(), i as u32 + 1),
                    d.prekey_bundle().expect("bundle"),
                )
            })
            .collect();
        let report = send_to_person(
            &account,
            &me,
            &mut own,
            &mut recipient,
            &bundles,
            b"hi",
            &mut OsRng,
        )
        .expect("fan-out");
        let mut account = account;
        for (delivery, device) in report.iter().zip(devices.iter_mut()) {
            let Outcome::Sent { message, .. } = &delivery.outcome else {
                panic!("not sent")
            };
            let bob_me = DeviceAddress::new(bob.public_key(), delivery.to.device_id);
            let mut bob_own = Contact::new(bob_list.clone());
            let mut from_alice = Contact::new(alice_list.clone());
            from_alice
                .decrypt(device, &bob_me, 1, message)
                .expect("decrypt");
            // The reply makes Alice's session established (no prekey messages).
            let reply = send_to_person(
                device,
                &bob_me,
                &mut bob_own,
                &mut from_alice,
                &[],
                b"hi",
                &mut OsRng,
            )
            .expect("reply");
            let Outcome::Sent { message, .. } = &reply[0].outcome else {
                panic!("reply not sent")
            };
            recipient
                .decrypt(&mut account, &me, delivery.to.device_id, message)
                .expect("decrypt reply");
        }
        FanoutWorld {
            account,
            me,
            own,
            recipient,
        }
    }

    /// Design (a), the library's: the full body through each session.
    /// Returns every message.
    pub fn send_full(&mut self, body: &[u8]) -> Vec<Vec<u8>> {
        sotto::contact::send_to_person(
            &self.account,
            &self.me,
            &mut self.own,
            &mut self.recipient,
            &[],
            body,
            &mut OsRng,
        )
        .expect("fan-out")
        .into_iter()
        .map(|d| match d.outcome {
            sotto::contact::Outcome::Sent { message, .. } => message,
            other => panic!("{other:?}"),
        })
        .collect()
    }

    /// Design (b), built from the public API and the primitives: the body
    /// once under a fresh random key `K` (XChaCha20-Poly1305, random
    /// nonce), then `K || SHA-256(nonce || ciphertext)` (64 bytes) through
    /// each session. Returns `nonce || ciphertext` (sent once, stored by
    /// the server for every device) and the per-device messages.
    pub fn send_keywrap(&mut self, body: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        use rand_core::TryRng;
        use sotto::primitives::aead::{Algorithm, seal};
        use sotto::primitives::kdf::sha256;
        let mut key = [0u8; 32];
        let mut nonce = [0u8; 24];
        OsRng.try_fill_bytes(&mut key).expect("rng");
        OsRng.try_fill_bytes(&mut nonce).expect("rng");
        let ciphertext = seal(
            Algorithm::XChaCha20Poly1305,
            &key,
            &nonce,
            b"fan-out body",
            body,
        )
        .expect("seal");
        let blob = [&nonce[..], &ciphertext].concat();
        let digest = sha256(&[&blob]);
        let messages = self.send_full(&[&key[..], &digest].concat());
        (blob, messages)
    }
}
