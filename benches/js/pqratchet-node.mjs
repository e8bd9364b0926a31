// Ratchet version 2 against version 1 through the npm package in Node
// (pqratchet-cases.js): `node pqratchet-node.mjs [--short]`. Prints JSON.
import * as api from 'sotto';
import { benchPqRatchet } from './pqratchet-cases.js';

const rows = await benchPqRatchet({
  api,
  short: process.argv.includes('--short'),
  now: () => performance.now(),
  log: (s) => console.error(s),
});
console.log(JSON.stringify({ env: `node ${process.version}`, rows }, null, 1));
