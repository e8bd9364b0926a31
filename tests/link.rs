//! Linking a new device (PROTOCOL.md §19) through the public API: the
//! vectors of tests/vectors/sotto-v1-link.json replayed, and the attacks
//! (tampered, replayed, expired, wrong secret, another offer) each a typed
//! error that changes nothing.

mod common;

use common::tape::{Tape, hx};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;
use sotto::link::{LINK_OFFER_LEN, LinkContact, LinkOffer, MAX_LINK_TTL, ScannedOffer};
use sotto::{Account, DeviceList, Error, UserIdentity, UserIdentityKey};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/sotto-v1-link.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn account(random: &Value) -> Account {
    let mut tape = Tape::new(&[
        &random["identity_signing_seed"],
        &random["identity_agreement_private"],
        &random["signed_prekey_private"],
        &random["last_resort_kem_seed"],
    ]);
    let account = Account::new(&mut tape).unwrap();
    tape.done();
    account
}

fn user(random: &Value) -> UserIdentity {
    let mut tape = Tape::new(&[&random["user_seed"]]);
    let user = UserIdentity::new(&mut tape).unwrap();
    tape.done();
    user
}

struct Replayed {
    v: Value,
    offer: LinkOffer,
}

fn replay_offer(v: &Value) -> LinkOffer {
    let browser = account(&v["browser"]["random"]);
    assert_eq!(
        browser.identity_key().to_bytes(),
        hx(&v["browser"]["identity_record"])
    );
    let r = &v["offer"]["random"];
    let mut tape = Tape::new(&[&r["x25519_private"], &r["kem_seed"], &r["secret"]]);
    let now = v["now"].as_u64().unwrap();
    let offer = LinkOffer::new(&browser, now, v["ttl"].as_u64().unwrap(), &mut tape).unwrap();
    tape.done();
    offer
}

fn replayed() -> Replayed {
    let v = vectors();
    let offer = replay_offer(&v);
    Replayed { v, offer }
}

#[test]
fn vectors_replay_through_the_public_api() {
    let Replayed { v, mut offer } = replayed();
    assert_eq!(offer.qr_payload(), hx(&v["offer"]["qr_payload"]));
    assert_eq!(offer.qr_payload().len(), LINK_OFFER_LEN);
    assert_eq!(
        offer.expires_at(),
        v["offer"]["expires_at"].as_u64().unwrap()
    );

    let phone = account(&v["phone"]["random"]);
    assert_eq!(
        phone.identity_key().to_bytes(),
        hx(&v["phone"]["identity_record"])
    );
    let mut bob = user(&v["bob"]["random"]);
    assert_eq!(
        bob.public_key().to_bytes().to_vec(),
        hx(&v["bob"]["user_key"])
    );
    let now = v["now"].as_u64().unwrap();
    let list = bob
        .sign_device_list(&[(1, phone.identity_key().clone())], &[], now - 1000)
        .unwrap();
    assert_eq!(list.to_bytes(), hx(&v["bob"]["list"]));
    bob.commit_device_list(&list).unwrap();
    let contacts: Vec<LinkContact> = v["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let key = user(&c["random"]).public_key();
            assert_eq!(key.to_bytes().to_vec(), hx(&c["user_key"]));
            LinkContact {
                user_key: key,
                verified: c["verified"].as_bool().unwrap(),
                name: c["name"].as_str().unwrap().into(),
            }
        })
        .collect();

    let r = &v["response"];
    let at = r["now"].as_u64().unwrap();
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), at).unwrap();
    assert_eq!(
        scanned.identity().to_bytes(),
        hx(&v["browser"]["identity_record"])
    );
    let mut tape = Tape::new(&[
        &r["random"]["x25519_private"],
        &r["random"]["kem_randomness"],
    ]);
    let device_id = u32::try_from(r["device_id"].as_u64().unwrap()).unwrap();
    let response = scanned
        .respond(&bob, device_id, &contacts, at, &mut tape)
        .unwrap();
    tape.done();
    assert_eq!(response.to_bytes(), hx(&r["response"]));
    assert_eq!(response.device_list().to_bytes(), hx(&r["device_list"]));
    assert_eq!(response.certificate().to_bytes(), hx(&r["certificate"]));
    assert_eq!(response.code().to_string(), r["code"].as_str().unwrap());
    // respond is pure for the user identity.
    assert_eq!(bob.device_list(), Some(&list));

    for case in v["invalid_responses"].as_array().unwrap() {
        let before = offer.is_used();
        let error = offer
            .complete(&hx(&case["response"]), case["now"].as_u64().unwrap())
            .unwrap_err();
        assert_eq!(error.name(), case["error"], "{}", case["description"]);
        assert_eq!(offer.is_used(), before);
    }

    let linked = offer.complete(&hx(&r["response"]), at + 1).unwrap();
    assert_eq!(linked.code(), response.code());
    assert_eq!(linked.code().to_string(), r["code"].as_str().unwrap());
    assert_eq!(linked.user_key(), &bob.public_key());
    assert_eq!(linked.device_id(), device_id);
    assert_eq!(linked.device_list(), response.device_list());
    assert_eq!(linked.contacts(), contacts.as_slice());
    linked
        .certificate()
        .verify_in_list(linked.device_list())
        .unwrap();
    bob.commit_device_list(response.device_list()).unwrap();
    // Replayed: the offer is used up.
    assert_eq!(
        offer.complete(&hx(&r["response"]), at + 1).unwrap_err(),
        Error::LinkFailed
    );
    assert!(offer.is_used());

    for case in v["invalid_offers"].as_array().unwrap() {
        let error = ScannedOffer::from_qr(&hx(&case["qr_payload"]), case["now"].as_u64().unwrap())
            .unwrap_err();
        assert_eq!(error.name(), case["error"], "{}", case["description"]);
    }
}

struct Setup {
    bob: UserIdentity,
    browser: Account,
    rng: ChaCha20Rng,
}

fn setup(seed: u64) -> Setup {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let phone = Account::new(&mut rng).unwrap();
    let browser = Account::new(&mut rng).unwrap();
    let mut bob = UserIdentity::new(&mut rng).unwrap();
    let list = bob
        .sign_device_list(&[(1, phone.identity_key().clone())], &[], 1)
        .unwrap();
    bob.commit_device_list(&list).unwrap();
    Setup { bob, browser, rng }
}

#[test]
fn every_attack_fails_with_a_typed_error_and_changes_nothing() {
    let Setup {
        bob,
        browser,
        mut rng,
    } = setup(1);
    let mut offer = LinkOffer::new(&browser, 100, 60, &mut rng).unwrap();
    let qr = offer.qr_payload();
    let scanned = ScannedOffer::from_qr(&qr, 110).unwrap();
    let response = scanned.respond(&bob, 2, &[], 110, &mut rng).unwrap();
    let bytes = response.to_bytes();

    // Every single-byte change of the response fails (typed), the offer stays usable.
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        let error = offer.complete(&bad, 111).unwrap_err();
        if i >= 2 {
            assert!(
                matches!(error, Error::LinkFailed | Error::InvalidKey),
                "byte {i}: {error:?}"
            );
        }
        assert!(!offer.is_used());
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(offer.complete(&long, 111).unwrap_err(), Error::LinkFailed);
    // Expired: on both sides.
    assert_eq!(offer.complete(&bytes, 161).unwrap_err(), Error::Expired);
    assert_eq!(ScannedOffer::from_qr(&qr, 161).unwrap_err(), Error::Expired);
    assert_eq!(
        scanned.respond(&bob, 2, &[], 161, &mut rng).unwrap_err(),
        Error::Expired
    );
    // A response to another offer of the same device (wrong secret and keys).
    let other = LinkOffer::new(&browser, 100, 60, &mut rng).unwrap();
    let other_response = ScannedOffer::from_qr(&other.qr_payload(), 110)
        .unwrap()
        .respond(&bob, 2, &[], 110, &mut rng)
        .unwrap();
    assert_eq!(
        offer.complete(&other_response.to_bytes(), 111).unwrap_err(),
        Error::LinkFailed
    );
    // An attacker who swaps in its own QR secret (it never saw the real one).
    let mut guessed = qr.clone();
    guessed[2 + 33 + 1185] ^= 0x80;
    let forged = ScannedOffer::from_qr(&guessed, 110)
        .unwrap()
        .respond(&bob, 2, &[], 110, &mut rng)
        .unwrap();
    assert_eq!(
        offer.complete(&forged.to_bytes(), 111).unwrap_err(),
        Error::LinkFailed
    );
    assert!(!offer.is_used());

    // The real response works once; a replay fails.
    let linked = offer.complete(&bytes, 111).unwrap();
    assert_eq!(linked.code(), response.code());
    assert_eq!(offer.complete(&bytes, 111).unwrap_err(), Error::LinkFailed);
    // The linked device can prove membership but holds no signing key.
    assert_eq!(
        DeviceList::from_bytes(&linked.device_list().to_bytes(), &bob.public_key()).unwrap(),
        *linked.device_list()
    );
    linked
        .certificate()
        .verify_device(browser.identity_key())
        .unwrap();
    // Debug output never shows the secrets.
    let shown = format!("{offer:?} {scanned:?}");
    assert!(!shown.contains("secret") && shown.contains("LinkOffer"));
}

#[test]
fn codes_match_and_differ_between_runs() {
    let mut codes = Vec::new();
    for seed in 0..6 {
        let Setup {
            bob,
            browser,
            mut rng,
        } = setup(100 + seed);
        let mut offer = LinkOffer::new(&browser, 0, MAX_LINK_TTL, &mut rng).unwrap();
        let response = ScannedOffer::from_qr(&offer.qr_payload(), 0)
            .unwrap()
            .respond(&bob, 7, &[], 0, &mut rng)
            .unwrap();
        let linked = offer.complete(&response.to_bytes(), MAX_LINK_TTL).unwrap();
        assert_eq!(linked.code(), response.code());
        let shown = linked.code().to_string();
        assert_eq!(shown.len(), 6);
        assert!(shown.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(shown.parse::<u32>().unwrap(), linked.code().value());
        codes.push(linked.code());
    }
    codes.dedup();
    assert!(codes.len() > 1, "codes depend on the run");
}

#[test]
fn arguments_and_bounds() {
    let Setup {
        bob,
        browser,
        mut rng,
    } = setup(2);
    assert_eq!(
        LinkOffer::new(&browser, 0, 0, &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    assert_eq!(
        LinkOffer::new(&browser, 0, MAX_LINK_TTL + 1, &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    assert_eq!(
        LinkOffer::new(&browser, u64::MAX, 1, &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    let offer = LinkOffer::new(&browser, 0, 60, &mut rng).unwrap();
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), 0).unwrap();
    // Device id already taken, identity already listed.
    assert_eq!(
        scanned.respond(&bob, 1, &[], 0, &mut rng).unwrap_err(),
        Error::InvalidArgument
    );
    let key = UserIdentityKey::from_bytes(&bob.public_key().to_bytes()).unwrap();
    let long = LinkContact {
        user_key: key,
        verified: true,
        name: "x".repeat(65),
    };
    assert_eq!(
        scanned.respond(&bob, 2, &[long], 0, &mut rng).unwrap_err(),
        Error::TooLarge
    );
    let contact = LinkContact {
        user_key: key,
        verified: false,
        name: "é".repeat(32),
    };
    let many = vec![contact; 1025];
    assert_eq!(
        scanned.respond(&bob, 2, &many, 0, &mut rng).unwrap_err(),
        Error::TooLarge
    );
    // The most contacts with the longest names fit the response bound.
    let response = scanned
        .respond(&bob, 2, &many[..1024], 0, &mut rng)
        .unwrap();
    assert!(response.to_bytes().len() <= sotto::link::MAX_LINK_RESPONSE_LEN);
}

#[test]
fn sizes() {
    let Setup {
        bob,
        browser,
        mut rng,
    } = setup(3);
    let offer = LinkOffer::new(&browser, 0, 60, &mut rng).unwrap();
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), 0).unwrap();
    let none = scanned.respond(&bob, 2, &[], 0, &mut rng).unwrap();
    let contact = LinkContact {
        user_key: bob.public_key(),
        verified: true,
        name: "Carol".into(),
    };
    let ten = scanned
        .respond(&bob, 2, &vec![contact; 10], 0, &mut rng)
        .unwrap();
    println!(
        "link offer (QR): {} bytes; link response: {} bytes without contacts, {} with 10 contacts",
        offer.qr_payload().len(),
        none.to_bytes().len(),
        ten.to_bytes().len()
    );
    assert_eq!(offer.qr_payload().len(), 1374);
    // 2 + 33 + 1088 + payload (4 + 33 + 2 + 392 + 241 + 2) + 16 with a 2-device list.
    assert_eq!(
        none.to_bytes().len(),
        2 + 33 + 1088 + 4 + 33 + 2 + 392 + 241 + 2 + 16
    );
    assert_eq!(
        ten.to_bytes().len(),
        none.to_bytes().len() + 10 * (33 + 1 + 1 + 5)
    );
}

/// No 6-byte window of a secret appears in `shown`, as hex or as a list.
fn assert_reveals_nothing(shown: &str, secret: &[u8]) {
    for window in secret.windows(6) {
        let hex: String = window.iter().map(|b| format!("{b:02x}")).collect();
        let list = format!("{window:?}");
        assert!(
            !shown.contains(&hex) && !shown.contains(&hex.to_uppercase()),
            "{shown}"
        );
        assert!(!shown.contains(&list[1..list.len() - 1]), "{shown}");
    }
}

#[test]
fn debug_of_offers_shows_no_secret() {
    let v = vectors();
    let offer = replay_offer(&v);
    let r = &v["offer"]["random"];
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), v["now"].as_u64().unwrap()).unwrap();
    for shown in [
        format!("{offer:?}"),
        format!("{offer:#?}"),
        format!("{scanned:?}"),
        format!("{scanned:#?}"),
    ] {
        for draw in ["x25519_private", "kem_seed", "secret"] {
            assert_reveals_nothing(&shown, &hx(&r[draw]));
        }
    }
}

#[derive(Clone, Debug)]
enum Attempt {
    /// The real response, at this many seconds after the offer was made.
    Real(u64),
    /// The real response with byte `at` flipped.
    Tampered(usize, u64),
    /// A response made for another offer of the same device.
    OtherOffer(u64),
}

fn attempt() -> impl proptest::strategy::Strategy<Value = Attempt> {
    use proptest::prelude::*;
    prop_oneof![
        (0u64..90).prop_map(Attempt::Real),
        (any::<usize>(), 0u64..90).prop_map(|(a, t)| Attempt::Tampered(a, t)),
        (0u64..90).prop_map(Attempt::OtherOffer),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// Over any sequence of attempts, the offer completes exactly once: at the
    /// first real response before expiry; everything else fails with its
    /// typed error and leaves the offer as it was.
    #[test]
    fn an_offer_completes_once_and_only_with_its_response(
        attempts in proptest::collection::vec(attempt(), 1..10)
    ) {
        let Setup { bob, browser, mut rng } = setup(7);
        let ttl = 60;
        let mut offer = LinkOffer::new(&browser, 0, ttl, &mut rng).unwrap();
        let response = ScannedOffer::from_qr(&offer.qr_payload(), 0)
            .unwrap()
            .respond(&bob, 2, &[], 0, &mut rng)
            .unwrap();
        let other = LinkOffer::new(&browser, 0, ttl, &mut rng).unwrap();
        let other_response = ScannedOffer::from_qr(&other.qr_payload(), 0)
            .unwrap()
            .respond(&bob, 2, &[], 0, &mut rng)
            .unwrap()
            .to_bytes();
        let real = response.to_bytes();
        let mut completed = false;
        for a in attempts {
            let (bytes, at, genuine) = match a {
                Attempt::Real(t) => (real.clone(), t, true),
                Attempt::Tampered(i, t) => {
                    let mut b = real.clone();
                    let i = i % b.len();
                    b[i] ^= 0x01;
                    (b, t, false)
                }
                Attempt::OtherOffer(t) => (other_response.clone(), t, false),
            };
            let result = offer.complete(&bytes, at);
            let expected: Result<(), Error> = if completed {
                Err(Error::LinkFailed)
            } else if at > ttl {
                Err(Error::Expired)
            } else if genuine {
                Ok(())
            } else {
                Err(Error::LinkFailed)
            };
            match (&result, expected) {
                (Ok(linked), Ok(())) => {
                    proptest::prop_assert_eq!(linked.code(), response.code());
                    completed = true;
                }
                (Err(e), Err(x)) => {
                    // A flipped header byte reports its own decoding error.
                    if !(matches!(a, Attempt::Tampered(i, _) if i % real.len() < 3)) {
                        proptest::prop_assert_eq!(*e, x);
                    }
                }
                _ => proptest::prop_assert!(false, "{:?}: {:?}", a, result.map(|l| l.code())),
            }
            proptest::prop_assert_eq!(offer.is_used(), completed);
        }
    }
}
