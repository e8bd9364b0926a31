// Issue 14, the 100-byte session burst: where a package call's time goes.
// Times the same encrypt+decrypt through each layer, interleaved as
// speed-cases.js does, plus the pieces of JavaScript work a call does:
//   package   sotto's Session.encrypt/decrypt (pkg/src/api.js over the glue)
//   glue      the raw wasm-bindgen classes of bindings/wasm (no api.js)
//   wasm      benches/src/wasm.rs SessionPair.burst(1): both calls inside wasm
//   rng24     crypto.getRandomValues on a 24-byte view of wasm memory, as
//             getrandom's import does (one per encrypt)
//   copy100   api.js's private copy of a 100-byte argument (a view + a copy)
//   slice150  a 150-byte slice out of wasm memory (the glue's output copy)
// Runs in Node and in a page (burst-layers.mjs).

import { measureInterleaved } from './speed-cases.js';

const enc = new TextEncoder();

export function runLayers({ variants, rounds = 7, ms = 250, log = () => {} }) {
  const msg = new Uint8Array(100).map((_, i) => (i * 7 + 3) & 0xff);
  const fns = {};
  for (const { name, sotto, glue, prims } of variants) {
    const alice = sotto.Account.create();
    const bob = sotto.Account.create();
    bob.generateOneTimePrekeys(1);
    const a = sotto.Session.initiate(alice, bob.prekeyBundle(), { localId: 'alice', remoteId: 'bob' });
    const { session: b } = sotto.Session.accept(bob, a.encrypt(msg), { localId: 'bob', remoteId: 'alice' });
    a.decrypt(b.encrypt(msg));
    fns[`${name}:package`] = () => b.decrypt(a.encrypt(msg));

    // Builds of this branch take inputs through the module's I/O buffer.
    let enc1 = (s, m) => s.encrypt(m);
    let dec1 = (s, m) => s.decrypt(m);
    if (glue.io_memory) {
      const mem = glue.io_memory();
      const io = (s, m, run) => {
        const at = s.io_reserve(m.length);
        new Uint8Array(mem.buffer).set(m, at);
        const n = run(m.length);
        return new Uint8Array(mem.buffer, s.io_ptr(), n).slice();
      };
      enc1 = (s, m) => io(s, m, (n) => s.encrypt(n));
      dec1 = (s, m) => io(s, m, (n) => s.decrypt(n));
    }
    const ra0 = glue.WasmAccount.create();
    const rb0 = glue.WasmAccount.create();
    rb0.generate_one_time_prekeys(1);
    const ra = glue.WasmSession.initiate(ra0, rb0.prekey_bundle(false), enc.encode('alice'), enc.encode('bob'));
    const rb = glue.WasmSession.accept(rb0, enc1(ra, msg), enc.encode('bob'), enc.encode('alice'), undefined);
    dec1(ra, enc1(rb, msg));
    fns[`${name}:glue`] = () => dec1(rb, enc1(ra, msg));

    if (prims) {
      const pair = new prims.SessionPair();
      fns[`${name}:wasm`] = () => pair.burst(1);
    }
  }
  // JavaScript pieces (module-independent).
  const memory = new WebAssembly.Memory({ initial: 2 });
  const rng = globalThis.crypto;
  fns.rng24 = () => rng.getRandomValues(new Uint8Array(memory.buffer).subarray(1000, 1024));
  const set = Function.prototype.call.bind(Object.getPrototypeOf(Uint8Array.prototype).set);
  fns.copy100 = () => {
    const view = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
    const copy = new Uint8Array(100);
    set(copy, view);
    return copy;
  };
  fns.slice150 = () => new Uint8Array(memory.buffer).subarray(2000, 2150).slice();
  const r = measureInterleaved(fns, { rounds, ms });
  const out = {};
  for (const [k, v] of Object.entries(r)) {
    out[k] = { ops_per_sec: Math.round(v), us: +(1e6 / v).toFixed(3) };
    log(`${k}: ${Math.round(v)}/s ${(1e6 / v).toFixed(3)} us`);
  }
  return out;
}
