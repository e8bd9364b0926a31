// Sotto web demo: two people, one page, an unreliable relay between them.
// Each side only ever hands bytes to the relay; the relay can hold, drop,
// reorder and replay them, and Sotto copes (or says precisely why not).
import init, { Account, Session, SottoError, messageType } from 'sotto';

const $ = (id) => document.getElementById(id);
const text = (bytes) => new TextDecoder().decode(bytes);
const hex = (bytes, n = 12) => Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join('');

const people = {
  alice: { name: 'Alice', peer: 'bob', account: null, session: null, sent: 0 },
  bob: { name: 'Bob', peer: 'alice', account: null, session: null, sent: 0 },
};
const server = { bobBundle: null }; // what a real server would store for Bob
const relay = { queue: [], lastDelivered: null, nextId: 1 };

function addMessage(who, kind, body, meta) {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = body;
  if (meta) {
    const span = document.createElement('span');
    span.className = 'meta';
    span.textContent = meta;
    li.append(span);
  }
  const list = $(`${who}-messages`);
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

function log(line, cls) {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  li.textContent = line;
  $('relay-log').prepend(li);
}

function showSafetyNumber(who) {
  const number = people[who].session.safetyNumber();
  const box = $(`${who}-safety`);
  box.replaceChildren();
  const row = document.createElement('div');
  row.className = 'emoji';
  for (const { emoji, name } of number.emoji()) {
    const cell = document.createElement('span');
    cell.title = name;
    cell.append(emoji);
    const label = document.createElement('small');
    label.textContent = name;
    cell.append(label);
    row.append(cell);
  }
  const digits = document.createElement('div');
  digits.className = 'digits';
  // 60 digits as two lines of six groups.
  const groups = number.display().split(' ');
  digits.textContent = `${groups.slice(0, 6).join(' ')}\n${groups.slice(6).join(' ')}`;
  box.append(row, digits);
  box.dataset.emoji = number.emoji().map((e) => e.emoji).join('');
  number.free();
}

function enable(who) {
  $(`${who}-input`).disabled = false;
  $(`${who}-send`).disabled = false;
  $(`${who}-input`).placeholder = `Message to ${people[people[who].peer].name}`;
}

function send(from, message) {
  const me = people[from];
  if (!me.session) {
    // Alice starts the session from Bob's published bundle.
    me.session = Session.initiate(me.account, server.bobBundle, { localId: 'alice', remoteId: 'bob' });
    showSafetyNumber(from);
  }
  const bytes = me.session.encrypt(message);
  me.sent += 1;
  addMessage(from, 'out', message, `#${me.sent}`);
  const item = { id: relay.nextId++, from, to: me.peer, bytes, seq: me.sent };
  log(`${me.name} → ${people[me.peer].name}: ${messageType(bytes)} message, ${bytes.length} bytes`);
  relay.queue.push(item);
  if ($('relay-auto').checked) deliver(item);
  else renderQueue();
}

function receive(to, bytes, seq, replayed) {
  const me = people[to];
  const tag = `#${seq}${replayed ? ' (replayed by the relay)' : ''}`;
  try {
    let plaintext;
    if (!me.session) {
      // Bob's first message from Alice is a prekey message: it creates his session.
      if (messageType(bytes) !== 'prekey') throw new Error('no session yet');
      const accepted = Session.accept(me.account, bytes, { localId: 'bob', remoteId: 'alice' });
      me.session = accepted.session;
      plaintext = accepted.plaintext;
      showSafetyNumber(to);
      enable(to);
    } else {
      plaintext = me.session.decrypt(bytes);
    }
    addMessage(to, 'in', text(plaintext), tag);
  } catch (error) {
    const reason = error instanceof SottoError ? `${error.kind} (code ${error.code})` : error.message;
    addMessage(to, 'note error', `Rejected message ${tag}: ${reason}`);
  }
}

function deliver(item, replayed = false) {
  relay.queue = relay.queue.filter((q) => q !== item);
  relay.lastDelivered = item;
  log(`${replayed ? 'replayed' : 'delivered'} #${item.seq} ${people[item.from].name} → ${people[item.to].name}`);
  receive(item.to, item.bytes, item.seq, replayed);
  renderQueue();
}

function drop(item) {
  relay.queue = relay.queue.filter((q) => q !== item);
  log(`dropped #${item.seq} ${people[item.from].name} → ${people[item.to].name}`, 'drop');
  renderQueue();
}

function renderQueue() {
  const list = $('relay-queue');
  list.replaceChildren();
  for (const item of relay.queue) {
    const li = document.createElement('li');
    li.className = 'relay-item';
    li.dataset.seq = String(item.seq);
    const title = document.createElement('div');
    title.textContent = `#${item.seq} ${people[item.from].name} → ${people[item.to].name}, ${item.bytes.length} bytes`;
    const code = document.createElement('code');
    code.textContent = `${hex(item.bytes)}…`;
    const row = document.createElement('div');
    row.className = 'row';
    const deliverButton = document.createElement('button');
    deliverButton.className = 'deliver';
    deliverButton.textContent = 'Deliver';
    deliverButton.onclick = () => deliver(item);
    const dropButton = document.createElement('button');
    dropButton.className = 'drop';
    dropButton.textContent = 'Drop';
    dropButton.onclick = () => drop(item);
    row.append(deliverButton, dropButton);
    li.append(title, code, row);
    list.append(li);
  }
  $('deliver-all').disabled = relay.queue.length === 0;
  $('deliver-reversed').disabled = relay.queue.length === 0;
  $('replay').disabled = relay.lastDelivered === null;
}

function wire(who) {
  $(`${who}-form`).addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $(`${who}-input`);
    if (!input.value) return;
    send(who, input.value);
    input.value = '';
  });
}

async function main() {
  await init(); // fetches the .wasm next to the package's module
  people.alice.account = Account.create();
  people.bob.account = Account.create();
  people.bob.account.generateOneTimePrekeys(5);
  server.bobBundle = people.bob.account.prekeyBundle().toBytes();
  log(`Bob published a prekey bundle (${server.bobBundle.length} bytes)`);
  wire('alice');
  wire('bob');
  enable('alice');
  $('deliver-all').onclick = () => [...relay.queue].forEach((item) => deliver(item));
  $('deliver-reversed').onclick = () => [...relay.queue].reverse().forEach((item) => deliver(item));
  $('replay').onclick = () => relay.lastDelivered && deliver(relay.lastDelivered, true);
  $('relay-auto').onchange = () => renderQueue();
  renderQueue();
  $('status').textContent = 'Ready. Alice writes first; untick "deliver at once" to hold, drop and reorder messages.';
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  $('status').textContent = `Failed to start: ${error.message}`;
  document.body.dataset.ready = 'error';
  throw error;
});
