// The public JavaScript API of Sotto, layered over the raw wasm-bindgen
// classes of bindings/wasm. This file has exactly one export, `bind`, so that
// the build can emit it both as an ES module and as CommonJS.
//
// What this layer adds to the raw bindings:
// - argument type checks: a wrong type is a SottoError (code 100), never a
//   crash or a silent conversion;
// - use-after-free checks: a freed object throws SottoError 101 instead of
//   wasm-bindgen's "null pointer passed to rust";
// - `Symbol.dispose`, so that objects work with `using`;
// - one error type, SottoError, carrying the core's stable numeric code.
// Objects that are never freed are released by wasm-bindgen's
// FinalizationRegistry when they are garbage-collected.

export function bind(glue, isReady) {
  /** Stable error codes: 1–99 from the Rust core, 100–199 from the bindings. */
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
    WRONG_ARGUMENT_TYPE: 100,
    OBJECT_FREED: 101,
    NOT_INITIALIZED: 102,
    INTERNAL: 103,
    INIT_FAILED: 104,
  });

  const BINDING_MESSAGES = {
    100: 'an argument has the wrong type; see the TypeScript declarations of the call',
    101: 'this object was freed (free() or Symbol.dispose) and cannot be used any more',
    102: 'the WebAssembly module is not loaded yet; await init() first (the Node entry needs no init)',
    103: 'the WebAssembly module failed unexpectedly (out of memory or a bug in Sotto); state held in memory may be unusable, restore it from sealed state',
    104: 'the WebAssembly module could not be loaded; check the URL, the Content-Type (application/wasm) or the bytes given to init()',
  };

  const NAMES = Object.freeze(
    Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name])),
  );

  /** The one error type thrown by Sotto. */
  class SottoError extends Error {
    constructor(code, detail, options) {
      let kind = NAMES[code];
      let text = BINDING_MESSAGES[code];
      if (text === undefined && isReady()) {
        // Core codes: the name and message come from the Rust core itself.
        try {
          kind = glue.error_name(code) ?? kind;
          text = glue.error_message(code);
        } catch {
          text = undefined;
        }
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

  function convert(error) {
    if (error instanceof SottoError) return error;
    if (typeof error === 'number' && Number.isInteger(error)) return new SottoError(error);
    const detail = error && typeof error.message === 'string' ? error.message : String(error);
    return new SottoError(ErrorCode.INTERNAL, detail, { cause: error });
  }

  function call(fn) {
    try {
      return fn();
    } catch (error) {
      throw convert(error);
    }
  }

  function ensureReady() {
    if (!isReady()) throw new SottoError(ErrorCode.NOT_INITIALIZED);
  }

  function typeOf(value) {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an Array';
    if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
    return `a ${typeof value}`;
  }

  function wrongType(what, expected, value) {
    return new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `${what} must be ${expected}, got ${typeOf(value)}`);
  }

  // Inputs are copied into WebAssembly memory, which never shrinks: refuse
  // oversized ones before copying. No valid input is this large (plaintexts
  // are at most 1 MiB, messages 1 MiB plus overhead, sealed state 256 KiB).
  const MAX_PLAINTEXT = 1 << 20;
  const MAX_INPUT = 2 << 20;
  function limit(value, max, what) {
    if (value.length > max) {
      throw new SottoError(ErrorCode.TOO_LARGE, `${what} is ${value.length} bytes, more than ${max}`);
    }
    return value;
  }

  function bytes(value, what) {
    if (value instanceof Uint8Array) return limit(value, MAX_INPUT, what);
    throw wrongType(what, 'a Uint8Array', value);
  }

  function storageKeyBytes(value) {
    const key = bytes(value, 'storageKey');
    if (key.length !== 32) {
      throw new SottoError(ErrorCode.INVALID_ARGUMENT, `storageKey must be 32 bytes, got ${key.length}`);
    }
    return key;
  }

  const encoder = new TextEncoder();
  function bytesOrText(value, what, max = MAX_INPUT) {
    if (value instanceof Uint8Array) return limit(value, max, what);
    if (typeof value === 'string') {
      // A UTF-8 encoding is at most 3 bytes per UTF-16 code unit.
      if (value.length > max) limit(value, max, what);
      return limit(encoder.encode(value), max, what);
    }
    throw wrongType(what, 'a Uint8Array or a string', value);
  }

  function context(value) {
    if (value === null || typeof value !== 'object') {
      throw wrongType('context', 'an object { localId, remoteId }', value);
    }
    return [bytesOrText(value.localId, 'context.localId'), bytesOrText(value.remoteId, 'context.remoteId')];
  }

  const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
  const TOKEN = Symbol('sotto internal');
  let rawOf;

  class Handle {
    #raw;
    static {
      rawOf = (handle) => handle.#raw;
    }
    constructor(token, raw) {
      if (token !== TOKEN) {
        throw new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `use the static constructors of ${new.target.name}`);
      }
      this.#raw = raw;
    }
    /** Frees the WebAssembly memory now. Idempotent. */
    free() {
      const raw = this.#raw;
      this.#raw = null;
      if (raw) raw.free();
    }
    /** Same as free(), for `using`. */
    [dispose]() {
      this.free();
    }
    /** Whether free() was called. */
    get freed() {
      return this.#raw === null;
    }
  }

  // The raw object of a live handle of the given class.
  function live(handle, Class, what) {
    if (!(handle instanceof Class)) throw wrongType(what, `a ${Class.name}`, handle);
    ensureReady();
    const raw = rawOf(handle);
    if (raw === null) {
      throw new SottoError(ErrorCode.OBJECT_FREED, `${what} (a ${Class.name}) was freed`);
    }
    return raw;
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
      const raw = live(this, Account, 'this');
      const key = storageKeyBytes(storageKey);
      return call(() => raw.seal(key));
    }
    get identityKey() {
      const raw = live(this, Account, 'this');
      return call(() => raw.identity_key());
    }
    generateOneTimePrekeys(count) {
      const raw = live(this, Account, 'this');
      if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
        throw wrongType('count', 'a non-negative integer', count);
      }
      call(() => raw.generate_one_time_prekeys(count));
    }
    prekeyBundle() {
      const raw = live(this, Account, 'this');
      return new PrekeyBundle(TOKEN, call(() => raw.prekey_bundle()));
    }
    signedPrekey() {
      const raw = live(this, Account, 'this');
      return call(() => raw.signed_prekey());
    }
    lastResortPrekey() {
      const raw = live(this, Account, 'this');
      return call(() => raw.last_resort_prekey());
    }
    unpublishedOneTimePrekeys() {
      const raw = live(this, Account, 'this');
      return call(() => raw.unpublished_one_time_prekeys());
    }
    unpublishedOneTimeKemPrekeys() {
      const raw = live(this, Account, 'this');
      return call(() => raw.unpublished_one_time_kem_prekeys());
    }
    markPrekeysPublished() {
      const raw = live(this, Account, 'this');
      call(() => raw.mark_prekeys_published());
    }
    oneTimePrekeyCounts() {
      const raw = live(this, Account, 'this');
      const [x25519, mlkem] = call(() => raw.one_time_prekey_counts());
      return { x25519, mlkem };
    }
    rotateSignedPrekey() {
      const raw = live(this, Account, 'this');
      call(() => raw.rotate_signed_prekey());
    }
    rotateLastResortPrekey() {
      const raw = live(this, Account, 'this');
      call(() => raw.rotate_last_resort_prekey());
    }
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
      const identity = bytes(parts.identityKey, 'parts.identityKey');
      const signed = bytes(parts.signedPrekey, 'parts.signedPrekey');
      const kem = bytes(parts.kemPrekey, 'parts.kemPrekey');
      const oneTime = parts.oneTimePrekey == null ? undefined : bytes(parts.oneTimePrekey, 'parts.oneTimePrekey');
      return new PrekeyBundle(TOKEN, call(() => glue.WasmBundle.from_parts(identity, signed, kem, oneTime)));
    }
    toBytes() {
      const raw = live(this, PrekeyBundle, 'this');
      return call(() => raw.to_bytes());
    }
    get identityKey() {
      const raw = live(this, PrekeyBundle, 'this');
      return call(() => raw.identity_key());
    }
    get hasOneTimePrekey() {
      const raw = live(this, PrekeyBundle, 'this');
      return call(() => raw.has_one_time_prekey());
    }
  }

  const ROLES = ['initiator', 'responder'];
  const PADDINGS = ['none', 'padme'];

  class Session extends Handle {
    static initiate(account, bundle, ctx) {
      const rawAccount = live(account, Account, 'account');
      let rawBundle;
      let temporary = null;
      if (bundle instanceof Uint8Array) {
        temporary = call(() => glue.WasmBundle.from_bytes(bundle));
        rawBundle = temporary;
      } else {
        rawBundle = live(bundle, PrekeyBundle, 'bundle');
      }
      try {
        const [localId, remoteId] = context(ctx);
        return new Session(TOKEN, call(() => glue.WasmSession.initiate(rawAccount, rawBundle, localId, remoteId)));
      } finally {
        if (temporary) temporary.free();
      }
    }
    static accept(account, prekeyMessage, ctx) {
      const rawAccount = live(account, Account, 'account');
      const message = bytes(prekeyMessage, 'prekeyMessage');
      const [localId, remoteId] = context(ctx);
      const raw = call(() => glue.WasmSession.accept(rawAccount, message, localId, remoteId));
      const plaintext = call(() => raw.take_plaintext());
      return { session: new Session(TOKEN, raw), plaintext };
    }
    static unseal(storageKey, sealed) {
      ensureReady();
      const key = storageKeyBytes(storageKey);
      const data = bytes(sealed, 'sealed');
      return new Session(TOKEN, call(() => glue.WasmSession.unseal(key, data)));
    }
    seal(storageKey) {
      const raw = live(this, Session, 'this');
      const key = storageKeyBytes(storageKey);
      return call(() => raw.seal(key));
    }
    encrypt(plaintext) {
      const raw = live(this, Session, 'this');
      const data = bytesOrText(plaintext, 'plaintext', MAX_PLAINTEXT);
      return call(() => raw.encrypt(data));
    }
    decrypt(message) {
      const raw = live(this, Session, 'this');
      const data = bytes(message, 'message');
      return call(() => raw.decrypt(data));
    }
    get id() {
      const raw = live(this, Session, 'this');
      return call(() => raw.id());
    }
    get role() {
      const raw = live(this, Session, 'this');
      return ROLES[call(() => raw.role())];
    }
    get awaitingReply() {
      const raw = live(this, Session, 'this');
      return call(() => raw.awaiting_reply());
    }
    get canEncrypt() {
      const raw = live(this, Session, 'this');
      return call(() => raw.can_encrypt());
    }
    get localIdentity() {
      const raw = live(this, Session, 'this');
      return call(() => raw.local_identity());
    }
    get remoteIdentity() {
      const raw = live(this, Session, 'this');
      return call(() => raw.remote_identity());
    }
    get padding() {
      const raw = live(this, Session, 'this');
      return PADDINGS[call(() => raw.padding())];
    }
    set padding(value) {
      const raw = live(this, Session, 'this');
      const index = PADDINGS.indexOf(value);
      if (index < 0) throw wrongType('padding', '"padme" or "none"', value);
      call(() => raw.set_padding(index));
    }
    safetyNumber() {
      const raw = live(this, Session, 'this');
      return new SafetyNumber(TOKEN, call(() => raw.safety_number()));
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
      const raw = live(this, SafetyNumber, 'this');
      return call(() => raw.digits());
    }
    display() {
      const raw = live(this, SafetyNumber, 'this');
      return call(() => raw.display());
    }
    emoji() {
      const raw = live(this, SafetyNumber, 'this');
      const symbols = call(() => raw.emoji());
      const names = call(() => raw.emoji_names());
      return symbols.map((emoji, i) => ({ emoji, name: names[i] }));
    }
    qrPayload() {
      const raw = live(this, SafetyNumber, 'this');
      return call(() => raw.qr_payload());
    }
    matchesQr(scanned) {
      const raw = live(this, SafetyNumber, 'this');
      const data = bytes(scanned, 'scanned');
      return call(() => raw.matches_qr(data));
    }
  }

  function safetyNumber(localIdentity, remoteIdentity) {
    return SafetyNumber.fromIdentities(localIdentity, remoteIdentity);
  }

  function messageType(message) {
    ensureReady();
    const data = bytes(message, 'message');
    return call(() => glue.message_type(data)) === 0 ? 'prekey' : 'normal';
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

  return {
    wasmMemoryBytes,
    ErrorCode,
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
}
