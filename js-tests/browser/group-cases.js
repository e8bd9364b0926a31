// The cases of `sotto/groups` shared by Node (groups.test.mjs) and headless
// Chromium (browser.test.mjs): the known-answer vectors of
// tests/vectors/sotto-v1-groups.json replayed event by event (every random
// draw passed in), a group's life with the system generator (add, remove,
// rotate, seal), hostile inputs with their typed errors, and failed calls
// that change nothing. `run(api, vectors)` returns [{ name, ok, error? }];
// nothing here depends on Node.

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const text = (b) => new TextDecoder().decode(b);
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

// Runs `fn`, which must throw a SottoError of `kind`.
function throwsKind(fn, kind, code) {
  try {
    fn();
  } catch (error) {
    if (error?.name !== 'SottoError') throw new Error(`threw ${error}`);
    if (error.kind !== kind) throw new Error(`threw ${error.kind} (${error.message}), expected ${kind}`);
    if (code !== undefined && error.code !== code) throw new Error(`code ${error.code}, expected ${code}`);
    return error;
  }
  throw new Error(`did not throw (expected ${kind})`);
}

export async function run(api, vectors) {
  const { GroupSession, parseGroupMessage, ErrorCode } = api;
  const results = [];
  const check = async (name, fn) => {
    try {
      const note = await fn();
      results.push({ name, ok: true, note });
    } catch (error) {
      results.push({ name, ok: false, error: `${error?.stack ?? error}` });
    }
  };

  await check('vectors: every event of sotto-v1-groups.json replays', () => {
    const { config } = vectors;
    const groupId = hex(vectors.group_id);
    const devices = new Map();
    let i = 0;
    let errors = 0;
    for (const e of vectors.events) {
      const at = `event ${i} (${e.op} on ${e.device})`;
      i += 1;
      let out;
      let error = null;
      try {
        if (e.op === 'create') {
          out = GroupSession.create({
            groupId,
            ownDevice: e.device,
            members: e.members,
            epoch: e.epoch,
            maxMessages: config.max_messages,
            maxAgeSecs: config.max_age_secs,
            padding: config.padding,
            now: config.now,
            randomness: hex(e.draws.join('')),
          });
          devices.set(e.device, out);
          eq(toHex(out.distribution()), e.distribution, `${at} distribution`);
        } else {
          const g = devices.get(e.device);
          if (e.op === 'receive_distribution') g.receiveDistribution(hex(e.bytes), e.from);
          if (e.op === 'encrypt') {
            out = g.encrypt(hex(e.plaintext), { now: e.now, randomness: hex(e.draws.join('')) });
            eq(toHex(out.message), e.message, `${at} message`);
            eq(out.distribution === null ? null : toHex(out.distribution), e.distribution, `${at} distribution`);
          }
          if (e.op === 'remove') {
            out = g.removeMembers(e.removed, { now: config.now + 10, randomness: hex(e.draws.join('')) });
            eq(toHex(out), e.distribution, `${at} distribution`);
          }
          if (e.op === 'decrypt') {
            out = g.decrypt(hex(e.message));
            eq(toHex(out.plaintext), e.plaintext, `${at} plaintext`);
            eq(text(out.sender), e.sender, `${at} sender`);
          }
        }
      } catch (err) {
        if (err?.name !== 'SottoError') throw err;
        error = err.kind;
        errors += 1;
      }
      eq(error, e.error, `${at} error`);
    }
    for (const g of devices.values()) g.free();
    return `${vectors.events.length} events, ${errors} refused as recorded`;
  });

  // A group of three with the system generator.
  const groupId = crypto.getRandomValues(new Uint8Array(16));
  const names = ['alice#1', 'bob#1', 'carol#1'];
  const make = (own, others, extra = {}) => GroupSession.create({ groupId, ownDevice: own, members: others, ...extra });
  const meet = (devices) => {
    for (const [a, ga] of devices) {
      for (const [b, gb] of devices) if (a !== b) gb.receiveDistribution(ga.distribution(), a);
    }
  };
  const group = () => {
    const m = new Map(names.map((n) => [n, make(n, names.filter((x) => x !== n))]));
    meet(m);
    return m;
  };

  await check('three devices: every message reaches the other two, sender authenticated', () => {
    const g = group();
    for (const [from, gs] of g) {
      const { message, distribution } = gs.encrypt(`hello from ${from}`);
      eq(distribution, null, 'no rotation');
      for (const [to, gr] of g) {
        if (to === from) continue;
        const read = gr.decrypt(message);
        eq(text(read.plaintext), `hello from ${from}`, 'plaintext');
        eq(text(read.sender), from, 'sender');
        eq(read.epoch, 0, 'epoch');
      }
    }
    eq(g.get('alice#1').receivingChains, 2, 'chains');
    eq(g.get('alice#1').members.map(text).join(','), 'bob#1,carol#1', 'members');
    eq(text(g.get('alice#1').ownDevice), 'alice#1', 'own');
    eq(toHex(g.get('alice#1').groupId), toHex(groupId), 'group id');
    for (const x of g.values()) x.free();
  });

  await check('rotation after maxMessages: the message carries the new chain', () => {
    const a = make('a', ['b'], { maxMessages: 2 });
    const b = make('b', ['a']);
    b.receiveDistribution(a.distribution(), 'a');
    eq(a.config.maxMessages, 2, 'config');
    eq(a.config.padding, 'padme', 'padding');
    b.decrypt(a.encrypt('1').message);
    b.decrypt(a.encrypt('2').message);
    eq(a.rotationDue(), true, 'rotation due');
    const third = a.encrypt('3');
    if (third.distribution === null) throw new Error('no distribution on rotation');
    throwsKind(() => b.decrypt(third.message), 'UNKNOWN_SENDER_CHAIN', ErrorCode.UNKNOWN_SENDER_CHAIN);
    b.receiveDistribution(third.distribution, 'a');
    eq(text(b.decrypt(third.message).plaintext), '3', 'after the new chain');
    const manual = a.rotate();
    b.receiveDistribution(manual, 'a');
    eq(text(b.decrypt(a.encrypt('4').message).plaintext), '4', 'after rotate()');
    a.free();
    b.free();
  });

  await check('addMembers: the newcomer reads from now on, not the history', () => {
    const g = group();
    const alice = g.get('alice#1');
    const before = alice.encrypt('before dave').message;
    const dave = make('dave#1', names, { epoch: alice.epoch });
    for (const [n, x] of g) {
      dave.receiveDistribution(x.addMembers(['dave#1']), n);
      x.receiveDistribution(dave.distribution(), 'dave#1');
    }
    throwsKind(() => dave.decrypt(before), 'DUPLICATE_MESSAGE');
    eq(text(dave.decrypt(alice.encrypt('welcome dave').message).plaintext), 'welcome dave', 'new message');
    eq(text(g.get('bob#1').decrypt(dave.encrypt('hi all').message).sender), 'dave#1', 'dave sends');
    throwsKind(() => alice.addMembers(['dave#1']), 'INVALID_ARGUMENT');
    for (const x of g.values()) x.free();
    dave.free();
  });

  await check('removeMembers: new epoch; the removed device cannot read (EPOCH_MISMATCH / UNKNOWN_SENDER_CHAIN)', () => {
    const g = group();
    const [alice, bob, carol] = names.map((n) => g.get(n));
    const da = alice.removeMembers(['carol#1']);
    const db = bob.removeMembers(['carol#1']);
    bob.receiveDistribution(da, 'alice#1');
    alice.receiveDistribution(db, 'bob#1');
    eq(alice.epoch, 1, 'epoch');
    const secret = alice.encrypt('carol is gone').message;
    eq(text(bob.decrypt(secret).plaintext), 'carol is gone', 'bob reads');
    throwsKind(() => carol.decrypt(secret), 'UNKNOWN_SENDER_CHAIN', 29);
    // Carol cannot push a chain into the new epoch: she is no member.
    throwsKind(() => alice.receiveDistribution(carol.rotate(), 'carol#1'), 'EPOCH_MISMATCH', 30);
    throwsKind(() => alice.removeMembers(['carol#1']), 'INVALID_ARGUMENT');
    eq(alice.hasChain('bob#1', 0), true, 'previous epoch kept');
    alice.dropPreviousEpochs();
    eq(alice.hasChain('bob#1', 0), false, 'previous epoch dropped');
    eq(alice.hasChain('bob#1', 1), true, 'current epoch kept');
    for (const x of g.values()) x.free();
  });

  await check('seal and unseal: the restored state goes on; a wrong key is UNSEAL_FAILED', () => {
    const a = make('a', ['b']);
    const b = make('b', ['a']);
    b.receiveDistribution(a.distribution(), 'a');
    const key = crypto.getRandomValues(new Uint8Array(32));
    const sealed = b.seal(key);
    b.free();
    const b2 = GroupSession.unseal(key, sealed);
    eq(text(b2.decrypt(a.encrypt('still here').message).plaintext), 'still here', 'restored');
    const wrong = key.slice();
    wrong[0] ^= 1;
    throwsKind(() => GroupSession.unseal(wrong, sealed), 'UNSEAL_FAILED');
    throwsKind(() => GroupSession.unseal(key, sealed.subarray(0, 10)), 'TRUNCATED');
    throwsKind(() => b2.seal(new Uint8Array(31)), 'INVALID_ARGUMENT');
    a.free();
    b2.free();
  });

  await check('hostile messages: typed errors, and the state is unchanged after each', () => {
    const a = make('a', ['b']);
    const b = make('b', ['a']);
    b.receiveDistribution(a.distribution(), 'a');
    const good = a.encrypt('the real one').message;
    const chains = b.receivingChains;
    const flip = (at) => {
      const m = good.slice();
      m[at < 0 ? m.length + at : at] ^= 1;
      return m;
    };
    throwsKind(() => b.decrypt(flip(-1)), 'BAD_SIGNATURE', 8);
    throwsKind(() => b.decrypt(flip(-80)), 'BAD_SIGNATURE', 8);
    throwsKind(() => b.decrypt(good.subarray(0, 5)), 'TRUNCATED', 1);
    throwsKind(() => b.decrypt(concat([good, new Uint8Array(1)])), 'BAD_SIGNATURE');
    throwsKind(() => b.decrypt(flip(0)), 'UNSUPPORTED_VERSION', 3);
    throwsKind(() => b.decrypt(flip(1)), 'WRONG_OBJECT_TYPE', 4);
    throwsKind(() => b.decrypt(flip(2)), 'SESSION_MISMATCH', 13);
    throwsKind(() => b.decrypt(new Uint8Array(0)), 'TRUNCATED');
    eq(b.receivingChains, chains, 'chains');
    // After all the failures, the real message still decrypts, once.
    eq(text(b.decrypt(good).plaintext), 'the real one', 'real one');
    throwsKind(() => b.decrypt(good), 'DUPLICATE_MESSAGE', 10);
    // Distributions: from the wrong device, forged, garbage.
    const d = a.distribution();
    throwsKind(() => b.receiveDistribution(d, 'c'), 'IDENTITY_MISMATCH', 23);
    throwsKind(() => b.receiveDistribution(d.subarray(0, 20), 'a'), 'TRUNCATED');
    throwsKind(() => a.receiveDistribution(d, 'a'), 'IDENTITY_MISMATCH');
    eq(b.receivingChains, chains, 'chains after refused distributions');
    // Another group's message.
    const other = GroupSession.create({ groupId: new Uint8Array(16), ownDevice: 'a', members: ['b'] });
    throwsKind(() => b.decrypt(other.encrypt('x').message), 'SESSION_MISMATCH');
    other.free();
    a.free();
    b.free();
  });

  await check('hostile arguments: wrong types (111), bad values (19), too large (14), freed (101)', () => {
    const a = make('a', ['b']);
    throwsKind(() => a.decrypt('not bytes'), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => a.decrypt([1, 2, 3]), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => a.encrypt(42), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => a.encrypt('x', { now: -1 }), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => a.encrypt('x', { now: 1.5 }), 'WRONG_ARGUMENT_TYPE', 111);
    throwsKind(() => a.encrypt(new Uint8Array((1 << 20) + 1)), 'TOO_LARGE', 14);
    throwsKind(() => a.receiveDistribution(a.distribution(), ''), 'INVALID_ARGUMENT', 19);
    throwsKind(() => a.receiveDistribution(a.distribution(), 'x'.repeat(65)), 'INVALID_ARGUMENT');
    throwsKind(() => a.addMembers([new Uint8Array(65)]), 'INVALID_ARGUMENT');
    throwsKind(() => a.addMembers('b'), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => a.addMembers(['a']), 'INVALID_ARGUMENT');
    throwsKind(() => a.hasChain('b', -1), 'INVALID_ARGUMENT');
    throwsKind(() => GroupSession.create({ groupId: new Uint8Array(15), ownDevice: 'a', members: [] }), 'INVALID_ARGUMENT');
    throwsKind(() => GroupSession.create({ groupId, ownDevice: 'a', members: ['a'] }), 'INVALID_ARGUMENT');
    throwsKind(() => GroupSession.create({ groupId, ownDevice: 'a', members: [], maxMessages: 0 }), 'INVALID_ARGUMENT');
    throwsKind(() => GroupSession.create({ groupId, ownDevice: 'a', members: [], padding: 'yes' }), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => GroupSession.create(null), 'WRONG_ARGUMENT_TYPE');
    throwsKind(
      () => GroupSession.create({ groupId, ownDevice: 'a', members: [], randomness: new Uint8Array(10) }),
      'RANDOMNESS',
      17,
    );
    throwsKind(() => GroupSession.create({ groupId, ownDevice: '\ud800', members: [] }), 'INVALID_ARGUMENT');
    throwsKind(() => new GroupSession(), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => Object.create(GroupSession.prototype).encrypt('x'), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => ({ __proto__: GroupSession.prototype }).free(), 'WRONG_ARGUMENT_TYPE');
    throwsKind(() => GroupSession.prototype.encrypt.call({}, 'x'), 'WRONG_ARGUMENT_TYPE');
    a.free();
    a.free();
    eq(a.freed, true, 'freed');
    throwsKind(() => a.encrypt('x'), 'INVALID_HANDLE', 101);
    throwsKind(() => a.epoch, 'INVALID_HANDLE', 101);
    // A failed encrypt (short randomness) changes nothing: the next one works.
    const b = make('b', ['c']);
    const c = make('c', ['b']);
    c.receiveDistribution(b.distribution(), 'b');
    throwsKind(() => b.encrypt('x', { randomness: new Uint8Array(3) }), 'RANDOMNESS');
    eq(text(c.decrypt(b.encrypt('y').message).plaintext), 'y', 'after a failed encrypt');
    b.free();
    c.free();
  });

  await check('a Proxy of a GroupSession (reactive state in a web app) works as the object', () => {
    const a = make('a', ['b']);
    const b = make('b', ['a']);
    const seen = [];
    const wrap = (o) => new Proxy(o, { get: (t, k, r) => (seen.push(k), Reflect.get(t, k, r)) });
    const pa = wrap(a);
    const pb = wrap(b);
    pb.receiveDistribution(pa.distribution(), 'a');
    eq(text(pb.decrypt(pa.encrypt('through proxies').message).plaintext), 'through proxies', 'proxied');
    if (seen.length === 0) throw new Error('the proxies were not used');
    pa.free();
    eq(a.freed, true, 'freeing the proxy frees the object');
    b.free();
  });

  await check('parseGroupMessage reads the framing; garbage is refused', () => {
    const a = make('alice#9', ['b']);
    const { message } = a.encrypt('x');
    const p = parseGroupMessage(message);
    eq(text(p.sender), 'alice#9', 'sender');
    eq(toHex(p.groupId), toHex(groupId), 'group');
    eq(p.epoch, 0, 'epoch');
    eq(p.chain, 0, 'chain');
    throwsKind(() => parseGroupMessage(new Uint8Array([1, 14])), 'TRUNCATED');
    throwsKind(() => parseGroupMessage(new Uint8Array([1, 3, 0])), 'WRONG_OBJECT_TYPE');
    a.free();
  });

  await check('random garbage never crashes: always a SottoError', () => {
    const a = make('a', ['b']);
    let seen = 0;
    for (let n = 0; n < 300; n += 1) {
      const junk = crypto.getRandomValues(new Uint8Array(n % 150));
      if (n % 2) junk.set([1, 14].slice(0, junk.length));
      for (const op of [() => a.decrypt(junk), () => a.receiveDistribution(junk, 'b'), () => GroupSession.unseal(new Uint8Array(32), junk)]) {
        try {
          op();
        } catch (error) {
          if (error?.name !== 'SottoError' || !(error.code > 0 && error.code < 100)) throw error;
          seen += 1;
        }
      }
    }
    eq(seen, 900, 'all refused');
    a.free();
  });

  return results;
}
