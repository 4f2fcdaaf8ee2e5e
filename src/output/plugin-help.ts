import type { Command, CommandGroup, Flag, Metadata } from '../contract/metadata.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold } from '../util/style.js';
// The command words as the plugin's own parser reads them (options every candidate command declares may come first).
import { commandWordsOf } from '@wash/plugin-sdk/args';

const usageOfArgument = (a: Command['arguments'][number]) => {
  const name = `${esc(a.name)}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
};

const flagLabel = (f: Flag) =>
  `${f.short ? `-${esc(f.short)}, ` : '    '}--${esc(f.long)}${f.valueName !== undefined ? ` <${esc(f.valueName)}>` : ''}${f.repeatable ? '...' : ''}`;

/** What help says about a flag besides its description: `(one of: a, b; default: a; env: X; repeatable; required)`. */
function flagNotes(f: Flag): string {
  const notes = [
    // (`<text|json>` already lists them)
    f.choices.length && f.valueName !== f.choices.join('|') ? `one of: ${f.choices.map((c) => esc(c)).join(', ')}` : '',
    f.default !== undefined ? `default: ${esc(f.default)}` : '',
    f.env !== undefined ? `env: ${esc(f.env)}` : '',
    f.repeatable ? 'repeatable' : '',
    f.required ? 'required' : '',
  ].filter(Boolean);
  return notes.length ? ` (${notes.join('; ')})` : '';
}

function argumentNotes(a: Command['arguments'][number]): string {
  const notes = [a.default !== undefined ? `default: ${esc(a.default)}` : '', a.env !== undefined ? `env: ${esc(a.env)}` : ''].filter(Boolean);
  return notes.length ? ` (${notes.join('; ')})` : '';
}

function section(title: string, rows: [string, string][]): string[] {
  if (rows.length === 0) return [];
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)));
  return ['', bold(`${title}:`), ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`.trimEnd())];
}

const commandWords = (c: { path: string[] }) => c.path.map((w) => esc(w)).join(' ');

/** `wash <plugin>` overview: what it is, its commands, what access it asks for. */
export function renderPluginHelp(m: Metadata): string {
  const root = m.commands.find((c) => c.path.length === 0);
  const subcommands = m.commands.filter((c) => c.path.length > 0);
  const lines = [`${bold(esc(m.name))} ${esc(m.version)}  ${esc(m.description)}`];
  if (root) lines.push('', ...renderCommandBody(m, root));
  if (subcommands.length > 0) {
    if (!root) lines.push('', `${bold('Usage:')} wash ${esc(m.name)} <command> [options]`);
    lines.push(
      ...section(
        'Commands',
        subcommands.map((c) => [[commandWords(c), ...c.arguments.map(usageOfArgument)].join(' '), esc(c.description)]),
      ),
    );
  }
  if (m.groups.length > 0) {
    lines.push(
      ...section(
        'Command groups',
        m.groups.map((g) => [`${commandWords(g)} <command>`, esc(g.description)]),
      ),
    );
  }
  const access = describeAccess(m);
  if (access.length) lines.push(...section('Access requested', access));
  const about = [m.url ? `Docs: ${esc(m.url)}` : '', m.contact ? `Contact: ${esc(m.contact)}` : '', m.license ? `License: ${esc(m.license)}` : ''];
  lines.push('', ...about.filter(Boolean));
  if (subcommands.length > 0) lines.push(`Run 'wash ${esc(m.name)} <command> --help' for more on a command.`);
  return lines.join('\n');
}

function renderCommandBody(m: Metadata, c: Command): string[] {
  const words = ['wash', esc(m.name), commandWords(c)].filter(Boolean).join(' ');
  const usage = [words, c.flags.length ? '[options]' : '', ...c.arguments.map(usageOfArgument)].filter(Boolean).join(' ');
  return [
    esc(c.description),
    '',
    `${bold('Usage:')} ${usage}`,
    ...section(
      'Arguments',
      c.arguments.map((a) => [usageOfArgument(a), `${esc(a.description)}${argumentNotes(a)}`]),
    ),
    ...section(
      'Options',
      c.flags.map((f) => [flagLabel(f), `${esc(f.description)}${flagNotes(f)}`]),
    ),
    ...(c.examples.length ? ['', bold('Examples:'), ...c.examples.map((e) => `  ${esc(e)}`)] : []),
  ];
}

const isCommandGroup = (c: Command | CommandGroup): c is CommandGroup => !('flags' in c);

/** Help for one command of a plugin, or for a group of commands (`wash <plugin> team member --help`). */
export function renderCommandHelp(m: Metadata, c: Command | CommandGroup): string {
  if (!isCommandGroup(c)) return renderCommandBody(m, c).join('\n');
  const words = c.path.map((w) => esc(w)).join(' ');
  const under = m.commands.filter((cmd) => cmd.path.length > c.path.length && startsWith(cmd.path, c.path));
  return [
    esc(c.description),
    '',
    `${bold('Usage:')} wash ${esc(m.name)} ${words} <command> [options]`,
    ...section(
      'Commands',
      under.map((cmd) => [
        [
          cmd.path
            .slice(c.path.length)
            .map((w) => esc(w))
            .join(' '),
          ...cmd.arguments.map(usageOfArgument),
        ].join(' '),
        esc(cmd.description),
      ]),
    ),
    '',
    `Run 'wash ${esc(m.name)} ${words} <command> --help' for more on a command.`,
  ].join('\n');
}

const MAX_REASON = 160;
/** A reason as shown in a table: escaped, and cut short if the plugin rambles. */
const reason = (text: string) => {
  const safe = esc(text);
  return safe.length > MAX_REASON ? `${safe.slice(0, MAX_REASON)}… (${text.length} characters)` : safe;
};

/** Rows describing what the plugin asks for, for help and inspect. */
export function describeAccess(m: Metadata): [string, string][] {
  const a = m.access;
  return [
    ...(a.scratchDir !== undefined ? [['scratch dir', reason(a.scratchDir)] as [string, string]] : []),
    ...a.env.map((e): [string, string] => [`env ${esc(e.name)}`, reason(e.reason)]),
    ...a.paths.map((p): [string, string] => [`${p.access === 'read-only' ? 'read' : 'read/write'} ${esc(p.path)}`, reason(p.reason)]),
    ...a.outgoingHttp.map((h): [string, string] => [`http ${esc(h.host)}`, reason(h.reason)]),
    ...a.hostExec.map((x): [string, string] => [`run ${esc(x.binary)}`, reason(x.reason)]),
    ...(a.incomingHttp !== undefined ? [['listen on loopback', reason(a.incomingHttp)] as [string, string]] : []),
  ];
}

/** What a help request lands on: the plugin overview, one command, or a group of commands (a shared path prefix). */
export type HelpTarget = { kind: 'plugin' } | { kind: 'command'; command: Command } | { kind: 'group'; path: string[] };

/**
 * The words that name a command, read as the SDK's parser reads them: up to
 * `--` or an option, except options every command those words could still
 * name declares alike (`wash keys -o json list`).
 */
const leadingWords = (m: Metadata, argv: readonly string[]) => commandWordsOf(m.commands, argv);

const startsWith = (path: readonly string[], prefix: readonly string[]) => prefix.length <= path.length && prefix.every((w, i) => w === path[i]);

/** Whether `path` is a group: no command of its own, but commands below it. */
function isGroup(m: Metadata, path: readonly string[]): boolean {
  return (
    path.length > 0 &&
    !m.commands.some((c) => c.path.length === path.length && startsWith(c.path, path)) &&
    m.commands.some((c) => c.path.length > path.length && startsWith(c.path, path))
  );
}

/**
 * The deepest command or group that the leading words of argv name (the
 * longest prefix that is one); the plugin overview when none is.
 */
export function helpTargetOf(m: Metadata, argv: readonly string[]): HelpTarget {
  const words = leadingWords(m, argv);
  for (let n = words.length; n > 0; n--) {
    const path = words.slice(0, n);
    const command = m.commands.find((c) => c.path.length === n && startsWith(c.path, path));
    if (command) return { kind: 'command', command };
    if (isGroup(m, path)) return { kind: 'group', path };
  }
  return { kind: 'plugin' };
}

/** `see 'wash <plugin> <path> --help'`: where a usage error in this argv should send the user. */
export function usageHint(m: Metadata, argv: readonly string[]): string {
  const target = helpTargetOf(m, argv);
  const path = target.kind === 'command' ? target.command.path : target.kind === 'group' ? target.path : [];
  return `see '${['wash', m.name, ...path].map((w) => esc(w)).join(' ')} --help'`;
}

/** Help for a group: its description (declared, or made up) and the commands below its path. */
export function renderGroupHelp(m: Metadata, path: readonly string[]): string {
  const described = m.groups.find((g) => g.path.length === path.length && startsWith(g.path, path));
  return renderCommandHelp(m, described ?? { path: [...path], description: `Commands under '${path.join(' ')}'` });
}

export function renderHelpTarget(m: Metadata, target: HelpTarget): string {
  if (target.kind === 'command') return renderCommandHelp(m, target.command);
  if (target.kind === 'group') return renderGroupHelp(m, target.path);
  return renderPluginHelp(m);
}

/**
 * If argv asks for help, what to show: `--help`/`-h` before any `--` (unless
 * the command it lands on declares that flag itself), argv naming a group of
 * commands and nothing else (`wash gh repo`, as gh and cargo do), or no argv
 * for a plugin made only of subcommands.
 */
export function helpRequest(m: Metadata, argv: readonly string[]): HelpTarget | undefined {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  // A plugin with a top-level command runs it; one made of subcommands shows its overview.
  if (argv.length === 0) return m.commands.some((c) => c.path.length === 0) ? undefined : { kind: 'plugin' };
  const index = head.findIndex((t) => t === '--help' || t === '-h');
  if (index === -1) {
    // Only words, naming exactly a group: its help, unless a shorter command would take them as arguments.
    if (end !== -1 || argv.some((t) => t.startsWith('-')) || !isGroup(m, argv)) return undefined;
    const takesArgs = m.commands.some((c) => c.path.length < argv.length && startsWith(argv, c.path) && c.arguments.length > 0);
    return takesArgs ? undefined : { kind: 'group', path: [...argv] };
  }
  const target = helpTargetOf(m, head);
  const command = target.kind === 'command' ? target.command : target.kind === 'plugin' ? m.commands.find((c) => c.path.length === 0) : undefined;
  const declares = command?.flags.some((f) => (head[index] === '-h' ? f.short === 'h' : f.long === 'help'));
  if (declares) return undefined;
  return target;
}
