// sotto/groups and sotto/devices in the browser: the shared cases
// (group-cases.js, device-cases.js), with the vectors fetched from the test
// server and the main entry for accounts.
import initGroups, * as groups from '/sotto-groups/index.js';
import initDevices, * as devices from '/sotto-devices/index.js';
import initChat, * as chat from '/sotto/index.js';
import { run as runGroups } from './group-cases.js';
import { run as runDevices } from './device-cases.js';

export async function run() {
  const notReady = [];
  for (const fn of [() => groups.parseGroupMessage(new Uint8Array(1)), () => devices.checkUserKey(new Uint8Array(33))]) {
    try {
      fn();
    } catch (error) {
      notReady.push(`${error.name} ${error.code}`);
    }
  }
  const contentTypes = [];
  for (const url of ['/sotto-groups/sotto_groups_bg.wasm', '/sotto-devices/sotto_devices_bg.wasm']) {
    contentTypes.push((await fetch(url)).headers.get('content-type'));
  }
  await Promise.all([initGroups(), initDevices(), initChat()]);
  const load = async (name) => (await fetch(`/vectors/sotto-v1-${name}.json`)).json();
  const groupResults = await runGroups(groups, await load('groups'));
  const deviceResults = await runDevices(devices, chat, { devices: await load('devices'), link: await load('link') });
  return { notReady, contentTypes, userAgent: navigator.userAgent, groupResults, deviceResults };
}
