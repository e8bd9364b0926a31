// Hostile JavaScript values against the public API of the npm package
// (issue 10, findings 2-5 and 6(f)): lying lengths, Proxies, subclasses and
// look-alikes, detached, shared and growable buffers (one grown by a worker
// during the calls), getters that free or grow arguments, huge inputs, ill-
// formed strings, a trap, and a call from inside crypto.getRandomValues.
//
// Shared by hostile.test.mjs (Node) and browser.test.mjs (headless Chromium,
// through hostile.js): `hostileCases(sotto, env)` returns [name, fn] pairs;
// fn throws on failure and may return 'skip: reason'. `env` provides what
// differs between the two: { reactive: { name: fn }, views: [[label, fn]],
// startGrower(message), isolated: { build: async () => ({ glue, bind }) } }.

const MiB = 1 << 20;
const MAX_INPUT = 2 * MiB;
const MAX_PLAINTEXT = MiB;

// A module whose only function executes `unreachable`: a real WebAssembly trap.
const TRAP_WASM = new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
  1, 4, 1, 0x60, 0, 0, // type section: () -> ()
  3, 2, 1, 0, // function section: one function of type 0
  7, 8, 1, 4, 0x74, 0x72, 0x61, 0x70, 0, 0, // export "trap" = function 0
  10, 5, 1, 3, 0, 0, 0x0b, // code: no locals, unreachable, end
]);

export function hostileCases(sotto, env) {
  const {
    Account,
    PrekeyBundle,
    Session,
    SottoError,
    messageType,
    prekeySessionId,
    checkIdentityKey,
    generateStorageKey,
    safetyNumber,
    wasmMemoryBytes,
  } = sotto;
  const ALICE = { localId: 'alice', remoteId: 'bob' };
  const BOB = { localId: 'bob', remoteId: 'alice' };
  const encode = (s) => new TextEncoder().encode(s);
  const text = (b) => new TextDecoder().decode(b);
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const setBytes = (target, source) => Uint8Array.prototype.set.call(target, source);

  function fail(message) {
    throw new Error(message);
  }
  function equal(actual, expected, what) {
    if (actual !== expected) fail(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
  function ok(value, what) {
    if (!value) fail(what);
  }
  function describe(error) {
    try {
      return `${error?.constructor?.name}: ${error?.message ?? error}`;
    } catch {
      return 'an unprintable value';
    }
  }
  // fn must throw a SottoError of this kind.
  function fails(kind, fn, what, ErrorClass = SottoError, where = '') {
    let error;
    let threw = false;
    try {
      fn();
    } catch (e) {
      error = e;
      threw = true;
    }
    if (where) what = `${where}: ${what}`;
    if (!threw) fail(`${what}: expected ${kind}, but the call succeeded`);
    if (!(error instanceof ErrorClass)) fail(`${what}: expected a SottoError ${kind}, got ${describe(error)}`);
    if (error.kind !== kind) fail(`${what}: expected ${kind}, got ${error.message}`);
    return error;
  }
  // The kind of SottoError fn throws, or 'ok'; anything but a SottoError fails.
  function outcome(fn, what) {
    try {
      fn();
      return 'ok';
    } catch (e) {
      if (!(e instanceof SottoError)) fail(`${what}: threw ${describe(e)}, not a SottoError`);
      return e.kind;
    }
  }
  // How many bytes WebAssembly memory grew during fn.
  function growth(fn) {
    const before = wasmMemoryBytes();
    fn();
    return wasmMemoryBytes() - before;
  }

  // Two accounts and a running conversation.
  function pair(oneTime = 4) {
    const alice = Account.create();
    const bob = Account.create();
    bob.generateOneTimePrekeys(oneTime);
    const bundle = bob.prekeyBundle().toBytes();
    const a = Session.initiate(alice, bundle, ALICE);
    const first = a.encrypt('first');
    const { session: b } = Session.accept(bob, first, BOB);
    a.decrypt(b.encrypt('reply'));
    return { alice, bob, bundle, a, b, first };
  }

  // Every entry point that takes bytes, as [name, (value) => call]. The
  // fixture is fresh, so each call would succeed with the right bytes.
  function entryPoints() {
    const { alice, bob, a, b } = pair();
    const bundle = bob.prekeyBundle();
    const bundleBytes = bundle.toBytes();
    const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('x');
    const key = generateStorageKey();
    const sealed = a.seal(key);
    const number = a.safetyNumber();
    return [
      ['messageType', (v) => messageType(v)],
      ['prekeySessionId', (v) => prekeySessionId(v)],
      ['checkIdentityKey', (v) => checkIdentityKey(v)],
      ['PrekeyBundle.fromBytes', (v) => PrekeyBundle.fromBytes(v)],
      [
        'PrekeyBundle.fromParts (kemPrekey)',
        (v) => PrekeyBundle.fromParts({ identityKey: bob.identityKey, signedPrekey: bob.signedPrekey(), kemPrekey: v }),
      ],
      ['Session.initiate (bundle bytes)', (v) => Session.initiate(alice, v, ALICE)],
      ['Session.initiate (context.localId)', (v) => Session.initiate(alice, bundleBytes, { localId: v, remoteId: 'bob' })],
      ['Session.accept (message)', (v) => Session.accept(bob, v, BOB)],
      ['Session.accept (context.remoteId)', (v) => Session.accept(bob, first, { localId: 'bob', remoteId: v })],
      ['Session.unseal (storageKey)', (v) => Session.unseal(v, sealed)],
      ['Session.unseal (sealed)', (v) => Session.unseal(key, v)],
      ['Account.unseal (sealed)', (v) => Account.unseal(key, v)],
      ['Account#seal (storageKey)', (v) => alice.seal(v)],
      ['Session#seal (storageKey)', (v) => a.seal(v)],
      ['Session#encrypt', (v) => a.encrypt(v)],
      ['Session#decrypt', (v) => b.decrypt(v)],
      ['safetyNumber', (v) => safetyNumber(v, bob.identityKey)],
      ['SafetyNumber#matchesQr', (v) => number.matchesQr(v)],
    ];
  }

  // The same bytes in objects whose own properties lie about them.
  function into(Class, bytes) {
    const copy = new Class(bytes.length);
    setBytes(copy, bytes);
    return copy;
  }
  function withOwn(bytes, properties) {
    const copy = bytes.slice();
    Object.defineProperties(copy, properties);
    return copy;
  }
  const liars = [
    ['a subclass whose length getter says 1', (u) => into(class Short extends Uint8Array { get length() { return 1; } }, u)],
    ['a subclass whose length getter says 1e9', (u) => into(class Long extends Uint8Array { get length() { return 1e9; } }, u)],
    ['a subclass whose byteLength getter says 1', (u) => into(class extends Uint8Array { get byteLength() { return 1; } }, u)],
    [
      'a subclass lying in buffer, byteOffset, set, subarray, slice, toStringTag and species',
      (u) =>
        into(
          class extends Uint8Array {
            static get [Symbol.species]() {
              throw new Error('species used');
            }
            get buffer() {
              return new ArrayBuffer(1);
            }
            get byteOffset() {
              return 1e6;
            }
            get [Symbol.toStringTag]() {
              return 'Nothing';
            }
            set() {
              throw new Error('set used');
            }
            subarray() {
              throw new Error('subarray used');
            }
            slice() {
              throw new Error('slice used');
            }
          },
          u,
        ),
    ],
    ['an own length property of 1', (u) => withOwn(u, { length: { value: 1 } })],
    [
      'own length, byteLength and byteOffset getters that change on every read',
      (u) => {
        let n = 0;
        const lie = { get: () => (n += 7919) % 5000 };
        return withOwn(u, { length: lie, byteLength: lie, byteOffset: lie });
      },
    ],
    [
      'a view at an offset into a larger buffer',
      (u) => {
        const larger = new Uint8Array(u.length + 40).fill(0xee);
        larger.set(u, 17);
        return larger.subarray(17, 17 + u.length);
      },
    ],
    ...(env.views ?? []),
  ];

  // A whole conversation with every byte argument given through `view`.
  function conversationThrough(view, label) {
    const alice = Account.create();
    const bob = Account.create();
    bob.generateOneTimePrekeys(1);
    const bundle = bob.prekeyBundle().toBytes();
    const key = generateStorageKey();
    const a = Session.initiate(alice, view(bundle), { localId: view(encode('alice')), remoteId: view(encode('bob')) });
    const first = a.encrypt(view(encode('first')));
    equal(messageType(view(first)), 'prekey', `${label}: messageType`);
    equal(hex(prekeySessionId(view(first))), hex(a.id), `${label}: prekeySessionId`);
    const accepted = Session.accept(bob, view(first), { localId: view(encode('bob')), remoteId: view(encode('alice')) });
    equal(text(accepted.plaintext), 'first', `${label}: accept`);
    const b = accepted.session;
    equal(text(a.decrypt(view(b.encrypt('reply')))), 'reply', `${label}: decrypt`);
    const restored = Session.unseal(view(key), view(b.seal(view(key))));
    equal(text(restored.decrypt(view(a.encrypt('after unseal')))), 'after unseal', `${label}: unseal`);
    equal(hex(Account.unseal(view(key), view(alice.seal(view(key)))).identityKey), hex(alice.identityKey), label);
    checkIdentityKey(view(alice.identityKey));
    equal(PrekeyBundle.fromBytes(view(bundle)).hasOneTimePrekey, true, `${label}: fromBytes`);
    PrekeyBundle.fromParts({
      identityKey: view(bob.identityKey),
      signedPrekey: view(bob.signedPrekey()),
      kemPrekey: view(bob.lastResortPrekey()),
    });
    const number = safetyNumber(view(alice.identityKey), view(bob.identityKey));
    ok(number.matchesQr(view(restored.safetyNumber().qrPayload())), `${label}: matchesQr`);
  }

  // Objects that look like a Uint8Array but are not one.
  function lookalikes() {
    const u = new Uint8Array(32);
    const { proxy: revoked, revoke } = Proxy.revocable(new Uint8Array(32), {});
    revoke();
    return [
      ['new Proxy(uint8array, {})', new Proxy(u, {})],
      [
        'a Proxy that forwards every read to its target',
        new Proxy(u, {
          get(target, key) {
            const value = Reflect.get(target, key);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ],
      ['Object.create(Uint8Array.prototype)', Object.create(Uint8Array.prototype)],
      ['Reflect.construct(Object, [], Uint8Array)', Reflect.construct(Object, [], Uint8Array)],
      ['a revoked Proxy', revoked],
      ['an array-like object', { length: 2, 0: 1, 1: 2 }],
      ['a Uint8ClampedArray', new Uint8ClampedArray(32)],
      ['an Int8Array', new Int8Array(32)],
      ['a DataView', new DataView(new ArrayBuffer(32))],
      ['an ArrayBuffer', new ArrayBuffer(32)],
    ];
  }

  function detached(length = 32) {
    const view = new Uint8Array(length);
    structuredClone(view.buffer, { transfer: [view.buffer] });
    return view;
  }

  // A conversation through the given wrapper of every Sotto object.
  function conversationWrapped(wrap, label) {
    const alice = wrap(Account.create());
    const bob = wrap(Account.create());
    bob.generateOneTimePrekeys(2);
    const bundle = wrap(bob.prekeyBundle());
    equal(bundle.hasOneTimePrekey, true, label);
    const a = wrap(Session.initiate(alice, bundle, ALICE));
    const accepted = wrap(Session.accept(bob, a.encrypt('through a wrapper'), BOB));
    equal(text(accepted.plaintext), 'through a wrapper', label);
    const b = wrap(accepted.session);
    equal(text(a.decrypt(b.encrypt('reply'))), 'reply', label);
    equal(b.role, 'responder', label);
    if (label !== 'readonly') {
      b.padding = 'none';
      equal(b.padding, 'none', label);
    }
    const key = generateStorageKey();
    const restored = wrap(Session.unseal(key, b.seal(key)));
    equal(text(restored.decrypt(a.encrypt('after unseal'))), 'after unseal', label);
    const number = wrap(a.safetyNumber());
    equal(number.digits(), wrap(restored.safetyNumber()).digits(), label);
    equal(wrap(Account.unseal(key, alice.seal(key))).identityKey.length, 130, label);
    // free() through the wrapper frees the object itself.
    equal(a.freed, false, label);
    a.free();
    equal(a.freed, true, label);
    fails('INVALID_HANDLE', () => a.encrypt('x'), `${label}: after free()`);
    bundle[Symbol.dispose]();
    fails('INVALID_HANDLE', () => Session.initiate(alice, bundle, ALICE), `${label}: after dispose`);
  }

  const cases = [];
  const add = (name, fn) => cases.push([name, fn]);

  add('finding 2: a subclass whose length getter says 1 (the issue repro, five calls) is read by its real bytes', () => {
    class Short extends Uint8Array {
      get length() {
        return 1;
      }
    }
    const expected = outcome(() => messageType(new Uint8Array(1400).fill(0x41)), 'plain');
    ok(expected !== 'ok', 'the plain bytes are not a message');
    for (let i = 0; i < 5; i++) {
      equal(outcome(() => messageType(new Short(1400).fill(0x41)), 'Short'), expected, `call ${i + 1}`);
    }
    // Real messages in a Short are read whole.
    const { a, b } = pair();
    for (let i = 0; i < 5; i++) {
      const message = into(Short, a.encrypt(`short ${i}`));
      equal(messageType(message), 'normal', `messageType ${i + 1}`);
      equal(text(b.decrypt(message)), `short ${i}`, `decrypt ${i + 1}`);
    }
  });

  add('finding 2: lying length, byteLength, byteOffset, buffer (subclass or own property) never decide what is read', () => {
    for (const [label, view] of liars) conversationThrough(view, label);
  });

  add('finding 2: shared, growable and resizable buffers are read once into a private copy', () => {
    if (typeof SharedArrayBuffer === 'undefined') return 'skip: no SharedArrayBuffer (not cross-origin isolated)';
    const views = [
      [
        'a view of a SharedArrayBuffer',
        (u) => {
          const view = new Uint8Array(new SharedArrayBuffer(u.length));
          view.set(u);
          return view;
        },
      ],
      [
        'a length-tracking view of a growable SharedArrayBuffer',
        (u) => {
          const view = new Uint8Array(new SharedArrayBuffer(u.length, { maxByteLength: 4 * u.length + 64 }));
          view.set(u);
          return view;
        },
      ],
      [
        'a length-tracking view of a resizable ArrayBuffer',
        (u) => {
          const view = new Uint8Array(new ArrayBuffer(u.length, { maxByteLength: 4 * u.length + 64 }));
          view.set(u);
          return view;
        },
      ],
      [
        'a fixed view at an offset of a growable SharedArrayBuffer',
        (u) => {
          const sab = new SharedArrayBuffer(u.length + 9, { maxByteLength: 4 * u.length + 64 });
          const view = new Uint8Array(sab, 9, u.length);
          view.set(u);
          return view;
        },
      ],
    ];
    for (const [label, view] of views) conversationThrough(view, label);
  });

  add('finding 2: a worker grows a SharedArrayBuffer under a view passed to decrypt (bounded in time)', async () => {
    if (typeof SharedArrayBuffer === 'undefined') return 'skip: no SharedArrayBuffer (not cross-origin isolated)';
    if (!env.startGrower) return 'skip: no workers here';
    const { a, b } = pair();
    const message = a.encrypt('grown under the call');
    const sab = new SharedArrayBuffer(message.length, { maxByteLength: MAX_INPUT + 64 * 1024 });
    const view = new Uint8Array(sab);
    view.set(message);
    const control = new SharedArrayBuffer(12);
    const flags = new Int32Array(control);
    const grower = await env.startGrower({ sab, control, step: 8, ms: 1500 });
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    const deadline = Date.now() + 3000;
    const kinds = {};
    let calls = 0;
    let whileGrowing = 0;
    try {
      while (Date.now() < deadline && (Atomics.load(flags, 2) === 0 || calls < 50)) {
        const growing = Atomics.load(flags, 2) === 0;
        let kind;
        try {
          b.decrypt(view);
          kind = 'ok';
        } catch (e) {
          if (!(e instanceof SottoError)) fail(`call ${calls}: ${describe(e)}`);
          kind = e.kind;
        }
        if (kind === 'PANIC') fail(`call ${calls}: PANIC`);
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        calls += 1;
        if (growing) whileGrowing += 1;
      }
    } finally {
      Atomics.store(flags, 1, 1);
    }
    const grows = await grower.finished;
    ok(calls >= 50, `only ${calls} calls`);
    ok((kinds.ok ?? 0) <= 1, 'the message decrypted more than once');
    // The session is intact: it decrypts and replies.
    equal(text(b.decrypt(a.encrypt('after the worker'))), 'after the worker', 'after');
    equal(text(a.decrypt(b.encrypt('reply after'))), 'reply after', 'reply after');
    return `${calls} calls (${whileGrowing} while the worker grew the buffer ${grows} times): ${JSON.stringify(kinds)}`;
  });

  add('finding 3: caps are checked on the real length before anything is copied into WebAssembly memory', () => {
    const big = new Uint8Array(100_000_000);
    const { alice, bundle } = pair();
    // The repro: 100 MB given to Session.initiate as a bundle.
    equal(growth(() => fails('TOO_LARGE', () => Session.initiate(alice, big, ALICE), 'initiate 100 MB')), 0, 'memory grew (initiate 100 MB)');
    // A length getter saying 1e9 over 10 real bytes: the 10 bytes are parsed.
    class Long extends Uint8Array {
      get length() {
        return 1e9;
      }
    }
    const start = into(Long, bundle.subarray(0, 10));
    ok(growth(() => fails('TRUNCATED', () => Session.initiate(alice, start, ALICE), 'initiate 1e9')) < MiB, 'memory grew (1e9)');
    // Every entry point, one byte over its cap.
    for (const [name, call] of entryPoints()) {
      const max = name === 'Session#encrypt' ? MAX_PLAINTEXT : MAX_INPUT;
      equal(growth(() => fails('TOO_LARGE', () => call(new Uint8Array(max + 1)), name)), 0, `memory grew (${name})`);
    }
    equal(growth(() => fails('TOO_LARGE', () => Session.initiate(alice, bundle, { localId: 'x'.repeat(MAX_INPUT + 1), remoteId: 'b' }), 'a 2 MiB id')), 0, 'memory grew (a 2 MiB id)');
  });

  add('finding 3: a context getter that grows the message buffer during accept does not get it copied', () => {
    const { alice, bob } = pair();
    const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('grown by a getter');
    const buffer = new ArrayBuffer(first.length, { maxByteLength: 200 * MiB });
    const view = new Uint8Array(buffer); // length-tracking
    view.set(first);
    const ctx = {
      get localId() {
        buffer.resize(150 * MiB);
        return 'bob';
      },
      remoteId: 'alice',
    };
    let plaintext;
    const grew = growth(() => {
      plaintext = Session.accept(bob, view, ctx).plaintext;
    });
    equal(view.length, 150 * MiB, 'the getter ran');
    equal(text(plaintext), 'grown by a getter', 'the message as read was accepted');
    ok(grew < 8 * MiB, `WebAssembly memory grew by ${grew} bytes`);
  });

  add('finding 3: getters that shrink or grow other arguments cannot change what was already read', () => {
    const { alice, bob } = pair();
    // remoteId's getter empties the message buffer: the message was read before.
    const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('read before the getter');
    const buffer = new ArrayBuffer(first.length, { maxByteLength: first.length });
    const view = new Uint8Array(buffer);
    view.set(first);
    const shrink = {
      localId: 'bob',
      get remoteId() {
        buffer.resize(0);
        return 'alice';
      },
    };
    equal(text(Session.accept(bob, view, shrink).plaintext), 'read before the getter', 'shrunk');
    // remoteId's getter grows the buffer of localId: localId was read before.
    const idBuffer = new ArrayBuffer(5, { maxByteLength: 100 * MiB });
    new Uint8Array(idBuffer).set(encode('alice'));
    const grow = {
      localId: new Uint8Array(idBuffer),
      get remoteId() {
        idBuffer.resize(100 * MiB);
        return 'bob';
      },
    };
    const grew = growth(() => Session.initiate(alice, bob.prekeyBundle(), grow));
    ok(grew < 8 * MiB, `WebAssembly memory grew by ${grew} bytes`);
  });

  add('finding 4: Proxies of Sotto objects (plain, and Vue reactive/readonly/shallowReactive) work everywhere', () => {
    conversationWrapped((o) => new Proxy(o, {}), 'new Proxy(object, {})');
    conversationWrapped((o) => new Proxy(o, { get: (t, k, r) => Reflect.get(t, k, r) }), 'a forwarding Proxy');
    const wrappers = Object.entries(env.reactive ?? {});
    for (const [name, wrap] of wrappers) conversationWrapped(wrap, name);
    if (!wrappers.length) return 'skip: Vue reactivity not available (plain Proxies passed)';
  });

  add('finding 4: fakes of Sotto objects and Proxies that lie are WRONG_ARGUMENT_TYPE', () => {
    const { alice, bob, bundle, a } = pair();
    const realKey = Object.getOwnPropertySymbols(a)[0];
    const { proxy: revoked, revoke } = Proxy.revocable(Account.create(), {});
    revoke();
    const fakes = [
      ['Object.create(Account.prototype)', Object.create(Account.prototype)],
      ['Object.create(Session.prototype)', Object.create(Session.prototype)],
      ['Reflect.construct(Object, [], Account)', Reflect.construct(Object, [], Account)],
      ['a revoked Proxy of an Account', revoked],
      ['a plain object', { free() {} }],
      [
        "a Proxy lying about the object's key (a Proxy invariant violation)",
        realKey === undefined ? {} : new Proxy(alice, { get: (t, k, r) => (k === realKey ? () => {} : Reflect.get(t, k, r)) }),
      ],
      ['a Proxy whose traps throw', new Proxy(alice, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } })],
    ];
    for (const [label, fake] of fakes) {
      const uses = [
        ['Session.initiate(fake, ...)', () => Session.initiate(fake, bundle, ALICE)],
        ['Session.accept(fake, ...)', () => Session.accept(fake, new Uint8Array(10), BOB)],
        ['Session.initiate(account, fake bundle)', () => Session.initiate(alice, fake, ALICE)],
        ['Account#seal on the fake', () => Account.prototype.seal.call(fake, new Uint8Array(32))],
        ['Account#identityKey on the fake', () => Object.getOwnPropertyDescriptor(Account.prototype, 'identityKey').get.call(fake)],
        ['Session#encrypt on the fake', () => Session.prototype.encrypt.call(fake, 'x')],
        ['free() on the fake', () => Account.prototype.free.call(fake)],
        ['freed on the fake', () => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Account.prototype), 'freed').get.call(fake)],
      ];
      for (const [use, fn] of uses) fails('WRONG_ARGUMENT_TYPE', fn, `${label}: ${use}`);
    }
    // Right object, wrong class, also through a Proxy.
    fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(new Proxy(a, {}), bundle, ALICE), 'a Session as the account');
    fails('WRONG_ARGUMENT_TYPE', () => Session.prototype.encrypt.call(new Proxy(bob, {}), 'x'), 'an Account as a Session');
    fails('WRONG_ARGUMENT_TYPE', () => Reflect.construct(Account, []), 'Reflect.construct(Account, [])');
  });

  add('finding 4: Proxies and look-alikes of Uint8Array are WRONG_ARGUMENT_TYPE at every entry point', () => {
    for (const [label, value] of lookalikes()) {
      for (const [name, call] of entryPoints()) fails('WRONG_ARGUMENT_TYPE', () => call(value), `${label} to ${name}`);
    }
  });

  add('finding 5: a detached buffer is WRONG_ARGUMENT_TYPE, not PANIC', () => {
    for (const [name, call] of entryPoints()) {
      const error = fails('WRONG_ARGUMENT_TYPE', () => call(detached()), name);
      ok(/detached/.test(error.message), error.message);
    }
    fails('WRONG_ARGUMENT_TYPE', () => messageType(detached(0)), 'an empty detached view');
  });

  add('finding 5: an argument freed by a getter (or a Proxy trap) during the call is INVALID_HANDLE, not PANIC', () => {
    const freeing = (object, ids) => ({
      get localId() {
        object.free();
        return ids.localId;
      },
      remoteId: ids.remoteId,
    });
    {
      const { alice, bob } = pair();
      const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('x');
      fails('INVALID_HANDLE', () => Session.accept(bob, first, freeing(bob, BOB)), 'accept: the account freed by the context');
    }
    {
      const { alice, bob } = pair();
      fails('INVALID_HANDLE', () => Session.initiate(alice, bob.prekeyBundle().toBytes(), freeing(alice, ALICE)), 'initiate: account');
      const bundle = bob.prekeyBundle();
      fails('INVALID_HANDLE', () => Session.initiate(Account.create(), bundle, freeing(bundle, ALICE)), 'initiate: bundle');
    }
    {
      const { a } = pair();
      const sneaky = new Proxy(a, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof key === 'symbol' && typeof value === 'function' && key !== Symbol.dispose) target.free();
          return value;
        },
      });
      fails('INVALID_HANDLE', () => sneaky.encrypt('x'), 'a Proxy trap freeing its target');
    }
    pair();
  });

  add('finding 6(f): empty context ids are INVALID_ARGUMENT, as in the C binding (SOTTO_ERR_ZERO_LENGTH)', () => {
    const { alice, bob } = pair();
    const first = Session.initiate(alice, bob.prekeyBundle(), ALICE).encrypt('x');
    for (const empty of ['', new Uint8Array(0)]) {
      const label = typeof empty === 'string' ? "''" : 'new Uint8Array(0)';
      fails('INVALID_ARGUMENT', () => Session.initiate(alice, bob.prekeyBundle(), { localId: empty, remoteId: 'bob' }), `initiate localId ${label}`);
      fails('INVALID_ARGUMENT', () => Session.initiate(alice, bob.prekeyBundle(), { localId: 'alice', remoteId: empty }), `initiate remoteId ${label}`);
      fails('INVALID_ARGUMENT', () => Session.accept(bob, first, { localId: empty, remoteId: 'alice' }), `accept localId ${label}`);
      fails('INVALID_ARGUMENT', () => Session.accept(bob, first, { localId: 'bob', remoteId: empty }), `accept remoteId ${label}`);
    }
    // The message was not consumed by those failures.
    equal(text(Session.accept(bob, first, BOB).plaintext), 'x', 'accept after');
  });

  add('finding 6(f): strings with lone surrogates are INVALID_ARGUMENT for context ids and plaintexts', () => {
    const { alice, bob, a, b } = pair();
    for (const bad of ['\ud800', 'a\udc00b', '\udc00\ud800', 'ok\ud83d']) {
      const label = JSON.stringify(bad);
      fails('INVALID_ARGUMENT', () => a.encrypt(bad), `encrypt ${label}`);
      fails('INVALID_ARGUMENT', () => Session.initiate(alice, bob.prekeyBundle(), { localId: bad, remoteId: 'bob' }), `localId ${label}`);
      fails('INVALID_ARGUMENT', () => Session.initiate(alice, bob.prekeyBundle(), { localId: 'alice', remoteId: bad }), `remoteId ${label}`);
    }
    // Well-formed text, astral characters included, round-trips unchanged.
    const fine = 'caf\u00e9 \ud83d\ude00 \u4e2d';
    equal(text(b.decrypt(a.encrypt(fine))), fine, 'well-formed text');
    const c = Session.initiate(alice, bob.prekeyBundle(), { localId: fine, remoteId: 'bob' });
    equal(text(Session.accept(bob, c.encrypt('ids'), { localId: 'bob', remoteId: fine }).plaintext), 'ids', 'astral id');
  });

  add('finding 4/5: errors thrown by getters and revoked Proxies become WRONG_ARGUMENT_TYPE with the cause', () => {
    const { alice, bob } = pair();
    const boom = new Error('getter failed');
    const throwing = {
      get localId() {
        throw boom;
      },
      remoteId: 'bob',
    };
    const error = fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, bob.prekeyBundle(), throwing), 'throwing getter');
    equal(error.cause, boom, 'cause');
    const { proxy, revoke } = Proxy.revocable({ localId: 'a', remoteId: 'b' }, {});
    revoke();
    fails('WRONG_ARGUMENT_TYPE', () => Session.initiate(alice, bob.prekeyBundle(), proxy), 'revoked context');
    fails('WRONG_ARGUMENT_TYPE', () => PrekeyBundle.fromParts({ get identityKey() { throw boom; } }), 'throwing parts');
    fails('WRONG_ARGUMENT_TYPE', () => PrekeyBundle.fromParts(new Proxy({}, { get() { throw 42; } })), 'a Proxy throwing 42');
  });

  add('hostile environment: a Sotto call from inside crypto.getRandomValues is REENTRANT and the outer call is unharmed', () => {
    const { a, b } = pair();
    const crypto = globalThis.crypto;
    const own = Object.prototype.hasOwnProperty.call(crypto, 'getRandomValues');
    const original = crypto.getRandomValues;
    const inner = [];
    crypto.getRandomValues = function (array) {
      for (const fn of [() => generateStorageKey(), () => a.encrypt('inner'), () => a.free()]) {
        try {
          fn();
          inner.push('ok');
        } catch (e) {
          inner.push(e instanceof SottoError ? e.kind : describe(e));
        }
      }
      return original.call(this, array);
    };
    let storageKey;
    let account;
    try {
      storageKey = generateStorageKey();
      account = Account.create();
    } finally {
      if (own) crypto.getRandomValues = original;
      else delete crypto.getRandomValues;
    }
    ok(inner.length >= 6, `getRandomValues was called ${inner.length / 3} times`);
    ok(inner.every((kind) => kind === 'REENTRANT'), `inner calls: ${inner.join(', ')}`);
    equal(storageKey.length, 32, 'outer call');
    equal(account.identityKey.length, 130, 'outer call');
    equal(text(b.decrypt(a.encrypt('still fine'))), 'still fine', 'the session was not freed');
  });

  add('finding 2: a trap is reported once as PANIC, the module restarts, older objects say "restore from sealed state"', async () => {
    const builds = Object.entries(env.isolated ?? {});
    if (!builds.length) return 'skip: no isolated instance here';
    const notes = [];
    for (const [build, load] of builds) notes.push(`${build}: ${trapAndRestart(await load(), build)}`);
    return notes.join('; ');
  });

  // `glue` is a separate instance (its own glue module and memory), so that
  // restarting it leaves the instance of the other cases alone.
  function trapAndRestart({ glue, bind }, build) {
    const trap = new WebAssembly.Instance(new WebAssembly.Module(TRAP_WASM)).exports.trap;
    const api = bind({ ...glue, message_type: () => trap() }, () => true);
    const failsHere = (kind, fn, what) => fails(kind, fn, what, api.SottoError, build);
    const key = api.generateStorageKey();
    const old = api.Account.create();
    const peer = api.Account.create();
    peer.generateOneTimePrekeys(1);
    const session = api.Session.initiate(old, peer.prekeyBundle(), ALICE);
    const sealedAccount = old.seal(key);
    const sealedSession = session.seal(key);
    // Grow the old instance's memory (a 2 MiB input), so that a fresh one is visibly smaller.
    failsHere('UNSUPPORTED_VERSION', () => api.PrekeyBundle.fromBytes(new Uint8Array(MAX_INPUT)), 'a 2 MiB bundle');
    const before = api.wasmMemoryBytes();

    const error = failsHere('PANIC', () => api.messageType(new Uint8Array(10)), 'the trapping call');
    ok(error.cause instanceof WebAssembly.RuntimeError, `the cause is not a RuntimeError: ${describe(error.cause)}`);
    ok(/restarted/.test(error.message), error.message);
    const after = api.wasmMemoryBytes();
    ok(after < before, `memory was not renewed: ${before} -> ${after} bytes`);

    // Every older object reports PANIC and says what to do, each time.
    for (const [label, fn] of [
      ['account.identityKey', () => old.identityKey],
      ['account.seal', () => old.seal(key)],
      ['session.encrypt', () => session.encrypt('x')],
      ['session.id', () => session.id],
      ['initiate with an old account', () => api.Session.initiate(old, api.Account.create().prekeyBundle(), ALICE)],
    ]) {
      const lost = failsHere('PANIC', fn, label);
      ok(/restore it from sealed state/.test(lost.message), lost.message);
    }
    // Freeing them is harmless (it must not free their addresses in the new instance).
    old.free();
    session[Symbol.dispose]();
    peer.free();
    equal(old.freed, true, 'freed');

    // Sealed state restores into the new instance, and new objects work.
    const restored = api.Account.unseal(key, sealedAccount);
    const restoredSession = api.Session.unseal(key, sealedSession);
    equal(restoredSession.role, 'initiator', 'restored session');
    equal(restored.identityKey.length, 130, 'restored account');
    const bob = api.Account.create();
    bob.generateOneTimePrekeys(3);
    for (let i = 0; i < 3; i++) {
      const s = api.Session.initiate(restored, bob.prekeyBundle(), ALICE);
      const { session: r, plaintext } = api.Session.accept(bob, s.encrypt(`after restart ${i}`), BOB);
      equal(text(plaintext), `after restart ${i}`, 'new conversation');
      equal(text(s.decrypt(r.encrypt('reply'))), 'reply', 'reply');
    }
    // A second trap restarts again; the objects restored above are lost in turn.
    failsHere('PANIC', () => api.messageType(new Uint8Array(10)), 'the second trap');
    ok(/restore it from sealed state/.test(failsHere('PANIC', () => restored.identityKey, 'restored').message), 'lost');
    equal(api.Account.unseal(key, sealedAccount).identityKey.length, 130, 'after the second restart');
    // The main instance was never involved.
    pair();
    return `memory ${before} bytes before the trap, ${after} after the restart`;
  }

  add('after every hostile call above: a normal conversation works and WebAssembly memory stayed small', () => {
    const { a, b } = pair();
    for (let i = 0; i < 20; i++) {
      equal(text(b.decrypt(a.encrypt(`m${i}`))), `m${i}`, 'a to b');
      equal(text(a.decrypt(b.encrypt(`r${i}`))), `r${i}`, 'b to a');
    }
    const memory = wasmMemoryBytes();
    ok(memory < 32 * MiB, `WebAssembly memory is ${memory} bytes`);
    return `WebAssembly memory: ${memory} bytes`;
  });

  return cases;
}
