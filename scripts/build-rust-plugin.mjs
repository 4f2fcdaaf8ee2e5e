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
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { filesUnder, inputHash, packageVersion, pluginTarget, previousBuild, runAsScript, writeBuild } from './plugin-build.mjs';

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
  if (
    !(await access(std).then(
      () => true,
      () => false,
    ))
  ) {
    throw new Error(`${rustc} (${version}) has no wasm32-wasi std at ${std}: install ${RUST_PACKAGES} (Debian) or set RUSTC`);
  }
  return { rustc, version };
}

/** The crate's sources: every .rs under src/, and files they pull in with `#[path = "..."]`. */
async function rustSources(srcDir) {
  const files = new Set((await filesUnder(srcDir)).filter((f) => f.endsWith('.rs')));
  for (const file of [...files]) {
    for (const m of (await readFile(file, 'utf8')).matchAll(/#\[path\s*=\s*"([^"]+)"\]/g)) files.add(resolve(dirname(file), m[1]));
  }
  return [...files].sort();
}

/**
 * @param {string} pluginDir folder with package.json ("wash": {"name", "world"}) and src/lib.rs
 * @param {{ outDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ file: string, digest: string, size: number, skipped: boolean }>}
 */
export async function buildRustPlugin(pluginDir, options = {}) {
  const target = await pluginTarget(pluginDir, options.outDir);
  const { dir, name, world, witDir } = target;
  const log = options.log ?? ((line) => console.error(line));
  const source = join(dir, 'src', 'lib.rs');
  const { rustc, version } = await findRustc();

  const header = `format:${BUILD_FORMAT}\nworld:${world}\nrustc:${version}\njco:${await packageVersion('@bytecodealliance/jco')}\n`;
  const sources = [];
  for (const file of await rustSources(join(dir, 'src'))) sources.push(file, await readFile(file));
  const hash = await inputHash(header, sources, witDir);
  const previous = await previousBuild(target, hash);
  if (previous) {
    log(`${name}: up to date`);
    return previous;
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
  const built = await writeBuild(target, component, hash);
  log(`${name}: built ${(component.length / 1024).toFixed(0)} KiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return built;
}

// `node scripts/build-rust-plugin.mjs <dir> [outDir]`
await runAsScript(import.meta.url, buildRustPlugin);
