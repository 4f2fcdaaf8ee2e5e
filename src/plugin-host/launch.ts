/**
 * Launching a plugin call: the one path every caller takes (`wash <plugin>`,
 * hooks, `wash login`, `wash plugin test`). Check the entry's transpiled code
 * (rebuilt if it is not whole), set up the run's access (the sandbox layer
 * decides; nothing is asked yet), call the plugin in a worker (./worker-call.ts), and
 * when the worker finds the code modified, rebuild it and call once more.
 * When the call ends, what was denied without a question is told. A run
 * with a command line (runPlugin) answers --help from the metadata alone.
 *
 * CLI-free: what it needs of the command line comes in a LaunchContext.
 */
import type { Layout } from '../contract/dirs.js';
import type { Grants } from '../sandbox/grants.js';
import { readConfig } from '../sandbox/config.js';
import { sandboxFor, type RunAccess, type RunLimits } from '../sandbox/run-access.js';
import type { HostCall } from './adapters/index.js';
import { adapterFor } from './adapters/index.js';
import type { PluginEntry } from './catalog.js';
import { compileOptionsFor, ensureCompiled, type CachedComponent } from './transpile-cache.js';
import { grantSubjectOf, migrateLegacyState, type IdentifiedEntry } from './plugin-identity.js';
import { callPlugin, type CallOptions } from './worker-call.js';
import type { Prewarmed } from './prewarm.js';
import type { Invocation } from './invocation.js';
import { ModifiedEntry } from './integrity.js';
import { PACKAGE_ROOT } from './versions.js';
import type { WorkerLimits } from './worker-guard.js';
import { helpRequest, renderHelpTarget, usageHint } from '../output/plugin-help.js';
import { ExitCode, UsageError, WashError } from '../util/errors.js';
import { phase } from '../util/phases.js';

/** What a launch needs of the command that asks for it (the CLI's context is one). */
export interface LaunchContext {
  readonly layout: Layout;
  readonly configFile: string;
  /** Whether wash may ask the user: terminals on stdin and stderr, and no --no-prompt. */
  readonly interactive: boolean;
  /** This run's --allow-* grants and -A, --no-prompt (prompt: false), --timeout. */
  readonly globals: { readonly allow: Grants; readonly allowAll: boolean; readonly prompt: boolean; readonly timeoutSeconds?: number };
  /** The limits `info` runs under if the component has to be described again. */
  callLimits(): Promise<WorkerLimits>;
  /** A progress or warning line for people, on stderr. */
  note(text: string): void;
  /** The state of a call made for this command: `--output`, `--log-level`, a fresh context store. */
  newInvocation(): Invocation;
}

/** What a launch needs of a catalog entry (or of a file given to `wash plugin test`). */
export type RunnableEntry = Pick<PluginEntry, 'component' | 'file' | 'digest' | 'prebuilt'> & IdentifiedEntry;

export interface LaunchOptions {
  /**
   * A hook: recorded grants only (no flags, no questions, no notes), the short
   * hook deadline; its output goes to stderr, labelled, and what it emits is dropped.
   */
  hook?: boolean;
  /** A worker started early (./prewarm.ts): told the component as soon as it is known, then used for the call. */
  prewarmed?: Prewarmed;
}

/** A plugin ready to be called: its code checked, its access for this run set up. */
export interface PreparedPlugin {
  readonly component: CachedComponent;
  call(call: HostCall, invocation: Invocation, options?: Pick<CallOptions, 'onValue'>): Promise<number>;
}

/**
 * Check the entry's code and set up its access: the part of a launch that
 * runs nothing of the plugin (`wash <plugin>` treats a failure here apart
 * from a failure of the call).
 */
async function preparePlugin(ctx: LaunchContext, entry: RunnableEntry, options: LaunchOptions = {}): Promise<PreparedPlugin> {
  const hook = options.hook === true;
  // Listings trust meta.json alone; a run first checks the transpiled files are whole (rebuilding if not).
  const component = await compiledEntry(ctx, entry);
  if (!hook) phase('main: transpiled entry checked');
  options.prewarmed?.compile({ dir: component.dir, sha256: component.sha256, imports: component.imports });
  const { access, limits, consent } = await accessFor(ctx, entry, component, hook);
  if (!hook) phase('main: access decided');
  return {
    component,
    async call(call, invocation, callOptions = {}) {
      try {
        return await callVerified(ctx, entry, component, call, invocation, access, limits, { ...callOptions, prewarmed: options.prewarmed, hook });
      } finally {
        // One line per item denied without a question (none for a hook: its session is silent).
        for (const line of consent.summary(entry.component.metadata.name)) ctx.note(line);
      }
    },
  };
}

/** Prepare the plugin and make one call; the call's exit status. */
export async function launchPlugin(
  ctx: LaunchContext,
  entry: RunnableEntry,
  call: HostCall,
  invocation: Invocation,
  options: LaunchOptions & Pick<CallOptions, 'onValue'> = {},
): Promise<number> {
  const plugin = await preparePlugin(ctx, entry, options);
  return plugin.call(call, invocation, { onValue: options.onValue });
}

/**
 * Run the plugin with a command line (`wash <plugin> ...`, `wash plugin test
 * <file> ...`): its help from the metadata, without running it, else a call
 * with the raw argv. A usage error points at the help of the command that
 * failed, not the plugin's overview; `onFailure` hears of any other failure
 * of the call (`wash` runs the error hooks there).
 */
export async function runPlugin(
  ctx: LaunchContext,
  entry: RunnableEntry,
  argv: string[],
  options: { prewarmed?: Prewarmed; onFailure?: (err: WashError) => Promise<void> } = {},
): Promise<number> {
  const { metadata } = entry.component;
  const help = helpRequest(metadata, argv);
  if (help !== undefined) {
    process.stdout.write(`${renderHelpTarget(metadata, help)}\n`);
    return 0;
  }
  const plugin = await preparePlugin(ctx, entry, { prewarmed: options.prewarmed });
  try {
    return await plugin.call({ kind: 'run', argv }, ctx.newInvocation());
  } catch (err) {
    if (err instanceof WashError && err.exitCode === ExitCode.usage) throw new UsageError(err.message, usageHint(metadata, argv));
    if (err instanceof WashError) await options.onFailure?.(err);
    throw err;
  }
}

/** The entry's component, its transpiled code checked (and rebuilt if it is not whole or was modified). */
function compiledEntry(ctx: LaunchContext, entry: RunnableEntry, options: { verifyAll?: boolean } = {}): Promise<CachedComponent> {
  return ensureCompiled(ctx.layout, entry, compileOptionsFor(ctx, 'preparing plugin...', { verifyAll: options.verifyAll }));
}

/**
 * The run's access and limits (src/sandbox/run-access.ts), for the entry's
 * identity, once what an older wash kept under the plugin's declared id has
 * moved to that identity.
 */
async function accessFor(ctx: LaunchContext, entry: RunnableEntry, component: CachedComponent, hook: boolean) {
  const { metadata } = component;
  const adapter = adapterFor(component.contract);
  const subject = await grantSubjectOf(ctx.layout, entry);
  const moved = await migrateLegacyState(ctx.layout, ctx.configFile, await readConfig(ctx.configFile), subject, metadata.id);
  for (const what of moved) ctx.note(`wash: moved ${what} (plugin data now belongs to the installed plugin, not to the id it declares)`);
  return sandboxFor({
    metadata,
    subject,
    layout: ctx.layout,
    configFile: ctx.configFile,
    flags: ctx.globals.allow,
    allowAll: ctx.globals.allowAll,
    prompt: ctx.globals.prompt,
    interactive: ctx.interactive,
    timeoutSeconds: ctx.globals.timeoutSeconds,
    hook,
    // A contract that cannot declare binaries: what the user granted the plugin is allowed.
    execByGrantOnly: adapter.execGrants !== 'declared',
    scratchMount: adapter.scratchMount,
    packageRoot: PACKAGE_ROOT,
    env: process.env,
    note: (text) => ctx.note(text),
  });
}

/**
 * callPlugin; when the worker finds a file of the transpiled code modified
 * (core modules are hashed as they are loaded), nothing of it ran: check
 * every file (which warns), rebuild what does not match, and call once more.
 */
async function callVerified(
  ctx: LaunchContext,
  entry: RunnableEntry,
  component: CachedComponent,
  call: HostCall,
  invocation: Invocation,
  access: RunAccess,
  limits: RunLimits,
  options: CallOptions,
): Promise<number> {
  try {
    return await callPlugin(component, call, invocation, access, limits, options);
  } catch (err) {
    if (!(err instanceof ModifiedEntry)) throw err;
    const rebuilt = await compiledEntry(ctx, entry, { verifyAll: true });
    return callPlugin(rebuilt, call, invocation, access, limits, { ...options, prewarmed: undefined });
  }
}
