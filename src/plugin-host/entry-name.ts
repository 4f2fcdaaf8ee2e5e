import { getJcoVersion } from './versions.js';

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * Bump when what we store changes meaning: metadata validation, the meta.json
 * shape, how `info` is called, how entries are recorded, how the glue is
 * transpiled. With jco's version it keys every entry, so a new wash never
 * trusts a verdict (or rejection) made under other rules.
 */
const CACHE_FORMAT = 9;

/** The name of a component's cache entry: digest, jco version and cache format. Its own module: listings need it, not the cache code. */
export function entryName(digest: string): string {
  return `${hex(digest)}-jco${getJcoVersion()}-f${CACHE_FORMAT}`;
}
