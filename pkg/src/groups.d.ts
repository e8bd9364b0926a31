// Type declarations of `sotto/groups` (PROTOCOL.md §21): sender-key group
// chats, in their own WebAssembly module.

/** The error codes `sotto/groups` reports (the numbers of the main entry's ErrorCode). */
export declare const ErrorCode: Readonly<{
  TRUNCATED: 1;
  TRAILING_BYTES: 2;
  UNSUPPORTED_VERSION: 3;
  WRONG_OBJECT_TYPE: 4;
  MALFORMED: 5;
  INVALID_KEY: 6;
  BAD_SIGNATURE: 8;
  DECRYPTION_FAILED: 9;
  DUPLICATE_MESSAGE: 10;
  TOO_FAR_AHEAD: 11;
  SESSION_MISMATCH: 13;
  TOO_LARGE: 14;
  INVALID_PADDING: 15;
  UNSEAL_FAILED: 16;
  RANDOMNESS: 17;
  LIMIT_EXCEEDED: 18;
  INVALID_ARGUMENT: 19;
  INTERNAL: 22;
  IDENTITY_MISMATCH: 23;
  UNKNOWN_SENDER_CHAIN: 29;
  EPOCH_MISMATCH: 30;
  INVALID_HANDLE: 101;
  REENTRANT: 109;
  WRONG_ARGUMENT_TYPE: 111;
  NOT_INITIALIZED: 112;
  INIT_FAILED: 113;
}>;

/**
 * The error type of `sotto/groups`. Same `name`, `code` and `kind` as the
 * main entry's SottoError, but a separate class: test `error.code` (or
 * `error.name === 'SottoError'`), not `instanceof` across entries.
 */
export declare class SottoError extends Error {
  readonly name: 'SottoError';
  /** The stable numeric code (see ErrorCode). */
  readonly code: number;
  /** The stable identifier, e.g. "UNKNOWN_SENDER_CHAIN". */
  readonly kind: string;
}

/** A device address: 1 to 64 bytes, or a string (its UTF-8). */
export type DeviceAddress = Uint8Array | string;

export interface GroupCreateOptions {
  /** The group identifier, 16 bytes (the application's). */
  groupId: Uint8Array;
  /** This device's address. */
  ownDevice: DeviceAddress;
  /** The other member devices (at most 1000). */
  members: DeviceAddress[];
  /** 0 for the group's creator; the group's current epoch for a device joining it. */
  epoch?: number;
  /** Messages per sending chain before rotation (default 100). */
  maxMessages?: number;
  /** Age of a sending chain in seconds before rotation (default 7 days). */
  maxAgeSecs?: number;
  /** Padding of group plaintexts (default 'padme'). */
  padding?: 'none' | 'padme';
  /** The clock in seconds (default: now); it only drives rotation. */
  now?: number;
  /** Known-answer tests only: the exact random bytes to draw. */
  randomness?: Uint8Array;
}

export interface ClockOptions {
  /** The clock in seconds (default: now). */
  now?: number;
  /** Known-answer tests only: the exact random bytes to draw. */
  randomness?: Uint8Array;
}

export interface GroupEncrypted {
  /** The group message, to send once to the whole group. */
  message: Uint8Array;
  /**
   * Non-null when the sending chain was rotated before this message: the
   * new chain, to send to every member device through the pairwise sessions.
   */
  distribution: Uint8Array | null;
}

export interface GroupDecrypted {
  plaintext: Uint8Array;
  /** The sending device, authenticated by its chain's signature. */
  sender: Uint8Array;
  /** The epoch the message was sent in. */
  epoch: number;
}

/**
 * One device's state in one sender-key group. Chain distributions are
 * plain bytes: send each through the pairwise Session (`sotto`) with the
 * device, and on receipt pass the device that session authenticates as
 * `from`. Every failed call changes nothing.
 */
export declare class GroupSession {
  private constructor();
  /** This device's state in a group, with a fresh sending chain. */
  static create(options: GroupCreateOptions): GroupSession;
  /** Restores a state sealed by seal(). */
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): GroupSession;
  /** The state sealed under a 32-byte storage key. */
  seal(storageKey: Uint8Array): Uint8Array;
  readonly groupId: Uint8Array;
  readonly ownDevice: Uint8Array;
  /** The current epoch (one more with every removal). */
  readonly epoch: number;
  readonly config: { maxMessages: number; maxAgeSecs: number; padding: 'none' | 'padme' };
  /** The other member devices, sorted. */
  readonly members: Uint8Array[];
  /** How many receiving chains are held. */
  readonly receivingChains: number;
  /** Whether a chain of `sender` at `epoch` is held. */
  hasChain(sender: DeviceAddress, epoch: number): boolean;
  /** This device's sending chain at its current index, to hand to member devices. */
  distribution(): Uint8Array;
  /**
   * Stores another member's chain received through the pairwise session
   * with `from`. Throws IDENTITY_MISMATCH when the chain is not `from`'s,
   * EPOCH_MISMATCH when `from` is not a member or the epoch is too old.
   */
  receiveDistribution(distribution: Uint8Array, from: DeviceAddress): void;
  /** Encrypts a group message (plaintext at most 1 MiB; a string is sent as UTF-8). */
  encrypt(plaintext: Uint8Array | string, options?: ClockOptions): GroupEncrypted;
  /**
   * Decrypts a group message of another member. Throws
   * UNKNOWN_SENDER_CHAIN when the sender's chain is not held yet
   * (parseGroupMessage says whom to ask), BAD_SIGNATURE for a forgery,
   * DUPLICATE_MESSAGE for a replay, EPOCH_MISMATCH for an old epoch.
   */
  decrypt(message: Uint8Array): GroupDecrypted;
  /** Adds member devices; send them the returned distribution (they get no history). */
  addMembers(devices: DeviceAddress[]): Uint8Array;
  /** Removes member devices and starts a new epoch; send the returned distribution to the remaining members only. */
  removeMembers(devices: DeviceAddress[], options?: ClockOptions): Uint8Array;
  /** Replaces the sending chain now; send the returned distribution to every member. */
  rotate(options?: ClockOptions): Uint8Array;
  /** Whether the next encrypt at `now` (default: now) rotates the sending chain first. */
  rotationDue(now?: number): boolean;
  /** Drops the chains of epochs before the current one. */
  dropPreviousEpochs(): void;
  /** Frees the WebAssembly memory now. Idempotent. */
  free(): void;
  [Symbol.dispose](): void;
  /** Whether free() was called. */
  readonly freed: boolean;
}

/** What a group message claims (not authenticated): for routing, or to ask for a chain. */
export declare function parseGroupMessage(message: Uint8Array): {
  groupId: Uint8Array;
  sender: Uint8Array;
  epoch: number;
  chain: number;
};

/** Bytes of WebAssembly memory this entry's module holds (for tests). */
export declare function wasmMemoryBytes(): number;

/** Loads the WebAssembly module (web build); resolves at once in Node. */
export default function init(source?: unknown): Promise<void>;
export declare function init(source?: unknown): Promise<void>;
/** Loads the module synchronously (web build); does nothing in Node. */
export declare function initSync(source?: unknown): void;
