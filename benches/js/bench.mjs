// JavaScript benchmarks of Sotto (WebAssembly) against @noble/ciphers +
// @noble/curves + @noble/hashes, libsodium-wrappers and node:crypto.
//
//   node bench.mjs [--short] [--out results.json]
//
// Environment: SOTTO_PRIMS = directory of the wasm-bindgen (nodejs target)
// build of benches/src/wasm.rs (Sotto's primitive layer; the npm package
// `sotto` does not export primitives). Without it the primitive rows have no
// Sotto column.
//
// Before timing anything, every library's output is cross-checked against
// the others on the same inputs; a mismatch exits with status 1.

import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519, ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import sodium from 'libsodium-wrappers';
import * as sotto from 'sotto';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const short = args.includes('--short');
const outIndex = args.indexOf('--out');
const outPath = outIndex >= 0 ? args[outIndex + 1] : null;

// Timing: ROUNDS rounds of at least ROUND_MS each after a warm-up; the
// median round's operations per second is reported.
const ROUNDS = short ? 3 : 7;
const ROUND_MS = short ? 150 : 500;
const WARMUP_MS = short ? 100 : 400;

function measure(fn) {
  // Find a batch size that takes ~5 ms so that timer overhead is negligible.
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt > 5 || batch > 1 << 24) break;
    batch *= 2;
  }
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let ops = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ROUND_MS) {
      for (let i = 0; i < batch; i++) fn();
      ops += batch;
      t = performance.now();
    }
    rates.push((ops * 1000) / (t - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function fill(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const failures = [];
function same(what, outputs) {
  const entries = Object.entries(outputs).filter(([, v]) => v !== undefined);
  const reference = hex(entries[0][1]);
  for (const [lib, value] of entries.slice(1)) {
    if (hex(value) !== reference) failures.push(`${what}: ${lib} differs from ${entries[0][0]}`);
  }
  return entries.map(([lib]) => lib);
}

await sodium.ready;
const prims = process.env.SOTTO_PRIMS
  ? require(path.resolve(process.env.SOTTO_PRIMS, 'sotto_bench.js'))
  : null;

// node:crypto key objects from raw bytes (PKCS#8 / SPKI prefixes, RFC 8410).
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const nodeKey = (prefix, raw, isPrivate) =>
  (isPrivate ? crypto.createPrivateKey : crypto.createPublicKey)({
    key: Buffer.concat([prefix, Buffer.from(raw)]),
    format: 'der',
    type: isPrivate ? 'pkcs8' : 'spki',
  });

function nodeChachaSeal(key, nonce, aad, pt) {
  const c = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  const body = c.update(pt);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}
function nodeChachaOpen(key, nonce, aad, sealed) {
  const d = crypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const body = d.update(sealed.subarray(0, sealed.length - 16));
  d.final();
  return body;
}

const results = { rows: [], checks: [], notes: [] };
function row(group, name, libs) {
  const entry = { group, name, ops_per_sec: {} };
  for (const [lib, fn] of Object.entries(libs)) {
    if (!fn) continue;
    entry.ops_per_sec[lib] = measure(fn);
  }
  results.rows.push(entry);
  const cols = Object.entries(entry.ops_per_sec)
    .map(([lib, v]) => `${lib}=${v.toFixed(0)}/s`)
    .join('  ');
  console.log(`${group}/${name}: ${cols}`);
}

// ---------------------------------------------------------------- AEAD
const key = fill(32, 1);
const nonce12 = fill(12, 2);
const nonce24 = fill(24, 3);
const aad = fill(13, 4);
const sizes = [
  [64, '64B'],
  [1024, '1KiB'],
  [64 * 1024, '64KiB'],
  [1024 * 1024, '1MiB'],
];
for (const [size, label] of sizes) {
  const pt = fill(size, 5);
  const outs = {
    sotto: prims?.aead_seal(key, nonce12, aad, pt),
    noble: chacha20poly1305(key, nonce12, aad).encrypt(pt),
    libsodium: sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, aad, null, nonce12, key),
    node: nodeChachaSeal(key, nonce12, aad, pt),
  };
  results.checks.push({ what: `chacha20poly1305 seal ${label}`, libs: same(`chacha20poly1305 ${label}`, outs) });
  const xouts = {
    sotto: prims?.aead_seal(key, nonce24, aad, pt),
    noble: xchacha20poly1305(key, nonce24, aad).encrypt(pt),
    libsodium: sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, null, nonce24, key),
  };
  results.checks.push({ what: `xchacha20poly1305 seal ${label}`, libs: same(`xchacha20poly1305 ${label}`, xouts) });
  const sealed = outs.noble;
  const xsealed = xouts.noble;
  for (const [lib, opened] of Object.entries({
    sotto: prims?.aead_open(key, nonce12, aad, sealed),
    noble: chacha20poly1305(key, nonce12, aad).decrypt(sealed),
    libsodium: sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad, nonce12, key),
    node: nodeChachaOpen(key, nonce12, aad, sealed),
  })) {
    if (opened !== undefined && hex(opened) !== hex(pt)) failures.push(`chacha20poly1305 open ${label}: ${lib}`);
  }
  if (size >= 64 * 1024 && short) {
    // Short mode: the large sizes are timed for seal only.
  }
  row('chacha20poly1305_seal', label, {
    sotto: prims && (() => prims.aead_seal(key, nonce12, aad, pt)),
    noble: () => chacha20poly1305(key, nonce12, aad).encrypt(pt),
    libsodium: () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, aad, null, nonce12, key),
    node: () => nodeChachaSeal(key, nonce12, aad, pt),
  });
  row('chacha20poly1305_open', label, {
    sotto: prims && (() => prims.aead_open(key, nonce12, aad, sealed)),
    noble: () => chacha20poly1305(key, nonce12, aad).decrypt(sealed),
    libsodium: () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad, nonce12, key),
    node: () => nodeChachaOpen(key, nonce12, aad, sealed),
  });
  row('xchacha20poly1305_seal', label, {
    sotto: prims && (() => prims.aead_seal(key, nonce24, aad, pt)),
    noble: () => xchacha20poly1305(key, nonce24, aad).encrypt(pt),
    libsodium: () => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, null, nonce24, key),
  });
  row('xchacha20poly1305_open', label, {
    sotto: prims && (() => prims.aead_open(key, nonce24, aad, xsealed)),
    noble: () => xchacha20poly1305(key, nonce24, aad).decrypt(xsealed),
    libsodium: () => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, xsealed, aad, nonce24, key),
  });
}
results.notes.push('node:crypto has no XChaCha20-Poly1305; libsodium-wrappers (standard build) has no HKDF.');

// -------------------------------------------------------------- X25519
const xa = fill(32, 7);
const xb = fill(32, 8);
const xbPub = nobleX25519.getPublicKey(xb);
same('x25519 public key', {
  sotto: prims?.x25519_public_key(xa),
  noble: nobleX25519.getPublicKey(xa),
  libsodium: sodium.crypto_scalarmult_base(xa),
  node: crypto.createPublicKey(nodeKey(X25519_PKCS8, xa, true)).export({ format: 'der', type: 'spki' }).subarray(12),
});
const nodeXa = nodeKey(X25519_PKCS8, xa, true);
const nodeXbPub = nodeKey(X25519_SPKI, xbPub, false);
results.checks.push({
  what: 'x25519 shared secret',
  libs: same('x25519 shared secret', {
    sotto: prims?.x25519_dh(xa, xbPub),
    noble: nobleX25519.getSharedSecret(xa, xbPub),
    libsodium: sodium.crypto_scalarmult(xa, xbPub),
    node: crypto.diffieHellman({ privateKey: nodeXa, publicKey: nodeXbPub }),
  }),
});
row('x25519', 'public_key', {
  sotto: prims && (() => prims.x25519_public_key(xa)),
  noble: () => nobleX25519.getPublicKey(xa),
  libsodium: () => sodium.crypto_scalarmult_base(xa),
});
row('x25519', 'diffie_hellman', {
  sotto: prims && (() => prims.x25519_dh(xa, xbPub)),
  noble: () => nobleX25519.getSharedSecret(xa, xbPub),
  libsodium: () => sodium.crypto_scalarmult(xa, xbPub),
  node: () => crypto.diffieHellman({ privateKey: nodeXa, publicKey: nodeXbPub }),
});

// ------------------------------------------------------------- Ed25519
const seed = fill(32, 9);
const msg = fill(100, 10);
const edPub = nobleEd25519.getPublicKey(seed);
const sodiumPair = sodium.crypto_sign_seed_keypair(seed);
const nodeEdPriv = nodeKey(ED25519_PKCS8, seed, true);
const nodeEdPub = nodeKey(ED25519_SPKI, edPub, false);
const sig = nobleEd25519.sign(msg, seed);
results.checks.push({
  what: 'ed25519 signature',
  libs: same('ed25519 signature', {
    sotto: prims?.ed25519_sign(seed, msg),
    noble: sig,
    libsodium: sodium.crypto_sign_detached(msg, sodiumPair.privateKey),
    node: crypto.sign(null, msg, nodeEdPriv),
  }),
});
same('ed25519 public key', {
  sotto: prims?.ed25519_public_key(seed),
  noble: edPub,
  libsodium: sodiumPair.publicKey,
});
for (const [lib, ok] of Object.entries({
  sotto: prims?.ed25519_verify(edPub, msg, sig),
  noble: nobleEd25519.verify(sig, msg, edPub),
  libsodium: sodium.crypto_sign_verify_detached(sig, msg, edPub),
  node: crypto.verify(null, msg, nodeEdPub, sig),
})) {
  if (ok === false) failures.push(`ed25519 verify: ${lib}`);
}
row('ed25519', 'sign_100B', {
  sotto: prims && (() => prims.ed25519_sign(seed, msg)),
  noble: () => nobleEd25519.sign(msg, seed),
  libsodium: () => sodium.crypto_sign_detached(msg, sodiumPair.privateKey),
  node: () => crypto.sign(null, msg, nodeEdPriv),
});
row('ed25519', 'verify_100B', {
  sotto: prims && (() => prims.ed25519_verify(edPub, msg, sig)),
  noble: () => nobleEd25519.verify(sig, msg, edPub),
  libsodium: () => sodium.crypto_sign_verify_detached(sig, msg, edPub),
  node: () => crypto.verify(null, msg, nodeEdPub, sig),
});
results.notes.push(
  'Ed25519 sign: Sotto\'s export takes the 32-byte seed and expands it on every call (SHA-512); libsodium and node use a pre-expanded key; noble expands the seed per call too.',
);

// ---------------------------------------------------------------- HKDF
const ikm = fill(32, 11);
const salt = fill(32, 12);
const info = new TextEncoder().encode('Sotto v1 ratchet');
results.checks.push({
  what: 'hkdf-sha256 96 bytes',
  libs: same('hkdf-sha256', {
    sotto: prims?.hkdf_sha256(salt, ikm, info, 96),
    noble: nobleHkdf(sha256, ikm, salt, info, 96),
    node: new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, 96)),
  }),
});
row('hkdf_sha256', '32B_ikm_96B_out', {
  sotto: prims && (() => prims.hkdf_sha256(salt, ikm, info, 96)),
  noble: () => nobleHkdf(sha256, ikm, salt, info, 96),
  node: () => crypto.hkdfSync('sha256', ikm, salt, info, 96),
});

// ------------------------------------------------------- Sotto sessions
// The npm package: 100-byte messages, encrypt + decrypt per operation.
function sottoPair() {
  const alice = sotto.Account.create();
  const bob = sotto.Account.create();
  bob.generateOneTimePrekeys(1);
  const bundle = bob.prekeyBundle();
  const a = sotto.Session.initiate(alice, bundle, { localId: 'alice', remoteId: 'bob' });
  const first = a.encrypt(msg);
  const { session: b, plaintext } = sotto.Session.accept(bob, first, { localId: 'bob', remoteId: 'alice' });
  if (hex(plaintext) !== hex(msg)) failures.push('sotto session: first message');
  a.decrypt(b.encrypt(msg));
  return { a, b, alice, bob };
}
{
  const { a, b } = sottoPair();
  const check = b.decrypt(a.encrypt(msg));
  if (hex(check) !== hex(msg)) failures.push('sotto session: round trip');
  row('sotto_session_100B', 'burst_encrypt_decrypt', { sotto: () => b.decrypt(a.encrypt(msg)) });
  let aSends = true;
  row('sotto_session_100B', 'pingpong_encrypt_decrypt', {
    sotto: () => {
      const [s, r] = aSends ? [a, b] : [b, a];
      aSends = !aSends;
      r.decrypt(s.encrypt(msg));
    },
  });
  if (prims) {
    // The same core loop entirely inside WebAssembly (no JavaScript layer,
    // no copies across the boundary): what the package's bindings cost.
    const pair = new prims.SessionPair();
    row('sotto_session_100B', 'burst_inside_wasm', { sotto: () => pair.burst(1) });
    row('sotto_session_100B', 'pingpong_inside_wasm', { sotto: () => pair.ping_pong(1) });
    pair.free();
  }
  // What one Sotto message costs in AEAD work alone: two XChaCha20-Poly1305
  // seals and two opens (40-byte header, 128-byte padded body).
  const header = fill(40, 13);
  const body = fill(128, 14);
  const sh = xchacha20poly1305(key, nonce24, aad).encrypt(header);
  const sb = xchacha20poly1305(key, nonce24, aad).encrypt(body);
  const sodiumSh = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(header, aad, null, nonce24, key);
  const sodiumSb = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(body, aad, null, nonce24, key);
  row('sotto_session_100B', 'aead_work_of_one_message', {
    sotto: prims && (() => {
      prims.aead_seal(key, nonce24, aad, header);
      prims.aead_seal(key, nonce24, aad, body);
      prims.aead_open(key, nonce24, aad, sh);
      prims.aead_open(key, nonce24, aad, sb);
    }),
    noble: () => {
      xchacha20poly1305(key, nonce24, aad).encrypt(header);
      xchacha20poly1305(key, nonce24, aad).encrypt(body);
      xchacha20poly1305(key, nonce24, aad).decrypt(sh);
      xchacha20poly1305(key, nonce24, aad).decrypt(sb);
    },
    libsodium: () => {
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(header, aad, null, nonce24, key);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(body, aad, null, nonce24, key);
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sodiumSh, aad, nonce24, key);
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sodiumSb, aad, nonce24, key);
    },
  });
}
{
  const alice = sotto.Account.create();
  const template = sotto.Account.create();
  const storage = sotto.generateStorageKey();
  const sealedBob = template.seal(storage);
  const bundleBytes = (() => {
    const bob = sotto.Account.unseal(storage, sealedBob);
    const bytes = bob.prekeyBundle().toBytes();
    bob.free();
    return bytes;
  })();
  row('sotto_session_100B', 'handshake_verify_initiate_first_accept', {
    sotto: () => {
      const bob = sotto.Account.unseal(storage, sealedBob);
      const a = sotto.Session.initiate(alice, bundleBytes, { localId: 'alice', remoteId: 'bob' });
      const { session } = sotto.Session.accept(bob, a.encrypt(msg), { localId: 'bob', remoteId: 'alice' });
      session.free();
      a.free();
      bob.free();
    },
  });
  results.notes.push(
    'handshake_verify_initiate_first_accept includes Account.unseal of the responder (its private keys are restored each time, because accepting changes the account).',
  );
}

const version = (name) => {
  const dir = path.dirname(new URL(import.meta.url).pathname);
  return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
};
results.versions = { node: process.version };
for (const name of ['@noble/ciphers', '@noble/curves', '@noble/hashes', 'libsodium-wrappers', 'sotto']) {
  results.versions[name] = version(name);
}
results.sotto_primitives_wasm = prims ? process.env.SOTTO_PRIMS : null;
results.failures = failures;
if (outPath) writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');
if (failures.length) {
  console.error('CROSS-CHECK FAILURES:\n  ' + failures.join('\n  '));
  process.exit(1);
}
console.log(`cross-checks passed (${results.checks.length})`);
