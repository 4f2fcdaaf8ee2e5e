/**
 * Shell completion, the engine: given the words typed after `wash` (the last
 * one being completed, possibly empty), what may come next. Pure: it works
 * on plugin metadata from the cache and a description of wash's own commands,
 * so completing never loads, transpiles or runs a plugin.
 *
 * Everything a plugin declared is untrusted: words offered to the shell are
 * only command and flag names (validated by the metadata checks) and choices
 * made of plain characters; descriptions are escaped and kept to one line.
 */
import type { Command, Flag, Metadata } from '../contract/metadata.js';
import { escapeUntrusted } from '../util/untrusted.js';

export interface Candidate {
  word: string;
  description?: string;
}

/** What the shell should offer: candidates, and whether to add file or directory names. */
export interface Completion {
  candidates: Candidate[];
  files?: 'files' | 'dirs';
}

/** What a positional argument or an option value of a host command takes. */
export type ValueKind = 'none' | 'files' | 'dirs' | 'plugins' | 'installed' | 'providers' | 'plugins-or-files' | 'help' | { choices: readonly string[] };

export interface HostOption {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  value: ValueKind;
}

export interface HostCommand {
  name: string;
  aliases: string[];
  description: string;
  options: HostOption[];
  /** Kinds of the positional arguments; the last repeats when `variadic`. */
  args: ValueKind[];
  variadic: boolean;
  subcommands: HostCommand[];
  /** Everything after the first positional belongs to a plugin (`plugin test <file> ...`). */
  rawAfterFirst?: boolean;
}

export interface CompletionPlugin {
  metadata: Metadata;
  installed: boolean;
}

export interface CompletionWorld {
  globalOptions: HostOption[];
  /** wash's own commands at the top level: names and descriptions only. */
  hostCommands: { name: string; description: string }[];
  plugins: CompletionPlugin[];
  /** The full description of one host command, built on demand (it needs commander). */
  hostCommand(name: string): Promise<HostCommand | undefined>;
}

/** Choices and other plugin-declared words offered to a shell must be plain: no quotes, spaces, `$` or backticks. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+,.:/=-]{1,128}$/;
const MAX_DESCRIPTION = 100;

/** One line of untrusted text, escaped and cut short. */
export function oneLine(text: string): string {
  const first = text.split('\n')[0] ?? '';
  const safe = escapeUntrusted(first);
  return safe.length > MAX_DESCRIPTION ? `${safe.slice(0, MAX_DESCRIPTION - 1)}…` : safe;
}

/** `choices` of a flag or argument, when the metadata has them (a later contract may add the field); none (`[]`) means any value. */
function choicesOf(item: object): string[] | undefined {
  const choices = (item as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  return choices.filter((c): c is string => typeof c === 'string' && PLAIN_WORD.test(c));
}

const startsWith = (path: readonly string[], prefix: readonly string[]) => prefix.length <= path.length && prefix.every((w, i) => w === path[i]);

/**
 * The candidates that start with what was typed. Every word must be plain
 * (a shell inserts a completion into the command line as it is), and every
 * description is one escaped line, whatever it came from.
 */
function matching(candidates: Candidate[], current: string): Candidate[] {
  const seen = new Set<string>();
  return candidates
    .filter((c) => PLAIN_WORD.test(c.word) && c.word.startsWith(current) && !seen.has(c.word) && seen.add(c.word))
    .map((c) => (c.description === undefined ? c : { ...c, description: oneLine(c.description) }));
}

function valueCompletion(world: CompletionWorld, kind: ValueKind, current: string): Completion {
  const plugins = (filter: (p: CompletionPlugin) => boolean): Candidate[] =>
    world.plugins.filter(filter).map((p) => ({ word: p.metadata.name, description: oneLine(p.metadata.description) }));
  if (typeof kind === 'object')
    return {
      candidates: matching(
        kind.choices.map((word) => ({ word })),
        current,
      ),
    };
  switch (kind) {
    case 'none':
      return { candidates: [] };
    case 'files':
    case 'dirs':
      return { candidates: [], files: kind };
    case 'plugins':
      return {
        candidates: matching(
          plugins(() => true),
          current,
        ),
      };
    case 'installed':
      return {
        candidates: matching(
          plugins((p) => p.installed),
          current,
        ),
      };
    case 'providers':
      return {
        candidates: matching(
          plugins((p) => p.metadata.providesCredentials),
          current,
        ),
      };
    case 'plugins-or-files':
      return {
        candidates: matching(
          plugins(() => true),
          current,
        ),
        files: 'files',
      };
    case 'help':
      return {
        candidates: matching(
          [...world.hostCommands.filter((c) => c.name !== 'help').map((c) => ({ word: c.name, description: c.description })), ...plugins(() => true)],
          current,
        ),
      };
  }
}

const optionWords = (options: HostOption[]): Candidate[] =>
  options.flatMap((o) => [o.long, o.short].filter((w): w is string => w !== undefined).map((word) => ({ word, description: o.description })));

/** The option a word names: `--name=value` names `--name`. */
const optionName = (token: string) => (token.startsWith('--') && token.includes('=') ? token.slice(0, token.indexOf('=')) : token);

function findOption(options: HostOption[], token: string): HostOption | undefined {
  const name = optionName(token);
  return options.find((o) => o.long === name || o.short === name);
}

/** Complete `--name=<value>`: the value (by `completeValue`), each candidate keeping the `--name=` in front. */
function inlineValue(current: string, completeValue: (value: string) => Completion): Completion {
  const head = current.slice(0, current.indexOf('=') + 1);
  const inner = completeValue(current.slice(head.length));
  return { candidates: inner.candidates.map((c) => ({ ...c, word: head + c.word })), files: inner.files };
}

/** Where the words before the one being completed left off. */
interface Walked<O> {
  /** The option whose value is the word being completed. */
  pendingValue?: O;
  /** `--` came: every later word is positional. */
  afterDashes: boolean;
}

/**
 * Walk the words before the one being completed as a command line is parsed:
 * an option (`find` knows it) that `takesValue` takes the next word, unless
 * written `--name=value`; `--` ends the options; every other word goes to
 * `positional`, which may end the walk (`'stop'`: undefined is returned).
 */
function walkWords<O>(
  words: readonly string[],
  find: (word: string) => O | undefined,
  takesValue: (option: O) => boolean,
  positional: (word: string) => 'stop' | void,
): Walked<O> | undefined {
  let pendingValue: O | undefined;
  let afterDashes = false;
  for (const word of words) {
    if (pendingValue) {
      pendingValue = undefined;
      continue;
    }
    if (!afterDashes && word === '--') {
      afterDashes = true;
      continue;
    }
    if (!afterDashes && word.startsWith('-') && word !== '-') {
      const option = find(word);
      if (option !== undefined && takesValue(option) && !word.includes('=')) pendingValue = option;
      continue;
    }
    if (positional(word) === 'stop') return undefined;
  }
  return { pendingValue, afterDashes };
}

/** Complete the words after `wash`; `words` ends with the word being completed. */
export async function complete(world: CompletionWorld, words: readonly string[]): Promise<Completion> {
  const prior = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  let i = 0;
  // Global options come before the plugin or command word.
  while (i < prior.length && prior[i]!.startsWith('-') && prior[i] !== '-') {
    if (prior[i] === '--') {
      i++;
      break;
    }
    const option = findOption(world.globalOptions, prior[i]!);
    i += option?.takesValue && !prior[i]!.includes('=') ? 2 : 1;
  }
  if (i > prior.length) {
    // The word being completed is the value of the last global option.
    const option = findOption(world.globalOptions, prior.at(-1)!);
    return option ? valueCompletion(world, option.value, current) : { candidates: [] };
  }
  if (i === prior.length) {
    if (current.startsWith('-')) {
      const option = current.includes('=') ? findOption(world.globalOptions, current) : undefined;
      if (option?.takesValue) return inlineValue(current, (value) => valueCompletion(world, option.value, value));
      return { candidates: matching(optionWords(world.globalOptions), current) };
    }
    return {
      candidates: matching(
        [
          ...world.hostCommands.map((c) => ({ word: c.name, description: c.description })),
          ...world.plugins.map((p) => ({ word: p.metadata.name, description: oneLine(p.metadata.description) })),
        ],
        current,
      ),
    };
  }
  const name = prior[i]!;
  const rest = prior.slice(i + 1);
  const host = world.hostCommands.some((c) => c.name === name) ? await world.hostCommand(name) : undefined;
  if (host) return completeHost(world, host, rest, current);
  const plugin = world.plugins.find((p) => p.metadata.name === name);
  if (plugin) return completePlugin(plugin.metadata, rest, current);
  return { candidates: [] };
}

async function completeHost(world: CompletionWorld, root: HostCommand, prior: readonly string[], current: string): Promise<Completion> {
  let command = root;
  const positionals: string[] = [];
  const walked = walkWords(
    prior,
    (word) => findOption(command.options, word) ?? findOption(world.globalOptions, word),
    (option) => option.takesValue,
    (word) => {
      const sub = positionals.length === 0 ? command.subcommands.find((c) => c.name === word || c.aliases.includes(word)) : undefined;
      if (sub) {
        command = sub;
        return;
      }
      positionals.push(word);
      // `wash help <plugin> ...` and `wash plugin test <file> ...` hand the rest to a plugin.
      if (command.rawAfterFirst) return 'stop';
    },
  );
  if (!walked) return { candidates: [] };
  const { pendingValue, afterDashes } = walked;
  if (pendingValue) return valueCompletion(world, pendingValue.value, current);
  if (command.name === 'help' && command === root && positionals.length > 0) return completeHelp(world, positionals, current);
  if (current.startsWith('-') && !afterDashes) {
    const option = current.includes('=') ? findOption(command.options, current) : undefined;
    if (option?.takesValue) return inlineValue(current, (value) => valueCompletion(world, option.value, value));
    return { candidates: matching([...optionWords(command.options), { word: '--help', description: 'show help' }], current) };
  }
  if (positionals.length === 0 && command.subcommands.length > 0) {
    return {
      candidates: matching(
        command.subcommands.map((c) => ({ word: c.name, description: c.description })),
        current,
      ),
    };
  }
  const kind = command.args[positionals.length] ?? (command.variadic ? command.args.at(-1) : undefined);
  return kind ? valueCompletion(world, kind, current) : { candidates: [] };
}

/** `wash help <plugin|command> <words...>`: the words of a host command or of the plugin's commands. */
async function completeHelp(world: CompletionWorld, positionals: string[], current: string): Promise<Completion> {
  const [name, ...words] = positionals;
  const host = world.hostCommands.some((c) => c.name === name) ? await world.hostCommand(name!) : undefined;
  if (host) {
    let command: HostCommand | undefined = host;
    for (const w of words) command = command?.subcommands.find((c) => c.name === w || c.aliases.includes(w));
    return {
      candidates: matching(
        (command?.subcommands ?? []).map((c) => ({ word: c.name, description: c.description })),
        current,
      ),
    };
  }
  const plugin = world.plugins.find((p) => p.metadata.name === name);
  return plugin ? { candidates: matching(nextPathWords(plugin.metadata, words), current) } : { candidates: [] };
}

/** The words that may follow `path` in the plugin's command paths, described. */
function nextPathWords(m: Metadata, path: readonly string[]): Candidate[] {
  const below = m.commands.filter((c) => c.path.length > path.length && startsWith(c.path, path));
  const words = [...new Set(below.map((c) => c.path[path.length]!))];
  return words.map((word) => {
    const own = below.find((c) => c.path.length === path.length + 1 && c.path[path.length] === word);
    const group = (m.groups ?? []).find((g) => g.path.length === path.length + 1 && startsWith(g.path, [...path, word]));
    const count = below.filter((c) => c.path[path.length] === word).length;
    const description = own?.description ?? group?.description;
    return { word, description: description !== undefined ? oneLine(description) : `${count} command${count === 1 ? '' : 's'}` };
  });
}

const flagName = (f: Flag) => `--${f.long}`;

function findFlag(command: Command | undefined, token: string): Flag | undefined {
  if (!command) return undefined;
  const name = optionName(token);
  return command.flags.find((f) => flagName(f) === name || (f.short !== undefined && `-${f.short}` === name));
}

/** What a flag's value or an argument takes: its choices when declared, else file names. */
function plainValue(item: object, current: string): Completion {
  const choices = choicesOf(item);
  return choices
    ? {
        candidates: matching(
          choices.map((word) => ({ word })),
          current,
        ),
      }
    : { candidates: [], files: 'files' };
}

/**
 * After `wash <plugin>`: its command paths, the chosen command's flags and
 * flag values, and its arguments. A command path is the words before the
 * first option, as the SDK parses it.
 */
export function completePlugin(m: Metadata, prior: readonly string[], current: string): Completion {
  const path: string[] = [];
  let i = 0;
  for (; i < prior.length && !prior[i]!.startsWith('-'); i++) {
    if (!m.commands.some((c) => c.path.length > path.length && startsWith(c.path, [...path, prior[i]!]))) break;
    path.push(prior[i]!);
  }
  // The command: the longest declared path that is a prefix of the words.
  let command: Command | undefined;
  for (let n = path.length; n >= 0 && !command; n--) command = m.commands.find((c) => c.path.length === n && startsWith(path, c.path));
  // Path words lead to longer commands: they are never taken as arguments here.
  const positionals: string[] = [];
  const { pendingValue, afterDashes } = walkWords(
    prior.slice(path.length),
    (word) => findFlag(command, word),
    (flag) => flag.valueName !== undefined,
    (word) => void positionals.push(word),
  )!;
  if (pendingValue) return plainValue(pendingValue, current);

  if (current.startsWith('-') && !afterDashes) {
    const flags = command?.flags ?? [];
    const inline = current.includes('=') ? findFlag(command, current) : undefined;
    if (inline?.valueName !== undefined) return inlineValue(current, (value) => plainValue(inline, value));
    const declaresHelp = flags.some((f) => f.long === 'help');
    return {
      candidates: matching(
        [
          ...flags.map((f) => ({ word: flagName(f), description: oneLine(f.description) })),
          ...(declaresHelp ? [] : [{ word: '--help', description: 'show help' }]),
        ],
        current,
      ),
    };
  }

  // Still on the command path: the next words, and the command's first argument if it has one here.
  const onPath = positionals.length === 0 && prior.length === path.length;
  const next = onPath ? nextPathWords(m, path) : [];
  const argument = command?.arguments[positionals.length] ?? (command?.arguments.at(-1)?.variadic ? command.arguments.at(-1) : undefined);
  const forArgument = argument && (command?.path.length === path.length || !onPath) ? plainValue(argument, current) : { candidates: [] };
  // Path words and file names together would bury the commands: files only past the path.
  return { candidates: matching([...next, ...forArgument.candidates], current), files: next.length > 0 ? undefined : forArgument.files };
}
