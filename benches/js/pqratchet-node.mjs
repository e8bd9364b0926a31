// Ratchet version 2 against version 1 through the npm package in Node
// (pqratchet-cases.js), and vodozemac (Olm) in WebAssembly when its module
// was built (benches/js/pqratchet-olm.sh; SOTTO_OLM or
// bench-results/wasm-olm/node): `node pqratchet-node.mjs [--short]`.
// Prints JSON.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from 'sotto';
import { benchPqRatchet } from './pqratchet-cases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const olmDir = process.env.SOTTO_OLM ?? path.join(here, '../../bench-results/wasm-olm/node');
const olmFile = path.join(olmDir, 'sotto_bench.js');
const olm = fs.existsSync(olmFile) ? createRequire(import.meta.url)(olmFile) : undefined;
if (!olm) console.error(`pqratchet: no ${olmFile} (benches/js/pqratchet-olm.sh): vodozemac not measured`);

const rows = await benchPqRatchet({
  api,
  olm,
  short: process.argv.includes('--short'),
  now: () => performance.now(),
  log: (s) => console.error(s),
});
console.log(JSON.stringify({ env: `node ${process.version}`, rows }, null, 1));
