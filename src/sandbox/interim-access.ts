import { mkdir, stat } from 'node:fs/promises';
import type { Layout } from '../plugin-host/dirs.js';
import type { PluginSource } from '../plugin-host/discover.js';
import type { Metadata } from '../plugin-host/metadata.js';
import type { RunAccess } from '../plugin-host/run.js';
import { resolveRequestedPath, scratchDirOf } from './paths.js';

/**
 * Interim grants until the permission prompt and grant file exist: a plugin
 * gets its scratch dir when it asks for one, core (embedded) plugins also get
 * the directories they declare, and nobody gets env vars, network or host-exec.
 * Read-only path requests are NOT yet enforced as read-only.
 */
export async function interimAccess(metadata: Metadata, source: PluginSource, layout: Layout): Promise<RunAccess> {
  const preopens: Record<string, string> = {};
  let scratchGuestPath: string | undefined;
  if (metadata.access.scratchDir !== undefined) {
    const scratch = scratchDirOf(layout.scratchRoot, metadata.id);
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    preopens[scratch] = scratch;
    scratchGuestPath = scratch;
  }
  if (source === 'embedded') {
    for (const request of metadata.access.paths) {
      const path = resolveRequestedPath(request.path, layout);
      if (!path) continue;
      const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
      if (isDir) preopens[path] = path;
    }
  }
  return { sandbox: { preopens, readOnly: [], env: {}, allowedHosts: [] }, scratchGuestPath };
}
