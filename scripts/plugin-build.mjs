// What the plugin build scripts share (componentize-plugin.mjs for
// TypeScript, build-rust-plugin.mjs for Rust): where a plugin folder's
// component goes, the hash of a build's inputs, skipping a build whose inputs
// hash the same as the last one, writing the component with its manifest,
// and the command line `node scripts/<script> <plugin-dir> [out-dir]`.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const sha256Digest = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Every file under `dir`, sorted; a linked folder is followed (a WIT folder may link to shared deps, test/fixtures/wasmcloud-wash/wit-*\/deps). */
export async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDir) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

/** The version of a package installed in wash's node_modules (a build tool: its version is an input). */
export const packageVersion = async (name) => JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/**
 * A plugin folder's build: its name and world (package.json "wash": {"name", "world", "wit"}),
 * its WIT folder, and where the component and its manifest go.
 */
export async function pluginTarget(pluginDir, outDir) {
  const dir = resolve(pluginDir);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const name = pkg.wash?.name ?? basename(dir);
  const out = resolve(outDir ?? join(dir, 'dist'));
  return {
    dir,
    name,
    world: pkg.wash?.world ?? 'plugin-guest',
    witDir: pkg.wash?.wit ? resolve(dir, pkg.wash.wit) : join(ROOT, 'wit'),
    outDir: out,
    wasmFile: join(out, `${name}.wasm`),
    manifestFile: join(out, 'manifest.json'),
  };
}

/** sha256 (hex) of a build's inputs: `header` (format, world, tool versions), each of `parts`, then every WIT file by its path in the folder. */
export async function inputHash(header, parts, witDir) {
  const hash = createHash('sha256');
  hash.update(header);
  for (const part of parts) hash.update(part);
  for (const file of await filesUnder(witDir)) hash.update(file.slice(witDir.length)).update(await readFile(file));
  return hash.digest('hex');
}

/** The last build, when it was made from inputs that hash to `hash` and its component is still what it recorded; else undefined. */
export async function previousBuild(target, hash) {
  try {
    const manifest = JSON.parse(await readFile(target.manifestFile, 'utf8'));
    const wasm = await readFile(target.wasmFile);
    const digest = sha256Digest(wasm);
    if (manifest.inputHash === hash && manifest.digest === digest) return { file: target.wasmFile, digest, size: wasm.length, skipped: true };
  } catch {
    // no previous build
  }
  return undefined;
}

/** Write the component and its manifest (each by a rename: a reader never sees half a file). */
export async function writeBuild(target, component, hash) {
  await mkdir(target.outDir, { recursive: true });
  const digest = sha256Digest(component);
  const tmp = `${target.wasmFile}.tmp-${process.pid}`;
  await writeFile(tmp, component);
  await rename(tmp, target.wasmFile);
  const manifest = { file: basename(target.wasmFile), digest, size: component.length, inputHash: hash };
  await writeFile(`${target.manifestFile}.tmp-${process.pid}`, JSON.stringify(manifest, null, 2));
  await rename(`${target.manifestFile}.tmp-${process.pid}`, target.manifestFile);
  return { file: target.wasmFile, digest, size: component.length, skipped: false };
}

/** When the module at `moduleUrl` is the script node runs: `build(<plugin-dir>, { outDir })` from the command line. */
export async function runAsScript(moduleUrl, build) {
  const script = fileURLToPath(moduleUrl);
  if (!process.argv[1] || resolve(process.argv[1]) !== script) return;
  const [dir, outDir] = process.argv.slice(2);
  if (!dir) {
    console.error(`usage: node scripts/${basename(script)} <plugin-dir> [out-dir]`);
    process.exit(2);
  }
  try {
    await build(dir, { outDir });
  } catch (err) {
    console.error(`error: ${err?.message ?? err}`);
    process.exit(1);
  }
}
