import type { CliContext } from './context.js';
import { runPlugin } from '../plugin-host/launch.js';
import type { Prewarmed } from '../plugin-host/prewarm.js';
import { UsageError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';
import { runErrorHooks } from './hooks.js';
import { phase } from '../util/phases.js';

/** `wash <plugin> [argv...]`: the plugin run with the raw argv (src/plugin-host/launch.ts runPlugin); a failed run tells the error hooks. */
export async function runPluginCommand(ctx: CliContext, name: string, argv: string[], prewarmed?: Prewarmed): Promise<number> {
  try {
    const catalog = await ctx.catalog();
    phase('main: catalog loaded');
    const entry = catalog.plugins.get(name);
    if (!entry) {
      const suggestion = closest(name, [...catalog.plugins.keys(), ...HOST_COMMANDS]);
      throw new UsageError(`unknown command '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, "see 'wash --help'");
    }
    return await runPlugin(ctx, entry, argv, { prewarmed, onFailure: (err) => runErrorHooks(ctx, entry.component.metadata.name, err) });
  } finally {
    prewarmed?.dispose();
  }
}
