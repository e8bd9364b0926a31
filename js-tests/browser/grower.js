// A worker (Node worker_threads or a browser module Worker) that grows a
// growable SharedArrayBuffer in small steps while the main thread passes a
// view of it to Sotto (hostile-cases.js). Bounded: it stops at the buffer's
// maxByteLength, when told to, or after `ms` milliseconds.
//
// Message in: { sab, control, step, ms }; `control` is an Int32Array over a
// SharedArrayBuffer: [0] go (set by the main thread), [1] stop (main thread),
// [2] done (set here). Messages out: 'ready', then the number of grows.
function grow({ sab, control, step, ms }) {
  const flags = new Int32Array(control);
  Atomics.wait(flags, 0, 0, 5000);
  const deadline = Date.now() + ms;
  let grows = 0;
  while (Atomics.load(flags, 1) === 0 && sab.byteLength + step <= sab.maxByteLength && Date.now() < deadline) {
    sab.grow(sab.byteLength + step);
    grows += 1;
  }
  Atomics.store(flags, 2, 1);
  return grows;
}

if (typeof WorkerGlobalScope !== 'undefined') {
  self.onmessage = (event) => {
    self.postMessage('ready');
    self.postMessage(grow(event.data));
  };
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort.once('message', (data) => {
    parentPort.postMessage('ready');
    parentPort.postMessage(grow(data));
  });
}
