import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { callPlugin, prewarmWorker, type Limits, type Prewarmed } from '../plugin-host/run.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { helpRequest, renderCommandHelp, renderPluginHelp } from '../output/plugin-help.js';
import { decideAccess } from '../sandbox/decide.js';
import { enforce } from '../sandbox/enforce.js';
import { resolveRequestedPath } from '../sandbox/paths.js';
import type { RunAccess } from '../plugin-host/run.js';
import type { CachedComponent } from '../plugin-host/transpile-cache.js';
import { resolve } from 'node:path';
import { ExitCode, UsageError, WashError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';
import { adapterFor } from '../plugin-host/adapters/index.js';

/** `wash <plugin> [argv...]`: help from cached metadata, or run with the raw argv. */
export async function runPluginCommand(ctx: CliContext, name: string, argv: string[]): Promise<number> {
  // Start the plugin's worker now: it loads while we read the catalog and decide access.
  const prewarmed = prewarmWorker();
  try {
    const catalog = await ctx.catalog();
    const entry = catalog.plugins.get(name);
    if (!entry) {
      const suggestion = closest(name, [...catalog.plugins.keys(), ...HOST_COMMANDS]);
      throw new UsageError(`unknown command '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, "see 'wash --help'");
    }
    return await runEntry(ctx, entry, argv, prewarmed);
  } finally {
    prewarmed.dispose();
  }
}

export async function runEntry(
  ctx: CliContext,
  entry: Pick<PluginEntry, 'component' | 'source' | 'file' | 'digest' | 'prebuiltRoot'>,
  argv: string[],
  prewarmed?: Prewarmed,
): Promise<number> {
  const { metadata } = entry.component;
  const help = helpRequest(metadata, argv);
  if (help !== undefined) {
    process.stdout.write(`${help === null ? renderPluginHelp(metadata) : renderCommandHelp(metadata, help)}\n`);
    return 0;
  }
  // Listings trust meta.json alone; a run first checks the transpiled files are whole (rebuilding if not).
  const component = await ensureCompiled(ctx.layout, entry.file, entry.digest, () => ctx.note('preparing plugin...'), entry.file, entry.prebuiltRoot);
  prewarmed?.compile(component.dir);
  const { access, limits } = await sandboxFor(ctx, component);
  const invocation = ctx.newInvocation();
  try {
    return await callPlugin(component, { kind: 'run', argv }, invocation, access, limits, { prewarmed });
  } catch (err) {
    if (err instanceof WashError && err.exitCode !== ExitCode.usage) {
      invocation.context.set('error.plugin', metadata.name);
      invocation.context.set('error.message', err.message);
      invocation.context.set('error.exit_code', String(err.exitCode));
      const { runHooks } = await import('./hooks.js');
      await runHooks(ctx, 'error', invocation);
    }
    throw err;
  }
}

/** Decide (grants, prompt or denial) and enforce what this run of the plugin may touch, and its limits. */
export async function sandboxFor(ctx: CliContext, component: CachedComponent): Promise<{ access: RunAccess; limits: Limits }> {
  const { metadata, digest } = component;
  const adapter = adapterFor(component.contract);
  const flags = ctx.globals.allow;
  const resolvePath = (p: string) => resolveRequestedPath(p, ctx.layout) ?? resolve(p);
  const decision = await decideAccess({
    metadata,
    digest,
    dirs: ctx.layout,
    configFile: ctx.configFile,
    flags: { ...flags, read: flags.read.map(resolvePath), write: flags.write.map(resolvePath) },
    allowAll: ctx.globals.allowAll,
    interactive: ctx.interactive,
    note: (text) => ctx.note(text),
  });
  const enforced = await enforce(decision.granted, {
    grants: decision.grants,
    pluginId: metadata.id,
    scratchRoot: ctx.layout.scratchRoot,
    env: process.env,
    warn: (text) => ctx.note(`warning: ${text}`),
    scratchMount: adapter.scratchMount,
  });
  const { settings } = decision.config;
  const timeoutMs = (ctx.globals.timeoutSeconds ?? settings.timeoutSeconds) * 1000;
  return {
    access: {
      ...enforced,
      hostExec: {
        // A contract that cannot declare binaries: what the user granted the plugin is allowed.
        granted:
          adapter.execGrants === 'declared' ? decision.granted.flatMap((i) => (i.kind === 'exec' ? [i.binary] : [])) : decision.grants.exec,
        interactive: ctx.interactive,
        timeoutMs,
      },
    },
    limits: { timeoutMs, memoryMb: settings.memoryMb, maxOutputBytes: settings.maxOutputMb * 1048576 },
  };
}
