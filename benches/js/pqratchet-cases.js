// Ratchet version 2 (the post-quantum KEM ratchet, PROTOCOL.md §22) against
// version 1 through the npm package: the case of the native bench
// pq_alternate3_100B (benches/benches/pq_ratchet.rs) — 100-byte messages,
// the sending side changing every 3 messages, one operation = one encrypt
// plus its decrypt, default (Padmé) padding. Version 2's ML-KEM-768 key
// generation, encapsulation and decapsulation are spread over the messages
// of each epoch, so the loop runs whole epochs. Rounds of v1 and v2
// alternate (a load change on the shared machine hits both alike); the
// median round is reported. Shared by pqratchet-node.mjs and
// pqratchet-chromium.mjs; nothing here depends on Node. `olm`, when given,
// is the vodozemac module of benches/js/pqratchet-olm.sh (its `OlmPair`
// runs the same alternation over two established Olm sessions), measured
// in the same interleaved rounds. Returns rows
// { name, ops_per_s, us_per_op, bytes_per_message, n }.
export async function benchPqRatchet({ api, olm, short, now, log }) {
  const msg = new Uint8Array(100).fill(0x42);
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  function pair(pqRatchet) {
    const alice = api.Account.create();
    const bob = api.Account.create();
    bob.generateOneTimePrekeys(1);
    const bundle = bob.prekeyBundle({ pqRatchet });
    const a = api.Session.initiate(alice, bundle, { localId: 'alice', remoteId: 'bob' });
    const { session: b } = api.Session.accept(bob, a.encrypt(msg), { localId: 'bob', remoteId: 'alice' });
    if (!same(a.decrypt(b.encrypt(msg)), msg)) throw new Error('handshake round trip');
    if (a.usesPqRatchet !== pqRatchet || b.usesPqRatchet !== pqRatchet) throw new Error('negotiated version');
    let count = 0;
    let bytes = 0;
    const op = () => {
      const [s, r] = Math.floor(count / 3) % 2 === 0 ? [a, b] : [b, a];
      const m = s.encrypt(msg);
      bytes += m.length;
      count += 1;
      r.decrypt(m);
    };
    const stats = () => ({ count, bytes, epoch: a.kemEpoch });
    return { op, stats, free: () => [a, b, alice, bob, bundle].forEach((o) => o.free()) };
  }

  // vodozemac's Olm, the same alternation inside its module: one call = one
  // encrypt and its decrypt, returning the bytes on the wire (the message
  // body, as the native bench counts them).
  function olmPair() {
    const p = new olm.OlmPair();
    let count = 0;
    let bytes = 0;
    const op = () => {
      bytes += p.op(msg);
      count += 1;
    };
    const stats = () => ({ count, bytes, epoch: null });
    return { op, stats, free: () => p.free() };
  }

  const variants = { 'session 100 B v1 (alternating every 3)': pair(false), 'session 100 B v2 pq ratchet (alternating every 3)': pair(true) };
  if (olm) variants['vodozemac Olm 100 B (alternating every 3)'] = olmPair();
  // A round: a multiple of 6 messages (whole turns) and longer than an epoch
  // at k = 3 (§22.7: at most 2·(8 + 8 + 1) turns of 3 = 102 messages).
  const perRound = 600;
  const rounds = short ? 3 : 9;
  for (const v of Object.values(variants)) for (let i = 0; i < 120; i += 1) v.op(); // warm-up
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const before = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.stats()]));
  for (let r = 0; r < rounds; r += 1) {
    for (const [name, v] of Object.entries(variants)) {
      const t0 = now();
      for (let i = 0; i < perRound; i += 1) v.op();
      times[name].push(now() - t0);
    }
  }
  const rows = [];
  for (const [name, v] of Object.entries(variants)) {
    const sorted = [...times[name]].sort((x, y) => x - y);
    const ms = sorted[sorted.length >> 1];
    const after = v.stats();
    const n = after.count - before[name].count;
    const row = {
      name,
      ops_per_s: Math.round((perRound * 1000) / ms),
      us_per_op: +((ms * 1000) / perRound).toFixed(2),
      bytes_per_message: +((after.bytes - before[name].bytes) / n).toFixed(1),
      n,
      kem_epochs: after.epoch === null ? null : after.epoch - (before[name].epoch ?? 0),
    };
    log(`${name}: ${row.ops_per_s} ops/s (${row.us_per_op} us/op), ${row.bytes_per_message} B/message`);
    rows.push(row);
    v.free();
  }
  return rows;
}
