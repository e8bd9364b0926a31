// The public JavaScript API of Sotto, layered over the raw wasm-bindgen
// classes of bindings/wasm. This file has exactly one export, `bind`, so that
// the build can emit it both as an ES module and as CommonJS.
//
// What this layer adds to the raw bindings:
// - argument checks: a wrong type is a SottoError (code 111), never a crash
//   or a silent conversion; strings must be well-formed Unicode;
// - private copies of byte arguments, measured through the intrinsic
//   typed-array accessors (see `bytes` below): wasm-bindgen's glue sizes its
//   allocation from `arg.length`, which a caller's object could fake
//   (Session.encrypt and decrypt copy the bytes, measured the same way, once,
//   straight into WebAssembly memory instead: see `throughIo`);
// - size caps checked on the real length before anything is copied into
//   WebAssembly memory (which never shrinks);
// - use-after-free checks: a freed object throws SottoError 101 instead of
//   wasm-bindgen's "null pointer passed to rust";
// - recovery from a trap (see `restart`);
// - `Symbol.dispose`, so that objects work with `using`;
// - one error type, SottoError, carrying the core's stable numeric code.
// Objects that are never freed are released by wasm-bindgen's
// FinalizationRegistry when they are garbage-collected.
//
// Every call follows the same order, so that code a caller controls (getters,
// Proxy traps) can run only before anything is checked for good:
//   1. look up the Sotto objects among the arguments (type, freed);
//   2. read and copy every other argument, once each, in a fixed order,
//      checking type and size;
//   3. check the objects again (a getter of step 2 may have freed one), then
//      call into WebAssembly with the copies only.
// Step 3 runs no caller code.

// `extend` (the `sotto/multidevice` build only, pkg/src/records.js) receives
// this layer's internals and returns more exports over the same module.
export function bind(glue, isReady, extend) {
  /**
   * Stable error codes: 1–99 from the Rust core (sotto::Error), 100–199 from
   * the bindings (sotto::BindingError, one table shared with the C ABI, whose
   * SOTTO_ERR_* constants have the same numbers and names). The tests check
   * this object against both tables (js-tests/codes.test.mjs).
   */
  const ErrorCode = Object.freeze({
    TRUNCATED: 1,
    TRAILING_BYTES: 2,
    UNSUPPORTED_VERSION: 3,
    WRONG_OBJECT_TYPE: 4,
    MALFORMED: 5,
    INVALID_KEY: 6,
    NON_CONTRIBUTORY: 7,
    BAD_SIGNATURE: 8,
    DECRYPTION_FAILED: 9,
    DUPLICATE_MESSAGE: 10,
    TOO_FAR_AHEAD: 11,
    UNKNOWN_PREKEY: 12,
    SESSION_MISMATCH: 13,
    TOO_LARGE: 14,
    INVALID_PADDING: 15,
    UNSEAL_FAILED: 16,
    RANDOMNESS: 17,
    LIMIT_EXCEEDED: 18,
    INVALID_ARGUMENT: 19,
    PREKEY_EXHAUSTED: 20,
    STALE_SESSION: 21,
    INTERNAL: 22,
    IDENTITY_MISMATCH: 23,
    ROLLBACK: 24,
    EXPIRED: 25,
    DIGEST_MISMATCH: 26,
    LINK_FAILED: 27,
    UNKNOWN_DEVICE: 28,
    UNKNOWN_SENDER_CHAIN: 29,
    EPOCH_MISMATCH: 30,
    KEM_MISMATCH: 31,
    INVALID_HANDLE: 101,
    PANIC: 107,
    REENTRANT: 109,
    WRONG_ARGUMENT_TYPE: 111,
    NOT_INITIALIZED: 112,
    INIT_FAILED: 113,
  });

  /**
   * Message-type numbers, the same as the C ABI's SOTTO_MESSAGE_PREKEY and
   * SOTTO_MESSAGE_NORMAL (sotto::MessageType::code); 0 is never a type.
   * messageType() returns the names 'prekey' and 'normal'.
   */
  const MessageTypeCode = Object.freeze({ PREKEY: 1, NORMAL: 2 });
  const MESSAGE_TYPE_NAMES = { 1: 'prekey', 2: 'normal' };

  // The binding codes' messages, copied from sotto::BindingError (they are
  // needed when the module is not loaded or busy); codes.test.mjs checks that
  // they are that table's.
  const BINDING_MESSAGES = {
    101: 'not a live object: it was never created by Sotto, or was already freed',
    107: 'internal failure (a bug in Sotto, or out of memory) stopped the call; in JavaScript the module was restarted and every earlier Sotto object must be restored from sealed state; please report this bug',
    109: 'Sotto was called from inside its own random-number source while another Sotto call was running; this is not allowed',
    111: 'an argument has the wrong type; see the TypeScript declarations of the call',
    112: 'the WebAssembly module is not loaded yet; await init() first (the Node entry needs no init)',
    113: 'the WebAssembly module could not be loaded; check the URL, the Content-Type (application/wasm) or the bytes given to init()',
  };

  const NAMES = Object.freeze(
    Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name])),
  );

  // Intrinsics, captured once when the package loads. Byte arguments are read
  // only through these, never through the argument's own (overridable)
  // properties: a Uint8Array subclass or an own property can make `length` or
  // `byteLength` say anything, and a Proxy runs the caller's code on every
  // access. The accessors read the engine's internal slots instead.
  const uncurry = (fn) => Function.prototype.call.bind(fn);
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  const accessor = (key) => uncurry(Object.getOwnPropertyDescriptor(TypedArray, key).get);
  const typedArrayName = accessor(Symbol.toStringTag); // undefined for anything but a typed array
  const typedArrayLength = accessor('length'); // 0 when detached or out of bounds
  const typedArrayOffset = accessor('byteOffset');
  const typedArrayBuffer = accessor('buffer');
  const typedArraySet = uncurry(TypedArray.set);
  const typedArrayFill = uncurry(TypedArray.fill);
  const memoryBuffer = uncurry(Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer').get);
  const U8 = Uint8Array;
  const weakMapGet = uncurry(WeakMap.prototype.get);
  const weakMapSet = uncurry(WeakMap.prototype.set);
  const defineProperty = Object.defineProperty;
  const encodeUtf8 = uncurry(TextEncoder.prototype.encode).bind(null, new TextEncoder());
  // String.prototype.isWellFormed is in Node 20 and current browsers; the
  // fallback matches a lone surrogate (a code point of category Cs in `u` mode).
  const isWellFormed = String.prototype.isWellFormed
    ? uncurry(String.prototype.isWellFormed)
    : (text) => !/\p{Cs}/u.test(text);

  // `busy` is true while a call into WebAssembly runs: the only caller code
  // that can run then is crypto.getRandomValues (the core's randomness), and a
  // Sotto call from there would re-enter Rust code in the middle of another
  // call (and a restart from there would swap the instance under it).
  let busy = false;
  // Incremented by each restart: objects of an older generation belong to an
  // instance that no longer exists.
  let generation = 0;
  // Set when a restart itself failed: nothing can be called any more.
  let broken = false;
  // Core error names and messages, fetched from the core once per code so
  // that errors can be built without calling into WebAssembly (while busy).
  const coreTexts = new Map();

  function coreText(code) {
    let entry = coreTexts.get(code);
    if (entry === undefined && !busy && !broken && isReady()) {
      try {
        entry = [glue.error_name(code), glue.error_message(code)];
        coreTexts.set(code, entry);
      } catch {
        entry = undefined;
      }
    }
    return entry ?? [undefined, undefined];
  }

  /** The one error type thrown by Sotto. */
  class SottoError extends Error {
    constructor(code, detail, options) {
      let kind = NAMES[code];
      let text = BINDING_MESSAGES[code];
      if (text === undefined) {
        // Core codes: the name and message come from the Rust core itself.
        const [name, message] = coreText(code);
        kind = name ?? kind;
        text = message;
      }
      kind = kind ?? 'UNKNOWN';
      text = text ?? 'unknown error';
      super(`${kind} (sotto error ${code}): ${text}${detail ? ` [${detail}]` : ''}`, options);
      this.name = 'SottoError';
      /** The stable numeric code (see ErrorCode). */
      this.code = code;
      /** The stable identifier, e.g. "DUPLICATE_MESSAGE". */
      this.kind = kind;
    }
  }

  // A description of a thrown value (its getters, if any, are guarded).
  function describe(error) {
    try {
      if (error instanceof Error) return `${error.name}: ${error.message}`;
    } catch {
      // A Proxy whose getPrototypeOf trap throws.
    }
    return typeof error === 'object' && error !== null ? 'a thrown object' : String(error);
  }

  // After a trap the instance's memory cannot be trusted (a trap stops Rust
  // code half-way, with no cleanup). wasm-bindgen can replace the instance by
  // a fresh one of the same module (`schedule_restart` sets the flag; the glue
  // swaps the instance before its next export call, here memory_bytes). Every
  // object of the old instance then reports PANIC ("restore from sealed
  // state") through its generation, and its finalizer does nothing; objects
  // created afterwards work. If even that fails, the module is `broken`.
  function restart(error) {
    generation += 1;
    let detail = describe(error);
    try {
      glue.schedule_restart();
      glue.memory_bytes();
    } catch (again) {
      broken = true;
      detail += `; the restart failed too (${describe(again)}): reload the page or restart the process, then restore from sealed state`;
    }
    return new SottoError(ErrorCode.PANIC, detail, { cause: error });
  }

  function convert(error) {
    if (error instanceof SottoError) return error;
    // Rust errors arrive as the core's numeric code.
    if (typeof error === 'number' && Number.isInteger(error)) return new SottoError(error);
    // Anything else thrown by the glue is a trap, an exception that unwound
    // through Rust frames, or a failure of the glue itself: all are treated
    // as a trap, since caller errors are all caught before the call.
    return restart(error);
  }

  // Runs `fn`, which calls into WebAssembly, and converts what it throws.
  function call(fn) {
    if (busy) throw new SottoError(ErrorCode.REENTRANT);
    busy = true;
    try {
      return fn();
    } catch (error) {
      busy = false;
      throw convert(error);
    } finally {
      busy = false;
    }
  }

  function ensureReady() {
    if (!isReady()) throw new SottoError(ErrorCode.NOT_INITIALIZED);
    if (broken) {
      throw new SottoError(ErrorCode.PANIC, 'the module could not be restarted after a failure: reload the page or restart the process');
    }
  }

  // The kind of a value for messages; runs no code of the value's except a
  // `constructor` getter (guarded).
  function typeOf(value) {
    if (value === null) return 'null';
    if (typeof value !== 'object' && typeof value !== 'function') return `a ${typeof value}`;
    try {
      if (Array.isArray(value)) return 'an Array';
      const name = value.constructor?.name;
      if (typeof name === 'string' && name !== '') return `a ${name}`;
    } catch {
      // A revoked Proxy, or a throwing getter.
    }
    return typeof value === 'function' ? 'a function' : 'an object';
  }

  function wrongType(what, expected, value) {
    return new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `${what} must be ${expected}, got ${typeOf(value)}`);
  }

  // Reads a property of a caller's object (a getter or a Proxy trap may run).
  function read(object, key, what) {
    try {
      return object[key];
    } catch (error) {
      throw new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `reading ${what}.${key} threw: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  // Inputs are copied into WebAssembly memory, which never shrinks: refuse
  // oversized ones before copying. No valid input is this large (plaintexts
  // are at most 1 MiB, messages 1 MiB plus overhead, sealed state 256 KiB).
  const MAX_PLAINTEXT = 1 << 20;
  const MAX_INPUT = 2 << 20;
  // Session.decryptBatch: at most this many messages and bytes in one call.
  const MAX_BATCH = 65536;
  const MAX_BATCH_INPUT = 16 << 20;
  // Defines an own data property (an index of an Array of ours) without a
  // [[Set]], so that no setter on Array.prototype can run or intercept it.
  const own = (object, key, value) =>
    defineProperty(object, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  function tooLarge(what, length, max) {
    return new SottoError(ErrorCode.TOO_LARGE, `${what} is ${length} bytes, more than ${max}`);
  }

  // A private copy of a Uint8Array argument: a fresh, plain, non-shared,
  // fixed-length Uint8Array that no caller code can reach, so the length
  // wasm-bindgen reads from it is the number of bytes copied, and nothing
  // (another thread growing a SharedArrayBuffer, a getter resizing an
  // ArrayBuffer) can change it between the size check and the copy into
  // WebAssembly memory.
  function bytes(value, what, max = MAX_INPUT, expected = 'a Uint8Array') {
    const view = bytesView(value, what, max, expected);
    const copy = new U8(typedArrayLength(view));
    typedArraySet(copy, view);
    return copy;
  }
  // A fixed-length view of a caller's Uint8Array (checked as by `bytes`),
  // for copying it at once, before any other caller code can run.
  function bytesView(value, what, max = MAX_INPUT, expected = 'a Uint8Array') {
    // True for Uint8Array and its subclasses (Node's Buffer), from any realm;
    // false for Proxies of one, Object.create(Uint8Array.prototype) and other
    // look-alikes, whose contents could only be read through their own code.
    if (typedArrayName(value) !== 'Uint8Array') {
      const got = typeOf(value);
      throw new SottoError(
        ErrorCode.WRONG_ARGUMENT_TYPE,
        got === 'a Uint8Array'
          ? `${what} must be ${expected}, got a Proxy or look-alike of a Uint8Array (pass the array itself)`
          : `${what} must be ${expected}, got ${got}`,
      );
    }
    const length = typedArrayLength(value);
    if (length > max) throw tooLarge(what, length, max);
    let view;
    try {
      // A fixed-length view of exactly the bytes measured: a growable
      // SharedArrayBuffer grown meanwhile by another thread cannot lengthen it.
      view = new U8(typedArrayBuffer(value), typedArrayOffset(value), length);
    } catch (error) {
      // Only a detached buffer fails here (its view measures 0 bytes).
      throw new SottoError(
        ErrorCode.WRONG_ARGUMENT_TYPE,
        `${what} is a Uint8Array whose ArrayBuffer was detached (transferred), so it has no bytes to read`,
        { cause: error },
      );
    }
    return view;
  }

  // Session.encrypt and decrypt, the per-message calls, go through the
  // session's I/O buffer in WebAssembly memory (bindings/wasm
  // WasmSession::io_reserve): the caller's bytes, checked and measured as by
  // `bytes`, are copied once, straight into it, and the result once out of
  // it. The other calls' private copy and wasm-bindgen's copies cost a fresh
  // ArrayBuffer each, about 0.7 µs in V8 above 64 bytes (docs/BENCHMARKS.md,
  // issue 14). `memory` is the current instance's memory (a restart brings
  // a new one), `memoryView` a view of all of it (detached, length 0, once
  // the memory grew).
  let memory;
  let memoryGeneration = -1;
  let memoryView = new U8(0);
  function wasmBytes() {
    if (memoryGeneration !== generation) {
      memory = glue.io_memory();
      memoryGeneration = generation;
      memoryView = new U8(0);
    }
    if (typedArrayLength(memoryView) === 0) memoryView = new U8(memoryBuffer(memory));
    return memoryView;
  }
  // Inside call(): copies `input` (a fixed-length view from bytesView, or an
  // array of ours) into `raw`'s I/O buffer, runs `run(length)`, which
  // returns the result's length, and returns a copy of the result, wiping it
  // in the buffer. Runs no caller code: nothing here reads a caller's object
  // but through the intrinsics, and `input` cannot change length.
  function throughIo(raw, input, run) {
    const length = typedArrayLength(input);
    const at = raw.io_reserve(length); // first: it may grow memory
    typedArraySet(wasmBytes(), input, at);
    const resultLength = run(length);
    const from = raw.io_ptr();
    const view = wasmBytes(); // memory may have grown during the call
    const result = new U8(resultLength);
    typedArraySet(result, new U8(typedArrayBuffer(view), from, resultLength));
    typedArrayFill(view, 0, from, from + resultLength);
    return result;
  }

  function text(value, what, max) {
    // A UTF-8 encoding has at least one byte per UTF-16 code unit.
    if (value.length > max) throw tooLarge(what, value.length, max);
    // TextEncoder would replace a lone surrogate by U+FFFD, so two different
    // strings would become the same bytes (two context ids one context, or a
    // plaintext other than the one given): refuse them instead.
    if (!isWellFormed(value)) {
      throw new SottoError(
        ErrorCode.INVALID_ARGUMENT,
        `${what} is a string with a lone surrogate (not well-formed Unicode); pass well-formed text or bytes`,
      );
    }
    const encoded = encodeUtf8(value);
    const length = typedArrayLength(encoded);
    if (length > max) throw tooLarge(what, length, max);
    return encoded;
  }

  function bytesOrText(value, what, max = MAX_INPUT) {
    if (typeof value === 'string') return text(value, what, max);
    return bytes(value, what, max, 'a Uint8Array or a string');
  }

  function storageKeyBytes(value) {
    const key = bytes(value, 'storageKey');
    if (key.length !== 32) {
      throw new SottoError(ErrorCode.INVALID_ARGUMENT, `storageKey must be 32 bytes, got ${key.length}`);
    }
    return key;
  }

  // A context id: 1 to 1024 bytes (the core checks the upper bound). Empty
  // ids are refused as by the C binding (SOTTO_ERR_ZERO_LENGTH there, which
  // has no JavaScript code of its own): INVALID_ARGUMENT, like an over-long id.
  function contextId(context, key) {
    const what = `context.${key}`;
    const id = bytesOrText(read(context, key, 'context'), what);
    if (id.length === 0) {
      throw new SottoError(ErrorCode.INVALID_ARGUMENT, `${what} is empty; context ids are 1 to 1024 bytes`);
    }
    return id;
  }

  // Each id is read once and copied at once, localId first: a getter of
  // remoteId cannot change localId, nor any byte argument copied before.
  function context(value) {
    if (value === null || typeof value !== 'object') {
      throw wrongType('context', 'an object { localId, remoteId }', value);
    }
    return [contextId(value, 'localId'), contextId(value, 'remoteId')];
  }

  const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
  const TOKEN = Symbol('sotto internal');

  // Sotto objects and Proxies of them.
  //
  // A Proxy of a Sotto object (what Vue's reactive(), MobX or a logging
  // wrapper hands back) is accepted wherever the object is: web apps keep
  // their state in such wrappers. It cannot reach a JavaScript private field
  // of its target, so each object carries its state's key in an own property
  // under a module-private symbol instead, defined non-writable and
  // non-configurable: for such a property the engine forces every Proxy to
  // report exactly the target's value (a Proxy invariant), so a Proxy of a
  // real object always resolves to that object and cannot substitute another.
  // The key is a function rather than an object so that reactive wrappers,
  // which wrap objects they return, hand it back as is. The state itself
  // lives in a WeakMap that only this module can read; fakes
  // (Object.create(Account.prototype), Reflect.construct, plain objects) have
  // no key and are refused with WRONG_ARGUMENT_TYPE. (An object created with
  // a real one as prototype inherits its key and acts on it, like a Proxy:
  // whoever can build either already holds the real object.)
  const SLOT = Symbol('sotto object');
  const states = new WeakMap(); // key -> { Class, raw, generation }

  // The state of a Sotto object, or undefined. May run a Proxy's get trap.
  function stateOf(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    let key;
    try {
      key = value[SLOT];
    } catch {
      return undefined;
    }
    return typeof key === 'function' ? weakMapGet(states, key) : undefined;
  }

  // Throws unless the state's object can be used now. Runs no caller code.
  function check(state, what) {
    if (state.raw === null) {
      throw new SottoError(ErrorCode.INVALID_HANDLE, `${what} (a ${state.Class.name}) was freed`);
    }
    if (state.generation !== generation) {
      throw new SottoError(
        ErrorCode.PANIC,
        `${what} (a ${state.Class.name}) was lost when the module restarted after a failure; restore it from sealed state`,
      );
    }
    return state.raw;
  }

  // Step 1: the state of an argument that must be a live object of `Class`.
  function handle(value, Class, what) {
    const state = stateOf(value);
    if (state === undefined || state.Class !== Class) throw wrongType(what, `a ${Class.name}`, value);
    check(state, what);
    return state;
  }

  // Methods: checks that the module is usable and looks up `this`.
  function self(value, Class) {
    ensureReady();
    return handle(value, Class, 'this');
  }

  class Handle {
    constructor(token, raw) {
      if (token !== TOKEN) {
        throw new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `use the static constructors of ${new.target.name}`);
      }
      const key = () => {};
      weakMapSet(states, key, { Class: new.target, raw, generation });
      defineProperty(this, SLOT, { value: key });
    }
    /** Frees the WebAssembly memory now. Idempotent. */
    free() {
      const state = stateOf(this);
      if (state === undefined) throw wrongType('this', 'a Sotto object', this);
      const raw = state.raw;
      if (raw === null) return;
      if (busy) throw new SottoError(ErrorCode.REENTRANT);
      state.raw = null;
      // An object of an older instance is simply dropped: its memory is gone,
      // and raw.free() would free that address in the current instance.
      if (state.generation === generation && !broken) call(() => raw.free());
    }
    /** Same as free(), for `using`. */
    [dispose]() {
      this.free();
    }
    /** Whether free() was called. */
    get freed() {
      const state = stateOf(this);
      if (state === undefined) throw wrongType('this', 'a Sotto object', this);
      return state.raw === null;
    }
  }

  class Account extends Handle {
    /** A fresh account (identity, signed prekey, last-resort ML-KEM prekey). */
    static create() {
      ensureReady();
      return new Account(TOKEN, call(() => glue.WasmAccount.create()));
    }
    static unseal(storageKey, sealed) {
      ensureReady();
      const key = storageKeyBytes(storageKey);
      const data = bytes(sealed, 'sealed');
      return new Account(TOKEN, call(() => glue.WasmAccount.unseal(key, data)));
    }
    seal(storageKey) {
      const state = self(this, Account);
      const key = storageKeyBytes(storageKey);
      return call(() => check(state, 'this').seal(key));
    }
    get identityKey() {
      const state = self(this, Account);
      return call(() => check(state, 'this').identity_key());
    }
    generateOneTimePrekeys(count) {
      const state = self(this, Account);
      if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
        throw wrongType('count', 'a non-negative integer', count);
      }
      const [created, evictedUnpublished, evictedPublished] = call(() =>
        check(state, 'this').generate_one_time_prekeys(count),
      );
      return { created, evictedUnpublished, evictedPublished };
    }
    prekeyBundle(options) {
      const state = self(this, Account);
      const pq = pqOption(options, 'options');
      return new PrekeyBundle(TOKEN, call(() => check(state, 'this').prekey_bundle(pq)));
    }
    markBundlePublished(bundle) {
      const state = self(this, Account);
      const withBundle = bundleArg(bundle, 'bundle');
      call(() => {
        const raw = check(state, 'this');
        return withBundle((b) => raw.mark_bundle_published(b));
      });
    }
    signedPrekey() {
      const state = self(this, Account);
      return call(() => check(state, 'this').signed_prekey());
    }
    lastResortPrekey() {
      const state = self(this, Account);
      return call(() => check(state, 'this').last_resort_prekey());
    }
    unpublishedOneTimePrekeys() {
      const state = self(this, Account);
      return call(() => check(state, 'this').unpublished_one_time_prekeys());
    }
    unpublishedOneTimeKemPrekeys() {
      const state = self(this, Account);
      return call(() => check(state, 'this').unpublished_one_time_kem_prekeys());
    }
    markPrekeysPublished() {
      const state = self(this, Account);
      call(() => check(state, 'this').mark_prekeys_published());
    }
    oneTimePrekeyCounts() {
      const state = self(this, Account);
      const [x25519, mlkem] = call(() => check(state, 'this').one_time_prekey_counts());
      return { x25519, mlkem };
    }
    rotateSignedPrekey() {
      const state = self(this, Account);
      call(() => check(state, 'this').rotate_signed_prekey());
    }
    rotateLastResortPrekey() {
      const state = self(this, Account);
      call(() => check(state, 'this').rotate_last_resort_prekey());
    }
  }

  // A bundle argument: a PrekeyBundle (checked now, steps 1 and 3) or its
  // encoding (copied now, step 2). Returns `(use) => use(rawBundle)` for
  // inside call(): an encoding is decoded into a temporary raw bundle there.
  function bundleArg(bundle, what) {
    const state = stateOf(bundle);
    if (state === undefined) {
      const encoded = bytes(bundle, what, MAX_INPUT, 'a PrekeyBundle or a Uint8Array');
      return (use) => {
        const temporary = glue.WasmBundle.from_bytes(encoded);
        try {
          return use(temporary);
        } finally {
          temporary.free();
        }
      };
    }
    if (state.Class !== PrekeyBundle) throw wrongType(what, 'a PrekeyBundle or a Uint8Array', bundle);
    check(state, what);
    return (use) => use(check(state, what));
  }

  // `{ pqRatchet?: boolean }` (PROTOCOL.md §22.2: a bundle advertising
  // ratchet version 2): read once, before anything is checked for good.
  function pqOption(options, what) {
    if (options === undefined) return false;
    if (options === null || typeof options !== 'object') throw wrongType(what, 'an object { pqRatchet?: boolean }', options);
    return flag(read(options, 'pqRatchet', what), `${what}.pqRatchet`);
  }
  function flag(value, what) {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw wrongType(what, 'a boolean', value);
    return value;
  }

  class PrekeyBundle extends Handle {
    static fromBytes(encoded) {
      ensureReady();
      const data = bytes(encoded, 'bundle');
      return new PrekeyBundle(TOKEN, call(() => glue.WasmBundle.from_bytes(data)));
    }
    static fromParts(parts) {
      ensureReady();
      if (parts === null || typeof parts !== 'object') {
        throw wrongType('parts', 'an object { identityKey, signedPrekey, kemPrekey, oneTimePrekey? }', parts);
      }
      const identity = bytes(read(parts, 'identityKey', 'parts'), 'parts.identityKey');
      const signed = bytes(read(parts, 'signedPrekey', 'parts'), 'parts.signedPrekey');
      const kem = bytes(read(parts, 'kemPrekey', 'parts'), 'parts.kemPrekey');
      const oneTimeValue = read(parts, 'oneTimePrekey', 'parts');
      const oneTime = oneTimeValue == null ? undefined : bytes(oneTimeValue, 'parts.oneTimePrekey');
      const pq = flag(read(parts, 'pqRatchet', 'parts'), 'parts.pqRatchet');
      return new PrekeyBundle(TOKEN, call(() => glue.WasmBundle.from_parts(identity, signed, kem, oneTime, pq)));
    }
    toBytes() {
      const state = self(this, PrekeyBundle);
      return call(() => check(state, 'this').to_bytes());
    }
    get identityKey() {
      const state = self(this, PrekeyBundle);
      return call(() => check(state, 'this').identity_key());
    }
    get hasOneTimePrekey() {
      const state = self(this, PrekeyBundle);
      return call(() => check(state, 'this').has_one_time_prekey());
    }
    get supportsPqRatchet() {
      const state = self(this, PrekeyBundle);
      return call(() => check(state, 'this').supports_pq_ratchet());
    }
    withoutPqRatchet() {
      const state = self(this, PrekeyBundle);
      return new PrekeyBundle(TOKEN, call(() => check(state, 'this').without_capabilities()));
    }
  }

  const ROLES = ['initiator', 'responder'];
  const PADDINGS = ['none', 'padme'];

  class Session extends Handle {
    static initiate(account, bundle, ctx) {
      ensureReady();
      const accountState = handle(account, Account, 'account');
      const withBundle = bundleArg(bundle, 'bundle');
      const [localId, remoteId] = context(ctx);
      const raw = call(() => {
        const rawAccount = check(accountState, 'account');
        return withBundle((b) => glue.WasmSession.initiate(rawAccount, b, localId, remoteId));
      });
      return new Session(TOKEN, raw);
    }
    static accept(account, prekeyMessage, ctx, expectedIdentity) {
      ensureReady();
      const accountState = handle(account, Account, 'account');
      const message = bytes(prekeyMessage, 'prekeyMessage');
      const [localId, remoteId] = context(ctx);
      const expected =
        expectedIdentity === undefined ? undefined : bytes(expectedIdentity, 'expectedIdentity');
      const raw = call(() =>
        glue.WasmSession.accept(check(accountState, 'account'), message, localId, remoteId, expected),
      );
      const session = new Session(TOKEN, raw);
      const plaintext = call(() => raw.take_plaintext());
      return { session, plaintext };
    }
    static unseal(storageKey, sealed) {
      ensureReady();
      const key = storageKeyBytes(storageKey);
      const data = bytes(sealed, 'sealed');
      return new Session(TOKEN, call(() => glue.WasmSession.unseal(key, data)));
    }
    seal(storageKey) {
      const state = self(this, Session);
      const key = storageKeyBytes(storageKey);
      return call(() => check(state, 'this').seal(key));
    }
    encrypt(plaintext) {
      const state = self(this, Session);
      const data =
        typeof plaintext === 'string'
          ? text(plaintext, 'plaintext', MAX_PLAINTEXT)
          : bytesView(plaintext, 'plaintext', MAX_PLAINTEXT, 'a Uint8Array or a string');
      return call(() => {
        const raw = check(state, 'this');
        return throughIo(raw, data, (length) => raw.encrypt(length));
      });
    }
    decrypt(message) {
      const state = self(this, Session);
      const data = bytesView(message, 'message');
      return call(() => {
        const raw = check(state, 'this');
        return throughIo(raw, data, (length) => raw.decrypt(length));
      });
    }
    decryptBatch(messages) {
      const state = self(this, Session);
      if (!Array.isArray(messages)) throw wrongType('messages', 'an Array of Uint8Array', messages);
      const count = read(messages, 'length', 'messages');
      if (!Number.isSafeInteger(count) || count < 0) throw wrongType('messages', 'an Array of Uint8Array', messages);
      if (count > MAX_BATCH) {
        throw new SottoError(ErrorCode.TOO_LARGE, `messages has ${count} entries, more than ${MAX_BATCH}`);
      }
      // Every element is read once (a getter or Proxy trap may run) before
      // any is measured; then measuring and copying all of them into one
      // private buffer runs no caller code.
      const values = [];
      for (let i = 0; i < count; i++) own(values, i, read(messages, i, 'messages'));
      const views = [];
      const lengths = new Uint32Array(count);
      let total = 0;
      for (let i = 0; i < count; i++) {
        const view = bytesView(values[i], `messages[${i}]`);
        lengths[i] = typedArrayLength(view);
        total += lengths[i];
        if (total > MAX_BATCH_INPUT) throw tooLarge('messages (together)', total, MAX_BATCH_INPUT);
        own(views, i, view);
      }
      const joined = new U8(total);
      for (let i = 0, at = 0; i < count; at += lengths[i], i++) typedArraySet(joined, views[i], at);
      const out = call(() => check(state, 'this').decrypt_batch(joined, lengths));
      const results = [];
      for (let at = 0, end = typedArrayLength(out); at < end; ) {
        const word = (out[at] | (out[at + 1] << 8) | (out[at + 2] << 16) | (out[at + 3] << 24)) >>> 0;
        at += 4;
        if (word >= 0x80000000) {
          results.push(new SottoError(word - 0x80000000));
        } else {
          results.push(out.slice(at, at + word));
          at += word;
        }
      }
      return results;
    }
    get id() {
      const state = self(this, Session);
      return call(() => check(state, 'this').id());
    }
    get role() {
      const state = self(this, Session);
      return ROLES[call(() => check(state, 'this').role())];
    }
    get awaitingReply() {
      const state = self(this, Session);
      return call(() => check(state, 'this').awaiting_reply());
    }
    get canEncrypt() {
      const state = self(this, Session);
      return call(() => check(state, 'this').can_encrypt());
    }
    get usesPqRatchet() {
      const state = self(this, Session);
      return call(() => check(state, 'this').uses_pq_ratchet());
    }
    get kemEpoch() {
      const state = self(this, Session);
      return call(() => check(state, 'this').kem_epoch()) ?? null;
    }
    get localIdentity() {
      const state = self(this, Session);
      return call(() => check(state, 'this').local_identity());
    }
    get remoteIdentity() {
      const state = self(this, Session);
      return call(() => check(state, 'this').remote_identity());
    }
    get padding() {
      const state = self(this, Session);
      return PADDINGS[call(() => check(state, 'this').padding())];
    }
    set padding(value) {
      const state = self(this, Session);
      const index = value === 'none' ? 0 : value === 'padme' ? 1 : -1;
      if (index < 0) throw wrongType('padding', '"padme" or "none"', value);
      call(() => check(state, 'this').set_padding(index));
    }
    safetyNumber() {
      const state = self(this, Session);
      return new SafetyNumber(TOKEN, call(() => check(state, 'this').safety_number()));
    }
  }

  class SafetyNumber extends Handle {
    static fromIdentities(localIdentity, remoteIdentity) {
      ensureReady();
      const local = bytes(localIdentity, 'localIdentity');
      const remote = bytes(remoteIdentity, 'remoteIdentity');
      return new SafetyNumber(TOKEN, call(() => glue.WasmSafetyNumber.from_identities(local, remote)));
    }
    digits() {
      const state = self(this, SafetyNumber);
      return call(() => check(state, 'this').digits());
    }
    display() {
      const state = self(this, SafetyNumber);
      return call(() => check(state, 'this').display());
    }
    emoji() {
      const state = self(this, SafetyNumber);
      const [symbols, names] = call(() => [check(state, 'this').emoji(), state.raw.emoji_names()]);
      return symbols.map((emoji, i) => ({ emoji, name: names[i] }));
    }
    qrPayload() {
      const state = self(this, SafetyNumber);
      return call(() => check(state, 'this').qr_payload());
    }
    matchesQr(scanned) {
      const state = self(this, SafetyNumber);
      const data = bytes(scanned, 'scanned');
      return call(() => check(state, 'this').matches_qr(data));
    }
  }

  function safetyNumber(localIdentity, remoteIdentity) {
    return SafetyNumber.fromIdentities(localIdentity, remoteIdentity);
  }

  function messageType(message) {
    ensureReady();
    const data = bytes(message, 'message');
    return MESSAGE_TYPE_NAMES[call(() => glue.message_type(data))];
  }

  function prekeySessionId(prekeyMessage) {
    ensureReady();
    const data = bytes(prekeyMessage, 'prekeyMessage');
    return call(() => glue.prekey_session_id(data));
  }

  function checkIdentityKey(identity) {
    ensureReady();
    const data = bytes(identity, 'identity');
    call(() => glue.check_identity(data));
  }

  function generateStorageKey() {
    ensureReady();
    return call(() => glue.generate_storage_key());
  }

  function wasmMemoryBytes() {
    ensureReady();
    return call(() => glue.memory_bytes());
  }

  const api = {
    wasmMemoryBytes,
    ErrorCode,
    MessageTypeCode,
    SottoError,
    Account,
    PrekeyBundle,
    Session,
    SafetyNumber,
    safetyNumber,
    messageType,
    prekeySessionId,
    checkIdentityKey,
    generateStorageKey,
  };
  if (!extend) return api;
  const more = extend({
    glue,
    api,
    ErrorCode,
    SottoError,
    call,
    ensureReady,
    stateOf,
    check,
    handle,
    self,
    Handle,
    TOKEN,
    bytes,
    bytesOrText,
    storageKeyBytes,
    context,
    wrongType,
    read,
    bundleArg,
    MAX_PLAINTEXT,
  });
  return { ...api, ...more };
}
