// 100,000 encrypt/decrypt cycles: WebAssembly memory must stop growing
// (no leak per message, per ratchet step, or per returned Uint8Array).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Account, Session, wasmMemoryBytes } from 'sotto';

const CYCLES = 100_000;
const BATCH = 10_000;

test(`memory stops growing over ${CYCLES} encrypt/decrypt cycles`, () => {
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(1);
  const a = Session.initiate(alice, bob.prekeyBundle(), { localId: 'a', remoteId: 'b' });
  const { session: b } = Session.accept(bob, a.encrypt('start'), { localId: 'b', remoteId: 'a' });
  const plaintext = new Uint8Array(200).fill(7);
  const sizes = [];
  for (let i = 0; i < CYCLES; i++) {
    // Mostly one direction, with a reply (a DH ratchet step) every 50
    // messages and a short out-of-order pair (skipped keys) every 100.
    if (i % 100 === 99) {
      const first = a.encrypt(plaintext);
      const second = a.encrypt(plaintext);
      assert.equal(b.decrypt(second).length, 200);
      assert.equal(b.decrypt(first).length, 200);
    } else if (i % 50 === 49) {
      assert.equal(a.decrypt(b.encrypt(plaintext)).length, 200);
    } else {
      const out = b.decrypt(a.encrypt(plaintext));
      if (out.length !== 200) assert.fail('bad plaintext');
    }
    if ((i + 1) % BATCH === 0) sizes.push(wasmMemoryBytes());
  }
  console.log(`wasm memory after each ${BATCH} cycles (bytes): ${sizes.join(' ')}`);
  // Whatever the allocator reserved early on, the second half adds nothing.
  assert.equal(sizes.at(-1), sizes[4], `memory grew: ${sizes.join(', ')}`);
  assert.ok(sizes.at(-1) < 16 * 1024 * 1024, `memory is ${sizes.at(-1)} bytes`);
  for (const o of [alice, bob, a, b]) o.free();
});

test('objects that are never freed are released by the garbage collector', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  // Each round drops 50 accounts with 100 one-time prekeys of each kind (about
  // 600 KB of WebAssembly memory if kept) without freeing them: memory must
  // stay flat because wasm-bindgen's FinalizationRegistry frees them.
  const round = () => {
    for (let i = 0; i < 50; i++) Account.create().generateOneTimePrekeys(100);
  };
  round();
  await settle();
  const after = [wasmMemoryBytes()];
  for (let i = 0; i < 4; i++) {
    round();
    await settle();
    after.push(wasmMemoryBytes());
  }
  console.log(`wasm memory after each round of unfreed accounts (bytes): ${after.join(' ')}`);
  assert.ok(after.at(-1) <= after[1], `memory kept growing: ${after.join(', ')}`);
});
