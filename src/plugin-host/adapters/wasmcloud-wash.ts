/**
 * Adapter for plugins built for the Rust wash's contract, `wasmcloud:wash`
 * 0.0.1 and 0.0.2 (the Rust wash removed its plugin system in wasmCloud/wash
 * PR #298). Such a component exports `wasmcloud:wash/plugin@0.0.x` with
 * `info`, `initialize`, `run` and `hook`, and imports the `runner`,
 * `context`, `plugin-config` and `project-config` resources of
 * `wasmcloud:wash/types` plus `wasi:logging/logging`.
 *
 * 0.0.1 was published in three incompatible shapes under one name; which
 * one a component has shows in what its `info` returns (jco lifts whatever
 * record the component declares, so the host reads each shape as data):
 * - `early-unnamed` (wasmCloud/wash f357b97 .. c25c699): `default-command`
 *   and `commands`; arguments without names, with `is-path`, `required`,
 *   `default-value` and a `value` that is always a string; `hooks` and
 *   `credentials` are options; `run`, `hook` and `initialize` return a bare
 *   `result` (output goes through `runner.output`); resources read a missing
 *   key as a default the plugin passes; an `authorize` export.
 * - `early-named` (675bcc4 .. 14a51ee): the same with named arguments that
 *   are required unless they have a `default`, and an optional `value`.
 * - `late` (from bb2aee2, and all of 0.0.2): `command` and `sub-commands`,
 *   arguments with an `env` fallback, calls that return the user's text.
 * The imports below serve every shape at once (each method takes what any
 * shape passes and returns what any expects). Credentials (`authorize`) are
 * not supported in either direction: wash login takes NATS credentials or a
 * bearer token, not their opaque payloads; declared credential types are
 * recorded and shown by inspect.
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
// The one argv parser: plugins built with our SDK parse with it too (see its header).
import { parseArgv, UsageError as ArgvUsageError } from '../../../plugin-sdk/src/args.js';

export type WasmcloudWashContract = 'wasmcloud:wash@0.0.2' | 'wasmcloud:wash@0.0.1';

/** The export each version is recognised by (0.0.x versions are not compatible with each other). */
const EXPORTS: Record<WasmcloudWashContract, string> = {
  'wasmcloud:wash@0.0.2': 'wasmcloud:wash/plugin@0.0.2',
  'wasmcloud:wash@0.0.1': 'wasmcloud:wash/plugin@0.0.1',
};

/** Where these plugins expect their data dir. */
export const PLUGIN_DATA_MOUNT = '/plugin_data';

/** How the plugin's `info` shaped commands and arguments (see the header). */
export type WashShape = 'early-unnamed' | 'early-named' | 'late';
const SHAPES: readonly WashShape[] = ['early-unnamed', 'early-named', 'late'];

/**
 * Our events -> their hook type. The early shapes had `error` and the login
 * events, as we do; none of the late ones matches one of ours.
 */
const HOOK_EVENTS: Record<WashShape, Partial<Record<HookType, string>>> = {
  'early-unnamed': { error: 'error', 'before-login': 'before-login', 'after-login': 'after-login' },
  'early-named': { error: 'error', 'before-login': 'before-login', 'after-login': 'after-login' },
  late: {},
};

/** Their hook types, for `wash plugin test --hook`. */
export const THEIR_HOOKS = [
  'unknown',
  'error',
  'before-login',
  'after-login',
  'before-dev-build',
  'before-dev-serve',
  'before-dev-shutdown',
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

/**
 * A flag or positional argument as the plugin declared it, with exactly the
 * fields of its shape (so it can be handed back to `run` with `value` filled):
 * `late`: name, description, env, default, value; `early-named`: name,
 * description, default, value; `early-unnamed`: description, isPath,
 * required, defaultValue, value (a string).
 */
export interface WashArgument {
  name?: string;
  description: string;
  env?: string;
  default?: string;
  value?: string;
  isPath?: boolean;
  required?: boolean;
  defaultValue?: string;
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
  shape: WashShape;
  /** The commands as declared, by our command path: [] for the top-level one, [name] for a sub-command. */
  commands: { path: string[]; command: WashCommand }[];
  /** Hook types the plugin declared, theirs. */
  hooks: string[];
  /** Declared hooks no event of ours maps to: never called (except by `wash plugin test --hook`). */
  ignoredHooks: string[];
  /** Credential types the plugin says it provides (early shapes); wash has no use for them. */
  ignoredCredentials: string[];
}

/**
 * The component implements the contract's export, but its `info` is none of
 * the shapes we know: refused with the contract named, not as invalid metadata.
 */
export class UnsupportedShape extends Error {}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvalidMetadata(what);
}

function shape(cond: boolean, what: string): asserts cond {
  if (!cond) throw new UnsupportedShape(what);
}

function str(value: unknown, field: string): string {
  shape(typeof value === 'string', `${field} is not a string`);
  return value;
}

function optStr(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, field);
}

function bool(value: unknown, field: string): boolean {
  shape(typeof value === 'boolean', `${field} is not a bool`);
  return value;
}

function rec(value: unknown, field: string): Record<string, unknown> {
  shape(typeof value === 'object' && value !== null && !Array.isArray(value), `${field} is not a record`);
  return value as Record<string, unknown>;
}

function arr(value: unknown, field: string, max = 1000): unknown[] {
  shape(Array.isArray(value), `${field} is not a list`);
  check(value.length <= max, `${field} has more than ${max} items`);
  return value;
}

function washArgument(value: unknown, field: string, kind: WashShape): WashArgument {
  const a = rec(value, field);
  const description = str(a.description, `${field}.description`);
  if (kind === 'early-unnamed') {
    return {
      description,
      isPath: bool(a.isPath, `${field}.is-path`),
      required: bool(a.required, `${field}.required`),
      defaultValue: optStr(a.defaultValue, `${field}.default-value`),
      value: '', // filled by the host at run time
    };
  }
  const common = { name: str(a.name, `${field}.name`), description };
  const fallback = kind === 'late' ? { env: optStr(a.env, `${field}.env`) } : {};
  return { ...common, ...fallback, default: optStr(a.default, `${field}.default`), value: undefined };
}

function washCommand(value: unknown, field: string, kind: WashShape): WashCommand {
  const c = rec(value, field);
  const flags = arr(c.flags, `${field}.flags`).map((t, i): [string, WashArgument] => {
    const pair = arr(t, `${field}.flags[${i}]`, 2);
    shape(pair.length === 2, `${field}.flags[${i}] is not a (name, argument) pair`);
    return [str(pair[0], `${field}.flags[${i}].0`), washArgument(pair[1], `${field}.flags[${i}].1`, kind)];
  });
  const keys = flags.map(([k]) => k);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  check(dup === undefined, `${field}.flags declares '--${dup}' twice`);
  return {
    id: str(c.id, `${field}.id`),
    name: str(c.name, `${field}.name`),
    description: str(c.description, `${field}.description`),
    flags,
    arguments: arr(c.arguments, `${field}.arguments`).map((a, i) => washArgument(a, `${field}.arguments[${i}]`, kind)),
    usage: arr(c.usage, `${field}.usage`).map((u, i) => str(u, `${field}.usage[${i}]`)),
  };
}

/** Which shape an `info` answer has, from its fields. */
function shapeOf(m: Record<string, unknown>): WashShape {
  if ('subCommands' in m) return 'late';
  shape(
    'commands' in m && 'defaultCommand' in m,
    'its info has neither `sub-commands` (0.0.2, late 0.0.1) nor `commands` and `default-command` (early 0.0.1)',
  );
  // The two early shapes differ in their argument records: look at the first one declared.
  const commands = [m.defaultCommand, ...(Array.isArray(m.commands) ? m.commands : [])];
  for (const c of commands) {
    const r = (typeof c === 'object' && c !== null ? c : {}) as { flags?: unknown; arguments?: unknown };
    const pairs = Array.isArray(r.flags) ? (r.flags as unknown[]) : [];
    const first = [...pairs.map((p) => (Array.isArray(p) ? p[1] : undefined)), ...(Array.isArray(r.arguments) ? r.arguments : [])][0];
    if (typeof first === 'object' && first !== null) return 'isPath' in first || 'defaultValue' in first ? 'early-unnamed' : 'early-named';
  }
  return 'early-named';
}

/** Our view of one of their arguments, whatever its shape. */
export interface ArgumentView {
  /** Shown as `<name>`; unnamed early arguments get `path`/`arg` with their position. */
  name: string;
  description: string;
  env?: string;
  default?: string;
  /** Without a value from the command line (or env) the command cannot run. */
  required: boolean;
}

export function viewOf(a: WashArgument, fallbackName: string): ArgumentView {
  if (a.name === undefined) {
    // early-unnamed: an explicit `required`, which a default overrides (as clap did).
    return { name: fallbackName, description: a.description, default: a.defaultValue, required: Boolean(a.required) && a.defaultValue === undefined };
  }
  // As clap in the Rust wash: without a default a value is required (its env variable, if any, may provide it).
  return { name: a.name || fallbackName, description: a.description, env: a.env, default: a.default, required: a.default === undefined };
}

/** Names for a command's positional arguments (generated for unnamed ones). */
export function argumentViews(c: WashCommand): ArgumentView[] {
  const numbered = c.arguments.length > 1;
  return c.arguments.map((a, i) => viewOf(a, `${a.isPath ? 'path' : 'arg'}${numbered ? i + 1 : ''}`));
}

const flagView = (a: WashArgument) => viewOf(a, a.isPath ? 'path' : 'value');

/**
 * Validate their `info` answer and map it to our metadata. Throws
 * UnsupportedShape when the answer is none of the shapes, InvalidMetadata
 * naming the first problem otherwise.
 */
export function describeWasmcloudWash(raw: unknown, contract: WasmcloudWashContract): { metadata: Metadata; info: WasmcloudWashInfo } {
  const m = rec(raw, 'metadata');
  const kind = shapeOf(m);
  const early = kind !== 'late';
  const topRaw = early ? m.defaultCommand : m.command;
  const top = topRaw === undefined || topRaw === null ? undefined : washCommand(topRaw, early ? 'default-command' : 'command', kind);
  const listField = early ? 'commands' : 'sub-commands';
  const subs = arr(early ? m.commands : m.subCommands, listField).map((c, i) => washCommand(c, `${listField}[${i}]`, kind));
  // As in the Rust wash: a top-level command makes the sub-commands irrelevant.
  const commands = top ? [{ path: [], command: top }] : subs.map((command) => ({ path: [command.name], command }));
  const names = commands.map((c) => c.path.join(' '));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  check(dup === undefined, `sub-command '${dup}' is declared twice`);
  const hookList = early && (m.hooks === undefined || m.hooks === null) ? [] : m.hooks;
  const hooks = arr(hookList, 'hooks').map((h, i) => str(h, `hooks[${i}]`));
  const events = HOOK_EVENTS[kind];
  const mappedHooks = (Object.keys(events) as HookType[]).filter((ours) => hooks.includes(events[ours]!));
  const ignoredHooks = hooks.filter((h) => !Object.values(events).includes(h));
  const credentialList = early && m.credentials !== undefined && m.credentials !== null ? m.credentials : [];
  const ignoredCredentials = arr(credentialList, 'credentials').map((c, i) => str(c, `credentials[${i}]`));

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
      flags: c.flags.map(([long, a]) => {
        const v = flagView(a);
        return { long, description: v.description, valueName: v.name, default: v.default, required: v.required, env: v.env, choices: [], repeatable: false };
      }),
      arguments: argumentViews(c).map((a) => ({ name: a.name, description: a.description, required: a.required, variadic: false, env: a.env, default: a.default })),
      examples: c.usage,
    })),
    access: {
      env: [], // each env fallback is requested by validateMetadata
      scratchDir: `a data directory kept between runs, seen by the plugin as ${PLUGIN_DATA_MOUNT}`,
      paths: [],
      outgoingHttp: [],
      hostExec: [],
      incomingHttp: undefined,
    },
    hooks: mappedHooks,
    providesCredentials: false,
  });
  return { metadata, info: { contract, shape: kind, commands, hooks, ignoredHooks, ignoredCredentials } };
}

/** Re-check an info record read back from the cache. */
export function checkWasmcloudWashInfo(value: unknown): WasmcloudWashInfo {
  const v = rec(value, 'adapter info');
  check(v.contract === 'wasmcloud:wash@0.0.2' || v.contract === 'wasmcloud:wash@0.0.1', 'adapter info has no known contract');
  check(SHAPES.includes(v.shape as WashShape), 'adapter info has no known shape');
  const kind = v.shape as WashShape;
  return {
    contract: v.contract,
    shape: kind,
    commands: arr(v.commands, 'commands').map((c, i) => {
      const r = rec(c, `commands[${i}]`);
      return { path: arr(r.path, `commands[${i}].path`, 1).map((w) => str(w, 'path')), command: washCommand(r.command, `commands[${i}]`, kind) };
    }),
    hooks: arr(v.hooks, 'hooks').map((h) => str(h, 'hook')),
    ignoredHooks: arr(v.ignoredHooks, 'ignoredHooks').map((h) => str(h, 'hook')),
    ignoredCredentials: arr(v.ignoredCredentials, 'ignoredCredentials').map((h) => str(h, 'credential')),
  };
}

// ---------------------------------------------------------------------------
// Running: argv -> their command record

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

// ---------------------------------------------------------------------------
// Imports: wasmcloud:wash/types, wasi:logging/logging, wasi:config/store

export interface WasmcloudWashHostOptions extends HostImportOptions {
  /** Starts a host program in the background (gated like hostExec); returns its pid. */
  hostExecBackground: (binary: string, args: string[]) => number;
  /** The plugin's shape, when known (not while describing it). */
  shape?: WashShape;
}

const LEVELS = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', critical: 'error' } as const;

/**
 * The import object entries these plugins need, for one instance. One set of
 * classes serves every shape: jco calls methods by name, a `get` that had a
 * default argument gets it (and an absent key reads as it, as the early
 * shapes want), and what `set` or `delete` return is dropped by jco where
 * the shape's result has no payload.
 */
export function wasmcloudWashImports(options: WasmcloudWashHostOptions): Record<string, unknown> {
  const host = createHostImports(options);
  const { invocation, config } = options;
  const decoder = new TextDecoder();

  class Context {
    get(key: string, defaultValue?: string) {
      return invocation.context.get(key) ?? defaultValue;
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
    get(key: string, defaultValue?: string) {
      return config.get(key) ?? defaultValue;
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

  /** Early shapes: the host's settings. wash exposes none to these plugins: every key reads as its default. */
  class WashConfig {
    get(_key: string, defaultValue: string) {
      return defaultValue;
    }
    list(): string[] {
      return [];
    }
  }

  /** Only reachable for its version: early shapes ask the runner for it, and there is no project (none). */
  class ProjectConfig {
    version() {
      return getWashVersion();
    }
  }

  // jco: a `result` import returns its ok value and throws for err.
  class Runner {
    context() {
      return new Context();
    }
    pluginConfig() {
      return new PluginConfig();
    }
    /** Early shapes: wash-ts has no projects. */
    projectConfig() {
      return undefined;
    }
    hostExec(bin: string, args: string[]): [string, string] {
      try {
        const out: ExecOutput = options.hostExec(bin, args);
        return [decoder.decode(out.stdout), decoder.decode(out.stderr)];
      } catch (err) {
        // The early shapes' err has no payload: the plugin cannot tell the user why, so we do.
        if (options.shape !== 'late') process.stderr.write(`wash: ${escapeUntrusted(messageOf(err))}\n`);
        throw err;
      }
    }
    hostExecBackground(bin: string, args: string[]): void {
      options.hostExecBackground(bin, args);
    }
    /** Early shapes: credentials from the host. wash gives none to these plugins. */
    authorize(): never {
      throw 'wash provides no credentials to plugins of this contract';
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
    'wasmcloud:wash/types': { Context, PluginConfig, WashConfig, ProjectConfig, Runner },
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
  /** Late: a note for the log; early: nothing. */
  initialize(runner: unknown): string | undefined;
  /** Late: the text for the user; early: nothing (output went through the runner). */
  run(runner: unknown, command: WashCommand): string | undefined;
  hook(runner: unknown, hook: string): string | undefined;
}

export function wasmcloudWashExports(raw: Record<string, unknown>, contract: WasmcloudWashContract): WashPluginExports {
  const exports = raw[EXPORTS[contract]] as WashPluginExports | undefined;
  if (!exports) throw new WashError(`component does not export ${EXPORTS[contract]}`);
  return exports;
}

const isComponentError = (err: unknown): err is { payload: unknown } => err instanceof Error && 'payload' in err;

/** An err result: the early shapes' carries no reason. */
const noReason = (payload: unknown) => payload === undefined || payload === null || payload === '';

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
  let note: string | undefined;
  try {
    note = plugin.initialize(new Runner());
  } catch (err) {
    if (isComponentError(err)) {
      const why = noReason(err.payload) ? ' (the plugin gave no reason)' : `: ${escapeUntrusted(messageOf(err.payload))}`;
      throw new WashError(`initialize failed${why}`, ExitCode.failure);
    }
    throw err;
  }
  if (note) log('debug', `initialize: ${note}`);
  let output: string | undefined;
  try {
    output = call.kind === 'run' ? plugin.run(new Runner(), call.command) : plugin.hook(new Runner(), call.hook);
  } catch (err) {
    if (!isComponentError(err)) throw err;
    const what = call.kind === 'run' ? 'the command' : `the ${escapeUntrusted(call.hook)} hook`;
    throw new WashError(noReason(err.payload) ? `${what} failed (the plugin gave no reason)` : escapeUntrusted(messageOf(err.payload)), ExitCode.failure);
  }
  if (!output) return;
  if (invocation.outputFormat === 'json') invocation.emitted.push({ output });
  else process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
}

/** Turn a host call into theirs: parse argv (UsageError with the usual hint), or map the hook. */
export function prepareWasmcloudWashCall(
  info: WasmcloudWashInfo,
  metadata: Pick<Metadata, 'name' | 'commands'>,
  call: { kind: 'run'; argv: string[] } | { kind: 'hook'; hook: string },
  env: Readonly<Record<string, string>>,
): WasmcloudWashCall {
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
