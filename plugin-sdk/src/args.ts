import type { Command, Flag } from 'wash:plugin/types@0.1.0';

/** A usage mistake: the host prints it with a hint to `--help` and exits 2. */
export class UsageError extends Error {}

export interface Parsed {
  command: Command;
  /** By long name: the string value, `true` for a present switch, or undefined. */
  flags: Record<string, string | boolean | undefined>;
  /** By argument name: a string, a string[] for a variadic one, or undefined. */
  args: Record<string, string | string[] | undefined>;
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((w, i) => w === b[i]);

/** The command whose path is the longest prefix of the leading words of argv. */
export function matchCommand(commands: Command[], argv: string[]): { command: Command; rest: string[] } {
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
  const prefix = commands.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
  if (prefix.length > 0) {
    const subs = prefix.map((c) => c.path.slice(1).join(' '));
    throw new UsageError(words.length === 1 ? `'${words[0]}' needs a subcommand (one of: ${subs.join(', ')})` : `unknown command '${words.join(' ')}'`);
  }
  throw new UsageError(`unknown command '${words[0]}' (one of: ${names.join(', ')})`);
}

function findFlag(command: Command, token: string): { flag: Flag; inline?: string } | undefined {
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

/**
 * Parse argv against the plugin's declared commands: the same declarations
 * the host renders help from, so help and parsing cannot disagree.
 */
export function parseArgv(commands: Command[], argv: string[]): Parsed {
  const { command, rest } = matchCommand(commands, argv);
  const flags: Parsed['flags'] = {};
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
    if (!found) throw new UsageError(`unknown option '${token.split('=')[0]}'`);
    const { flag, inline } = found;
    if (flag.valueName === undefined) {
      if (inline !== undefined) throw new UsageError(`option '--${flag.long}' takes no value`);
      flags[flag.long] = true;
    } else if (inline !== undefined) {
      flags[flag.long] = inline;
    } else {
      const value = rest[i + 1];
      if (value === undefined) throw new UsageError(`option '--${flag.long}' needs a value <${flag.valueName}>`);
      flags[flag.long] = value;
      i++;
    }
  }
  for (const flag of command.flags) {
    if (flags[flag.long] !== undefined) continue;
    if (flag.required) throw new UsageError(`missing required option '--${flag.long}'`);
    if (flag.default !== undefined) flags[flag.long] = flag.valueName === undefined ? flag.default === 'true' : flag.default;
  }
  const args: Parsed['args'] = {};
  command.arguments.forEach((arg, i) => {
    if (arg.variadic) {
      const values = positional.slice(i);
      if (arg.required && values.length === 0) throw new UsageError(`missing argument <${arg.name}>`);
      args[arg.name] = values;
    } else {
      if (positional[i] === undefined && arg.required) throw new UsageError(`missing argument <${arg.name}>`);
      args[arg.name] = positional[i];
    }
  });
  const takesRest = command.arguments.some((a) => a.variadic);
  if (!takesRest && positional.length > command.arguments.length) {
    throw new UsageError(`unexpected argument '${positional[command.arguments.length]}'`);
  }
  return { command, flags, args };
}
