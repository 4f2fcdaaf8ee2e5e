/**
 * wash's own directories are not plugin territory: its config (grants), its
 * data (every plugin's scratch dir with their keys and tokens, the integrity
 * records), its cache (transpiled JavaScript wash imports) and the package
 * (core plugins' transpiled code). Only the core `drain` may be granted them,
 * to clear caches. Pure: callers compare resolved (and real) paths.
 */
import type { WashDirs } from '../contract/dirs.js';
import { isWithin } from './policy.js';

export interface ReservedDir {
  path: string;
  /** How it reads in messages, e.g. "wash's own cache directory". */
  what: string;
}

export interface Reserved {
  /** The path as compared (after realpath, when that is what matched). */
  path: string;
  dir: ReservedDir;
  /** `inside`: the path is the reserved dir or below it; `contains`: the reserved dir is below the path. */
  relation: 'inside' | 'contains';
}

function reservedDirs(dirs: WashDirs, packageRoot: string): ReservedDir[] {
  return [
    { path: dirs.config, what: "wash's own config directory" },
    { path: dirs.data, what: "wash's own data directory" },
    { path: dirs.cache, what: "wash's own cache directory" },
    { path: packageRoot, what: "wash's installation (core plugins' code)" },
  ];
}

/** Whether a path is, lies inside, or holds one of wash's own directories; the first such directory. */
export function reservedPath(path: string, dirs: WashDirs, packageRoot: string): Reserved | undefined {
  const all = reservedDirs(dirs, packageRoot);
  const inside = all.find((dir) => isWithin(path, dir.path));
  if (inside) return { path, dir: inside, relation: 'inside' };
  const holds = all.find((dir) => isWithin(dir.path, path));
  return holds ? { path, dir: holds, relation: 'contains' } : undefined;
}

/** Why a path is refused, for messages: "it is wash's own cache directory", "it contains wash's own data directory /x". */
export function reservedReason(requested: string, reserved: Reserved): string {
  const { path, dir, relation } = reserved;
  const via = path === requested ? '' : ` (it leads to ${path})`;
  if (relation === 'contains') return `it contains ${dir.what} ${dir.path}${via}`;
  return `${path.replace(/\/+$/, '') === dir.path.replace(/\/+$/, '') ? `it is ${dir.what}` : `it is inside ${dir.what}`}${via}`;
}
