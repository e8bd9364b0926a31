// Ratchet version 2, the post-quantum KEM ratchet (issue 15, PROTOCOL.md
// §22), negotiated through the bundle: shared by Node (pqratchet.test.mjs)
// and headless Chromium (the same file's browser test). `run(sotto)`
// returns [{ name, ok, error?, note? }]; nothing here depends on Node.
// Expected values are the literal texts encrypted and the sizes and bounds
// of PROTOCOL.md §22 (kind bytes §7.4, 56 extra bytes per message and the
// 258 against 202 bytes of §22.7, the epoch bound of §22.7), never values
// computed by the code under test.

const enc = (text) => new TextEncoder().encode(text);
const dec = (bytes) => new TextDecoder().decode(bytes);

function assert(condition, what) {
  if (!condition) throw new Error(what);
}

function throwsCode(sotto, fn, kind) {
  try {
    fn();
  } catch (error) {
    assert(error instanceof sotto.SottoError, `threw ${error}, not a SottoError`);
    assert(error.kind === kind, `threw ${error.kind}, expected ${kind}`);
    return;
  }
  throw new Error(`did not throw ${kind}`);
}

// Alice starts a session from Bob's bundle (made with `options`) and Bob
// accepts; `bundleOf` may transform the bundle (e.g. through bytes).
function pair(sotto, options, bundleOf = (b) => b) {
  const alice = sotto.Account.create();
  const bob = sotto.Account.create();
  bob.generateOneTimePrekeys(1);
  const made = bob.prekeyBundle(options);
  const bundle = bundleOf(made);
  const a = sotto.Session.initiate(alice, bundle, { localId: 'alice', remoteId: 'bob' });
  const first = a.encrypt('hello');
  const { session: b, plaintext } = sotto.Session.accept(bob, first, { localId: 'bob', remoteId: 'alice' });
  assert(dec(plaintext) === 'hello', 'handshake plaintext');
  return { a, b, first, free: () => [a, b, alice, bob, made].forEach((o) => o.free()) };
}

const hundred = 'x'.repeat(100);

const cases = {
  'a bundle made with { pqRatchet: true } is kind 0x13, one byte longer, and advertises version 2'(sotto) {
    const bob = sotto.Account.create();
    bob.generateOneTimePrekeys(1);
    const v1 = bob.prekeyBundle();
    const v2 = bob.prekeyBundle({ pqRatchet: true });
    const off = bob.prekeyBundle({ pqRatchet: false });
    const b1 = v1.toBytes();
    const b2 = v2.toBytes();
    assert(b1.length === 1525 && b2.length === 1526, `lengths ${b1.length} ${b2.length}`);
    assert(b1[1] === 0x01 && b2[1] === 0x13, `kind bytes ${b1[1]} ${b2[1]}`);
    assert(!v1.supportsPqRatchet && v2.supportsPqRatchet && !off.supportsPqRatchet, 'supportsPqRatchet');
    const parsed = sotto.PrekeyBundle.fromBytes(b2);
    assert(parsed.supportsPqRatchet, 'decoded v2 bundle advertises version 2');
    const back = v2.withoutPqRatchet();
    assert(!back.supportsPqRatchet && back.toBytes().length === 1525 && back.toBytes()[1] === 0x01, 'withoutPqRatchet');
    assert(v2.supportsPqRatchet, 'withoutPqRatchet leaves the original as it was');
    const parts = {
      identityKey: bob.identityKey,
      signedPrekey: bob.signedPrekey(),
      kemPrekey: bob.lastResortPrekey(),
    };
    assert(!sotto.PrekeyBundle.fromParts(parts).supportsPqRatchet, 'fromParts default is version 1');
    const fromParts = sotto.PrekeyBundle.fromParts({ ...parts, pqRatchet: true });
    assert(fromParts.supportsPqRatchet && fromParts.toBytes()[1] === 0x13, 'fromParts with pqRatchet');
    [v1, v2, off, parsed, back, fromParts, bob].forEach((o) => o.free());
  },
  'wrong option types are WRONG_ARGUMENT_TYPE'(sotto) {
    const bob = sotto.Account.create();
    throwsCode(sotto, () => bob.prekeyBundle({ pqRatchet: 1 }), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => bob.prekeyBundle({ pqRatchet: 'yes' }), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => bob.prekeyBundle(true), 'WRONG_ARGUMENT_TYPE');
    throwsCode(sotto, () => bob.prekeyBundle(null), 'WRONG_ARGUMENT_TYPE');
    const parts = { identityKey: bob.identityKey, signedPrekey: bob.signedPrekey(), kemPrekey: bob.lastResortPrekey() };
    throwsCode(sotto, () => sotto.PrekeyBundle.fromParts({ ...parts, pqRatchet: 0 }), 'WRONG_ARGUMENT_TYPE');
    const bundle = bob.prekeyBundle({});
    assert(!bundle.supportsPqRatchet, '{} is version 1');
    bundle.free();
    bob.free();
  },
  'an options getter that frees the account or throws is a typed error'(sotto) {
    const bob = sotto.Account.create();
    throwsCode(
      sotto,
      () =>
        bob.prekeyBundle({
          get pqRatchet() {
            throw new Error('boom');
          },
        }),
      'WRONG_ARGUMENT_TYPE',
    );
    throwsCode(
      sotto,
      () =>
        bob.prekeyBundle({
          get pqRatchet() {
            bob.free();
            return true;
          },
        }),
      'INVALID_HANDLE',
    );
    assert(bob.freed, 'freed by the getter');
  },
  'a version-2 bundle gives a version-2 session on both sides (through bytes too)'(sotto) {
    for (const bundleOf of [(b) => b, (b) => b.toBytes()]) {
      const { a, b, first, free } = pair(sotto, { pqRatchet: true }, bundleOf);
      assert(a.usesPqRatchet && b.usesPqRatchet, 'usesPqRatchet');
      assert(a.kemEpoch === 0 && b.kemEpoch === 0, `kemEpoch ${a.kemEpoch} ${b.kemEpoch}`);
      assert(sotto.messageType(first) === 'prekey', 'first message is a prekey message');
      const reply = b.encrypt('hi Alice');
      assert(reply[1] === 0x12, `normal v2 message kind 0x${reply[1].toString(16)}`);
      assert(sotto.messageType(reply) === 'normal', 'messageType of a v2 message');
      assert(dec(a.decrypt(reply)) === 'hi Alice', 'reply');
      free();
    }
  },
  'a version-1 bundle gives a version-1 session (kemEpoch null)'(sotto) {
    const { a, b, free } = pair(sotto);
    assert(!a.usesPqRatchet && !b.usesPqRatchet, 'usesPqRatchet');
    assert(a.kemEpoch === null && b.kemEpoch === null, 'kemEpoch null');
    const reply = b.encrypt('hi');
    assert(reply[1] === 0x03, `normal v1 message kind 0x${reply[1].toString(16)}`);
    assert(dec(a.decrypt(reply)) === 'hi', 'reply');
    free();
  },
  'a 100-byte text is a 258-byte message in version 2 against 202 in version 1'(sotto) {
    const sizes = {};
    for (const [name, options] of [['v1', undefined], ['v2', { pqRatchet: true }]]) {
      const { a, b, free } = pair(sotto, options);
      a.decrypt(b.encrypt('ack'));
      const m = a.encrypt(hundred);
      assert(dec(b.decrypt(m)) === hundred, `${name} round trip`);
      sizes[name] = m.length;
      free();
    }
    assert(sizes.v1 === 202 && sizes.v2 === 258, `sizes ${JSON.stringify(sizes)}`);
  },
  'a version-2 conversation flows: bursts, out of order, seal and unseal'(sotto) {
    const { a, b, free } = pair(sotto, { pqRatchet: true });
    const key = sotto.generateStorageKey();
    let x = a;
    let y = b;
    for (let turn = 0; turn < 12; turn++) {
      const burst = [0, 1, 2].map((i) => `turn ${turn} message ${i}`);
      const sent = burst.map((t) => x.encrypt(t));
      // Out of order within the burst: the last first.
      assert(dec(y.decrypt(sent[2])) === burst[2], `turn ${turn} last`);
      assert(dec(y.decrypt(sent[0])) === burst[0], `turn ${turn} first`);
      assert(dec(y.decrypt(sent[1])) === burst[1], `turn ${turn} middle`);
      throwsCode(sotto, () => y.decrypt(sent[1]), 'DUPLICATE_MESSAGE');
      if (turn % 4 === 3) {
        const restored = sotto.Session.unseal(key, y.seal(key));
        assert(restored.usesPqRatchet && restored.kemEpoch === y.kemEpoch, 'sealed v2 state');
        y.free();
        y = restored;
      }
      [x, y] = [y, x];
    }
    assert(x.usesPqRatchet && y.usesPqRatchet, 'still version 2');
    [x, y].forEach((o) => o.free());
    free();
  },
  'kemEpoch advances in a conversation alternating every message (within the §22.7 bound)'(sotto) {
    const { a, b, free } = pair(sotto, { pqRatchet: true });
    let roundTrips = 0;
    // §22.7: one epoch takes at most ⌈24/1⌉ + ⌈22/1⌉ + 1 = 47 round trips for k = 1.
    while ((a.kemEpoch === 0 || b.kemEpoch === 0) && roundTrips < 47) {
      const m = `round trip ${roundTrips}`;
      assert(dec(b.decrypt(a.encrypt(m))) === m, `a to b ${roundTrips}`);
      assert(dec(a.decrypt(b.encrypt(m))) === m, `b to a ${roundTrips}`);
      roundTrips += 1;
    }
    assert(a.kemEpoch >= 1 && b.kemEpoch >= 1, `epochs ${a.kemEpoch} ${b.kemEpoch} after ${roundTrips} round trips`);
    free();
    return `both sides at epoch 1 after ${roundTrips} round trips (${2 * roundTrips} messages)`;
  },
  'a failed version-2 decrypt changes nothing'(sotto) {
    const { a, b, free } = pair(sotto, { pqRatchet: true });
    a.decrypt(b.encrypt('ack'));
    const m = a.encrypt('intact');
    const bad = m.slice();
    bad[bad.length - 1] ^= 1;
    const before = b.kemEpoch;
    throwsCode(sotto, () => b.decrypt(bad), 'DECRYPTION_FAILED');
    assert(b.kemEpoch === before, 'epoch unchanged');
    assert(dec(b.decrypt(m)) === 'intact', 'the real message still decrypts');
    free();
  },
  'a version-1 peer still talks to a version-2-capable peer (served the version-1 bundle)'(sotto) {
    const alice = sotto.Account.create(); // runs version 1 only: uses the v1 form
    const bob = sotto.Account.create(); // publishes version 2
    bob.generateOneTimePrekeys(1);
    const published = bob.prekeyBundle({ pqRatchet: true });
    const served = sotto.PrekeyBundle.fromBytes(published.withoutPqRatchet().toBytes());
    assert(!served.supportsPqRatchet, 'served v1 form');
    const a = sotto.Session.initiate(alice, served, { localId: 'alice', remoteId: 'bob' });
    const { session: b, plaintext } = sotto.Session.accept(bob, a.encrypt('from a v1 client'), {
      localId: 'bob',
      remoteId: 'alice',
    });
    assert(dec(plaintext) === 'from a v1 client', 'accepted');
    assert(!a.usesPqRatchet && !b.usesPqRatchet, 'both run version 1');
    for (let i = 0; i < 5; i++) {
      assert(dec(a.decrypt(b.encrypt(`b${i}`))) === `b${i}`, `b${i}`);
      assert(dec(b.decrypt(a.encrypt(`a${i}`))) === `a${i}`, `a${i}`);
    }
    [a, b, alice, bob, published, served].forEach((o) => o.free());
  },
};

export function run(sotto) {
  return Object.entries(cases).map(([name, fn]) => {
    try {
      const note = fn(sotto);
      return note === undefined ? { name, ok: true } : { name, ok: true, note };
    } catch (error) {
      return { name, ok: false, error: String(error?.stack ?? error) };
    }
  });
}
