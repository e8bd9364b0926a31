// Runs burst-layers.js: `node burst-layers.mjs node|chromium VARIANT_DIR...`
// (directories written by benches/wasmspeed.sh build). Prints JSON.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLayers } from './burst-layers.js';

const [where, ...dirs] = process.argv.slice(2);
const log = (s) => console.error(s);
if (where === 'node') {
  const require = createRequire(import.meta.url);
  const variants = dirs.map((d) => ({
    name: path.basename(d),
    prims: require(path.resolve(d, 'prims-node/sotto_bench.js')),
    glue: require(path.resolve(d, 'dist/node/sotto_wasm.js')),
    sotto: require(path.resolve(d, 'dist/node/index.js')),
  }));
  console.log(JSON.stringify({ env: `node ${process.version}`, layers: runLayers({ variants, log }) }));
} else {
  const { serve } = await import('../../js-tests/lib/server.mjs');
  const { launch, openPage } = await import('../../js-tests/lib/browser.mjs');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const mounts = { '/bench/': here, '/': path.join(here, 'speed-page') };
  dirs.forEach((d, i) => (mounts[`/v${i}/`] = path.resolve(d)));
  const server = await serve(mounts);
  const browser = await launch();
  try {
    const { page, errors } = await openPage(browser.context, `${server.url}/`);
    page.on('console', (m) => m.type() === 'log' && log(m.text()));
    const list = dirs.map((d, i) => ({ name: path.basename(d), base: `/v${i}/` }));
    const layers = await page.evaluate(async (list) => {
      const { runLayers } = await import('/bench/burst-layers.js');
      const variants = [];
      for (const { name, base } of list) {
        const prims = await import(`${base}prims-web/sotto_bench.js`);
        await prims.default({ module_or_path: `${base}prims-web/sotto_bench_bg.wasm` });
        const sotto = await import(`${base}dist/web/index.js`);
        await sotto.default();
        const glue = await import(`${base}dist/web/sotto_wasm.js`);
        variants.push({ name, prims, glue, sotto });
      }
      return runLayers({ variants, log: (s) => console.log(s) });
    }, list);
    if (errors.length) throw errors[0];
    console.log(JSON.stringify({ env: 'chromium', layers }));
  } finally {
    await browser.close();
    await server.close();
  }
}
