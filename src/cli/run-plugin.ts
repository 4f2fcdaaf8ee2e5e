import type { CliContext } from './context.js';
import { preparePlugin, type RunnableEntry } from '../plugin-host/launch.js';
import type { Prewarmed } from '../plugin-host/prewarm.js';
import { helpRequest, renderHelpTarget, usageHint } from '../output/plugin-help.js';
import { ExitCode, UsageError, WashError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';
import { phase } from '../util/phases.js';

/** `wash <plugin> [argv...]`: help from cached metadata, or run with the raw argv. */
export async function runPluginCommand(ctx: CliContext, name: string, argv: string[], prewarmed?: Prewarmed): Promise<number> {
  try {
    const catalog = await ctx.catalog();
    phase('main: catalog loaded');
    const entry = catalog.plugins.get(name);
    if (!entry) {
      const suggestion = closest(name, [...catalog.plugins.keys(), ...HOST_COMMANDS]);
      throw new UsageError(`unknown command '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, "see 'wash --help'");
    }
    return await runEntry(ctx, entry, argv, prewarmed);
  } finally {
    prewarmed?.dispose();
  }
}

/** Run one entry (from the catalog, or `wash plugin test`'s file): its help from metadata, else a call with the raw argv; a failed call runs the error hooks. */
export async function runEntry(ctx: CliContext, entry: RunnableEntry, argv: string[], prewarmed?: Prewarmed): Promise<number> {
  const { metadata } = entry.component;
  const help = helpRequest(metadata, argv);
  if (help !== undefined) {
    process.stdout.write(`${renderHelpTarget(metadata, help)}\n`);
    return 0;
  }
  const plugin = await preparePlugin(ctx, entry, { prewarmed });
  try {
    return await plugin.call({ kind: 'run', argv }, ctx.newInvocation());
  } catch (err) {
    // Point a usage error at the help of the command that failed, not the plugin's overview.
    if (err instanceof WashError && err.exitCode === ExitCode.usage) throw new UsageError(err.message, usageHint(metadata, argv));
    if (err instanceof WashError && err.exitCode !== ExitCode.usage) {
      // The message stays out: it may quote the plugin's secrets or its input.
      const { runHooks } = await import('./hooks.js');
      await runHooks(ctx, 'error', { 'error.plugin': metadata.name, 'error.exit_code': String(err.exitCode) });
    }
    throw err;
  }
}
