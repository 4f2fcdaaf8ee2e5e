/**
 * Build-time entry (dist/prepare-component.js): transpile a component and
 * record its metadata into `<outRoot>/<entry>/`, in the runtime cache's
 * format, so core plugins need no transpiling on a user's first run. The
 * sha256 of every file goes into the plugin's manifest.json (written by
 * scripts/build-plugins.mjs): wash verifies the entry against it before use.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { layout } from '../contract/dirs.js';
import { fileDigest } from './digest.js';
import { ensureCompiled } from './transpile-cache.js';
import type { FileHashes } from './integrity.js';
import { DEFAULT_SETTINGS } from '../sandbox/config.js';

/** What manifest.json records about the shipped entry. */
export interface PrebuiltRecord {
  /** The entry's dir name under `dist/transpiled/`. */
  entry: string;
  sha256: FileHashes;
}

export async function prepareComponent(
  wasmFile: string,
  outRoot: string,
  /** The record of the last build: its entry is kept when it still matches. */
  previous?: PrebuiltRecord,
): Promise<{ entry: string; name: string; record: PrebuiltRecord }> {
  const digest = await fileDigest(wasmFile);
  const scratch = await mkdtemp(join(tmpdir(), 'wash-prepare-'));
  try {
    const dirs = layout({ cache: scratch, data: scratch, config: scratch });
    const prebuilt = previous ? { dir: join(outRoot, previous.entry), sha256: previous.sha256 } : undefined;
    const component = await ensureCompiled(
      { ...dirs, transpiled: outRoot },
      { file: wasmFile, digest, prebuilt },
      {
        verifyAll: true,
        limits: async () => ({ timeoutMs: DEFAULT_SETTINGS.timeoutSeconds * 1000, memoryMb: DEFAULT_SETTINGS.memoryMb }),
      },
    );
    const keep = basename(component.dir);
    // Entries of older builds (other digests or jco versions) are dead weight in the package.
    for (const old of await readdir(outRoot)) if (old !== keep) await rm(join(outRoot, old), { recursive: true, force: true });
    return { entry: component.dir, name: component.metadata.name, record: { entry: keep, sha256: component.sha256 } };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
