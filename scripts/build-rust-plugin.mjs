// Builds a plugin written in Rust without crates (examples/tiny-rust) into a
// component, with no tool beyond Debian's packages and what wash already uses:
//   1. rustc (Debian's `rustc` + `libstd-rust-dev-wasm32`, linking with `lld`)
//      compiles src/lib.rs to a core module for wasm32-wasi (WASI preview 1);
//   2. jco's componentEmbed adds the world's types (wit/, world from
//      package.json) to the module;
//   3. jco's componentNew makes it a component, turning the preview 1 imports
//      std uses into WASI 0.2 ones with the preview1 adapter jco ships.
// A build whose inputs (sources, WIT, rustc and jco versions) hash the same as
// the last one is skipped. The rustc is $RUSTC, else /usr/bin/rustc: rustup's
// toolchains lack the wasm32-wasi std unless added, and CI installs Debian's.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from './componentize-plugin.mjs';

const run = promisify(execFile);
const BUILD_FORMAT = 1; // bump to invalidate every cached build
export const RUST_PACKAGES = 'rustc libstd-rust-dev-wasm32 lld';

/** The rustc to use and its version line; a clear error when there is none with the wasm32-wasi std. */
export async function findRustc() {
  const rustc = process.env.RUSTC || '/usr/bin/rustc';
  let version;
  try {
    version = (await run(rustc, ['--version'])).stdout.trim();
  } catch {
    throw new Error(`no rustc at ${rustc}: install Debian's (apt-get install ${RUST_PACKAGES}) or set RUSTC`);
  }
  const sysroot = (await run(rustc, ['--print', 'sysroot'])).stdout.trim();
  const std = join(sysroot, 'lib', 'rustlib', 'wasm32-wasi');
  if (!(await access(std).then(() => true, () => false))) {
    throw new Error(`${rustc} (${version}) has no wasm32-wasi std at ${std}: install ${RUST_PACKAGES} (Debian) or set RUSTC`);
  }
  return { rustc, version };
}

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDir) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

/** The crate's sources: every .rs under src/, and files they pull in with `#[path = "..."]`. */
async function rustSources(srcDir) {
  const files = new Set((await filesUnder(srcDir)).filter((f) => f.endsWith('.rs')));
  for (const file of [...files]) {
    for (const m of (await readFile(file, 'utf8')).matchAll(/#\[path\s*=\s*"([^"]+)"\]/g)) files.add(resolve(dirname(file), m[1]));
  }
  return [...files].sort();
}

const jcoVersion = async () => JSON.parse(await readFile(join(ROOT, 'node_modules/@bytecodealliance/jco/package.json'), 'utf8')).version;

/**
 * @param {string} pluginDir folder with package.json ("wash": {"name", "world"}) and src/lib.rs
 * @param {{ outDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ file: string, digest: string, size: number, skipped: boolean }>}
 */
export async function buildRustPlugin(pluginDir, options = {}) {
  const dir = resolve(pluginDir);
  const log = options.log ?? ((line) => console.error(line));
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const name = pkg.wash?.name ?? basename(dir);
  const world = pkg.wash?.world ?? 'plugin-guest';
  const witDir = pkg.wash?.wit ? resolve(dir, pkg.wash.wit) : join(ROOT, 'wit');
  const outDir = resolve(options.outDir ?? join(dir, 'dist'));
  const wasmFile = join(outDir, `${name}.wasm`);
  const manifestFile = join(outDir, 'manifest.json');
  const source = join(dir, 'src', 'lib.rs');
  const { rustc, version } = await findRustc();

  const hash = createHash('sha256');
  hash.update(`format:${BUILD_FORMAT}\nworld:${world}\nrustc:${version}\njco:${await jcoVersion()}\n`);
  for (const file of await rustSources(join(dir, 'src'))) hash.update(file).update(await readFile(file));
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

  log(`${name}: building component from Rust (${version}, world ${world})...`);
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), `wash-rust-${name}-`));
  let component;
  try {
    const core = join(work, `${name}.core.wasm`);
    // Rust 1.63 (Debian 12) has no separate wasm32-wasip1 target name yet: wasm32-wasi is preview 1.
    const flags = ['--edition', '2021', '--crate-type', 'cdylib', '--target', 'wasm32-wasi'];
    const optimize = ['-C', 'opt-level=s', '-C', 'panic=abort', '-C', 'lto', '-C', 'strip=symbols'];
    await run(rustc, [...flags, ...optimize, '-o', core, source], { maxBuffer: 16 * 1024 * 1024 }).catch((err) => {
      throw new Error(`rustc failed:\n${err.stderr || err.message}`);
    });
    _setPreopens({ '/': '/' }); // jco's wasm-tools run on the WASI shim, which starts with no preopens
    const { componentEmbed, componentNew, preview1AdapterReactorPath } = await import('@bytecodealliance/jco');
    const embedded = await componentEmbed({ binary: await readFile(core), witPath: witDir, world });
    const adapter = await readFile(fileURLToPath(preview1AdapterReactorPath()));
    component = await componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
  const digest = `sha256:${createHash('sha256').update(component).digest('hex')}`;
  const tmp = `${wasmFile}.tmp-${process.pid}`;
  await writeFile(tmp, component);
  await rename(tmp, wasmFile);
  await writeFile(`${manifestFile}.tmp-${process.pid}`, JSON.stringify({ file: basename(wasmFile), digest, size: component.length, inputHash }, null, 2));
  await rename(`${manifestFile}.tmp-${process.pid}`, manifestFile);
  log(`${name}: built ${(component.length / 1024).toFixed(0)} KiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { file: wasmFile, digest, size: component.length, skipped: false };
}

// `node scripts/build-rust-plugin.mjs <dir> [outDir]`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, outDir] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/build-rust-plugin.mjs <plugin-dir> [out-dir]');
    process.exit(2);
  }
  try {
    await buildRustPlugin(dir, { outDir });
  } catch (err) {
    console.error(`error: ${err?.message ?? err}`);
    process.exit(1);
  }
}
