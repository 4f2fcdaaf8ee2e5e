/**
 * The plugin's `info` answer as the host sees it (jco maps WIT kebab-case to
 * camelCase and `option<T>` to `T | undefined`), and its validation: the
 * answer comes from untrusted code and ends up in help, prompts and grants.
 */
import parseSemver from 'semver/functions/parse.js';
export interface Flag {
  long: string;
  short?: string;
  description: string;
  valueName?: string;
  default?: string;
  required: boolean;
}

export interface Argument {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
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
  contact: string;
  url: string;
  license: string;
  commands: Command[];
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

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvalidMetadata(what);
}

function text(value: unknown, field: string, max = MAX_TEXT): string {
  check(typeof value === 'string', `${field} is not a string`);
  check(value.length <= max, `${field} is longer than ${max} characters`);
  return value;
}

/**
 * A plugin's version is semver (updates pick compatible tags by it), written
 * exactly: no leading `v` or `=`, no spaces, build metadata allowed.
 */
function semverText(value: unknown, field: string): string {
  const version = text(value, field, 64);
  const parsed = parseSemver(version);
  const canonical = parsed && `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}`;
  check(canonical === version, `${field} '${version}' is not a semantic version (like 1.2.3 or 1.0.0-beta.1)`);
  return version;
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function list<T>(value: unknown, field: string, each: (v: unknown, f: string) => T, max = 1000): T[] {
  check(Array.isArray(value), `${field} is not a list`);
  check(value.length <= max, `${field} has more than ${max} items`);
  return value.map((v, i) => each(v, `${field}[${i}]`));
}

function record(value: unknown, field: string): Record<string, unknown> {
  check(typeof value === 'object' && value !== null, `${field} is not a record`);
  return value as Record<string, unknown>;
}

function flag(value: unknown, field: string): Flag {
  const f = record(value, field);
  const long = text(f.long, `${field}.long`, 64);
  check(/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(long), `${field}.long '${long}' is not a flag name`);
  const short = optionalText(f.short, `${field}.short`);
  check(short === undefined || /^[A-Za-z0-9]$/.test(short), `${field}.short must be one letter or digit`);
  return {
    long,
    short,
    description: text(f.description, `${field}.description`),
    valueName: optionalText(f.valueName, `${field}.value-name`),
    default: optionalText(f.default, `${field}.default`),
    required: Boolean(f.required),
  };
}

function argument(value: unknown, field: string): Argument {
  const a = record(value, field);
  return {
    name: text(a.name, `${field}.name`, 64),
    description: text(a.description, `${field}.description`),
    required: Boolean(a.required),
    variadic: Boolean(a.variadic),
  };
}

function command(value: unknown, field: string): Command {
  const c = record(value, field);
  const path = list(c.path, `${field}.path`, (v, f) => text(v, f, 64), 8);
  for (const word of path) check(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(word), `${field}.path word '${word}' is not a command name`);
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
  const reasoned = <K extends string>(key: K) => (v: unknown, f: string) => {
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

/** Validate `info`'s answer; throws InvalidMetadata naming the first problem. */
export function validateMetadata(value: unknown): Metadata {
  const m = record(value, 'metadata');
  const name = text(m.name, 'name', 64);
  check(NAME.test(name), `name '${name}' must match [a-z][a-z0-9-]*`);
  check(!RESERVED_NAMES.has(name), `name '${name}' is reserved for a wash command`);
  const id = text(m.id, 'id', 128);
  check(ID.test(id), `id '${id}' must be made of letters, digits, '.', '_' and '-'`);
  return {
    id,
    name,
    version: semverText(m.version, 'version'),
    description: text(m.description, 'description', 1024),
    contact: text(m.contact, 'contact', 1024),
    url: text(m.url, 'url', 2048),
    license: text(m.license, 'license', 256),
    commands: list(m.commands, 'commands', command),
    access: access(m.access, 'access'),
    hooks: list(m.hooks, 'hooks', (v, f) => {
      check(HOOK_TYPES.includes(v as HookType), `${f} is not a known hook`);
      return v as HookType;
    }),
    providesCredentials: Boolean(m.providesCredentials),
  };
}
