// Group message throughput through the npm package (`sotto/groups`): the
// case of the native bench cmp_group_100B (benches/benches/groups.rs) — one
// 100-byte group message encrypted by its sender and decrypted by one
// member, rotation off, Padmé padding — plus encrypt and decrypt alone.
// Shared by groups-node.mjs and groups-chromium.mjs; nothing here depends
// on Node. Returns rows { name, ops_per_s, us_per_op, n }.
export async function benchGroups({ api, short, now, log }) {
  const { GroupSession } = api;
  const groupId = new Uint8Array(16).fill(7);
  const config = { maxMessages: 0xffffffff, maxAgeSecs: Number.MAX_SAFE_INTEGER, now: 1_700_000_000 };
  const names = ['alice@example.org/phone', 'bob@example.org/laptop'];
  const alice = GroupSession.create({ groupId, ownDevice: names[0], members: [names[1]], ...config });
  const bob = GroupSession.create({ groupId, ownDevice: names[1], members: [names[0]], ...config });
  bob.receiveDistribution(alice.distribution(), names[0]);
  const message = new Uint8Array(100).fill(0x42);
  const opts = { now: 1_700_000_000 };
  const budgetMs = short ? 300 : 2000;

  // Runs `op` in batches until the time budget is spent (after a warm-up).
  function measure(name, op) {
    for (let i = 0; i < 50; i += 1) op();
    let n = 0;
    const start = now();
    let elapsed = 0;
    while (elapsed < budgetMs) {
      for (let i = 0; i < 100; i += 1) op();
      n += 100;
      elapsed = now() - start;
    }
    const row = { name, ops_per_s: Math.round((n * 1000) / elapsed), us_per_op: +((elapsed * 1000) / n).toFixed(2), n };
    log(`${name}: ${row.ops_per_s} ops/s (${row.us_per_op} us/op)`);
    return row;
  }

  const rows = [];
  rows.push(
    measure('group 100 B encrypt+decrypt', () => {
      const { message: m } = alice.encrypt(message, opts);
      bob.decrypt(m);
    }),
  );
  rows.push(measure('group 100 B encrypt', () => alice.encrypt(message, opts)));
  // Decrypt alone: a fixed pool of messages made beforehand, decrypted in
  // order by a receiver that took the chain at the pool's first index.
  const carol = GroupSession.create({ groupId, ownDevice: names[1], members: [names[0]], ...config });
  carol.receiveDistribution(alice.distribution(), names[0]);
  const pool = Array.from({ length: short ? 3000 : 30000 }, () => alice.encrypt(message, opts).message);
  const start = now();
  for (const m of pool) carol.decrypt(m);
  const elapsed = now() - start;
  const row = {
    name: 'group 100 B decrypt',
    ops_per_s: Math.round((pool.length * 1000) / elapsed),
    us_per_op: +((elapsed * 1000) / pool.length).toFixed(2),
    n: pool.length,
  };
  log(`${row.name}: ${row.ops_per_s} ops/s (${row.us_per_op} us/op)`);
  rows.push(row);
  for (const g of [alice, bob, carol]) g.free();
  return rows;
}
