// Issue 14: Sotto's WebAssembly against libsodium-wrappers (AEAD, X25519,
// Ed25519) and @noble/post-quantum (ML-KEM-768), in the same process, with
// interleaved rounds, plus sessions through the npm package. Runs unchanged
// in Node (speed-node.mjs) and in a browser page (speed-chromium.mjs).
//
// runSpeed({ sodium, mlKem, variants: [{ name, prims, sotto }], short })
//   sodium   libsodium-wrappers (after `await sodium.ready`)
//   mlKem    @noble/post-quantum's ml_kem768
//   prims    the wasm-bindgen glue of benches/src/wasm.rs (Sotto's primitives)
//   sotto    the npm package's API (initialised)
// Every library's output is cross-checked against libsodium / noble before
// anything is timed; a mismatch throws.

const now = () => performance.now();

function calibrate(fn) {
  let batch = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < batch; i++) fn();
    if (now() - t0 > 4 || batch > 1 << 22) return batch;
    batch *= 2;
  }
}

function timeRound(fn, batch, ms) {
  let ops = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    t = now();
  }
  return (ops * 1000) / (t - t0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Alternates rounds of each function (A B C A B C ...): a load change on the
// shared machine hits every library alike. Returns median ops/s per function.
export function measureInterleaved(fns, { rounds, ms }) {
  const names = Object.keys(fns);
  const batches = {};
  for (const n of names) {
    batches[n] = calibrate(fns[n]);
    timeRound(fns[n], batches[n], ms / 2); // warm-up
  }
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) rates[n].push(timeRound(fns[n], batches[n], ms));
  }
  return Object.fromEntries(names.map((n) => [n, median(rates[n])]));
}

function fill(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
function same(what, a, b) {
  if (hex(a) !== hex(b)) throw new Error(`cross-check failed: ${what}`);
}

// `only` (optional): a RegExp source; rows whose `group/name` does not match
// are skipped (not measured); the others are measured exactly as without it.
export function runSpeed({ sodium, mlKem, variants, short = false, only, log = () => {} }) {
  const opts = short ? { rounds: 3, ms: 120 } : { rounds: 7, ms: 250 };
  const rows = [];
  const wanted = only ? new RegExp(only) : null;
  // `scale`: operations per call of each function (a batch of messages).
  const row = (group, name, reference, fns, scale = 1) => {
    if (wanted && !wanted.test(`${group}/${name}`)) return null;
    const r = Object.fromEntries(Object.entries(measureInterleaved(fns, opts)).map(([k, v]) => [k, v * scale]));
    const entry = { group, name, reference, ops_per_sec: r };
    rows.push(entry);
    log(`${group}/${name}: ` + Object.entries(r).map(([k, v]) => `${k}=${v.toFixed(0)}/s`).join(' '));
    return entry;
  };

  // ------------------------------------------------------------ AEAD
  const key = fill(32, 1);
  const n12 = fill(12, 2);
  const n24 = fill(24, 3);
  const aad = fill(13, 4);
  for (const [size, label] of [
    [64, '64B'],
    [1024, '1KiB'],
    [64 * 1024, '64KiB'],
    [1024 * 1024, '1MiB'],
  ]) {
    const pt = fill(size, 5);
    const sealed = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, aad, null, n12, key);
    const xsealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, null, n24, key);
    for (const v of variants) {
      same(`${v.name} chacha seal ${label}`, v.prims.aead_seal(key, n12, aad, pt), sealed);
      same(`${v.name} xchacha seal ${label}`, v.prims.aead_seal(key, n24, aad, pt), xsealed);
      same(`${v.name} chacha open ${label}`, v.prims.aead_open(key, n12, aad, sealed), pt);
      same(`${v.name} xchacha open ${label}`, v.prims.aead_open(key, n24, aad, xsealed), pt);
    }
    const cases = [
      ['chacha20poly1305_seal', n12, () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, aad, null, n12, key), (p) => () => p.aead_seal(key, n12, aad, pt)],
      ['chacha20poly1305_open', n12, () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad, n12, key), (p) => () => p.aead_open(key, n12, aad, sealed)],
      ['xchacha20poly1305_seal', n24, () => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, null, n24, key), (p) => () => p.aead_seal(key, n24, aad, pt)],
      ['xchacha20poly1305_open', n24, () => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, xsealed, aad, n24, key), (p) => () => p.aead_open(key, n24, aad, xsealed)],
    ];
    for (const [group, , ref, mk] of cases) {
      const fns = { libsodium: ref };
      for (const v of variants) fns[v.name] = mk(v.prims);
      row(group, label, 'libsodium', fns);
    }
  }

  // ---------------------------------------------------------- X25519
  const xa = fill(32, 7);
  const xbPub = sodium.crypto_scalarmult_base(fill(32, 8));
  for (const v of variants) same(`${v.name} x25519`, v.prims.x25519_dh(xa, xbPub), sodium.crypto_scalarmult(xa, xbPub));
  {
    const fns = { libsodium: () => sodium.crypto_scalarmult(xa, xbPub) };
    for (const v of variants) fns[v.name] = () => v.prims.x25519_dh(xa, xbPub);
    row('x25519', 'diffie_hellman', 'libsodium', fns);
  }

  // --------------------------------------------------- Ed25519 verify
  const seed = fill(32, 9);
  const msg = fill(100, 10);
  const pair = sodium.crypto_sign_seed_keypair(seed);
  const sig = sodium.crypto_sign_detached(msg, pair.privateKey);
  for (const v of variants) {
    same(`${v.name} ed25519 sign`, v.prims.ed25519_sign(seed, msg), sig);
    if (v.prims.ed25519_verify(pair.publicKey, msg, sig) !== true) throw new Error(`${v.name} ed25519 verify`);
  }
  {
    const fns = { libsodium: () => sodium.crypto_sign_verify_detached(sig, msg, pair.publicKey) };
    for (const v of variants) fns[v.name] = () => v.prims.ed25519_verify(pair.publicKey, msg, sig);
    row('ed25519', 'verify_100B', 'libsodium', fns);
  }

  // ------------------------------------------------------ ML-KEM-768
  // Same key from the same 64-byte seed (d || z) in both libraries, and the
  // same 32-byte encapsulation randomness: the outputs must be identical.
  const kemSeed = fill(64, 11);
  const m = fill(32, 12);
  const noble = mlKem.keygen(kemSeed);
  let kemCt;
  for (const v of variants) {
    const k = new v.prims.MlKem768Key(kemSeed);
    same(`${v.name} ml-kem public key`, k.public_key(), noble.publicKey);
    const enc = v.prims.ml_kem_768_encapsulate(noble.publicKey, m);
    const ref = mlKem.encapsulate(noble.publicKey, m);
    same(`${v.name} ml-kem ciphertext`, enc.subarray(0, 1088), ref.cipherText);
    same(`${v.name} ml-kem shared secret`, enc.subarray(1088), ref.sharedSecret);
    same(`${v.name} ml-kem decapsulate`, k.decapsulate(ref.cipherText), ref.sharedSecret);
    kemCt = ref.cipherText;
    v.kem = k;
  }
  {
    const fns = { noble: () => mlKem.encapsulate(noble.publicKey, m) };
    for (const v of variants) fns[v.name] = () => v.prims.ml_kem_768_encapsulate(noble.publicKey, m);
    row('ml_kem_768', 'encapsulate', 'noble', fns);
  }
  {
    const fns = { noble: () => mlKem.decapsulate(kemCt, noble.secretKey) };
    for (const v of variants) fns[v.name] = () => v.kem.decapsulate(kemCt);
    row('ml_kem_768', 'decapsulate', 'noble', fns);
  }
  for (const v of variants) v.kem.free();

  // ------------------------------------------------ sessions (package)
  const sessions = [];
  for (const v of variants) {
    const sotto = v.sotto;
    const alice = sotto.Account.create();
    const bob = sotto.Account.create();
    bob.generateOneTimePrekeys(1);
    const a = sotto.Session.initiate(alice, bob.prekeyBundle(), { localId: 'alice', remoteId: 'bob' });
    const { session: b, plaintext } = sotto.Session.accept(bob, a.encrypt(msg), { localId: 'bob', remoteId: 'alice' });
    same(`${v.name} session first message`, plaintext, msg);
    same(`${v.name} session reply`, a.decrypt(b.encrypt(msg)), msg);
    let aSends = true;
    sessions.push({
      v,
      burst: () => b.decrypt(a.encrypt(msg)),
      pingpong: () => {
        const [s, r] = aSends ? [a, b] : [b, a];
        aSends = !aSends;
        r.decrypt(s.encrypt(msg));
      },
      // 64 messages encrypted one by one, decrypted in one decryptBatch call
      // (a backlog); counted as 64 encrypt+decrypt operations.
      batch: b.decryptBatch
        ? () => {
            const cts = [];
            for (let i = 0; i < 64; i++) cts.push(a.encrypt(msg));
            const out = b.decryptBatch(cts);
            if (out.length !== 64 || !(out[63] instanceof Uint8Array)) throw new Error('decryptBatch');
          }
        : null,
    });
  }
  {
    const fns = {};
    for (const s of sessions) fns[s.v.name] = s.burst;
    row('sotto_session_100B', 'burst_encrypt_decrypt', null, fns);
  }
  if (sessions.some((s) => s.batch)) {
    // Reference `single`: the first variant's 64 messages decrypted one call
    // each, in the same interleaved rounds (rates of different rows are not
    // comparable on a loaded machine).
    const first = sessions[0];
    const fns = {
      single: () => {
        for (let i = 0; i < 64; i++) first.burst();
      },
    };
    for (const s of sessions) if (s.batch) fns[s.v.name] = s.batch;
    row('sotto_session_100B', 'burst_encrypt_decryptBatch64', 'single', fns, 64);
  }
  {
    const fns = {};
    for (const s of sessions) fns[s.v.name] = s.pingpong;
    row('sotto_session_100B', 'pingpong_encrypt_decrypt', null, fns);
  }
  {
    const fns = {};
    for (const v of variants) {
      const p = new v.prims.SessionPair();
      fns[v.name] = () => p.burst(1);
    }
    row('sotto_session_100B', 'burst_inside_wasm', null, fns);
  }
  return rows;
}
