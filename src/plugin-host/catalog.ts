import type { Layout } from '../contract/dirs.js';
import { DigestIndex } from './digest.js';
import { discover, type Candidate } from './discover.js';
import type { CachedComponent } from './transpile-cache.js';
import { entryName } from './entry-name.js';
import { CatalogSnapshot } from './catalog-snapshot.js';
import type { WorkerLimits } from './worker-guard.js';
import { messageOf } from '../util/errors.js';

export interface PluginEntry extends Candidate {
  component: CachedComponent;
  /** Entries of the same name that this one hides (lower precedence). */
  shadows: PluginEntry[];
}

export interface Catalog {
  plugins: Map<string, PluginEntry>;
  /** Candidates that are not usable plugins, with the reason. */
  rejected: { file: string; reason: string }[];
}

export interface CatalogOptions {
  /** Called before a component is transpiled (slow, first run only). */
  onTranspile?: (file: string) => void;
  /** Use cached metadata only: a component never described before is left out, not transpiled (shell completion). */
  cachedOnly?: boolean;
  /** The limits `info` runs under when a component is described for the first time. */
  limits: () => Promise<WorkerLimits>;
}

/**
 * All plugins by name. Metadata comes from the catalog snapshot (one file,
 * ./catalog-snapshot.ts), else from the cache; a component seen for the
 * first time is transpiled and described once.
 */
export async function loadCatalog(layout: Layout, options: CatalogOptions): Promise<Catalog> {
  const [index, snapshot] = await Promise.all([DigestIndex.open(layout.digestIndex), CatalogSnapshot.open(layout.catalogSnapshot)]);
  const candidates = await discover(layout, index);
  const indexSaved = index.save();

  const rejected: Catalog['rejected'] = [];
  const rows = candidates.map((c) => snapshot.get(entryName(c.digest)));
  // The cache code is loaded only for components the snapshot does not know (help and listings read the snapshot alone).
  const cache = rows.every(Boolean) ? undefined : await import('./transpile-cache.js');
  const { NotAPlugin } = cache ? await import('./component.js') : { NotAPlugin: undefined };
  const cached = await Promise.all(candidates.map((c, i) => (rows[i] ? undefined : cache!.cachedMetadata(layout, c))));
  const described: { candidate: Candidate; component: CachedComponent }[] = [];
  // Uncached ones are transpiled one at a time: each takes a second or two and much memory.
  for (const [i, candidate] of candidates.entries()) {
    const row = rows[i];
    if (row && 'rejected' in row) {
      rejected.push({ file: candidate.file, reason: row.rejected.replaceAll('{file}', candidate.file) });
      continue;
    }
    let component = row?.component ?? cached[i];
    if (!component && options.cachedOnly) continue;
    if (!component) {
      try {
        component = await cache!.ensureCompiled(layout, candidate, {
          onTranspile: () => options.onTranspile?.(candidate.file),
          limits: options.limits,
        });
      } catch (err) {
        // A verdict on the component is remembered (as the cache does); a timeout or an unreadable file is not.
        if (NotAPlugin && err instanceof NotAPlugin) snapshot.set(entryName(candidate.digest), { rejected: err.message.replaceAll(candidate.file, '{file}') });
        rejected.push({ file: candidate.file, reason: messageOf(err) });
        continue;
      }
    }
    if (!row) snapshot.set(entryName(candidate.digest), { component });
    described.push({ candidate, component });
  }
  await Promise.all([indexSaved, snapshot.save()]);

  const plugins = new Map<string, PluginEntry>();
  for (const item of described) {
    const name = item.component.metadata.name;
    const previous = plugins.get(name);
    const entry: PluginEntry = { ...item.candidate, component: item.component, shadows: [] };
    if (previous) entry.shadows = [previous, ...previous.shadows];
    plugins.set(name, entry);
  }
  return { plugins, rejected };
}
