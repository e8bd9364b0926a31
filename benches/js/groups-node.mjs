// Group message throughput through the npm package in Node
// (groups-cases.js): `node groups-node.mjs [--short]`. Prints JSON.
import * as api from 'sotto/groups';
import { benchGroups } from './groups-cases.js';

const rows = await benchGroups({
  api,
  short: process.argv.includes('--short'),
  now: () => performance.now(),
  log: (s) => console.error(s),
});
console.log(JSON.stringify({ env: `node ${process.version}`, rows }, null, 1));
