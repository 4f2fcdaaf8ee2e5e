// Which help text for which argv (src/output/plugin-help.ts): `--help`
// anywhere before `--`, a group named alone, a plugin made of subcommands
// run bare; the hint a usage error points to; and what help renders from
// metadata a plugin wrote (escaped, bounded).
import { describe, expect, it } from 'vitest';
import {
  describeAccess,
  helpRequest,
  helpTargetOf,
  renderCommandHelp,
  renderGroupHelp,
  renderHelpTarget,
  renderPluginHelp,
  usageHint,
} from '../../src/output/plugin-help.js';
import { renderRootHelp } from '../../src/cli/root-help.js';
import type { Command, Flag, Metadata } from '../../src/contract/metadata.js';
import { metadataOf } from './metadata-fixtures.js';
import type { Catalog } from '../../src/plugin-host/catalog.js';

// Help is styled only on a terminal; these compare plain text.
process.env.NO_COLOR = '1';

const flag = (long: string, more: Partial<Flag> = {}): Flag => ({ long, description: `the ${long}`, required: false, choices: [], repeatable: false, ...more });
const command = (path: string[], more: Partial<Command> = {}): Command => ({
  path,
  description: `${path.join(' ') || 'root'} command`,
  flags: [],
  arguments: [],
  examples: [],
  ...more,
});
const metadata = (commands: Command[], more: Partial<Metadata> = {}): Metadata =>
  metadataOf({ id: 'dev.example.kit', name: 'kit', description: 'a kit', commands, ...more });

const kit = metadata(
  [
    command(['list'], { flags: [flag('output', { short: 'o', valueName: 'format', choices: ['text', 'json'] })] }),
    command(['team', 'add'], {
      arguments: [{ name: 'name', description: 'who', required: true, variadic: false }],
      flags: [flag('output', { short: 'o', valueName: 'format', choices: ['text', 'json'] })],
    }),
    command(['team', 'rm'], { flags: [flag('output', { short: 'o', valueName: 'format', choices: ['text', 'json'] })] }),
    command(['echo'], { flags: [flag('help', { short: 'h' })], arguments: [{ name: 'words', description: '', required: false, variadic: true }] }),
    command(['repo'], { arguments: [{ name: 'name', description: '', required: false, variadic: false }] }),
    command(['repo', 'clone']),
  ],
  { groups: [{ path: ['team'], description: 'Manage the team' }] },
);

/** The target as a short string: `plugin`, `command team add`, `group team`, or `none`. */
const target = (argv: string[], m: Metadata = kit) => {
  const t = helpRequest(m, argv);
  if (!t) return 'none';
  return t.kind === 'plugin' ? 'plugin' : t.kind === 'command' ? `command ${t.command.path.join(' ')}` : `group ${t.path.join(' ')}`;
};

describe('which help for which argv', () => {
  const table: [string[], string][] = [
    [[], 'plugin'], // only subcommands: the overview
    [['--help'], 'plugin'],
    [['-h'], 'plugin'],
    [['list', '--help'], 'command list'],
    [['list', '-o', 'json', '-h'], 'command list'],
    [['team', '--help'], 'group team'],
    [['team'], 'group team'], // a group named alone, as gh and cargo do
    [['team', 'add', '--help'], 'command team add'],
    [['team', '-o', 'json', 'add', '--help'], 'command team add'], // a shared option between the words
    [['team', 'add', 'ada', '--help'], 'command team add'],
    [['--help', 'team', 'add'], 'plugin'], // the words after --help name nothing: it comes first
    [['team', 'nope', '--help'], 'group team'], // the deepest that exists
    [['nope', '--help'], 'plugin'],
    [['list', '--', '--help'], 'none'], // after -- it is data
    [['team', '--'], 'none'],
    [['list'], 'none'], // a command runs
    [['team', 'add'], 'none'],
    [['team', 'add', 'ada'], 'none'],
    [['echo', '--help'], 'none'], // echo declares --help itself
    [['echo', '-h'], 'none'],
    [['repo'], 'none'], // a command that is also a prefix runs
    [['repo', 'clone', '--help'], 'command repo clone'],
  ];
  it.each(table.map((row) => [row[0].join(' ') || '(nothing)', ...row] as const))('%s -> %s', (_label, argv, expected) => {
    expect(target(argv)).toBe(expected);
  });

  it('a plugin with a top-level command runs it bare; --help shows it unless it declares --help', () => {
    const tool = metadata([command([], { flags: [flag('verbose', { short: 'v' })] }), command(['sub'])]);
    expect(target([], tool)).toBe('none');
    expect(target(['--help'], tool)).toBe('plugin');
    expect(target(['-v', '--help'], tool)).toBe('plugin');
    const own = metadata([command([], { flags: [flag('help')] })]);
    expect(target(['--help'], own)).toBe('none');
    expect(target(['-h'], own)).toBe('plugin'); // it declares --help, not -h
  });

  it('words naming a group under a command that takes arguments are its arguments, unless help is asked', () => {
    const m = metadata([command(['get'], { arguments: [{ name: 'what', description: '', required: false, variadic: true }] }), command(['get', 'x', 'one'])]);
    expect(target(['get', 'x'], m)).toBe('none');
    expect(target(['get', 'x', '--help'], m)).toBe('group get x');
    expect(target(['get', 'y', '--help'], m)).toBe('command get');
  });

  it('helpTargetOf never throws on argv that does not parse', () => {
    expect(helpTargetOf(kit, ['team', '-o'])).toEqual({ kind: 'group', path: ['team'] });
    expect(helpTargetOf(kit, ['--bogus', 'list'])).toEqual({ kind: 'plugin' });
    expect(helpTargetOf(kit, ['\u001b[2J'])).toEqual({ kind: 'plugin' });
  });

  it('a usage error hints at the help of what argv names', () => {
    expect(usageHint(kit, ['team', 'add', '--bogus'])).toBe("see 'wash kit team add --help'");
    expect(usageHint(kit, ['team', 'bogus'])).toBe("see 'wash kit team --help'");
    expect(usageHint(kit, ['bogus'])).toBe("see 'wash kit --help'");
  });
});

describe('help text', () => {
  it('the overview: commands with their arguments, groups, access, and where to go next', () => {
    const m = metadata(
      [
        command(['a'], {
          arguments: [
            { name: 'x', description: '', required: true, variadic: false },
            { name: 'ys', description: '', required: false, variadic: true },
          ],
        }),
        command(['g', 'b']),
      ],
      {
        groups: [{ path: ['g'], description: 'the g things' }],
        url: 'https://kit.example',
        access: {
          env: [{ name: 'TOKEN', reason: 'auth' }],
          scratchDir: 'cache',
          paths: [{ path: '~/kit', access: 'read-only', reason: 'config' }],
          outgoingHttp: [],
          hostExec: [{ binary: 'git', reason: 'clone' }],
        },
      },
    );
    expect(renderPluginHelp(m).split('\n')).toEqual([
      'kit 1.0.0  a kit',
      '',
      'Usage: wash kit <command> [options]',
      '',
      'Commands:',
      '  a <x> [ys...]  a command',
      '  g b            g b command',
      '',
      'Command groups:',
      '  g <command>  the g things',
      '',
      'Access requested:',
      '  scratch dir  cache',
      '  env TOKEN    auth',
      '  read ~/kit   config',
      '  run git      clone',
      '',
      'Docs: https://kit.example',
      "Run 'wash kit <command> --help' for more on a command.",
    ]);
  });

  it('a command: usage, arguments, options with their notes, examples', () => {
    const c = command(['deploy'], {
      arguments: [{ name: 'app', description: 'which app', required: true, variadic: false, env: 'APP', default: 'web' }],
      flags: [
        flag('region', { short: 'r', valueName: 'r', default: 'eu', env: 'REGION', choices: ['eu', 'us'], required: true }),
        flag('tag', { valueName: 'tag', repeatable: true }),
        flag('output', { valueName: 'text|json', choices: ['text', 'json'] }),
      ],
      examples: ['wash kit deploy web'],
    });
    expect(renderCommandHelp(metadata([c]), c).split('\n')).toEqual([
      'deploy command',
      '',
      'Usage: wash kit deploy [options] <app>',
      '',
      'Arguments:',
      '  <app>  which app (default: web; env: APP)',
      '',
      'Options:',
      '  -r, --region <r>          the region (one of: eu, us; default: eu; env: REGION; required)',
      '      --tag <tag>...        the tag (repeatable)',
      '      --output <text|json>  the output',
      '',
      'Examples:',
      '  wash kit deploy web',
    ]);
  });

  it('a group: its declared description, or one made up, and the commands below it', () => {
    expect(renderGroupHelp(kit, ['team']).split('\n')).toEqual([
      'Manage the team',
      '',
      'Usage: wash kit team <command> [options]',
      '',
      'Commands:',
      '  add <name>  team add command',
      '  rm          team rm command',
      '',
      "Run 'wash kit team <command> --help' for more on a command.",
    ]);
    expect(renderHelpTarget(kit, { kind: 'group', path: ['repo'] }).split('\n')[0]).toBe("Commands under 'repo'");
  });

  it('everything the plugin wrote is escaped: no escape sequence, bidi override or line break reaches the terminal', () => {
    const evil = '\u001b[2J\u001b]0;pwned\u0007\u202e\n\rwash: allow? [y/N]';
    const c = command(['x'], {
      description: evil,
      arguments: [{ name: evil, description: evil, required: true, variadic: false, default: evil, env: evil }],
      flags: [flag('f', { description: evil, valueName: evil, default: evil, env: evil, choices: [evil] })],
      examples: [evil],
    });
    const m = metadata([c, command(['y'])], {
      description: evil,
      version: evil,
      url: evil,
      contact: evil,
      license: evil,
      groups: [{ path: ['x'], description: evil }],
      access: {
        env: [{ name: evil, reason: evil }],
        scratchDir: evil,
        paths: [{ path: evil, access: 'read-write', reason: evil }],
        outgoingHttp: [{ host: evil, reason: evil }],
        hostExec: [{ binary: evil, reason: evil }],
        incomingHttp: evil,
      },
    });
    for (const text of [renderPluginHelp(m), renderCommandHelp(m, c), renderGroupHelp(m, ['x']), usageHint(metadata([command([evil])]), [evil])]) {
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      // Only help's own layout breaks lines: never inside the plugin's text.
      for (const line of text.split('\n')) expect(line).not.toMatch(/^wash: allow/);
      expect(text).toContain('\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{202e}\\n\\u{d}wash: allow? [y/N]');
    }
  });

  it('a rambling access reason is cut at 160 characters, saying how long it was', () => {
    const rows = describeAccess(metadata([], { access: { env: [{ name: 'A', reason: 'r'.repeat(500) }], paths: [], outgoingHttp: [], hostExec: [] } }));
    expect(rows).toEqual([['env A', `${'r'.repeat(160)}… (500 characters)`]]);
    const exact = describeAccess(metadata([], { access: { env: [{ name: 'A', reason: 'r'.repeat(160) }], paths: [], outgoingHttp: [], hostExec: [] } }));
    expect(exact[0]![1]).toBe('r'.repeat(160));
  });

  it('wash --help lists plugins sorted, escaped; none found says so', () => {
    const entry = (m: Metadata) => ({ component: { metadata: m } }) as never;
    const catalog = (ms: Metadata[]): Catalog => ({ plugins: new Map(ms.map((m) => [m.name, entry(m)])), rejected: [] });
    const text = renderRootHelp(catalog([metadata([], { name: 'zed', description: 'last' }), metadata([], { name: 'abc', description: 'x\u001b[31my' })]));
    const plugins = text.split('\n').slice(text.split('\n').indexOf('Plugins:') + 1, -2);
    expect(plugins).toEqual(['  abc  x\\u{1b}[31my', '  zed  last']);
    expect(text.split('\n')[0]).toBe('Usage: wash [options] <plugin|command> [args...]');
    expect(renderRootHelp(catalog([]))).toContain('Plugins:\n  (none found)');
  });
});
