// Generates TypeScript declarations for the guest side of wit/ (what a plugin
// imports and exports) with jco's type generation, into plugin-sdk/types/.
// Run by `npm run gen:types` whenever wit/ changes; the output is committed.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { types } from '@bytecodealliance/jco';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

_setPreopens({ '/': '/' }); // jco's WIT reader runs on the WASI shim, which starts with no preopens

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'plugin-sdk', 'types');
const files = await types(join(root, 'wit'), { worldName: 'auth-plugin-guest', guest: true, name: 'plugin' });
await rm(outDir, { recursive: true, force: true });
for (const [name, content] of Object.entries(files)) {
  const path = join(outDir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  console.log(`wrote ${path.slice(root.length + 1)}`);
}
