// Clicks through examples/web/attachments.html in headless Chromium: a file
// sent from Alice through the relay and decrypted by Bob, then refused when
// the relay flips a byte or truncates the ciphertext.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

test('attachment demo: send a file, download it decrypted, refused when tampered or truncated', async (t) => {
  const server = await serve({
    '/sotto-attachments/': fileURLToPath(new URL('../pkg/dist/attachments/web/', import.meta.url)),
    '/': fileURLToPath(new URL('../examples/web/', import.meta.url)),
  });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/attachments.html`);
  await page.waitForSelector('body[data-ready="true"]');

  const content = Buffer.alloc(300_000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 256;
  await page.setInputFiles('#file', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: content });
  await page.waitForSelector('#download:not([disabled])');
  assert.match(await page.textContent('#relay-status'), /stores 0\.30 MB of ciphertext/);

  await page.click('#download');
  await page.waitForSelector('#saved:not([hidden])');
  assert.equal(await page.textContent('#bob-status'), 'decrypted and verified');
  const saved = await page.$eval('#saved', async (a) => {
    const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    return { name: a.download, bytes: Array.from(bytes.subarray(0, 16)), length: bytes.length };
  });
  assert.equal(saved.name, 'photo.jpg');
  assert.equal(saved.length, content.length);
  assert.deepEqual(saved.bytes, Array.from(content.subarray(0, 16)));

  for (const [box, kind] of [['#tamper', 'DECRYPTION_FAILED'], ['#truncate', 'TRUNCATED']]) {
    await page.check(box);
    // The previous round's outcome must not satisfy the wait below.
    await page.$eval('#bob-status', (el) => (el.textContent = ''));
    await page.click('#download');
    await page.waitForFunction(() => document.getElementById('bob-status').textContent.startsWith('refused'));
    assert.equal(await page.textContent('#bob-status'), `refused: ${kind}`);
    await page.uncheck(box);
  }
  assert.deepEqual(errors, []);
});
