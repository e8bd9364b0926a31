// Clicks through examples/web/people.html in headless Chromium: a browser
// links to a phone pane by QR code (the QR image is drawn, both panes show
// the same 6-digit code, the phone's list grows to two devices; a tampered
// answer is refused with LINK_FAILED), and a group of three where Carol is
// removed and cannot read what follows. Saves a screenshot
// (js-tests/artifacts/web-demo-people.png).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const dir = (path) => fileURLToPath(new URL(path, import.meta.url));

test('web demo: a browser links to a phone by QR code; a group pane with a removal', async (t) => {
  const server = await serve({
    '/sotto/': dir('../pkg/dist/web/'),
    '/sotto-groups/': dir('../pkg/dist/groups/web/'),
    '/sotto-devices/': dir('../pkg/dist/devices/web/'),
    '/vendor/lean-qr/': dir('./node_modules/lean-qr/'),
    '/': dir('../examples/web/'),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/people.html`);
  await page.setViewportSize({ width: 1360, height: 1100 });
  await page.waitForSelector('body[data-ready="true"]');

  // A tampered answer first: refused, nothing linked.
  await page.click('#offer');
  assert.equal(await page.isVisible('#qr'), true);
  const qrSize = await page.$eval('#qr', (c) => [c.width, c.height]);
  assert.ok(qrSize[0] >= 100 && qrSize[0] === qrSize[1], `QR canvas ${qrSize}`);
  assert.match(await page.textContent('#payload'), /^QR payload \(1374 bytes\): 010b/);
  await page.check('#tamper');
  await page.click('#scan');
  assert.match(await page.textContent('#browser-status'), /link refused: LINK_FAILED \(code 27\)/);
  assert.equal(await page.isDisabled('#confirm'), true);

  // The real answer: both panes show the same code.
  await page.uncheck('#tamper');
  await page.click('#scan');
  const phoneCode = await page.textContent('#phone-code');
  const browserCode = await page.textContent('#browser-code');
  assert.match(phoneCode, /^\d{6}$/);
  assert.equal(browserCode, phoneCode);
  assert.match(await page.textContent('#browser-status'), /linked as device #2/);
  await page.click('#confirm');
  assert.deepEqual(await page.$$eval('#phone-devices .device', (els) => els.map((e) => e.textContent.split(' (')[0])), [
    '#1 phone',
    '#2 browser',
  ]);
  assert.match(await page.textContent('#phone-devices'), /version 2/);

  // The group.
  const say = async (who, message) => {
    await page.fill(`#${who}-input`, message);
    await page.click(`#${who}-send`);
  };
  const lines = (who) => page.$$eval(`#${who}-messages li`, (els) => els.map((e) => e.textContent));
  await say('alice', 'Hello group');
  await say('carol', 'Hi both');
  await page.click('#remove-carol');
  await say('bob', 'Carol is gone');
  assert.deepEqual(await lines('alice'), ['Hello group', 'carol: Hi both', 'bob: Carol is gone']);
  assert.deepEqual(await lines('bob'), ['alice: Hello group', 'carol: Hi both', 'Carol is gone']);
  const carol = await lines('carol');
  assert.deepEqual(carol.slice(0, 2), ['alice: Hello group', 'Hi both']);
  assert.match(carol[2], /^cannot read a message from bob: UNKNOWN_SENDER_CHAIN \(code 29\)$/);
  assert.match(await page.textContent('#epoch'), /epoch 1/);

  await mkdir(dir('./artifacts/'), { recursive: true });
  await page.screenshot({ path: dir('./artifacts/web-demo-people.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
