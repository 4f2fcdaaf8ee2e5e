import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { runPlugin } from '../plugin-host/run.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { helpRequest, renderCommandHelp, renderPluginHelp } from '../output/plugin-help.js';
import { interimAccess } from '../sandbox/interim-access.js';
import { UsageError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';

/** `wash <plugin> [argv...]`: help from cached metadata, or run with the raw argv. */
export async function runPluginCommand(ctx: CliContext, name: string, argv: string[]): Promise<number> {
  const catalog = await ctx.catalog();
  const entry = catalog.plugins.get(name);
  if (!entry) {
    const suggestion = closest(name, [...catalog.plugins.keys(), ...HOST_COMMANDS]);
    throw new UsageError(`unknown command '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, "see 'wash --help'");
  }
  return runEntry(ctx, entry, argv);
}

export async function runEntry(
  ctx: CliContext,
  entry: Pick<PluginEntry, 'component' | 'source' | 'file' | 'digest'>,
  argv: string[],
): Promise<number> {
  const { metadata } = entry.component;
  const help = helpRequest(metadata, argv);
  if (help !== undefined) {
    process.stdout.write(`${help === null ? renderPluginHelp(metadata) : renderCommandHelp(metadata, help)}\n`);
    return 0;
  }
  // Listings trust meta.json alone; a run first checks the transpiled files are whole (rebuilding if not).
  const component = await ensureCompiled(ctx.layout, entry.file, entry.digest, () => ctx.note('preparing plugin...'));
  const access = await interimAccess(metadata, entry.source, ctx.layout);
  return runPlugin(component, argv, ctx.newInvocation(), access);
}
