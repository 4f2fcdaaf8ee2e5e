/**
 * Adapter for plugins built for the Rust wash's contract, `wasmcloud:wash`
 * 0.0.1 and 0.0.2 (the Rust wash removed its plugin system in wasmCloud/wash
 * PR #298). Such a component exports `wasmcloud:wash/plugin@0.0.x` with
 * `info`, `initialize`, `run` and `hook`, and imports the `runner`,
 * `context`, `plugin-config` and `project-config` resources of
 * `wasmcloud:wash/types` plus `wasi:logging/logging`.
 *
 * What differs from our own contract, and how we bridge it:
 * - `info` describes commands as a top-level `command` or a list of
 *   `sub-commands`, each with flags keyed by long name and positional
 *   arguments that may fall back to an environment variable and a default.
 *   We map that to our metadata (help, completion, list and inspect work
 *   unchanged) and keep the original commands to run them.
 * - The plugin does not parse argv: the host does, against the declared
 *   command, and passes the command record with every `value` filled in.
 *   Like clap in the Rust wash: a flag or argument without a default is
 *   required; its value comes from the command line, else its environment
 *   variable, else its default. Environment fallbacks read the host's real
 *   environment, but only variables the plugin was granted: the mapped
 *   metadata requests each one (`access.env`), so the user is asked like for
 *   any plugin, and an ungranted variable is as good as unset. Without that,
 *   a flag's env fallback would leak any host variable into the sandbox.
 * - The Rust wash always mounted a per-plugin data dir at `/plugin_data`.
 *   We request our scratch dir for it and, when granted, mount it there.
 * - `host-exec` and `host-exec-background` go through our host-exec grant
 *   and per-call confirmation (see `sandbox/host-exec.ts`). These plugins
 *   cannot declare binaries, so a binary is allowed only when the user
 *   granted it to the plugin (`wash plugin grant <name> --exec <bin>` or
 *   `--allow-run=<bin>`). Denial is an `err`, not the empty output the Rust
 *   wash returned. A background program is stopped when the call ends (the
 *   Rust wash stopped it when wash exited, which for one command is the same).
 * - `plugin-config` is persisted per plugin id (the Rust wash kept it in
 *   memory only); `context` is our invocation's context store.
 * - None of their hook types (`before-build`, `after-push`, ...) is an event
 *   wash-ts has; declared hooks are recorded and ignored (`HOOK_EVENTS` maps
 *   ours to theirs when one appears). `wash plugin test --hook <their name>`
 *   still calls one, for plugin authors.
 */
import type { HookType, Metadata } from '../metadata.js';
import { InvalidMetadata, validateMetadata } from '../metadata.js';
import type { Invocation } from '../invocation.js';
import { createHostImports, type ExecOutput, type HostImportOptions } from '../host-imports.js';
import { getWashVersion } from '../versions.js';
import { UsageError, WashError, ExitCode, messageOf } from '../../util/errors.js';
import { escapeUntrusted } from '../../util/untrusted.js';

export type WasmcloudWashContract = 'wasmcloud:wash@0.0.2' | 'wasmcloud:wash@0.0.1';

/** The export each version is recognised by (0.0.x versions are not compatible with each other). */
const EXPORTS: Record<WasmcloudWashContract, string> = {
  'wasmcloud:wash@0.0.2': 'wasmcloud:wash/plugin@0.0.2',
  'wasmcloud:wash@0.0.1': 'wasmcloud:wash/plugin@0.0.1',
};

/** Where these plugins expect their data dir. */
export const PLUGIN_DATA_MOUNT = '/plugin_data';

/** Our events -> their hook type. None of theirs matches one of ours (yet). */
const HOOK_EVENTS: Partial<Record<HookType, string>> = {};

/** Their hook types, for `wash plugin test --hook`. */
export const THEIR_HOOKS = [
  'unknown',
  'before-doctor',
  'after-doctor',
  'before-build',
  'after-build',
  'before-push',
  'after-push',
  'before-dev',
  'after-dev',
  'dev-register',
] as const;
export type TheirHook = (typeof THEIR_HOOKS)[number];

export function detectWasmcloudWash(exportNames: readonly string[]): WasmcloudWashContract | undefined {
  return (Object.keys(EXPORTS) as WasmcloudWashContract[]).find((c) => exportNames.includes(EXPORTS[c]));
}

// ---------------------------------------------------------------------------
// Their `info`, as jco gives it (kebab-case -> camelCase, option -> undefined)

export interface WashArgument {
  name: string;
  description: string;
  env?: string;
  default?: string;
  value?: string;
}

export interface WashCommand {
  id: string;
  name: string;
  description: string;
  flags: [string, WashArgument][];
  arguments: WashArgument[];
  usage: string[];
}

/** What we keep (in the transpile cache) to run such a plugin. */
export interface WasmcloudWashInfo {
  contract: WasmcloudWashContract;
  /** The commands as declared, by our command path: [] for the top-level one, [name] for a sub-command. */
  commands: { path: string[]; command: WashCommand }[];
  /** Hook types the plugin declared, theirs. */
  hooks: string[];
  /** Declared hooks no event of ours maps to: never called (except by `wash plugin test --hook`). */
  ignoredHooks: string[];
}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvalidMetadata(what);
}

function str(value: unknown, field: string): string {
  check(typeof value === 'string', `${field} is not a string`);
  return value;
}

function optStr(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, field);
}

function rec(value: unknown, field: string): Record<string, unknown> {
  check(typeof value === 'object' && value !== null && !Array.isArray(value), `${field} is not a record`);
  return value as Record<string, unknown>;
}

function arr(value: unknown, field: string, max = 1000): unknown[] {
  check(Array.isArray(value), `${field} is not a list`);
  check(value.length <= max, `${field} has more than ${max} items`);
  return value;
}

function washArgument(value: unknown, field: string): WashArgument {
  const a = rec(value, field);
  return {
    name: str(a.name, `${field}.name`),
    description: str(a.description, `${field}.description`),
    env: optStr(a.env, `${field}.env`),
    default: optStr(a.default, `${field}.default`),
    value: undefined, // filled by the host at run time
  };
}

function washCommand(value: unknown, field: string): WashCommand {
  const c = rec(value, field);
  const flags = arr(c.flags, `${field}.flags`).map((t, i): [string, WashArgument] => {
    const pair = arr(t, `${field}.flags[${i}]`, 2);
    check(pair.length === 2, `${field}.flags[${i}] is not a (name, argument) pair`);
    return [str(pair[0], `${field}.flags[${i}].0`), washArgument(pair[1], `${field}.flags[${i}].1`)];
  });
  const keys = flags.map(([k]) => k);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  check(dup === undefined, `${field}.flags declares '--${dup}' twice`);
  return {
    id: str(c.id, `${field}.id`),
    name: str(c.name, `${field}.name`),
    description: str(c.description, `${field}.description`),
    flags,
    arguments: arr(c.arguments, `${field}.arguments`).map((a, i) => washArgument(a, `${field}.arguments[${i}]`)),
    usage: arr(c.usage, `${field}.usage`).map((u, i) => str(u, `${field}.usage[${i}]`)),
  };
}

const envNote = (a: WashArgument) => (a.env !== undefined ? ` [env: ${a.env}]` : '');

/**
 * Validate their `info` answer and map it to our metadata. Throws
 * InvalidMetadata naming the first problem.
 */
export function describeWasmcloudWash(raw: unknown, contract: WasmcloudWashContract): { metadata: Metadata; info: WasmcloudWashInfo } {
  const m = rec(raw, 'metadata');
  const top = m.command === undefined || m.command === null ? undefined : washCommand(m.command, 'command');
  const subs = arr(m.subCommands, 'sub-commands').map((c, i) => washCommand(c, `sub-commands[${i}]`));
  // As in the Rust wash: a top-level command makes `sub-commands` irrelevant.
  const commands = top ? [{ path: [], command: top }] : subs.map((command) => ({ path: [command.name], command }));
  const names = commands.map((c) => c.path.join(' '));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  check(dup === undefined, `sub-command '${dup}' is declared twice`);
  const hooks = arr(m.hooks, 'hooks').map((h, i) => str(h, `hooks[${i}]`));
  const mappedHooks = (Object.keys(HOOK_EVENTS) as HookType[]).filter((ours) => hooks.includes(HOOK_EVENTS[ours]!));
  const ignoredHooks = hooks.filter((h) => !Object.values(HOOK_EVENTS).includes(h));

  // Each variable a flag or argument falls back to, and where it is used (for the access prompt).
  const env = new Map<string, string[]>();
  for (const { path, command: c } of commands) {
    const uses: [WashArgument, string][] = [
      ...c.flags.map(([k, a]): [WashArgument, string] => [a, `--${k}`]),
      ...c.arguments.map((a): [WashArgument, string] => [a, `<${a.name}>`]),
    ];
    for (const [a, use] of uses) if (a.env) env.set(a.env, [...(env.get(a.env) ?? []), [...path, use].join(' ')]);
  }
  const metadata = validateMetadata({
    id: m.id,
    name: m.name,
    version: m.version,
    description: m.description,
    contact: m.contact,
    url: m.url,
    license: m.license,
    commands: commands.map(({ path, command: c }) => ({
      path,
      description: c.description,
      flags: c.flags.map(([long, a]) => ({
        long,
        description: `${a.description}${envNote(a)}`,
        valueName: a.name || 'value',
        default: a.default,
        required: a.default === undefined && a.env === undefined,
      })),
      arguments: c.arguments.map((a) => ({
        name: a.name,
        description: `${a.description}${envNote(a)}`,
        required: a.default === undefined && a.env === undefined,
        variadic: false,
      })),
      examples: c.usage,
    })),
    access: {
      env: [...env].map(([name, uses]) => {
        const where = `${uses.slice(0, 4).join(', ')}${uses.length > 4 ? ', ...' : ''}`;
        return { name, reason: `the value of ${where} when not given on the command line` };
      }),
      scratchDir: `a data directory kept between runs, seen by the plugin as ${PLUGIN_DATA_MOUNT}`,
      paths: [],
      outgoingHttp: [],
      hostExec: [],
      incomingHttp: undefined,
    },
    hooks: mappedHooks,
    providesCredentials: false,
  });
  return { metadata, info: { contract, commands, hooks, ignoredHooks } };
}

/** Re-check an info record read back from the cache. */
export function checkWasmcloudWashInfo(value: unknown): WasmcloudWashInfo {
  const v = rec(value, 'adapter info');
  check(v.contract === 'wasmcloud:wash@0.0.2' || v.contract === 'wasmcloud:wash@0.0.1', 'adapter info has no known contract');
  return {
    contract: v.contract,
    commands: arr(v.commands, 'commands').map((c, i) => {
      const r = rec(c, `commands[${i}]`);
      return { path: arr(r.path, `commands[${i}].path`, 1).map((w) => str(w, 'path')), command: washCommand(r.command, `commands[${i}]`) };
    }),
    hooks: arr(v.hooks, 'hooks').map((h) => str(h, 'hook')),
    ignoredHooks: arr(v.ignoredHooks, 'ignoredHooks').map((h) => str(h, 'hook')),
  };
}

// ---------------------------------------------------------------------------
// Running: argv -> their command record

const present = (env: Readonly<Record<string, string>>, name: string | undefined) =>
  name !== undefined && env[name] !== undefined && env[name] !== '' ? env[name] : undefined;

/**
 * Parse argv against the declared commands and return the command record
 * with every `value` filled. `env` holds only the granted variables.
 * Throws UsageError.
 */
export function parseWasmcloudWashArgv(info: WasmcloudWashInfo, argv: readonly string[], env: Readonly<Record<string, string>>): WashCommand {
  let rest = [...argv];
  let found = info.commands.find((c) => c.path.length === 0);
  if (info.commands.length === 0) throw new UsageError('this plugin has no commands (it only declares hooks)');
  if (!found) {
    const names = info.commands.map((c) => c.path[0]!);
    const word = rest[0];
    if (word === undefined || word.startsWith('-')) throw new UsageError(`missing command (one of: ${names.join(', ')})`);
    found = info.commands.find((c) => c.path[0] === word);
    if (!found) throw new UsageError(`unknown command '${escapeUntrusted(word)}' (one of: ${names.join(', ')})`);
    rest = rest.slice(1);
  }
  const declared = found.command;
  const given = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token.length > 1 && !/^-\d/.test(token)) {
        throw new UsageError(`unknown option '${escapeUntrusted(token)}'`);
      }
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const key = token.slice(2, eq === -1 ? undefined : eq);
    const flag = declared.flags.find(([k]) => k === key);
    if (!flag) throw new UsageError(`unknown option '--${escapeUntrusted(key)}'`);
    if (given.has(key)) throw new UsageError(`option '--${escapeUntrusted(key)}' given more than once`);
    let value: string | undefined;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      value = rest[i + 1];
      if (value === undefined) throw new UsageError(`option '--${escapeUntrusted(key)}' needs a value <${escapeUntrusted(flag[1].name || 'value')}>`);
      i++;
    }
    given.set(key, value);
  }
  if (positional.length > declared.arguments.length) {
    throw new UsageError(`unexpected argument '${escapeUntrusted(positional[declared.arguments.length]!)}'`);
  }
  const orEnv = (a: WashArgument) => (a.env !== undefined ? ` (or set ${escapeUntrusted(a.env)})` : '');
  const flags = declared.flags.map(([key, a]): [string, WashArgument] => {
    const value = given.get(key) ?? present(env, a.env) ?? a.default;
    if (value === undefined) throw new UsageError(`missing required option '--${escapeUntrusted(key)}'${orEnv(a)}`);
    return [key, { ...a, value }];
  });
  const args = declared.arguments.map((a, i): WashArgument => {
    const value = positional[i] ?? present(env, a.env) ?? a.default;
    if (value === undefined) throw new UsageError(`missing argument <${escapeUntrusted(a.name)}>${orEnv(a)}`);
    return { ...a, value };
  });
  return { ...declared, flags, arguments: args };
}

/** What the worker calls: `run` with a filled command, or `hook` with their hook type. */
export type WasmcloudWashCall = { kind: 'run'; command: WashCommand } | { kind: 'hook'; hook: string };

/** Their hook type for one of our events, if they handle it. */
export function theirHook(info: WasmcloudWashInfo, event: string): string | undefined {
  const mapped = HOOK_EVENTS[event as HookType];
  if (mapped !== undefined) return info.hooks.includes(mapped) ? mapped : undefined;
  // `wash plugin test --hook <their name>`.
  return info.hooks.includes(event) ? event : undefined;
}

// ---------------------------------------------------------------------------
// Imports: wasmcloud:wash/types, wasi:logging/logging, wasi:config/store

export interface WasmcloudWashHostOptions extends HostImportOptions {
  /** Starts a host program in the background (gated like hostExec); returns its pid. */
  hostExecBackground: (binary: string, args: string[]) => number;
}

const LEVELS = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', critical: 'error' } as const;

/** The import object entries these plugins need, for one instance. */
export function wasmcloudWashImports(options: WasmcloudWashHostOptions): Record<string, unknown> {
  const host = createHostImports(options);
  const { invocation, config } = options;
  const decoder = new TextDecoder();

  class Context {
    get(key: string) {
      return invocation.context.get(key);
    }
    set(key: string, value: string) {
      const previous = invocation.context.get(key);
      host.contextSet(key, value);
      return previous;
    }
    delete(key: string) {
      const previous = invocation.context.get(key);
      invocation.context.delete(key);
      return previous;
    }
    list() {
      return host.contextList();
    }
  }

  class PluginConfig {
    get(key: string) {
      return config.get(key);
    }
    set(key: string, value: string) {
      const previous = config.get(key);
      config.set(key, value);
      return previous;
    }
    delete(key: string) {
      const previous = config.get(key);
      config.delete(key);
      return previous;
    }
    list() {
      return config.keys();
    }
  }

  class ProjectConfig {
    version() {
      return getWashVersion();
    }
  }

  // jco: a `result` import returns its ok value and throws a string for err.
  class Runner {
    context() {
      return new Context();
    }
    pluginConfig() {
      return new PluginConfig();
    }
    hostExec(bin: string, args: string[]): [string, string] {
      const out: ExecOutput = options.hostExec(bin, args);
      return [decoder.decode(out.stdout), decoder.decode(out.stderr)];
    }
    hostExecBackground(bin: string, args: string[]): void {
      options.hostExecBackground(bin, args);
    }
    // 0.0.1 only: user-visible output, a table, and stopping with an error.
    output(message: string) {
      if (invocation.outputFormat === 'json') invocation.emitted.push({ output: message });
      else process.stdout.write(message.endsWith('\n') ? message : `${message}\n`);
    }
    structuredOutput(headers: string[], rows: string[][]) {
      host.emitTable(headers, rows);
    }
    error(reason: string): never {
      throw new WashError(escapeUntrusted(reason), ExitCode.failure);
    }
  }

  return {
    'wasmcloud:wash/types': { Context, PluginConfig, ProjectConfig, Runner },
    'wasi:logging/logging': {
      log(level: keyof typeof LEVELS, context: string, message: string) {
        host.log(LEVELS[level] ?? 'info', context ? `${context}: ${message}` : message);
      },
    },
    // The Rust wash also served the plugin config through wasi:config/store.
    'wasi:config/store': {
      get: (key: string) => config.get(key),
      getAll: () => config.keys().map((k) => [k, config.get(k) ?? '']),
    },
  };
}

// ---------------------------------------------------------------------------
// Calling

interface WashPluginExports {
  info(): unknown;
  initialize(runner: unknown): string;
  run(runner: unknown, command: WashCommand): string;
  hook(runner: unknown, hook: string): string;
}

export function wasmcloudWashExports(raw: Record<string, unknown>, contract: WasmcloudWashContract): WashPluginExports {
  const exports = raw[EXPORTS[contract]] as WashPluginExports | undefined;
  if (!exports) throw new WashError(`component does not export ${EXPORTS[contract]}`);
  return exports;
}

const isComponentError = (err: unknown): err is { payload: unknown } => err instanceof Error && 'payload' in err;

/**
 * `initialize`, then `run` or `hook`, each with a fresh runner. What the
 * call returns is the text for the user: printed on stdout (under
 * `--output json`, emitted as `{"output": ...}`).
 */
export function callWasmcloudWash(
  raw: Record<string, unknown>,
  contract: WasmcloudWashContract,
  call: WasmcloudWashCall,
  imports: Record<string, unknown>,
  invocation: Invocation,
  log: (level: 'debug', message: string) => void,
): void {
  const plugin = wasmcloudWashExports(raw, contract);
  const { Runner } = imports['wasmcloud:wash/types'] as { Runner: new () => unknown };
  let note: string;
  try {
    note = plugin.initialize(new Runner());
  } catch (err) {
    if (isComponentError(err)) throw new WashError(`initialize failed: ${escapeUntrusted(messageOf(err.payload))}`, ExitCode.failure);
    throw err;
  }
  if (note) log('debug', `initialize: ${note}`);
  const output = call.kind === 'run' ? plugin.run(new Runner(), call.command) : plugin.hook(new Runner(), call.hook);
  if (!output) return;
  if (invocation.outputFormat === 'json') invocation.emitted.push({ output });
  else process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
}

/** Turn a host call into theirs: parse argv (UsageError with the usual hint), or map the hook. */
export function prepareWasmcloudWashCall(
  info: WasmcloudWashInfo,
  pluginName: string,
  call: { kind: 'run'; argv: string[] } | { kind: 'hook'; hook: string },
  env: Readonly<Record<string, string>>,
): WasmcloudWashCall {
  if (call.kind === 'hook') {
    const hook = theirHook(info, call.hook);
    if (hook === undefined) throw new WashError(`plugin '${pluginName}' does not handle the '${call.hook}' hook`);
    return { kind: 'hook', hook };
  }
  try {
    return { kind: 'run', command: parseWasmcloudWashArgv(info, call.argv, env) };
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, `see 'wash ${pluginName} --help'`);
    throw err;
  }
}
