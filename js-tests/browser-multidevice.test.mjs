// sotto/multidevice in headless Chromium: the cases of multidevice.test.mjs
// (browser/multidevice-cases.js), served over HTTP (.wasm as
// application/wasm), with sotto/devices for people's signed lists. One
// subtest per case.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const dir = (path) => fileURLToPath(new URL(path, import.meta.url));

test('sotto/multidevice in headless Chromium', async (t) => {
  const server = await serve({
    '/sotto-multidevice/': dir('../pkg/dist/multidevice/web/'),
    '/sotto-devices/': dir('../pkg/dist/devices/web/'),
    '/vectors/': dir('../tests/vectors/'),
    '/': dir('./browser/'),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);

  const result = await page.evaluate(() => import('/multidevice.js').then((m) => m.run()));

  assert.deepEqual(result.notReady, ['SottoError 112']);
  assert.equal(result.contentType, 'application/wasm');
  assert.match(result.userAgent, /Chrome/);
  assert.ok(result.results.length >= 8, `${result.results.length} cases`);
  for (const { name, ok, note, error } of result.results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(String(note));
      assert.ok(ok, error);
    });
  }
  assert.deepEqual(errors, []);
});
