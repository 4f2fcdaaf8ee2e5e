/**
 * Their `info`, in any of the contract's shapes: validated (it comes from
 * untrusted code) and mapped to our metadata, so help, list, inspect and the
 * access prompt work unchanged. What is needed to run the plugin later (the
 * commands exactly as declared, the hooks) is kept as the adapter's info.
 */
import type { HookType, Metadata } from '../../../contract/metadata.js';
import { InvalidMetadata, validateMetadata } from '../../../contract/metadata.js';
import { UnsupportedShape } from '../contract.js';
import { escapeUntrusted as esc } from '../../../util/untrusted.js';
import { checks, type Checks } from '../../../util/checks.js';
import { HOOK_EVENTS, PLUGIN_DATA_MOUNT, SHAPES, type WashShape, type WasmcloudWashContract } from './shapes.js';

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

/** A value of a shape the contract never had is UnsupportedShape; one that breaks a rule or bound, InvalidMetadata. */
const kit: Checks = checks({
  fail: (what, failure) => (failure === 'type' ? new UnsupportedShape(what) : new InvalidMetadata(what)),
  nullIsAbsent: true,
});
const check: Checks['check'] = kit.check;
const { text: str, optionalText: optStr, bool, record: rec, list } = kit;
const arr = (value: unknown, field: string, max?: number): unknown[] => list(value, field, (v) => v, max);

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
  const flags = list(c.flags, `${field}.flags`, (t, f): [string, WashArgument] => {
    const pair = arr(t, f, 2);
    check(pair.length === 2, `${f} is not a (name, argument) pair`, 'type');
    return [str(pair[0], `${f}.0`), washArgument(pair[1], `${f}.1`, kind)];
  });
  const keys = flags.map(([k]) => k);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  check(dup === undefined, `${field}.flags declares '--${esc(dup ?? '')}' twice`);
  return {
    id: str(c.id, `${field}.id`),
    name: str(c.name, `${field}.name`),
    description: str(c.description, `${field}.description`),
    flags,
    arguments: list(c.arguments, `${field}.arguments`, (a, f) => washArgument(a, f, kind)),
    usage: list(c.usage, `${field}.usage`, (u, f) => str(u, f)),
  };
}

/** Which shape an `info` answer has, from its fields. */
function shapeOf(m: Record<string, unknown>): WashShape {
  if ('subCommands' in m) return 'late';
  check(
    'commands' in m && 'defaultCommand' in m,
    'its info has neither `sub-commands` (0.0.2, late 0.0.1) nor `commands` and `default-command` (early 0.0.1)',
    'type',
  );
  // The two early shapes differ in their argument records: look at the first one declared.
  const commands: unknown[] = [m.defaultCommand, ...(Array.isArray(m.commands) ? (m.commands as unknown[]) : [])];
  for (const c of commands) {
    const r = (typeof c === 'object' && c !== null ? c : {}) as { flags?: unknown; arguments?: unknown };
    const pairs = Array.isArray(r.flags) ? (r.flags as unknown[]) : [];
    const first: unknown = [
      ...pairs.map((p) => (Array.isArray(p) ? (p[1] as unknown) : undefined)),
      ...(Array.isArray(r.arguments) ? (r.arguments as unknown[]) : []),
    ][0];
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
  const subs = list(early ? m.commands : m.subCommands, listField, (c, f) => washCommand(c, f, kind));
  // As in the Rust wash: a top-level command makes the sub-commands irrelevant.
  const commands = top ? [{ path: [], command: top }] : subs.map((command) => ({ path: [command.name], command }));
  const names = commands.map((c) => c.path.join(' '));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  check(dup === undefined, `sub-command '${esc(dup ?? '')}' is declared twice`);
  const hookList = early && (m.hooks === undefined || m.hooks === null) ? [] : m.hooks;
  const hooks = list(hookList, 'hooks', (h, f) => str(h, f));
  const events = HOOK_EVENTS[kind];
  const mappedHooks = (Object.keys(events) as HookType[]).filter((ours) => hooks.includes(events[ours]!));
  const ignoredHooks = hooks.filter((h) => !Object.values(events).includes(h));
  const credentialList = early && m.credentials !== undefined && m.credentials !== null ? m.credentials : [];
  const ignoredCredentials = list(credentialList, 'credentials', (c, f) => str(c, f));

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
      arguments: argumentViews(c).map((a) => ({
        name: a.name,
        description: a.description,
        required: a.required,
        variadic: false,
        env: a.env,
        default: a.default,
      })),
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
    commands: list(v.commands, 'commands', (c, f) => {
      const r = rec(c, f);
      return { path: arr(r.path, `${f}.path`, 1).map((w) => str(w, 'path')), command: washCommand(r.command, f, kind) };
    }),
    hooks: arr(v.hooks, 'hooks').map((h) => str(h, 'hook')),
    ignoredHooks: arr(v.ignoredHooks, 'ignoredHooks').map((h) => str(h, 'hook')),
    ignoredCredentials: arr(v.ignoredCredentials, 'ignoredCredentials').map((h) => str(h, 'credential')),
  };
}
