import { mkdir } from 'node:fs/promises';
import type { AccessItem } from './access-items.js';
import type { WashDirs } from '../contract/dirs.js';

const PLACEHOLDER = /^\{(cache|data|config)\}(?=\/|$)/;

/**
 * A granted path in one of wash's own directories (`{cache}`, `{data}`,
 * `{config}` and below) is created if missing: wash makes these on demand
 * anyway, and a directory that is not there cannot be mounted, which the
 * plugin could not tell from a denial (e.g. `wash drain` on an empty cache
 * would warn that it cannot see what simply does not exist yet). Only paths
 * that stay inside the directory their placeholder names are created.
 */
export async function createOwnDirs(granted: readonly AccessItem[], dirs: WashDirs): Promise<void> {
  for (const item of granted) {
    if (item.kind !== 'read' && item.kind !== 'write') continue;
    const placeholder = PLACEHOLDER.exec(item.requested);
    if (!placeholder) continue;
    const root = dirs[placeholder[1] as keyof WashDirs].replace(/\/+$/, '');
    if (item.path !== root && !item.path.startsWith(`${root}/`)) continue;
    await mkdir(item.path, { recursive: true, mode: 0o700 }).catch(() => undefined); // the mount step reports what is still missing
  }
}
