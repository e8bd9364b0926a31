// The JavaScript quickstart and the multidevice example of README.md,
// extracted and executed as written.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

test('README JavaScript quickstart runs and prints what its comments say', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- js-quickstart:start -->([\s\S]*?)<!-- js-quickstart:end -->/);
  assert.ok(block, 'js-quickstart block missing');
  const code = block[1].match(/```js\n([\s\S]*?)```/);
  assert.ok(code, 'no ```js block in the quickstart');
  // Written next to js-tests/node_modules so that `sotto` resolves to ../pkg.
  const dir = new URL('./artifacts/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL('readme-quickstart.mjs', dir);
  await writeFile(file, code[1]);
  const output = execFileSync(process.execPath, [fileURLToPath(file)], { encoding: 'utf8' });
  const expected = [...code[1].matchAll(/console\.log\(.*\); \/\/ "(.*)"/g)].map((m) => m[1]);
  assert.deepEqual(expected, ['Are we alone?', 'Now we are.', 'responder']);
  assert.deepEqual(output.trim().split('\n'), expected);
});

test('README multidevice example (sotto/multidevice) runs and prints what its comments say', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- js-multidevice:start -->([\s\S]*?)<!-- js-multidevice:end -->/);
  assert.ok(block, 'js-multidevice block missing');
  const code = block[1].match(/```js\n([\s\S]*?)```/);
  const dir = new URL('./artifacts/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL('readme-multidevice.mjs', dir);
  await writeFile(file, code[1]);
  const output = execFileSync(process.execPath, [fileURLToPath(file)], { encoding: 'utf8' });
  const expected = [...code[1].matchAll(/console\.log\(.*\); \/\/ "(.*)"/g)].map((m) => m[1]);
  assert.deepEqual(expected, ['1:sent 2:sent', 'hi Bob']);
  assert.deepEqual(output.trim().split('\n'), expected);
});
