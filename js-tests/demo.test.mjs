// Clicks through examples/web in headless Chromium: a conversation through
// the relay, with messages held, dropped, delivered in reverse and replayed,
// then compares both safety numbers and saves a screenshot
// (js-tests/artifacts/web-demo.png; also docs/web-demo.png when
// SOTTO_UPDATE_SCREENSHOT=1).
import test from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

const dist = fileURLToPath(new URL('../pkg/dist/web/', import.meta.url));
const demo = fileURLToPath(new URL('../examples/web/', import.meta.url));
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

test('web demo: two panes, unreliable relay, matching emoji safety numbers', async (t) => {
  const server = await serve({ '/sotto/': dist, '/': demo });
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, errors } = await openPage(browser.context, `${server.url}/`);
  await page.setViewportSize({ width: 1360, height: 730 });
  await page.waitForSelector('body[data-ready="true"]');

  const say = async (who, message) => {
    await page.fill(`#${who}-input`, message);
    await page.click(`#${who}-send`);
  };
  const messages = (who) => page.$$eval(`#${who}-messages li`, (els) => els.map((e) => e.firstChild.textContent));

  await say('alice', 'Hi Bob! Is this line private?');
  await page.waitForSelector('#bob-messages li.in');
  await say('bob', 'Hi Alice. Compare the emoji with me.');
  await say('alice', 'Mine match yours.');

  // Hold messages at the relay, drop one, deliver the rest in reverse, replay one.
  await page.uncheck('#relay-auto');
  await say('alice', 'one');
  await say('alice', 'two');
  await say('alice', 'three');
  assert.equal(await page.locator('.relay-item').count(), 3);
  await page.click('.relay-item[data-seq="4"] .drop');
  await page.click('#deliver-reversed');
  await page.click('#replay');
  await page.check('#relay-auto');
  await say('bob', 'Got three and one; two never came.');

  assert.deepEqual(await messages('bob'), [
    'Hi Bob! Is this line private?',
    'Hi Alice. Compare the emoji with me.',
    'Mine match yours.',
    'three',
    'one',
    'Rejected message #3 (replayed by the relay): DUPLICATE_MESSAGE (code 10)',
    'Got three and one; two never came.',
  ]);
  assert.deepEqual(await messages('alice'), [
    'Hi Bob! Is this line private?',
    'Hi Alice. Compare the emoji with me.',
    'Mine match yours.',
    'one',
    'two',
    'three',
    'Got three and one; two never came.',
  ]);
  // Hold one more message at the relay for the screenshot.
  await page.uncheck('#relay-auto');
  await say('alice', 'Great. (This one waits at the relay.)');
  assert.equal(await page.locator('.relay-item').count(), 1);

  const aliceEmoji = await page.getAttribute('#alice-safety', 'data-emoji');
  const bobEmoji = await page.getAttribute('#bob-safety', 'data-emoji');
  assert.ok(aliceEmoji && [...new Intl.Segmenter().segment(aliceEmoji)].length === 10, aliceEmoji);
  assert.equal(aliceEmoji, bobEmoji);
  assert.equal(await page.locator('#relay-log li.drop').count(), 1);

  await mkdir(artifacts, { recursive: true });
  const shot = `${artifacts}web-demo.png`;
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.SOTTO_UPDATE_SCREENSHOT === '1') {
    await mkdir(new URL('../docs/', import.meta.url), { recursive: true });
    await copyFile(shot, new URL('../docs/web-demo.png', import.meta.url));
  }
  assert.deepEqual(errors, []);
});
