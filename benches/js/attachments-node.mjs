// Attachment throughput in Node (attachments-cases.js):
// `node attachments-node.mjs [--short]`. Prints JSON.
import sodium from 'libsodium-wrappers-sumo';
import * as api from 'sotto/attachments';
import { benchAttachments } from './attachments-cases.js';

await sodium.ready;
const rows = await benchAttachments({
  api,
  sodium,
  short: process.argv.includes('--short'),
  now: () => performance.now(),
  log: (s) => console.error(s),
});
console.log(JSON.stringify({ env: `node ${process.version}`, rows }, null, 1));
