// Every error code reachable from JavaScript, provoked with bad input.
//
// Not reachable through the public API, so not provoked here:
//   15 INVALID_PADDING  - needs a ciphertext that authenticates but carries bad
//                         padding, which only a modified sender can produce;
//   18 LIMIT_EXCEEDED   - needs 2^32 prekeys or messages in one chain;
//   20 PREKEY_EXHAUSTED - needs 1000 sessions on one signed prekey (tests/replay.rs);
//   21 STALE_SESSION    - needs a peer restored from before a ratchet step (tests/misuse.rs);
//   22 INTERNAL         - a violated invariant of the core (a bug);
//   24 ROLLBACK, 25 EXPIRED, 27 LINK_FAILED - raised by the `sotto/devices` entry
//                         (devices.test.mjs, browser/device-cases.js);
//   26 DIGEST_MISMATCH  - raised by the `sotto/attachments` entry (attachments.test.mjs);
//   28 UNKNOWN_DEVICE   - sending to people is not in the npm package yet;
//   29 UNKNOWN_SENDER_CHAIN, 30 EPOCH_MISMATCH - raised by the `sotto/groups` entry
//                         (groups.test.mjs, browser/group-cases.js);
//   31 KEM_MISMATCH     - needs a version-2 session restored from an older copy, and the
//                         npm package publishes version-1 bundles (tests/pq_ratchet.rs);
//  107 PANIC            - a WebAssembly trap (out of memory or a bug); a safety net,
//                         provoked with a simulated trap in hostile.test.mjs;
//  109 REENTRANT        - a Sotto call from inside crypto.getRandomValues: see
//                         hostile.test.mjs.
// 112 NOT_INITIALIZED and 113 INIT_FAILED belong to the web build: see web-init.test.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  Account,
  PrekeyBundle,
  Session,
  SafetyNumber,
  SottoError,
  ErrorCode,
  messageType,
  prekeySessionId,
  checkIdentityKey,
  generateStorageKey,
  safetyNumber,
  wasmMemoryBytes,
} from 'sotto';

const ALICE = { localId: 'alice', remoteId: 'bob' };
const BOB = { localId: 'bob', remoteId: 'alice' };
const seen = new Set();

function fails(kind, fn, detail) {
  const code = ErrorCode[kind];
  assert.ok(code, kind);
  assert.throws(fn, (e) => {
    assert.ok(e instanceof SottoError, `expected a SottoError, got ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SottoError');
    assert.equal(e.kind, kind, `${e.message}${detail ? ` (${detail})` : ''}`);
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith(`${kind} (sotto error ${code}): `), e.message);
    assert.ok(e.message.length > 40);
    return true;
  });
  seen.add(code);
}

const mutate = (bytes, index, value) => {
  const copy = bytes.slice();
  copy[index] = typeof value === 'function' ? value(copy[index]) : value;
  return copy;
};
const flip = (bytes, index) => mutate(bytes, index, (b) => b ^ 1);

function setup(oneTime = 3) {
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(oneTime);
  const bundle = bob.prekeyBundle().toBytes();
  const a = Session.initiate(alice, bundle, ALICE);
  return { alice, bob, bundle, a };
}

test('decoding errors: truncated, trailing, version, object type, malformed, key, signature', () => {
  const { alice, bob, bundle, a } = setup();
  const first = a.encrypt('hello');
  fails('TRUNCATED', () => PrekeyBundle.fromBytes(bundle.subarray(0, 100)));
  fails('TRUNCATED', () => messageType(new Uint8Array([1])));
  fails('TRUNCATED', () => messageType(new Uint8Array(0)));
  fails('TRUNCATED', () => Session.accept(bob, first.subarray(0, 150), BOB));
  fails('TRAILING_BYTES', () => PrekeyBundle.fromBytes(new Uint8Array([...bundle, 0])));
  fails('TRAILING_BYTES', () => checkIdentityKey(new Uint8Array([...alice.identityKey, 0])));
  fails('UNSUPPORTED_VERSION', () => messageType(mutate(first, 0, 2)));
  fails('UNSUPPORTED_VERSION', () => PrekeyBundle.fromBytes(mutate(bundle, 0, 9)));
  fails('WRONG_OBJECT_TYPE', () => messageType(bundle));
  fails('WRONG_OBJECT_TYPE', () => PrekeyBundle.fromBytes(first));
  const key = generateStorageKey();
  fails('WRONG_OBJECT_TYPE', () => Session.unseal(key, alice.seal(key)));
  fails('WRONG_OBJECT_TYPE', () => Account.unseal(key, a.seal(key)));
  // Prekey message: the KEM prekey kind byte follows header (2), identity (130),
  // base key (33) and two prekey ids (8).
  fails('MALFORMED', () => Session.accept(bob, mutate(first, 173, 7), BOB));
  fails('INVALID_KEY', () => PrekeyBundle.fromBytes(mutate(bundle, 2, 9)));
  fails('INVALID_KEY', () => checkIdentityKey(mutate(alice.identityKey, 0, 9)));
  fails('BAD_SIGNATURE', () => PrekeyBundle.fromBytes(flip(bundle, 200)));
  fails('BAD_SIGNATURE', () => checkIdentityKey(flip(alice.identityKey, 100)));
  fails('BAD_SIGNATURE', () => safetyNumber(flip(alice.identityKey, 100), bob.identityKey));
  // Nothing above changed Bob's account: the genuine message is still accepted.
  Session.accept(bob, first, BOB).session.free();
  for (const o of [alice, bob, a]) o.free();
});

test('handshake errors: non-contributory, unknown prekey, replayed prekey message, context mismatch', () => {
  const { alice, bob, bundle, a } = setup(1);
  const first = a.encrypt('hi');
  // An all-zero (low-order) base key: bytes 133..165 of a prekey message.
  const zero = first.slice();
  zero.fill(0, 133, 165);
  fails('NON_CONTRIBUTORY', () => Session.accept(bob, zero, BOB));
  fails('DECRYPTION_FAILED', () => Session.accept(bob, first, { localId: 'bob', remoteId: 'mallory' }));
  fails('DECRYPTION_FAILED', () => Session.accept(bob, flip(first, first.length - 1), BOB));
  const { session } = Session.accept(bob, first, BOB);
  fails('DUPLICATE_MESSAGE', () => Session.accept(bob, first, BOB));
  // A second session from the same bundle: its one-time prekey is consumed.
  const again = Session.initiate(alice, bundle, ALICE);
  fails('UNKNOWN_PREKEY', () => Session.accept(bob, again.encrypt('again'), BOB));
  // A prekey message of another session given to an existing session.
  fails('SESSION_MISMATCH', () => session.decrypt(again.encrypt('wrong session')));
  for (const o of [alice, bob, a, again, session]) o.free();
});

test('ratchet errors: tampered, replayed, too far ahead, too large', () => {
  const { alice, bob, a } = setup();
  const { session: b } = Session.accept(bob, a.encrypt('hi'), BOB);
  const reply = b.encrypt('reply');
  fails('DECRYPTION_FAILED', () => a.decrypt(flip(reply, 40)));
  fails('DECRYPTION_FAILED', () => a.decrypt(flip(reply, reply.length - 1)));
  assert.equal(new TextDecoder().decode(a.decrypt(reply)), 'reply');
  fails('DUPLICATE_MESSAGE', () => a.decrypt(reply));
  for (let i = 0; i < 1001; i++) b.encrypt('skipped');
  fails('TOO_FAR_AHEAD', () => a.decrypt(b.encrypt('far')));
  fails('TOO_LARGE', () => a.encrypt(new Uint8Array((1 << 20) + 1)));
  fails('TOO_LARGE', () => a.encrypt('x'.repeat((1 << 20) + 1)));
  a.encrypt(new Uint8Array(1 << 20)); // the limit itself is fine
  // Oversized inputs are refused before they are copied into WebAssembly memory.
  const before = wasmMemoryBytes();
  fails('TOO_LARGE', () => a.decrypt(new Uint8Array(64 << 20)));
  fails('TOO_LARGE', () => Session.unseal(new Uint8Array(32), new Uint8Array(64 << 20)));
  assert.equal(wasmMemoryBytes(), before);
  for (const o of [alice, bob, a, b]) o.free();
});

test('sealed state and arguments: unseal failed, invalid argument', () => {
  const { alice, bob, a } = setup();
  const key = generateStorageKey();
  const sealed = a.seal(key);
  fails('UNSEAL_FAILED', () => Session.unseal(flip(key, 0), sealed));
  fails('UNSEAL_FAILED', () => Session.unseal(key, flip(sealed, sealed.length - 1)));
  fails('UNSEAL_FAILED', () => Account.unseal(flip(key, 5), alice.seal(key)));
  fails('INVALID_ARGUMENT', () => a.seal(new Uint8Array(31)));
  fails('INVALID_ARGUMENT', () => Session.unseal(new Uint8Array(33), sealed));
  fails('INVALID_ARGUMENT', () => bob.generateOneTimePrekeys(101));
  {
    // A prekey message from another identity than the expected one.
    const carol = Account.create();
    const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('x');
    fails('IDENTITY_MISMATCH', () => Session.accept(bob, first, BOB, carol.identityKey));
    fails('BAD_SIGNATURE', () => Session.accept(bob, first, BOB, flip(carol.identityKey, 100)));
    fails('WRONG_ARGUMENT_TYPE', () => Session.accept(bob, first, BOB, 'carol'));
    carol.free();
  }
  fails('INVALID_ARGUMENT', () =>
    Session.initiate(alice, bob.prekeyBundle(), { localId: 'x'.repeat(1025), remoteId: 'bob' }),
  );
  for (const o of [alice, bob, a]) o.free();
});

test('randomness failure is reported, not a crash', () => {
  const alice = Account.create();
  const original = globalThis.crypto.getRandomValues;
  globalThis.crypto.getRandomValues = () => {
    throw new Error('entropy source unavailable');
  };
  try {
    fails('RANDOMNESS', () => Account.create());
    fails('RANDOMNESS', () => generateStorageKey());
    fails('RANDOMNESS', () => alice.rotateSignedPrekey());
  } finally {
    globalThis.crypto.getRandomValues = original;
  }
  // Everything works again afterwards.
  alice.rotateSignedPrekey();
  Account.create().free();
  alice.free();
});

test('wrong argument types are SottoErrors, never crashes or silent conversions', () => {
  const { alice, bob, a } = setup();
  const notBytes = ['text', 42, null, undefined, [1, 2, 3], new ArrayBuffer(8), new Uint16Array(4), {}, Symbol('s')];
  for (const value of notBytes) {
    fails('WRONG_ARGUMENT_TYPE', () => a.decrypt(value), String(value?.toString?.()));
    fails('WRONG_ARGUMENT_TYPE', () => messageType(value));
    fails('WRONG_ARGUMENT_TYPE', () => PrekeyBundle.fromBytes(value));
    fails('WRONG_ARGUMENT_TYPE', () => Session.unseal(value, new Uint8Array(10)));
    fails('WRONG_ARGUMENT_TYPE', () => checkIdentityKey(value));
    fails('WRONG_ARGUMENT_TYPE', () => prekeySessionId(value));
    fails('WRONG_ARGUMENT_TYPE', () => safetyNumber(value, alice.identityKey));
  }
  for (const value of [42, null, undefined, [1], {}]) {
    fails('WRONG_ARGUMENT_TYPE', () => a.encrypt(value));
    fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, bob.prekeyBundle(), { localId: value, remoteId: 'b' }));
  }
  fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, bob.prekeyBundle()));
  fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, bob.prekeyBundle(), 'alice'));
  fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(bob.prekeyBundle(), alice, ALICE));
  fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, 'bundle', ALICE));
  fails('WRONG_ARGUMENT_TYPE', () => Session.initiate({ fake: true }, bob.prekeyBundle(), ALICE));
  fails('WRONG_ARGUMENT_TYPE', () => Session.accept(a, new Uint8Array(10), BOB));
  fails('WRONG_ARGUMENT_TYPE', () => PrekeyBundle.fromParts(null));
  fails('WRONG_ARGUMENT_TYPE', () => PrekeyBundle.fromParts({ identityKey: alice.identityKey }));
  for (const count of [-1, 1.5, '3', NaN, 2 ** 32, null]) {
    fails('WRONG_ARGUMENT_TYPE', () => bob.generateOneTimePrekeys(count));
  }
  fails('WRONG_ARGUMENT_TYPE', () => {
    a.padding = 'zeros';
  });
  fails('WRONG_ARGUMENT_TYPE', () => new Account());
  fails('WRONG_ARGUMENT_TYPE', () => new Session());
  // Methods called on the wrong receiver.
  fails('WRONG_ARGUMENT_TYPE', () => Session.prototype.encrypt.call(alice, 'x'));
  fails('WRONG_ARGUMENT_TYPE', () => Account.prototype.seal.call({}, new Uint8Array(32)));
  assert.equal(a.padding, 'padme');
  // The session still works after all of that.
  const { session } = Session.accept(bob, a.encrypt('still fine'), BOB);
  assert.equal(new TextDecoder().decode(a.decrypt(session.encrypt('yes'))), 'yes');
  for (const o of [alice, bob, a, session]) o.free();
});

test('freed objects throw INVALID_HANDLE, never trap', () => {
  const { alice, bob, bundle, a } = setup();
  const number = a.safetyNumber();
  const parsed = PrekeyBundle.fromBytes(bundle);
  for (const o of [alice, bob, a, number, parsed]) o.free();
  fails('INVALID_HANDLE', () => a.encrypt('x'));
  fails('INVALID_HANDLE', () => a.decrypt(new Uint8Array(100)));
  fails('INVALID_HANDLE', () => a.id);
  fails('INVALID_HANDLE', () => a.safetyNumber());
  fails('INVALID_HANDLE', () => a.seal(new Uint8Array(32)));
  fails('INVALID_HANDLE', () => {
    a.padding = 'none';
  });
  fails('INVALID_HANDLE', () => alice.identityKey);
  fails('INVALID_HANDLE', () => bob.prekeyBundle());
  fails('INVALID_HANDLE', () => number.digits());
  fails('INVALID_HANDLE', () => parsed.toBytes());
  fails('INVALID_HANDLE', () => Session.initiate(alice, bundle, ALICE));
  fails('INVALID_HANDLE', () => Session.initiate(Account.create(), parsed, ALICE));
  fails('INVALID_HANDLE', () => Session.accept(bob, new Uint8Array(10), BOB));
  // Disposing twice is harmless; the module keeps working.
  a[Symbol.dispose]();
  a.free();
  const fresh = setup();
  assert.equal(fresh.a.role, 'initiator');
  for (const o of [fresh.alice, fresh.bob, fresh.a]) o.free();
});

test('every reachable code was provoked', () => {
  const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 23, 101, 111];
  assert.deepEqual([...seen].sort((x, y) => x - y), expected);
});

test('ErrorCode matches the core names and every code has a message', () => {
  assert.ok(Object.isFrozen(ErrorCode));
  assert.equal(Object.keys(ErrorCode).length, 37);
  for (const [kind, code] of Object.entries(ErrorCode)) {
    assert.ok(code >= 1 && (code <= 31 || (code >= 100 && code <= 199)), kind);
    // For core codes, kind and message come from the Rust core itself.
    const error = new SottoError(code);
    assert.equal(error.kind, kind);
    assert.equal(error.code, code);
    assert.ok(error.message.length > 40, error.message);
    assert.ok(!error.message.includes('unknown error'), error.message);
  }
  assert.equal(new SottoError(99).kind, 'UNKNOWN');
});
