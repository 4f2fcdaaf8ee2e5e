import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Layout } from './dirs.js';
import { checkComponentHeader, checkContract, NotAPlugin, type ContractId } from './component.js';
import { instantiateRaw } from './instantiate.js';
import { adapterFor, findAdapter, UnsupportedShape } from './adapters/index.js';
import { newInvocation } from './invocation.js';
import { PluginConfigStore } from './plugin-config-store.js';
import { InvalidMetadata, validateMetadata, type Metadata } from './metadata.js';
import { getJcoVersion } from './versions.js';
import { messageOf } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';

/** What we keep about a component, next to its transpiled code. */
export interface CachedComponent {
  dir: string;
  digest: string;
  metadata: Metadata;
  exports: string[];
  imports: string[];
  /** The contract it implements: the adapter it runs through (./adapters/). */
  contract: ContractId;
  /** What the contract's adapter keeps to run it (a foreign plugin's own commands and hooks). */
  foreign?: unknown;
}

interface MetaFile {
  digest: string;
  jco: string;
  metadata: Metadata;
  exports: string[];
  imports: string[];
  contract: ContractId;
  foreign?: unknown;
  files: Record<string, number>;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * Bump when what we store changes meaning: metadata validation, the meta.json
 * shape, how `info` is called. With jco's version it keys every entry, so a
 * new wash never trusts a verdict (or rejection) made under other rules.
 */
const CACHE_FORMAT = 6;

/** The name of a component's cache entry: digest, jco version and cache format. */
export function entryName(digest: string): string {
  return `${hex(digest)}-jco${getJcoVersion()}-f${CACHE_FORMAT}`;
}

function entryDir(layout: Layout, digest: string) {
  return join(layout.transpiled, entryName(digest));
}

/**
 * An entry in the user's cache, else one shipped with the package (core
 * plugins are transpiled at build time into `plugins/<name>/dist/transpiled/`).
 */
async function findEntry(layout: Layout, digest: string, checkFiles: boolean, prebuiltRoot?: string) {
  return (
    (await readEntry(entryDir(layout, digest), digest, checkFiles)) ??
    (prebuiltRoot ? await readEntry(join(prebuiltRoot, entryName(digest)), digest, checkFiles) : undefined)
  );
}

function rejectionFile(layout: Layout, digest: string) {
  return `${entryDir(layout, digest)}.rejected.json`;
}

/**
 * Read a cache entry; undefined when missing, partial or corrupt. Listings
 * only need meta.json; `checkFiles` also checks every transpiled file is
 * whole, as a run needs.
 */
async function readEntry(dir: string, digest: string, checkFiles: boolean): Promise<CachedComponent | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as MetaFile;
    if (meta.digest !== digest || meta.jco !== getJcoVersion()) return undefined;
    if (checkFiles) {
      const sizes = await Promise.all(Object.keys(meta.files).map((f) => stat(join(dir, f)).then((s) => s.size)));
      if (Object.values(meta.files).some((size, i) => size !== sizes[i])) return undefined;
    }
    const adapter = findAdapter(meta.contract);
    if (!adapter) return undefined;
    const foreign = adapter.checkInfo(meta.foreign);
    return { dir, digest, metadata: validateMetadata(meta.metadata), exports: meta.exports, imports: meta.imports, contract: adapter.id, foreign };
  } catch {
    return undefined;
  }
}

/** Metadata only, for help and listings: never transpiles or instantiates. */
export async function cachedMetadata(layout: Layout, digest: string, prebuiltRoot?: string): Promise<CachedComponent | undefined> {
  return findEntry(layout, digest, false, prebuiltRoot);
}

/** A cached "not a plugin" verdict, so listings do not re-transpile garbage. */
async function cachedRejection(layout: Layout, digest: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(rejectionFile(layout, digest), 'utf8')) as { reason: string }).reason;
  } catch {
    return undefined;
  }
}

/**
 * Transpile the component once per digest and jco version, learn its
 * metadata by calling `info` in an instance that is granted nothing, and
 * store both atomically (build in a temp dir, then rename).
 */
export async function ensureCompiled(
  layout: Layout,
  path: string,
  digest: string,
  onTranspile?: () => void,
  /** How to name the component in messages (default: its path). */
  file: string = path,
  /** Where a transpiled entry may have been shipped with the component. */
  prebuiltRoot?: string,
): Promise<CachedComponent> {
  const dir = entryDir(layout, digest);
  const cached = await findEntry(layout, digest, true, prebuiltRoot);
  if (cached) return cached;
  const rejected = await cachedRejection(layout, digest);
  if (rejected) throw new NotAPlugin(rejected.replace('{file}', file));

  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NotAPlugin(`cannot read plugin ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
  }
  try {
    return await build(layout, dir, file, digest, bytes, onTranspile);
  } catch (err) {
    if (err instanceof NotAPlugin) {
      await writeFileAtomic(rejectionFile(layout, digest), JSON.stringify({ reason: err.message.replaceAll(file, '{file}') })).catch(
        () => undefined,
      );
    }
    throw err;
  }
}

async function build(
  layout: Layout,
  dir: string,
  file: string,
  digest: string,
  bytes: Buffer,
  onTranspile?: () => void,
): Promise<CachedComponent> {
  checkComponentHeader(bytes, file);
  onTranspile?.();
  const { transpile } = await import('@bytecodealliance/jco');
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(bytes, { name: 'component', instantiation: 'async', noTypescript: true });
  } catch (err) {
    throw new NotAPlugin(`not a wash plugin: ${file} (not a valid component: ${messageOf(err).split('\n')[0]})`);
  }
  const exports = out.exports.map(([name]) => name);
  const imports = out.imports;
  const contract = checkContract(exports, file);

  await rm(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tmp, { recursive: true });
    const files: Record<string, number> = {};
    for (const [name, content] of Object.entries(out.files)) {
      if (name.endsWith('.d.ts') || name.includes('/')) continue;
      await writeFile(join(tmp, name), content);
      files[name] = content.length;
    }
    await writeFile(join(tmp, 'package.json'), '{"type":"module"}\n');
    files['package.json'] = 18;

    const { metadata, foreign } = await callInfo(layout, tmp, file, contract);
    const meta: MetaFile = { digest, jco: getJcoVersion(), metadata, exports, imports, contract, foreign, files };
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
    try {
      await rename(tmp, dir);
    } catch {
      // Another wash process built the same entry first; theirs is as good.
      await rm(tmp, { recursive: true, force: true });
    }
    return (await readEntry(dir, digest, true)) ?? { dir, digest, metadata, exports, imports, contract, foreign };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function callInfo(
  layout: Layout,
  dir: string,
  file: string,
  contract: ContractId,
): Promise<{ metadata: Metadata; foreign?: unknown }> {
  const denied = () => {
    throw 'not available while describing the plugin';
  };
  const sandbox = { preopens: {}, readOnly: [], env: {}, allowedHosts: [], args: [], stdoutToStderr: true };
  const host = {
    pluginName: file,
    invocation: newInvocation(layout, 'text', 'error'),
    config: new PluginConfigStore(join(layout.pluginConfig, '.none'), 'info'),
    hostExec: denied,
    listen: denied,
  };
  try {
    const adapter = adapterFor(contract);
    const raw = await instantiateRaw(dir, sandbox, adapter.imports({ ...host, hostExecBackground: denied }));
    const { metadata, info } = adapter.describe(raw);
    return { metadata, foreign: info };
  } catch (err) {
    const why =
      err instanceof InvalidMetadata
        ? `invalid metadata: ${err.message}`
        : err instanceof UnsupportedShape
          ? `${contract} in a shape wash cannot run: ${err.message}`
          : `its info export failed: ${messageOf(err)}`;
    throw new NotAPlugin(`not a wash plugin: ${file} (${why})`);
  }
}
