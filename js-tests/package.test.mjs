// The package as a user gets it: `npm pack`, installed from the tarball into a
// fresh project, used by name from Node (import and require), type-checked
// with TypeScript, and bundled by Vite into a browser app run in Chromium.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const pkgDir = fileURLToPath(new URL('../pkg/', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`./node_modules/.bin/${name}`, import.meta.url));
function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (error) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${error.stdout}\n${error.stderr}`);
  }
}

const CONVERSATION = `
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(1);
  const a = Session.initiate(alice, bob.prekeyBundle().toBytes(), { localId: 'alice', remoteId: 'bob' });
  const { session: b, plaintext } = Session.accept(bob, a.encrypt('hello'), { localId: 'bob', remoteId: 'alice' });
  const reply = new TextDecoder().decode(a.decrypt(b.encrypt('hi')));
  let replay = 'accepted';
  try { a.decrypt(b.encrypt('x')); a.decrypt(b.encrypt('y')); } catch (e) { replay = String(e); }
  const same = a.safetyNumber().digits() === b.safetyNumber().digits();
  const result = new TextDecoder().decode(plaintext) + ' ' + reply + ' ' + same + ' ' + (SottoError.prototype instanceof Error);
`;

let project;
let tarball;

const started = Date.now();
const elapsed = (what) => console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

test.before(async () => {
  project = await mkdtemp(join(tmpdir(), 'sotto-consumer-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], pkgDir));
  tarball = join(project, packed[0].filename);
  elapsed('npm pack');
  const files = packed[0].files.map((f) => f.path).sort();
  test.files = files;
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // The package has no dependencies, so this needs no network.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
  elapsed('npm install');
});

test.after(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

test('the tarball holds the builds, the .wasm and the types, and nothing else', () => {
  const files = test.files;
  for (const f of [
    'package.json',
    'README.md',
    'dist/sotto.d.ts',
    'dist/sotto.d.cts',
    'dist/web/index.js',
    'dist/web/api.js',
    'dist/web/sotto_wasm.js',
    'dist/web/sotto_wasm_bg.wasm',
    'dist/node/index.js',
    'dist/node/index.mjs',
    'dist/node/api.js',
    'dist/node/package.json',
    'dist/node/sotto_wasm.js',
    'dist/node/sotto_wasm_bg.wasm',
    // sotto/attachments: a module of its own.
    'dist/attachments.d.ts',
    'dist/attachments.d.cts',
    'dist/attachments/web/index.js',
    'dist/attachments/web/core.js',
    'dist/attachments/web/sotto_attachments.js',
    'dist/attachments/web/sotto_attachments_bg.wasm',
    'dist/attachments/node/index.js',
    'dist/attachments/node/index.mjs',
    'dist/attachments/node/core.js',
    'dist/attachments/node/package.json',
    'dist/attachments/node/sotto_attachments.js',
    'dist/attachments/node/sotto_attachments_bg.wasm',
    // sotto/groups and sotto/devices: modules of their own.
    ...['groups', 'devices'].flatMap((m) => [
      `dist/${m}.d.ts`,
      `dist/${m}.d.cts`,
      `dist/${m}/web/index.js`,
      `dist/${m}/web/core.js`,
      `dist/${m}/web/sotto_${m}.js`,
      `dist/${m}/web/sotto_${m}_bg.wasm`,
      `dist/${m}/node/index.js`,
      `dist/${m}/node/index.mjs`,
      `dist/${m}/node/core.js`,
      `dist/${m}/node/package.json`,
      `dist/${m}/node/sotto_${m}.js`,
      `dist/${m}/node/sotto_${m}_bg.wasm`,
    ]),
    // sotto/multidevice: the main entry's API with records and contacts.
    'dist/multidevice.d.ts',
    'dist/multidevice.d.cts',
    ...['index.js', 'api.js', 'records.js', 'sotto_wasm.js', 'sotto_wasm_bg.wasm'].map((f) => `dist/multidevice/web/${f}`),
    ...['index.js', 'index.mjs', 'api.js', 'records.js', 'package.json', 'sotto_wasm.js', 'sotto_wasm_bg.wasm'].map(
      (f) => `dist/multidevice/node/${f}`,
    ),
  ]) {
    assert.ok(files.includes(f), `missing ${f}`);
  }
  assert.equal(files.length, 64, files.join('\n'));
});

test('Node: import and require by package name', async () => {
  await writeFile(
    join(project, 'esm.mjs'),
    `import init, { Account, Session, SottoError } from 'sotto';\nawait init();\n${CONVERSATION}\nconsole.log(result);\n`,
  );
  await writeFile(
    join(project, 'cjs.cjs'),
    `const { Account, Session, SottoError } = require('sotto');\n${CONVERSATION}\nconsole.log(result);\n`,
  );
  assert.equal(run('node', ['esm.mjs'], project).trim(), 'hello hi true true');
  assert.equal(run('node', ['cjs.cjs'], project).trim(), 'hello hi true true');
  // The subpath export, both ways.
  const roundTrip = `
const enc = createEncryptStream({ contentType: 'text/plain' });
const ct = await new Response(new Blob(['attached']).stream().pipeThrough(enc)).arrayBuffer();
const pt = await new Response(new Blob([ct]).stream().pipeThrough(createDecryptStream(await enc.descriptor))).text();
console.log(pt, decodeDescriptor(await enc.descriptor).contentType);`;
  await writeFile(
    join(project, 'att.mjs'),
    `import init, { createEncryptStream, createDecryptStream, decodeDescriptor } from 'sotto/attachments';\nawait init();\n${roundTrip}\n`,
  );
  await writeFile(
    join(project, 'att.cjs'),
    `const { createEncryptStream, createDecryptStream, decodeDescriptor } = require('sotto/attachments');\n(async () => {${roundTrip}\n})();\n`,
  );
  assert.equal(run('node', ['att.mjs'], project).trim(), 'attached text/plain');
  assert.equal(run('node', ['att.cjs'], project).trim(), 'attached text/plain');
  // sotto/groups and sotto/devices, both ways.
  const people = `
const g = GroupSession.create({ groupId: new Uint8Array(16), ownDevice: 'a', members: ['b'] });
const h = GroupSession.create({ groupId: new Uint8Array(16), ownDevice: 'b', members: ['a'] });
h.receiveDistribution(g.distribution(), 'a');
const user = UserIdentity.create();
console.log(new TextDecoder().decode(h.decrypt(g.encrypt('grouped').message).plaintext), user.publicKey.length);`;
  await writeFile(
    join(project, 'people.mjs'),
    `import { GroupSession } from 'sotto/groups';\nimport { UserIdentity } from 'sotto/devices';\n${people}\n`,
  );
  await writeFile(
    join(project, 'people.cjs'),
    `const { GroupSession } = require('sotto/groups');\nconst { UserIdentity } = require('sotto/devices');\n${people}\n`,
  );
  assert.equal(run('node', ['people.mjs'], project).trim(), 'grouped 33');
  assert.equal(run('node', ['people.cjs'], project).trim(), 'grouped 33');
  // sotto/multidevice, both ways.
  const records = `
const a = Account.create();
const b = Account.create();
b.generateOneTimePrekeys(1);
const mine = SessionRecord.create();
mine.initiate(a, b.prekeyBundle(), { localId: 'a', remoteId: 'b' });
const { record, plaintext } = SessionRecord.accept(b, mine.encrypt('recorded'), { localId: 'b', remoteId: 'a' });
console.log(new TextDecoder().decode(plaintext), record.sessionCount, typeof Contact.fromDeviceList, typeof sendToPerson);`;
  await writeFile(
    join(project, 'md.mjs'),
    `import init, { Account, SessionRecord, Contact, sendToPerson } from 'sotto/multidevice';\nawait init();\n${records}\n`,
  );
  await writeFile(
    join(project, 'md.cjs'),
    `const { Account, SessionRecord, Contact, sendToPerson } = require('sotto/multidevice');\n${records}\n`,
  );
  assert.equal(run('node', ['md.mjs'], project).trim(), 'recorded 1 function function');
  assert.equal(run('node', ['md.cjs'], project).trim(), 'recorded 1 function function');
});

test('TypeScript: the declarations type-check for import and require', async () => {
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [] },
      files: ['typed.mts', 'typed.cts'],
    }),
  );
  const body = `
const alice: Account = Account.create();
const bob = Account.create();
bob.generateOneTimePrekeys(1);
const bundle: PrekeyBundle = PrekeyBundle.fromBytes(bob.prekeyBundle().toBytes());
const a: Session = Session.initiate(alice, bundle, { localId: 'alice', remoteId: new Uint8Array([1]) });
const accepted: Accepted = Session.accept(bob, a.encrypt('hi'), { localId: 'bob', remoteId: 'alice' });
const role: 'initiator' | 'responder' = accepted.session.role;
const emoji: SafetyEmoji[] = a.safetyNumber().emoji();
const kind: 'prekey' | 'normal' = messageType(a.encrypt('x'));
const code: number = ErrorCode.DUPLICATE_MESSAGE;
const v2: PrekeyBundle = bob.prekeyBundle({ pqRatchet: true });
const v1form: PrekeyBundle = PrekeyBundle.fromParts({ identityKey: bob.identityKey, signedPrekey: bob.signedPrekey(), kemPrekey: bob.lastResortPrekey(), pqRatchet: false }).withoutPqRatchet();
const pq: boolean = a.usesPqRatchet && v2.supportsPqRatchet && !v1form.supportsPqRatchet;
const kemEpoch: number | null = a.kemEpoch;
function isReplay(e: unknown): boolean { return e instanceof SottoError && e.code === ErrorCode.DUPLICATE_MESSAGE && e.kind === 'DUPLICATE_MESSAGE'; }
a.padding = 'none';
a[Symbol.dispose]();
export { role, emoji, kind, code, isReplay, pq, kemEpoch };
`;
  const names = 'Account, PrekeyBundle, Session, SottoError, ErrorCode, messageType, type Accepted, type SafetyEmoji';
  const attached = `
const enc: EncryptStream = createEncryptStream({ chunkSize: 65536, padding: 'padme', onProgress: (n: number) => {} });
const descriptor: Promise<Uint8Array> = enc.descriptor;
const dec: TransformStream<BufferSource, Uint8Array> = createDecryptStream(new Uint8Array(90));
const att: Attachment = openAttachment(new Uint8Array(90), new Blob([]));
const range: Promise<Uint8Array> = att.readRange(0, 10);
const digest: ErrorCode2 = 26;
type ErrorCode2 = typeof AttErrorCode.DIGEST_MISMATCH;
export { descriptor, dec, range, digest };
`;
  const attNames = 'createEncryptStream, createDecryptStream, openAttachment, ErrorCode as AttErrorCode, type EncryptStream, type Attachment';
  const people = `
const g: GroupSession = GroupSession.create({ groupId: new Uint8Array(16), ownDevice: 'a', members: ['b', new Uint8Array([1])], padding: 'none' });
const sent: GroupEncrypted = g.encrypt('x', { now: 1 });
const next: Uint8Array | null = sent.distribution;
const read: GroupDecrypted = g.decrypt(sent.message);
const epoch: number = parseGroupMessage(sent.message).epoch;
const unknown: 29 = GroupErrorCode.UNKNOWN_SENDER_CHAIN;
const user: UserIdentity = UserIdentity.create();
const list: DeviceList = user.signDeviceList({ add: [{ deviceId: 1, identityKey: new Uint8Array(1) }], now: 1 });
const change: DeviceEntry[] = list.update(new Uint8Array(1)).added;
const offer: LinkOffer = LinkOffer.create(new Uint8Array(32), new Uint8Array(1), { ttl: 300 });
const linked: LinkedDevice = offer.complete(new Uint8Array(1));
const answer: string = ScannedOffer.fromQr(offer.qrPayload).respond(user, { deviceId: 2 }).code;
const rollback: 24 = DeviceErrorCode.ROLLBACK;
export { next, read, epoch, unknown, change, linked, answer, rollback };
`;
  const multi = `
const md: MdAccount = MdAccount.create();
const rec: SessionRecord = SessionRecord.create();
const id: Uint8Array = rec.initiate(md, new Uint8Array(1), { localId: 'a', remoteId: 'b' }, { randomness: new Uint8Array(1) });
const current: Uint8Array | null = rec.currentId;
const contact: Contact = Contact.fromDeviceList(new Uint8Array(1), new Uint8Array(33));
const me: DeviceAddress = { userKey: new Uint8Array(33), deviceId: 1 };
const report: Delivery[] = sendToPerson(md, me, contact, contact, [{ to: me, bundle: new Uint8Array(1) }], 'x');
const first = report[0];
const sentMessage: Uint8Array | undefined = first.outcome === 'sent' ? first.message : undefined;
const got: Received = contact.decrypt(md, me, 2, new Uint8Array(1));
const mdChange: { added: number[]; removed: number[] } = contact.updateList(new Uint8Array(1));
const unknownDevice: 28 = MdErrorCode.UNKNOWN_DEVICE;
export { id, current, sentMessage, got, mdChange, unknownDevice };
`;
  const multiImports = `import { Account as MdAccount, SessionRecord, Contact, sendToPerson, ErrorCode as MdErrorCode, type DeviceAddress, type Delivery, type Received } from 'sotto/multidevice';\n`;
  const peopleImports = `import { GroupSession, parseGroupMessage, ErrorCode as GroupErrorCode, type GroupEncrypted, type GroupDecrypted } from 'sotto/groups';\n` +
    `import { UserIdentity, LinkOffer, ScannedOffer, ErrorCode as DeviceErrorCode, type DeviceList, type DeviceEntry, type LinkedDevice } from 'sotto/devices';\n`;
  await writeFile(
    join(project, 'typed.mts'),
    `import init, { ${names} } from 'sotto';\nimport { ${attNames} } from 'sotto/attachments';\n${peopleImports}${multiImports}await init();\n${body}${attached}${people}${multi}`,
  );
  await writeFile(
    join(project, 'typed.cts'),
    `import { ${names} } from 'sotto';\nimport { ${attNames} } from 'sotto/attachments';\n${peopleImports}${multiImports}${body}${attached}${people}${multi}`,
  );
  run(bin('tsc'), ['-p', 'tsconfig.json'], project);
  elapsed('tsc');
  // And a misuse is rejected.
  await writeFile(join(project, 'typed.mts'), `import { Session } from 'sotto';\nexport const x: string = Session.unseal(new Uint8Array(32), 'oops');\n`);
  assert.throws(() => run(bin('tsc'), ['-p', 'tsconfig.json'], project), /TS2345|TS2322/);
});

test('Vite: a browser app bundling the package runs in Chromium', async (t) => {
  const app = join(project, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head>' +
      '<body><pre id="out">loading</pre><script type="module" src="./main.js"></script></body></html>',
  );
  await writeFile(
    join(app, 'main.js'),
    `import init, { Account, Session, SottoError } from 'sotto';\n` +
      `await init();\n${CONVERSATION}\ndocument.getElementById('out').textContent = result;\n`,
  );
  run(process.execPath, [bin('vite'), 'build', '--logLevel', 'warn', '--outDir', 'dist'], app);
  elapsed('vite build');
  const assets = await readdir(join(app, 'dist', 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `no .wasm in ${assets}`);
  // A chat-only app does not ship the attachments module.
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, `${assets}`);
  const bundle = assets.find((f) => f.endsWith('.js'));
  const code = await readFile(join(app, 'dist', 'assets', bundle), 'utf8');
  assert.ok(!code.includes('readFileSync'), 'the browser bundle must not contain the Node build');

  const server = await serve({ '/': join(app, 'dist') });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  await page.waitForFunction(() => document.getElementById('out').textContent !== 'loading');
  assert.equal(await page.textContent('#out'), 'hello hi true true');
  assert.deepEqual(errors, []);
});
