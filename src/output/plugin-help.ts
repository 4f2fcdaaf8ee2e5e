import type { Command, Flag, Metadata } from '../plugin-host/metadata.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold } from '../util/style.js';

const usageOfArgument = (a: Command['arguments'][number]) => {
  const name = `${esc(a.name)}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
};

const flagLabel = (f: Flag) =>
  `${f.short ? `-${esc(f.short)}, ` : '    '}--${esc(f.long)}${f.valueName !== undefined ? ` <${esc(f.valueName)}>` : ''}`;

function section(title: string, rows: [string, string][]): string[] {
  if (rows.length === 0) return [];
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)));
  return ['', bold(`${title}:`), ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`.trimEnd())];
}

const commandWords = (c: Command) => c.path.map((w) => esc(w)).join(' ');

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
  const access = describeAccess(m);
  if (access.length) lines.push(...section('Access requested', access));
  const about = [m.url && `Docs: ${esc(m.url)}`, m.contact && `Contact: ${esc(m.contact)}`, m.license && `License: ${esc(m.license)}`];
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
      c.arguments.map((a) => [usageOfArgument(a), esc(a.description)]),
    ),
    ...section(
      'Options',
      c.flags.map((f) => {
        const notes = [f.required ? 'required' : '', f.default !== undefined ? `default: ${esc(f.default)}` : ''].filter(Boolean);
        return [flagLabel(f), `${esc(f.description)}${notes.length ? ` (${notes.join(', ')})` : ''}`];
      }),
    ),
    ...(c.examples.length ? ['', bold('Examples:'), ...c.examples.map((e) => `  ${esc(e)}`)] : []),
  ];
}

/** Help for one command of a plugin. */
export function renderCommandHelp(m: Metadata, c: Command): string {
  return renderCommandBody(m, c).join('\n');
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

/**
 * If argv asks for help (`--help`/`-h` before any `--`, and the command it
 * lands on does not declare that flag itself), the command to show help for.
 * `null` means the plugin overview.
 */
export function helpRequest(m: Metadata, argv: readonly string[]): Command | null | undefined {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  // A plugin with a top-level command runs it; one made of subcommands shows its overview.
  if (argv.length === 0) return m.commands.some((c) => c.path.length === 0) ? undefined : null;
  const index = head.findIndex((t) => t === '--help' || t === '-h');
  if (index === -1) return undefined;
  const words: string[] = [];
  for (const t of head) {
    if (t.startsWith('-')) break;
    words.push(t);
  }
  for (let n = words.length; n >= 0; n--) {
    const command = m.commands.find((c) => c.path.length === n && c.path.every((w, i) => w === words[i]));
    if (!command) continue;
    const declares = command.flags.some((f) => (head[index] === '-h' ? f.short === 'h' : f.long === 'help'));
    if (declares) return undefined;
    return n === 0 ? null : command;
  }
  return null;
}
