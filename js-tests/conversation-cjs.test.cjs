// The same package through CommonJS `require`.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const sotto = require('sotto');

const text = (bytes) => new TextDecoder().decode(bytes);

test('require("sotto") exposes the API, ready to use', async () => {
  for (const name of ['Account', 'PrekeyBundle', 'Session', 'SafetyNumber', 'SottoError', 'ErrorCode', 'messageType', 'init']) {
    assert.ok(name in sotto, name);
  }
  await sotto.init();
});

test('conversation through require', () => {
  const { Account, Session, SottoError, ErrorCode } = sotto;
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(1);
  const a = Session.initiate(alice, bob.prekeyBundle().toBytes(), { localId: 'a', remoteId: 'b' });
  const { session: b, plaintext } = Session.accept(bob, a.encrypt('hello from CJS'), { localId: 'b', remoteId: 'a' });
  assert.equal(text(plaintext), 'hello from CJS');
  const reply = b.encrypt('reply');
  assert.equal(text(a.decrypt(reply)), 'reply');
  assert.throws(() => a.decrypt(reply), (e) => e instanceof SottoError && e instanceof Error && e.code === ErrorCode.DUPLICATE_MESSAGE);
  assert.equal(a.safetyNumber().digits(), b.safetyNumber().digits());
  for (const o of [a, b, alice, bob]) o.free();
});
