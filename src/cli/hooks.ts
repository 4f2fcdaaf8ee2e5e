import type { CliContext } from './context.js';
import type { HookType } from '../contract/metadata.js';
import { newInvocation } from '../plugin-host/invocation.js';
import { launchPlugin } from '../plugin-host/launch.js';
import { messageOf, type WashError } from '../util/errors.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

/**
 * The keys each event may hand a hook, and nothing else: a hook is another
 * plugin's code running inside your command, so it learns what the event is
 * about, never the command's own context (tokens, PKCE verifiers, messages).
 */
const HOOK_CONTEXT_KEYS: Record<HookType, readonly string[]> = {
  'before-login': ['login.provider'],
  'after-login': ['login.provider', 'login.creds_file', 'login.token_file'],
  'after-install': ['plugin.name', 'plugin.version', 'plugin.digest', 'plugin.source'],
  error: ['error.plugin', 'error.exit_code'],
};

/** After a plugin's call failed: its error hooks hear which plugin and its exit status (the message stays out: it may quote the plugin's secrets or its input). */
export function runErrorHooks(ctx: CliContext, pluginName: string, err: WashError): Promise<void> {
  return runHooks(ctx, 'error', { 'error.plugin': pluginName, 'error.exit_code': String(err.exitCode) });
}

/**
 * Tell every plugin that declared `event` about it, one after another. Each
 * hook runs with its own recorded grants only (never this run's --allow-*
 * flags or -A, never a prompt or a denial note), in a fresh context holding
 * only the event's keys, under a short deadline, with what it emits dropped;
 * nothing it does changes the command's outcome. `--no-hooks` skips them.
 */
export async function runHooks(ctx: CliContext, event: HookType, values: Record<string, string | undefined>): Promise<void> {
  if (!ctx.globals.hooks) return;
  const { plugins } = await ctx.catalog();
  const handlers = [...plugins.values()].filter((p) => p.component.metadata.hooks.includes(event));
  for (const entry of handlers) {
    const name = entry.component.metadata.name;
    try {
      // Text mode: a hook's output is text on stderr, labelled; what it emits is dropped (see callPlugin's `hook`).
      const invocation = newInvocation(ctx.layout, 'text', ctx.globals.logLevel);
      for (const key of HOOK_CONTEXT_KEYS[event]) {
        const value = values[key];
        if (value !== undefined) invocation.context.set(key, value);
      }
      await launchPlugin(ctx, entry, { kind: 'hook', hook: event }, invocation, { hook: true });
    } catch (err) {
      // One line, escaped: a hook's failure is its own, never the command's.
      ctx.note(`warning: the ${event} hook of plugin '${esc(name)}' failed: ${esc(messageOf(err)).slice(0, 300)}`);
    }
  }
}
