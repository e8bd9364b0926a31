//! Prints the sizes of Sotto's and vodozemac's objects as JSON (measured from
//! the libraries, nothing computed from specifications).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use serde_json::json;
    use sotto::{Account, OsRng, StorageKey};
    use sotto_bench::{
        MESSAGE_LEN, OlmResponder, SottoResponder, message, olm_handshake, olm_pair, olm_wire_len,
        sotto_handshake, sotto_pair,
    };
    use vodozemac::olm;

    /// `0x01 || kind || nonce (24)` before and a 16-byte tag after the state
    /// (src/sealed.rs).
    const SEALED_OVERHEAD: usize = 2 + 24 + 16;

    let m = message();
    let key = StorageKey::generate(&mut OsRng).unwrap();

    // Sotto.
    let alice = Account::new(&mut OsRng).unwrap();
    let mut bob = SottoResponder::new();
    let bundle_with_otk = bob.bundle_bytes.len();
    let bundle_without_otk = {
        let account = Account::new(&mut OsRng).unwrap();
        account.prekey_bundle().unwrap().to_bytes().len()
    };
    let (mut a, mut b, first) = sotto_handshake(&alice, &mut bob.account, &bob.bundle_bytes, &m);
    let sealed_initiator_awaiting_reply = a.seal(&key, &mut OsRng).unwrap().len();
    let sealed_responder_fresh = b.seal(&key, &mut OsRng).unwrap().len();
    let reply = b.encrypt(&m, &mut OsRng).unwrap();
    a.decrypt(&reply).unwrap();
    let normal = a.encrypt(&m, &mut OsRng).unwrap();
    b.decrypt(&normal).unwrap();
    let sealed_established = a.seal(&key, &mut OsRng).unwrap().len();
    // After a long ping-pong (retired chains at their bound).
    for i in 0..20 {
        let (s, r) = if i % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let ct = s.encrypt(&m, &mut OsRng).unwrap();
        r.decrypt(&ct).unwrap();
    }
    let sealed_after_pingpong = a.seal(&key, &mut OsRng).unwrap().len();
    let sealed_after_pingpong_b = b.seal(&key, &mut OsRng).unwrap().len();
    // With 1000 skipped message keys stored.
    let (mut x, mut y) = sotto_pair();
    let msgs: Vec<_> = (0..=1000)
        .map(|_| x.encrypt(&m, &mut OsRng).unwrap())
        .collect();
    y.decrypt(&msgs[1000]).unwrap();
    let sealed_with_1000_skipped = y.seal(&key, &mut OsRng).unwrap().len();
    let sealed_account = bob.account.seal(&key, &mut OsRng).unwrap().len();
    let padme_len = sotto::Padding::Padme.padded_len(MESSAGE_LEN);
    let none_message = {
        let (mut p, _) = sotto_pair();
        p.set_padding(sotto::Padding::None);
        p.encrypt(&m, &mut OsRng).unwrap().len()
    };

    // vodozemac.
    let olm_alice = olm::Account::new();
    let mut olm_bob = OlmResponder::new();
    let (mut oa, mut ob, olm_first) = olm_handshake(&olm_alice, &mut olm_bob, &m);
    let olm_reply = ob.encrypt(&m).unwrap();
    oa.decrypt(&olm_reply).unwrap();
    let olm_normal = oa.encrypt(&m).unwrap();
    ob.decrypt(&olm_normal).unwrap();
    let pickle_key = [0x24u8; 32];
    let olm_pickle_encrypted = oa.pickle().encrypt(&pickle_key).len();
    let olm_pickle_json = serde_json::to_vec(&oa.pickle()).unwrap().len();
    for i in 0..20 {
        let (s, r) = if i % 2 == 0 {
            (&mut oa, &mut ob)
        } else {
            (&mut ob, &mut oa)
        };
        let ct = s.encrypt(&m).unwrap();
        r.decrypt(&ct).unwrap();
    }
    let olm_pickle_after_pingpong = oa.pickle().encrypt(&pickle_key).len();
    let olm_pickle_after_pingpong_json = serde_json::to_vec(&oa.pickle()).unwrap().len();
    let (mut ox, mut oy) = olm_pair();
    let omsgs: Vec<_> = (0..=1000).map(|_| ox.encrypt(&m).unwrap()).collect();
    oy.decrypt(&omsgs[1000]).unwrap();
    let olm_pickle_with_skipped = oy.pickle().encrypt(&pickle_key).len();
    // Olm's "bundle": what a Matrix client fetches to start a session.
    let olm_published_keys = {
        let bob = olm::Account::new();
        bob.curve25519_key().as_bytes().len()
            + bob.ed25519_key().as_bytes().len()
            + olm_bob.one_time_key.as_bytes().len()
            + bob.sign("signed one-time key").to_bytes().len()
    };

    let out = json!({
        "message_plaintext_bytes": MESSAGE_LEN,
        "sotto": {
            "bundle_bytes_with_one_time_prekey": bundle_with_otk,
            "bundle_bytes_without_one_time_prekey": bundle_without_otk,
            "prekey_message_bytes": first.len(),
            "message_bytes": normal.len(),
            "message_overhead_bytes": normal.len() - MESSAGE_LEN,
            "message_padded_plaintext_bytes": padme_len,
            "message_bytes_padding_none": none_message,
            "message_overhead_bytes_padding_none": none_message - MESSAGE_LEN,
            "sealed_overhead_bytes": SEALED_OVERHEAD,
            "serialized_session_bytes_established": sealed_established - SEALED_OVERHEAD,
            "sealed_session_bytes_established": sealed_established,
            "sealed_session_bytes_after_20_pingpong": sealed_after_pingpong.max(sealed_after_pingpong_b),
            "sealed_session_bytes_initiator_awaiting_reply": sealed_initiator_awaiting_reply,
            "sealed_session_bytes_responder_fresh": sealed_responder_fresh,
            "sealed_session_bytes_with_1000_skipped_keys": sealed_with_1000_skipped,
            "sealed_account_bytes_with_1_one_time_prekey": sealed_account,
        },
        "groups": group_sizes(),
        "fanout": fanout_sizes(),
        "people": people_sizes(),
        "vodozemac": {
            "published_keys_bytes_identity_ed25519_otk_signature": olm_published_keys,
            "prekey_message_bytes": olm_wire_len(&olm_first),
            "message_bytes": olm_wire_len(&olm_normal),
            "message_overhead_bytes": olm_wire_len(&olm_normal) - MESSAGE_LEN,
            "message_base64_chars": olm_normal.to_parts().1.len().div_ceil(3) * 4,
            "pickle_encrypted_base64_chars_established": olm_pickle_encrypted,
            "pickle_json_bytes_established": olm_pickle_json,
            "pickle_encrypted_base64_chars_after_20_pingpong": olm_pickle_after_pingpong,
            "pickle_json_bytes_after_20_pingpong": olm_pickle_after_pingpong_json,
            "pickle_encrypted_base64_chars_with_1000_skipped_keys": olm_pickle_with_skipped,
        }
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}

/// Group sizes (PROTOCOL.md §21): a 100-byte group message against Megolm's,
/// the chain distribution (and the pairwise message that carries it), the
/// sealed state and the bytes one membership change sends, for groups of
/// 10, 100 and 1000 member devices with 15-byte device addresses.
#[cfg(not(target_arch = "wasm32"))]
fn group_sizes() -> serde_json::Value {
    use serde_json::json;
    use sotto::group::{GroupConfig, GroupSession};
    use sotto::{OsRng, StorageKey};
    use sotto_bench::{MESSAGE_LEN, message, sotto_pair};
    const ID: [u8; 16] = [0x42; 16];
    let address = |i: usize| format!("user{i:05}/dev01").into_bytes();
    let (mut pa, _) = sotto_pair();
    let m = message();
    let mut alice = GroupSession::create(
        ID,
        &address(0),
        &[&address(1)],
        0,
        GroupConfig::default(),
        0,
        &mut OsRng,
    )
    .unwrap();
    let group_message = alice.encrypt(&m, 0, &mut OsRng).unwrap().message.len();
    let distribution = alice.distribution().to_bytes().unwrap().len();
    let distribution_pairwise = pa
        .encrypt(&alice.distribution().to_bytes().unwrap(), &mut OsRng)
        .unwrap()
        .len();
    let mut outbound =
        vodozemac::megolm::GroupSession::new(vodozemac::megolm::SessionConfig::version_1());
    let megolm = outbound.encrypt(&m).to_bytes().len();
    let megolm_session_key = outbound.session_key().to_bytes().len();
    let key = StorageKey::from_bytes([1; 32]);
    let mut by_size = serde_json::Map::new();
    for n in [10usize, 100, 1000] {
        let names: Vec<Vec<u8>> = (0..n).map(address).collect();
        let others: Vec<&[u8]> = names[1..].iter().map(Vec::as_slice).collect();
        let mut me = GroupSession::create(
            ID,
            &names[0],
            &others,
            0,
            GroupConfig::default(),
            0,
            &mut OsRng,
        )
        .unwrap();
        for name in &names[1..] {
            let peers: Vec<&[u8]> = names
                .iter()
                .filter(|x| *x != name)
                .map(Vec::as_slice)
                .collect();
            let them =
                GroupSession::create(ID, name, &peers, 0, GroupConfig::default(), 0, &mut OsRng)
                    .unwrap();
            me.receive_distribution(&them.distribution().to_bytes().unwrap(), name)
                .unwrap();
        }
        let sealed = me.seal(&key, &mut OsRng).unwrap().len();
        // A removal: each of the n − 1 remaining devices sends its new chain
        // to the n − 2 others, each in a pairwise message.
        let per_device = (n - 2) * distribution_pairwise;
        by_size.insert(
            n.to_string(),
            json!({
                "sealed_state_bytes": sealed,
                "removal_bytes_sent_per_device": per_device,
                "removal_bytes_sent_total": (n - 1) * per_device,
                "add_member_bytes_sent_per_member": distribution_pairwise,
                "add_member_bytes_sent_total": 2 * (n - 1) * distribution_pairwise,
            }),
        );
    }
    json!({
        "device_address_bytes": address(0).len(),
        "group_message_bytes_100B": group_message,
        "group_message_overhead_bytes": group_message - MESSAGE_LEN,
        "megolm_message_bytes_100B": megolm,
        "megolm_message_overhead_bytes": megolm - MESSAGE_LEN,
        "megolm_session_key_bytes": megolm_session_key,
        "distribution_bytes": distribution,
        "distribution_in_pairwise_message_bytes": distribution_pairwise,
        "by_member_devices": by_size,
    })
}

/// Fan-out sizes (PROTOCOL.md §20): the bytes a sender uploads to reach
/// `n` established devices, for both designs and two body sizes.
#[cfg(not(target_arch = "wasm32"))]
fn fanout_sizes() -> serde_json::Value {
    use serde_json::json;
    use sotto_bench::FanoutWorld;
    let mut out = serde_json::Map::new();
    for (label, len) in [("100B", 100usize), ("16KiB", 16 * 1024)] {
        let body = vec![0x42u8; len];
        let mut rows = serde_json::Map::new();
        for n in [1usize, 3, 10] {
            let mut world = FanoutWorld::new(n);
            let full: usize = world.send_full(&body).iter().map(Vec::len).sum();
            let (blob, keys) = world.send_keywrap(&body);
            let wrapped: usize = keys.iter().map(Vec::len).sum();
            rows.insert(
                n.to_string(),
                json!({
                    "full_bytes": full,
                    "keywrap_bytes": blob.len() + wrapped,
                    "keywrap_body_bytes": blob.len(),
                    "keywrap_key_message_bytes": wrapped / n,
                }),
            );
        }
        out.insert(label.into(), serde_json::Value::Object(rows));
    }
    serde_json::Value::Object(out)
}

/// People and linking sizes (PROTOCOL.md §18, §19): a signed device list of
/// 1, 5 and 10 devices, a device certificate, the sealed user identity, the
/// QR payload of a link offer and the link response, without contacts and
/// with 10 contacts named by 12 bytes each.
#[cfg(not(target_arch = "wasm32"))]
fn people_sizes() -> serde_json::Value {
    use serde_json::json;
    use sotto::link::{LinkContact, LinkOffer, ScannedOffer};
    use sotto::{Account, OsRng, StorageKey, UserIdentity};
    const NOW: u64 = 1_800_000_000;
    let devices: Vec<Account> = (0..10).map(|_| Account::new(&mut OsRng).unwrap()).collect();
    let list_bytes = |n: usize| {
        let user = UserIdentity::new(&mut OsRng).unwrap();
        let add: Vec<_> = devices[..n]
            .iter()
            .zip(1u32..)
            .map(|(a, id)| (id, a.identity_key().clone()))
            .collect();
        user.sign_device_list(&add, &[], NOW)
            .unwrap()
            .to_bytes()
            .len()
    };
    let mut user = UserIdentity::new(&mut OsRng).unwrap();
    let list = user
        .sign_device_list(&[(1, devices[0].identity_key().clone())], &[], NOW)
        .unwrap();
    user.commit_device_list(&list).unwrap();
    let certificate = user.certify_device(1).unwrap().to_bytes().len();
    let sealed_user = user
        .seal(&StorageKey::from_bytes([7; 32]), &mut OsRng)
        .unwrap()
        .len();
    let contacts: Vec<LinkContact> = (0..10)
        .map(|i| LinkContact {
            user_key: UserIdentity::new(&mut OsRng).unwrap().public_key(),
            verified: i % 2 == 0,
            name: format!("contact {i:04}"),
        })
        .collect();
    let browser = Account::new(&mut OsRng).unwrap();
    let offer = LinkOffer::new(&browser, NOW, 300, &mut OsRng).unwrap();
    let scanned = ScannedOffer::from_qr(&offer.qr_payload(), NOW + 1).unwrap();
    let response = |contacts: &[LinkContact]| {
        scanned
            .respond(&user, 2, contacts, NOW + 1, &mut OsRng)
            .unwrap()
            .to_bytes()
            .len()
    };
    json!({
        "device_list_bytes_1_device": list_bytes(1),
        "device_list_bytes_5_devices": list_bytes(5),
        "device_list_bytes_10_devices": list_bytes(10),
        "device_certificate_bytes": certificate,
        "sealed_user_identity_bytes_with_list": sealed_user,
        "link_qr_payload_bytes": offer.qr_payload().len(),
        "link_response_bytes_no_contacts": response(&[]),
        "link_response_bytes_10_contacts": response(&contacts),
    })
}
