// Session.encrypt and decrypt go through the session's I/O buffer in
// WebAssembly memory (pkg/src/api.js `throughIo`, bindings/wasm
// WasmSession::io_reserve): the input is copied straight into WebAssembly
// memory and the result copied out of it. These tests check the cases that
// path has to get right: memory growing during a call (the view of memory is
// re-read), inputs that are views into larger buffers, sizes around V8's
// 64-byte on-heap limit and the buffer's reuse, and that neither the
// plaintext nor the message stays in WebAssembly memory after a call.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Account, Session, wasmMemoryBytes } from 'sotto';

const require = createRequire(import.meta.url);
// The same module instance as the package's Node entry (one module cache).
const glue = require('../pkg/dist/node/sotto_wasm.js');

function pair() {
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(1);
  const a = Session.initiate(alice, bob.prekeyBundle(), { localId: 'a', remoteId: 'b' });
  const { session: b } = Session.accept(bob, a.encrypt('hello'), { localId: 'b', remoteId: 'a' });
  return { a, b };
}

function pattern(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
}

// Where `needle` occurs in `haystack`, or -1.
function find(haystack, needle) {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test('round trips of every size class, small and large interleaved; memory grows during calls', () => {
  const { a, b } = pair();
  const before = wasmMemoryBytes();
  const sizes = [0, 1, 63, 64, 65, 100, 4096, 65537, 1 << 20, 7, 300000, 2, 1 << 20, 100];
  for (const [i, n] of sizes.entries()) {
    const plaintext = pattern(n, i);
    const message = a.encrypt(plaintext);
    assert.ok(message instanceof Uint8Array && message.length > n);
    assert.deepEqual(b.decrypt(message), plaintext, `size ${n}`);
    // The other direction too: the buffers of the two sessions are separate.
    const reply = pattern(n >> 1, i + 1);
    assert.deepEqual(a.decrypt(b.encrypt(reply)), reply, `reply size ${n >> 1}`);
  }
  // Two 1 MiB messages at once cannot fit in the memory the module starts
  // with, so the view of memory was re-read after a growth at least once.
  assert.ok(wasmMemoryBytes() > before, `memory grew (${before} -> ${wasmMemoryBytes()})`);
});

test('inputs that are views into larger buffers: only the viewed bytes are taken', () => {
  const { a, b } = pair();
  const backing = pattern(1000, 9);
  const view = backing.subarray(123, 223);
  const message = a.encrypt(view);
  assert.deepEqual(b.decrypt(message), backing.slice(123, 223));
  // A message inside a larger buffer, with bytes either side.
  const framed = new Uint8Array(message.length + 50).fill(0xee);
  framed.set(message, 20);
  const second = a.encrypt(view);
  framed.set(second, 20);
  assert.deepEqual(b.decrypt(framed.subarray(20, 20 + second.length)), backing.slice(123, 223));
  // A string plaintext, and the result is a fresh, unshared array each time.
  const m1 = a.encrypt('text');
  const p1 = b.decrypt(m1);
  const p2 = b.decrypt(a.encrypt('text'));
  assert.equal(new TextDecoder().decode(p1), 'text');
  assert.notEqual(p1.buffer, p2.buffer);
  assert.equal(p1.byteOffset, 0);
  assert.equal(p1.buffer.byteLength, 4);
});

test('a failed call leaves the session usable and the next call correct', () => {
  const { a, b } = pair();
  const good = a.encrypt(pattern(100, 1));
  const forged = good.slice();
  forged[forged.length - 1] ^= 1;
  assert.throws(() => b.decrypt(forged), { name: 'SottoError', kind: 'DECRYPTION_FAILED' });
  assert.throws(() => b.decrypt(new Uint8Array(3)), { name: 'SottoError' });
  assert.deepEqual(b.decrypt(good), pattern(100, 1));
  assert.throws(() => b.decrypt(good), { name: 'SottoError', kind: 'DUPLICATE_MESSAGE' });
  assert.deepEqual(b.decrypt(a.encrypt(pattern(70, 2))), pattern(70, 2));
});

test('no plaintext or message is left in WebAssembly memory after the calls', () => {
  const { a, b } = pair();
  const memory = glue.io_memory();
  const plaintext = pattern(100, 77);
  const message = a.encrypt(plaintext);
  assert.equal(find(new Uint8Array(memory.buffer), message), -1, 'the message after encrypt');
  assert.equal(find(new Uint8Array(memory.buffer), plaintext), -1, 'the plaintext after encrypt');
  assert.deepEqual(b.decrypt(message), plaintext);
  assert.equal(find(new Uint8Array(memory.buffer), plaintext), -1, 'the plaintext after decrypt');
  assert.equal(find(new Uint8Array(memory.buffer), message), -1, 'the message after decrypt');
});
