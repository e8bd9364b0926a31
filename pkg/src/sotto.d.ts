// Type declarations of the npm package `sotto` (the same for `import` and
// `require`, for the web build and the Node build). TypeScript 5.2 or later:
// the objects implement `Symbol.dispose` (explicit resource management).
/// <reference lib="esnext.disposable" />

/**
 * Stable error codes. 1–99 come from the Rust core and never change meaning;
 * 100–199 are the bindings' codes, from one table shared with the C ABI
 * (`sotto.h`): a meaning both bindings have has one number (101, 107, 109),
 * and 111–113 exist in JavaScript only.
 *
 * Every failure of a Sotto call is a {@link SottoError}, whatever the
 * arguments are (Proxies, subclasses, detached or shared buffers, throwing
 * getters): an exception thrown by a caller's getter or Proxy trap while an
 * argument is read becomes `WRONG_ARGUMENT_TYPE` with the original as `cause`.
 */
export declare const ErrorCode: Readonly<{
  /** The input ended before a complete structure could be read. */
  TRUNCATED: 1;
  /** The input had bytes left over after a complete structure. */
  TRAILING_BYTES: 2;
  /** The input starts with a format version this library does not know. */
  UNSUPPORTED_VERSION: 3;
  /** The input is a different kind of object than the call expects. */
  WRONG_OBJECT_TYPE: 4;
  /** A field has a value outside its allowed set. */
  MALFORMED: 5;
  /** A public key is not a valid encoding of the expected key type. */
  INVALID_KEY: 6;
  /** An X25519 computation produced the all-zero output (low-order key). */
  NON_CONTRIBUTORY: 7;
  /** An Ed25519 signature did not verify. */
  BAD_SIGNATURE: 8;
  /** A ciphertext did not authenticate (tampered, or for another session). */
  DECRYPTION_FAILED: 9;
  /** The message was already decrypted (replay) or its key was evicted. */
  DUPLICATE_MESSAGE: 10;
  /** The message skips more messages than allowed (1000). */
  TOO_FAR_AHEAD: 11;
  /** A prekey message names a prekey this account does not hold. */
  UNKNOWN_PREKEY: 12;
  /** A prekey message belongs to another session. */
  SESSION_MISMATCH: 13;
  /**
   * An input or output exceeds a documented size limit: plaintexts 1 MiB;
   * any byte or string input over 2 MiB is refused before it is copied into
   * WebAssembly memory (its real length counts, not what its `length` property says).
   */
  TOO_LARGE: 14;
  /** A decrypted plaintext has invalid padding. */
  INVALID_PADDING: 15;
  /** Sealed state did not authenticate: wrong storage key or corrupted bytes. */
  UNSEAL_FAILED: 16;
  /** The random number generator (crypto.getRandomValues) failed. */
  RANDOMNESS: 17;
  /** A counter or bounded store reached its documented limit. */
  LIMIT_EXCEEDED: 18;
  /**
   * An argument is invalid: a context id empty or over 1024 bytes, a string
   * (context id or plaintext) with a lone surrogate (not well-formed Unicode),
   * a storage key not 32 bytes, a count over 100.
   */
  INVALID_ARGUMENT: 19;
  /** The signed prekey a prekey message uses accepted its maximum number of sessions: rotate it and publish it. */
  PREKEY_EXHAUSTED: 20;
  /**
   * The peer sent this message from an outdated restored copy of its session
   * (restored from before a ratchet step); it can never be decrypted: ask the
   * peer to start a new session.
   */
  STALE_SESSION: 21;
  /** An internal invariant of Sotto was violated (a bug in Sotto); nothing was changed. */
  INTERNAL: 22;
  /**
   * The prekey message comes from another identity than the `expectedIdentity`
   * given to {@link Session.accept}; the account was not changed.
   */
  IDENTITY_MISMATCH: 23;
  /** A device list is older than the one held (or another list under the same version). Not in the npm package yet. */
  ROLLBACK: 24;
  /** A link offer has expired (`sotto/devices`). */
  EXPIRED: 25;
  /** An attachment's chunks authenticate but the file differs from its descriptor's digest: do not retry. */
  DIGEST_MISMATCH: 26;
  /** Linking a new device failed (tampered, another QR code, or replayed; `sotto/devices`). */
  LINK_FAILED: 27;
  /** A device not in the person's verified device list, or with another identity than the list names (sending to people is not in the npm package yet). */
  UNKNOWN_DEVICE: 28;
  /** A group message's sender chain is not held: ask the sender for its chain again (`sotto/groups`). */
  UNKNOWN_SENDER_CHAIN: 29;
  /** A group message or chain of a dropped epoch, or of a non-member (`sotto/groups`). */
  EPOCH_MISMATCH: 30;
  /** A version-2 (post-quantum ratchet) session received the mix marker of a KEM exchange it does not hold: its state was restored from an older copy; start a new session. */
  KEM_MISMATCH: 31;
  /** Bindings: the object was freed (free() or Symbol.dispose). C: a freed or invalid handle. */
  INVALID_HANDLE: 101;
  /**
   * Bindings: the WebAssembly module trapped (out of memory or a bug in
   * Sotto; C: a caught panic). It is reported once, by the call that failed;
   * the module then restarts with fresh memory, so new objects work, and
   * every object created before throws `PANIC` on each use: restore them from
   * sealed state.
   */
  PANIC: 107;
  /**
   * Bindings: Sotto was called while another Sotto call was running, i.e.
   * from inside `crypto.getRandomValues` (Sotto's source of randomness).
   */
  REENTRANT: 109;
  /**
   * Bindings: an argument has the wrong JavaScript type. Byte arguments must
   * be real `Uint8Array`s (subclasses such as Node's `Buffer`, views of shared
   * or resizable buffers and arrays of other realms are fine: their bytes are
   * copied once, by their real length). Refused: Proxies of a `Uint8Array`,
   * objects that merely inherit from `Uint8Array.prototype`, other typed
   * arrays, and views whose buffer was detached (transferred). Sotto objects
   * may be Proxies of real ones (Vue's `reactive()`); fakes are refused.
   */
  WRONG_ARGUMENT_TYPE: 111;
  /** Bindings: the web build was used before `await init()`. */
  NOT_INITIALIZED: 112;
  /** Bindings: the WebAssembly module could not be loaded by init(). */
  INIT_FAILED: 113;
}>;

/**
 * Message-type numbers, the same as the C ABI's `SOTTO_MESSAGE_PREKEY` (1)
 * and `SOTTO_MESSAGE_NORMAL` (2); 0 is never a type. {@link messageType}
 * returns the names `'prekey'` and `'normal'`.
 */
export declare const MessageTypeCode: Readonly<{ PREKEY: 1; NORMAL: 2 }>;

/** What {@link Account.generateOneTimePrekeys} did (prekey identifiers). */
export interface PrekeyReport {
  /** The new prekeys (X25519 and ML-KEM alternating), in creation order. */
  created: number[];
  /** Evicted prekeys that were never published: nothing to do. */
  evictedUnpublished: number[];
  /**
   * Evicted prekeys that were published: the server may still hand them out
   * (a prekey message using one fails with `UNKNOWN_PREKEY`); ask it to
   * delete them. Empty whenever `count` is at most 50.
   */
  evictedPublished: number[];
}

/** The name of an error code, e.g. `"DUPLICATE_MESSAGE"`. */
export type ErrorKind = keyof typeof ErrorCode;

/**
 * The one error type thrown by Sotto. Use `code` (stable number) or `kind`
 * (stable identifier) to tell errors apart; `message` explains what to do.
 *
 * @example
 * try { session.decrypt(bytes) } catch (e) {
 *   if (e instanceof SottoError && e.code === ErrorCode.DUPLICATE_MESSAGE) { ignore() }
 * }
 */
export declare class SottoError extends Error {
  /** Always `"SottoError"`. */
  readonly name: 'SottoError';
  /** The stable numeric code (see {@link ErrorCode}). */
  readonly code: number;
  /** The stable identifier of the code, e.g. `"DUPLICATE_MESSAGE"`. */
  readonly kind: ErrorKind | 'UNKNOWN';
}

/**
 * Objects backed by WebAssembly memory. Call `free()` (or use `using`) when
 * done; objects never freed are released when garbage-collected. Using a freed
 * object throws a {@link SottoError} with code `INVALID_HANDLE` (101), also when
 * a getter of another argument freed it during the call. A Proxy of an object
 * (Vue's `reactive()`, MobX, ...) can be used wherever the object can.
 */
export interface Freeable {
  /** Releases the WebAssembly memory now. Safe to call twice. */
  free(): void;
  /** Same as `free()`, so that `using x = ...` works. */
  [Symbol.dispose](): void;
  /** Whether `free()` was called. */
  readonly freed: boolean;
}

/**
 * Bytes, or a string (encoded as UTF-8). A string must be well-formed
 * Unicode: one with a lone surrogate throws `INVALID_ARGUMENT` instead of
 * being silently changed (U+FFFD) into other bytes.
 */
export type BytesOrText = Uint8Array | string;

/**
 * The application's identifiers of the two sides, each from its own point of
 * view: Alice passes `{ localId: 'alice', remoteId: 'bob' }`, Bob passes
 * `{ localId: 'bob', remoteId: 'alice' }`. 1 to 1024 bytes each (empty ids
 * throw `INVALID_ARGUMENT`, as the C binding refuses them). Each property is
 * read once, `localId` first, and copied at once.
 */
export interface SessionContext {
  localId: BytesOrText;
  remoteId: BytesOrText;
}

/**
 * A device's long-term identity and prekeys. Persist it with
 * {@link Account.seal} after every change (creating sessions with
 * {@link Session.accept} consumes one-time prekeys).
 */
export declare class Account implements Freeable {
  private constructor();
  /** A fresh account: identity keys, a signed prekey and a last-resort ML-KEM prekey. */
  static create(): Account;
  /**
   * Restores an account sealed by {@link Account.seal}.
   * @throws SottoError `UNSEAL_FAILED` (wrong key or corrupted), `WRONG_OBJECT_TYPE` (a sealed session), `INVALID_ARGUMENT` (key not 32 bytes).
   */
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): Account;
  /** Encrypts the whole account (private keys included) under a 32-byte storage key. */
  seal(storageKey: Uint8Array): Uint8Array;
  /** The public identity record (130 bytes), as found in bundles and sessions. */
  readonly identityKey: Uint8Array;
  /**
   * Generates `count` one-time X25519 prekeys and as many one-time ML-KEM
   * prekeys. At most 100 of each are held: beyond that older keys are
   * evicted, unpublished ones first. At most 50 of each kind are published
   * at once, so a `count` of at most 50 never evicts a published key.
   * @returns what was created and evicted.
   * @throws SottoError `INVALID_ARGUMENT` when count > 100, `WRONG_ARGUMENT_TYPE` when not a non-negative integer.
   */
  generateOneTimePrekeys(count: number): PrekeyReport;
  /**
   * A prekey bundle for this account using its oldest unpublished one-time
   * prekeys. Changes nothing: calls return the same keys until
   * {@link Account.markBundlePublished} records that the bundle was handed
   * out. For deployments where the device hands out bundles itself, and for
   * tests and demos.
   *
   * With `{ pqRatchet: true }` the bundle advertises ratchet version 2, the
   * post-quantum KEM ratchet (PROTOCOL.md §22): a session started from it
   * runs version 2 on both sides ({@link Session.usesPqRatchet}). Peers that
   * run only version 1 cannot decode such a bundle: serve them
   * {@link PrekeyBundle.withoutPqRatchet}. Accepting needs no option: the
   * responder follows the initiator's prekey message.
   * @throws SottoError `WRONG_ARGUMENT_TYPE` when `options` is not an object or `pqRatchet` not a boolean.
   */
  prekeyBundle(options?: { pqRatchet?: boolean }): PrekeyBundle;
  /**
   * Marks the one-time prekeys of a bundle made by {@link Account.prekeyBundle}
   * as published, so that the next bundle uses other ones.
   * @throws SottoError bundle decoding errors when given bytes.
   */
  markBundlePublished(bundle: PrekeyBundle | Uint8Array): void;
  /** The encoded current signed prekey, to upload to the server. */
  signedPrekey(): Uint8Array;
  /** The encoded current last-resort ML-KEM prekey, to upload. */
  lastResortPrekey(): Uint8Array;
  /** The encoded oldest one-time X25519 prekeys not yet published, at most as many as keep 50 published. */
  unpublishedOneTimePrekeys(): Uint8Array[];
  /** The encoded oldest one-time ML-KEM prekeys not yet published, capped likewise. */
  unpublishedOneTimeKemPrekeys(): Uint8Array[];
  /** Marks what the `unpublished*` getters return now, and the signed and last-resort prekeys, as published (after a successful upload). */
  markPrekeysPublished(): void;
  /** How many one-time prekeys of each kind the account still holds. */
  oneTimePrekeyCounts(): { x25519: number; mlkem: number };
  /** Replaces the signed prekey (the previous two remain usable). */
  rotateSignedPrekey(): void;
  /** Replaces the last-resort ML-KEM prekey (the previous two remain usable). */
  rotateLastResortPrekey(): void;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** A peer's prekey bundle, with every signature verified. */
export declare class PrekeyBundle implements Freeable {
  private constructor();
  /**
   * Decodes a bundle and verifies its signatures.
   * @throws SottoError `TRUNCATED`, `TRAILING_BYTES`, `WRONG_OBJECT_TYPE`, `INVALID_KEY`, `BAD_SIGNATURE`, ...
   */
  static fromBytes(bytes: Uint8Array): PrekeyBundle;
  /**
   * Assembles a bundle from parts uploaded separately (identity record,
   * signed prekey, one KEM prekey, an optional one-time prekey), as a
   * server does. Verifies the signatures.
   */
  static fromParts(parts: {
    identityKey: Uint8Array;
    signedPrekey: Uint8Array;
    kemPrekey: Uint8Array;
    oneTimePrekey?: Uint8Array | null;
    /** Advertise ratchet version 2 (see {@link Account.prekeyBundle}). */
    pqRatchet?: boolean;
  }): PrekeyBundle;
  /** The encoded bundle (1525 bytes with a one-time prekey, 1488 without; one more when it advertises ratchet version 2). */
  toBytes(): Uint8Array;
  /** The owner's identity record (130 bytes). */
  readonly identityKey: Uint8Array;
  /** Whether the bundle includes a one-time X25519 prekey. */
  readonly hasOneTimePrekey: boolean;
  /** Whether the owner advertises ratchet version 2, the post-quantum KEM ratchet (PROTOCOL.md §22.2). */
  readonly supportsPqRatchet: boolean;
  /** A copy of this bundle in its version-1 form, for peers that run only version 1. */
  withoutPqRatchet(): PrekeyBundle;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** The result of {@link Session.accept}. */
export interface Accepted {
  /** The new session (the responder's side). */
  session: Session;
  /** The plaintext of the prekey message. */
  plaintext: Uint8Array;
}

/**
 * One end of an end-to-end encrypted conversation with one peer device.
 * Persist it with {@link Session.seal} after every `encrypt` or `decrypt`.
 */
export declare class Session implements Freeable {
  private constructor();
  /**
   * Starts a session with the owner of `bundle`; it can encrypt at once
   * (its messages are prekey messages until the peer's first reply).
   * @throws SottoError `INVALID_ARGUMENT` (context id empty, over 1024 bytes, or a string with a lone surrogate), a bundle decoding error when given bytes, `NON_CONTRIBUTORY`.
   */
  static initiate(account: Account, bundle: PrekeyBundle | Uint8Array, context: SessionContext): Session;
  /**
   * Creates the responder's session from the peer's first (prekey) message
   * and decrypts it. Consumes one-time prekeys of `account`: seal the account
   * and the session together afterwards.
   * With `expectedIdentity` (the 130-byte identity record of the contact the
   * message should come from), a message made by another identity fails with
   * `IDENTITY_MISMATCH` and the account is not changed.
   * @throws SottoError `IDENTITY_MISMATCH`, `UNKNOWN_PREKEY`, `DUPLICATE_MESSAGE` (already accepted), `PREKEY_EXHAUSTED`, `DECRYPTION_FAILED` (tampered, or contexts differ), `INVALID_ARGUMENT` (as for {@link Session.initiate}), decoding errors.
   */
  static accept(
    account: Account,
    prekeyMessage: Uint8Array,
    context: SessionContext,
    expectedIdentity?: Uint8Array,
  ): Accepted;
  /**
   * Restores a session sealed by {@link Session.seal}.
   * @throws SottoError `UNSEAL_FAILED`, `WRONG_OBJECT_TYPE` (a sealed account), `INVALID_ARGUMENT` (key not 32 bytes).
   */
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): Session;
  /** Encrypts the session state under a 32-byte storage key. */
  seal(storageKey: Uint8Array): Uint8Array;
  /**
   * Encrypts a message (a string is encoded as UTF-8), padded per {@link Session.padding}.
   * @throws SottoError `TOO_LARGE` over 1 MiB, `INVALID_ARGUMENT` for a string with a lone surrogate.
   */
  encrypt(plaintext: BytesOrText): Uint8Array;
  /**
   * Decrypts a message of this session. On any error the session is left
   * unchanged, so forged or replayed messages cannot disturb it.
   * @throws SottoError `DECRYPTION_FAILED`, `DUPLICATE_MESSAGE`, `TOO_FAR_AHEAD`, `SESSION_MISMATCH`, decoding errors.
   */
  decrypt(message: Uint8Array): Uint8Array;
  /**
   * Decrypts a backlog of messages of this session in one call into
   * WebAssembly (one copy in, one copy out): the same as calling
   * {@link Session.decrypt} on each in order and catching its error, but
   * faster for many small messages. Returns one entry per message, in
   * order: the plaintext, or the `SottoError` that `decrypt` would have
   * thrown (that message left the session unchanged; the others were still
   * decrypted). Seal the session afterwards.
   * @throws SottoError `WRONG_ARGUMENT_TYPE` (not an Array of Uint8Array),
   * `TOO_LARGE` (a message over 2 MiB, more than 65,536 messages, or more
   * than 16 MiB together); nothing is decrypted then.
   */
  decryptBatch(messages: readonly Uint8Array[]): Array<Uint8Array | SottoError>;
  /** The 32-byte session id, equal on both sides (see {@link prekeySessionId}). */
  readonly id: Uint8Array;
  /** Which side of the handshake this session was. */
  readonly role: 'initiator' | 'responder';
  /** Whether the initiator still waits for the first reply. */
  readonly awaitingReply: boolean;
  /** Whether the session can encrypt (always true for sessions from the public constructors). */
  readonly canEncrypt: boolean;
  /**
   * Whether the session runs ratchet version 2, the post-quantum KEM ratchet
   * (PROTOCOL.md §22), negotiated from the peer's bundle. An application
   * that once saw a version-2 session with a peer can refuse a later
   * version-1 one (a downgrade by the server).
   */
  readonly usesPqRatchet: boolean;
  /** The KEM epoch of a version-2 session (KEM exchanges completed on this side, PROTOCOL.md §22.5); `null` for version 1. */
  readonly kemEpoch: number | null;
  /** This device's identity record (130 bytes). */
  readonly localIdentity: Uint8Array;
  /** The peer's identity record (130 bytes); verify it with {@link Session.safetyNumber}. */
  readonly remoteIdentity: Uint8Array;
  /** Padding of outgoing messages: `"padme"` (default, hides lengths) or `"none"`. */
  padding: 'padme' | 'none';
  /** The safety number of the two identities (about 10,400 SHA-512 computations). */
  safetyNumber(): SafetyNumber;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** One emoji of a safety number, with its name. */
export interface SafetyEmoji {
  emoji: string;
  name: string;
}

/**
 * The safety number of two identities: identical on both devices, so people
 * can compare it in person (digits, emoji, or by scanning a QR code).
 */
export declare class SafetyNumber implements Freeable {
  private constructor();
  /** The safety number of two identity records, as seen from `localIdentity`'s side. */
  static fromIdentities(localIdentity: Uint8Array, remoteIdentity: Uint8Array): SafetyNumber;
  /** The 60 decimal digits. */
  digits(): string;
  /** The digits in 12 groups of 5 separated by spaces. */
  display(): string;
  /** The 10 emoji with their names. */
  emoji(): SafetyEmoji[];
  /** The payload this side shows as a QR code (66 bytes). */
  qrPayload(): Uint8Array;
  /** Whether a payload scanned from the peer's screen matches (constant-time). */
  matchesQr(scanned: Uint8Array): boolean;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** Same as {@link SafetyNumber.fromIdentities}. */
export declare function safetyNumber(localIdentity: Uint8Array, remoteIdentity: Uint8Array): SafetyNumber;

/**
 * The kind of a received message, from its header: a `"prekey"` message
 * starts a session (pass it to {@link Session.accept} unless a session with
 * its {@link prekeySessionId} exists); a `"normal"` one belongs to a session.
 * @throws SottoError `TRUNCATED`, `UNSUPPORTED_VERSION`, `WRONG_OBJECT_TYPE`.
 */
export declare function messageType(message: Uint8Array): 'prekey' | 'normal';

/** The id (32 bytes) of the session a prekey message belongs to. */
export declare function prekeySessionId(prekeyMessage: Uint8Array): Uint8Array;

/**
 * Checks an identity record (130 bytes: key types and the binding
 * signature); throws a SottoError when it is invalid.
 */
export declare function checkIdentityKey(identity: Uint8Array): void;

/** A fresh random 32-byte storage key (keep it in a keystore, not next to the sealed data). */
export declare function generateStorageKey(): Uint8Array;

/**
 * The current size in bytes of the WebAssembly module's linear memory
 * (diagnostics; WebAssembly memory grows but never shrinks).
 */
export declare function wasmMemoryBytes(): number;

/** Anything {@link init} can load the module from. */
export type InitInput =
  | URL
  | string
  | Request
  | Response
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module;

/**
 * Loads the WebAssembly module (web build). Call once and await it before
 * anything else; later calls return the same promise. Without an argument it
 * fetches the `.wasm` next to the module (bundlers rewrite that URL). In the
 * Node build the module is loaded on import and this resolves at once.
 * @throws SottoError `INIT_FAILED` (fetch or compile failed), `WRONG_ARGUMENT_TYPE`.
 */
export declare function init(source?: InitInput | Promise<InitInput>): Promise<void>;

/** Loads the module synchronously from bytes or a compiled module (no-op in Node). */
export declare function initSync(source: ArrayBuffer | ArrayBufferView | WebAssembly.Module): void;

export default init;
