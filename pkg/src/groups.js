// The JavaScript API of Sotto's sender-key groups (PROTOCOL.md §21), the
// subpath export `sotto/groups`, over the raw class of bindings/wasm-groups.
// The build puts kit.js (shared helpers) in front of this file; this file
// has exactly one export, `bind`, so that it can be emitted both as an ES
// module and as CommonJS.
//
// Chain distributions are plain bytes: send each through the pairwise
// Session (main entry `sotto`) with the device it names, and pass the
// device that session authenticates as `from` to receiveDistribution.
export function bind(glue, isReady) {
  const k = kit(glue, isReady, {
    TRUNCATED: 1,
    TRAILING_BYTES: 2,
    UNSUPPORTED_VERSION: 3,
    WRONG_OBJECT_TYPE: 4,
    MALFORMED: 5,
    INVALID_KEY: 6,
    BAD_SIGNATURE: 8,
    DECRYPTION_FAILED: 9,
    DUPLICATE_MESSAGE: 10,
    TOO_FAR_AHEAD: 11,
    SESSION_MISMATCH: 13,
    TOO_LARGE: 14,
    INVALID_PADDING: 15,
    UNSEAL_FAILED: 16,
    RANDOMNESS: 17,
    LIMIT_EXCEEDED: 18,
    INTERNAL: 22,
    IDENTITY_MISMATCH: 23,
    UNKNOWN_SENDER_CHAIN: 29,
    EPOCH_MISMATCH: 30,
  });
  const { ErrorCode, SottoError, call, bytes, bytesOrText, storageKey, seconds, integer, options, addresses, unpack, live, getters } = k;

  const MAX_PLAINTEXT = 1 << 20;
  const NONE = new Uint8Array(0);
  // Known-answer tests only: the exact random bytes a call draws.
  const draws = (value) => (value === undefined ? NONE : bytes(value, 'randomness'));
  const address = (value, what) => {
    const a = bytesOrText(value, what);
    if (a.length === 0 || a.length > 64) throw k.invalid(`${what} must be 1 to 64 bytes`);
    return a;
  };

  /** One device's state in one sender-key group (PROTOCOL.md §21). */
  class GroupSession extends k.Handle {
    /**
     * This device's state in a group, with a fresh sending chain: then send
     * distribution() to every member device through the pairwise sessions.
     */
    static create(opts) {
      const o = options(opts, 'options');
      const groupId = bytes(o.groupId, 'groupId');
      if (groupId.length !== 16) throw k.invalid(`groupId must be 16 bytes, got ${groupId.length}`);
      const own = address(o.ownDevice, 'ownDevice');
      const members = addresses(o.members ?? [], 'members');
      const epoch = integer(o.epoch ?? 0, 'epoch', 0, 0xffffffff);
      const maxMessages = integer(o.maxMessages ?? 100, 'maxMessages', 1, 0xffffffff);
      const maxAgeSecs = integer(o.maxAgeSecs ?? 604800, 'maxAgeSecs', 1, Number.MAX_SAFE_INTEGER);
      const padding = o.padding ?? 'padme';
      if (padding !== 'none' && padding !== 'padme') throw k.wrongType('padding', "'none' or 'padme'", padding);
      const now = seconds(o.now, 'now');
      const tape = draws(o.randomness);
      const raw = call(() =>
        glue.WasmGroup.create(groupId, own, members, epoch, maxMessages, maxAgeSecs, padding === 'padme' ? 1 : 0, now, tape),
      );
      return new GroupSession(k.TOKEN, raw);
    }

    /** Restores a group sealed by seal(). */
    static unseal(storageKeyBytes, sealed) {
      const key = storageKey(storageKeyBytes);
      const s = bytes(sealed, 'sealed');
      return new GroupSession(k.TOKEN, call(() => glue.WasmGroup.unseal(key, s)));
    }

    /** The state sealed under a 32-byte storage key (kind 0x10, §21.9). */
    seal(storageKeyBytes) {
      const raw = live(this, GroupSession);
      const key = storageKey(storageKeyBytes);
      return call(() => raw.seal(key));
    }

    /** The rotation policy and padding. */
    get config() {
      const raw = live(this, GroupSession);
      const [maxMessages, maxAgeSecs, padding] = call(() => raw.config());
      return { maxMessages, maxAgeSecs, padding: padding === 1 ? 'padme' : 'none' };
    }
    /** The other member devices, sorted. */
    get members() {
      const raw = live(this, GroupSession);
      return unpack(call(() => raw.members()));
    }
    /** Whether a chain of `sender` at `epoch` is held. */
    hasChain(sender, epoch) {
      const raw = live(this, GroupSession);
      const s = address(sender, 'sender');
      const e = integer(epoch, 'epoch', 0, 0xffffffff);
      return call(() => raw.has_chain(s, e));
    }
    /** This device's sending chain at its current index, to hand to member devices. */
    distribution() {
      const raw = live(this, GroupSession);
      return call(() => raw.distribution());
    }
    /** Stores another member's chain, received through the pairwise session with `from`. */
    receiveDistribution(distribution, from) {
      const raw = live(this, GroupSession);
      const d = bytes(distribution, 'distribution');
      const f = address(from, 'from');
      call(() => raw.receive_distribution(d, f));
    }
    /**
     * Encrypts a group message. `distribution` is non-null when the sending
     * chain was rotated first: send it to every member device too.
     */
    encrypt(plaintext, opts) {
      const raw = live(this, GroupSession);
      const p = bytesOrText(plaintext, 'plaintext', MAX_PLAINTEXT);
      const o = options(opts, 'options');
      const now = seconds(o.now, 'now');
      const tape = draws(o.randomness);
      const message = call(() => raw.encrypt(p, now, tape));
      const d = call(() => raw.take_distribution());
      return { message, distribution: d.length === 0 ? null : d };
    }
    /** Decrypts a group message of another member device. A failed call changes nothing. */
    decrypt(message) {
      const raw = live(this, GroupSession);
      const m = bytes(message, 'message');
      const plaintext = call(() => raw.decrypt(m));
      return { plaintext, sender: call(() => raw.last_sender()), epoch: call(() => raw.last_epoch()) };
    }
    /** Adds member devices; send them the returned distribution (no history). */
    addMembers(devices) {
      const raw = live(this, GroupSession);
      const d = addresses(devices, 'devices');
      return call(() => raw.add_members(d));
    }
    /**
     * Removes member devices and starts a new epoch with a new sending
     * chain: send the returned distribution to the remaining members only.
     */
    removeMembers(devices, opts) {
      const raw = live(this, GroupSession);
      const d = addresses(devices, 'devices');
      const o = options(opts, 'options');
      const now = seconds(o.now, 'now');
      const tape = draws(o.randomness);
      return call(() => raw.remove_members(d, now, tape));
    }
    /** Replaces the sending chain now; send the returned distribution to every member. */
    rotate(opts) {
      const raw = live(this, GroupSession);
      const o = options(opts, 'options');
      const now = seconds(o.now, 'now');
      const tape = draws(o.randomness);
      return call(() => raw.rotate(now, tape));
    }
    /** Whether the next encrypt at `now` rotates the sending chain first. */
    rotationDue(now) {
      const raw = live(this, GroupSession);
      const t = seconds(now, 'now');
      return call(() => raw.rotation_due(t));
    }
    /** Drops the chains of epochs before the current one (after the grace period). */
    dropPreviousEpochs() {
      const raw = live(this, GroupSession);
      call(() => raw.drop_previous_epochs());
    }
  }

  /**
   * What a group message claims (unauthenticated framing): to route it to
   * its group, or to ask its sender for a chain after UNKNOWN_SENDER_CHAIN.
   */
  function parseGroupMessage(message) {
    const m = bytes(message, 'message');
    const [epoch, chain] = call(() => glue.message_numbers(m));
    return { groupId: call(() => glue.message_group_id(m)), sender: call(() => glue.message_sender(m)), epoch, chain };
  }

  getters(GroupSession, {
    groupId: 'group_id',
    ownDevice: 'own_device',
    /** The current epoch (one more with every removal). */
    epoch: 'epoch',
    /** How many receiving chains are held. */
    receivingChains: 'receiving_chains',
  });

  /** Bytes of WebAssembly memory this entry's module holds (for tests). */
  const wasmMemoryBytes = () => (isReady() ? glue.wasm_memory().buffer.byteLength : 0);

  return { ErrorCode, SottoError, GroupSession, parseGroupMessage, wasmMemoryBytes };
}
