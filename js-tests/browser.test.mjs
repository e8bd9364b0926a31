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
  assert.equal(result.notReady, 'SottoError 102');
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
