// Builds one plugin folder (src/index.ts + package.json) into a component:
// esbuild bundles the TS, componentize-js turns the bundle into a component
// targeting the world named in package.json ("wash": {"world": ...}) from wit/
// (or from "wash": {"wit": ...}, a WIT folder relative to the plugin folder).
// A build whose inputs hash the same as the last one is skipped.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WIT_DIR = join(ROOT, 'wit');
const BUILD_FORMAT = 1; // bump to invalidate every cached build

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // A WIT folder may link to shared deps (test/fixtures/wasmcloud-wash/wit-*/deps).
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDir) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

async function componentizeVersion() {
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules/@bytecodealliance/componentize-js/package.json'), 'utf8'));
  return pkg.version;
}

/**
 * @param {string} pluginDir folder with package.json and src/index.ts
 * @param {{ outDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ file: string, digest: string, size: number, skipped: boolean }>}
 */
export async function buildPlugin(pluginDir, options = {}) {
  const dir = resolve(pluginDir);
  const log = options.log ?? ((line) => console.error(line));
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const name = pkg.wash?.name ?? basename(dir);
  const world = pkg.wash?.world ?? 'plugin-guest';
  const witDir = pkg.wash?.wit ? resolve(dir, pkg.wash.wit) : WIT_DIR;
  const outDir = resolve(options.outDir ?? join(dir, 'dist'));
  const wasmFile = join(outDir, `${name}.wasm`);
  const manifestFile = join(outDir, 'manifest.json');

  const bundle = await build({
    entryPoints: [join(dir, 'src', 'index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['wash:*', 'wasi:*', 'wasmcloud:*'],
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    logLevel: 'silent',
  }).catch((err) => {
    // The SDK is the workspace package @wash/plugin-sdk: `npm install` links it into node_modules.
    if (/Could not resolve "@wash\/plugin-sdk/.test(err.message)) throw new Error(`${name}: cannot resolve @wash/plugin-sdk: run npm install in ${ROOT} (it links the workspace package plugin-sdk/)`);
    throw err;
  });
  const code = bundle.outputFiles[0].text;

  const hash = createHash('sha256');
  hash.update(`format:${BUILD_FORMAT}\nworld:${world}\ncomponentize:${await componentizeVersion()}\n`);
  hash.update(code);
  for (const file of await filesUnder(witDir)) hash.update(file.slice(witDir.length)).update(await readFile(file));
  const inputHash = hash.digest('hex');

  try {
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    const wasm = await readFile(wasmFile);
    const digest = `sha256:${createHash('sha256').update(wasm).digest('hex')}`;
    if (manifest.inputHash === inputHash && manifest.digest === digest) {
      log(`${name}: up to date`);
      return { file: wasmFile, digest, size: wasm.length, skipped: true };
    }
  } catch {
    // no previous build
  }

  log(`${name}: building component (world ${world})...`);
  const started = Date.now();
  _setPreopens({ '/': '/' }); // componentize-js runs on the WASI shim, which starts with no preopens
  const { componentize } = await import('@bytecodealliance/componentize-js');
  await mkdir(outDir, { recursive: true });
  const sourcePath = join(outDir, `.${name}.${process.pid}-${Date.now()}.bundle.js`); // unique: builds may run side by side
  await writeFile(sourcePath, code);
  let component;
  try {
    ({ component } = await componentize({ sourcePath, witPath: witDir, worldName: world }));
  } finally {
    await rm(sourcePath, { force: true });
  }
  const digest = `sha256:${createHash('sha256').update(component).digest('hex')}`;
  const tmp = `${wasmFile}.tmp-${process.pid}`;
  await writeFile(tmp, component);
  await rename(tmp, wasmFile);
  await writeFile(`${manifestFile}.tmp-${process.pid}`, JSON.stringify({ file: basename(wasmFile), digest, size: component.length, inputHash }, null, 2));
  await rename(`${manifestFile}.tmp-${process.pid}`, manifestFile);
  log(`${name}: built ${(component.length / 1048576).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { file: wasmFile, digest, size: component.length, skipped: false };
}

// `node scripts/componentize-plugin.mjs <dir> [outDir]`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, outDir] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/componentize-plugin.mjs <plugin-dir> [out-dir]');
    process.exit(2);
  }
  try {
    await buildPlugin(dir, { outDir });
  } catch (err) {
    console.error(`error: ${err?.message ?? err}`);
    process.exit(1);
  }
}
