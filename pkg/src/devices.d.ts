// Type declarations of `sotto/devices` (PROTOCOL.md §18, §19): people's
// device lists and linking a new device by QR code, in their own
// WebAssembly module.

/** The error codes `sotto/devices` reports (the numbers of the main entry's ErrorCode). */
export declare const ErrorCode: Readonly<{
  TRUNCATED: 1;
  TRAILING_BYTES: 2;
  UNSUPPORTED_VERSION: 3;
  WRONG_OBJECT_TYPE: 4;
  MALFORMED: 5;
  INVALID_KEY: 6;
  NON_CONTRIBUTORY: 7;
  BAD_SIGNATURE: 8;
  TOO_LARGE: 14;
  UNSEAL_FAILED: 16;
  RANDOMNESS: 17;
  LIMIT_EXCEEDED: 18;
  INVALID_ARGUMENT: 19;
  INTERNAL: 22;
  IDENTITY_MISMATCH: 23;
  ROLLBACK: 24;
  EXPIRED: 25;
  LINK_FAILED: 27;
  INVALID_HANDLE: 101;
  REENTRANT: 109;
  WRONG_ARGUMENT_TYPE: 111;
  NOT_INITIALIZED: 112;
  INIT_FAILED: 113;
}>;

/**
 * The error type of `sotto/devices`. Same `name`, `code` and `kind` as the
 * main entry's SottoError, but a separate class: test `error.code` (or
 * `error.name === 'SottoError'`), not `instanceof` across entries.
 */
export declare class SottoError extends Error {
  readonly name: 'SottoError';
  readonly code: number;
  readonly kind: string;
}

/** Objects holding WebAssembly memory. */
interface Freeable {
  /** Frees the WebAssembly memory now. Idempotent. */
  free(): void;
  [Symbol.dispose](): void;
  /** Whether free() was called. */
  readonly freed: boolean;
}

/** One device of a person. */
export interface DeviceEntry {
  /** The application's device number, unique in the person's list. */
  deviceId: number;
  /** The device's account identity key (main entry: `account.identityKey`). */
  identityKey: Uint8Array;
  /** When the device was added (the application's clock, seconds). */
  addedAt: number;
}

/** A person's device list, signed by their user identity. */
export declare class DeviceList implements Freeable {
  private constructor();
  /**
   * Decodes and checks a list against the person's user key: BAD_SIGNATURE
   * for a list the person did not sign, IDENTITY_MISMATCH for another person's.
   */
  static fromBytes(list: Uint8Array, expectedUserKey: Uint8Array): DeviceList;
  /** The first list seen of a person (trust on first use): pin its userKey. */
  static fromBytesFirstUse(list: Uint8Array): DeviceList;
  toBytes(): Uint8Array;
  readonly userKey: Uint8Array;
  readonly version: number;
  /** The devices, sorted by deviceId. */
  readonly devices: DeviceEntry[];
  /**
   * Checks a newer list of the same person: ROLLBACK for an older version
   * (or the same version with other contents), BAD_SIGNATURE,
   * IDENTITY_MISMATCH. This list is unchanged either way.
   */
  update(newList: Uint8Array): { list: DeviceList; added: DeviceEntry[]; removed: DeviceEntry[] };
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** A certificate: the person vouches for one of their devices. */
export declare class DeviceCertificate implements Freeable {
  private constructor();
  static fromBytes(certificate: Uint8Array, expectedUserKey: Uint8Array): DeviceCertificate;
  toBytes(): Uint8Array;
  readonly userKey: Uint8Array;
  readonly deviceId: number;
  readonly deviceIdentity: Uint8Array;
  readonly listVersion: number;
  /** Throws IDENTITY_MISMATCH unless it certifies the device with this identity key. */
  verifyDevice(identityKey: Uint8Array): void;
  /** Throws unless the device is in `list`. */
  verifyInList(list: DeviceList): void;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

export interface RandomnessOptions {
  /** Known-answer tests only: the exact random bytes to draw. */
  randomness?: Uint8Array;
}

/** A person's user identity, on their primary device. */
export declare class UserIdentity implements Freeable {
  private constructor();
  static create(options?: RandomnessOptions): UserIdentity;
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): UserIdentity;
  /** The identity and its committed list, sealed under a 32-byte storage key. */
  seal(storageKey: Uint8Array, options?: RandomnessOptions): Uint8Array;
  /** The public user key (33 bytes), which contacts verify. */
  readonly publicKey: Uint8Array;
  /** The committed list, or null. */
  readonly deviceList: DeviceList | null;
  /** Signs the next list (pure): commit it once the server stored it. */
  signDeviceList(change: {
    add?: { deviceId: number; identityKey: Uint8Array }[];
    remove?: number[];
    /** Seconds (default: now). */
    now?: number;
  }): DeviceList;
  commitDeviceList(list: DeviceList): void;
  /** A certificate for a device of the committed list. */
  certifyDevice(deviceId: number): DeviceCertificate;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** A contact handed to a newly linked device. */
export interface LinkContact {
  userKey: Uint8Array;
  verified: boolean;
  /** At most 64 bytes of UTF-8. */
  name: string;
}

/** What a newly linked device learns. */
export interface LinkedDevice {
  userKey: Uint8Array;
  deviceId: number;
  deviceList: DeviceList;
  certificate: Uint8Array;
  contacts: LinkContact[];
  /** Six digits: the person checks the primary shows the same. */
  code: string;
}

/** The new device's side of linking: show qrPayload, then complete(). */
export declare class LinkOffer implements Freeable {
  private constructor();
  /**
   * An offer for this device's account, given sealed (main entry:
   * `account.seal(storageKey)`), valid `ttl` seconds (1-600, default 300).
   */
  static create(
    storageKey: Uint8Array,
    sealedAccount: Uint8Array,
    options?: { now?: number; ttl?: number } & RandomnessOptions,
  ): LinkOffer;
  /** The QR code's bytes (1,374): they hold the QR secret, show them on this screen only. */
  readonly qrPayload: Uint8Array;
  readonly expiresAt: number;
  readonly used: boolean;
  /**
   * Opens the primary's response: EXPIRED past the expiry; LINK_FAILED when
   * it does not authenticate (tampered, for another offer) or the offer was
   * used. A failed call leaves the offer usable.
   */
  complete(response: Uint8Array, options?: { now?: number }): LinkedDevice;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** A scanned QR payload, on the primary device. */
export declare class ScannedOffer implements Freeable {
  private constructor();
  /** Decodes and checks a scanned payload (EXPIRED past its expiry). */
  static fromQr(payload: Uint8Array, options?: { now?: number }): ScannedOffer;
  /** The new device's account identity key. */
  readonly identityKey: Uint8Array;
  readonly expiresAt: number;
  /**
   * Answers as `user`, adding the new device as `deviceId`. Send
   * `response`, show `code`; once the person confirmed both screens show
   * it and the server stored `deviceList`, call user.commitDeviceList(deviceList).
   */
  respond(
    user: UserIdentity,
    options: { deviceId: number; contacts?: LinkContact[]; now?: number } & RandomnessOptions,
  ): { response: Uint8Array; code: string; deviceList: DeviceList; certificate: Uint8Array };
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** Throws INVALID_KEY unless `userKey` is a valid user identity key. */
export declare function checkUserKey(userKey: Uint8Array): void;
/** The 60-digit safety number of two people (the same on both sides). */
export declare function userSafetyNumber(localUserKey: Uint8Array, remoteUserKey: Uint8Array): string;

/** Bytes of WebAssembly memory this entry's module holds (for tests). */
export declare function wasmMemoryBytes(): number;

/** Loads the WebAssembly module (web build); resolves at once in Node. */
export default function init(source?: unknown): Promise<void>;
export declare function init(source?: unknown): Promise<void>;
/** Loads the module synchronously (web build); does nothing in Node. */
export declare function initSync(source?: unknown): void;
