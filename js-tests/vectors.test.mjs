// The core's committed known-answer vectors, checked from JavaScript.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Session, SafetyNumber, safetyNumber, SottoError, ErrorCode } from 'sotto';

const path = new URL('../tests/vectors/sotto-v1.json', import.meta.url);
const vectors = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
const skip = vectors ? false : 'tests/vectors/sotto-v1.json not present yet';
const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b) => Buffer.from(b).toString('hex');

test('sealed session: unseal, then decrypt the listed messages in order', { skip }, () => {
  const v = vectors.sealed_session;
  const key = hex(v.storage_key);
  const session = Session.unseal(key, hex(v.sealed));
  assert.ok(v.then_decrypt.length > 0);
  for (const { message, plaintext } of v.then_decrypt) {
    assert.equal(toHex(session.decrypt(hex(message))), plaintext);
  }
  // Transactional decryption: replaying the last message fails and changes nothing.
  const last = v.then_decrypt.at(-1);
  assert.throws(
    () => session.decrypt(hex(last.message)),
    (e) => e instanceof SottoError && e.code === ErrorCode.DUPLICATE_MESSAGE,
  );
  // A wrong storage key does not open it.
  const wrong = key.slice();
  wrong[0] ^= 1;
  assert.throws(() => Session.unseal(wrong, hex(v.sealed)), (e) => e.code === ErrorCode.UNSEAL_FAILED);
  session.free();
});

test('safety number recomputed from the two identity records', { skip }, () => {
  const v = vectors.safety_number;
  const alice = hex(v.alice_identity);
  const bob = hex(v.bob_identity);
  assert.equal(alice.length, 130);
  for (const number of [safetyNumber(alice, bob), SafetyNumber.fromIdentities(bob, alice)]) {
    assert.equal(number.digits(), v.digits);
    assert.deepEqual(
      number.emoji().map((e) => e.emoji),
      v.emoji,
    );
    if (v.display) assert.equal(number.display(), v.display);
    if (v.emoji_names) assert.deepEqual(number.emoji().map((e) => e.name), v.emoji_names);
    number.free();
  }
  if (v.qr_payload_alice && v.qr_payload_bob) {
    const a = safetyNumber(alice, bob);
    const b = safetyNumber(bob, alice);
    assert.equal(toHex(a.qrPayload()), v.qr_payload_alice);
    assert.equal(toHex(b.qrPayload()), v.qr_payload_bob);
    assert.ok(a.matchesQr(hex(v.qr_payload_bob)));
    assert.ok(b.matchesQr(hex(v.qr_payload_alice)));
  }
});
