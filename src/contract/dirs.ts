import envPaths from 'env-paths';
import { join } from 'node:path';

/** wash's XDG directories (XDG_CACHE_HOME, XDG_DATA_HOME, XDG_CONFIG_HOME on Linux). */
export interface WashDirs {
  cache: string;
  data: string;
  config: string;
}

function washDirs(): WashDirs {
  const paths = envPaths('wash', { suffix: '' });
  return { cache: paths.cache, data: paths.data, config: paths.config };
}

/** Layout of wash's own files inside those directories. */
export function layout(dirs: WashDirs = washDirs()) {
  return {
    ...dirs,
    installedPlugins: join(dirs.data, 'plugins', 'installed'),
    scratchRoot: join(dirs.data, 'plugins', 'fs'),
    pluginConfig: join(dirs.data, 'plugins', 'config'),
    transpiled: join(dirs.cache, 'transpiled'),
    /**
     * What wash concluded about each transpiled entry (the sha256 of its files,
     * or why it is not a plugin): in the data dir, outside anything a plugin may
     * be granted, so code in the cache is checked against a record no plugin can rewrite.
     */
    integrity: join(dirs.data, 'integrity'),
    digestIndex: join(dirs.cache, 'digests.json'),
    /** What the catalog knows of each component, in one file (./catalog-snapshot.ts): in the data dir, like the integrity records. */
    catalogSnapshot: join(dirs.data, 'catalog.json'),
    downloads: join(dirs.cache, 'downloads'),
    configFile: join(dirs.config, 'config.toml'),
  };
}

export type Layout = ReturnType<typeof layout>;
