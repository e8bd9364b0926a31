// Minifies JavaScript modules of the web build in place (issue 14: the
// 100 KB gzip budget): `node scripts/minify.mjs FILE...`. Uses the oxc
// minifier of rolldown, pinned in js-tests/package-lock.json. Locals are
// renamed and whitespace removed; exported names, property names and every
// function and class name (`Class.name` appears in error messages) are kept.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../js-tests/package.json', import.meta.url));
const { minifySync } = await import(pathToFileURL(require.resolve('rolldown/utils')).href);

for (const file of process.argv.slice(2)) {
  const result = minifySync(file, readFileSync(file, 'utf8'), {
    module: true,
    compress: { keepNames: { function: true, class: true } },
    mangle: { toplevel: false, keepNames: true },
    codegen: { removeWhitespace: true },
  });
  if (result.errors?.length) {
    console.error(`minify: ${file}:`, result.errors);
    process.exit(1);
  }
  writeFileSync(file, result.code);
}
