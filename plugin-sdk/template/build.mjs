// `npm run build` (after `tsc` has type-checked src/): turns src/index.ts
// into <name>.wasm, a WebAssembly component of the world in wit/ named by
// package.json ("wash": { "name", "world" }).
//   1. esbuild bundles src/ (and @wash/plugin-sdk, from vendor/) into one ES module;
//      imports of `wash:*` and `wasi:*` stay imports of the component.
//   2. componentize-js embeds that module in a JS engine (StarlingMonkey)
//      and wires its exports and imports to the world.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const { wash } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const started = Date.now();

const bundle = await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['wash:*', 'wasi:*'],
  logLevel: 'warning',
});
const sourcePath = join(root, `.${wash.name}.bundle.js`);
await writeFile(sourcePath, bundle.outputFiles[0].text);

// componentize-js runs on the WASI shim under Node, which starts with no
// preopened directories: give it the file system before loading it.
_setPreopens({ '/': '/' });
const { componentize } = await import('@bytecodealliance/componentize-js');
let component;
try {
  ({ component } = await componentize({ sourcePath, witPath: join(root, 'wit'), worldName: wash.world }));
} finally {
  await rm(sourcePath, { force: true });
}
await writeFile(join(root, `${wash.name}.wasm`), component);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`built ${wash.name}.wasm (world ${wash.world}, ${(component.length / 1048576).toFixed(1)} MiB) in ${seconds} s`);
