// Attachment throughput (issue 13): `sotto/attachments` streams against
// libsodium-wrappers' crypto_secretstream_xchacha20poly1305 on the same
// data, 64 KiB chunks, encrypt and decrypt, in any JavaScript engine (Node:
// attachments-node.mjs, headless Chromium: attachments-chromium.mjs).
//
// Sotto: the public API, a TransformStream fed 64 KiB pieces from a
// ReadableStream (so the figure includes the WHATWG streams machinery, the
// copies into and out of the wasm buffer, and the SHA-256 digest of the
// ciphertext, which secretstream does not compute). libsodium: a plain loop
// of push/pull calls over the same 64 KiB chunks (TAG_FINAL on the last).
// Both outputs are checked against the input before timing.

const CHUNK = 65536;

async function sottoEncrypt(api, data) {
  let at = 0;
  const stream = api.createEncryptStream({ chunkSize: CHUNK });
  const parts = [];
  await new ReadableStream({
    pull(c) {
      if (at >= data.length) return c.close();
      c.enqueue(data.subarray(at, at + CHUNK));
      at += CHUNK;
    },
  })
    .pipeThrough(stream)
    .pipeTo(new WritableStream({ write: (x) => void parts.push(x) }));
  return { parts, descriptor: await stream.descriptor };
}

async function sottoDecrypt(api, descriptor, parts) {
  let i = 0;
  let n = 0;
  await new ReadableStream({
    pull(c) {
      if (i >= parts.length) return c.close();
      c.enqueue(parts[i++]);
    },
  })
    .pipeThrough(api.createDecryptStream(descriptor))
    .pipeTo(new WritableStream({ write: (x) => void (n += x.length) }));
  return n;
}

// `hash`: also SHA-256 of the ciphertext, incrementally (libsodium's sumo
// build), which is the work Sotto's digest adds (PROTOCOL.md §16.3).
function sodiumEncrypt(sodium, key, data, hash = false) {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const sha = hash ? sodium.crypto_hash_sha256_init() : null;
  const parts = [];
  for (let at = 0; at < data.length; at += CHUNK) {
    const last = at + CHUNK >= data.length;
    const tag = last
      ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
      : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const part = sodium.crypto_secretstream_xchacha20poly1305_push(state, data.subarray(at, at + CHUNK), null, tag);
    if (sha) sodium.crypto_hash_sha256_update(sha, part);
    parts.push(part);
  }
  if (sha) sodium.crypto_hash_sha256_final(sha);
  return { header, parts };
}

function sodiumDecrypt(sodium, key, { header, parts }, hash = false) {
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  const sha = hash ? sodium.crypto_hash_sha256_init() : null;
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    if (sha) sodium.crypto_hash_sha256_update(sha, parts[i]);
    const r = sodium.crypto_secretstream_xchacha20poly1305_pull(state, parts[i]);
    if (!r) throw new Error('libsodium: pull failed');
    const last = r.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (last !== (i === parts.length - 1)) throw new Error('libsodium: final tag');
    n += r.message.length;
  }
  if (sha) sodium.crypto_hash_sha256_final(sha);
  return n;
}

// Medians of `reps` timings (ms) of each async function, run in turn
// (A B C A B C ...) so that a change in the machine's load hits all alike.
// Each function first runs untimed for at least `warmMs` (and once): the
// engines compile WebAssembly in a baseline tier first and optimise a
// function only after it has run for a while (V8 cannot swap in the
// optimised code during a call), so without this the first size measured
// is largely the baseline tier's speed (in Chromium 1 MiB ran at half the
// 64 MiB rate), for both libraries alike.
async function timeAll(fns, reps, now, warmMs = 300) {
  for (const fn of fns) {
    const t0 = now();
    for (let i = 0; i < 1 || now() - t0 < warmMs; i++) await fn();
  }
  const times = fns.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (let f = 0; f < fns.length; f++) {
      const t0 = now();
      await fns[f]();
      times[f].push(now() - t0);
    }
  }
  return times.map((t) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)]);
}

/**
 * Runs the comparison; returns rows { size, op, sotto_mbs, sodium_mbs,
 * ratio, sodium_sha256_mbs, ratio_same_work } (MB/s = 10^6 bytes per
 * second; ratio = Sotto / secretstream alone; ratio_same_work = Sotto /
 * secretstream plus SHA-256 of its ciphertext). `sodium` is
 * libsodium-wrappers-sumo (the secretstream code is the same as in the
 * standard build; sumo adds the incremental SHA-256).
 */
export async function benchAttachments({ api, sodium, short = false, now, log = () => {} }) {
  const sizes = [
    ['1MiB', 1 << 20, short ? 5 : 21],
    ['64MiB', 64 << 20, short ? 3 : 5],
  ];
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const rows = [];
  for (const [label, size, reps] of sizes) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j += 65536) crypto.getRandomValues(data.subarray(j, j + 65536));
    // Cross-check once: both round-trip the data.
    const s = await sottoEncrypt(api, data);
    if ((await sottoDecrypt(api, s.descriptor, s.parts)) !== size) throw new Error('sotto round trip');
    const l = sodiumEncrypt(sodium, key, data);
    if (sodiumDecrypt(sodium, key, l) !== size) throw new Error('libsodium round trip');
    const mbs = (ms) => size / 1e6 / (ms / 1e3);
    const cases = [
      ['encrypt', () => sottoEncrypt(api, data), () => sodiumEncrypt(sodium, key, data), () => sodiumEncrypt(sodium, key, data, true)],
      ['decrypt', () => sottoDecrypt(api, s.descriptor, s.parts), () => sodiumDecrypt(sodium, key, l), () => sodiumDecrypt(sodium, key, l, true)],
    ];
    for (const [op, ...fns] of cases) {
      const [a, b, c] = (await timeAll(fns, reps, now)).map(mbs);
      const row = {
        size: label, op, sotto_mbs: +a.toFixed(1), sodium_mbs: +b.toFixed(1), ratio: +(a / b).toFixed(2),
        sodium_sha256_mbs: +c.toFixed(1), ratio_same_work: +(a / c).toFixed(2), reps,
      };
      log(`attachments ${label} ${op}: sotto ${row.sotto_mbs} MB/s, libsodium secretstream ${row.sodium_mbs} MB/s (ratio ${row.ratio}), secretstream + SHA-256 ${row.sodium_sha256_mbs} MB/s (ratio ${row.ratio_same_work})`);
      rows.push(row);
    }
  }
  return rows;
}
