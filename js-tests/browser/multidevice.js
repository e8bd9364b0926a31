// sotto/multidevice in the browser: the shared cases (multidevice-cases.js),
// with the vectors fetched from the test server and sotto/devices for
// people's signed device lists.
import initMultidevice, * as api from '/sotto-multidevice/index.js';
import initDevices, * as devices from '/sotto-devices/index.js';
import { run as runCases } from './multidevice-cases.js';

export async function run() {
  const notReady = [];
  try {
    api.SessionRecord.create();
  } catch (error) {
    notReady.push(`${error.name} ${error.code}`);
  }
  const contentType = (await fetch('/sotto-multidevice/sotto_wasm_bg.wasm')).headers.get('content-type');
  await Promise.all([initMultidevice(), initDevices()]);
  const load = async (name) => (await fetch(`/vectors/sotto-v1-${name}.json`)).json();
  const results = await runCases(api, devices, { records: await load('records'), fanout: await load('fanout') });
  return { notReady, contentType, userAgent: navigator.userAgent, results };
}
