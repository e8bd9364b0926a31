// The cases of `sotto/multidevice` (session records, PROTOCOL.md §17, and
// sending to a person, §20) shared by Node (multidevice.test.mjs) and
// headless Chromium (browser-multidevice.test.mjs):
// - the known-answer vectors tests/vectors/sotto-v1-records.json and
//   -fanout.json replayed through the JavaScript API (every send with its
//   recorded draws, byte for byte; every delivery's plaintext or error and
//   the current session; every list update; the sealed contact resealed);
// - a conversation of Alice (2 devices) and Bob (2 devices) with lists
//   signed by `sotto/devices`: simultaneous initiation, reordering,
//   duplicates, a ghost device refused, a removed device refused with
//   UNKNOWN_DEVICE;
// - failed calls change nothing (sealed with a fixed nonce before and
//   after), seal/unseal round trips, consumed and wrong arguments.
// `run(api, devices, vectors)` returns [{ name, ok, error?, note? }]; `api`
// is `sotto/multidevice`, `devices` is `sotto/devices` (user identities and
// signed lists, handed over as bytes). Nothing here depends on Node.

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const text = (s) => new TextEncoder().encode(s);
const NONCE = { randomness: new Uint8Array(24).fill(7) };

function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

function throwsKind(fn, kind, api) {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof api.SottoError)) throw new Error(`threw ${error}`);
    if (error.kind !== kind) throw new Error(`threw ${error.kind} (${error.message}), expected ${kind}`);
    if (error.code !== api.ErrorCode[kind]) throw new Error(`code ${error.code}, expected ${api.ErrorCode[kind]}`);
    return error;
  }
  throw new Error(`did not throw (expected ${kind})`);
}

// A deterministic shuffle (xorshift32), so that a failure replays.
function shuffle(items, seed) {
  const out = items.slice();
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function run(api, devices, { records: rv, fanout: fv }) {
  const { Account, Session, SessionRecord, Contact, sendToPerson } = api;
  const results = [];
  const check = async (name, fn) => {
    try {
      const note = await fn();
      results.push({ name, ok: true, note });
    } catch (error) {
      results.push({ name, ok: false, error: `${error?.stack ?? error}` });
    }
  };
  // Fails unless `fn` throws `kind` and leaves `object` byte for byte as it was.
  const unchanged = (object, key, fn, kind) => {
    const before = toHex(object.seal(key, NONCE));
    const error = throwsKind(fn, kind, api);
    eq(toHex(object.seal(key, NONCE)), before, `${kind}: the sealed state after the failure`);
    return error;
  };

  await check('vectors (records): simultaneous initiation, sends with recorded draws, deliveries, convergence', () => {
    const key = hex(rv.storage_key);
    const ids = [hex(rv.context.alice), hex(rv.context.bob)];
    const ctx = (side) => ({ localId: ids[side], remoteId: ids[1 - side] });
    const sides = rv.initial.map((s) => ({
      account: Account.unseal(key, hex(s.sealed_account)),
      record: SessionRecord.unseal(key, hex(s.sealed_record)),
    }));
    eq(sides[0].record.sessionCount, 1, 'one session after the initiation');
    let sent = 0;
    let failed = 0;
    for (const step of rv.steps) {
      if (step.op === 'send') {
        const bytes = sides[step.from].record.encrypt(hex(step.plaintext), { randomness: hex(step.random) });
        eq(toHex(bytes), step.message, `message ${sent}`);
        sent += 1;
        continue;
      }
      const { account, record } = sides[step.to];
      if (step.error) {
        unchanged(record, key, () => record.decrypt(account, hex(step.message), ctx(step.to)), step.error);
        failed += 1;
      } else {
        eq(toHex(record.decrypt(account, hex(step.message), ctx(step.to))), step.plaintext, 'plaintext');
      }
      eq(toHex(record.currentId), step.current, 'current session');
    }
    eq(toHex(sides[0].record.currentId), toHex(sides[1].record.currentId), 'both sides on one session');
    eq(sides[1].record.sessionCount, 2, 'the other session archived');
    for (const s of sides) {
      s.account.free();
      s.record.free();
    }
    return `${sent} sends, ${rv.steps.length - sent} deliveries (${failed} refused)`;
  });

  await check('vectors (fan-out): sends with per-device reports, deliveries, list updates, sealed contact', () => {
    const key = hex(fv.storage_key);
    const userKey = (u) => hex(fv.users[u].user_key);
    const split = (k) => {
      const [user, id] = k.split('/');
      return [user === 'alice' ? 'alice' : 'bob', Number.parseInt(id, 10)];
    };
    const address = (k) => {
      const [u, id] = split(k);
      return { userKey: userKey(u), deviceId: id };
    };
    const OUTCOMES = { sent: 'sent', needs_bundle: 'needsBundle', bundle_rejected: 'bundleRejected' };
    const held = new Map();
    for (const [k, d] of Object.entries(fv.devices)) {
      if (k === 'bob/3b') continue;
      const [user, id] = split(k);
      const contacts = {};
      for (const u of ['alice', 'bob']) contacts[u] = Contact.fromDeviceList(hex(fv.users[u].lists[0]), userKey(u));
      held.set(k, { user, me: { userKey: userKey(user), deviceId: id }, account: Account.unseal(key, hex(d.sealed_account)), contacts });
    }
    const counts = { sent: 0, received: 0, refused: 0 };
    for (const step of fv.steps) {
      const dev = held.get(step.device);
      if (step.op === 'send') {
        const bundles = step.bundles.map((b) => ({ to: address(b.device), bundle: hex(fv.devices[b.bundle_of].bundle) }));
        const own = dev.contacts[dev.user];
        const recipient = dev.contacts[step.to];
        const report = sendToPerson(dev.account, dev.me, own, recipient, bundles, hex(step.plaintext), {
          randomness: hex(step.random),
        });
        eq(report.length, step.deliveries.length, 'report length');
        step.deliveries.forEach((e, i) => {
          const d = report[i];
          const want = address(e.device);
          eq(toHex(d.to.userKey), toHex(want.userKey), 'delivery user');
          eq(d.to.deviceId, want.deviceId, 'delivery device');
          eq(d.outcome, OUTCOMES[e.outcome], `outcome for ${e.device}`);
          if (e.outcome === 'sent') {
            eq(toHex(d.message), e.message, `message to ${e.device}`);
            eq(d.newSession, e.new_session, 'newSession');
            counts.sent += 1;
          } else if (e.outcome === 'bundle_rejected') {
            eq(d.error.kind, e.error, 'rejection');
            eq(d.error instanceof api.SottoError, true, 'a SottoError');
          }
        });
      } else if (step.op === 'receive') {
        const c = dev.contacts[step.contact];
        if (step.error) {
          unchanged(c, key, () => c.decrypt(dev.account, dev.me, step.from, hex(step.message)), step.error);
          counts.refused += 1;
        } else {
          const r = c.decrypt(dev.account, dev.me, step.from, hex(step.message));
          eq(toHex(r.plaintext), step.plaintext, 'plaintext');
          eq(toHex(r.to), step.to, 'addressee');
          eq(r.from.deviceId, step.from, 'from');
          eq(toHex(r.from.userKey), toHex(c.userKey), 'from user');
          counts.received += 1;
        }
      } else {
        const c = dev.contacts[step.contact];
        if (step.error) {
          unchanged(c, key, () => c.updateList(hex(step.list)), step.error);
        } else {
          const change = c.updateList(hex(step.list));
          eq(change.added.join(), step.added.join(), 'added');
          eq(change.removed.join(), step.removed.join(), 'removed');
          eq(toHex(c.deviceList), step.list, 'the new list held');
        }
      }
    }
    if (counts.sent < 15 || counts.received < 15 || counts.refused < 5) throw new Error(JSON.stringify(counts));
    const s = fv.sealed_contact;
    const contact = Contact.unseal(key, hex(s.sealed));
    eq(toHex(contact.seal(key, { randomness: hex(s.nonce) })), s.sealed, 'resealed contact');
    contact.free();
    for (const d of held.values()) {
      d.account.free();
      for (const c of Object.values(d.contacts)) c.free();
    }
    return `${counts.sent} sent, ${counts.received} received, ${counts.refused} refused`;
  });

  // Alice (phone 1, laptop 2) and Bob (phone 1, browser 2), lists signed
  // with `sotto/devices`.
  const key = api.generateStorageKey();
  const person = (name) => {
    const user = devices.UserIdentity.create();
    const accounts = [1, 2].map(() => {
      const a = Account.create();
      a.generateOneTimePrekeys(4);
      return a;
    });
    const list = user.signDeviceList({ add: accounts.map((a, i) => ({ deviceId: i + 1, identityKey: a.identityKey })), now: 1_700_000_000 });
    user.commitDeviceList(list);
    return { name, user, userKey: user.publicKey, accounts, list: list.toBytes() };
  };
  const alice = person('alice');
  const bob = person('bob');
  // Each device: its account and a contact for both people.
  const device = (p, id) => ({
    p,
    id,
    account: p.accounts[id - 1],
    me: { userKey: p.userKey, deviceId: id },
    contacts: {
      alice: Contact.fromDeviceList(alice.list, alice.userKey),
      bob: Contact.fromDeviceList(bob.list, bob.userKey),
    },
  });
  const D = { a1: device(alice, 1), a2: device(alice, 2), b1: device(bob, 1), b2: device(bob, 2) };
  const byAddress = (to) => Object.values(D).find((d) => toHex(d.p.userKey) === toHex(to.userKey) && d.id === to.deviceId);
  const bundlesFor = (d, other) =>
    [...d.contacts[other].devicesWithoutSession(d.me), ...d.contacts[d.p.name].devicesWithoutSession(d.me)].map((to) => {
      const target = byAddress(to);
      const bundle = target.account.prekeyBundle();
      target.account.markBundlePublished(bundle);
      return { to, bundle };
    });
  // Sends from device `d` to person `other`: the envelopes a server delivers.
  const send = (d, other, plaintext) => {
    const report = sendToPerson(d.account, d.me, d.contacts[d.p.name], d.contacts[other], bundlesFor(d, other), plaintext);
    for (const line of report) eq(line.outcome, 'sent', 'outcome');
    return report.map((line) => ({ target: byAddress(line.to), sender: d, message: line.message, plaintext, newSession: line.newSession }));
  };
  const deliver = (e) => {
    const contact = e.target.contacts[e.sender.p.name];
    return contact.decrypt(e.target.account, e.target.me, e.sender.id, e.message);
  };
  const seen = new Set();
  // Delivers envelopes in the given order; each must decrypt exactly once
  // (a duplicate fails and changes nothing).
  const deliverAll = (envelopes) => {
    let delivered = 0;
    for (const e of envelopes) {
      const id = `${toHex(e.message)}>${e.target.p.name}${e.target.id}`;
      if (seen.has(id)) {
        unchanged(e.target.contacts[e.sender.p.name], key, () => deliver(e), 'DUPLICATE_MESSAGE');
        continue;
      }
      const r = deliver(e);
      eq(new TextDecoder().decode(r.plaintext), e.plaintext, 'plaintext');
      seen.add(id);
      delivered += 1;
    }
    return delivered;
  };

  await check('conversation: simultaneous initiation by both people, shuffled with duplicates, converges', () => {
    const first = send(D.a1, 'bob', 'hi Bob, from the phone');
    const second = send(D.b1, 'alice', 'hi Alice, from the phone');
    eq(first.length, 3, 'a1 reaches b1, b2, a2');
    eq(second.length, 3, 'b1 reaches a1, a2, b2');
    for (const e of [...first, ...second]) eq(e.newSession, true, 'new sessions');
    const all = [...first, ...second];
    const delivered = deliverAll(shuffle([...all, ...all.slice(0, 3)], 0x5eed));
    eq(delivered, 6, 'every copy once');
    // Both phones initiated at once: each now holds two sessions with the
    // other, and the next round trip settles both on one.
    eq(D.a1.contacts.bob.sessionCount(1), 2, 'two sessions a1-b1');
    deliverAll(send(D.a1, 'bob', 'again'));
    deliverAll(send(D.b1, 'alice', 'and back'));
    eq(toHex(D.a1.contacts.bob.currentSessionId(1)), toHex(D.b1.contacts.alice.currentSessionId(1)), 'a1 and b1 on one session');
    eq(D.a1.contacts.bob.devicesWithoutSession(D.a1.me).length, 0, 'a1 has sessions with every device of Bob');
    return `${seen.size} copies delivered once each`;
  });

  await check('conversation: reordered and duplicated deliveries, copies to own devices filed by addressee', () => {
    const batches = [send(D.a2, 'bob', 'laptop 1'), send(D.a2, 'bob', 'laptop 2'), send(D.a2, 'bob', 'laptop 3')];
    const all = batches.flat();
    // Reverse order, each twice.
    const delivered = deliverAll([...all].reverse().concat(all));
    eq(delivered, 9, 'nine copies');
    // The copy to a1 is addressed to Bob (filed in the conversation with Bob).
    const copy = send(D.a2, 'bob', 'laptop 4').find((e) => e.target === D.a1);
    const r = deliver(copy);
    eq(toHex(r.to), toHex(bob.userKey), 'the copy names Bob');
    eq(toHex(r.from.userKey), toHex(alice.userKey), 'from Alice');
  });

  await check('conversation: a ghost device is refused; a removed device gets UNKNOWN_DEVICE', () => {
    const stale = send(D.b2, 'alice', 'from the browser, before its removal').find((e) => e.target === D.a1);
    // The server adds a ghost device to Bob's list, signed by someone else.
    const mallory = devices.UserIdentity.create();
    const ghost = mallory.signDeviceList({
      add: [1, 2, 3].map((id) => ({ deviceId: id, identityKey: (id === 3 ? Account.create() : bob.accounts[id - 1]).identityKey })),
      now: 1_700_000_100,
    });
    const contact = D.a1.contacts.bob;
    const refused = (() => {
      try {
        contact.updateList(ghost.toBytes());
      } catch (error) {
        return error.kind;
      }
      return 'accepted';
    })();
    if (!['BAD_SIGNATURE', 'IDENTITY_MISMATCH'].includes(refused)) throw new Error(`ghost list: ${refused}`);
    throwsKind(() => Contact.fromDeviceList(ghost.toBytes(), bob.userKey), refused, api);
    // Bob removes his browser (device 2).
    const next = bob.user.signDeviceList({ remove: [2], now: 1_700_000_200 });
    bob.user.commitDeviceList(next);
    const change = contact.updateList(next.toBytes());
    eq(change.removed.join(), '2', 'removed');
    eq(change.added.length, 0, 'added');
    eq(contact.devicesWithSession().includes(2), false, 'its record dropped');
    const error = unchanged(contact, key, () => deliver(stale), 'UNKNOWN_DEVICE');
    eq(error.code, 28, 'code 28');
    // The next send reaches only Bob's phone (and Alice's laptop).
    const report = sendToPerson(D.a1.account, D.a1.me, D.a1.contacts.alice, contact, [], 'only the phone');
    eq(report.map((l) => `${l.to.deviceId}:${l.outcome}`).join(), '1:sent,2:sent', 'recipients');
    eq(toHex(report[1].to.userKey), toHex(alice.userKey), 'the second is Alice’s laptop');
  });

  await check('failed calls change nothing: tampered, unknown, wrong person, bad bundle', () => {
    const contact = D.b1.contacts.alice;
    const [e] = send(D.a1, 'bob', 'to be tampered').filter((x) => x.target === D.b1);
    const bad = e.message.slice();
    bad[bad.length - 1] ^= 1;
    unchanged(contact, key, () => contact.decrypt(D.b1.account, D.b1.me, 1, bad), 'DECRYPTION_FAILED');
    unchanged(contact, key, () => contact.decrypt(D.b1.account, D.b1.me, 9, e.message), 'UNKNOWN_DEVICE');
    // From Alice's device 2 as claimed sender: its session cannot open it.
    unchanged(contact, key, () => contact.decrypt(D.b1.account, D.b1.me, 2, e.message), 'DECRYPTION_FAILED');
    eq(new TextDecoder().decode(deliver(e).plaintext), 'to be tampered', 'the real one still decrypts');
    // A bundle of another device for a listed device is rejected, nothing sent to it.
    const fresh = Contact.fromDeviceList(bob.list, bob.userKey);
    const own = Contact.fromDeviceList(alice.list, alice.userKey);
    const wrong = bob.accounts[1].prekeyBundle();
    const report = sendToPerson(D.a1.account, D.a1.me, own, fresh, [{ to: { userKey: bob.userKey, deviceId: 1 }, bundle: wrong }], 'x');
    eq(report.map((l) => l.outcome).join(), 'bundleRejected,needsBundle,needsBundle', 'outcomes');
    eq(report[0].error.kind, 'UNKNOWN_DEVICE', 'rejection');
    eq(fresh.devicesWithSession().length, 0, 'no session created');
    // A bundle for a device that is not a target fails the whole call.
    unchanged(fresh, key, () =>
      sendToPerson(D.a1.account, D.a1.me, own, fresh, [{ to: { userKey: bob.userKey, deviceId: 7 }, bundle: wrong }], 'x'), 'UNKNOWN_DEVICE');
    // This device removed from its own list: UNKNOWN_DEVICE.
    const other = { userKey: alice.userKey, deviceId: 5 };
    unchanged(fresh, key, () => sendToPerson(D.a1.account, other, own, fresh, [], 'x'), 'UNKNOWN_DEVICE');
    throwsKind(() => sendToPerson(D.a1.account, D.a1.me, own, own, [], 'x'), 'INVALID_ARGUMENT', api);
    for (const x of [fresh, own, wrong]) x.free();
  });

  await check('session records: fromSession, accept, archive, routing to an older session, seal/unseal', () => {
    const a = Account.create();
    const b = Account.create();
    b.generateOneTimePrekeys(3);
    const ab = { localId: 'a', remoteId: 'b' };
    const ba = { localId: 'b', remoteId: 'a' };
    const session = Session.initiate(a, b.prekeyBundle(), ab);
    const mine = SessionRecord.fromSession(session);
    eq(session.freed, true, 'the session is consumed');
    throwsKind(() => session.encrypt('x'), 'INVALID_HANDLE', api);
    const m1 = mine.encrypt('first');
    const { record: theirs, plaintext } = SessionRecord.accept(b, m1, ba);
    eq(new TextDecoder().decode(plaintext), 'first', 'accepted');
    eq(toHex(theirs.currentId), toHex(mine.currentId), 'one session');
    // A second session (a reinstall of the initiator's side): the old one is archived.
    const late = mine.encrypt('late, in the first session');
    const second = mine.initiate(a, b.prekeyBundle().toBytes(), ab);
    eq(mine.sessionCount, 2, 'two sessions');
    eq(toHex(mine.sessionIds[0]), toHex(second), 'the new one first');
    eq(new TextDecoder().decode(theirs.decrypt(b, mine.encrypt('second session'), ba)), 'second session', 'new session');
    eq(theirs.sessionCount, 2, 'theirs too');
    eq(new TextDecoder().decode(theirs.decrypt(b, late, ba)), 'late, in the first session', 'routed to the archived session');
    eq(theirs.padding, 'padme', 'padding');
    theirs.padding = 'none';
    eq(theirs.padding, 'none', 'padding set');
    eq(theirs.usesPqRatchet, false, 'version 1');
    eq(toHex(theirs.remoteIdentity), toHex(a.identityKey), 'remote identity');
    eq(toHex(theirs.localIdentity), toHex(b.identityKey), 'local identity');
    // Seal/unseal round trip: the same ids, and the restored copy goes on.
    const sealed = theirs.seal(key);
    const restored = SessionRecord.unseal(key, sealed);
    eq(restored.sessionIds.map(toHex).join(), theirs.sessionIds.map(toHex).join(), 'ids after unseal');
    eq(toHex(restored.seal(key, NONCE)), toHex(theirs.seal(key, NONCE)), 'same state');
    const reply = restored.encrypt('from the restored record');
    eq(new TextDecoder().decode(mine.decrypt(a, reply, ab)), 'from the restored record', 'restored copy works');
    const corrupt = sealed.slice();
    corrupt[corrupt.length - 1] ^= 1;
    throwsKind(() => SessionRecord.unseal(key, corrupt), 'UNSEAL_FAILED', api);
    throwsKind(() => SessionRecord.unseal(key, sealed.slice(0, 40)), 'TRUNCATED', api);
    // An empty record: nothing to encrypt with; getters are null.
    const empty = SessionRecord.create();
    eq(empty.isEmpty, true, 'empty');
    eq(empty.currentId, null, 'no id');
    unchanged(empty, key, () => empty.encrypt('x'), 'INVALID_ARGUMENT');
    throwsKind(() => empty.decrypt(b, new Uint8Array(0), ba), 'TRUNCATED', api);
    throwsKind(() => empty.decrypt(b, new Uint8Array(3), ba), 'UNSUPPORTED_VERSION', api);
    throwsKind(() => mine.decrypt(a, 'text', ab), 'WRONG_ARGUMENT_TYPE', api);
    throwsKind(() => mine.initiate(b.prekeyBundle(), a, ab), 'WRONG_ARGUMENT_TYPE', api);
    throwsKind(() => SessionRecord.fromSession(mine), 'WRONG_ARGUMENT_TYPE', api);
    for (const x of [a, b, mine, theirs, restored, empty]) x.free();
    throwsKind(() => mine.currentId, 'INVALID_HANDLE', api);
  });

  await check('contacts: seal/unseal round trip keeps every record and goes on', () => {
    const c = D.a1.contacts.bob;
    const sealed = c.seal(key);
    const restored = Contact.unseal(key, sealed);
    eq(restored.devicesWithSession().join(), c.devicesWithSession().join(), 'records');
    eq(toHex(restored.deviceList), toHex(c.deviceList), 'list');
    eq(restored.listVersion, c.listVersion, 'version');
    eq(restored.deviceIds.join(), '1', 'listed devices');
    eq(toHex(restored.deviceIdentity(1)), toHex(bob.accounts[0].identityKey), 'identity');
    eq(restored.deviceIdentity(2), null, 'removed');
    eq(toHex(restored.currentSessionId(1)), toHex(c.currentSessionId(1)), 'current session');
    eq(toHex(restored.remoteIdentity(1)), toHex(bob.accounts[0].identityKey), 'session identity');
    eq(restored.usesPqRatchet(1), false, 'version 1');
    eq(restored.currentSessionId(2), null, 'none with the removed device');
    eq(toHex(restored.seal(key, NONCE)), toHex(c.seal(key, NONCE)), 'same state');
    // The restored contact replaces the live one and goes on.
    c.free();
    D.a1.contacts.bob = restored;
    deliverAll(send(D.a1, 'bob', 'after restore'));
    throwsKind(() => Contact.unseal(key, sealed.slice(0, -1)), 'UNSEAL_FAILED', api);
    throwsKind(() => Contact.fromDeviceList(bob.list, alice.userKey), 'IDENTITY_MISMATCH', api);
    throwsKind(() => c.userKey, 'INVALID_HANDLE', api);
    throwsKind(() => restored.decrypt(D.a1.account, { userKey: alice.userKey.slice(1), deviceId: 1 }, 1, new Uint8Array(9)), 'INVALID_ARGUMENT', api);
    throwsKind(() => restored.decrypt(D.a1.account, { userKey: alice.userKey, deviceId: -1 }, 1, new Uint8Array(9)), 'WRONG_ARGUMENT_TYPE', api);
  });

  for (const d of Object.values(D)) for (const c of Object.values(d.contacts)) c.free();
  for (const p of [alice, bob]) {
    for (const a of p.accounts) a.free();
    p.user.free();
  }
  return results;
}
