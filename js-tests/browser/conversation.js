// Runs in Chromium (served by browser.test.mjs): a two-party conversation
// through the web build.
export async function run() {
  const sotto = await import('/sotto/index.js');
  const response = await fetch('/sotto/sotto_wasm_bg.wasm');
  const contentType = response.headers.get('content-type');
  const notReady = (() => {
    try {
      sotto.Account.create();
      return 'no error';
    } catch (e) {
      return `${e.name} ${e.code}`;
    }
  })();
  await sotto.default(); // default URL next to the module, streaming compile
  const { Account, Session, SottoError, messageType } = sotto;
  const text = (b) => new TextDecoder().decode(b);
  const alice = Account.create();
  const bob = Account.create();
  bob.generateOneTimePrekeys(2);
  const bundleBytes = bob.prekeyBundle().toBytes();
  const a = Session.initiate(alice, bundleBytes, { localId: 'alice', remoteId: 'bob' });
  const first = a.encrypt('Hello Bob, from Chromium');
  const kinds = [messageType(first)];
  const { session: b, plaintext } = Session.accept(bob, first, { localId: 'bob', remoteId: 'alice' });
  const transcript = [text(plaintext)];
  const reply = b.encrypt('Hello Alice');
  kinds.push(messageType(reply));
  transcript.push(text(a.decrypt(reply)));
  const late = a.encrypt('late');
  transcript.push(text(b.decrypt(a.encrypt('early'))), text(b.decrypt(late)));
  let replay;
  try {
    b.decrypt(late);
  } catch (e) {
    replay = { isSottoError: e instanceof SottoError, isError: e instanceof Error, code: e.code, kind: e.kind };
  }
  const key = sotto.generateStorageKey();
  const restored = Session.unseal(key, b.seal(key));
  transcript.push(text(restored.decrypt(a.encrypt('after unseal'))));
  const sa = a.safetyNumber();
  const sb = restored.safetyNumber();
  // `using` disposes at the end of the block (explicit resource management).
  let disposed;
  {
    using temporary = Account.create();
    disposed = temporary;
  }
  let freedCode;
  try {
    disposed.identityKey;
  } catch (e) {
    freedCode = e.code;
  }
  return {
    contentType,
    notReady,
    kinds,
    transcript,
    replay,
    digitsA: sa.digits(),
    digitsB: sb.digits(),
    emojiA: sa.emoji().map((e) => e.emoji).join(''),
    emojiB: sb.emoji().map((e) => e.emoji).join(''),
    freedCode,
    userAgent: navigator.userAgent,
  };
  }
