// The cases of `sotto/devices` shared by Node (devices.test.mjs) and
// headless Chromium (browser.test.mjs): the known-answer vectors of
// tests/vectors/sotto-v1-devices.json and -link.json replayed where the
// API is deterministic (user identities from their recorded seeds, signed
// lists, every invalid list, update and certificate, scanned offers, the
// primary's response), linking a browser account of the main entry to a
// phone, and hostile inputs with their typed errors (forged list ->
// BAD_SIGNATURE, rollback -> ROLLBACK, expired link -> EXPIRED, tampered
// or wrong response -> LINK_FAILED), each failed call changing nothing.
// `run(api, chat, vectors)` returns [{ name, ok, error? }]; `chat` is the
// main entry (`sotto`), for accounts. Nothing here depends on Node.

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

function throwsKind(fn, kind, code) {
  try {
    fn();
  } catch (error) {
    if (error?.name !== 'SottoError') throw new Error(`threw ${error}`);
    if (error.kind !== kind) throw new Error(`threw ${error.kind} (${error.message}), expected ${kind}`);
    if (code !== undefined && error.code !== code) throw new Error(`code ${error.code}, expected ${code}`);
    return error;
  }
  throw new Error(`did not throw (expected ${kind})`);
}

export async function run(api, chat, { devices: dv, link: lv }) {
  const { UserIdentity, DeviceList, DeviceCertificate, LinkOffer, ScannedOffer } = api;
  const results = [];
  const check = async (name, fn) => {
    try {
      const note = await fn();
      results.push({ name, ok: true, note });
    } catch (error) {
      results.push({ name, ok: false, error: `${error?.stack ?? error}` });
    }
  };

  await check('vectors (devices): user keys from seeds, signed lists byte for byte, sealed identity', () => {
    const bob = UserIdentity.create({ randomness: hex(dv.bob.random.user_seed) });
    eq(toHex(bob.publicKey), dv.bob.user_key, 'bob user key');
    const alice = UserIdentity.create({ randomness: hex(dv.alice.random.user_seed) });
    eq(toHex(alice.publicKey), dv.alice.user_key, 'alice user key');
    const records = new Map(dv.devices.map((d) => [d.device_id, hex(d.identity_record)]));
    let held = null;
    for (const step of dv.lists) {
      const list = bob.signDeviceList({
        add: step.add.map((id) => ({ deviceId: id, identityKey: records.get(id) })),
        remove: step.remove,
        now: step.now,
      });
      eq(toHex(list.toBytes()), step.list, `list v${step.version}`);
      eq(list.version, step.version, 'version');
      eq(list.devices.map((d) => d.deviceId).join(), step.device_ids.join(), 'device ids');
      bob.commitDeviceList(list);
      // A contact replays the same list through fromBytes / update.
      if (held === null) {
        held = DeviceList.fromBytesFirstUse(hex(step.list));
        eq(toHex(held.userKey), dv.bob.user_key, 'pinned user key');
      } else {
        const u = held.update(hex(step.list));
        eq(u.added.map((d) => d.deviceId).join(), step.added.join(), `added v${step.version}`);
        eq(u.removed.map((d) => d.deviceId).join(), step.removed.join(), `removed v${step.version}`);
        held.free();
        held = u.list;
      }
      list.free();
    }
    eq(held.version, dv.lists.at(-1).version, 'held version');
    const cert = bob.certifyDevice(dv.certificate.device_id);
    eq(toHex(cert.toBytes()), dv.certificate.certificate, 'certificate');
    cert.verifyInList(held);
    const s = dv.sealed_user_identity;
    const restored = UserIdentity.unseal(hex(s.random.storage_key), hex(s.sealed));
    eq(toHex(restored.publicKey), dv.bob.user_key, 'unsealed identity');
    const resealed = restored.seal(hex(s.random.storage_key), { randomness: hex(s.random.nonce) });
    eq(toHex(resealed), s.sealed, 'sealed identity');
    const usn = dv.user_safety_number;
    eq(api.userSafetyNumber(hex(usn.alice_user_key), hex(usn.bob_user_key)), usn.digits, 'user safety number');
    eq(api.userSafetyNumber(hex(usn.bob_user_key), hex(usn.alice_user_key)), usn.digits, 'symmetric');
    for (const o of [bob, alice, held, restored]) o.free();
  });

  await check('vectors (devices): every invalid list, update and certificate is refused as recorded', () => {
    const bobKey = hex(dv.bob.user_key);
    let n = 0;
    for (const c of dv.invalid_lists) {
      throwsKind(() => DeviceList.fromBytes(hex(c.list), bobKey), c.error);
      n += 1;
    }
    for (const c of dv.updates) {
      const held = DeviceList.fromBytes(hex(c.held), bobKey);
      const before = toHex(held.toBytes());
      if (c.error) {
        throwsKind(() => held.update(hex(c.new)), c.error);
      } else {
        const u = held.update(hex(c.new));
        if (c.added) eq(u.added.map((d) => d.deviceId).join(), c.added.join(), c.description);
        if (c.removed) eq(u.removed.map((d) => d.deviceId).join(), c.removed.join(), c.description);
        u.list.free();
      }
      eq(toHex(held.toBytes()), before, `${c.description}: held list unchanged`);
      held.free();
      n += 1;
    }
    for (const c of dv.invalid_certificates) {
      throwsKind(() => DeviceCertificate.fromBytes(hex(c.certificate), bobKey), c.error);
      n += 1;
    }
    return `${n} refused or checked`;
  });

  await check('vectors (link): scanned offer, the primary response byte for byte, invalid offers', () => {
    const bob = UserIdentity.create({ randomness: hex(lv.bob.random.user_seed) });
    eq(toHex(bob.publicKey), lv.bob.user_key, 'user key');
    const list = DeviceList.fromBytes(hex(lv.bob.list), bob.publicKey);
    bob.commitDeviceList(list);
    const r = lv.response;
    const scanned = ScannedOffer.fromQr(hex(lv.offer.qr_payload), { now: r.now });
    eq(toHex(scanned.identityKey), lv.browser.identity_record, 'offer identity');
    eq(scanned.expiresAt, lv.offer.expires_at, 'expiry');
    const answer = scanned.respond(bob, {
      deviceId: r.device_id,
      contacts: lv.contacts.map((c) => ({ userKey: hex(c.user_key), verified: c.verified, name: c.name })),
      now: r.now,
      randomness: hex(r.random.x25519_private + r.random.kem_randomness),
    });
    eq(toHex(answer.response), r.response, 'response');
    eq(answer.code, r.code, 'code');
    eq(toHex(answer.deviceList.toBytes()), r.device_list, 'device list');
    eq(toHex(answer.certificate), r.certificate, 'certificate');
    for (const c of lv.invalid_offers) throwsKind(() => ScannedOffer.fromQr(hex(c.qr_payload), { now: c.now }), c.error);
    for (const o of [bob, list, scanned, answer.deviceList]) o.free();
    return `${lv.invalid_offers.length} invalid offers refused`;
  });

  // A browser (main entry account) links to a phone (primary device).
  const setup = (t0 = 1_700_000_000) => {
    const key = chat.generateStorageKey();
    const phoneAccount = chat.Account.create();
    const browserAccount = chat.Account.create();
    const user = UserIdentity.create();
    const list = user.signDeviceList({ add: [{ deviceId: 1, identityKey: phoneAccount.identityKey }], now: t0 });
    user.commitDeviceList(list);
    const offer = LinkOffer.create(key, browserAccount.seal(key), { now: t0, ttl: 300 });
    return { key, phoneAccount, browserAccount, user, list, offer, t0 };
  };

  await check('link: a browser account links to a phone; both show the same code; the list names the browser', () => {
    const { browserAccount, user, offer, t0 } = setup();
    eq(offer.qrPayload.length, 1374, 'QR payload length');
    eq(offer.expiresAt, t0 + 300, 'expiry');
    const scanned = ScannedOffer.fromQr(offer.qrPayload, { now: t0 + 5 });
    eq(toHex(scanned.identityKey), toHex(browserAccount.identityKey), 'scanned identity');
    const carol = UserIdentity.create();
    const answer = scanned.respond(user, {
      deviceId: 2,
      contacts: [{ userKey: carol.publicKey, verified: true, name: 'Carol' }],
      now: t0 + 5,
    });
    const done = offer.complete(answer.response, { now: t0 + 6 });
    if (!/^\d{6}$/.test(done.code)) throw new Error(`code ${done.code}`);
    eq(done.code, answer.code, 'codes match');
    eq(done.deviceId, 2, 'device id');
    eq(toHex(done.userKey), toHex(user.publicKey), 'user key');
    eq(done.deviceList.version, 2, 'list version');
    eq(done.deviceList.devices.map((d) => d.deviceId).join(), '1,2', 'devices');
    eq(toHex(done.deviceList.devices[1].identityKey), toHex(browserAccount.identityKey), 'browser in list');
    eq(done.contacts.length, 1, 'contacts');
    eq(done.contacts[0].name, 'Carol', 'contact name');
    eq(done.contacts[0].verified, true, 'verified');
    eq(toHex(done.contacts[0].userKey), toHex(carol.publicKey), 'contact key');
    const cert = DeviceCertificate.fromBytes(done.certificate, done.userKey);
    cert.verifyDevice(browserAccount.identityKey);
    cert.verifyInList(done.deviceList);
    eq(offer.used, true, 'used');
    // The person confirmed the codes: the phone commits the list.
    user.commitDeviceList(answer.deviceList);
    eq(user.deviceList.version, 2, 'committed');
    // Single use.
    throwsKind(() => offer.complete(answer.response, { now: t0 + 7 }), 'LINK_FAILED', 27);
  });

  await check('link: expired offer (EXPIRED), tampered / foreign response (LINK_FAILED); a failed complete leaves the offer usable', () => {
    const { user, offer, t0 } = setup();
    throwsKind(() => ScannedOffer.fromQr(offer.qrPayload, { now: t0 + 301 }), 'EXPIRED', 25);
    const scanned = ScannedOffer.fromQr(offer.qrPayload, { now: t0 + 10 });
    throwsKind(() => scanned.respond(user, { deviceId: 3, now: t0 + 400 }), 'EXPIRED', 25);
    const answer = scanned.respond(user, { deviceId: 3, now: t0 + 10 });
    const tampered = answer.response.slice();
    tampered[tampered.length - 1] ^= 1;
    throwsKind(() => offer.complete(tampered, { now: t0 + 11 }), 'LINK_FAILED', 27);
    // A response made for another offer (another QR secret).
    const other = setup();
    const foreign = ScannedOffer.fromQr(other.offer.qrPayload, { now: other.t0 }).respond(other.user, {
      deviceId: 3,
      now: other.t0,
    });
    throwsKind(() => offer.complete(foreign.response, { now: t0 + 11 }), 'LINK_FAILED', 27);
    throwsKind(() => offer.complete(answer.response, { now: t0 + 301 }), 'EXPIRED', 25);
    throwsKind(() => offer.complete(answer.response.subarray(0, 40), { now: t0 + 11 }), 'TRUNCATED');
    eq(offer.used, false, 'still usable');
    eq(offer.complete(answer.response, { now: t0 + 12 }).code, answer.code, 'the real response still completes');
    // The wrong code: a response by an attacker who saw only the offer's
    // public part, not the QR secret, fails (LINK_FAILED above); the codes
    // of two different links differ.
    if (foreign.code === answer.code) throw new Error('two links, one code');
  });

  await check('device lists: forged (BAD_SIGNATURE), rollback (ROLLBACK), another person (IDENTITY_MISMATCH); the held list is unchanged', () => {
    const { user, list, phoneAccount, browserAccount, t0 } = setup();
    const v1 = list.toBytes();
    const held = DeviceList.fromBytes(v1, user.publicKey);
    const v2 = user.signDeviceList({ add: [{ deviceId: 2, identityKey: browserAccount.identityKey }], now: t0 + 1 });
    user.commitDeviceList(v2);
    const up = held.update(v2.toBytes());
    eq(up.added.length, 1, 'added');
    eq(up.added[0].deviceId, 2, 'added id');
    eq(up.removed.length, 0, 'removed');
    // Rollback: the server replays version 1 after version 2.
    throwsKind(() => up.list.update(v1), 'ROLLBACK', 24);
    // Forged: a bit of the list flipped (a ghost device, another key).
    const forged = v2.toBytes();
    forged[forged.length - 70] ^= 1;
    throwsKind(() => held.update(forged), 'BAD_SIGNATURE', 8);
    throwsKind(() => DeviceList.fromBytes(forged, user.publicKey), 'BAD_SIGNATURE', 8);
    const mallory = UserIdentity.create();
    const theirs = mallory.signDeviceList({ add: [{ deviceId: 9, identityKey: phoneAccount.identityKey }], now: t0 });
    throwsKind(() => DeviceList.fromBytes(theirs.toBytes(), user.publicKey), 'IDENTITY_MISMATCH', 23);
    throwsKind(() => held.update(theirs.toBytes()), 'IDENTITY_MISMATCH');
    eq(held.version, 1, 'held unchanged');
    eq(toHex(held.toBytes()), toHex(v1), 'held bytes unchanged');
    // Removing: v3 without the phone.
    const v3 = user.signDeviceList({ remove: [1], now: t0 + 2 });
    const up3 = up.list.update(v3.toBytes());
    eq(up3.removed.map((d) => d.deviceId).join(), '1', 'removed');
    throwsKind(() => user.signDeviceList({ remove: [7] }), 'INVALID_ARGUMENT');
    throwsKind(() => user.signDeviceList({ add: [{ deviceId: 2, identityKey: browserAccount.identityKey }] }), 'INVALID_ARGUMENT');
    throwsKind(() => user.certifyDevice(99), 'INVALID_ARGUMENT');
    // Sealing round trip with the committed list.
    const key = chat.generateStorageKey();
    const again = UserIdentity.unseal(key, user.seal(key));
    eq(again.deviceList.version, 2, 'sealed list');
    const wrong = key.slice();
    wrong[0] ^= 1;
    throwsKind(() => UserIdentity.unseal(wrong, user.seal(key)), 'UNSEAL_FAILED', 16);
  });

  await check('hostile arguments: wrong types (111), bad values (19), freed (101), garbage never crashes', () => {
    const { user, key } = setup();
    throwsKind(() => DeviceList.fromBytes('x', user.publicKey), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => DeviceList.fromBytes(new Uint8Array(4), new Uint8Array(3)), 'INVALID_KEY');
    throwsKind(() => user.signDeviceList({ add: [{ deviceId: -1, identityKey: new Uint8Array(1) }] }), 'INVALID_ARGUMENT');
    throwsKind(() => user.signDeviceList({ add: [{ deviceId: 1, identityKey: new Uint8Array(10) }] }), 'INVALID_KEY');
    throwsKind(() => user.signDeviceList({ add: 'x' }), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => LinkOffer.create(key, new Uint8Array(10)), 'UNSUPPORTED_VERSION');
    throwsKind(() => LinkOffer.create(key, new Uint8Array(0), { ttl: 601 }), 'INVALID_ARGUMENT');
    throwsKind(() => LinkOffer.create(new Uint8Array(3), new Uint8Array(0)), 'INVALID_ARGUMENT');
    throwsKind(() => ScannedOffer.fromQr(Uint8Array.of(1, 3)), 'WRONG_OBJECT_TYPE');
    throwsKind(() => api.checkUserKey(new Uint8Array(33)), 'INVALID_KEY');
    throwsKind(() => UserIdentity.create({ randomness: new Uint8Array(5) }), 'RANDOMNESS', 17);
    throwsKind(() => new DeviceList(), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => user.commitDeviceList({}), 'WRONG_ARGUMENT_TYPE');
    user.free();
    throwsKind(() => user.publicKey, 'INVALID_HANDLE', 101);
    let refused = 0;
    for (let n = 0; n < 200; n += 1) {
      const junk = crypto.getRandomValues(new Uint8Array((n * 7) % 300));
      if (n % 2 && junk.length > 2) junk.set([1, [9, 10, 11, 12, 13][n % 5]]);
      for (const op of [
        () => DeviceList.fromBytesFirstUse(junk),
        () => DeviceCertificate.fromBytes(junk, new Uint8Array(33)),
        () => ScannedOffer.fromQr(junk),
        () => UserIdentity.unseal(key, junk),
      ]) {
        try {
          op();
        } catch (error) {
          if (error?.name !== 'SottoError' || !(error.code > 0 && error.code < 100)) throw error;
          refused += 1;
        }
      }
    }
    eq(refused, 800, 'all refused');
  });

  return results;
}
