// The web build (`sotto/web`, what browsers and bundlers get) loaded in Node:
// NOT_INITIALIZED before init(), INIT_FAILED for bad input, and init() from
// bytes, a Response, a promise, or a compiled module.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('sotto/sotto.wasm');
const fresh = (tag) => import(`../pkg/dist/web/index.js?${tag}`);

test('the package exports the .wasm and the web entry', async () => {
  const web = await import('sotto/web');
  assert.equal(typeof web.default, 'function');
  assert.equal(web.init, web.default);
  assert.ok((await readFile(wasmPath)).subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d])));
});

test('using the web build before init() throws NOT_INITIALIZED', async () => {
  const web = await fresh('not-initialized');
  for (const fn of [() => web.Account.create(), () => web.messageType(new Uint8Array(2)), () => web.generateStorageKey()]) {
    assert.throws(fn, (e) => e instanceof web.SottoError && e.code === 112 && e.kind === 'NOT_INITIALIZED');
  }
});

test('init() with bad input throws INIT_FAILED or WRONG_ARGUMENT_TYPE, and can be retried', async () => {
  const web = await fresh('bad-input');
  await assert.rejects(web.init(new Uint8Array([1, 2, 3, 4])), (e) => e instanceof web.SottoError && e.code === 113);
  await assert.rejects(web.init(42), (e) => e instanceof web.SottoError && e.code === 111);
  // Hostile values: a Proxy whose traps throw, a rejected promise.
  const hostile = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
  await assert.rejects(web.init(hostile), (e) => e instanceof web.SottoError && e.code === 111);
  assert.throws(() => web.initSync(hostile), (e) => e instanceof web.SottoError && e.code === 111);
  const reason = new Error('network down');
  await assert.rejects(web.init(Promise.reject(reason)), (e) => e instanceof web.SottoError && e.code === 113 && e.cause === reason);
  assert.throws(() => web.initSync('nope'), (e) => e.code === 111);
  assert.throws(() => web.initSync(new Uint8Array(8)), (e) => e.code === 113);
  await web.init(await readFile(wasmPath));
  assert.equal(web.Account.create().identityKey.length, 130);
});

test('init() from a Response, a promise of one, or a compiled module', async () => {
  const bytes = await readFile(wasmPath);
  const response = () => new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } });
  const viaResponse = await fresh('response');
  await viaResponse.init(response());
  const viaPromise = await fresh('promise');
  await viaPromise.init(Promise.resolve(response()));
  const viaModule = await fresh('module');
  viaModule.initSync(await WebAssembly.compile(bytes));
  for (const web of [viaResponse, viaPromise, viaModule]) {
    const alice = web.Account.create();
    const bob = web.Account.create();
    const a = web.Session.initiate(alice, bob.prekeyBundle(), { localId: 'a', remoteId: 'b' });
    const { plaintext } = web.Session.accept(bob, a.encrypt('web build in Node'), { localId: 'b', remoteId: 'a' });
    assert.equal(new TextDecoder().decode(plaintext), 'web build in Node');
    // Repeated init() is a no-op returning the same promise.
    assert.equal(web.init(), web.init());
  }
});
