// Shared by the JavaScript layers of `sotto/groups` and `sotto/devices`:
// scripts/build-wasm.sh puts this file in front of each (groups.js,
// devices.js), so it has no import or export of its own. It gives each
// entry the same conventions as the main entry (pkg/src/api.js):
// - SottoError with the core's stable numeric codes (a class per entry:
//   compare `code` or `name`, not `instanceof`, across entries);
// - private copies of byte arguments, measured through the intrinsic
//   typed-array accessors, never the value's own (overridable) properties
//   (wasm-bindgen's glue sizes its copy from `length`), with size caps
//   checked before anything is copied into WebAssembly memory;
// - objects that refuse use after free() (INVALID_HANDLE), with
//   Symbol.dispose for `using`; forgotten ones are freed by wasm-bindgen's
//   weak references;
// - a wrong argument type is SottoError 111, never a silent conversion.
function kit(glue, isReady, codes) {
  const ErrorCode = Object.freeze({
    ...codes,
    INVALID_ARGUMENT: 19,
    INVALID_HANDLE: 101,
    REENTRANT: 109,
    WRONG_ARGUMENT_TYPE: 111,
    NOT_INITIALIZED: 112,
    INIT_FAILED: 113,
  });
  const NAMES = Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
  const BINDING_MESSAGES = {
    101: 'not a live object: it was never created by Sotto, or was already freed',
    109: 'a Sotto call was made from inside another Sotto call',
    111: 'an argument has the wrong type; see the TypeScript declarations of the call',
    112: 'the WebAssembly module is not loaded yet; await init() first (the Node entry needs no init)',
    113: 'the WebAssembly module could not be loaded',
  };

  let busy = false;

  class SottoError extends Error {
    constructor(code, detail, options) {
      let kind = NAMES[code];
      let text = BINDING_MESSAGES[code];
      if (text === undefined && isReady() && !busy) {
        try {
          kind = glue.error_name(code) ?? kind;
          text = glue.error_message(code);
        } catch {
          // keep the local name
        }
      }
      kind = kind ?? 'UNKNOWN';
      super(`${kind} (sotto error ${code}): ${text ?? 'unknown error'}${detail ? ` [${detail}]` : ''}`, options);
      this.name = 'SottoError';
      this.code = code;
      this.kind = kind;
    }
  }

  // Runs `fn` (calls into WebAssembly) and turns a core code into a SottoError.
  function call(fn) {
    if (!isReady()) throw new SottoError(ErrorCode.NOT_INITIALIZED);
    if (busy) throw new SottoError(ErrorCode.REENTRANT);
    let code;
    busy = true;
    try {
      return fn();
    } catch (error) {
      if (typeof error !== 'number') throw error;
      code = error;
    } finally {
      busy = false;
    }
    throw new SottoError(code);
  }

  function typeOf(value) {
    if (value === null) return 'null';
    if (typeof value !== 'object') return `a ${typeof value}`;
    return Array.isArray(value) ? 'an Array' : 'an object';
  }
  const wrongType = (what, expected, value) =>
    new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `${what} must be ${expected}, got ${typeOf(value)}`);
  const invalid = (detail) => new SottoError(ErrorCode.INVALID_ARGUMENT, detail);

  const uncurry = (fn) => Function.prototype.call.bind(fn);
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  const accessor = (key) => uncurry(Object.getOwnPropertyDescriptor(TypedArray, key).get);
  const typedArrayName = accessor(Symbol.toStringTag);
  const typedArrayLength = accessor('length');
  const typedArrayOffset = accessor('byteOffset');
  const typedArrayBuffer = accessor('buffer');
  const typedArraySet = uncurry(TypedArray.set);
  const encoder = new TextEncoder();
  const isWellFormed = String.prototype.isWellFormed
    ? uncurry(String.prototype.isWellFormed)
    : (s) => !/\p{Cs}/u.test(s);

  // No valid input is larger (plaintexts are at most 1 MiB; link responses
  // 128 KiB; sealed states at most a few MiB).
  const MAX_INPUT = 8 << 20;

  // A private, fixed-length copy of a Uint8Array argument.
  function bytes(value, what, max = MAX_INPUT) {
    if (typedArrayName(value) !== 'Uint8Array') throw wrongType(what, 'a Uint8Array', value);
    const length = typedArrayLength(value);
    if (length > max) throw new SottoError(14, `${what} is ${length} bytes, more than ${max}`);
    let view;
    try {
      view = new Uint8Array(typedArrayBuffer(value), typedArrayOffset(value), length);
    } catch {
      throw wrongType(what, 'a Uint8Array with a live buffer', value);
    }
    const copy = new Uint8Array(length);
    typedArraySet(copy, view);
    return copy;
  }

  // Bytes, or a string as its UTF-8 (well-formed Unicode only).
  function bytesOrText(value, what, max) {
    if (typeof value !== 'string') return bytes(value, what, max);
    if (!isWellFormed(value)) throw invalid(`${what} is a string with a lone surrogate`);
    return encoder.encode(value);
  }

  function storageKey(value) {
    const key = bytes(value, 'storageKey');
    if (key.length !== 32) throw invalid(`storageKey must be 32 bytes, got ${key.length}`);
    return key;
  }

  // Seconds: an integer in 0..2^53 (default: the clock now).
  function seconds(value, what) {
    if (value === undefined) return Math.floor(Date.now() / 1000);
    if (!Number.isSafeInteger(value) || value < 0) throw wrongType(what, 'a non-negative integer (seconds)', value);
    return value;
  }

  function integer(value, what, min, max) {
    if (!Number.isInteger(value)) throw wrongType(what, 'an integer', value);
    if (value < min || value > max) throw invalid(`${what} must be ${min} to ${max}, got ${value}`);
    return value;
  }

  function options(value, what) {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null) throw wrongType(what, 'an object', value);
    return value;
  }

  // A list of device addresses (Uint8Array or string, 1-64 bytes each),
  // packed as length-prefixed items for the raw layer.
  function addresses(value, what) {
    if (!Array.isArray(value)) throw wrongType(what, 'an Array of device addresses', value);
    const items = [];
    let total = 0;
    for (let i = 0; i < value.length; i += 1) {
      const item = bytesOrText(value[i], `${what}[${i}]`);
      if (item.length === 0 || item.length > 64) throw invalid(`${what}[${i}] must be 1 to 64 bytes`);
      items.push(item);
      total += 1 + item.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const item of items) {
      out[at] = item.length;
      out.set(item, at + 1);
      at += 1 + item.length;
    }
    return out;
  }

  function unpack(packed) {
    const out = [];
    for (let at = 0; at < packed.length; at += 1 + packed[at]) out.push(packed.slice(at + 1, at + 1 + packed[at]));
    return out;
  }

  const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
  const TOKEN = Symbol('sotto internal');
  // As in the main entry: each object carries the key of its state in an
  // own, non-writable, non-configurable property under a private symbol, so
  // that a Proxy of it (Vue's reactive(), MobX) resolves to the object
  // itself (a Proxy must report such a property exactly), while look-alikes
  // (Object.create(Class.prototype), plain objects) have no state.
  const SLOT = Symbol('sotto object');
  const states = new WeakMap();

  function stateOf(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    let key;
    try {
      key = value[SLOT];
    } catch {
      return undefined;
    }
    return typeof key === 'function' ? states.get(key) : undefined;
  }

  // The base of every object of the entry: the raw wasm-bindgen object is
  // reachable only through `live(this)`, which refuses a freed one.
  class Handle {
    constructor(token, raw) {
      if (token !== TOKEN) throw new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `use the static constructors of ${new.target.name}`);
      const key = () => {};
      states.set(key, { Class: new.target, raw });
      Object.defineProperty(this, SLOT, { value: key });
    }
    /** Frees the WebAssembly memory now. Idempotent. */
    free() {
      const state = stateOf(this);
      if (state === undefined) throw wrongType('this', 'a Sotto object', this);
      if (state.raw === null) return;
      if (busy) throw new SottoError(ErrorCode.REENTRANT);
      const raw = state.raw;
      state.raw = null;
      raw.free();
    }
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

  // The raw object of `value`, a live object of `Class` (or a Proxy of one).
  function live(value, Class, what = 'this') {
    const state = stateOf(value);
    if (state === undefined || state.Class !== Class) throw wrongType(what, `a ${Class.name}`, value);
    if (state.raw === null) throw new SottoError(ErrorCode.INVALID_HANDLE, `${what} (a ${Class.name}) was freed`);
    if (!isReady()) throw new SottoError(ErrorCode.NOT_INITIALIZED);
    return state.raw;
  }

  // Read-only properties of Class, each the result of one method of its
  // live raw object (`table`: property name -> raw method name), in place
  // of a getter per property written out in the class.
  function getters(Class, table) {
    for (const [name, method] of Object.entries(table)) {
      Object.defineProperty(Class.prototype, name, {
        get() {
          const raw = live(this, Class);
          return call(() => raw[method]());
        },
        configurable: true,
      });
    }
  }

  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

  return {
    ErrorCode,
    SottoError,
    call,
    wrongType,
    invalid,
    bytes,
    bytesOrText,
    storageKey,
    seconds,
    integer,
    options,
    addresses,
    unpack,
    Handle,
    TOKEN,
    live,
    getters,
    hex,
  };
}
