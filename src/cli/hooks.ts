import type { CliContext } from './context.js';
import type { HookType } from '../plugin-host/metadata.js';
import type { Invocation } from '../plugin-host/invocation.js';
import { callVerified, compiledEntry, sandboxFor } from './run-plugin.js';
import { WashError, messageOf } from '../util/errors.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

/** Hooks that run before a command can stop it; the others only report. */
const BLOCKING: readonly HookType[] = ['before-login'];

/**
 * Call `event` on every plugin that declared it, one after another, sharing
 * the invocation's context store (so a hook can read what the command put
 * there and change what it does next). Each hook plugin runs in its own
 * sandbox with its own grants.
 */
export async function runHooks(ctx: CliContext, event: HookType, invocation: Invocation): Promise<void> {
  const { plugins } = await ctx.catalog();
  const handlers = [...plugins.values()].filter((p) => p.component.metadata.hooks.includes(event));
  for (const entry of handlers) {
    const name = entry.component.metadata.name;
    try {
      const component = await compiledEntry(ctx, entry);
      const { access, limits } = await sandboxFor(ctx, component, entry.source);
      await callVerified(ctx, entry, component, { kind: 'hook', hook: event }, invocation, access, limits);
    } catch (err) {
      const message = `the ${event} hook of plugin '${esc(name)}' failed: ${messageOf(err)}`;
      if (BLOCKING.includes(event)) throw new WashError(message);
      ctx.note(`warning: ${message}`);
    }
  }
}
