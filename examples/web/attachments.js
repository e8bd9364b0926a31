// The attachment demo: Alice encrypts a chosen file as a stream, the relay
// stores the ciphertext (and may tamper with it), Bob decrypts it as a
// stream with the descriptor and gets a download link, or a typed error.
import init, { createEncryptStream, createDecryptStream, decodeDescriptor } from 'sotto/attachments';

const $ = (id) => document.getElementById(id);
const relay = { blob: null }; // the "server": ciphertext only
let message = null; // what Alice's Sotto message to Bob would carry
const decodeType = (descriptor) => decodeDescriptor(descriptor).contentType;
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

await init();
$('file').disabled = false;
document.body.dataset.ready = 'true';

$('file').addEventListener('change', async () => {
  const file = $('file').files[0];
  if (!file) return;
  const encrypt = createEncryptStream({
    contentType: /^[\x20-\x7e]{0,255}$/.test(file.type) ? file.type : '',
    onProgress: (n) => ($('alice-status').textContent = `encrypting… ${mb(n)} of ${mb(file.size)}`),
  });
  // The upload: in an app, fetch(url, { method: 'PUT', body: stream, duplex: 'half' }).
  relay.blob = await new Response(file.stream().pipeThrough(encrypt)).blob();
  message = { name: file.name, descriptor: await encrypt.descriptor };
  $('alice-status').textContent = `sent ${file.name} (${mb(file.size)}); descriptor ${message.descriptor.length} bytes`;
  $('relay-status').textContent = `stores ${mb(relay.blob.size)} of ciphertext`;
  $('download').disabled = false;
  $('bob-status').textContent = `Alice sent ${file.name}`;
});

// What the relay serves for a download.
async function served() {
  let bytes = new Uint8Array(await relay.blob.arrayBuffer());
  if ($('tamper').checked) bytes[Math.floor(bytes.length / 2)] ^= 1;
  if ($('truncate').checked) bytes = bytes.subarray(0, Math.max(0, bytes.length - 100));
  return new Response(bytes).body;
}

$('download').addEventListener('click', async () => {
  // Synchronously, before the first await: the previous outcome never
  // stays on screen as if it were this download's.
  $('bob-status').textContent = 'downloading…';
  $('saved').hidden = true;
  const decrypt = createDecryptStream(message.descriptor, {
    onProgress: (n) => ($('bob-status').textContent = `decrypting… ${mb(n)}`),
  });
  try {
    // pipeTo keeps the stream's own error (Response.blob() would turn it
    // into a generic TypeError in Chromium).
    const parts = [];
    await (await served()).pipeThrough(decrypt).pipeTo(new WritableStream({ write: (c) => void parts.push(c) }));
    const blob = new Blob(parts, { type: decodeType(message.descriptor) });
    const link = $('saved');
    URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = message.name;
    link.textContent = `save ${message.name} (${mb(blob.size)})`;
    link.hidden = false;
    $('bob-status').textContent = 'decrypted and verified';
  } catch (error) {
    $('saved').hidden = true;
    $('bob-status').textContent = `refused: ${error.kind ?? error}`;
  }
});
