// sotto/attachments in the browser: the shared cases (attachment-cases.js),
// including a 100 MiB stream, with the vectors fetched from the test server.
import init, * as api from '/sotto-attachments/index.js';
import { run as runCases } from './attachment-cases.js';

export async function run() {
  let notReady;
  try {
    api.decodeDescriptor(new Uint8Array(1));
  } catch (error) {
    notReady = `${error.name} ${error.code}`;
  }
  const response = await fetch('/sotto-attachments/sotto_attachments_bg.wasm');
  const contentType = response.headers.get('content-type');
  await init();
  const vectors = await (await fetch('/vectors/sotto-v1-attachments.json')).json();
  const results = await runCases(api, vectors, { bigMiB: 100 });
  return { notReady, contentType, userAgent: navigator.userAgent, results };
}
