import type { Command } from 'commander';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { renderTable } from '../util/table.js';
import { shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

function row(entry: PluginEntry, shadowedBy?: string) {
  const m = entry.component.metadata;
  return {
    name: m.name,
    version: m.version,
    source: entry.source,
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
    .description('List plugins: embedded, installed and from WASH_PLUGIN_PATH')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const { plugins } = await ctx.catalog();
      const entries = [...plugins.values()].sort((a, b) => a.component.metadata.name.localeCompare(b.component.metadata.name));
      const rows = entries.flatMap((e) => [row(e), ...e.shadows.map((s) => row(s, e.source))]);
      ctx.print(rows, () =>
        rows.length === 0
          ? 'no plugins'
          : renderTable(
              ['NAME', 'VERSION', 'SOURCE', 'DIGEST', 'DESCRIPTION', 'HOOKS'],
              rows.map((r) => [
                esc(r.name),
                esc(r.version),
                r.shadowed_by ? `${r.source} (shadowed)` : r.source,
                shortDigest(r.digest),
                esc(r.description),
                r.hooks.length > 0 ? r.hooks.join(', ') : '-',
              ]),
            ),
      );
    });
}
