// The web build in a real browser: served over HTTP (.wasm as
// application/wasm) to headless Chromium, which runs a two-party conversation.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const dist = fileURLToPath(new URL('../pkg/dist/web/', import.meta.url));
const pages = fileURLToPath(new URL('./browser/', import.meta.url));

test('two-party conversation in headless Chromium', async (t) => {
  const server = await serve({ '/sotto/': dist, '/': pages });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);

  const result = await page.evaluate(() => import('/conversation.js').then((m) => m.run()));

  assert.equal(result.contentType, 'application/wasm');
  assert.equal(result.notReady, 'SottoError 112');
  assert.deepEqual(result.kinds, ['prekey', 'normal']);
  assert.deepEqual(result.transcript, ['Hello Bob, from Chromium', 'Hello Alice', 'early', 'late', 'after unseal']);
  assert.deepEqual(result.replay, { isSottoError: true, isError: true, code: 10, kind: 'DUPLICATE_MESSAGE' });
  assert.match(result.digitsA, /^\d{60}$/);
  assert.equal(result.digitsA, result.digitsB);
  assert.equal(result.emojiA, result.emojiB);
  assert.equal(result.freedCode, 101);
  assert.match(result.userAgent, /Chrome/);
  assert.deepEqual(errors, []);
});

// The hostile-value cases of hostile.test.mjs (browser/hostile-cases.js) in
// Chromium, cross-origin isolated (COOP + COEP) so that SharedArrayBuffer and
// its growth by a Worker are covered too. One subtest per case.
test('hostile values in headless Chromium', async (t) => {
  const vendor = fileURLToPath(new URL('./node_modules/@vue/reactivity/dist/', import.meta.url));
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const server = await serve({ '/sotto/': dist, '/vendor/': vendor, '/': pages }, { headers });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);

  const { crossOriginIsolated, results } = await page.evaluate(() => import('/hostile.js').then((m) => m.run()));

  assert.equal(crossOriginIsolated, true);
  assert.ok(results.length >= 18, `${results.length} cases`);
  for (const { name, ok, note, error } of results) {
    await t.test(name, (st) => {
      if (note?.startsWith('skip: ')) st.skip(note.slice(6));
      else if (note) st.diagnostic(note);
      assert.ok(ok, error);
    });
  }
  assert.deepEqual(errors, []);
});

// sotto/attachments in Chromium: the cases of attachments.test.mjs
// (browser/attachment-cases.js) and a 100 MiB stream. One subtest per case.
test('sotto/attachments in headless Chromium', async (t) => {
  const server = await serve({
    '/sotto-attachments/': fileURLToPath(new URL('../pkg/dist/attachments/web/', import.meta.url)),
    '/vectors/': fileURLToPath(new URL('../tests/vectors/', import.meta.url)),
    '/': pages,
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);

  const result = await page.evaluate(() => import('/attachments.js').then((m) => m.run()));

  assert.equal(result.notReady, 'SottoError 112');
  assert.equal(result.contentType, 'application/wasm');
  assert.match(result.userAgent, /Chrome/);
  assert.ok(result.results.length >= 29, `${result.results.length} cases`);
  for (const { name, ok, note, error } of result.results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
  assert.deepEqual(errors, []);
});
