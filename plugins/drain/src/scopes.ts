/**
 * What each scope clears, in wash's layout of its own directories
 * (src/contract/dirs.ts). Every path here is re-created by wash when needed.
 */
export const SCOPES = ['all', 'cache', 'downloads', 'plugin-data'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (word: string): word is Scope => (SCOPES as readonly string[]).includes(word);

/** Scopes that hold something a user cannot get back (keys, tokens): drained only with `--yes`. */
export const needsConfirmation = (scope: Scope) => scope === 'plugin-data';

interface Dirs {
  cache: string;
  data: string;
}

const join = (dir: string, ...names: string[]) => [dir.replace(/\/+$/, ''), ...names].join('/');

/** The paths a scope drains: directories lose their contents, files are removed. */
export function targetsOf(scope: Scope, dirs: Dirs): string[] {
  // Transpiled components with their metadata, the index of component digests, and what shell completion keeps.
  const cache = [join(dirs.cache, 'transpiled'), join(dirs.cache, 'digests.json'), join(dirs.cache, 'completion.json')];
  // Components fetched by `wash plugin install`, before they are installed.
  const downloads = [join(dirs.cache, 'downloads')];
  // Each plugin's private scratch dir: keys, tokens, state.
  const pluginData = [join(dirs.data, 'plugins', 'fs')];
  switch (scope) {
    case 'all':
      return [...cache, ...downloads];
    case 'cache':
      return cache;
    case 'downloads':
      return downloads;
    case 'plugin-data':
      return pluginData;
  }
}
