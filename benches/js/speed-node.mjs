// Issue 14 benchmarks in Node: `node speed-node.mjs [--short] VARIANT_DIR...`
// (directories written by benches/wasmspeed.sh build). Prints JSON.
import { createRequire } from 'node:module';
import path from 'node:path';
import sodium from 'libsodium-wrappers';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { runSpeed } from './speed-cases.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const short = args.includes('--short');
// --only=REGEX: only the rows whose group/name match (speed-cases.js).
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const dirs = args.filter((a) => !a.startsWith('--'));
await sodium.ready;
const variants = dirs.map((d) => ({
  name: path.basename(d),
  prims: require(path.resolve(d, 'prims-node/sotto_bench.js')),
  sotto: require(path.resolve(d, 'dist/node/index.js')),
}));
const rows = runSpeed({ sodium, mlKem: ml_kem768, variants, short, only, log: (s) => console.error(s) });
console.log(JSON.stringify({ env: `node ${process.version}`, rows }, null, 1));
