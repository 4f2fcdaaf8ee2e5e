// The argv parser plugins built with the SDK use, and the host uses for
// foreign contracts (plugin-sdk/src/args.ts): a table of argv -> result or
// usage error, without spawning wash.
import { describe, expect, it } from 'vitest';
import { commandWordsOf, parseArgv, UsageError, type ParserCommand, type ParserFlag } from '@wash/plugin-sdk/args';

/** What the SDK adds to every command that does not declare `-o`/`--output` itself. */
const OUTPUT: ParserFlag = { long: 'output', short: 'o', valueName: 'format', choices: ['text', 'json'], required: false };

const commands: ParserCommand[] = [
  {
    path: ['gen'],
    flags: [
      { long: 'save', short: 's', valueName: 'name', required: false },
      { long: 'number', short: 'n', valueName: 'n', default: '1', required: false },
      { long: 'force', short: 'f', required: false },
      { long: 'quiet', short: 'q', required: false },
      { long: 'tag', short: 't', valueName: 'tag', required: false, repeatable: true },
      { long: 'verbose', required: false },
      OUTPUT,
    ],
    arguments: [{ name: 'type', required: false, variadic: false }],
  },
  {
    path: ['calc'],
    flags: [{ long: 'offset', valueName: 'n', required: false }, { long: 'five', short: '5', required: false }, OUTPUT],
    arguments: [{ name: 'numbers', required: false, variadic: true }],
  },
  {
    path: ['team', 'add'],
    flags: [{ long: 'verbose', short: 'v', required: false }, { long: 'role', valueName: 'r', required: false }, OUTPUT],
    arguments: [{ name: 'name', required: true, variadic: false }],
  },
  { path: ['team', 'rm'], flags: [{ long: 'verbose', short: 'v', required: false }, OUTPUT], arguments: [{ name: 'name', required: true, variadic: false }] },
  { path: ['team', 'list'], flags: [{ long: 'verbose', short: 'v', required: false }, OUTPUT], arguments: [] },
  // Declares its own -o: the SDK adds no --output here.
  { path: ['copy'], flags: [{ long: 'out', short: 'o', valueName: 'file', required: true }], arguments: [] },
];

type Flags = Record<string, unknown>;
const parse = (argv: string[]) => parseArgv(commands, argv);
/** argv -> the command path, the flags given (absent ones dropped), and the arguments. */
function parsed(argv: string[]): { path: string; flags: Flags; args: Record<string, unknown> } {
  const r = parse(argv);
  const flags = Object.fromEntries(Object.entries(r.flags).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  return { path: r.command.path.join(' '), flags, args: r.args };
}

describe('argv parsing: accepted forms (table)', () => {
  const table: [string[], string, Flags, Record<string, unknown>][] = [
    // --flag=value, --flag value, -n value, -n2, -n=2
    [['gen', '--save=alice'], 'gen', { save: 'alice', number: '1' }, { type: undefined }],
    [['gen', '--save', 'alice', 'user'], 'gen', { save: 'alice', number: '1' }, { type: 'user' }],
    [['gen', '-n', '2'], 'gen', { number: '2' }, { type: undefined }],
    [['gen', '-n2'], 'gen', { number: '2' }, { type: undefined }],
    [['gen', '-n=2'], 'gen', { number: '2' }, { type: undefined }],
    [['gen', '--save='], 'gen', { save: '', number: '1' }, { type: undefined }],
    // bundled short switches, the last one may take a value (attached or the next token)
    [['gen', '-fq'], 'gen', { force: true, quiet: true, number: '1' }, { type: undefined }],
    [['gen', '-fn', '2'], 'gen', { force: true, number: '2' }, { type: undefined }],
    [['gen', '-fqn2', 'user'], 'gen', { force: true, quiet: true, number: '2' }, { type: 'user' }],
    [['gen', '-sn', '2'], 'gen', { save: 'n', number: '1' }, { type: '2' }], // -s takes a value: "n" is it
    // repeatable flags collect in order, in every form
    [['gen', '-t', 'a', '--tag=b', '-tc', '--tag', 'd'], 'gen', { tag: ['a', 'b', 'c', 'd'], number: '1' }, { type: undefined }],
    // negative numbers are values: as positionals and as a flag's value
    [['calc', '-5', '-1.5', '3'], 'calc', { five: true }, { numbers: ['-1.5', '3'] }], // -5 is declared (--five), so it is that flag
    [['calc', '--offset', '-3', '-2e3'], 'calc', { offset: '-3' }, { numbers: ['-2e3'] }],
    [['gen', '-n', '-1'], 'gen', { number: '-1' }, { type: undefined }],
    [['gen', '--', '-fq'], 'gen', { number: '1' }, { type: '-fq' }],
    [['gen', '-'], 'gen', { number: '1' }, { type: '-' }],
    // -o/--output: an ordinary declared flag, in every form
    [['gen', '-o', 'json'], 'gen', { number: '1', output: 'json' }, { type: undefined }],
    [['gen', '-ojson'], 'gen', { number: '1', output: 'json' }, { type: undefined }],
    [['gen', '--output=text', 'user'], 'gen', { number: '1', output: 'text' }, { type: 'user' }],
    [['copy', '-o', 'x.txt'], 'copy', { out: 'x.txt' }, {}],
    // options before the command words, when every command they could still name declares them alike
    [['team', '-o', 'json', 'list'], 'team list', { output: 'json' }, {}],
    [['team', '--verbose', 'add', 'ada'], 'team add', { verbose: true }, { name: 'ada' }],
    [['team', '-v', '-o', 'json', 'rm', 'ada'], 'team rm', { verbose: true, output: 'json' }, { name: 'ada' }],
    [['team', '-vojson', 'list'], 'team list', { verbose: true, output: 'json' }, {}],
    [['team', 'add', 'ada', '--role', 'boss', '-v'], 'team add', { verbose: true, role: 'boss' }, { name: 'ada' }],
  ];
  it.each(table.map((row) => [row[0].join(' '), ...row] as const))('%s', (_label, argv, path, flags, args) => {
    expect(parsed(argv)).toEqual({ path, flags, args });
  });

  it('-o before the command when every command takes it alike (here `copy` has its own -o: see the errors)', () => {
    const withoutCopy = commands.filter((c) => c.path[0] !== 'copy');
    expect(parseArgv(withoutCopy, ['-o', 'json', 'gen', 'user'])).toMatchObject({
      command: { path: ['gen'] },
      flags: { output: 'json' },
      args: { type: 'user' },
    });
    expect(parseArgv(withoutCopy, ['--output=json', 'team', 'rm', 'ada'])).toMatchObject({ command: { path: ['team', 'rm'] }, flags: { output: 'json' } });
  });

  it('-5 is a number where the command has no -5 flag', () => {
    expect(parseArgv([{ path: ['n'], flags: [], arguments: [{ name: 'x', required: true, variadic: false }] }], ['n', '-5']).args).toEqual({ x: '-5' });
    expect(parsed(['calc', '-5']).flags).toEqual({ five: true });
  });
});

describe('argv parsing: usage errors (table)', () => {
  const table: [string[], string][] = [
    [['gen', '-x'], "unknown option '-x'"],
    [['gen', '-fx'], "unknown option '-x' (in '-fx')"],
    [['gen', '--bogus=1'], "unknown option '--bogus'"],
    [['gen', '--force=yes'], "option '--force' takes no value"],
    [['gen', '-f=1'], "option '--force' takes no value"],
    [['gen', '--save'], "option '--save' needs a value <name>"],
    [['gen', '-fn'], "option '--number' needs a value <n>"],
    [['gen', '--save', '--force'], "option '--save' needs a value <name>, not '--force' (to pass a value that starts with '-', write --save=--force)"],
    [['gen', '--save', '-x'], "option '--save' needs a value <name>, not '-x' (to pass a value that starts with '-', write --save=-x)"],
    [['gen', '-f', '-f'], "option '--force' given more than once"],
    [['gen', '-ff'], "option '--force' given more than once"],
    [['gen', '--save', 'a', '-sb'], "option '--save' given more than once"],
    [['gen', '-o', 'yaml'], "invalid value 'yaml' for '--output' (one of: text, json)"],
    [['copy'], "missing required option '--out'"],
    [['gen', 'a', 'b'], "unexpected argument 'b'"],
    // options before the command words that not every command there declares
    [['--save', 'x', 'gen'], "option '--save' goes after the command it belongs to (gen)"],
    [['team', '--role', 'boss', 'add', 'ada'], "option '--role' goes after the command it belongs to (team add)"],
    [['-o', 'x', 'copy'], "option '-o' goes after the command it belongs to (gen, calc, team add, ...)"],
    [['--nope', 'gen'], "unknown option '--nope' (and a missing command: one of gen, calc, team, copy)"],
    [['team', '-v'], "'team' needs a subcommand (one of: add, rm, list)"],
    [['team', 'kick'], "unknown command 'team kick'"],
    [['bogus'], "unknown command 'bogus' (one of: gen, calc, team, copy)"],
    [[], 'missing command (one of: gen, calc, team, copy)'],
  ];
  it.each(table.map((row) => [row[0].join(' ') || '(nothing)', ...row] as const))('%s', (_label, argv, message) => {
    let error: unknown;
    try {
      parse(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });
});

describe('command words (help and hints use the same reading)', () => {
  it('skips options every candidate command declares, stops at the others', () => {
    expect(commandWordsOf(commands, ['team', '-o', 'json', '-v', 'add', 'ada'])).toEqual(['team', 'add']);
    expect(commandWordsOf(commands, ['-o', 'json', 'team', 'add'])).toEqual([]); // copy's -o is another flag
    expect(commandWordsOf(commands, ['team', '--role', 'x', 'add'])).toEqual(['team']);
    expect(commandWordsOf(commands, ['gen', 'user', '--save', 'x'])).toEqual(['gen']);
    expect(commandWordsOf(commands, ['--', 'gen'])).toEqual([]);
    // Never throws (help and hints read argv that does not parse): a shared option missing its value ends the words.
    expect(commandWordsOf(commands, ['team', '-v', 'add', '--role', '--help'])).toEqual(['team', 'add']);
    expect(commandWordsOf(commands, ['team', '-o'])).toEqual(['team']);
    expect(commandWordsOf(commands, ['team', '-o', '--help', 'add'])).toEqual(['team']);
  });
});
