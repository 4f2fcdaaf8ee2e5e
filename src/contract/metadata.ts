/**
 * The plugin's `info` answer as the host sees it (jco maps WIT kebab-case to
 * camelCase and `option<T>` to `T | undefined`), and its validation: the
 * answer comes from untrusted code and ends up in help, prompts and grants.
 */
import parseSemver from 'semver/functions/parse.js';
import { escapeUntrusted } from '../util/untrusted.js';
import { checks, type Checks } from '../util/checks.js';
export interface Flag {
  long: string;
  short?: string;
  description: string;
  valueName?: string;
  default?: string;
  required: boolean;
  /** 0.2: the variable that stands in for the flag (0.1 plugins: none). */
  env?: string;
  /** 0.2: accepted values (0.1 plugins: [] = any). */
  choices: string[];
  /** 0.2: may be given more than once (0.1 plugins: false). */
  repeatable: boolean;
}

export interface Argument {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  /** Not in our WIT: set only by adapters of foreign contracts whose arguments have them. */
  env?: string;
  default?: string;
}

/** 0.2: a description for intermediate command words (`team member`). */
export interface CommandGroup {
  path: string[];
  description: string;
}

export interface Command {
  path: string[];
  description: string;
  flags: Flag[];
  arguments: Argument[];
  examples: string[];
}

export type PathAccess = 'read-only' | 'read-write';
export type HookType = 'before-login' | 'after-login' | 'after-install' | 'error';
export const HOOK_TYPES: readonly HookType[] = ['before-login', 'after-login', 'after-install', 'error'];

export interface AccessRequest {
  env: { name: string; reason: string }[];
  scratchDir?: string;
  paths: { path: string; access: PathAccess; reason: string }[];
  outgoingHttp: { host: string; reason: string }[];
  hostExec: { binary: string; reason: string }[];
  incomingHttp?: string;
}

export interface Metadata {
  id: string;
  name: string;
  version: string;
  description: string;
  /** Optional since 0.2 (0.1 plugins send a string, often empty). */
  contact?: string;
  url?: string;
  license?: string;
  commands: Command[];
  groups: CommandGroup[];
  access: AccessRequest;
  hooks: HookType[];
  providesCredentials: boolean;
}

/** Names a plugin may not take: wash's own commands. */
export const RESERVED_NAMES = new Set(['plugin', 'help', 'config', 'login', 'completion', 'version']);

const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Why `name` cannot be a plugin's name (the rule `validateMetadata` applies), or undefined if it can. */
export function invalidPluginName(name: string): string | undefined {
  if (!NAME.test(name)) return `name '${name}' must match [a-z][a-z0-9-]* (at most 64 characters)`;
  if (RESERVED_NAMES.has(name)) return `name '${name}' is reserved for a wash command`;
  return undefined;
}
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_TEXT = 10 * 1024;

export class InvalidMetadata extends Error {}

/**
 * A value the plugin sent, as a message quotes it: escaped, so the message
 * stays one line (errors are printed with their newlines kept).
 */
const q = (value: string | undefined) => `'${escapeUntrusted(value ?? '')}'`;

const kit: Checks = checks({ fail: (what) => new InvalidMetadata(what), maxText: MAX_TEXT });
const check: Checks['check'] = kit.check;
const { text, optionalText, list, record } = kit;

/**
 * A plugin's version is semver (updates pick compatible tags by it), written
 * exactly: no leading `v` or `=`, no spaces, build metadata allowed.
 */
function semverText(value: unknown, field: string): string {
  const version = text(value, field, 64);
  const parsed = parseSemver(version);
  const canonical = parsed && `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}`;
  check(canonical === version, `${field} ${q(version)} is not a semantic version (like 1.2.3 or 1.0.0-beta.1)`);
  return version;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function envName(value: unknown, field: string): string | undefined {
  const name = optionalText(value, field);
  check(name === undefined || ENV_NAME.test(name), `${field} ${q(name)} is not an environment variable name`);
  return name;
}

/** A flag of either version: 0.1's lacks env, choices and repeatable. */
function flag(value: unknown, field: string): Flag {
  const f = record(value, field);
  const long = text(f.long, `${field}.long`, 64);
  check(/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(long), `${field}.long ${q(long)} is not a flag name`);
  const short = optionalText(f.short, `${field}.short`);
  check(short === undefined || /^[A-Za-z0-9]$/.test(short), `${field}.short must be one letter or digit`);
  const valueName = optionalText(f.valueName, `${field}.value-name`);
  const fallback = optionalText(f.default, `${field}.default`);
  const choices = f.choices === undefined ? [] : list(f.choices, `${field}.choices`, (v, c) => text(v, c, 256), 100);
  check(fallback === undefined || choices.length === 0 || choices.includes(fallback), `${field}.default ${q(fallback)} is not one of its choices`);
  const repeatable = Boolean(f.repeatable);
  check(!repeatable || valueName !== undefined, `${field}: a repeatable flag must take a value (value-name)`);
  check(choices.length === 0 || valueName !== undefined, `${field}: choices need a flag that takes a value (value-name)`);
  return {
    long,
    short,
    description: text(f.description, `${field}.description`),
    valueName,
    default: fallback,
    required: Boolean(f.required),
    env: envName(f.env, `${field}.env`),
    choices,
    repeatable,
  };
}

function argument(value: unknown, field: string): Argument {
  const a = record(value, field);
  return {
    name: text(a.name, `${field}.name`, 64),
    description: text(a.description, `${field}.description`),
    required: Boolean(a.required),
    variadic: Boolean(a.variadic),
    env: envName(a.env, `${field}.env`),
    default: optionalText(a.default, `${field}.default`),
  };
}

const commandWord = (word: string) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(word);

function group(value: unknown, field: string): CommandGroup {
  const g = record(value, field);
  const path = list(g.path, `${field}.path`, (v, f) => text(v, f, 64), 8);
  check(path.length > 0, `${field}.path is empty`);
  for (const word of path) check(commandWord(word), `${field}.path word ${q(word)} is not a command name`);
  return { path, description: text(g.description, `${field}.description`) };
}

function command(value: unknown, field: string): Command {
  const c = record(value, field);
  const path = list(c.path, `${field}.path`, (v, f) => text(v, f, 64), 8);
  for (const word of path) check(commandWord(word), `${field}.path word ${q(word)} is not a command name`);
  const args = list(c.arguments, `${field}.arguments`, argument);
  args.forEach((a, i) => check(!a.variadic || i === args.length - 1, `${field}: only the last argument may be variadic`));
  return {
    path,
    description: text(c.description, `${field}.description`),
    flags: list(c.flags, `${field}.flags`, flag),
    arguments: args,
    examples: list(c.examples, `${field}.examples`, (v, f) => text(v, f)),
  };
}

function access(value: unknown, field: string): AccessRequest {
  const a = record(value, field);
  const reasoned =
    <K extends string>(key: K) =>
    (v: unknown, f: string) => {
      const r = record(v, f);
      return { [key]: text(r[key], `${f}.${key}`, 1024), reason: text(r.reason, `${f}.reason`) } as Record<K | 'reason', string>;
    };
  return {
    env: list(a.env, `${field}.env`, reasoned('name')),
    scratchDir: optionalText(a.scratchDir, `${field}.scratch-dir`),
    paths: list(a.paths, `${field}.paths`, (v, f) => {
      const p = record(v, f);
      check(p.access === 'read-only' || p.access === 'read-write', `${f}.access is not read-only or read-write`);
      return { path: text(p.path, `${f}.path`, 4096), access: p.access, reason: text(p.reason, `${f}.reason`) };
    }),
    outgoingHttp: list(a.outgoingHttp, `${field}.outgoing-http`, reasoned('host')),
    hostExec: list(a.hostExec, `${field}.host-exec`, reasoned('binary')),
    incomingHttp: optionalText(a.incomingHttp, `${field}.incoming-http`),
  };
}

/**
 * Each variable a flag or argument falls back to, as an env request (unless
 * the plugin declared it itself): the user is asked for it like for any
 * variable, and without a grant it is unset in the sandbox, so a fallback
 * never reads a variable the user did not allow.
 */
function withFallbackRequests(requests: AccessRequest['env'], commands: readonly Command[]): AccessRequest['env'] {
  const uses = new Map<string, string[]>();
  for (const c of commands) {
    const items: [string | undefined, string][] = [
      ...c.flags.map((f): [string | undefined, string] => [f.env, `--${f.long}`]),
      ...c.arguments.map((a): [string | undefined, string] => [a.env, `<${a.name}>`]),
    ];
    for (const [env, use] of items) if (env !== undefined) uses.set(env, [...(uses.get(env) ?? []), [...c.path, use].join(' ')]);
  }
  const declared = new Set(requests.map((r) => r.name));
  const added = [...uses].filter(([name]) => !declared.has(name));
  return [
    ...requests,
    ...added.map(([name, where]) => ({
      name,
      reason: `the value of ${where.slice(0, 4).join(', ')}${where.length > 4 ? ', ...' : ''} when not given on the command line`,
    })),
  ];
}

/**
 * Validate `info`'s answer, of any version we accept (0.1 or 0.2: what 0.1
 * lacks takes its 0.2 default); throws InvalidMetadata naming the first problem.
 */
export function validateMetadata(value: unknown): Metadata {
  const m = record(value, 'metadata');
  const name = text(m.name, 'name', 64);
  check(NAME.test(name), `name ${q(name)} must match [a-z][a-z0-9-]*`);
  check(!RESERVED_NAMES.has(name), `name ${q(name)} is reserved for a wash command`);
  const id = text(m.id, 'id', 128);
  check(ID.test(id), `id ${q(id)} must be made of letters, digits, '.', '_' and '-'`);
  const commands = list(m.commands, 'commands', command);
  const groups = m.groups === undefined ? [] : list(m.groups, 'groups', group, 100);
  const requested = access(m.access, 'access');
  return {
    id,
    name,
    version: semverText(m.version, 'version'),
    description: text(m.description, 'description', 1024),
    contact: optionalText(m.contact, 'contact', 1024),
    url: optionalText(m.url, 'url', 2048),
    license: optionalText(m.license, 'license', 256),
    commands,
    groups,
    access: { ...requested, env: withFallbackRequests(requested.env, commands) },
    hooks: list(m.hooks, 'hooks', (v, f) => {
      check(HOOK_TYPES.includes(v as HookType), `${f} is not a known hook`);
      return v as HookType;
    }),
    providesCredentials: Boolean(m.providesCredentials),
  };
}
