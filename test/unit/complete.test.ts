// The completion engine (src/cli/complete.ts) without a shell: what may
// come next after the words typed, from plugin metadata and a description
// of wash's commands. test/completion.test.ts runs the real scripts in
// bash, zsh and fish; this covers the engine's rules, hostile metadata
// included (a completion is inserted into the user's command line).
import { describe, expect, it } from 'vitest';
import { complete, completePlugin, oneLine, type CompletionWorld, type HostCommand, type HostOption } from '../../src/cli/complete.js';
import type { Command, Metadata } from '../../src/contract/metadata.js';
import { metadataOf } from './metadata-fixtures.js';

const command = (path: string[], more: Partial<Command> = {}): Command => ({
  path,
  description: `${path.join(' ')} it`,
  flags: [],
  arguments: [],
  examples: [],
  ...more,
});
const plugin = (name: string, commands: Command[], more: Partial<Metadata> = {}): Metadata =>
  metadataOf({ id: `dev.x.${name}`, name, description: `the ${name} plugin`, commands, ...more });

const keys = plugin(
  'keys',
  [
    command(['gen'], {
      flags: [
        {
          long: 'type',
          short: 't',
          description: 'key type',
          valueName: 'type',
          required: false,
          choices: ['user', 'account', 'bad word', '$(rm -rf ~)', "it's", '`id`', 'a;b'],
          repeatable: false,
        },
        { long: 'out', description: 'file', valueName: 'file', required: false, choices: [], repeatable: false },
        { long: 'force', short: 'f', description: 'overwrite', required: false, choices: [], repeatable: false },
      ],
      arguments: [{ name: 'name', description: '', required: false, variadic: false }],
    }),
    command(['list']),
    command(['team', 'add']),
    command(['team', 'rm']),
    command(['cfg', 'get'], { arguments: [{ name: 'key', description: '', required: true, variadic: false }] }),
    command(['cfg']),
  ],
  { groups: [{ path: ['team'], description: 'the team' }] },
);

const words = (c: { candidates: { word: string }[] }) => c.candidates.map((x) => x.word);

describe('after `wash <plugin>`', () => {
  it('the first words are its command paths, described; a group by its description or its count', () => {
    const r = completePlugin(keys, [], '');
    expect(r.candidates).toEqual([
      { word: 'gen', description: 'gen it' },
      { word: 'list', description: 'list it' },
      { word: 'team', description: 'the team' },
      { word: 'cfg', description: 'cfg it' },
    ]);
    expect(r.files).toBeUndefined();
    expect(words(completePlugin(keys, ['team'], ''))).toEqual(['add', 'rm']);
    expect(words(completePlugin(keys, ['team'], 'a'))).toEqual(['add']);
    expect(completePlugin(plugin('p', [command(['a', 'x']), command(['a', 'y'])]), [], '').candidates).toEqual([{ word: 'a', description: '2 commands' }]);
  });

  it("a command that is also a group offers its subcommands, and its argument's files only past them", () => {
    expect(completePlugin(keys, ['cfg'], '')).toEqual({ candidates: [{ word: 'get', description: 'cfg get it' }], files: undefined });
    expect(completePlugin(keys, ['cfg', 'get'], '')).toEqual({ candidates: [], files: 'files' });
    expect(completePlugin(keys, ['cfg', 'get', 'k'], '')).toEqual({ candidates: [] }); // no second argument
  });

  it('flags of the chosen command, and --help unless it declares one', () => {
    expect(words(completePlugin(keys, ['gen'], '-'))).toEqual(['--type', '--out', '--force', '--help']);
    expect(words(completePlugin(keys, ['gen'], '--f'))).toEqual(['--force']);
    expect(
      words(
        completePlugin(
          plugin('h', [command([], { flags: [{ long: 'help', description: 'mine', required: false, choices: [], repeatable: false }] })]),
          [],
          '--',
        ),
      ),
    ).toEqual(['--help']);
  });

  it('a flag value: its plain choices only (nothing a shell would run or split), else files', () => {
    expect(completePlugin(keys, ['gen', '--type'], '')).toEqual({ candidates: [{ word: 'user' }, { word: 'account' }] });
    expect(completePlugin(keys, ['gen', '-t'], 'a')).toEqual({ candidates: [{ word: 'account' }] });
    expect(completePlugin(keys, ['gen'], '--type=')).toEqual({ candidates: [{ word: '--type=user' }, { word: '--type=account' }], files: undefined });
    // No choices (`[]`, as validateMetadata gives every flag without them) means any value: file names.
    expect(completePlugin(keys, ['gen', '--out'], '')).toEqual({ candidates: [], files: 'files' });
    expect(completePlugin(keys, ['gen'], '--out=')).toEqual({ candidates: [], files: 'files' });
    // Choices declared, none of them plain: nothing to offer, and no files either.
    const odd = plugin('odd', [command([], { flags: [{ long: 'x', description: '', valueName: 'v', required: false, choices: ['a b'], repeatable: false }] })]);
    expect(completePlugin(odd, ['--x'], '')).toEqual({ candidates: [] });
    // A switch takes no value: the next word is the argument.
    expect(completePlugin(keys, ['gen', '--force'], '')).toEqual({ candidates: [], files: 'files' });
    // After `--` a dash is data.
    expect(completePlugin(keys, ['gen', '--'], '-')).toEqual({ candidates: [], files: 'files' });
  });

  it('hostile descriptions: one line, escaped, at most 100 characters', () => {
    const evil = plugin('evil', [command(['x'], { description: `\u001b[2J${'a'.repeat(300)}\nsecond line` })]);
    const [candidate] = completePlugin(evil, [], '').candidates;
    expect(candidate!.description).toBe(`\\u{1b}[2J${'a'.repeat(90)}…`);
    expect(oneLine('a\rb\nc')).toBe('a\\u{d}b');
    expect(oneLine('')).toBe('');
  });
});

describe('from the top: global options, wash commands, plugins', () => {
  const globalOptions: HostOption[] = [
    { long: '--output', short: '-o', description: 'format', takesValue: true, value: { choices: ['text', 'json'] } },
    { long: '--config', description: 'config file', takesValue: true, value: 'files' },
    { long: '--no-prompt', description: 'never ask', takesValue: false, value: 'none' },
  ];
  const pluginCommand: HostCommand = {
    name: 'plugin',
    aliases: [],
    description: 'manage plugins',
    options: [],
    args: [],
    variadic: false,
    subcommands: [
      {
        name: 'install',
        aliases: ['add'],
        description: 'install one',
        options: [{ long: '--force', description: 'replace', takesValue: false, value: 'none' }],
        args: ['plugins-or-files'],
        variadic: false,
        subcommands: [],
      },
      { name: 'uninstall', aliases: ['rm'], description: 'remove one', options: [], args: ['installed'], variadic: true, subcommands: [] },
      { name: 'test', aliases: [], description: 'run a file', options: [], args: ['files'], variadic: false, subcommands: [], rawAfterFirst: true },
    ],
  };
  const helpCommand: HostCommand = { name: 'help', aliases: [], description: 'help', options: [], args: ['help'], variadic: false, subcommands: [] };
  const loginCommand: HostCommand = {
    name: 'login',
    aliases: [],
    description: 'log in',
    options: [{ long: '--provider', description: 'who', takesValue: true, value: 'providers' }],
    args: [],
    variadic: false,
    subcommands: [],
  };
  const hosts = [pluginCommand, helpCommand, loginCommand];
  const world: CompletionWorld = {
    globalOptions,
    hostCommands: hosts.map((h) => ({ name: h.name, description: h.description })),
    plugins: [
      { metadata: keys, installed: false },
      { metadata: plugin('oauth', [command(['login'])], { providesCredentials: true }), installed: false },
      { metadata: plugin('mine', [command(['go'])], { description: 'x\u001b[31m\nnext' }), installed: true },
    ],
    hostCommand: async (name) => hosts.find((h) => h.name === name),
  };
  const at = (...typed: string[]) => complete(world, typed);

  it('the first word: wash commands and plugins; a dash: the global options', async () => {
    expect(words(await at(''))).toEqual(['plugin', 'help', 'login', 'keys', 'oauth', 'mine']);
    expect((await at('mi')).candidates).toEqual([{ word: 'mine', description: 'x\\u{1b}[31m' }]);
    expect(words(await at('-'))).toEqual(['--output', '-o', '--config', '--no-prompt']);
  });

  it("a global option's value, separate or inline; then the plugin word", async () => {
    expect(words(await at('-o', ''))).toEqual(['text', 'json']);
    expect(words(await at('--output=j'))).toEqual(['--output=json']);
    expect(await at('--config', '')).toEqual({ candidates: [], files: 'files' });
    expect(words(await at('-o', 'json', '--no-prompt', 'k'))).toEqual(['keys']);
    expect(words(await at('-o', 'json', 'keys', 'te'))).toEqual(['team']);
    expect(words(await at('--', ''))).toEqual(['plugin', 'help', 'login', 'keys', 'oauth', 'mine']);
  });

  it("wash commands: subcommands (aliases too), their options, their arguments' kinds", async () => {
    expect(words(await at('plugin', ''))).toEqual(['install', 'uninstall', 'test']);
    expect(words(await at('plugin', 'install', '-'))).toEqual(['--force', '--help']);
    expect(await at('plugin', 'add', '')).toEqual({ candidates: expect.arrayContaining([{ word: 'keys', description: 'the keys plugin' }]), files: 'files' });
    expect(words(await at('plugin', 'rm', 'mine', ''))).toEqual(['mine']); // variadic: installed plugins again
    expect(words(await at('login', '--provider', ''))).toEqual(['oauth']);
    expect(await at('plugin', 'test', 'x.wasm', '')).toEqual({ candidates: [] }); // the rest is the plugin's
    expect(await at('nonsense', '')).toEqual({ candidates: [] });
  });

  it('wash help <plugin|command> <words...>', async () => {
    expect(words(await at('help', ''))).toEqual(['plugin', 'login', 'keys', 'oauth', 'mine']);
    expect(words(await at('help', 'plugin', ''))).toEqual(['install', 'uninstall', 'test']);
    expect(words(await at('help', 'keys', 'team', ''))).toEqual(['add', 'rm']);
    expect(await at('help', 'nope', '')).toEqual({ candidates: [] });
  });
});
