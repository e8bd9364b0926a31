// The demo of examples/web/people.html: a browser linking to a phone by QR
// code (sotto/devices), and a three-member group (sotto/groups) whose
// chains travel through pairwise sessions of the main entry (sotto).
import initChat, { Account, PrekeyBundle, Session, generateStorageKey } from 'sotto';
import initGroups, { GroupSession } from 'sotto/groups';
import initDevices, { UserIdentity, LinkOffer, ScannedOffer } from 'sotto/devices';
import { generate, mode } from 'lean-qr';

const $ = (id) => document.getElementById(id);
const now = () => Math.floor(Date.now() / 1000);
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const text = (b) => new TextDecoder().decode(b);
const failure = (error) => (error?.name === 'SottoError' ? `${error.kind} (code ${error.code})` : String(error));

await Promise.all([initChat(), initGroups(), initDevices()]);

// ---- Linking --------------------------------------------------------------
const phoneAccount = Account.create();
const bob = UserIdentity.create();
bob.commitDeviceList(bob.signDeviceList({ add: [{ deviceId: 1, identityKey: phoneAccount.identityKey }], now: now() }));
let offer;
let qr;
let answer;

function showDevices() {
  const list = bob.deviceList;
  $('phone-devices').innerHTML = '';
  const title = document.createElement('p');
  title.textContent = `Device list version ${list.version}:`;
  $('phone-devices').append(title);
  for (const d of list.devices) {
    const line = document.createElement('div');
    line.className = 'device';
    line.textContent = `#${d.deviceId} ${d.deviceId === 1 ? 'phone' : 'browser'} (identity ${toHex(d.identityKey.subarray(1, 7))}…)`;
    $('phone-devices').append(line);
  }
  list.free();
}
showDevices();

$('offer').addEventListener('click', () => {
  // This browser's account (in a real app, the one it already has), sealed
  // to hand it to sotto/devices.
  const key = generateStorageKey();
  const account = Account.create();
  offer?.free();
  offer = LinkOffer.create(key, account.seal(key), { now: now(), ttl: 300 });
  account.free();
  qr = offer.qrPayload;
  generate(mode.bytes(qr)).toCanvas($('qr'));
  $('qr').hidden = false;
  $('payload').textContent = `QR payload (${qr.length} bytes): ${toHex(qr.subarray(0, 48))}…`;
  $('browser-code').textContent = '';
  $('browser-status').textContent = `offer valid until ${new Date(offer.expiresAt * 1000).toLocaleTimeString()}`;
  $('scan').disabled = false;
});

$('scan').addEventListener('click', () => {
  // The phone "scans" the payload shown on this screen.
  try {
    const scanned = ScannedOffer.fromQr(qr, { now: now() });
    answer?.deviceList.free();
    answer = scanned.respond(bob, { deviceId: 2, now: now() });
    scanned.free();
  } catch (error) {
    $('phone-status').textContent = `scan refused: ${failure(error)}`;
    return;
  }
  $('phone-code').textContent = answer.code;
  $('phone-status').textContent = 'compare this code with the browser';
  const response = answer.response.slice();
  if ($('tamper').checked) response[response.length - 1] ^= 1;
  try {
    const linked = offer.complete(response, { now: now() });
    $('browser-code').textContent = linked.code;
    $('browser-status').textContent = `linked as device #${linked.deviceId} of user ${toHex(linked.userKey.subarray(1, 7))}…; check the phone shows the same code`;
    linked.deviceList.free();
    $('confirm').disabled = false;
  } catch (error) {
    $('browser-code').textContent = '';
    $('browser-status').textContent = `link refused: ${failure(error)}`;
  }
});

$('confirm').addEventListener('click', () => {
  bob.commitDeviceList(answer.deviceList);
  $('phone-status').textContent = 'the browser is now one of Bob\'s devices';
  $('confirm').disabled = true;
  $('scan').disabled = true;
  showDevices();
});

// ---- Group ----------------------------------------------------------------
const names = ['alice', 'bob', 'carol'];
const groupId = crypto.getRandomValues(new Uint8Array(16));
const people = new Map();
for (const name of names) {
  const account = Account.create();
  account.generateOneTimePrekeys(2);
  const members = names.filter((n) => n !== name);
  people.set(name, { account, group: GroupSession.create({ groupId, ownDevice: name, members }), sessions: new Map() });
}

// Sends bytes from one person to another through their pairwise session.
function pairwise(from, to, bytes) {
  const a = people.get(from);
  const b = people.get(to);
  let mine = a.sessions.get(to);
  if (!mine) {
    mine = Session.initiate(a.account, PrekeyBundle.fromBytes(b.account.prekeyBundle().toBytes()), { localId: from, remoteId: to });
    a.sessions.set(to, mine);
  }
  const message = mine.encrypt(bytes);
  const theirs = b.sessions.get(from);
  if (theirs) return theirs.decrypt(message);
  const { session, plaintext } = Session.accept(b.account, message, { localId: to, remoteId: from });
  b.sessions.set(from, session);
  return plaintext;
}

function distribute(from, distribution, to) {
  for (const other of to) people.get(other).group.receiveDistribution(pairwise(from, other, distribution), from);
}
for (const name of names) distribute(name, people.get(name).group.distribution(), names.filter((n) => n !== name));

function note(name, line, cls) {
  const li = document.createElement('li');
  li.className = cls;
  li.textContent = line;
  $(`${name}-messages`).append(li);
}

let removed = false;
for (const name of names) {
  const pane = document.createElement('section');
  pane.className = 'pane';
  pane.id = name;
  pane.innerHTML = `<h2>${name[0].toUpperCase()}${name.slice(1)} <small>${name}</small></h2>
    <ul class="messages" id="${name}-messages"></ul>
    <div class="compose"><input id="${name}-input" placeholder="message to the group"><button id="${name}-send">Send</button></div>`;
  $('group').append(pane);
}
const bar = document.createElement('div');
bar.className = 'relay-actions';
bar.style.padding = '0 24px';
bar.innerHTML = '<button id="remove-carol">Remove Carol</button> <span class="hint" id="epoch">epoch 0</span>';
$('group').after(bar);

for (const name of names) {
  $(`${name}-send`).addEventListener('click', () => {
    const input = $(`${name}-input`);
    const sender = people.get(name);
    const { message, distribution } = sender.group.encrypt(input.value);
    const members = sender.group.members.map(text);
    if (distribution) distribute(name, distribution, members);
    note(name, input.value, 'out');
    // The server fans the one message out to every member device, and to
    // a removed device still listening.
    for (const other of names) {
      if (other === name) continue;
      try {
        const read = people.get(other).group.decrypt(message);
        note(other, `${text(read.sender)}: ${text(read.plaintext)}`, 'in');
      } catch (error) {
        note(other, `cannot read a message from ${name}: ${failure(error)}`, 'note error');
      }
    }
    input.value = '';
  });
}

$('remove-carol').addEventListener('click', () => {
  if (removed) return;
  removed = true;
  for (const name of ['alice', 'bob']) {
    const d = people.get(name).group.removeMembers(['carol']);
    distribute(name, d, ['alice', 'bob'].filter((n) => n !== name));
  }
  $('epoch').textContent = `epoch ${people.get('alice').group.epoch}: Carol removed`;
  $('remove-carol').disabled = true;
});

for (const id of ['offer']) $(id).disabled = false;
document.body.dataset.ready = 'true';
