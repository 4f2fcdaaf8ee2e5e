import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { callPlugin } from '../plugin-host/run.js';
import type { Prewarmed } from '../plugin-host/prewarm.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { helpRequest, renderHelpTarget, usageHint } from '../output/plugin-help.js';
import type { ConsentSession } from '../sandbox/consent.js';
import { sandboxFor as sandboxForRun, type RunAccess, type RunLimits } from '../sandbox/run-access.js';
import type { CachedComponent } from '../plugin-host/transpile-cache.js';
import { grantSubjectOf, migrateLegacyState, type IdentifiedEntry } from '../plugin-host/plugin-identity.js';
import { readConfig } from '../sandbox/config.js';
import { ExitCode, UsageError, WashError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';
import { adapterFor } from '../plugin-host/adapters/index.js';
import { ModifiedEntry } from '../plugin-host/integrity.js';
import { PACKAGE_ROOT } from '../plugin-host/versions.js';
import type { RunSpec } from '../plugin-host/run-spec.js';
import type { Invocation } from '../plugin-host/invocation.js';
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

/** What a run needs of a catalog entry (or of a file given to `wash plugin test`). */
export type RunnableEntry = Pick<PluginEntry, 'component' | 'file' | 'digest' | 'prebuilt'> & IdentifiedEntry;

export async function runEntry(
  ctx: CliContext,
  entry: RunnableEntry,
  argv: string[],
  prewarmed?: Prewarmed,
): Promise<number> {
  const { metadata } = entry.component;
  const help = helpRequest(metadata, argv);
  if (help !== undefined) {
    process.stdout.write(`${renderHelpTarget(metadata, help)}\n`);
    return 0;
  }
  // Listings trust meta.json alone; a run first checks the transpiled files are whole (rebuilding if not).
  const component = await compiledEntry(ctx, entry);
  phase('main: transpiled entry checked');
  prewarmed?.compile({ dir: component.dir, sha256: component.sha256, imports: component.imports });
  const { access, limits, consent } = await sandboxFor(ctx, { ...entry, component });
  phase('main: access decided');
  const invocation = ctx.newInvocation();
  try {
    try {
      return await callVerified(ctx, entry, component, { kind: 'run', argv }, invocation, access, limits, { prewarmed });
    } finally {
      reportDenials(ctx, consent, metadata.name);
    }
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

/** A catalog entry's component, its transpiled code checked (and rebuilt if it is not whole or was modified). */
export function compiledEntry(
  ctx: CliContext,
  entry: Pick<PluginEntry, 'file' | 'digest' | 'prebuilt'>,
  options: { verifyAll?: boolean } = {},
): Promise<CachedComponent> {
  return ensureCompiled(ctx.layout, entry.file, entry.digest, {
    onTranspile: () => ctx.note('preparing plugin...'),
    prebuilt: entry.prebuilt,
    limits: () => ctx.callLimits(),
    warn: (text) => ctx.note(`warning: ${text}`),
    verifyAll: options.verifyAll,
  });
}

/**
 * callPlugin; when the worker finds a file of the transpiled code modified
 * (core modules are hashed as they are loaded), nothing of it ran: check
 * every file (which warns), rebuild what does not match, and call once more.
 */
export async function callVerified(
  ctx: CliContext,
  entry: Pick<PluginEntry, 'file' | 'digest' | 'prebuilt'>,
  component: CachedComponent,
  call: RunSpec['call'],
  invocation: Invocation,
  access: RunAccess,
  limits: RunLimits,
  options: Parameters<typeof callPlugin>[5] = {},
): Promise<number> {
  try {
    return await callPlugin(component, call, invocation, access, limits, options);
  } catch (err) {
    if (!(err instanceof ModifiedEntry)) throw err;
    const rebuilt = await compiledEntry(ctx, entry, { verifyAll: true });
    return callPlugin(rebuilt, call, invocation, access, limits, { ...options, prewarmed: undefined });
  }
}

/** When a run ends: one line per item it was denied without a question (nothing when none). */
export function reportDenials(ctx: CliContext, consent: ConsentSession, pluginName: string): void {
  for (const line of consent.summary(pluginName)) ctx.note(line);
}

/** The access and limits of one run of the entry (src/sandbox/run-access.ts), once its legacy state moved to its identity. */
export async function sandboxFor(
  ctx: CliContext,
  entry: IdentifiedEntry & { component: CachedComponent },
  /** A hook: recorded grants only (no flags, no questions, no notes) and the short hook deadline. */
  options: { hook?: boolean } = {},
): Promise<{ access: RunAccess; limits: RunLimits; consent: ConsentSession }> {
  const { metadata } = entry.component;
  const adapter = adapterFor(entry.component.contract);
  const subject = await grantSubjectOf(ctx.layout, entry);
  const moved = await migrateLegacyState(ctx.layout, ctx.configFile, await readConfig(ctx.configFile), subject, metadata.id);
  for (const what of moved) ctx.note(`wash: moved ${what} (plugin data now belongs to the installed plugin, not to the id it declares)`);
  return sandboxForRun({
    metadata,
    subject,
    layout: ctx.layout,
    configFile: ctx.configFile,
    flags: ctx.globals.allow,
    allowAll: ctx.globals.allowAll,
    prompt: ctx.globals.prompt,
    interactive: ctx.interactive,
    timeoutSeconds: ctx.globals.timeoutSeconds,
    hook: options.hook === true,
    execByGrantOnly: adapter.execGrants !== 'declared',
    scratchMount: adapter.scratchMount,
    packageRoot: PACKAGE_ROOT,
    env: process.env,
    note: (text) => ctx.note(text),
  });
}
