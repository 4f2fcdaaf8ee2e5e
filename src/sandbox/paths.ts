import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import type { WashDirs } from '../contract/dirs.js';

/**
 * Resolve a plugin's path request: `{cache}`, `{data}`, `{config}` name
 * wash's directories, `~` the home directory; anything else must be absolute.
 * Returns undefined for a path we refuse to interpret.
 */
export function resolveRequestedPath(requested: string, dirs: WashDirs, home = homedir()): string | undefined {
  const placeholder = /^\{(cache|data|config)\}(?=\/|$)/.exec(requested);
  let path: string;
  if (placeholder) path = join(dirs[placeholder[1] as keyof WashDirs], requested.slice(placeholder[0].length));
  else if (requested === '~' || requested.startsWith('~/')) path = join(home, requested.slice(1));
  else if (isAbsolute(requested)) path = requested;
  else return undefined;
  const normal = normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** A plugin's private scratch dir: `<data>/plugins/fs/<identity dir>` (never the id it declares). */
export function scratchDirOf(scratchRoot: string, identityDir: string): string {
  return join(scratchRoot, identityDir);
}
