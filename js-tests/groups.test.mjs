// `sotto/groups` (PROTOCOL.md §21) in Node: the shared cases of
// browser/group-cases.js (the known-answer vectors replayed event by event,
// a group's life, hostile inputs, failed calls that change nothing), both
// module systems, a group built over the main entry's pairwise sessions,
// and the entry's own size budget. The same cases run in Chromium
// (browser-people.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'sotto/groups';
import * as chat from 'sotto';
import { run } from './browser/group-cases.js';

const vectors = JSON.parse(readFileSync(new URL('../tests/vectors/sotto-v1-groups.json', import.meta.url), 'utf8'));

test('shared group cases (vectors, membership, hostile inputs)', async (t) => {
  const results = await run(api, vectors);
  assert.ok(results.length >= 10, `${results.length} cases`);
  for (const { name, ok, error, note } of results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
});

test('CommonJS and ESM entries are the same objects; codes are the main entry codes', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('sotto/groups');
  assert.equal(cjs.GroupSession, api.GroupSession);
  assert.equal(cjs.SottoError, api.SottoError);
  for (const [name, code] of Object.entries(api.ErrorCode)) assert.equal(chat.ErrorCode[name], code, name);
  assert.equal(api.ErrorCode.UNKNOWN_SENDER_CHAIN, 29);
  assert.equal(api.ErrorCode.EPOCH_MISMATCH, 30);
  let error;
  try {
    api.parseGroupMessage(new Uint8Array([1]));
  } catch (e) {
    error = e;
  }
  assert.equal(error.name, 'SottoError');
  assert.equal(error.code, 1);
  assert.match(error.message, /^TRUNCATED \(sotto error 1\): /);
  assert.ok(api.wasmMemoryBytes() > 0);
});

test('distributions travel through the pairwise sessions of the main entry', () => {
  // Alice and Bob have a pairwise session; Alice's chain goes through it.
  const alice = chat.Account.create();
  const bob = chat.Account.create();
  bob.generateOneTimePrekeys(1);
  const ctx = { localId: 'alice#1', remoteId: 'bob#1' };
  const a = chat.Session.initiate(alice, chat.PrekeyBundle.fromBytes(bob.prekeyBundle().toBytes()), ctx);
  const groupId = new Uint8Array(16).fill(9);
  const ga = api.GroupSession.create({ groupId, ownDevice: 'alice#1', members: ['bob#1'] });
  const gb = api.GroupSession.create({ groupId, ownDevice: 'bob#1', members: ['alice#1'] });
  const sent = a.encrypt(ga.distribution());
  const { session: b, plaintext } = chat.Session.accept(bob, sent, { localId: 'bob#1', remoteId: 'alice#1' });
  gb.receiveDistribution(plaintext, 'alice#1');
  const read = gb.decrypt(ga.encrypt('to the group').message);
  assert.equal(new TextDecoder().decode(read.plaintext), 'to the group');
  assert.equal(new TextDecoder().decode(read.sender), 'alice#1');
  for (const x of [a, b, ga, gb, alice, bob]) x.free();
});

// The entry's own budget, separate from the chat module's (size.test.mjs):
// the .wasm and the JavaScript a browser loads for `sotto/groups`,
// `gzip -9 -n`. 62.0 KB when set: Ed25519 (chain signatures),
// XChaCha20-Poly1305, SHA-2/HKDF and the state encoding; a chat-only app
// never loads it. Also checked by scripts/test-wasm.sh.
const GROUPS_GZIP_BUDGET = 64_000;
test(`groups web build is at most ${GROUPS_GZIP_BUDGET} bytes gzipped`, (t) => {
  let total = 0;
  for (const name of ['sotto_groups_bg.wasm', 'sotto_groups.js', 'core.js', 'index.js']) {
    const path = fileURLToPath(new URL(`../pkg/dist/groups/web/${name}`, import.meta.url));
    const gz = execFileSync('gzip', ['-9', '-n', '-c', path], { maxBuffer: 1 << 26 }).length;
    t.diagnostic(`${name}: ${gz} bytes gzipped`);
    total += gz;
  }
  t.diagnostic(`total: ${total} bytes gzipped (budget ${GROUPS_GZIP_BUDGET})`);
  assert.ok(total <= GROUPS_GZIP_BUDGET, `groups web build ${total} bytes gzipped > ${GROUPS_GZIP_BUDGET}`);
});

test("README's groups and devices example runs and prints what its comments say", async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- js-groups:start -->\n```js\n([\s\S]*?)```/);
  assert.ok(block, 'js-groups block missing');
  const dir = new URL('./artifacts/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL('readme-groups.mjs', dir);
  await writeFile(file, block[1]);
  const output = execFileSync(process.execPath, [fileURLToPath(file)], { encoding: 'utf8' });
  const expected = [...block[1].matchAll(/console\.log\(.*\); \/\/ "(.*)"/g)].map((m) => m[1]);
  assert.deepEqual(expected, ['hello group', '1']);
  assert.deepEqual(output.trim().split('\n'), expected);
});
