import { readdir, readFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { Layout } from '../contract/dirs.js';
import type { DigestIndex } from './digest.js';
import { PACKAGE_ROOT } from './versions.js';
import { checkHashes } from './integrity.js';
import type { PrebuiltEntry } from './transpile-cache.js';

export type PluginSource = 'embedded' | 'installed' | 'path';

/** A component file that may be a plugin, before its metadata is known. */
export interface Candidate {
  file: string;
  digest: string;
  size: number;
  source: PluginSource;
  /** For core plugins: the transpiled entry the build shipped, with the sha256 of its files. */
  prebuilt?: PrebuiltEntry;
}

/** Written by scripts/build-plugins.mjs next to each core plugin. */
interface EmbeddedManifest {
  file: string;
  digest: string;
  size: number;
  /** The shipped transpiled entry (a dir name under `transpiled/`) and its files' sha256. */
  transpiled?: { entry?: unknown; sha256?: unknown };
}

/** The shipped entry, when the manifest records one wash can check. */
function prebuiltOf(dist: string, manifest: EmbeddedManifest): PrebuiltEntry | undefined {
  const entry = manifest.transpiled?.entry;
  const sha256 = checkHashes(manifest.transpiled?.sha256);
  if (typeof entry !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(entry) || entry.startsWith('.') || !sha256) return undefined;
  return { dir: join(dist, 'transpiled', entry), sha256 };
}

async function wasmFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.wasm'))
      .map((e) => join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

async function embedded(): Promise<Candidate[]> {
  const root = join(PACKAGE_ROOT, 'plugins');
  let names: string[];
  try {
    names = (await readdir(root)).sort();
  } catch {
    return [];
  }
  const found = await Promise.all(
    names.map(async (name) => {
      const dist = join(root, name, 'dist');
      try {
        const manifest = JSON.parse(await readFile(join(dist, 'manifest.json'), 'utf8')) as EmbeddedManifest;
        return [
          {
            file: join(dist, manifest.file),
            digest: manifest.digest,
            size: manifest.size,
            source: 'embedded' as const,
            prebuilt: prebuiltOf(dist, manifest),
          },
        ];
      } catch {
        return [];
      }
    }),
  );
  return found.flat();
}

async function fromDirs(dirs: string[], source: PluginSource, index: DigestIndex): Promise<Candidate[]> {
  const files = (await Promise.all(dirs.map(wasmFiles))).flat();
  const found = await Promise.all(
    files.map(async (file) => {
      try {
        return [{ file, source, ...(await index.digestOf(file)) }];
      } catch {
        return []; // vanished or unreadable between readdir and stat
      }
    }),
  );
  return found.flat();
}

export function pluginPathDirs(env = process.env): string[] {
  return (env.WASH_PLUGIN_PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => resolve(d));
}

/** Every candidate, lowest precedence first: embedded, installed, WASH_PLUGIN_PATH. */
export async function discover(layout: Layout, index: DigestIndex): Promise<Candidate[]> {
  const [core, installed, onPath] = await Promise.all([
    embedded(),
    fromDirs([layout.installedPlugins], 'installed', index),
    fromDirs(pluginPathDirs(), 'path', index),
  ]);
  return [...core, ...installed, ...onPath];
}
