/**
 * Running: a host call becomes theirs. Their plugins do not parse argv: the
 * host does, against the commands as mapped to our metadata, with the one
 * parser plugins built with our SDK use (plugin-sdk/src/args.ts), applying
 * env fallbacks from the granted environment, and hands `run` the command
 * record with every `value` filled. Hooks map from our events to theirs.
 */
import type { HookType, Metadata } from '../../../contract/metadata.js';
import type { HostCall } from '../contract.js';
import { UsageError, WashError } from '../../../util/errors.js';
import { escapeUntrusted } from '../../../util/untrusted.js';
// The one argv parser: plugins built with our SDK parse with it too (see its header).
import { parseArgv, UsageError as ArgvUsageError } from '@wash/plugin-sdk/args';
import { argumentViews, type WashArgument, type WashCommand, type WasmcloudWashInfo } from './describe.js';
import { HOOK_EVENTS, type WashShape } from './shapes.js';

/**
 * Parse argv against the declared commands (as mapped to our metadata, with
 * the one parser plugins use) and return their command record with every
 * `value` filled: from the command line, else the env fallback, else the
 * default; `env` holds only the granted variables. Throws UsageError.
 */
export function parseWasmcloudWashArgv(
  info: WasmcloudWashInfo,
  metadata: Pick<Metadata, 'commands'>,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): WashCommand {
  if (info.commands.length === 0) throw new UsageError('this plugin has no commands (it only declares hooks)');
  let parsed;
  try {
    parsed = parseArgv(metadata.commands, argv, { env });
  } catch (err) {
    if (err instanceof ArgvUsageError) throw new UsageError(escapeUntrusted(err.message));
    throw err;
  }
  const key = parsed.command.path.join(' ');
  const declared = info.commands.find((c) => c.path.join(' ') === key)!.command;
  // Unnamed (early) arguments always carry a string; named ones are absent when not given.
  const filled = (a: WashArgument, value: string | string[] | boolean | undefined): WashArgument => {
    const text = typeof value === 'string' ? value : undefined;
    return { ...a, value: a.name === undefined ? (text ?? '') : text };
  };
  const views = argumentViews(declared);
  return {
    ...declared,
    flags: declared.flags.map(([k, a]): [string, WashArgument] => [k, filled(a, parsed.flags[k])]),
    arguments: declared.arguments.map((a, i) => filled(a, parsed.args[views[i]!.name])),
  };
}

/** What the worker calls: `run` with a filled command, or `hook` with their hook type. */
export type WasmcloudWashCall = ({ kind: 'run'; command: WashCommand } | { kind: 'hook'; hook: string }) & { shape: WashShape };

/** Their hook type for one of our events, if they handle it. */
export function theirHook(info: WasmcloudWashInfo, event: string): string | undefined {
  const mapped = HOOK_EVENTS[info.shape][event as HookType];
  if (mapped !== undefined) return info.hooks.includes(mapped) ? mapped : undefined;
  // `wash plugin test --hook <their name>`.
  return info.hooks.includes(event) ? event : undefined;
}

/** Turn a host call into theirs: parse argv (UsageError with the usual hint), or map the hook; they have no authenticate. */
export function prepareWasmcloudWashCall(
  info: WasmcloudWashInfo,
  metadata: Pick<Metadata, 'name' | 'commands'>,
  call: HostCall,
  env: Readonly<Record<string, string>>,
): WasmcloudWashCall {
  if (call.kind === 'authenticate') throw new WashError(`plugin '${metadata.name}' does not provide credentials`);
  if (call.kind === 'hook') {
    const hook = theirHook(info, call.hook);
    if (hook === undefined) throw new WashError(`plugin '${metadata.name}' does not handle the '${call.hook}' hook`);
    return { kind: 'hook', hook, shape: info.shape };
  }
  try {
    return { kind: 'run', command: parseWasmcloudWashArgv(info, metadata, call.argv, env), shape: info.shape };
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, `see 'wash ${metadata.name} --help'`);
    throw err;
  }
}
