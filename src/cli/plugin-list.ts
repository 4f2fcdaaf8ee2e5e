import type { Command } from 'commander';
import { basename } from 'node:path';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { readProvenance } from '../plugin-host/oci/provenance.js';
import { renderTable } from '../util/table.js';
import { byCodeUnits, shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

/**
 * Where a plugin came from: for an installed one, what it was installed from
 * (an OCI reference, a URL or a file, from its provenance record); for the
 * others, where wash finds it.
 */
async function originOf(ctx: CliContext, entry: PluginEntry): Promise<{ origin: string; changed?: boolean }> {
  if (entry.source === 'embedded') return { origin: 'core plugin (embedded in wash)' };
  if (entry.source === 'path') return { origin: entry.file };
  const provenance = await readProvenance(ctx.layout, basename(entry.file, '.wasm'));
  if (!provenance) return { origin: 'unknown (installed without a record)' };
  return { origin: provenance.source, ...(provenance.digest !== entry.digest ? { changed: true } : {}) };
}

async function row(ctx: CliContext, entry: PluginEntry, shadowedBy?: string) {
  const m = entry.component.metadata;
  const { origin, changed } = await originOf(ctx, entry);
  return {
    name: m.name,
    version: m.version,
    source: entry.source,
    origin,
    ...(changed ? { changed_since_install: true } : {}),
    digest: entry.digest,
    description: m.description,
    /** The events its hooks run on (see `wash plugin inspect`). */
    hooks: [...m.hooks],
    file: entry.file,
    ...(shadowedBy ? { shadowed_by: shadowedBy } : {}),
  };
}

export function registerPluginList(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('list')
    .alias('ls')
    .description('List plugins: embedded, installed (and where from) and from WASH_PLUGIN_PATH')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const { plugins } = await ctx.catalog();
      const entries = [...plugins.values()].sort((a, b) => byCodeUnits(a.component.metadata.name, b.component.metadata.name));
      const rows = await Promise.all(entries.flatMap((e) => [row(ctx, e), ...e.shadows.map((s) => row(ctx, s, e.source))]));
      ctx.print(rows, () =>
        rows.length === 0
          ? 'no plugins'
          : renderTable(
              ['NAME', 'VERSION', 'SOURCE', 'FROM', 'DIGEST', 'DESCRIPTION', 'HOOKS'],
              rows.map((r) => [
                esc(r.name),
                esc(r.version),
                r.shadowed_by ? `${r.source} (shadowed)` : r.source,
                esc(r.origin) + (r.changed_since_install ? ' (changed since)' : ''),
                shortDigest(r.digest),
                esc(r.description),
                r.hooks.length > 0 ? r.hooks.join(', ') : '-',
              ]),
            ),
      );
    });
}
