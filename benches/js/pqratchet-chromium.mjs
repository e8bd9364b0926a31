// Ratchet version 2 against version 1 in headless Chromium (pqratchet-cases.js), Debian's
// Chromium through playwright-core from js-tests, as the other browser
// benches, and vodozemac (Olm) in WebAssembly when its module was built
// (benches/js/pqratchet-olm.sh; SOTTO_OLM_WEB or bench-results/wasm-olm/web):
// `node pqratchet-chromium.mjs [--short]`. Prints JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../js-tests/lib/server.mjs';
import { launch, openPage } from '../../js-tests/lib/browser.mjs';

const short = process.argv.includes('--short');
const here = path.dirname(fileURLToPath(import.meta.url));
const olmDir = process.env.SOTTO_OLM_WEB ?? path.join(here, '../../bench-results/wasm-olm/web');
const withOlm = fs.existsSync(path.join(olmDir, 'sotto_bench.js'));
if (!withOlm) console.error(`pqratchet: no ${olmDir}/sotto_bench.js (benches/js/pqratchet-olm.sh): vodozemac not measured`);
const server = await serve({
  '/bench/': here,
  ...(withOlm ? { '/olm/': olmDir } : {}),
  '/sotto/': path.join(here, '../../pkg/dist/web'),
  '/': path.join(here, 'pqratchet-page'),
});
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  page.on('console', (m) => m.type() === 'log' && console.error(m.text()));
  await page.waitForFunction(() => window.benchReady === true);
  const result = await page.evaluate(([s, o]) => window.runBench(s, o), [short, withOlm]);
  if (errors.length) throw errors[0];
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  await server.close();
}
