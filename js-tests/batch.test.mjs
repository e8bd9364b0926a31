// Session.decryptBatch (issue 14: one call into WebAssembly for a backlog):
// the cases of browser/batch-cases.js in Node and in headless Chromium (the
// web build served over HTTP). One subtest per case.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as sotto from 'sotto';
import { run } from './browser/batch-cases.js';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

async function report(t, results) {
  assert.ok(results.length >= 6, `${results.length} cases`);
  for (const { name, ok, error } of results) {
    await t.test(name, () => assert.ok(ok, error));
  }
}

test('Session.decryptBatch in Node', async (t) => {
  await report(t, run(sotto));
});

test('Session.decryptBatch in headless Chromium', async (t) => {
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
    const { run } = await import('/batch-cases.js');
    return run(sotto);
  });
  await report(t, results);
  assert.deepEqual(errors, []);
});
