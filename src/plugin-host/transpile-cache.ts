import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Layout } from '../contract/dirs.js';
import { checkComponentHeader, checkContract, NotAPlugin } from './component.js';
import type { ContractId } from '../contract/wit.js';
import { findAdapter } from './adapters/index.js';
import { validateMetadata, type Metadata } from '../contract/metadata.js';
import { getJcoVersion } from './versions.js';
import { entryName } from './entry-name.js';
import { describeComponent } from './describe.js';
import { checkFile, ModifiedEntry, type FileHashes, type TranspiledCode } from './integrity.js';
import { sha256Hex } from '../util/hash.js';
import { readVerdict, writeVerdict, type Verdict } from './verdicts.js';
import { codeCacheName, isCodeCacheName } from './glue-script.js';
import type { WorkerLimits } from './worker-guard.js';
import { messageOf } from '../util/errors.js';
import { phase } from '../util/phases.js';
import { useLiftoffOnly } from './wasm-engine.js';

/** What a build learns about a component: kept in its entry's meta.json, and in memory as a CachedComponent. */
interface ComponentRecord {
  digest: string;
  metadata: Metadata;
  exports: string[];
  imports: string[];
  /** The contract it implements: the adapter it runs through (./adapters/). */
  contract: ContractId;
  /** What the contract's adapter keeps to run it (a foreign plugin's own commands and hooks). */
  foreign?: unknown;
}

/** A component as wash knows it: its record, where its transpiled code is, and that code's hashes. */
export interface CachedComponent extends ComponentRecord {
  dir: string;
  /** The sha256 of each file in `dir`, recorded when it was built: a worker loads nothing that differs. */
  sha256: FileHashes;
}

/** meta.json: the record, the jco version that built the entry, and the size of each file (a cheap check before a run; the code cache excepted). */
interface MetaFile extends ComponentRecord {
  jco: string;
  files: Record<string, number>;
}

/** A transpiled entry shipped with a core plugin, and the sha256 of its files as the package build recorded them. */
export type PrebuiltEntry = TranspiledCode;

/** A component to compile: a catalog entry, or a file named on the command line. */
export interface ComponentFile {
  file: string;
  digest: string;
  /** An entry shipped with the component (a core plugin's): used first when it matches its record. */
  prebuilt?: PrebuiltEntry;
}

export interface CompileOptions {
  /** How to name the component in messages (default: its path). */
  label?: string;
  /** Called before a component is transpiled (slow, first run only). */
  onTranspile?: () => void;
  /** The limits `info` runs under: a run's (`--timeout`, the config's settings); asked only when building. */
  limits: () => Promise<WorkerLimits>;
  /** Hash every file now, not only the small ones (a worker found the code modified). */
  verifyAll?: boolean;
  /** Told about an entry that was modified and is not used. Default: a line on stderr. */
  warn?: (text: string) => void;
}

/** What a command that builds components offers them: its notes (stderr) and its run limits. */
export interface CompilingCommand {
  note(text: string): void;
  callLimits(): Promise<WorkerLimits>;
}

/** How a command builds: `preparing` told before a transpile, a modified entry's warning as a note, `info` under the command's limits. */
export function compileOptionsFor(ctx: CompilingCommand, preparing: string, more: Pick<CompileOptions, 'label' | 'verifyAll'> = {}): CompileOptions {
  return { ...more, onTranspile: () => ctx.note(preparing), limits: () => ctx.callLimits(), warn: (text) => ctx.note(`warning: ${text}`) };
}

export { entryName };

/** Whether a dir name is an entry of this name: itself, or one built beside an older copy (see publish). */
const isEntryOf = (dirName: string, name: string) => dirName === name || dirName.startsWith(`${name}~`);

/**
 * How much of an entry to check before using it: `meta` for help and
 * listings; `run` adds every file's size (a partial entry is rebuilt before
 * the run), while the worker hashes each file from the very bytes it imports
 * or compiles (a modified one ends the call before any of it runs, and the
 * caller rebuilds: launch.ts callVerified); `all` hashes everything now.
 */
type Check = 'meta' | 'run' | 'all';

/**
 * Read a cache entry; undefined when missing, partial or unusable, and
 * ModifiedEntry when a file differs from what was recorded.
 */
async function readEntry(code: TranspiledCode, digest: string, check: Check): Promise<CachedComponent | undefined> {
  const { dir, sha256 } = code;
  try {
    const metaBytes = await readFile(join(dir, 'meta.json'));
    checkFile(code, 'meta.json', metaBytes);
    const meta = JSON.parse(metaBytes.toString('utf8')) as MetaFile;
    if (meta.digest !== digest || meta.jco !== getJcoVersion()) return undefined;
    if (check === 'all') {
      for (const name of Object.keys(sha256)) checkFile(code, name, await readFile(join(dir, name)));
    } else if (check === 'run') {
      const sizes = await Promise.all(Object.keys(meta.files).map((f) => stat(join(dir, f)).then((s) => s.size)));
      const wrong = Object.entries(meta.files).find(([, size], i) => size !== sizes[i]);
      if (wrong) throw new ModifiedEntry(join(dir, wrong[0]));
    }
    const adapter = findAdapter(meta.contract);
    if (!adapter) return undefined;
    const foreign = adapter.checkInfo(meta.foreign);
    return { dir, digest, metadata: validateMetadata(meta.metadata), exports: meta.exports, imports: meta.imports, contract: adapter.id, foreign, sha256 };
  } catch (err) {
    if (err instanceof ModifiedEntry) throw err;
    return undefined;
  }
}

/** readEntry, telling `onModified` (if given) about a modified entry instead of throwing. */
async function usableEntry(code: TranspiledCode, digest: string, check: Check, onModified?: (path: string) => void) {
  try {
    return await readEntry(code, digest, check);
  } catch (err) {
    if (!(err instanceof ModifiedEntry)) throw err;
    onModified?.(err.path);
    return undefined;
  }
}

/**
 * The entry shipped with the package (core plugins are transpiled at build
 * time into `plugins/<name>/dist/transpiled/`) first, else the one the
 * component's verdict names in the user's cache; each only if it matches the
 * hashes recorded for it. Otherwise the verdict, which may be a rejection.
 */
async function findEntry(
  layout: Layout,
  digest: string,
  check: Check,
  prebuilt: PrebuiltEntry | undefined,
  report?: { label: string; warn: (text: string) => void },
): Promise<{ found?: CachedComponent; verdict?: Verdict }> {
  const name = entryName(digest);
  if (prebuilt && isEntryOf(basename(prebuilt.dir), name)) {
    const found = await usableEntry(prebuilt, digest, check, (path) =>
      report?.warn(`the transpiled code shipped with ${report.label} does not match its build record (${path}); not using it`),
    );
    if (found) return { found };
  }
  const verdict = await readVerdict(layout, name);
  if (verdict && 'entry' in verdict) {
    const code = { dir: join(layout.transpiled, verdict.entry), sha256: verdict.sha256 };
    const found = await usableEntry(code, digest, check, (path) =>
      report?.warn(`the cached code of ${report.label} was modified after wash built it (${path}); not using it, rebuilding`),
    );
    if (found) return { found };
  }
  return { verdict };
}

/** Metadata only, for help and listings: never transpiles or instantiates. */
export async function cachedMetadata(layout: Layout, component: Pick<ComponentFile, 'digest' | 'prebuilt'>): Promise<CachedComponent | undefined> {
  return (await findEntry(layout, component.digest, 'meta', component.prebuilt)).found;
}

/**
 * Transpile the component once per digest and jco version, learn its
 * metadata by calling `info` (in a worker, granted nothing), and store both:
 * the files in the cache, their sha256 in the component's verdict.
 */
export async function ensureCompiled(layout: Layout, component: ComponentFile, options: CompileOptions): Promise<CachedComponent> {
  const { digest } = component;
  const file = options.label ?? component.file;
  const warn = options.warn ?? ((text: string) => void process.stderr.write(`warning: ${text}\n`));
  const { found, verdict } = await findEntry(layout, digest, options.verifyAll ? 'all' : 'run', component.prebuilt, { label: file, warn });
  if (found) return found;
  if (verdict && 'rejected' in verdict) throw new NotAPlugin(verdict.rejected.replace('{file}', file));

  let bytes: Buffer;
  try {
    bytes = await readFile(component.file);
  } catch (err) {
    throw new NotAPlugin(`cannot read plugin ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
  }
  try {
    return await build(layout, file, digest, bytes, options);
  } catch (err) {
    // Only a verdict on the component is remembered, not a timeout or an interruption.
    if (err instanceof NotAPlugin) {
      await writeVerdict(layout, entryName(digest), { rejected: err.message.replaceAll(file, '{file}') }).catch(() => undefined);
    }
    throw err;
  }
}

async function build(layout: Layout, file: string, digest: string, bytes: Buffer, options: CompileOptions): Promise<CachedComponent> {
  checkComponentHeader(bytes, file);
  options.onTranspile?.();
  phase('build: started');
  const { transpile } = await import('@bytecodealliance/jco');
  useLiftoffOnly(); // jco's transpiler is wasm too: Liftoff only halves a first transpile
  phase('build: jco loaded');
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    // Minified glue (oxc, names kept): measured (issue 17) ~3% less CPU and ~4 MB less memory per run of a
    // JavaScript plugin, for ~0.25 s more on its first run. jco's valid-lifting optimisation (~0.5%) is left
    // off: it drops the checks on values a plugin hands back. Type declarations are not wanted.
    out = await transpile(bytes, { name: 'component', instantiation: 'async', emitTypescriptDeclarations: false, minify: true } as Parameters<
      typeof transpile
    >[1]);
    phase('build: transpiled');
  } catch (err) {
    throw new NotAPlugin(`not a wash plugin: ${file} (not a valid component: ${messageOf(err).split('\n')[0]})`);
  }
  const exports = out.exports.map(([name]) => name);
  const imports = out.imports;
  const contract = checkContract(exports, file);

  const name = entryName(digest);
  await mkdir(layout.transpiled, { recursive: true });
  // Written under a name no reader looks for, then renamed once (see publish).
  const tmp = join(layout.transpiled, `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp);
    const files: Record<string, number> = {};
    const sha256: FileHashes = {};
    const put = async (fileName: string, content: Uint8Array | string) => {
      await writeFile(join(tmp, fileName), content);
      files[fileName] = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
      sha256[fileName] = sha256Hex(content);
    };
    for (const [fileName, content] of Object.entries(out.files)) {
      if (fileName.endsWith('.d.ts') || fileName.includes('/')) continue;
      await put(fileName, content);
    }
    await put('package.json', '{"type":"module"}\n');

    phase('build: files written');
    const { metadata, foreign, codeCache } = await describeComponent(
      { code: { dir: tmp, sha256: { ...sha256 }, imports }, contract, file, layout },
      await options.limits(),
    );
    phase('build: described');
    if (codeCache) {
      // Not listed in meta.json: V8's code cache differs from build to build (see publish); the record names it.
      const hash = sha256Hex(codeCache);
      await writeFile(join(tmp, codeCacheName(hash)), codeCache);
      sha256[codeCacheName(hash)] = hash;
    }
    const meta: MetaFile = { digest, jco: getJcoVersion(), metadata, exports, imports, contract, foreign, files };
    const metaText = JSON.stringify(meta);
    await writeFile(join(tmp, 'meta.json'), metaText);
    sha256['meta.json'] = sha256Hex(metaText);

    const dir = await publish(layout, tmp, name, sha256);
    phase('build: published');
    // The entry is usable from here on: its verdict names it and records its hashes.
    await writeVerdict(layout, name, { entry: basename(dir), sha256 });
    return { dir, digest, metadata, exports, imports, contract, foreign, sha256 };
  } finally {
    await rm(tmp, { recursive: true, force: true }); // nothing left once published
  }
}

/**
 * Give a finished build its entry name with one rename. An existing entry is
 * never deleted or replaced (another process may be loading it): if it holds
 * exactly these files (the same component built concurrently) it is used,
 * with this build's code cache added under its own name (and recorded only
 * when that file holds it); otherwise (modified, or not ours) the build gets
 * a fresh name beside it and the old one is left for `wash drain`.
 */
async function publish(layout: Layout, tmp: string, name: string, sha256: FileHashes): Promise<string> {
  const target = join(layout.transpiled, name);
  try {
    await rename(tmp, target);
    return target;
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  // The same component, built by another process (or rebuilt beside a modified code cache): every file but
  // the code cache is deterministic. Add this build's cache under its own name, never touching another file.
  const cacheName = Object.keys(sha256).find(isCodeCacheName);
  const { [cacheName ?? '']: _cache, ...code } = sha256;
  if (await holdsExactly({ dir: target, sha256: code })) {
    if (cacheName && !(await addFile(join(tmp, cacheName), { dir: target, sha256: { [cacheName]: sha256[cacheName]! } }))) delete sha256[cacheName];
    return target;
  }
  const fresh = `${target}~${randomBytes(4).toString('hex')}`;
  await rename(tmp, fresh);
  return fresh;
}

/** Copy one file into an entry under a name not yet taken (or taken by exactly this content); false when it cannot be. */
async function addFile(from: string, to: TranspiledCode): Promise<boolean> {
  const [name] = Object.keys(to.sha256);
  try {
    await copyFile(from, join(to.dir, name!), constants.COPYFILE_EXCL);
    return true;
  } catch {
    return holdsExactly(to);
  }
}

/** Whether every recorded file is in the dir with exactly the recorded content. */
async function holdsExactly(code: TranspiledCode): Promise<boolean> {
  try {
    for (const name of Object.keys(code.sha256)) checkFile(code, name, await readFile(join(code.dir, name)));
    return true;
  } catch {
    return false;
  }
}
