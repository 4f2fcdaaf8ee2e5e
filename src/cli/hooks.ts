import type { CliContext } from './context.js';
import type { HookType } from '../plugin-host/metadata.js';
import type { Invocation } from '../plugin-host/invocation.js';
import { callPlugin } from '../plugin-host/run.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { sandboxFor } from './run-plugin.js';
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
      const component = await ensureCompiled(ctx.layout, entry.file, entry.digest, undefined, entry.file, entry.prebuiltRoot);
      const { access, limits } = await sandboxFor(ctx, component);
      await callPlugin(component, { kind: 'hook', hook: event }, invocation, access, limits);
    } catch (err) {
      const message = `the ${event} hook of plugin '${esc(name)}' failed: ${messageOf(err)}`;
      if (BLOCKING.includes(event)) throw new WashError(message);
      ctx.note(`warning: ${message}`);
    }
  }
}
