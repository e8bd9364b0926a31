// The cases of `sotto/attachments` shared by Node (attachments.test.mjs) and
// headless Chromium (browser.test.mjs): known-answer vectors replayed through
// the streams, every refused stream with its typed error, and random access
// against a full decryption. `run(api, vectors)` returns
// [{ name, ok, error? }]; nothing here depends on Node.

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// A deterministic generator (xorshift32), so a failure can be replayed.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
const bytes = (next, n) => Uint8Array.from({ length: n }, () => next() & 255);

// Writes `data` into `stream` in pieces of the given sizes (cycled), and
// collects the output.
async function pipe(stream, data, pieces = [data.length || 1]) {
  const source = new ReadableStream({
    start(controller) {
      let at = 0;
      let i = 0;
      while (at < data.length) {
        const n = pieces[i++ % pieces.length];
        controller.enqueue(data.slice(at, at + n));
        at += n;
      }
      controller.close();
    },
  });
  const parts = [];
  await source.pipeThrough(stream).pipeTo(
    new WritableStream({
      write(chunk) {
        parts.push(chunk);
      },
    }),
  );
  return concat(parts);
}

async function encrypt(api, plaintext, options, pieces) {
  const stream = api.createEncryptStream(options);
  const ciphertext = await pipe(stream, plaintext, pieces);
  return { ciphertext, descriptor: await stream.descriptor };
}

const decrypt = (api, descriptor, ciphertext, pieces) =>
  pipe(api.createDecryptStream(descriptor), ciphertext, pieces);

// Resolves to the SottoError kind the promise rejects with ('ok' if none).
async function failure(api, promise) {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!(error instanceof api.SottoError)) return `not a SottoError: ${error}`;
    if (api.ErrorCode[error.kind] !== error.code) return `code ${error.code} is not ${error.kind}`;
    return error.kind;
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function run(api, vectors, { bigMiB = 0, sample = () => {} } = {}) {
  const results = [];
  const add = async (name, fn) => {
    try {
      const note = await fn();
      results.push({ name, ok: true, note });
    } catch (error) {
      results.push({ name, ok: false, error: String(error && error.stack ? error.stack : error) });
    }
  };

  // 1. Known-answer vectors: encryption with the recorded key, decryption,
  //    the descriptor's fields; the input cut in odd pieces.
  for (const c of vectors.cases) {
    await add(`vector ${c.name}`, async () => {
      const plaintext =
        c.plaintext === null
          ? Uint8Array.from({ length: c.plaintext_size }, (_, j) => j % 251)
          : hex(c.plaintext);
      const options = {
        chunkSize: c.chunk_size,
        padding: c.padding === 1 ? 'padme' : 'none',
        contentType: c.content_type,
        fileKey: hex(c.random.file_key),
      };
      for (const pieces of [[plaintext.length || 1], [1, 1000, 7], [c.chunk_size]]) {
        const { ciphertext, descriptor } = await encrypt(api, plaintext, options, pieces);
        check(toHex(ciphertext) === c.ciphertext, `ciphertext (pieces ${pieces})`);
        check(toHex(descriptor) === c.descriptor, 'descriptor');
      }
      for (const pieces of [[c.ciphertext.length / 2], [3, 1040]]) {
        check(toHex(await decrypt(api, hex(c.descriptor), hex(c.ciphertext), pieces)) === toHex(plaintext), 'plaintext');
      }
      const d = api.decodeDescriptor(hex(c.descriptor));
      check(toHex(d.fileKey) === c.random.file_key && toHex(d.digest) === c.digest, 'key and digest');
      check(d.plaintextSize === c.plaintext_size && d.chunkSize === c.chunk_size, 'sizes');
      check(d.chunkCount === c.chunk_count && d.ciphertextSize === c.ciphertext.length / 2, 'layout');
      check(d.contentType === c.content_type && d.padding === options.padding, 'type, padding');
      check(toHex(api.encodeDescriptor(d)) === c.descriptor, 'encode');
    });
  }
  await add('invalid descriptors (vectors)', () => {
    check(vectors.invalid_descriptors.length > 5, 'cases');
    for (const v of vectors.invalid_descriptors) {
      let kind = 'ok';
      try {
        api.decodeDescriptor(hex(v.descriptor));
      } catch (error) {
        kind = error instanceof api.SottoError ? error.kind : String(error);
      }
      check(kind === v.error, `${v.description}: ${kind}, expected ${v.error}`);
      let streamKind = 'ok';
      try {
        api.createDecryptStream(hex(v.descriptor));
      } catch (error) {
        streamKind = error.kind;
      }
      check(streamKind === v.error, `${v.description} (stream): ${streamKind}`);
    }
  });

  // 2. Refused streams. File A: 5 chunks of 1024 (the last partial); B:
  //    another file; A3: the first 3 chunks of A under A's key, so that its
  //    last-flagged chunk 2 authenticates under A's key.
  const next = rng(13);
  const cs = 1024;
  const L = cs + 16;
  const key = bytes(next, 32);
  const plainA = bytes(next, 4 * cs + 300);
  const A = await encrypt(api, plainA, { chunkSize: cs, fileKey: key });
  const B = await encrypt(api, bytes(next, 4 * cs + 300), { chunkSize: cs });
  const A3 = await encrypt(api, plainA.slice(0, 3 * cs), { chunkSize: cs, fileKey: key });
  const chunk = (file, i) => file.ciphertext.slice(i * L, Math.min((i + 1) * L, file.ciphertext.length));
  const chunks = (file) => Array.from({ length: Math.ceil(file.ciphertext.length / L) }, (_, i) => chunk(file, i));
  const a = chunks(A);
  const flipped = (c, at) => {
    const out = c.slice();
    out[at] ^= 1;
    return out;
  };
  const wrongDigest = A.descriptor.slice();
  wrongDigest[40] ^= 1;
  const refused = [
    ['truncated inside the last chunk', A.descriptor, A.ciphertext.slice(0, -1), 'TRUNCATED'],
    ['truncated after chunk 3 (last chunk missing)', A.descriptor, concat(a.slice(0, 4)), 'TRUNCATED'],
    ['empty input', A.descriptor, new Uint8Array(0), 'TRUNCATED'],
    ['chunk 1 cut short', A.descriptor, concat([a[0], a[1].slice(0, 1000), ...a.slice(2)]), 'DECRYPTION_FAILED'],
    ['chunks 1 and 2 reordered', A.descriptor, concat([a[0], a[2], a[1], a[3], a[4]]), 'DECRYPTION_FAILED'],
    ['chunk 1 duplicated', A.descriptor, concat([a[0], a[1], a[1], a[2], a[3], a[4]]), 'DECRYPTION_FAILED'],
    ['chunk 2 dropped', A.descriptor, concat([a[0], a[1], a[3], a[4]]), 'DECRYPTION_FAILED'],
    ['chunk 2 from another file', A.descriptor, concat([a[0], a[1], chunk(B, 2), a[3], a[4]]), 'DECRYPTION_FAILED'],
    ['last flag moved earlier (chunk 2 marked last)', A.descriptor, concat([...chunks(A3), a[3], a[4]]), 'DECRYPTION_FAILED'],
    ['last flag moved: file ends at a non-last chunk', A3.descriptor, concat([a[0], a[1], a[2]]), 'DECRYPTION_FAILED'],
    ['one bit of chunk 3 flipped', A.descriptor, concat([a[0], a[1], a[2], flipped(a[3], 5), a[4]]), 'DECRYPTION_FAILED'],
    ['tag of the last chunk flipped', A.descriptor, concat([...a.slice(0, 4), flipped(a[4], a[4].length - 1)]), 'DECRYPTION_FAILED'],
    ['another blob for the descriptor', A.descriptor, B.ciphertext, 'DECRYPTION_FAILED'],
    ['one byte appended', A.descriptor, concat([A.ciphertext, new Uint8Array(1)]), 'TRAILING_BYTES'],
    ['a whole chunk appended', A.descriptor, concat([A.ciphertext, a[1]]), 'TRAILING_BYTES'],
    ['wrong digest in the descriptor', wrongDigest, A.ciphertext, 'DIGEST_MISMATCH'],
  ];
  for (const [name, descriptor, ciphertext, expected] of refused) {
    await add(`refused: ${name}`, async () => {
      for (const pieces of [[ciphertext.length || 1], [777]]) {
        const kind = await failure(api, decrypt(api, descriptor, ciphertext, pieces));
        check(kind === expected, `${kind}, expected ${expected}`);
      }
    });
  }
  await add('refused stream errors its readable side, after releasing only authenticated chunks', async () => {
    const released = [];
    const bad = concat([a[0], a[1], flipped(a[2], 0), a[3], a[4]]);
    const stream = api.createDecryptStream(A.descriptor);
    const writer = stream.writable.getWriter();
    const reading = (async () => {
      const reader = stream.readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'closed';
        released.push(value);
      }
    })();
    writer.write(bad).catch(() => {});
    writer.close().catch(() => {});
    const kind = await failure(api, reading);
    check(kind === 'DECRYPTION_FAILED', kind);
    check(toHex(concat(released)) === toHex(plainA.slice(0, 2 * cs)), 'released bytes');
  });
  await add('a chunk that is not bytes fails the encrypt stream and rejects its descriptor', async () => {
    for (const bad of ['not bytes', 42, [1, 2, 3]]) {
      const stream = api.createEncryptStream({ chunkSize: cs });
      const source = new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(10));
          controller.enqueue(bad);
          controller.close();
        },
      });
      const kind = await failure(api, source.pipeThrough(stream).pipeTo(new WritableStream()));
      check(kind === 'WRONG_ARGUMENT_TYPE', `${typeof bad}: ${kind}`);
      check((await failure(api, stream.descriptor)) === 'WRONG_ARGUMENT_TYPE', 'descriptor promise');
    }
  });
  await add('argument checks', async () => {
    const kinds = [];
    for (const fn of [
      () => api.createEncryptStream({ chunkSize: 1023 }),
      () => api.createEncryptStream({ chunkSize: (1 << 20) + 1 }),
      () => api.createEncryptStream({ padding: 'zeros' }),
      () => api.createEncryptStream({ fileKey: new Uint8Array(31) }),
      () => api.openAttachment(A.descriptor, 'not a blob'),
      () => api.encodeDescriptor({ ...api.decodeDescriptor(A.descriptor), chunkSize: 512 }),
    ]) {
      try {
        fn();
        kinds.push('ok');
      } catch (error) {
        kinds.push(error.kind);
      }
    }
    check(
      kinds.join() === 'INVALID_ARGUMENT,INVALID_ARGUMENT,WRONG_ARGUMENT_TYPE,INVALID_ARGUMENT,WRONG_ARGUMENT_TYPE,INVALID_ARGUMENT',
      kinds.join(),
    );
    const bad = await encrypt(api, new Uint8Array(5), { contentType: 'tab\there' }).then(() => 'ok', (e) => e.kind);
    check(bad === 'INVALID_ARGUMENT', `content type: ${bad}`);
  });

  await add('hostile byte values: lying lengths, other views, detached buffers', async () => {
    class Liar extends Uint8Array {
      get length() {
        return 3;
      }
      slice() {
        return new Uint8Array(1 << 20);
      }
      subarray() {
        return new Uint8Array(1 << 20);
      }
    }
    const liar = new Liar(A.descriptor.length);
    liar.set(A.descriptor);
    Object.defineProperty(liar, 'byteLength', { value: 1 });
    check(api.decodeDescriptor(liar).plaintextSize === plainA.length, 'descriptor read by its real bytes');
    const own = A.descriptor.slice();
    Object.defineProperty(own, 'length', { value: 1 << 20 });
    check(api.decodeDescriptor(own).chunkCount === 5, 'own length property ignored');
    const cipherLiar = new Liar(A.ciphertext.length);
    cipherLiar.set(A.ciphertext);
    const parts = [];
    await new ReadableStream({
      start(c) {
        c.enqueue(cipherLiar);
        c.close();
      },
    })
      .pipeThrough(api.createDecryptStream(liar))
      .pipeTo(new WritableStream({ write: (x) => void parts.push(x) }));
    check(toHex(concat(parts)) === toHex(plainA), 'chunk read by its real bytes');
    const words = new Uint16Array(A.ciphertext.buffer.slice(0, A.ciphertext.length));
    check(toHex(await decrypt(api, new DataView(A.descriptor.buffer.slice(0)), words)) === toHex(plainA), 'other views');
    const detached = new Uint8Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    // A detached buffer reads as no bytes, or is refused as a value.
    const detachedKind = await failure(api, (async () => api.decodeDescriptor(detached))());
    check(['TRUNCATED', 'WRONG_ARGUMENT_TYPE'].includes(detachedKind), `detached: ${detachedKind}`);
    for (const bad of [null, {}, { length: 80 }, 'bytes', new Proxy(A.descriptor, {})]) {
      let kind = 'ok';
      try {
        api.decodeDescriptor(bad);
      } catch (error) {
        kind = error.kind;
      }
      check(kind === 'WRONG_ARGUMENT_TYPE', `${Object.prototype.toString.call(bad)}: ${kind}`);
    }
  });

  // 3. Random access: any chunk and any range of a Blob or a range reader
  //    equal the same bytes of the plaintext; a tampered chunk fails alone.
  await add('random access (property: 300 random ranges over 12 files)', async () => {
    const r = rng(99);
    let ranges = 0;
    for (let f = 0; f < 12; f++) {
      const chunkSize = 1024 * (1 + (r() % 4));
      const size = r() % (6 * chunkSize);
      const padding = r() % 2 ? 'padme' : 'none';
      const plain = bytes(r, size);
      const { ciphertext, descriptor } = await encrypt(api, plain, { chunkSize, padding }, [1 + (r() % 5000)]);
      check(toHex(await decrypt(api, descriptor, ciphertext)) === toHex(plain), 'full decryption');
      let fetched = 0;
      const sources = [
        new Blob([ciphertext]),
        async (start, end) => {
          fetched += end - start;
          return ciphertext.slice(start, end);
        },
      ];
      for (const source of sources) {
        const att = api.openAttachment(descriptor, source);
        check(att.plaintextSize === size && att.chunkSize === chunkSize && !('fileKey' in att), 'fields');
        for (let i = 0; i < att.chunkCount; i++) {
          const got = await att.readChunk(i);
          check(toHex(got) === toHex(plain.slice(i * chunkSize, (i + 1) * chunkSize)), `chunk ${i}`);
        }
        for (let k = 0; k < 25; k++) {
          const start = size ? r() % (size + 1) : 0;
          const end = start + (r() % (size - start + 1));
          fetched = 0;
          const got = await att.readRange(start, end);
          check(toHex(got) === toHex(plain.slice(start, end)), `range [${start}, ${end}) of ${size}`);
          // Only the chunks under the range were read.
          if (typeof source === 'function' && end > start) {
            const chunksRead = Math.floor((end - 1) / chunkSize) - Math.floor(start / chunkSize) + 1;
            check(fetched <= chunksRead * (chunkSize + 16), `read ${fetched} bytes for ${chunksRead} chunks`);
          }
          ranges++;
        }
        att.close();
        check((await failure(api, att.readChunk(0))) === 'INVALID_HANDLE', 'closed');
      }
    }
    return `${ranges} ranges`;
  });
  await add('random access refuses a tampered, swapped, short or long chunk, and bad indices', async () => {
    const tampered = concat([a[0], a[1], flipped(a[2], 9), a[3], a[4]]);
    const att = api.openAttachment(A.descriptor, new Blob([tampered]));
    check(toHex(await att.readChunk(1)) === toHex(plainA.slice(cs, 2 * cs)), 'chunk 1 still reads');
    check((await failure(api, att.readChunk(2))) === 'DECRYPTION_FAILED', 'tampered chunk 2');
    check((await failure(api, att.readRange(cs + 5, 2 * cs + 5))) === 'DECRYPTION_FAILED', 'range over it');
    check(toHex(await att.readRange(3 * cs, 4 * cs + 300)) === toHex(plainA.slice(3 * cs)), 'range after it');
    check((await failure(api, att.readChunk(5))) === 'INVALID_ARGUMENT', 'index 5 of 5');
    check((await failure(api, att.readChunk(-1))) === 'INVALID_ARGUMENT', 'index -1');
    check((await failure(api, att.readRange(10, 4 * cs + 301))) === 'INVALID_ARGUMENT', 'past the end');
    check((await failure(api, att.readRange(10, 9))) === 'INVALID_ARGUMENT', 'start > end');
    const swapped = api.openAttachment(A.descriptor, async (s, e) => (s === 2 * L ? chunk(B, 2) : A.ciphertext.slice(s, e)));
    check((await failure(api, swapped.readChunk(2))) === 'DECRYPTION_FAILED', 'swapped');
    const moved = api.openAttachment(A.descriptor, async (s, e) => (s === 2 * L ? chunk(A, 1) : A.ciphertext.slice(s, e)));
    check((await failure(api, moved.readChunk(2))) === 'DECRYPTION_FAILED', 'moved');
    const short = api.openAttachment(A.descriptor, new Blob([A.ciphertext.slice(0, -3)]));
    check((await failure(api, short.readChunk(4))) === 'TRUNCATED', 'short blob');
    const long = api.openAttachment(A.descriptor, async (s, e) => A.ciphertext.slice(s, e + 1));
    check((await failure(api, long.readChunk(1))) === 'TRAILING_BYTES', 'long read');
    for (const x of [att, swapped, moved, short, long]) x.close();
  });

  // 4. A big stream (bigMiB): plaintext generated on the fly and never
  //    kept. Pass 1 encrypts it for the descriptor (digest); pass 2 encrypts
  //    it again with the same (test) key, which gives the same ciphertext,
  //    piped straight into the decrypt stream and checked byte by byte. The
  //    module's memory is sampled at every output chunk, and `sample()` is
  //    called there too (Node samples the process RSS).
  if (bigMiB > 0) {
    await add(`${bigMiB} MiB stream, encrypted then decrypted: memory stays flat`, async () => {
      const total = bigMiB << 20;
      const piece = new Uint8Array(1 << 20);
      for (let j = 0; j < piece.length; j++) piece[j] = j % 251;
      const source = () => {
        let produced = 0;
        return new ReadableStream({
          pull(controller) {
            if (produced >= total) return controller.close();
            controller.enqueue(piece.slice());
            produced += piece.length;
          },
        });
      };
      const fileKey = bytes(rng(7), 32);
      const memoryBefore = api.wasmMemoryBytes();
      let memoryMax = memoryBefore;
      let progressed = 0;
      const pass1 = api.createEncryptStream({ fileKey, onProgress: (n) => (progressed = n) });
      let cipherBytes = 0;
      await source().pipeThrough(pass1).pipeTo(
        new WritableStream({
          write(c) {
            cipherBytes += c.length;
            memoryMax = Math.max(memoryMax, api.wasmMemoryBytes());
            sample();
          },
        }),
      );
      const descriptor = await pass1.descriptor;
      check(progressed === total, `progress ${progressed}`);
      check(cipherBytes === api.decodeDescriptor(descriptor).ciphertextSize, 'ciphertext size');
      let plainBytes = 0;
      let decrypted = 0;
      await source()
        .pipeThrough(api.createEncryptStream({ fileKey }))
        .pipeThrough(api.createDecryptStream(descriptor, { onProgress: (n) => (decrypted = n) }))
        .pipeTo(
          new WritableStream({
            write(c) {
              for (let j = 0; j < c.length; j += 4099) {
                if (c[j] !== ((plainBytes + j) % (1 << 20)) % 251) throw new Error(`byte ${plainBytes + j}`);
              }
              plainBytes += c.length;
              memoryMax = Math.max(memoryMax, api.wasmMemoryBytes());
              sample();
            },
          }),
        );
      check(plainBytes === total && decrypted === total, `decrypted ${plainBytes}`);
      const growth = memoryMax - memoryBefore;
      // Two streams at a time, each one 64 KiB chunk buffer: far below 4 MiB
      // (the module's memory only grows, so any per-chunk leak would show).
      check(growth <= 4 << 20, `wasm memory grew by ${growth} bytes`);
      return `wasm memory ${memoryBefore} -> max ${memoryMax} bytes (growth ${growth})`;
    });
  }
  return results;
}

export { encrypt, decrypt, pipe, concat };
