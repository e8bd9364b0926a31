// The JavaScript API of Sotto's people and device lists (PROTOCOL.md §18)
// and device linking by QR code (§19), the subpath export `sotto/devices`,
// over the raw classes of bindings/wasm-devices. The build puts kit.js
// (shared helpers) in front of this file; this file has exactly one export,
// `bind`, so that it can be emitted both as an ES module and as CommonJS.
export function bind(glue, isReady) {
  const k = kit(glue, isReady, {
    TRUNCATED: 1,
    TRAILING_BYTES: 2,
    UNSUPPORTED_VERSION: 3,
    WRONG_OBJECT_TYPE: 4,
    MALFORMED: 5,
    INVALID_KEY: 6,
    NON_CONTRIBUTORY: 7,
    BAD_SIGNATURE: 8,
    TOO_LARGE: 14,
    UNSEAL_FAILED: 16,
    RANDOMNESS: 17,
    LIMIT_EXCEEDED: 18,
    INTERNAL: 22,
    IDENTITY_MISMATCH: 23,
    ROLLBACK: 24,
    EXPIRED: 25,
    LINK_FAILED: 27,
  });
  const { ErrorCode, SottoError, call, bytes, storageKey, seconds, integer, options, live, Handle, TOKEN, getters } = k;

  const NONE = new Uint8Array(0);
  // Known-answer tests only: the exact random bytes a call draws.
  const draws = (value) => (value === undefined ? NONE : bytes(value, 'randomness'));
  const u32 = (value, what) => integer(value, what, 0, 0xffffffff);

  // Packed entries of the raw layer: id (u32 BE), addedAt (u64 BE), record
  // length (u16 BE), record.
  function entries(packed) {
    const out = [];
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    for (let at = 0; at < packed.length; ) {
      const deviceId = view.getUint32(at);
      const addedAt = Number(view.getBigUint64(at + 4));
      const n = view.getUint16(at + 12);
      out.push({ deviceId, identityKey: packed.slice(at + 14, at + 14 + n), addedAt });
      at += 14 + n;
    }
    return out;
  }

  /** A person's device list, signed by their user identity (kind 0x09). */
  class DeviceList extends Handle {
    /**
     * Decodes a list and checks everything (§18.2) against the person's
     * user key: BAD_SIGNATURE for a list the person did not sign (e.g. a
     * server adding a ghost device), IDENTITY_MISMATCH for another person's.
     */
    static fromBytes(list, expectedUserKey) {
      const l = bytes(list, 'list');
      const key = bytes(expectedUserKey, 'expectedUserKey');
      return new DeviceList(TOKEN, call(() => glue.WasmDeviceList.from_bytes(l, key)));
    }
    /** The first list seen of a person (trust on first use): pin its userKey, compare safety numbers. */
    static fromBytesFirstUse(list) {
      const l = bytes(list, 'list');
      return new DeviceList(TOKEN, call(() => glue.WasmDeviceList.from_bytes_first_use(l)));
    }
    toBytes() {
      const raw = live(this, DeviceList);
      return call(() => raw.to_bytes());
    }
    /** [{ deviceId, identityKey, addedAt }] sorted by deviceId. */
    get devices() {
      const raw = live(this, DeviceList);
      return entries(call(() => raw.entries()));
    }
    /**
     * Checks a newer list of the same person against this one: ROLLBACK for
     * an older or equal version with other contents, BAD_SIGNATURE,
     * IDENTITY_MISMATCH. Returns the new list and what changed; this list
     * is unchanged either way.
     */
    update(newList) {
      const raw = live(this, DeviceList);
      const n = bytes(newList, 'newList');
      const next = call(() => raw.update(n));
      return {
        list: new DeviceList(TOKEN, next),
        added: entries(call(() => next.added())),
        removed: entries(call(() => next.removed())),
      };
    }
  }

  /** A device certificate: the person vouches for one device (kind 0x0A). */
  class DeviceCertificate extends Handle {
    static fromBytes(certificate, expectedUserKey) {
      const c = bytes(certificate, 'certificate');
      const key = bytes(expectedUserKey, 'expectedUserKey');
      return new DeviceCertificate(TOKEN, call(() => glue.WasmCertificate.from_bytes(c, key)));
    }
    toBytes() {
      const raw = live(this, DeviceCertificate);
      return call(() => raw.to_bytes());
    }
    /** Throws IDENTITY_MISMATCH unless it certifies the device with this identity key. */
    verifyDevice(identityKey) {
      const raw = live(this, DeviceCertificate);
      const id = bytes(identityKey, 'identityKey');
      call(() => raw.verify_device(id));
    }
    /** Throws unless the device is in `list` (same person, same identity). */
    verifyInList(list) {
      const raw = live(this, DeviceCertificate);
      const l = live(list, DeviceList, 'list');
      call(() => raw.verify_in_list(l));
    }
  }

  // Device additions for signDeviceList: id (u32 BE), length (u16 BE), record.
  function additions(value) {
    if (!Array.isArray(value)) throw k.wrongType('add', 'an Array of { deviceId, identityKey }', value);
    const parts = value.map((item, i) => {
      const o = options(item, `add[${i}]`);
      const id = u32(o.deviceId, `add[${i}].deviceId`);
      const record = bytes(o.identityKey, `add[${i}].identityKey`, 0xffff);
      const part = new Uint8Array(6 + record.length);
      new DataView(part.buffer).setUint32(0, id);
      new DataView(part.buffer).setUint16(4, record.length);
      part.set(record, 6);
      return part;
    });
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function ids(value) {
    if (!Array.isArray(value)) throw k.wrongType('remove', 'an Array of device ids', value);
    const out = new Uint8Array(4 * value.length);
    value.forEach((id, i) => new DataView(out.buffer).setUint32(4 * i, u32(id, `remove[${i}]`)));
    return out;
  }

  /**
   * A person's user identity (on their primary device): signs the device
   * list and certifies devices. Its signing key never leaves it.
   */
  class UserIdentity extends Handle {
    static create(opts) {
      const tape = draws(options(opts, 'options').randomness);
      return new UserIdentity(TOKEN, call(() => glue.WasmUserIdentity.create(tape)));
    }
    static unseal(storageKeyBytes, sealed) {
      const key = storageKey(storageKeyBytes);
      const s = bytes(sealed, 'sealed');
      return new UserIdentity(TOKEN, call(() => glue.WasmUserIdentity.unseal(key, s)));
    }
    /** The identity and its committed list sealed under a 32-byte storage key. */
    seal(storageKeyBytes, opts) {
      const raw = live(this, UserIdentity);
      const key = storageKey(storageKeyBytes);
      const tape = draws(options(opts, 'options').randomness);
      return call(() => raw.seal(key, tape));
    }
    /** The committed device list, or null. */
    get deviceList() {
      const raw = live(this, UserIdentity);
      const list = call(() => raw.device_list());
      return list === undefined ? null : new DeviceList(TOKEN, list);
    }
    /**
     * Signs the next list: the committed one with `remove` (device ids)
     * taken out and `add` ({ deviceId, identityKey }) put in. Pure: commit
     * it with commitDeviceList once the server stored it.
     */
    signDeviceList(change) {
      const raw = live(this, UserIdentity);
      const c = options(change, 'change');
      const add = additions(c.add ?? []);
      const remove = ids(c.remove ?? []);
      const now = seconds(c.now, 'now');
      return new DeviceList(TOKEN, call(() => raw.sign_device_list(add, remove, now)));
    }
    commitDeviceList(list) {
      const raw = live(this, UserIdentity);
      const l = live(list, DeviceList, 'list');
      call(() => raw.commit_device_list(l));
    }
    /** A certificate for a device of the committed list. */
    certifyDevice(deviceId) {
      const raw = live(this, UserIdentity);
      const id = u32(deviceId, 'deviceId');
      return new DeviceCertificate(TOKEN, call(() => raw.certify_device(id)));
    }
  }

  /** Checks a user key (33 bytes): throws INVALID_KEY otherwise. */
  function checkUserKey(key) {
    const b = bytes(key, 'userKey');
    call(() => glue.check_user_key(b));
  }

  /** The 60-digit safety number of two people (same on both sides). */
  function userSafetyNumber(localUserKey, remoteUserKey) {
    const l = bytes(localUserKey, 'localUserKey');
    const r = bytes(remoteUserKey, 'remoteUserKey');
    return call(() => glue.user_safety_number(l, r));
  }

  function linked(raw) {
    const packed = call(() => raw.contacts());
    const contacts = [];
    for (let at = 0; at < packed.length; ) {
      const n = packed[at + 34];
      contacts.push({
        userKey: packed.slice(at, at + 33),
        verified: packed[at + 33] === 1,
        name: new TextDecoder().decode(packed.subarray(at + 35, at + 35 + n)),
      });
      at += 35 + n;
    }
    const result = {
      userKey: call(() => raw.user_key()),
      deviceId: call(() => raw.device_id()),
      deviceList: new DeviceList(TOKEN, call(() => raw.device_list())),
      certificate: call(() => raw.certificate()),
      contacts,
      code: call(() => raw.code()),
    };
    raw.free();
    return result;
  }

  /**
   * The new device's side of linking (e.g. a browser): show qrPayload as a
   * QR code, then complete() with the primary's response, and have the
   * person check that both screens show the same 6-digit code.
   */
  class LinkOffer extends Handle {
    /**
     * An offer for this device's account, given sealed (main entry:
     * `account.seal(storageKey)`), valid for `ttl` seconds (1-600, default 300).
     */
    static create(storageKeyBytes, sealedAccount, opts) {
      const key = storageKey(storageKeyBytes);
      const sealed = bytes(sealedAccount, 'sealedAccount');
      const o = options(opts, 'options');
      const now = seconds(o.now, 'now');
      const ttl = integer(o.ttl ?? 300, 'ttl', 1, 600);
      const tape = draws(o.randomness);
      return new LinkOffer(TOKEN, call(() => glue.WasmLinkOffer.create(key, sealed, now, ttl, tape)));
    }
    /**
     * Opens the primary's response: EXPIRED past the expiry, LINK_FAILED
     * when it does not authenticate (tampered, for another offer, already
     * used). A failed call leaves the offer usable.
     */
    complete(response, opts) {
      const raw = live(this, LinkOffer);
      const r = bytes(response, 'response');
      const now = seconds(options(opts, 'options').now, 'now');
      return linked(call(() => raw.complete(r, now)));
    }
  }

  /** A scanned QR payload on the primary device, checked (EXPIRED, malformed). */
  class ScannedOffer extends Handle {
    static fromQr(payload, opts) {
      const p = bytes(payload, 'payload');
      const now = seconds(options(opts, 'options').now, 'now');
      return new ScannedOffer(TOKEN, call(() => glue.WasmScannedOffer.from_qr(p, now)));
    }
    /**
     * Answers the offer as `user` with the new device as `deviceId`:
     * { response (bytes to send), code (6 digits to show), deviceList (to
     * upload, then commit once the person confirmed the codes), certificate }.
     */
    respond(user, opts) {
      const raw = live(this, ScannedOffer);
      const u = live(user, UserIdentity, 'user');
      const o = options(opts, 'options');
      const deviceId = u32(o.deviceId, 'deviceId');
      const list = o.contacts ?? [];
      if (!Array.isArray(list)) throw k.wrongType('contacts', 'an Array', list);
      const parts = list.map((c, i) => {
        const x = options(c, `contacts[${i}]`);
        const key = bytes(x.userKey, `contacts[${i}].userKey`, 33);
        const name = new TextEncoder().encode(x.name ?? '');
        if (key.length !== 33 || name.length > 64) throw k.invalid(`contacts[${i}]: 33-byte userKey, name at most 64 bytes`);
        return Uint8Array.of(...key, x.verified ? 1 : 0, name.length, ...name);
      });
      const contacts = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        contacts.set(p, at);
        at += p.length;
      }
      const now = seconds(o.now, 'now');
      const tape = draws(o.randomness);
      const r = call(() => raw.respond(u, deviceId, contacts, now, tape));
      const result = {
        response: call(() => r.to_bytes()),
        code: call(() => r.code()),
        deviceList: new DeviceList(TOKEN, call(() => r.device_list())),
        certificate: call(() => r.certificate()),
      };
      r.free();
      return result;
    }
  }

  getters(DeviceList, {
    userKey: 'user_key',
    version: 'version',
  });

  getters(DeviceCertificate, {
    userKey: 'user_key',
    deviceId: 'device_id',
    deviceIdentity: 'device_identity',
    listVersion: 'list_version',
  });

  getters(UserIdentity, {
    /** The public user key (33 bytes), which contacts verify. */
    publicKey: 'public_key',
  });

  getters(LinkOffer, {
    /** The bytes to show as a QR code (holds the QR secret: this screen only). */
    qrPayload: 'qr_payload',
    expiresAt: 'expires_at',
    used: 'is_used',
  });

  getters(ScannedOffer, {
    /** The new device's account identity key. */
    identityKey: 'identity',
    expiresAt: 'expires_at',
  });

  /** Bytes of WebAssembly memory this entry's module holds (for tests). */
  const wasmMemoryBytes = () => (isReady() ? glue.wasm_memory().buffer.byteLength : 0);

  return {
    ErrorCode,
    SottoError,
    UserIdentity,
    DeviceList,
    DeviceCertificate,
    LinkOffer,
    ScannedOffer,
    checkUserKey,
    userSafetyNumber,
    wasmMemoryBytes,
  };
}
