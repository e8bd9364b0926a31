// Serves the demo at http://127.0.0.1:8080/ (override with PORT): this folder
// at /, and the package's web builds (pkg/dist/web and pkg/dist/attachments/web,
// made by scripts/build-wasm.sh) at /sotto/ and /sotto-attachments/. No
// dependencies. The attachment demo is /attachments.html.
//
//   scripts/build-wasm.sh && node examples/web/serve.mjs
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = fileURLToPath(new URL('../../pkg/dist/web/', import.meta.url));
const attachments = fileURLToPath(new URL('../../pkg/dist/attachments/web/', import.meta.url));
// people.html: sotto/groups, sotto/devices and the QR code renderer
// (lean-qr, pinned in js-tests/package.json; run `npm ci` there).
const mounts = {
  '/sotto-groups/': fileURLToPath(new URL('../../pkg/dist/groups/web/', import.meta.url)),
  '/sotto-devices/': fileURLToPath(new URL('../../pkg/dist/devices/web/', import.meta.url)),
  '/vendor/lean-qr/': fileURLToPath(new URL('../../js-tests/node_modules/lean-qr/', import.meta.url)),
};
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const extra = Object.entries(mounts).find(([prefix]) => path.startsWith(prefix));
  const [root, rest] = path.startsWith('/sotto/')
    ? [dist, path.slice(7)]
    : path.startsWith('/sotto-attachments/')
      ? [attachments, path.slice(19)]
      : extra
        ? [extra[1], path.slice(extra[0].length)]
        : [here, path.slice(1) || 'index.html'];
  const file = normalize(join(root, rest));
  if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
});
const port = Number(process.env.PORT ?? 8080);
server.listen(port, '127.0.0.1', () => console.log(`Sotto demo: http://127.0.0.1:${port}/`));
