import type { Command } from 'commander';
import { lstat, unlink } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { WashError } from '../util/errors.js';
import { removeProvenance } from '../plugin-host/oci/provenance.js';

export function registerPluginUninstall(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('uninstall')
    .alias('rm')
    .description('Remove an installed plugin (its scratch data is kept)')
    .argument('<name>', 'plugin name')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const { plugins } = await ctx.catalog();
      const entry = plugins.get(name);
      if (!entry) throw new WashError(`no plugin named '${name}'`, 1, "see 'wash plugin list'");
      if (entry.source === 'embedded') {
        throw new WashError(`'${name}' is a core plugin embedded in wash and cannot be uninstalled`);
      }
      if (entry.source === 'path') {
        throw new WashError(`'${name}' is loaded from WASH_PLUGIN_PATH (${entry.file}); remove it there`);
      }
      // Our own install dir holds regular files; never follow a link someone planted there.
      const info = await lstat(entry.file);
      if (!info.isFile() && !info.isSymbolicLink()) throw new WashError(`refusing to remove ${entry.file}: not a regular file`);
      await unlink(entry.file);
      await removeProvenance(ctx.layout, name);
      const uncovered = entry.shadows[0];
      ctx.print({ uninstalled: name, file: entry.file, now_using: uncovered?.source ?? null }, () =>
        [`uninstalled ${name}`, uncovered ? `the ${uncovered.source} '${name}' is used again` : ''].filter(Boolean).join('\n'),
      );
    });
}
