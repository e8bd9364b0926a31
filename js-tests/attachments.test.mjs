// `sotto/attachments` (PROTOCOL.md §16) in Node: the shared cases of
// browser/attachment-cases.js (known-answer vectors through the streams,
// refused streams with typed errors, random access), a 100 MiB stream whose
// wasm memory and process RSS stay flat, both module systems, and the
// entry's own size budget. The same cases run in Chromium (browser.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'sotto/attachments';
import * as chat from 'sotto';
import { run } from './browser/attachment-cases.js';

const vectors = JSON.parse(readFileSync(new URL('../tests/vectors/sotto-v1-attachments.json', import.meta.url), 'utf8'));

test('shared attachment cases (vectors, refused streams, random access)', async (t) => {
  const results = await run(api, vectors);
  assert.ok(results.length >= 28, `${results.length} cases`);
  for (const { name, ok, error, note } of results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
});

test('100 MiB through encrypt and decrypt streams: wasm memory and RSS stay flat', async (t) => {
  // A 10 MiB run first (it warms the heap up), then 100 MiB: the peak RSS
  // must not grow with the file. Sampled at every output chunk (the streams
  // run in microtasks: a timer would not fire until they end).
  const peaks = [];
  for (const bigMiB of [10, 100]) {
    let rssMax = process.memoryUsage.rss();
    const sample = () => (rssMax = Math.max(rssMax, process.memoryUsage.rss()));
    const [result] = (await run(api, { cases: [], invalid_descriptors: [] }, { bigMiB, sample })).filter((x) =>
      x.name.includes('MiB stream'),
    );
    t.diagnostic(`${bigMiB} MiB: ${result.note ?? result.error}; peak RSS ${(rssMax / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(result.ok, result.error);
    peaks.push(rssMax);
  }
  // Buffering the file would add at least 90 MiB between the two runs.
  assert.ok(peaks[1] - peaks[0] < 24 * 2 ** 20, `peak RSS ${peaks[0]} at 10 MiB, ${peaks[1]} at 100 MiB`);
});

test('CommonJS and ESM entries are the same objects; errors share the main entry codes', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('sotto/attachments');
  assert.equal(cjs.createEncryptStream, api.createEncryptStream);
  assert.equal(cjs.SottoError, api.SottoError);
  for (const [name, code] of Object.entries(api.ErrorCode)) {
    assert.equal(chat.ErrorCode[name], code, name);
  }
  // A separate class from the main entry's (documented): same name and fields.
  let error;
  try {
    api.decodeDescriptor(new Uint8Array([1]));
  } catch (e) {
    error = e;
  }
  assert.equal(error.name, 'SottoError');
  assert.equal(error.code, chat.ErrorCode.TRUNCATED);
  assert.equal(error.kind, 'TRUNCATED');
  assert.match(error.message, /^TRUNCATED \(sotto error 1\): /);
});

test('works with a fetch body (Response) and Blob.stream()', async () => {
  const file = new Blob([new Uint8Array(200_000).fill(7)]);
  const enc = api.createEncryptStream({ contentType: 'application/octet-stream' });
  const uploaded = await new Response(file.stream().pipeThrough(enc)).arrayBuffer();
  const descriptor = await enc.descriptor;
  const body = new Response(uploaded).body;
  const plain = new Uint8Array(await new Response(body.pipeThrough(api.createDecryptStream(descriptor))).arrayBuffer());
  assert.equal(plain.length, 200_000);
  assert.ok(plain.every((b) => b === 7));
});

// The entry's own budget, separate from the chat module's (size.test.mjs):
// the .wasm and the JavaScript a browser loads for `sotto/attachments`,
// `gzip -9 -n`. 32.4 KB when set.
const ATTACHMENTS_GZIP_BUDGET = 34_000;
test(`attachments web build is at most ${ATTACHMENTS_GZIP_BUDGET} bytes gzipped`, (t) => {
  let total = 0;
  for (const name of ['sotto_attachments_bg.wasm', 'sotto_attachments.js', 'core.js', 'index.js']) {
    const path = fileURLToPath(new URL(`../pkg/dist/attachments/web/${name}`, import.meta.url));
    const gz = execFileSync('gzip', ['-9', '-n', '-c', path], { maxBuffer: 1 << 26 }).length;
    t.diagnostic(`${name}: ${gz} bytes gzipped`);
    total += gz;
  }
  t.diagnostic(`total: ${total} bytes gzipped (budget ${ATTACHMENTS_GZIP_BUDGET})`);
  assert.ok(total <= ATTACHMENTS_GZIP_BUDGET, `attachments web build ${total} bytes gzipped > ${ATTACHMENTS_GZIP_BUDGET}`);
});

test("README's attachments example runs and prints what its comments say", async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- js-attachments:start -->\n```js\n([\s\S]*?)```/);
  assert.ok(block, 'js-attachments block missing');
  const dir = new URL('./artifacts/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL('readme-attachments.mjs', dir);
  await writeFile(file, block[1]);
  const output = execFileSync(process.execPath, [fileURLToPath(file)], { encoding: 'utf8' });
  const expected = [...block[1].matchAll(/console\.log\(.*\); \/\/ "(.*)"/g)].map((m) => m[1]);
  assert.deepEqual(expected, ['a photo, a voice note or a 2 GB video', 'photo']);
  assert.deepEqual(output.trim().split('\n'), expected);
});
