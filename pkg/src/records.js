// Session records (PROTOCOL.md §17) and sending to a person (§20): the
// classes `SessionRecord` and `Contact` and the function `sendToPerson` of
// the subpath export `sotto/multidevice`, over the raw classes WasmRecord and
// WasmContact of bindings/wasm (features `records` and `contact`).
//
// `sotto/multidevice` is the main entry (pkg/src/api.js, the same file) plus
// this file, over one WebAssembly module built with those features: records
// and contacts take the main entry's Account, Session and PrekeyBundle
// objects of the same module (a prekey message to a record is accepted with
// the account's one-time prekeys). api.js's `bind` hands this file its
// internals, so every call here follows its rules (the three steps, private
// copies, SottoError, restart after a trap). This file has exactly one
// export, `extend`, so that the build can emit it both as an ES module and
// as CommonJS.
export function extend(k) {
  const { glue, api, ErrorCode, SottoError, call, ensureReady, check, handle, self, Handle, TOKEN } = k;
  const { bytes, bytesOrText, storageKeyBytes, context, wrongType, read, bundleArg, MAX_PLAINTEXT } = k;
  const { Account, Session } = api;
  const NONE = new Uint8Array(0);
  const PADDINGS = ['none', 'padme'];
  const invalid = (detail) => new SottoError(ErrorCode.INVALID_ARGUMENT, detail);
  // At most 2 lists of 16 devices (sotto::person::MAX_DEVICES) need bundles.
  const MAX_BUNDLES = 64;

  // `{ randomness?: Uint8Array }`: known-answer tests only, the exact bytes
  // the call draws (empty or absent: the operating system's generator).
  function draws(options, what = 'options') {
    if (options === undefined) return NONE;
    if (options === null || typeof options !== 'object') throw wrongType(what, 'an object { randomness? }', options);
    const value = read(options, 'randomness', what);
    return value === undefined ? NONE : bytes(value, `${what}.randomness`);
  }

  function deviceId(value, what) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw wrongType(what, 'an integer from 0 to 4294967295', value);
    }
    return value;
  }

  // A device address { userKey (33 bytes), deviceId }, packed as the raw
  // layer's 37 bytes (PROTOCOL.md §20.1).
  function address(value, what) {
    if (value === null || typeof value !== 'object') throw wrongType(what, 'an object { userKey, deviceId }', value);
    const user = bytes(read(value, 'userKey', what), `${what}.userKey`);
    const id = deviceId(read(value, 'deviceId', what), `${what}.deviceId`);
    if (user.length !== 33) throw invalid(`${what}.userKey must be 33 bytes, got ${user.length}`);
    const out = new Uint8Array(37);
    out.set(user);
    new DataView(out.buffer).setUint32(33, id);
    return out;
  }

  function unpackAddress(packed, at) {
    return {
      userKey: packed.slice(at, at + 33),
      deviceId: new DataView(packed.buffer, packed.byteOffset + at + 33, 4).getUint32(0),
    };
  }

  const orNull = (value) => (value === undefined ? null : value);

  // Defines read-only properties of Class: each getter reads its raw object
  // (checked live) with `fn`.
  function getters(Class, table) {
    for (const [name, fn] of Object.entries(table)) {
      Object.defineProperty(Class.prototype, name, {
        get() {
          const state = self(this, Class);
          return call(() => fn(check(state, 'this')));
        },
        configurable: true,
      });
    }
  }

  // Defines methods of Class taking one device id.
  function perDevice(Class, table) {
    for (const [name, fn] of Object.entries(table)) {
      Object.defineProperty(Class.prototype, name, {
        value(id) {
          const state = self(this, Class);
          const d = deviceId(id, 'deviceId');
          return call(() => fn(check(state, 'this'), d));
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /**
   * Every session with one remote device: the current one, used to send,
   * and up to 5 archived ones that still decrypt late messages
   * (sotto::SessionRecord, PROTOCOL.md §17).
   */
  class SessionRecord extends Handle {
    /** An empty record. */
    static create() {
      ensureReady();
      return new SessionRecord(TOKEN, call(() => glue.WasmRecord.create()));
    }
    /** A record whose current session is `session`, which is consumed (freed). */
    static fromSession(session) {
      ensureReady();
      const state = handle(session, Session, 'session');
      const raw = call(() => glue.WasmRecord.from_session(check(state, 'session')));
      // The raw session moved into the record.
      state.raw = null;
      return new SessionRecord(TOKEN, raw);
    }
    /**
     * A new record from the first (prekey) message of a peer device, which
     * it decrypts through `account` (consuming its one-time prekeys):
     * `{ record, plaintext }`. The same as create() then decrypt().
     */
    static accept(account, prekeyMessage, ctx) {
      const record = SessionRecord.create();
      try {
        return { record, plaintext: record.decrypt(account, prekeyMessage, ctx) };
      } catch (error) {
        record.free();
        throw error;
      }
    }
    static unseal(storageKey, sealed) {
      ensureReady();
      const key = storageKeyBytes(storageKey);
      const data = bytes(sealed, 'sealed');
      return new SessionRecord(TOKEN, call(() => glue.WasmRecord.unseal(key, data)));
    }
    /** Every session as one object under a 32-byte storage key. */
    seal(storageKey, options) {
      const state = self(this, SessionRecord);
      const key = storageKeyBytes(storageKey);
      const tape = draws(options);
      return call(() => check(state, 'this').seal(key, tape));
    }
    /**
     * Starts a new current session from the peer device's bundle (a
     * PrekeyBundle or its bytes); the previous one is archived. Returns the
     * new session's id.
     */
    initiate(account, bundle, ctx, options) {
      const state = self(this, SessionRecord);
      const accountState = handle(account, Account, 'account');
      const withBundle = bundleArg(bundle, 'bundle');
      const [localId, remoteId] = context(ctx);
      const tape = draws(options);
      return call(() => {
        const raw = check(state, 'this');
        const rawAccount = check(accountState, 'account');
        return withBundle((b) => raw.initiate(rawAccount, b, localId, remoteId, tape));
      });
    }
    /** Encrypts with the current session (INVALID_ARGUMENT when empty). */
    encrypt(plaintext, options) {
      const state = self(this, SessionRecord);
      const data = bytesOrText(plaintext, 'plaintext', MAX_PLAINTEXT);
      const tape = draws(options);
      return call(() => check(state, 'this').encrypt(data, tape));
    }
    /**
     * Decrypts any message of the peer device: a prekey message by its
     * session id (a new one is accepted through `account`), a normal
     * message by the current session, then the archived ones; the session
     * that decrypted it may become current. On error neither the record
     * nor the account changes.
     */
    decrypt(account, message, ctx) {
      const state = self(this, SessionRecord);
      const accountState = handle(account, Account, 'account');
      const data = bytes(message, 'message');
      const [localId, remoteId] = context(ctx);
      return call(() => check(state, 'this').decrypt(check(accountState, 'account'), data, localId, remoteId));
    }
    /** The current session's padding, 'padme' or 'none' (null when empty). */
    get padding() {
      const state = self(this, SessionRecord);
      const index = call(() => check(state, 'this').padding());
      return index === undefined ? null : PADDINGS[index];
    }
    set padding(value) {
      const state = self(this, SessionRecord);
      const index = PADDINGS.indexOf(value);
      if (index < 0) throw wrongType('padding', '"padme" or "none"', value);
      call(() => check(state, 'this').set_padding(index));
    }
  }

  /**
   * What this device holds about one person: their verified device list and
   * a session record per listed device (sotto::contact::Contact, §20.2).
   */
  class Contact extends Handle {
    /**
     * A contact holding the encoded device list `list` (e.g.
     * `deviceList.toBytes()` of `sotto/devices`), verified against the
     * person's 33-byte user key, and no session.
     */
    static fromDeviceList(list, expectedUserKey) {
      ensureReady();
      const l = bytes(list, 'list');
      const key = bytes(expectedUserKey, 'expectedUserKey');
      return new Contact(TOKEN, call(() => glue.WasmContact.create(l, key)));
    }
    static unseal(storageKey, sealed) {
      ensureReady();
      const key = storageKeyBytes(storageKey);
      const data = bytes(sealed, 'sealed', 8 << 20);
      return new Contact(TOKEN, call(() => glue.WasmContact.unseal(key, data)));
    }
    /** The list and every record as one object under a 32-byte storage key. */
    seal(storageKey, options) {
      const state = self(this, Contact);
      const key = storageKeyBytes(storageKey);
      const tape = draws(options);
      return call(() => check(state, 'this').seal(key, tape));
    }
    /** Device ids with a session record, ascending. */
    devicesWithSession() {
      const state = self(this, Contact);
      return Array.from(call(() => check(state, 'this').devices_with_session()));
    }
    /**
     * The listed devices, other than `me`, without a session with the
     * listed identity, as addresses: fetch a bundle for each before
     * sendToPerson (else they are reported 'needsBundle').
     */
    devicesWithoutSession(me) {
      const state = self(this, Contact);
      const m = address(me, 'me');
      const ids = call(() => check(state, 'this').devices_without_session(m));
      const userKey = call(() => state.raw.user_key());
      return Array.from(ids, (id) => ({ userKey: userKey.slice(), deviceId: id }));
    }
    /**
     * Imports a newer list of the person (BAD_SIGNATURE for one they did
     * not sign, e.g. with a ghost device; ROLLBACK for an older one) and
     * drops the records of removed devices: `{ added, removed }` device ids.
     */
    updateList(newList) {
      const state = self(this, Contact);
      const l = bytes(newList, 'newList');
      const out = call(() => check(state, 'this').update_list(l));
      return { added: Array.from(out.subarray(1, 1 + out[0])), removed: Array.from(out.subarray(1 + out[0])) };
    }
    /**
     * Decrypts a message that device `fromDevice` of this person sent to
     * `me` ({ userKey, deviceId }): `{ from, to, plaintext }`, `to` the user
     * key of the person it is addressed to. UNKNOWN_DEVICE when the list
     * does not name the device (or its session has another identity);
     * nothing changes on error.
     */
    decrypt(account, me, fromDevice, message) {
      const state = self(this, Contact);
      const accountState = handle(account, Account, 'account');
      const m = address(me, 'me');
      const from = deviceId(fromDevice, 'fromDevice');
      const data = bytes(message, 'message');
      const out = call(() => check(state, 'this').decrypt(check(accountState, 'account'), m, from, data));
      const userKey = call(() => state.raw.user_key());
      return { from: { userKey, deviceId: from }, to: out.slice(0, 33), plaintext: out.slice(33) };
    }
  }

  getters(SessionRecord, {
    /** The current session's id, or null for an empty record. */
    currentId: (raw) => orNull(raw.current_id()),
    /** Every session's id, current first, then archived newest first. */
    sessionIds: (raw) => {
      const packed = raw.session_ids();
      const ids = [];
      for (let at = 0; at < packed.length; at += 32) ids.push(packed.slice(at, at + 32));
      return ids;
    },
    /** Number of sessions held (current and archived). */
    sessionCount: (raw) => raw.len(),
    isEmpty: (raw) => raw.is_empty(),
    /** The peer's identity record in the current session (null when empty). */
    remoteIdentity: (raw) => orNull(raw.remote_identity()),
    localIdentity: (raw) => orNull(raw.local_identity()),
    canEncrypt: (raw) => raw.can_encrypt() ?? false,
    /** Whether the current session runs ratchet version 2 (null when empty). */
    usesPqRatchet: (raw) => orNull(raw.uses_pq_ratchet()),
    kemEpoch: (raw) => orNull(raw.kem_epoch()),
  });

  getters(Contact, {
    /** The person's user key (33 bytes). */
    userKey: (raw) => raw.user_key(),
    /** The encoded device list (for `DeviceList.fromBytes` of `sotto/devices`). */
    deviceList: (raw) => raw.list_bytes(),
    listVersion: (raw) => raw.list_version(),
    /** The listed device ids, ascending. */
    deviceIds: (raw) => Array.from(raw.device_ids()),
  });

  perDevice(Contact, {
    /** Sessions held with a device (0 without a record). */
    sessionCount: (raw, id) => raw.session_count(id),
    /** The current session id with a device, or null. */
    currentSessionId: (raw, id) => orNull(raw.current_id(id)),
    /** The peer identity of the current session with a device, or null. */
    remoteIdentity: (raw, id) => orNull(raw.remote_identity(id)),
    /** Whether the current session with a device runs ratchet version 2 (null: none). */
    usesPqRatchet: (raw, id) => orNull(raw.uses_pq_ratchet(id)),
    kemEpoch: (raw, id) => orNull(raw.kem_epoch(id)),
    /** The listed identity record of a device, or null. */
    deviceIdentity: (raw, id) => orNull(raw.device_identity(id)),
  });

  const OUTCOMES = ['sent', 'needsBundle', 'bundleRejected'];

  /**
   * Encrypts `plaintext` for every device of `recipient` and every other
   * device of the sender (`own`, this person's own contact), through each
   * device's current session or a new one from `bundles` ([{ to, bundle }],
   * a PrekeyBundle or its bytes). Returns one line per device, recipient
   * first, then own, by device id: { to, outcome, message?, newSession?,
   * error? }. Transactional: on error nothing changes.
   */
  function sendToPerson(account, me, own, recipient, bundles, plaintext, options) {
    ensureReady();
    const accountState = handle(account, Account, 'account');
    const ownState = handle(own, Contact, 'own');
    const recipientState = handle(recipient, Contact, 'recipient');
    if (ownState === recipientState) throw invalid('own and recipient are the same Contact');
    const m = address(me, 'me');
    if (!Array.isArray(bundles)) throw wrongType('bundles', 'an Array of { to, bundle }', bundles);
    const count = read(bundles, 'length', 'bundles');
    if (!Number.isSafeInteger(count) || count < 0) throw wrongType('bundles', 'an Array of { to, bundle }', bundles);
    if (count > MAX_BUNDLES) throw new SottoError(ErrorCode.TOO_LARGE, `bundles has ${count} entries, more than ${MAX_BUNDLES}`);
    const parts = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const what = `bundles[${i}]`;
      const item = read(bundles, i, 'bundles');
      if (item === null || typeof item !== 'object') throw wrongType(what, 'an object { to, bundle }', item);
      const to = address(read(item, 'to', what), `${what}.to`);
      const encoded = bundleArg(read(item, 'bundle', what), `${what}.bundle`);
      const bundle = call(() => encoded((b) => b.to_bytes()));
      const part = new Uint8Array(41 + bundle.length);
      part.set(to);
      new DataView(part.buffer).setUint32(37, bundle.length);
      part.set(bundle, 41);
      parts.push(part);
      total += part.length;
    }
    const packed = new Uint8Array(total);
    for (let i = 0, at = 0; i < parts.length; at += parts[i].length, i++) packed.set(parts[i], at);
    const data = bytesOrText(plaintext, 'plaintext', MAX_PLAINTEXT);
    const tape = draws(options);
    const out = call(() =>
      glue.contact_send_to_person(
        check(accountState, 'account'),
        m,
        check(ownState, 'own'),
        check(recipientState, 'recipient'),
        packed,
        data,
        tape,
      ),
    );
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const report = [];
    for (let at = 0; at < out.length; ) {
      const line = { to: unpackAddress(out, at), outcome: OUTCOMES[out[at + 37]] };
      at += 38;
      if (line.outcome === 'sent') {
        line.newSession = out[at] === 1;
        const n = view.getUint32(at + 1);
        line.message = out.slice(at + 5, at + 5 + n);
        at += 5 + n;
      } else if (line.outcome === 'bundleRejected') {
        line.error = new SottoError(view.getUint32(at));
        at += 4;
      }
      report.push(line);
    }
    return report;
  }

  return { SessionRecord, Contact, sendToPerson };
}
