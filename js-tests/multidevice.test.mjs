// `sotto/multidevice` (session records, PROTOCOL.md §17; sending to a
// person, §20) in Node: the shared cases of browser/multidevice-cases.js
// (the records and fan-out known-answer vectors replayed, a conversation of
// two people with two devices each, failures that change nothing, seal and
// unseal), both module systems, the main API over the same module, and the
// entry's own size budget. The same cases run in Chromium
// (browser-multidevice.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'sotto/multidevice';
import * as main from 'sotto';
import * as devices from 'sotto/devices';
import { run } from './browser/multidevice-cases.js';

const load = (name) => JSON.parse(readFileSync(new URL(`../tests/vectors/sotto-v1-${name}.json`, import.meta.url), 'utf8'));

test('shared multidevice cases (vectors, conversation, failures, seal)', async (t) => {
  const results = await run(api, devices, { records: load('records'), fanout: load('fanout') });
  assert.ok(results.length >= 8, `${results.length} cases`);
  for (const { name, ok, error, note } of results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
});

test('the main API over its own module; CommonJS and ESM are the same objects', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('sotto/multidevice');
  for (const name of Object.keys(main)) {
    assert.ok(name in api, `sotto/multidevice exports ${name}`);
    assert.equal(typeof api[name], typeof main[name], name);
  }
  for (const name of ['SessionRecord', 'Contact', 'sendToPerson', 'Account', 'Session']) assert.equal(cjs[name], api[name], name);
  assert.deepEqual({ ...api.ErrorCode }, { ...main.ErrorCode });
  assert.equal(api.ErrorCode.UNKNOWN_DEVICE, 28);
  // Two modules: objects of the main entry are not this entry's.
  const account = main.Account.create();
  assert.notEqual(api.Account, main.Account);
  assert.throws(
    () => api.SessionRecord.create().initiate(account, account.prekeyBundle(), { localId: 'a', remoteId: 'b' }),
    (e) => e instanceof api.SottoError && e.code === api.ErrorCode.WRONG_ARGUMENT_TYPE,
  );
  account.free();
  assert.equal('SessionRecord' in main, false, 'the main entry is unchanged');
});

// The entry's own budget: the .wasm and the JavaScript a browser loads for
// `sotto/multidevice`, `gzip -9 -n`. The main entry's module with records
// (+6.8 KB .wasm) and contacts (+12.3 KB), its larger glue (+1.0 KB) and
// records.js (2.4 KB): 120,744 B when set, against 98,217 B for `sotto`.
// An app that sends to people loads it instead of `sotto`, never both.
// Also checked by scripts/test-wasm.sh.
const MULTIDEVICE_GZIP_BUDGET = 124_000;
test(`multidevice web build is at most ${MULTIDEVICE_GZIP_BUDGET} bytes gzipped`, (t) => {
  let total = 0;
  for (const name of ['sotto_wasm_bg.wasm', 'sotto_wasm.js', 'api.js', 'records.js', 'index.js']) {
    const path = fileURLToPath(new URL(`../pkg/dist/multidevice/web/${name}`, import.meta.url));
    const gz = execFileSync('gzip', ['-9', '-n', '-c', path], { maxBuffer: 1 << 26 }).length;
    t.diagnostic(`${name}: ${gz} bytes gzipped`);
    total += gz;
  }
  t.diagnostic(`total: ${total} bytes gzipped (budget ${MULTIDEVICE_GZIP_BUDGET})`);
  assert.ok(total <= MULTIDEVICE_GZIP_BUDGET, `multidevice web build ${total} bytes gzipped > ${MULTIDEVICE_GZIP_BUDGET}`);
});
