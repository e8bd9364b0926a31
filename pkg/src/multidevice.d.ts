// Type declarations of `sotto/multidevice`: everything of the main entry
// (`sotto`, re-exported below: the same API over this entry's own
// WebAssembly module) plus session records (PROTOCOL.md §17) and sending to
// a person (§20). Objects of this entry and of `sotto` are not
// interchangeable (two modules): use one of the two entries for all chat
// objects, and hand other entries bytes (identity records, device lists).
/// <reference lib="esnext.disposable" />

import type { Account, BytesOrText, Freeable, PrekeyBundle, Session, SessionContext, SottoError } from './sotto.js';

export * from './sotto.js';
export { default } from './sotto.js';

/** Known-answer tests only: the exact random bytes the call draws. */
export interface RandomnessOptions {
  randomness?: Uint8Array;
}

/**
 * Every session with one remote device (`sotto::SessionRecord`): the current
 * one, used to send, and up to 5 archived ones that still decrypt late
 * messages. decrypt() routes any message of the device (a prekey message by
 * its session id, creating a session through the account when it is new; a
 * normal message by the header keys of the current, then the archived
 * sessions) and is transactional over the record and the account: on error
 * neither changes. Both sides of a simultaneous initiation converge on one
 * session (the smaller id) without losing a message.
 */
export declare class SessionRecord implements Freeable {
  private constructor();
  /** An empty record. */
  static create(): SessionRecord;
  /** A record whose current session is `session`; the session object is consumed (freed). */
  static fromSession(session: Session): SessionRecord;
  /** create() then decrypt() of a device's first (prekey) message. */
  static accept(account: Account, prekeyMessage: Uint8Array, context: SessionContext): { record: SessionRecord; plaintext: Uint8Array };
  /** @throws SottoError `UNSEAL_FAILED`, `WRONG_OBJECT_TYPE`, `MALFORMED`, ... */
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): SessionRecord;
  /** Every session as one sealed object (seal again after every change). */
  seal(storageKey: Uint8Array, options?: RandomnessOptions): Uint8Array;
  /** Starts a new current session from the device's bundle (the old one is archived); returns its id. */
  initiate(account: Account, bundle: PrekeyBundle | Uint8Array, context: SessionContext, options?: RandomnessOptions): Uint8Array;
  /** Encrypts with the current session. @throws SottoError `INVALID_ARGUMENT` for an empty record. */
  encrypt(plaintext: BytesOrText, options?: RandomnessOptions): Uint8Array;
  /**
   * Decrypts any message of the device; seal the record and the account
   * afterwards. @throws SottoError `DECRYPTION_FAILED` (no session opens
   * it), `DUPLICATE_MESSAGE`, the errors of Session.accept for a new prekey
   * message; nothing changes on error.
   */
  decrypt(account: Account, message: Uint8Array, context: SessionContext): Uint8Array;
  /** The current session's id, or null when empty. */
  readonly currentId: Uint8Array | null;
  /** Every session's id: current first, then archived newest first. */
  readonly sessionIds: Uint8Array[];
  /** Sessions held (current and archived). */
  readonly sessionCount: number;
  readonly isEmpty: boolean;
  /** The peer's identity record in the current session (compare it after a decrypt: a reinstall changes it). */
  readonly remoteIdentity: Uint8Array | null;
  readonly localIdentity: Uint8Array | null;
  readonly canEncrypt: boolean;
  readonly usesPqRatchet: boolean | null;
  readonly kemEpoch: number | null;
  /** The current session's padding (null when empty; setting it on an empty record throws `INVALID_ARGUMENT`). */
  get padding(): 'padme' | 'none' | null;
  set padding(value: 'padme' | 'none');
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** One device of one person: their user key (33 bytes) and the device's id in their list. */
export interface DeviceAddress {
  userKey: Uint8Array;
  deviceId: number;
}

/** A message decrypted by {@link Contact.decrypt}. */
export interface Received {
  from: DeviceAddress;
  /** The user key of the person it is addressed to (for a copy from one's own device: the person that device wrote to). */
  to: Uint8Array;
  plaintext: Uint8Array;
}

/**
 * What this device holds about one person (`sotto::contact::Contact`): their
 * verified device list and a session record per listed device. Keep one for
 * every person and one for yourself (your own list: the copies to your other
 * devices).
 */
export declare class Contact implements Freeable {
  private constructor();
  /**
   * A contact for the encoded device list (e.g. `toBytes()` of a
   * `sotto/devices` DeviceList), verified against the person's user key.
   * @throws SottoError `BAD_SIGNATURE`, `IDENTITY_MISMATCH`, `INVALID_KEY`, ...
   */
  static fromDeviceList(list: Uint8Array, expectedUserKey: Uint8Array): Contact;
  static unseal(storageKey: Uint8Array, sealed: Uint8Array): Contact;
  /** The list and every record as one sealed object. */
  seal(storageKey: Uint8Array, options?: RandomnessOptions): Uint8Array;
  readonly userKey: Uint8Array;
  /** The encoded device list. */
  readonly deviceList: Uint8Array;
  readonly listVersion: number;
  /** Listed device ids, ascending. */
  readonly deviceIds: number[];
  /** The listed identity record of a device, or null. */
  deviceIdentity(deviceId: number): Uint8Array | null;
  /** Device ids with a session record, ascending. */
  devicesWithSession(): number[];
  /** Listed devices other than `me` without a session with the listed identity: fetch their bundles. */
  devicesWithoutSession(me: DeviceAddress): DeviceAddress[];
  /**
   * Imports a newer list and drops the records of removed devices.
   * @throws SottoError `BAD_SIGNATURE` (e.g. a ghost device), `ROLLBACK`; nothing changes on error.
   */
  updateList(newList: Uint8Array): { added: number[]; removed: number[] };
  /**
   * Decrypts a message from device `fromDevice` of this person to `me`.
   * @throws SottoError `UNKNOWN_DEVICE` (not listed, or another identity),
   * `MALFORMED` (addressed to the wrong person), the errors of
   * SessionRecord.decrypt; nothing changes on error.
   */
  decrypt(account: Account, me: DeviceAddress, fromDevice: number, message: Uint8Array): Received;
  /** Sessions held with a device (0 without a record). */
  sessionCount(deviceId: number): number;
  currentSessionId(deviceId: number): Uint8Array | null;
  remoteIdentity(deviceId: number): Uint8Array | null;
  usesPqRatchet(deviceId: number): boolean | null;
  kemEpoch(deviceId: number): number | null;
  free(): void;
  [Symbol.dispose](): void;
  readonly freed: boolean;
}

/** A bundle for a device without a session. */
export interface AddressedBundle {
  to: DeviceAddress;
  bundle: PrekeyBundle | Uint8Array;
}

/** One device's line of the report of {@link sendToPerson}. */
export type Delivery =
  | { to: DeviceAddress; outcome: 'sent'; message: Uint8Array; newSession: boolean }
  | { to: DeviceAddress; outcome: 'needsBundle' }
  | { to: DeviceAddress; outcome: 'bundleRejected'; error: SottoError };

/**
 * Encrypts `plaintext` for every device of `recipient` and every other
 * device of the sender (`own`: this person's own contact), through each
 * device's current session or a new one from `bundles`. Reports every
 * device, the recipient's first, then the own, by ascending id; seal
 * `own` and `recipient` afterwards. Transactional.
 * @throws SottoError `UNKNOWN_DEVICE` (this device is not in `own`'s list,
 * or a bundle for a device that is not a target), `INVALID_ARGUMENT`,
 * `TOO_LARGE`.
 */
export declare function sendToPerson(
  account: Account,
  me: DeviceAddress,
  own: Contact,
  recipient: Contact,
  bundles: AddressedBundle[],
  plaintext: BytesOrText,
  options?: RandomnessOptions,
): Delivery[];
