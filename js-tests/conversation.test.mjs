// A full conversation through the package by its name (ESM `import`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  Account,
  PrekeyBundle,
  Session,
  SafetyNumber,
  SottoError,
  ErrorCode,
  messageType,
  prekeySessionId,
  generateStorageKey,
  checkIdentityKey,
  safetyNumber,
  init,
} from 'sotto';
import initDefault from 'sotto';

const text = (bytes) => new TextDecoder().decode(bytes);
// Node 20 has no `using` declarations: dispose through Symbol.dispose when
// the test ends, as `using` would.
const owner = (t) => (object) => {
  t.after(() => object[Symbol.dispose]());
  return object;
};
const ALICE = { localId: 'alice#1', remoteId: 'bob#1' };
const BOB = { localId: 'bob#1', remoteId: 'alice#1' };

test('the Node entry is ready without init, and init() resolves', async () => {
  assert.equal(typeof init, 'function');
  assert.equal(initDefault, init);
  await init();
});

test('import and require give the same objects', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('sotto');
  assert.equal(cjs.Account, Account);
  assert.equal(cjs.SottoError, SottoError);
});

test('full conversation: handshake, both directions, out of order, sealing, safety numbers', (t) => {
  const own = owner(t);
  const alice = own(Account.create());
  const bob = own(Account.create());
  bob.generateOneTimePrekeys(5);
  assert.deepEqual(bob.oneTimePrekeyCounts(), { x25519: 5, mlkem: 5 });

  // Bob's bundle travels as bytes through a server.
  const bundleBytes = bob.prekeyBundle().toBytes();
  assert.equal(bundleBytes.length, 1525);
  const bundle = own(PrekeyBundle.fromBytes(bundleBytes));
  assert.ok(bundle.hasOneTimePrekey);
  assert.deepEqual(bundle.identityKey, bob.identityKey);

  const a = own(Session.initiate(alice, bundle, ALICE));
  assert.equal(a.role, 'initiator');
  assert.ok(a.awaitingReply);
  assert.ok(a.canEncrypt);
  const first = a.encrypt('Are we alone?');
  const second = a.encrypt(new TextEncoder().encode('Second before any reply'));
  assert.equal(messageType(first), 'prekey');
  assert.equal(messageType(second), 'prekey');
  assert.deepEqual(prekeySessionId(first), a.id);

  const accepted = Session.accept(bob, first, BOB);
  const b = own(accepted.session);
  assert.equal(text(accepted.plaintext), 'Are we alone?');
  assert.equal(b.role, 'responder');
  assert.deepEqual(b.id, a.id);
  assert.deepEqual(b.remoteIdentity, alice.identityKey);
  assert.deepEqual(a.remoteIdentity, bob.identityKey);
  assert.deepEqual(b.localIdentity, bob.identityKey);
  assert.equal(text(b.decrypt(second)), 'Second before any reply');
  assert.deepEqual(bob.oneTimePrekeyCounts(), { x25519: 4, mlkem: 4 });

  // Reply; Alice stops sending prekey messages.
  const reply = b.encrypt('Now we are.');
  assert.equal(messageType(reply), 'normal');
  assert.equal(text(a.decrypt(reply)), 'Now we are.');
  assert.equal(a.awaitingReply, false);
  assert.equal(messageType(a.encrypt('ok')), 'normal');

  // Out-of-order delivery within and across ratchet steps.
  const batch = ['one', 'two', 'three', 'four'].map((m) => [m, a.encrypt(m)]);
  for (const i of [3, 0, 2, 1]) assert.equal(text(b.decrypt(batch[i][1])), batch[i][0]);
  const late = b.encrypt('late');
  const next = b.encrypt('next');
  assert.equal(text(a.decrypt(next)), 'next');
  assert.equal(text(a.decrypt(late)), 'late');

  // Padding hides short lengths by default and can be turned off.
  assert.equal(a.padding, 'padme');
  const padded = a.encrypt('x');
  a.padding = 'none';
  assert.equal(a.padding, 'none');
  const unpadded = a.encrypt('x');
  assert.ok(padded.length > unpadded.length);
  assert.equal(text(b.decrypt(unpadded)), 'x');
  assert.equal(text(b.decrypt(padded)), 'x');

  // Sealed state at rest.
  const key = generateStorageKey();
  assert.equal(key.length, 32);
  const sealedBob = b.seal(key);
  const sealedAccount = bob.seal(key);
  const restored = own(Session.unseal(key, sealedBob));
  const restoredAccount = own(Account.unseal(key, sealedAccount));
  assert.deepEqual(restoredAccount.identityKey, bob.identityKey);
  assert.deepEqual(restored.id, b.id);
  const after = a.encrypt('after restore');
  assert.equal(text(restored.decrypt(after)), 'after restore');
  assert.equal(text(a.decrypt(restored.encrypt('from restored'))), 'from restored');

  // Safety numbers agree on both sides and with the free function.
  const sa = own(a.safetyNumber());
  const sb = own(b.safetyNumber());
  assert.equal(sa.digits(), sb.digits());
  assert.match(sa.digits(), /^\d{60}$/);
  assert.equal(sa.display().replaceAll(' ', ''), sa.digits());
  assert.deepEqual(sa.emoji(), sb.emoji());
  assert.equal(sa.emoji().length, 10);
  for (const e of sa.emoji()) {
    assert.equal(typeof e.emoji, 'string');
    assert.match(e.name, /^[a-z ]+$/);
  }
  const free = own(safetyNumber(alice.identityKey, bob.identityKey));
  assert.equal(free.digits(), sa.digits());
  assert.equal(SafetyNumber.fromIdentities(bob.identityKey, alice.identityKey).digits(), sa.digits());
  assert.ok(sa.matchesQr(sb.qrPayload()));
  assert.ok(sb.matchesQr(sa.qrPayload()));
  assert.equal(sa.matchesQr(sa.qrPayload()), false);
  checkIdentityKey(alice.identityKey);
});

test('prekey publication: parts uploaded separately assemble into bundles', (t) => {
  const own = owner(t);
  const alice = own(Account.create());
  const bob = own(Account.create());
  bob.generateOneTimePrekeys(2);
  const oneTime = bob.unpublishedOneTimePrekeys();
  const kem = bob.unpublishedOneTimeKemPrekeys();
  assert.equal(oneTime.length, 2);
  assert.equal(kem.length, 2);
  bob.markPrekeysPublished();
  assert.equal(bob.unpublishedOneTimePrekeys().length, 0);

  // The server assembles a bundle from the uploaded parts.
  const bundle = own(
    PrekeyBundle.fromParts({
      identityKey: bob.identityKey,
      signedPrekey: bob.signedPrekey(),
      kemPrekey: kem[1],
      oneTimePrekey: oneTime[1],
    }),
  );
  const lastResort = own(
    PrekeyBundle.fromParts({
      identityKey: bob.identityKey,
      signedPrekey: bob.signedPrekey(),
      kemPrekey: bob.lastResortPrekey(),
    }),
  );
  assert.equal(lastResort.hasOneTimePrekey, false);
  assert.equal(lastResort.toBytes().length, 1488);

  for (const b of [bundle, lastResort]) {
    const s = own(Session.initiate(alice, b.toBytes(), ALICE));
    const { session, plaintext } = Session.accept(bob, s.encrypt('hi'), BOB);
    assert.equal(text(plaintext), 'hi');
    assert.equal(text(s.decrypt(session.encrypt('hello'))), 'hello');
    session.free();
  }

  // Rotation keeps messages made from the previous bundle working.
  bob.rotateSignedPrekey();
  bob.rotateLastResortPrekey();
  const old = own(Session.initiate(alice, lastResort, ALICE));
  assert.equal(text(Session.accept(bob, old.encrypt('old bundle'), BOB).plaintext), 'old bundle');
});

test('routing incoming messages by session id', (t) => {
  const own = owner(t);
  const alice = own(Account.create());
  const bob = own(Account.create());
  bob.generateOneTimePrekeys(2);
  const hex = (b) => Buffer.from(b).toString('hex');
  const sessions = new Map();
  const deliver = (bytes) => {
    if (messageType(bytes) === 'prekey') {
      const id = hex(prekeySessionId(bytes));
      if (!sessions.has(id)) {
        const { session, plaintext } = Session.accept(bob, bytes, BOB);
        sessions.set(id, session);
        return text(plaintext);
      }
      return text(sessions.get(id).decrypt(bytes));
    }
    for (const s of sessions.values()) {
      try {
        return text(s.decrypt(bytes));
      } catch (e) {
        if (!(e instanceof SottoError) || e.code !== ErrorCode.DECRYPTION_FAILED) throw e;
      }
    }
    throw new Error('no session');
  };
  const b1 = bob.prekeyBundle();
  bob.markBundlePublished(b1); // bundles are pure: record that b1 is out
  const s1 = own(Session.initiate(alice, b1, ALICE));
  const s2 = own(Session.initiate(alice, bob.prekeyBundle(), ALICE));
  assert.equal(deliver(s1.encrypt('1a')), '1a');
  assert.equal(deliver(s2.encrypt('2a')), '2a');
  assert.equal(deliver(s1.encrypt('1b')), '1b');
  assert.equal(sessions.size, 2);
  for (const s of sessions.values()) s.free();
});

test('objects support free(), Symbol.dispose and report freed', () => {
  const account = Account.create();
  assert.equal(account.freed, false);
  account[Symbol.dispose]();
  assert.equal(account.freed, true);
  account.free(); // idempotent
});

test('prekey bundles are pure, generation reports, accept checks the expected identity', () => {
  const alice = Account.create();
  const bob = Account.create();
  const mallory = Account.create();
  const report = bob.generateOneTimePrekeys(100);
  assert.equal(report.created.length, 200);
  assert.deepEqual(report.evictedUnpublished, []);
  assert.deepEqual(report.evictedPublished, []);
  const b1 = bob.prekeyBundle().toBytes();
  assert.deepEqual(bob.prekeyBundle().toBytes(), b1, 'building a bundle changed the account');
  bob.markBundlePublished(b1);
  assert.notDeepEqual(bob.prekeyBundle().toBytes(), b1);
  // An upload publishes up to 50 of each kind; a top-up of 50 evicts none of them.
  assert.equal(bob.unpublishedOneTimePrekeys().length, 49);
  bob.markPrekeysPublished();
  const topUp = bob.generateOneTimePrekeys(50);
  assert.equal(topUp.evictedUnpublished.length, 100);
  assert.deepEqual(topUp.evictedPublished, []);
  const first = Session.initiate(alice, b1, ALICE).encrypt('from alice');
  assert.throws(
    () => Session.accept(bob, first, BOB, mallory.identityKey),
    (e) => e instanceof SottoError && e.kind === 'IDENTITY_MISMATCH' && e.code === 23,
  );
  const { session, plaintext } = Session.accept(bob, first, BOB, alice.identityKey);
  assert.equal(new TextDecoder().decode(plaintext), 'from alice');
  for (const o of [alice, bob, mallory, session]) o.free();
});
