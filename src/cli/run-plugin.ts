import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { callPlugin, prewarmWorker, type Limits, type Prewarmed } from '../plugin-host/run.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { helpRequest, renderCommandHelp, renderPluginHelp } from '../output/plugin-help.js';
import { decideAccess } from '../sandbox/decide.js';
import { enforce } from '../sandbox/enforce.js';
import { ConsentSession } from '../sandbox/consent.js';
import { TerminalPrompter } from '../sandbox/prompter.js';
import type { CannotAsk } from '../sandbox/consent-policy.js';
import { resolveRequestedPath } from '../sandbox/paths.js';
import type { RunAccess } from '../plugin-host/run.js';
import type { CachedComponent } from '../plugin-host/transpile-cache.js';
import { grantSubjectOf, migrateLegacyState, type IdentifiedEntry } from '../plugin-host/plugin-identity.js';
import { emptyGrants, readConfig } from '../sandbox/config.js';
import { resolve } from 'node:path';
import { ExitCode, UsageError, WashError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMANDS } from './host-commands.js';
import { NATIVE_CONTRACT } from '../plugin-host/component.js';
import { PLUGIN_DATA_MOUNT } from '../plugin-host/adapters/wasmcloud-wash.js';

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

/** What a run needs of a catalog entry (or of a file given to `wash plugin test`). */
export type RunnableEntry = Pick<PluginEntry, 'component' | 'file' | 'digest' | 'prebuiltRoot'> & IdentifiedEntry;

export async function runEntry(
  ctx: CliContext,
  entry: RunnableEntry,
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
  const { access, limits, consent } = await sandboxFor(ctx, { ...entry, component });
  const invocation = ctx.newInvocation();
  try {
    try {
      return await callPlugin(component, { kind: 'run', argv }, invocation, access, limits, { prewarmed });
    } finally {
      reportDenials(ctx, consent, metadata.name);
    }
  } catch (err) {
    if (err instanceof WashError && err.exitCode !== ExitCode.usage) {
      // The message stays out: it may quote the plugin's secrets or its input.
      const { runHooks } = await import('./hooks.js');
      await runHooks(ctx, 'error', { 'error.plugin': metadata.name, 'error.exit_code': String(err.exitCode) });
    }
    throw err;
  }
}

/** When a run ends: one line per item it was denied without a question (nothing when none). */
export function reportDenials(ctx: CliContext, consent: ConsentSession, pluginName: string): void {
  for (const line of consent.summary(pluginName)) ctx.note(line);
}

/**
 * What this run of the plugin may touch, and its limits: what is granted
 * up front is mounted and passed in; what is declared but not granted is
 * mounted behind a gate or left for its moment of use, where the consent
 * session decides (asking on a terminal). Nothing is asked here. Grants,
 * the scratch dir and the config store belong to the entry's identity,
 * never to the id the component declares.
 */
export async function sandboxFor(
  ctx: CliContext,
  entry: IdentifiedEntry & { component: CachedComponent },
  /** A hook: recorded grants only (no flags, no questions, no notes) and the short hook deadline. */
  options: { hook?: boolean } = {},
): Promise<{ access: RunAccess; limits: Limits; consent: ConsentSession }> {
  const hook = options.hook === true;
  const { component } = entry;
  const { metadata } = component;
  const subject = await grantSubjectOf(ctx.layout, entry);
  const moved = await migrateLegacyState(ctx.layout, ctx.configFile, await readConfig(ctx.configFile), subject, metadata.id);
  for (const what of moved) ctx.note(`wash: moved ${what} (plugin data now belongs to the installed plugin, not to the id it declares)`);
  const flags = hook ? emptyGrants() : ctx.globals.allow;
  const resolvePath = (p: string) => resolveRequestedPath(p, ctx.layout) ?? resolve(p);
  const cannotAsk: CannotAsk | undefined = hook ? 'hook' : !ctx.globals.prompt ? 'no-prompt' : !ctx.interactive ? 'no-terminal' : undefined;
  const note = hook ? () => undefined : (text: string) => ctx.note(text);
  const decision = await decideAccess({
    metadata,
    subject,
    dirs: ctx.layout,
    configFile: ctx.configFile,
    flags: { ...flags, read: flags.read.map(resolvePath), write: flags.write.map(resolvePath) },
    allowAll: hook ? false : ctx.globals.allowAll,
    cannotAsk,
    // A foreign contract cannot declare binaries: what the user granted the plugin is allowed.
    execByGrantOnly: component.contract !== NATIVE_CONTRACT,
    note,
  });
  const enforced = await enforce(decision.items, {
    identityDir: subject.identity.dirName,
    scratchRoot: ctx.layout.scratchRoot,
    env: process.env,
    warn: (text) => note(`warning: ${text}`),
    scratchMount: component.contract === NATIVE_CONTRACT ? undefined : PLUGIN_DATA_MOUNT,
    gateUngranted: !hook,
  });
  const consent = new ConsentSession({
    policy: decision.policy,
    prompter: cannotAsk ? undefined : new TerminalPrompter(),
    subject: { name: metadata.name, version: metadata.version, digest: subject.digest, source: subject.source },
    grantSubject: subject,
    configFile: ctx.configFile,
    mounts: enforced.mounts,
    env: process.env,
    earlier: decision.earlier,
    silent: hook,
  });
  const { settings } = decision.config;
  const timeoutMs = (hook ? settings.hookTimeoutSeconds : (ctx.globals.timeoutSeconds ?? settings.timeoutSeconds)) * 1000;
  return {
    access: {
      sandbox: enforced.sandbox,
      scratchGuestPath: enforced.scratchGuestPath,
      identityDir: subject.identity.dirName,
      hostExec: { timeoutMs },
      consent,
    },
    limits: { timeoutMs, memoryMb: settings.memoryMb, maxOutputBytes: settings.maxOutputMb * 1048576 },
    consent,
  };
}
