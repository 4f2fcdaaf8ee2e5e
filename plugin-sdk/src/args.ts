/**
 * The argv parser for the commands a plugin declares in its metadata. One
 * parser for both sides: plugins built with this SDK parse their argv with
 * it, and the host parses with it for contracts where the host fills in the
 * values (wash's adapters for the Rust wash's plugins). So help, which the
 * host renders from the same declarations, and parsing cannot disagree.
 *
 * It depends on nothing but these shapes (structurally what
 * `wash:plugin/types` declares, plus the argument `env`/`default` some
 * foreign contracts have), so the host can share it.
 */

/** A usage mistake: the host prints it with a hint to `--help` and exits 2. */
export class UsageError extends Error {}

export interface ParserFlag {
  long: string;
  short?: string;
  /** `undefined` makes the flag a switch without a value. */
  valueName?: string;
  default?: string;
  required: boolean;
  /** A variable whose value stands in when the flag is not given (before `default`). */
  env?: string;
  /** Accepted values; empty or absent means any. */
  choices?: readonly string[];
  /** Values are collected in order (value flags only). */
  repeatable?: boolean;
}

export interface ParserArgument {
  name: string;
  required: boolean;
  variadic: boolean;
  /** Not in wash's WIT (its arguments have neither): for foreign contracts' arguments. */
  env?: string;
  default?: string;
}

export interface ParserCommand {
  path: string[];
  flags: readonly ParserFlag[];
  arguments: readonly ParserArgument[];
}

export interface Parsed<C extends ParserCommand = ParserCommand> {
  command: C;
  /**
   * By long name: the string value, `true`/`false` for a switch given (or set
   * through its env variable), a string[] for a repeatable flag (empty when
   * not given), or undefined.
   */
  flags: Record<string, string | string[] | boolean | undefined>;
  /** By argument name: a string, a string[] for a variadic one, or undefined. */
  args: Record<string, string | string[] | undefined>;
}

export interface ParseOptions {
  /**
   * The environment env fallbacks read. A plugin passes its own (which holds
   * only the variables the user granted it); an empty value counts as unset.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

const samePath = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((w, i) => w === b[i]);

/** The command whose path is the longest prefix of the leading words of argv. */
export function matchCommand<C extends ParserCommand>(commands: readonly C[], argv: readonly string[]): { command: C; rest: string[] } {
  if (commands.length === 0) throw new UsageError('this plugin has no commands');
  const words: string[] = [];
  for (const token of argv) {
    if (token.startsWith('-')) break;
    words.push(token);
  }
  for (let n = words.length; n >= 0; n--) {
    const command = commands.find((c) => samePath(c.path, words.slice(0, n)));
    if (command) return { command, rest: argv.slice(n) };
  }
  const names = [...new Set(commands.filter((c) => c.path.length > 0).map((c) => c.path[0]))];
  if (words.length === 0) throw new UsageError(`missing command (one of: ${names.join(', ')})`);
  // The longest run of leading words that some command path starts with: a group that needs more words.
  for (let n = words.length; n >= 1; n--) {
    const under = commands.filter((c) => c.path.length > n && samePath(c.path.slice(0, n), words.slice(0, n)));
    if (under.length === 0) continue;
    const group = words.slice(0, n).join(' ');
    if (n === words.length) {
      const next = [...new Set(under.map((c) => c.path[n]))];
      throw new UsageError(`'${group}' needs a subcommand (one of: ${next.join(', ')})`);
    }
    throw new UsageError(`unknown command '${words.slice(0, n + 1).join(' ')}'`);
  }
  throw new UsageError(`unknown command '${words[0]}' (one of: ${names.join(', ')})`);
}

function findFlag(command: ParserCommand, token: string): { flag: ParserFlag; inline?: string } | undefined {
  const eq = token.indexOf('=');
  const name = eq === -1 ? token : token.slice(0, eq);
  const inline = eq === -1 ? undefined : token.slice(eq + 1);
  const flag = name.startsWith('--')
    ? command.flags.find((f) => f.long === name.slice(2))
    : name.length === 2
      ? command.flags.find((f) => f.short === name.slice(1))
      : undefined;
  return flag && { flag, inline };
}

const SWITCH_ON = ['1', 'true', 'yes', 'on'];
const SWITCH_OFF = ['0', 'false', 'no', 'off'];

/**
 * Parse argv against the plugin's declared commands: the same declarations
 * the host renders help from. A flag's value comes from the command line,
 * else its `env` variable, else its default; `choices` are checked wherever
 * the value came from.
 */
export function parseArgv<C extends ParserCommand>(commands: readonly C[], argv: readonly string[], options: ParseOptions = {}): Parsed<C> {
  const { command, rest } = matchCommand(commands, argv);
  const given = new Map<string, string[] | true>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positional.push(token);
      continue;
    }
    const found = findFlag(command, token);
    if (!found) {
      // A negative number is a value, unless the command declares that digit as a short flag.
      if (/^-\d/.test(token)) {
        positional.push(token);
        continue;
      }
      throw new UsageError(`unknown option '${token.split('=')[0]}'`);
    }
    const { flag, inline } = found;
    const previous = given.get(flag.long);
    if (previous !== undefined && !flag.repeatable) throw new UsageError(`option '--${flag.long}' given more than once`);
    if (flag.valueName === undefined) {
      if (inline !== undefined) throw new UsageError(`option '--${flag.long}' takes no value`);
      given.set(flag.long, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = rest[i + 1];
      if (value === undefined) throw new UsageError(`option '--${flag.long}' needs a value <${flag.valueName}>`);
      i++;
    }
    given.set(flag.long, [...(Array.isArray(previous) ? previous : []), value]);
  }

  const fromEnv = (name: string | undefined) => {
    const value = name === undefined ? undefined : options.env?.[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const checkChoice = (flag: ParserFlag, value: string, from: string) => {
    if (flag.choices && flag.choices.length > 0 && !flag.choices.includes(value)) {
      throw new UsageError(`invalid value '${value}' for '--${flag.long}'${from} (one of: ${flag.choices.join(', ')})`);
    }
  };
  const orEnv = (env: string | undefined) => (env !== undefined ? ` (or set ${env})` : '');

  const flags: Parsed['flags'] = {};
  for (const flag of command.flags) {
    const values = given.get(flag.long);
    const envValue = fromEnv(flag.env);
    if (flag.valueName === undefined) {
      if (values === true) flags[flag.long] = true;
      else if (envValue !== undefined) {
        const lower = envValue.toLowerCase();
        if (!SWITCH_ON.includes(lower) && !SWITCH_OFF.includes(lower)) {
          throw new UsageError(`${flag.env} must be one of ${[...SWITCH_ON, ...SWITCH_OFF].join(', ')} for '--${flag.long}', got '${envValue}'`);
        }
        flags[flag.long] = SWITCH_ON.includes(lower);
      } else if (flag.required) throw new UsageError(`missing required option '--${flag.long}'${orEnv(flag.env)}`);
      else if (flag.default !== undefined) flags[flag.long] = flag.default === 'true';
      continue;
    }
    let chosen: string[] | undefined;
    if (Array.isArray(values)) {
      for (const v of values) checkChoice(flag, v, '');
      chosen = values;
    } else if (envValue !== undefined) {
      checkChoice(flag, envValue, ` from ${flag.env}`);
      chosen = [envValue];
    } else if (flag.default !== undefined) chosen = [flag.default];
    if (chosen === undefined && flag.required) throw new UsageError(`missing required option '--${flag.long}'${orEnv(flag.env)}`);
    flags[flag.long] = flag.repeatable ? (chosen ?? []) : chosen?.[0];
  }

  const args: Parsed['args'] = {};
  command.arguments.forEach((arg, i) => {
    if (arg.variadic) {
      const values = positional.slice(i);
      if (arg.required && values.length === 0) throw new UsageError(`missing argument <${arg.name}>`);
      args[arg.name] = values;
      return;
    }
    const value = positional[i] ?? fromEnv(arg.env) ?? arg.default;
    if (value === undefined && arg.required) throw new UsageError(`missing argument <${arg.name}>${orEnv(arg.env)}`);
    args[arg.name] = value;
  });
  const takesRest = command.arguments.some((a) => a.variadic);
  if (!takesRest && positional.length > command.arguments.length) {
    throw new UsageError(`unexpected argument '${positional[command.arguments.length]}'`);
  }
  return { command, flags, args };
}
