// sotto/groups and sotto/devices in headless Chromium: the cases of
// groups.test.mjs and devices.test.mjs (browser/group-cases.js,
// browser/device-cases.js), served over HTTP (.wasm as application/wasm).
// One subtest per case.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const dir = (path) => fileURLToPath(new URL(path, import.meta.url));

test('sotto/groups and sotto/devices in headless Chromium', async (t) => {
  const server = await serve({
    '/sotto/': dir('../pkg/dist/web/'),
    '/sotto-groups/': dir('../pkg/dist/groups/web/'),
    '/sotto-devices/': dir('../pkg/dist/devices/web/'),
    '/vectors/': dir('../tests/vectors/'),
    '/': dir('./browser/'),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);

  const result = await page.evaluate(() => import('/people.js').then((m) => m.run()));

  assert.deepEqual(result.notReady, ['SottoError 112', 'SottoError 112']);
  assert.deepEqual(result.contentTypes, ['application/wasm', 'application/wasm']);
  assert.match(result.userAgent, /Chrome/);
  assert.ok(result.groupResults.length >= 10, `${result.groupResults.length} group cases`);
  assert.ok(result.deviceResults.length >= 7, `${result.deviceResults.length} device cases`);
  for (const [entry, results] of [['groups', result.groupResults], ['devices', result.deviceResults]]) {
    for (const { name, ok, note, error } of results) {
      await t.test(`${entry}: ${name}`, (st) => {
        if (note) st.diagnostic(String(note));
        assert.ok(ok, error);
      });
    }
  }
  assert.deepEqual(errors, []);
});
