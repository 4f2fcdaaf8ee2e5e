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

/**
 * The value a flag declared as `F` parses to, read from its declaration, so
 * a plugin needs no casts: a switch (no `valueName`) is a boolean; a flag
 * that takes a value is a string, one of its `choices` when it lists them,
 * or a string[] when it is `repeatable`. Either may be undefined when not
 * given, unless the flag is `required` or has a `default`. A declaration
 * whose literal types are lost (a `ParserFlag`, say) gets every possibility.
 */
export type FlagValue<F extends ParserFlag> = F extends { valueName: string }
  ? ValueOf<F>
  : F extends { long: string; valueName?: undefined }
    ? SwitchOf<F>
    : ValueOf<F> | SwitchOf<F>;

/** `required` or a `default`: then the flag always has a value. */
type Always = { required: true } | { default: string };
type ChoiceOf<F extends ParserFlag> = F extends { choices: readonly [string, ...string[]] } ? F['choices'][number] : string;
type SingleOf<F extends ParserFlag> = F extends Always ? ChoiceOf<F> : ChoiceOf<F> | undefined;
type ValueOf<F extends ParserFlag> = F extends { repeatable: true }
  ? ChoiceOf<F>[]
  : F extends { long: string; repeatable?: false }
    ? SingleOf<F>
    : ChoiceOf<F>[] | SingleOf<F>;
type SwitchOf<F extends ParserFlag> = F extends Always ? boolean : boolean | undefined;

/** What an argument declared as `A` parses to: string[] when variadic, a string when required (or defaulted), else string | undefined. */
export type ArgumentValue<A extends ParserArgument> = A extends { variadic: true }
  ? string[]
  : A extends { variadic: false }
    ? A extends { required: true } | { default: string }
      ? string
      : string | undefined
    : string | string[] | undefined;

/** Show the properties, not the type's construction, in editors and errors. */
type Plain<T> = { [K in keyof T]: T[K] } & {};

/** The parsed flags of a command declaring `Fs`, by long name. */
export type FlagValues<Fs extends readonly ParserFlag[]> = Plain<{ [F in Fs[number] as F['long']]: FlagValue<F> }>;

/** The parsed arguments of a command declaring `As`, by name. */
export type ArgumentValues<As extends readonly ParserArgument[]> = Plain<{ [A in As[number] as A['name']]: ArgumentValue<A> }>;

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
const startsWith = (path: readonly string[], prefix: readonly string[]) => prefix.length <= path.length && prefix.every((w, i) => w === path[i]);

/** `-5`, `-1.5`, `-2e3`: a value, not an option (unless the command declares that digit as a short flag). */
const NEGATIVE_NUMBER = /^-\d/;

const isOptionToken = (token: string) => token.startsWith('-') && token !== '-';

/** How help and errors name a flag. */
const named = (flag: ParserFlag) => `--${flag.long}`;

/** One option as read from argv: the flag, and its value when it takes one. */
interface OptionUse {
  flag: ParserFlag;
  value?: string;
}

/** An option token read with `find`: what it gives, how many tokens it took, or the name nobody declares. */
type ReadOption = { uses: OptionUse[]; next: number } | { unknown: string };

/**
 * The value of a flag that takes one and was not given inline: the next
 * token, unless that is an option itself (a typo, or a forgotten value), in
 * which case `--flag=<value>` is how to pass a value starting with `-`.
 */
function separateValue(flag: ParserFlag, argv: readonly string[], at: number): string {
  const value = argv[at];
  if (value === undefined) throw new UsageError(`option '${named(flag)}' needs a value <${flag.valueName}>`);
  if (isOptionToken(value) && !NEGATIVE_NUMBER.test(value)) {
    throw new UsageError(
      `option '${named(flag)}' needs a value <${flag.valueName}>, not '${value.split('=')[0]}' (to pass a value that starts with '-', write ${named(flag)}=${value})`,
    );
  }
  return value;
}

/**
 * Read the option token at argv[i] (`--long`, `--long=value`, `-s`, `-svalue`,
 * `-s=value`, or bundled short switches `-abc`, where the last may take a
 * value: `-sn 2`, `-sn2`). `find` says which flag a name is.
 */
function readOption(argv: readonly string[], i: number, find: (by: { long?: string; short?: string }) => ParserFlag | undefined): ReadOption {
  const token = argv[i]!;
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const long = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const flag = find({ long });
    if (!flag) return { unknown: `--${long}` };
    if (flag.valueName === undefined) {
      if (eq !== -1) throw new UsageError(`option '${named(flag)}' takes no value`);
      return { uses: [{ flag }], next: i + 1 };
    }
    if (eq !== -1) return { uses: [{ flag, value: token.slice(eq + 1) }], next: i + 1 };
    return { uses: [{ flag, value: separateValue(flag, argv, i + 1) }], next: i + 2 };
  }
  const letters = [...token.slice(1)];
  const uses: OptionUse[] = [];
  for (let j = 0; j < letters.length; j++) {
    const short = letters[j]!;
    if (short === '=') {
      const previous = uses[uses.length - 1];
      if (previous) throw new UsageError(`option '${named(previous.flag)}' takes no value`);
      return { unknown: token };
    }
    const flag = find({ short });
    if (!flag) return { unknown: `-${short}` };
    if (flag.valueName === undefined) {
      uses.push({ flag });
      continue;
    }
    // A flag that takes a value ends the bundle: the rest of the token is its value (`-n2`, `-n=2`), else the next token.
    const attached = letters.slice(j + 1).join('');
    if (attached !== '') {
      uses.push({ flag, value: attached.startsWith('=') ? attached.slice(1) : attached });
      return { uses, next: i + 1 };
    }
    uses.push({ flag, value: separateValue(flag, argv, i + 1) });
    return { uses, next: i + 2 };
  }
  return { uses, next: i + 1 };
}

const flagOf = (flags: readonly ParserFlag[], by: { long?: string; short?: string }) =>
  flags.find((f) => (by.long !== undefined ? f.long === by.long : f.short !== undefined && f.short === by.short));

/** Whether a command takes a short flag of this digit (then `-5` is that flag, not a number). */
const declaresDigit = (flags: readonly ParserFlag[], token: string) => flags.some((f) => f.short === token[1]);

/**
 * A flag every one of `commands` declares alike (same long name, short name
 * and whether it takes a value): given before the command words are all
 * there, it means the same whichever command they end up naming.
 */
function sharedFlag(commands: readonly ParserCommand[], by: { long?: string; short?: string }): ParserFlag | undefined {
  if (commands.length === 0) return undefined;
  const first = flagOf(commands[0]!.flags, by);
  if (!first) return undefined;
  const alike = (f: ParserFlag | undefined) =>
    f !== undefined && f.long === first.long && f.short === first.short && (f.valueName === undefined) === (first.valueName === undefined);
  return commands.every((c) => alike(flagOf(c.flags, by))) ? first : undefined;
}

/** The leading command words of argv, where they are, and the option the words stopped at (if any). */
interface Scan {
  words: string[];
  /** The index in argv of each word. */
  at: number[];
  /** An option before the words were complete that not every candidate command declares. */
  stoppedAt?: string;
}

/**
 * Read the words that name a command. Options may come before or between
 * them only when every command the words so far could still name declares
 * that option alike (`wash keys -o json list`): then it is unambiguous
 * whether it takes a value, and which command it belongs to does not
 * matter. Any other option, `--`, or a word no command path continues
 * ends the command words.
 */
function scanCommandWords(commands: readonly ParserCommand[], argv: readonly string[], lenient = false): Scan {
  const words: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < argv.length;) {
    const token = argv[i]!;
    if (token === '--') break;
    const candidates = commands.filter((c) => startsWith(c.path, words));
    if (!isOptionToken(token)) {
      // A word that continues some command path is a command word; anything else is where the arguments begin.
      if (!candidates.some((c) => c.path.length > words.length && c.path[words.length] === token)) {
        // Unknown words still count, for "unknown command" errors, while no command has been named yet.
        if (candidates.some((c) => c.path.length === words.length)) break;
      }
      words.push(token);
      at.push(i);
      i++;
      continue;
    }
    if (NEGATIVE_NUMBER.test(token)) break;
    let read: ReadOption;
    try {
      read = readOption(argv, i, (by) => sharedFlag(candidates, by));
    } catch (err) {
      // A shared option without its value: the parse says so; help and hints just stop here.
      if (lenient) return { words, at };
      throw err;
    }
    if ('unknown' in read) return { words, at, stoppedAt: read.unknown };
    i = read.next;
  }
  return { words, at };
}

/** The words of argv that name a command (its path, if argv names one): for help, hints and completion. Never throws. */
export function commandWordsOf(commands: readonly ParserCommand[], argv: readonly string[]): string[] {
  return scanCommandWords(commands, argv, true).words;
}

/**
 * The command whose path is the longest prefix of the command words of argv,
 * and the rest of argv (options given before or between the words
 * included, in order).
 */
export function matchCommand<C extends ParserCommand>(commands: readonly C[], argv: readonly string[]): { command: C; rest: string[] } {
  if (commands.length === 0) throw new UsageError('this plugin has no commands');
  const { words, at, stoppedAt } = scanCommandWords(commands, argv);
  for (let n = words.length; n >= 0; n--) {
    const command = commands.find((c) => samePath(c.path, words.slice(0, n)));
    if (!command) continue;
    const taken = new Set(at.slice(0, n));
    return { command, rest: argv.filter((_, i) => !taken.has(i)) };
  }
  const names = [...new Set(commands.filter((c) => c.path.length > 0).map((c) => c.path[0]))];
  if (stoppedAt !== undefined) {
    // Options go after the command they belong to, unless every command there declares them.
    const owners = commands.filter(
      (c) => startsWith(c.path, words) && c.flags.some((f) => (stoppedAt.startsWith('--') ? `--${f.long}` : `-${f.short}`) === stoppedAt),
    );
    if (owners.length > 0) {
      const shown = owners.slice(0, 3).map((c) => c.path.join(' '));
      throw new UsageError(`option '${stoppedAt}' goes after the command it belongs to (${shown.join(', ')}${owners.length > 3 ? ', ...' : ''})`);
    }
    if (words.length === 0) throw new UsageError(`unknown option '${stoppedAt}' (and a missing command: one of ${names.join(', ')})`);
  }
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

const SWITCH_ON = ['1', 'true', 'yes', 'on'];
const SWITCH_OFF = ['0', 'false', 'no', 'off'];

/** What the command line itself gave: values by long name (`true` for a switch), and the positionals. */
interface CommandLine {
  given: Map<string, string[] | true>;
  positional: string[];
}

function readCommandLine(command: ParserCommand, rest: readonly string[]): CommandLine {
  const given = new Map<string, string[] | true>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length;) {
    const token = rest[i]!;
    if (token === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!isOptionToken(token) || (NEGATIVE_NUMBER.test(token) && !declaresDigit(command.flags, token))) {
      positional.push(token);
      i++;
      continue;
    }
    const read = readOption(rest, i, (by) => flagOf(command.flags, by));
    if ('unknown' in read) {
      const bundled = !token.startsWith('--') && token.length > 2 && read.unknown !== token.split('=')[0];
      throw new UsageError(`unknown option '${read.unknown}'${bundled ? ` (in '${token.split('=')[0]}')` : ''}`);
    }
    for (const { flag, value } of read.uses) {
      const previous = given.get(flag.long);
      if (previous !== undefined && !flag.repeatable) throw new UsageError(`option '${named(flag)}' given more than once`);
      given.set(flag.long, value === undefined ? true : [...(Array.isArray(previous) ? previous : []), value]);
    }
    i = read.next;
  }
  return { given, positional };
}

/**
 * The command argv names and the values its flags were given on the command
 * line itself (no env fallbacks, no defaults, nothing required): what the
 * user typed, e.g. for the host to know which files the user named.
 * Throws UsageError when argv does not parse.
 */
export function commandLineValues<C extends ParserCommand>(
  commands: readonly C[],
  argv: readonly string[],
): { command: C; values: Map<string, string[] | true> } {
  const { command, rest } = matchCommand(commands, argv);
  return { command, values: readCommandLine(command, rest).given };
}

/**
 * Parse argv against the plugin's declared commands: the same declarations
 * the host renders help from. A flag's value comes from the command line,
 * else its `env` variable, else its default; `choices` are checked wherever
 * the value came from.
 */
export function parseArgv<C extends ParserCommand>(commands: readonly C[], argv: readonly string[], options: ParseOptions = {}): Parsed<C> {
  const { command, rest } = matchCommand(commands, argv);
  const { given, positional } = readCommandLine(command, rest);

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
