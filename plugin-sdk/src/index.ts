/**
 * A small SDK for wash plugins written in TypeScript: declare metadata and
 * commands once, get argv parsing, structured output and error mapping.
 * The core plugins under plugins/ use it and are its examples.
 *
 * It is the package `@wash/plugin-sdk`; its version is the version of the
 * `wash:plugin` contract it targets. Its imports of `wash:*` and `wasi:*`
 * modules are the component's imports: the plugin project declares their
 * types (generated from its wit/ by jco, as `wash plugin new` sets up).
 */
/// <reference path="./globals.d.ts" />
import * as host from 'wash:plugin/host@0.2.1';
import type { Command, CommandGroup, Flag, HookType, Metadata, Credentials } from 'wash:plugin/types@0.2.1';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { parseArgv, UsageError, type ArgumentValues, type FlagValues } from './args.js';

export { UsageError, parseArgv };
export type { ArgumentValue, ArgumentValues, FlagValue, FlagValues } from './args.js';
export { host };

/** A failure the user should see as one line (exit 1). */
export class Failure extends Error {}

/**
 * A flag as declared in a spec (wash:plugin/types `flag`, with only `long`,
 * `description` and `required` needed). Its literal types say what the
 * parsed value is: see FlagValue.
 */
export interface FlagSpec {
  /** Without dashes: `save` for `--save`. */
  readonly long: string;
  /** One character without the dash. */
  readonly short?: string;
  readonly description: string;
  /** The value's placeholder in help (`<name>`); without it the flag is a switch. `file` names a file the plugin may read (readArgumentFile). */
  readonly valueName?: string;
  readonly default?: string;
  readonly required: boolean;
  /** A variable that supplies the value when the flag is not given (the user is asked for it like any variable). */
  readonly env?: string;
  /** The only values accepted; the parsed value is typed as one of them. */
  readonly choices?: readonly string[];
  /** Given more than once, its values are collected: the parsed value is a string[]. */
  readonly repeatable?: boolean;
}

/** A positional argument as declared in a spec (wash:plugin/types `argument`). */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Takes all remaining arguments (only the last one): the parsed value is a string[]. */
  readonly variadic: boolean;
}

/**
 * What a command's `run` receives: the command the argv named, and its flags
 * and arguments by name, typed from the declarations `F` and `A` (see
 * `command`). Without them (`Parsed`), every value is possible.
 */
export interface Parsed<F extends readonly FlagSpec[] = readonly FlagSpec[], A extends readonly ArgumentSpec[] = readonly ArgumentSpec[]> {
  command: Command;
  flags: FlagValues<F>;
  args: ArgumentValues<A>;
}

export interface CommandSpec<F extends readonly FlagSpec[] = readonly FlagSpec[], A extends readonly ArgumentSpec[] = readonly ArgumentSpec[]> {
  /** The words after the plugin name; `[]` is the plugin's own command. */
  readonly path: readonly string[];
  readonly description: string;
  readonly flags?: F;
  readonly arguments?: A;
  /** Full invocations shown in help, e.g. `wash keys gen user --save alice`. */
  readonly examples?: readonly string[];
  /**
   * Returns the exit status (default 0), or throws UsageError / Failure.
   * May be async, e.g. to `await fetch()`: componentize-js lets an export
   * return a promise and runs the component's event loop until it settles.
   */
  run(parsed: Parsed<F, A>): number | void | Promise<number | void>;
}

/**
 * Declare a command whose `run` gets its flags and arguments typed from the
 * declarations written here (no `as const` needed):
 *
 *     command({
 *       path: ['gen'],
 *       flags: [{ long: 'save', valueName: 'name', required: false, description: '...' }],
 *       arguments: [{ name: 'type', required: true, variadic: false, description: '...' }],
 *       run({ flags, args }) { ... }, // flags.save: string | undefined, args.type: string
 *     })
 *
 * It returns the spec unchanged, for `definePlugin({ commands: [...] })`.
 */
export function command<const F extends readonly FlagSpec[] = [], const A extends readonly ArgumentSpec[] = []>(spec: CommandSpec<F, A>): CommandSpec<F, A> {
  return spec;
}

/** A flag declared once and shared by several commands, keeping its literal types (as `command` does). */
export function flag<const F extends FlagSpec>(spec: F): F {
  return spec;
}

export interface PluginSpec {
  metadata: Omit<Metadata, 'commands' | 'groups' | 'hooks' | 'providesCredentials' | 'access'> & {
    access?: Partial<Metadata['access']>;
    /** Descriptions for intermediate command words, e.g. `{ path: ['team', 'member'], description: ... }`. */
    groups?: CommandGroup[];
  };
  /** Each made with `command(...)` for typed flags and arguments (a plain object gets `Parsed`). */
  commands: readonly CommandSpec[];
  hooks?: Partial<Record<HookType, () => void | Promise<void>>>;
  authenticate?: () => Credentials | Promise<Credentials>;
}

/** The environment, read on the first lookup (not before: that read may be a question to the user). */
function lazyEnvironment(): Readonly<Record<string, string | undefined>> {
  let env: Record<string, string> | undefined;
  return new Proxy(
    {},
    {
      get: (_target, key) => (typeof key === 'string' ? (env ??= Object.fromEntries(getEnvironment()))[key] : undefined),
    },
  );
}

/**
 * The message of anything thrown. An `err` result of a host import (e.g.
 * `host.listen`, `host.hostExec`) arrives as a ComponentError, which is not an
 * `instanceof Error`, carrying the WIT error value as `payload`.
 */
export function messageOf(err: unknown): string {
  const payload = (err as { payload?: unknown } | null | undefined)?.payload;
  if (typeof payload === 'string') return payload;
  return err instanceof Error ? err.message : String(err);
}

function toRunError(err: unknown): { tag: 'usage' | 'failure'; val: string } {
  return err instanceof UsageError ? { tag: 'usage', val: err.message } : { tag: 'failure', val: messageOf(err) };
}

/**
 * Map what a handler returned: a value now, or a promise. The export then
 * returns the promise, and componentize-js waits for it, so the host still
 * receives a plain value (which is why the exports below are typed as such).
 * A rejection becomes the same WIT error a throw would; an Error keeps its
 * class, so code that wraps these exports can still tell what it was.
 */
function settle<T, R>(value: T | Promise<T>, ok: (value: T) => R, fail: (err: unknown) => unknown): R {
  if (!(value instanceof Promise)) return ok(value);
  return value.then(ok, (err) => {
    const wit = fail(err);
    throw err instanceof Error && typeof wit === 'object' ? Object.assign(err, wit) : wit;
  }) as unknown as R;
}

/**
 * `-o, --output <text|json>`: every command has it (unless it declares `-o`
 * or `--output` itself), so `wash keys list -o json` works as
 * `wash -o json keys list` does. It is declared in each command's metadata,
 * so help and completion show it, and the SDK tells the host about it
 * (`host.set-output-format`) when it parses one, before the command runs.
 */
export const OUTPUT_FLAG: Flag = {
  long: 'output',
  short: 'o',
  description: 'Output format: json prints one JSON document on stdout',
  valueName: 'text|json',
  default: undefined,
  required: false,
  env: undefined,
  choices: ['text', 'json'],
  repeatable: false,
};

/**
 * A spec's array as the WIT bindings type it. Not a copy: reading the
 * spec's arrays is part of answering `info`, so they are passed as they are.
 */
const asWit = <T>(items: readonly T[]): T[] => items as T[];

const declaresOutput = (flags: readonly FlagSpec[]) => flags.some((f) => f.long === OUTPUT_FLAG.long || f.short === OUTPUT_FLAG.short);

/** Build the `plugin` (and `authenticate`) exports from a spec. */
export function definePlugin(spec: PluginSpec) {
  const commands: Command[] = spec.commands.map(({ run: _run, flags, ...c }) => ({
    ...c,
    path: asWit(c.path),
    arguments: asWit(c.arguments ?? []),
    examples: asWit(c.examples ?? []),
    flags: [
      ...(flags ?? []).map((f) => ({ ...f, choices: asWit(f.choices ?? []), repeatable: f.repeatable ?? false })),
      ...(declaresOutput(flags ?? []) ? [] : [OUTPUT_FLAG]),
    ],
  }));
  /** The commands whose `--output` is ours (the global one), by path. */
  const globalOutput = new Set(spec.commands.filter((c) => !declaresOutput(c.flags ?? [])).map((c) => c.path.join(' ')));
  const metadata: Metadata = {
    groups: [],
    ...spec.metadata,
    access: { env: [], paths: [], outgoingHttp: [], hostExec: [], ...spec.metadata.access },
    commands,
    hooks: Object.keys(spec.hooks ?? {}) as HookType[],
    providesCredentials: spec.authenticate !== undefined,
  };
  const plugin = {
    info: () => metadata,
    run(argv: string[]): number {
      // Every error becomes a run-error: a JS exception that escapes the export would trap.
      try {
        // Env fallbacks read the plugin's environment (only the variables the user granted), and only
        // when a fallback is needed: reading it is a first use that wash may ask the user about.
        const parsed = parseArgv(commands, argv, { env: lazyEnvironment() });
        const key = parsed.command.path.join(' ');
        if (globalOutput.has(key)) {
          // `-o json` after the plugin name: the host switches this call's output before the command runs.
          const format = parsed.flags[OUTPUT_FLAG.long];
          delete parsed.flags[OUTPUT_FLAG.long];
          if (format === 'text' || format === 'json') host.setOutputFormat(format);
        }
        const handler = spec.commands.find((c) => c.path.join(' ') === key)!;
        return settle(handler.run(parsed), (status) => status ?? 0, toRunError);
      } catch (err) {
        throw toRunError(err);
      }
    },
    hook(event: HookType): void {
      try {
        return settle(spec.hooks?.[event]?.(), () => undefined, messageOf);
      } catch (err) {
        throw messageOf(err);
      }
    },
  };
  const authenticate = spec.authenticate && {
    authenticate(): Credentials {
      try {
        return settle(spec.authenticate!(), (credentials) => credentials, messageOf);
      } catch (err) {
        throw messageOf(err);
      }
    },
  };
  return { plugin, authenticate };
}

/** Structured output, rendered by the host as text or JSON (`--output`). */
export const output = {
  isJson: () => host.requestedFormat() === 'json',
  json: (value: unknown) => host.emitJson(JSON.stringify(value)),
  table: (headers: string[], rows: string[][]) => host.emitTable(headers, rows),
  /** Plain text for people; under `--output json` it goes to stderr. */
  print: (text: string) => console.log(text),
};

/**
 * Ask the user a yes/no question, as a wash question on the terminal (one
 * key: y or anything else). `undefined` when wash cannot ask (no terminal,
 * `--no-prompt`): then require a flag such as `--yes`, and name it in the error.
 */
export function confirm(question: string): boolean | undefined {
  return host.confirm(question);
}

/**
 * Read the file the user named as the value of a `<file>` flag (one whose
 * `valueName` is `file`), e.g. `--seed-file alice.nk`: pass the value as
 * parsed. wash reads it for this call without any grant; any other path is
 * refused. Throws an Error whose message is wash's reason (it names the file).
 */
export function readArgumentFile(path: string): Uint8Array {
  try {
    return host.readArgumentFile(path);
  } catch (err) {
    throw new Error(messageOf(err));
  }
}

export const log = {
  debug: (message: string) => host.log('debug', message),
  info: (message: string) => host.log('info', message),
  warn: (message: string) => host.log('warn', message),
  error: (message: string) => host.log('error', message),
};

export * as http from './http.js';
export * as fs from './fs.js';
