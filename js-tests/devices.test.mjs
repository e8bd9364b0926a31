// `sotto/devices` (PROTOCOL.md §18, §19) in Node: the shared cases of
// browser/device-cases.js (the known-answer vectors of device lists and
// linking replayed, a browser account linking to a phone, forged lists,
// rollback, expired and tampered links, hostile inputs), both module
// systems, and the entry's own size budget. The same cases run in Chromium
// (browser-people.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'sotto/devices';
import * as chat from 'sotto';
import { run } from './browser/device-cases.js';

const load = (name) => JSON.parse(readFileSync(new URL(`../tests/vectors/sotto-v1-${name}.json`, import.meta.url), 'utf8'));

test('shared device and link cases (vectors, linking, hostile inputs)', async (t) => {
  const results = await run(api, chat, { devices: load('devices'), link: load('link') });
  assert.ok(results.length >= 7, `${results.length} cases`);
  for (const { name, ok, error, note } of results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
});

test('CommonJS and ESM entries are the same objects; codes are the main entry codes', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('sotto/devices');
  assert.equal(cjs.LinkOffer, api.LinkOffer);
  assert.equal(cjs.DeviceList, api.DeviceList);
  for (const [name, code] of Object.entries(api.ErrorCode)) assert.equal(chat.ErrorCode[name], code, name);
  for (const [name, code] of [['ROLLBACK', 24], ['EXPIRED', 25], ['LINK_FAILED', 27]]) assert.equal(api.ErrorCode[name], code);
  assert.ok(api.wasmMemoryBytes() > 0);
});

// The entry's own budget: the .wasm and the JavaScript a browser loads for
// `sotto/devices`, `gzip -9 -n`. 78.8 KB when set: linking needs the
// account (ML-KEM-768 and X25519 as in the chat module, for the link's
// hybrid encryption) besides Ed25519 for lists; an app that does not link
// devices never loads it. Also checked by scripts/test-wasm.sh.
const DEVICES_GZIP_BUDGET = 81_000;
test(`devices web build is at most ${DEVICES_GZIP_BUDGET} bytes gzipped`, (t) => {
  let total = 0;
  for (const name of ['sotto_devices_bg.wasm', 'sotto_devices.js', 'core.js', 'index.js']) {
    const path = fileURLToPath(new URL(`../pkg/dist/devices/web/${name}`, import.meta.url));
    const gz = execFileSync('gzip', ['-9', '-n', '-c', path], { maxBuffer: 1 << 26 }).length;
    t.diagnostic(`${name}: ${gz} bytes gzipped`);
    total += gz;
  }
  t.diagnostic(`total: ${total} bytes gzipped (budget ${DEVICES_GZIP_BUDGET})`);
  assert.ok(total <= DEVICES_GZIP_BUDGET, `devices web build ${total} bytes gzipped > ${DEVICES_GZIP_BUDGET}`);
});
