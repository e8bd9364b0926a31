// Measures variants of Sotto's WebAssembly primitive layer against
// libsodium-wrappers in the same process (for the experiments of
// benches/experiments.sh):
//
//   node experiment.mjs DIR [DIR...]    (each DIR: a wasm-bindgen nodejs build)
//
// Prints one JSON object: { DIR: { benchmark: ops/s }, libsodium: {...} }.
import { createRequire } from 'node:module';
import path from 'node:path';
import sodium from 'libsodium-wrappers';

const require = createRequire(import.meta.url);
await sodium.ready;

function measure(fn, rounds = 5, roundMs = 300) {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t0 > 5 || batch > 1 << 24) break;
    batch *= 2;
  }
  const rates = [];
  for (let r = 0; r < rounds + 1; r++) {
    let ops = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < roundMs) {
      for (let i = 0; i < batch; i++) fn();
      ops += batch;
      t = performance.now();
    }
    if (r > 0) rates.push((ops * 1000) / (t - t0)); // round 0: warm-up
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

const fill = (n, s) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + s) & 0xff);
const key = fill(32, 1), n12 = fill(12, 2), aad = fill(13, 4);
const p64 = fill(64, 5), p1m = fill(1 << 20, 5);
const xa = fill(32, 7), xbPub = sodium.crypto_scalarmult_base(fill(32, 8));

const out = {};
out.libsodium = {
  chacha20poly1305_seal_64B: measure(() => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(p64, aad, null, n12, key)),
  chacha20poly1305_seal_1MiB: measure(() => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(p1m, aad, null, n12, key)),
  x25519_dh: measure(() => sodium.crypto_scalarmult(xa, xbPub)),
};
for (const dir of process.argv.slice(2)) {
  const p = require(path.resolve(dir, 'sotto_bench.js'));
  const ref = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(p64, aad, null, n12, key);
  if (Buffer.compare(Buffer.from(p.aead_seal(key, n12, aad, p64)), Buffer.from(ref)) !== 0) {
    throw new Error(`${dir}: ChaCha20-Poly1305 output differs from libsodium`);
  }
  if (Buffer.compare(Buffer.from(p.x25519_dh(xa, xbPub)), Buffer.from(sodium.crypto_scalarmult(xa, xbPub))) !== 0) {
    throw new Error(`${dir}: X25519 output differs from libsodium`);
  }
  const pair = new p.SessionPair();
  out[path.basename(dir)] = {
    chacha20poly1305_seal_64B: measure(() => p.aead_seal(key, n12, aad, p64)),
    chacha20poly1305_seal_1MiB: measure(() => p.aead_seal(key, n12, aad, p1m)),
    x25519_dh: measure(() => p.x25519_dh(xa, xbPub)),
    session_burst_inside_wasm: measure(() => pair.burst(1)),
    session_pingpong_inside_wasm: measure(() => pair.ping_pong(1)),
  };
}
console.log(JSON.stringify(out, null, 2));
