/**
 * Real paths for the policy: a grant and a request are compared where they
 * really lead, not as they are spelled, so a symlink planted in a granted
 * directory cannot stretch the grant. The I/O half of src/sandbox/policy.ts.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AccessItem } from './access-items.js';
import type { Grants } from './config.js';
import { isWithin } from './policy.js';

/**
 * Where `path` (absolute, normalized) leads: symlinks resolved in the longest
 * part of it that exists, the rest as written (it may be created later).
 */
export async function realPathOf(path: string): Promise<string> {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(await realpath(at), ...rest);
    } catch {
      if (at === dirname(at)) return path;
      rest.unshift(basename(at));
    }
  }
}

/** The items with `real` set on every path request. */
export function withRealPaths(items: readonly AccessItem[]): Promise<AccessItem[]> {
  return Promise.all(items.map(async (item) => (item.kind === 'read' || item.kind === 'write' ? { ...item, real: await realPathOf(item.path) } : item)));
}

/** The grants with every path replaced by where it leads now. */
export async function realGrants(grants: Grants): Promise<Grants> {
  const real = async (paths: readonly string[]) => [...new Set(await Promise.all(paths.map(realPathOf)))];
  return { ...grants, read: await real(grants.read), write: await real(grants.write) };
}

/** A path request that a symlink leads out of the directory it names: `~/rw/link -> ..`. */
export async function leadsOutOfItsDirectory(item: AccessItem): Promise<boolean> {
  if ((item.kind !== 'read' && item.kind !== 'write') || item.real === undefined || item.real === item.path) return false;
  return !isWithin(item.real, await realPathOf(dirname(item.path)));
}
