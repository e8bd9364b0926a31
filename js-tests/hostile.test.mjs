// Hostile JavaScript values against the Node build (issue 10): the cases are
// in browser/hostile-cases.js, shared with the headless Chromium run in
// browser.test.mjs. Node provides: worker_threads for the growing buffer,
// Vue's reactivity (@vue/reactivity), Buffer and another realm's Uint8Array,
// and a separate instance of the web build for the trap test.
import test from 'node:test';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { reactive, readonly, shallowReactive } from '@vue/reactivity';
import * as sotto from 'sotto';
import { hostileCases } from './browser/hostile-cases.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('sotto/sotto.wasm');

const env = {
  reactive: { reactive, readonly, shallowReactive },
  views: [
    ['a Node Buffer (a Uint8Array subclass, in the shared pool)', (u) => Buffer.from(u)],
    [
      "another realm's Uint8Array (node:vm)",
      (u) => {
        const view = runInNewContext('new Uint8Array(n)', { n: u.length });
        Uint8Array.prototype.set.call(view, u);
        return view;
      },
    ],
  ],
  // Resolves once the worker is waiting for the go flag; `finished` resolves
  // to the number of grows. The worker is bounded by its `ms` budget.
  startGrower(data) {
    const worker = new Worker(new URL('./browser/grower.js', import.meta.url));
    return new Promise((resolve, reject) => {
      let finished;
      const done = new Promise((ok) => {
        finished = ok;
      });
      worker.on('error', reject);
      worker.on('message', (message) => {
        if (message === 'ready') resolve({ finished: done });
        else {
          finished(message);
          worker.terminate();
        }
      });
      worker.postMessage(data);
    });
  },
  // Separate instances (their own glue module and memory) of both builds.
  isolated: {
    async 'web build'() {
      const glue = await import('../pkg/dist/web/sotto_wasm.js?isolated');
      glue.initSync({ module: await readFile(wasmPath) });
      const { bind } = await import('../pkg/dist/web/api.js?isolated');
      return { glue, bind };
    },
    async 'Node build'() {
      // A second copy of the CommonJS glue, loaded past the module cache.
      const path = require.resolve('../pkg/dist/node/sotto_wasm.js');
      const cached = require.cache[path];
      delete require.cache[path];
      try {
        return { glue: require(path), bind: require('../pkg/dist/node/api.js').bind };
      } finally {
        if (cached) require.cache[path] = cached;
        else delete require.cache[path];
      }
    },
  },
};

for (const [name, fn] of hostileCases(sotto, env)) {
  test(name, { timeout: 60_000 }, async (t) => {
    const note = await fn();
    if (typeof note === 'string' && note.startsWith('skip: ')) t.skip(note.slice(6));
    else if (typeof note === 'string') t.diagnostic(note);
  });
}
