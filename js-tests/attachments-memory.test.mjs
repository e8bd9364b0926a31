// sotto/attachments: memory stays flat (chunk-sized) while streaming, in
// Node and in headless Chromium. Each run streams a file generated on the
// fly through an encrypt stream, then (same test key, same ciphertext)
// through encrypt and decrypt streams piped together, checking every output
// chunk (browser/attachment-cases.js, case "MiB stream"). A 10 MiB run
// first (it grows the heaps to their working size), then 100 MiB. Asserted:
//   - the wasm module's memory (api.wasmMemoryBytes(), sampled at every
//     output chunk; it only grows, so a per-chunk leak would show): growth
//     at most 4 MiB in each run, in Node and in Chromium;
//   - Node: peak process RSS and peak JS heap + ArrayBuffer bytes of the
//     100 MiB run at most 32 / 24 MiB above the 10 MiB run's (with a full
//     collection forced every 1 MiB of output, so that the peaks measure
//     what the streams keep rather than V8's garbage heuristics);
//   - Chromium: JS heap live after a forced collection at most 24 MiB more
//     after the 100 MiB run than before it (the peak usedJSHeapSize is only
//     reported: the page collects at idle time, so it counts garbage).
// A buffered 100 MiB file would exceed each bound several times over.
// SOTTO_ATTACHMENT_MIB=1024 streams 1 GiB instead (opt-in, minutes of CPU:
// `scripts/bench-attachments.sh --memory-gib`); the bounds stay the same,
// which is the point.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as api from 'sotto/attachments';
import { run } from './browser/attachment-cases.js';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const MIB = Number(process.env.SOTTO_ATTACHMENT_MIB ?? 100);
// A warm-up run first: the heaps grow to their working size with it.
const WARM = 10;
// Bounds, independent of the file size: a buffered 100 MiB file would
// exceed each of them several times over.
const WASM_GROWTH = 4 << 20;
const RSS_GROWTH = 32 << 20;
const HEAP_GROWTH = 24 << 20;

function mib(n) {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

// Streams `mib` MiB through the shared case and returns it with the time.
async function stream(runCases, apiObject, mib, sample) {
  const started = Date.now();
  const results = await runCases(apiObject, { cases: [], invalid_descriptors: [] }, { bigMiB: mib, sample });
  const result = results.find((x) => x.name.includes('MiB stream'));
  return { result, seconds: (Date.now() - started) / 1000 };
}

function wasmGrowth(result) {
  return Number(/growth (\d+)/.exec(result?.note ?? '')?.[1]);
}

// `gc()` without the --expose-gc command-line flag.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

test(`Node: ${WARM} MiB then ${MIB} MiB through encrypt and decrypt streams, memory flat`, async (t) => {
  // Peak RSS and peak JS heap + ArrayBuffers over each run; the warm-up run
  // grows the heaps to their working size, so the second run's peaks must
  // not exceed the first's by more than the bounds.
  const peaks = [];
  for (const size of [WARM, MIB]) {
    const peak = { rss: 0, js: 0 };
    let chunks = 0;
    const sample = () => {
      // A full collection every 16 output chunks (1 MiB of file): V8
      // otherwise lets garbage pile up to a heap limit that grows with the
      // run, and the peaks would measure its heuristics, not what the
      // streams keep.
      if (++chunks % 16 === 0) gc();
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.js = Math.max(peak.js, m.heapUsed + m.arrayBuffers);
    };
    sample();
    const { result, seconds } = await stream(run, api, size, sample);
    assert.ok(result?.ok, result?.error);
    t.diagnostic(
      `${size} MiB, 3 passes, ${seconds.toFixed(1)} s (${((3 * size) / seconds).toFixed(0)} MiB/s); ${result.note}; ` +
        `peak RSS ${mib(peak.rss)}, peak JS heap + ArrayBuffers ${mib(peak.js)}`,
    );
    assert.ok(wasmGrowth(result) <= WASM_GROWTH, `wasm memory grew by ${wasmGrowth(result)}`);
    peaks.push(peak);
  }
  const rssGrowth = peaks[1].rss - peaks[0].rss;
  const jsGrowth = peaks[1].js - peaks[0].js;
  t.diagnostic(`${WARM} -> ${MIB} MiB: peak RSS ${mib(rssGrowth)}, peak JS heap + ArrayBuffers ${mib(jsGrowth)}`);
  assert.ok(rssGrowth < RSS_GROWTH, `peak RSS grew by ${mib(rssGrowth)}`);
  assert.ok(jsGrowth < HEAP_GROWTH, `peak JS heap + ArrayBuffers grew by ${mib(jsGrowth)}`);
});

test(`headless Chromium: ${WARM} MiB then ${MIB} MiB through encrypt and decrypt streams, memory flat`, async (t) => {
  const server = await serve({
    '/sotto-attachments/': fileURLToPath(new URL('../pkg/dist/attachments/web/', import.meta.url)),
    '/': fileURLToPath(new URL('./browser/', import.meta.url)),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  // The page's own GC runs at idle time, which a stream running in
  // microtasks never leaves: the peak usedJSHeapSize counts garbage and is
  // only reported. What is asserted: the wasm memory's peak, and the JS
  // heap still in use after a collection forced through DevTools
  // (HeapProfiler.collectGarbage), before and after each stream.
  const cdp = await browser.context.newCDPSession(page);
  const liveHeap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  await page.evaluate(async (streamSource) => {
    const api = await import('/sotto-attachments/index.js');
    await api.default();
    const { run } = await import('/attachment-cases.js');
    globalThis.streamOnce = async (size) => {
      const stream = (0, eval)(`(${streamSource})`);
      let peak = performance.memory?.usedJSHeapSize ?? 0;
      const sample = () => (peak = Math.max(peak, performance.memory?.usedJSHeapSize ?? 0));
      const { result, seconds } = await stream(run, api, size, sample);
      return { result, seconds, peak };
    };
  }, stream.toString());
  const live = [await liveHeap()];
  for (const size of [WARM, MIB]) {
    const { result, seconds, peak } = await page.evaluate((n) => globalThis.streamOnce(n), size);
    live.push(await liveHeap());
    t.diagnostic(
      `${size} MiB, 3 passes, ${seconds.toFixed(1)} s (${((3 * size) / seconds).toFixed(0)} MiB/s); ` +
        `${result?.note ?? result?.error}; peak usedJSHeapSize ${mib(peak)} (with garbage); ` +
        `live JS heap after GC ${mib(live.at(-1))}`,
    );
    assert.ok(result?.ok, result?.error);
    assert.ok(wasmGrowth(result) <= WASM_GROWTH, `wasm memory grew by ${wasmGrowth(result)}`);
  }
  assert.deepEqual(errors, []);
  const retained = live[2] - live[1];
  t.diagnostic(`live JS heap: before ${mib(live[0])}, after ${WARM} MiB ${mib(live[1])}, after ${MIB} MiB ${mib(live[2])}`);
  assert.ok(retained < HEAP_GROWTH, `the ${MIB} MiB stream left ${mib(retained)} more live JS heap`);
});
