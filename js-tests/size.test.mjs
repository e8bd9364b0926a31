// The size budget of the web build (issue 14): the .wasm and the JavaScript
// a browser loads, each compressed with `gzip -9 -n`, at most 100 KB in total
// (scripts/test-wasm.sh prints and checks the same sum). GNU gzip, not
// node:zlib, because the budget is stated in gzip -9 bytes and the two
// compressors differ by several hundred bytes on the .wasm.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WEB_GZIP_BUDGET = 100_000;
const FILES = ['sotto_wasm_bg.wasm', 'sotto_wasm.js', 'api.js', 'index.js'];

test(`web build is at most ${WEB_GZIP_BUDGET} bytes gzipped`, (t) => {
  let total = 0;
  for (const name of FILES) {
    const path = fileURLToPath(new URL(`../pkg/dist/web/${name}`, import.meta.url));
    const gz = execFileSync('gzip', ['-9', '-n', '-c', path], { maxBuffer: 1 << 26 }).length;
    t.diagnostic(`${name}: ${gz} bytes gzipped`);
    total += gz;
  }
  t.diagnostic(`total: ${total} bytes gzipped (budget ${WEB_GZIP_BUDGET})`);
  assert.ok(total <= WEB_GZIP_BUDGET, `web build ${total} bytes gzipped > ${WEB_GZIP_BUDGET}`);
});
