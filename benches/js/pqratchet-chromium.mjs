// Ratchet version 2 against version 1 in headless Chromium (pqratchet-cases.js), Debian's
// Chromium through playwright-core from js-tests, as the other browser
// benches: `node pqratchet-chromium.mjs [--short]`. Prints JSON.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../js-tests/lib/server.mjs';
import { launch, openPage } from '../../js-tests/lib/browser.mjs';

const short = process.argv.includes('--short');
const here = path.dirname(fileURLToPath(import.meta.url));
const server = await serve({
  '/bench/': here,
  '/sotto/': path.join(here, '../../pkg/dist/web'),
  '/': path.join(here, 'pqratchet-page'),
});
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  page.on('console', (m) => m.type() === 'log' && console.error(m.text()));
  await page.waitForFunction(() => window.benchReady === true);
  const result = await page.evaluate((s) => window.runBench(s), short);
  if (errors.length) throw errors[0];
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  await server.close();
}
