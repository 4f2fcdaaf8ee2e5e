/**
 * Where an installed plugin came from: `<installed>/<name>.source.json` next
 * to `<name>.wasm`, written atomically by every install. Install state is
 * machine data, so it lives in the data dir, not in the user's config file.
 * Discovery only picks up `*.wasm`, so these files are invisible to it.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from '../../contract/dirs.js';
import { writeFileAtomic } from '../../util/atomic.js';

export interface Provenance {
  /** `oci://registry/repo:tag` (or `@sha256:...`), a URL, or an absolute path. */
  source: string;
  /** Digest of the installed component file. */
  digest: string;
  /** The version the plugin declared in `info`. */
  version: string;
  installed_at: string;
  /** For OCI sources: the tag installed from, and the manifest's digest. */
  tag?: string;
  manifest_digest?: string;
}

const SUFFIX = '.source.json';

function provenanceFile(layout: Layout, name: string): string {
  return join(layout.installedPlugins, `${name}${SUFFIX}`);
}

export async function writeProvenance(layout: Layout, name: string, provenance: Provenance): Promise<void> {
  await writeFileAtomic(provenanceFile(layout, name), `${JSON.stringify(provenance, null, 2)}\n`);
}

export async function removeProvenance(layout: Layout, name: string): Promise<void> {
  await rm(provenanceFile(layout, name), { force: true });
}

/** The sidecar of an installed plugin; undefined when missing or unreadable. */
export async function readProvenance(layout: Layout, name: string): Promise<Provenance | undefined> {
  try {
    const value = JSON.parse(await readFile(provenanceFile(layout, name), 'utf8')) as Partial<Provenance>;
    if (typeof value.source !== 'string' || typeof value.digest !== 'string') return undefined;
    return {
      source: value.source,
      digest: value.digest,
      version: typeof value.version === 'string' ? value.version : '',
      installed_at: typeof value.installed_at === 'string' ? value.installed_at : '',
      ...(typeof value.tag === 'string' ? { tag: value.tag } : {}),
      ...(typeof value.manifest_digest === 'string' ? { manifest_digest: value.manifest_digest } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Names of installed plugins that have a sidecar. */
export async function namesWithProvenance(layout: Layout): Promise<string[]> {
  try {
    return (await readdir(layout.installedPlugins))
      .filter((f) => f.endsWith(SUFFIX) && !f.startsWith('.'))
      .map((f) => f.slice(0, -SUFFIX.length))
      .sort();
  } catch {
    return [];
  }
}
