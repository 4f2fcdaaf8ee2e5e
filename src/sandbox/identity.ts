/**
 * Who a plugin is, for grants, its scratch dir and its config store: the
 * catalog entry the user put there (a core plugin shipped with wash, a plugin
 * installed under a name, a file on WASH_PLUGIN_PATH, a file given to
 * `wash plugin test`), never the id or name the component declares about
 * itself. Pure: no I/O.
 *
 * Android binds an app's permissions and data to its signing identity; we
 * bind them to the catalog entry, and the grants also to the digest of the
 * component they were given to (see decide.ts).
 */
import { basename } from 'node:path';
import { sha256Hex } from '../util/hash.js';

export type IdentityKind = 'core' | 'installed' | 'path' | 'test';

export interface PluginIdentity {
  kind: IdentityKind;
  /** The key of its grants table in the config: `core:keys`, `installed:my-plugin`, `path:/abs/file.wasm`. */
  key: string;
  /** Its directory name under the scratch and plugin-config roots (one path component, never `.`/`..`). */
  dirName: string;
  /** Whether grants may be recorded for it and recorded grants apply (`plugin test` never does). */
  remembers: boolean;
}

/** Ids of this prefix belong to the core plugins shipped with wash; nobody else may claim one. */
const RESERVED_ID_PREFIX = 'dev.wash.';

export function isReservedId(id: string): boolean {
  return id.startsWith(RESERVED_ID_PREFIX);
}

const stem = (file: string) => basename(file).replace(/\.wasm$/i, '');

/**
 * A file name made safe as one path component, readable where it can be.
 * Cut at `max`: an installed plugin's file is named by its name (at most 64
 * characters), which must survive whole, or two plugins whose names share
 * a long prefix would share an identity (grants, scratch dir, config).
 */
function safeComponent(text: string, max = 48): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, max);
  return cleaned || '_';
}

const shortHash = (text: string) => sha256Hex(text).slice(0, 12);

/**
 * The identity of a catalog entry. `file` is the component's absolute path:
 * core plugins are named by their file (`plugins/keys/dist/keys.wasm` ->
 * `core:keys`), installed ones by their installed file name (which is the
 * name they were installed under), path and test files by their path.
 */
export function identityOf(entry: { source: 'embedded' | 'installed' | 'path' | 'test'; file: string }): PluginIdentity {
  switch (entry.source) {
    case 'embedded': {
      const name = safeComponent(stem(entry.file));
      return { kind: 'core', key: `core:${name}`, dirName: `core.${name}`, remembers: true };
    }
    case 'installed': {
      const name = safeComponent(stem(entry.file), 64);
      return { kind: 'installed', key: `installed:${name}`, dirName: `installed.${name}`, remembers: true };
    }
    case 'path':
      return { kind: 'path', key: `path:${entry.file}`, dirName: `path.${safeComponent(stem(entry.file))}.${shortHash(entry.file)}`, remembers: true };
    case 'test':
      return { kind: 'test', key: `test:${entry.file}`, dirName: `test.${safeComponent(stem(entry.file))}.${shortHash(entry.file)}`, remembers: false };
  }
}

/** The core plugin `drain`: the one plugin that may be granted wash's own directories (to clear its caches). */
export function isTrustedCore(identity: PluginIdentity): boolean {
  return identity.key === 'core:drain';
}

/** Old (0.1) configs keyed grants by the declared id; new keys always hold a colon, ids never do. */
export function isLegacyGrantKey(key: string): boolean {
  return !key.includes(':');
}
