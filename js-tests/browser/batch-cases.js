// Session.decryptBatch (issue 14: one call for a backlog), shared by Node
// (batch.test.mjs) and headless Chromium (the same file's browser test).
// `run(sotto)` returns [{ name, ok, error? }]; nothing here depends on Node.
// Expected plaintexts are the literal texts encrypted, never values
// computed by the code under test.

const enc = (text) => new TextEncoder().encode(text);
const dec = (bytes) => new TextDecoder().decode(bytes);

function pair(sotto) {
  const alice = sotto.Account.create();
  const bob = sotto.Account.create();
  bob.generateOneTimePrekeys(1);
  const a = sotto.Session.initiate(alice, bob.prekeyBundle(), { localId: 'alice', remoteId: 'bob' });
  const { session: b, plaintext } = sotto.Session.accept(bob, a.encrypt('hello'), {
    localId: 'bob',
    remoteId: 'alice',
  });
  if (dec(plaintext) !== 'hello') throw new Error('handshake plaintext');
  return { a, b, free: () => [a, b, alice, bob].forEach((o) => o.free()) };
}

function assert(condition, what) {
  if (!condition) throw new Error(what);
}

function isError(sotto, value, kind) {
  return value instanceof sotto.SottoError && value.kind === kind && value.code === sotto.ErrorCode[kind];
}

function throwsCode(sotto, fn, kind) {
  try {
    fn();
  } catch (error) {
    assert(error instanceof sotto.SottoError, `threw ${error}, not a SottoError`);
    assert(error.kind === kind, `threw ${error.kind}, expected ${kind}`);
    return;
  }
  throw new Error(`did not throw ${kind}`);
}

const texts = Array.from({ length: 40 }, (_, i) => `message ${i} ${'x'.repeat(i * 7)}`);

const cases = {
  'a backlog of 40 messages (one empty) decrypts in order in one call'(sotto) {
    const { a, b, free } = pair(sotto);
    const all = ['', ...texts];
    const results = b.decryptBatch(all.map((t) => a.encrypt(t)));
    assert(results.length === all.length, `${results.length} results`);
    results.forEach((r, i) => assert(r instanceof Uint8Array && dec(r) === all[i], `result ${i}`));
    assert(dec(a.decrypt(b.encrypt('reply'))) === 'reply', 'the session goes on');
    free();
  },
  'an empty batch returns an empty array and changes nothing'(sotto) {
    const { a, b, free } = pair(sotto);
    const results = b.decryptBatch([]);
    assert(Array.isArray(results) && results.length === 0, 'empty result');
    assert(dec(b.decrypt(a.encrypt('after'))) === 'after', 'the session goes on');
    free();
  },
  'out of order, replayed, tampered and foreign messages: one result each, the rest decrypt'(sotto) {
    const { a, b, free } = pair(sotto);
    const other = pair(sotto);
    const m = texts.slice(0, 5).map((t) => a.encrypt(t));
    const tampered = m[3].slice();
    tampered[tampered.length - 1] ^= 1;
    const foreign = other.a.encrypt('not for this session');
    const results = b.decryptBatch([m[1], m[0], m[1], tampered, foreign, m[3], m[2], new Uint8Array(0)]);
    assert(results.length === 8, `${results.length} results`);
    assert(dec(results[0]) === texts[1] && dec(results[1]) === texts[0], 'out of order');
    assert(isError(sotto, results[2], 'DUPLICATE_MESSAGE'), `replay: ${results[2]}`);
    assert(results[3] instanceof sotto.SottoError, `tampered: ${results[3]}`);
    assert(results[4] instanceof sotto.SottoError, `foreign: ${results[4]}`);
    assert(dec(results[5]) === texts[3], 'the untampered message after the tampered one');
    assert(dec(results[6]) === texts[2], 'skipped key used');
    assert(results[7] instanceof sotto.SottoError, `empty message: ${results[7]}`);
    assert(dec(b.decrypt(m[4])) === texts[4], 'the session goes on');
    free();
    other.free();
  },
  'the same results and state as decrypt() one message at a time'(sotto) {
    const { a, b, free } = pair(sotto);
    const key = sotto.generateStorageKey();
    const sealed = b.seal(key);
    const messages = texts.map((t, i) => (i === 7 ? new Uint8Array([1, 2, 3]) : a.encrypt(t)));
    const one = sotto.Session.unseal(key, sealed);
    const batch = sotto.Session.unseal(key, sealed);
    const single = messages.map((m) => {
      try {
        return dec(one.decrypt(m));
      } catch (error) {
        return `error ${error.kind}`;
      }
    });
    const batched = batch.decryptBatch(messages).map((r) => (r instanceof Uint8Array ? dec(r) : `error ${r.kind}`));
    assert(JSON.stringify(single) === JSON.stringify(batched), 'same results');
    assert(batched[0] === texts[0] && batched[39] === texts[39] && batched[7].startsWith('error '), 'expected texts');
    const next = a.encrypt('next');
    assert(dec(one.decrypt(next)) === 'next' && dec(batch.decryptBatch([next])[0]) === 'next', 'same state after');
    [one, batch].forEach((s) => s.free());
    free();
  },
  'a wrong argument decrypts nothing'(sotto) {
    const { a, b, free } = pair(sotto);
    const m = a.encrypt('kept');
    throwsCode(sotto, () => b.decryptBatch(m), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => b.decryptBatch([m, 'text']), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => b.decryptBatch([m, undefined]), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => b.decryptBatch([m, new Uint16Array(4)]), 'WRONG_ARGUMENT_TYPE');
    // A sparse array longer than the cap is refused before anything is read.
    const many = [];
    many.length = 65537;
    throwsCode(sotto, () => b.decryptBatch(many), 'TOO_LARGE');
    throwsCode(sotto, () => b.decryptBatch([m, new Uint8Array((2 << 20) + 1)]), 'TOO_LARGE');
    assert(dec(b.decrypt(m)) === 'kept', 'the first message was not consumed');
    free();
  },
  'a getter that frees the session or detaches a message cannot reach WebAssembly'(sotto) {
    const { a, b, free } = pair(sotto);
    const m = a.encrypt('x');
    const freeing = [m];
    Object.defineProperty(freeing, 1, { get: () => (b.free(), m), enumerable: true });
    throwsCode(sotto, () => b.decryptBatch(freeing), 'INVALID_HANDLE');
    const { a: c, b: d, free: free2 } = pair(sotto);
    const n = c.encrypt('y');
    const victim = n.slice();
    const detaching = [victim];
    Object.defineProperty(detaching, 1, {
      get: () => {
        structuredClone(victim.buffer, { transfer: [victim.buffer] });
        return n;
      },
      enumerable: true,
    });
    throwsCode(sotto, () => d.decryptBatch(detaching), 'WRONG_ARGUMENT_TYPE');
    assert(dec(d.decrypt(n)) === 'y', 'nothing was decrypted');
    free();
    free2();
  },
};

export function run(sotto) {
  return Object.entries(cases).map(([name, fn]) => {
    try {
      fn(sotto);
      return { name, ok: true };
    } catch (error) {
      return { name, ok: false, error: String(error?.stack ?? error) };
    }
  });
}
