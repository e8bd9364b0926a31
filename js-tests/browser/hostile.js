// Runs in Chromium (served by browser.test.mjs, cross-origin isolated so that
// SharedArrayBuffer exists): the hostile-value cases of hostile-cases.js
// against the web build, with a module Worker growing the shared buffer,
// Vue's reactivity, an iframe's Uint8Array, and a second instance of the
// web build for the trap case.
import { hostileCases } from '/hostile-cases.js';

export async function run() {
  const sotto = await import('/sotto/index.js');
  await sotto.default();
  const { reactive, readonly, shallowReactive } = await import('/vendor/reactivity.esm-browser.prod.js');
  const wasm = new Uint8Array(await (await fetch('/sotto/sotto_wasm_bg.wasm')).arrayBuffer());
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const Foreign = frame.contentWindow.Uint8Array;
  const env = {
    reactive: { reactive, readonly, shallowReactive },
    views: [
      [
        "an iframe's Uint8Array (another realm)",
        (u) => {
          const view = new Foreign(u.length);
          Uint8Array.prototype.set.call(view, u);
          return view;
        },
      ],
    ],
    startGrower(data) {
      const worker = new Worker('/grower.js', { type: 'module' });
      return new Promise((resolve, reject) => {
        let finished;
        const done = new Promise((ok) => {
          finished = ok;
        });
        worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
        worker.onmessage = ({ data: message }) => {
          if (message === 'ready') resolve({ finished: done });
          else {
            finished(message);
            worker.terminate();
          }
        };
        worker.postMessage(data);
      });
    },
    isolated: {
      async 'web build'() {
        const glue = await import('/sotto/sotto_wasm.js?isolated');
        glue.initSync({ module: wasm });
        const { bind } = await import('/sotto/api.js?isolated');
        return { glue, bind };
      },
    },
  };
  const results = [];
  for (const [name, fn] of hostileCases(sotto, env)) {
    try {
      const note = await fn();
      results.push({ name, ok: true, note: typeof note === 'string' ? note : undefined });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  }
  return { crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent, results };
}
