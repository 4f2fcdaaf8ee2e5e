/**
 * Build-time entry (dist/prepare-component.js): transpile a component and
 * record its metadata into `<outRoot>/<entry>/`, in the runtime cache's
 * format, so core plugins need no transpiling on a user's first run.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layout } from './dirs.js';
import { fileDigest } from './digest.js';
import { ensureCompiled, entryName } from './transpile-cache.js';

export async function prepareComponent(wasmFile: string, outRoot: string): Promise<{ entry: string; name: string }> {
  const digest = await fileDigest(wasmFile);
  const scratch = await mkdtemp(join(tmpdir(), 'wash-prepare-'));
  try {
    const dirs = layout({ cache: scratch, data: scratch, config: scratch });
    const component = await ensureCompiled({ ...dirs, transpiled: outRoot }, wasmFile, digest);
    const keep = entryName(digest);
    // Entries of older builds (other digests or jco versions) are dead weight in the package.
    for (const old of await readdir(outRoot)) if (old !== keep) await rm(join(outRoot, old), { recursive: true, force: true });
    return { entry: join(outRoot, keep), name: component.metadata.name };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
