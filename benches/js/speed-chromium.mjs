// Issue 14 benchmarks in headless Chromium (Debian's, through playwright-core
// from js-tests, as js-tests/browser.test.mjs): `node speed-chromium.mjs
// [--short] VARIANT_DIR...`. Each variant's web builds (prims-web, dist/web)
// are served over HTTP with libsodium-wrappers and @noble/post-quantum from
// node_modules. Prints JSON.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../js-tests/lib/server.mjs';
import { launch, openPage } from '../../js-tests/lib/browser.mjs';

const args = process.argv.slice(2);
const short = args.includes('--short');
// --only=REGEX: only the rows whose group/name match (speed-cases.js).
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const dirs = args.filter((a) => !a.startsWith('--')).map((d) => path.resolve(d));
const here = path.dirname(fileURLToPath(import.meta.url));
const mounts = { '/bench/': here, '/': path.join(here, 'speed-page') };
dirs.forEach((d, i) => (mounts[`/v${i}/`] = d));
const server = await serve(mounts);
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  page.on('console', (m) => m.type() === 'log' && console.error(m.text()));
  const variants = dirs.map((d, i) => ({ name: path.basename(d), base: `/v${i}/` }));
  const result = await page.evaluate(
    ({ variants, short, only }) => window.runBench(variants, short, only),
    { variants, short, only },
  );
  if (errors.length) throw errors[0];
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  await server.close();
}
