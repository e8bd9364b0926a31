// Ratchet version 2 (issue 15, PROTOCOL.md §22) in the npm package: the
// cases of browser/pqratchet-cases.js in Node and in headless Chromium (the
// web build served over HTTP). One subtest per case.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as sotto from 'sotto';
import { run } from './browser/pqratchet-cases.js';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

async function report(t, results) {
  assert.ok(results.length >= 10, `${results.length} cases`);
  for (const { name, ok, error, note } of results) {
    await t.test(name, (st) => {
      if (note) st.diagnostic(note);
      assert.ok(ok, error);
    });
  }
}

test('ratchet version 2 in Node', async (t) => {
  await report(t, run(sotto));
});

test('ratchet version 2 in headless Chromium', async (t) => {
  const server = await serve({
    '/sotto/': fileURLToPath(new URL('../pkg/dist/web/', import.meta.url)),
    '/': fileURLToPath(new URL('./browser/', import.meta.url)),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  const results = await page.evaluate(async () => {
    const sotto = await import('/sotto/index.js');
    await sotto.default();
    const { run } = await import('/pqratchet-cases.js');
    return run(sotto);
  });
  await report(t, results);
  assert.deepEqual(errors, []);
});
