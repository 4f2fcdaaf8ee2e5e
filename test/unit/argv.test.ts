// How wash reads argv: its global options up to the plugin name
// (src/cli/globals.ts), the one argv parser plugins and the host share
// (plugin-sdk/src/args.ts: what test/sdk-args.test.ts does not cover), the
// host filling in the Rust wash plugins' command records from it, and the
// `<file>` values the user named (src/plugin-host/argument-files.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GLOBALS, splitGlobals } from '../../src/cli/globals.js';
import { UsageError as WashUsageError } from '../../src/util/errors.js';
import { commandLineValues, commandWordsOf, matchCommand, parseArgv, UsageError, type ParserCommand } from '@wash/plugin-sdk/args';
import { parseWasmcloudWashArgv, prepareWasmcloudWashCall, theirHook } from '../../src/plugin-host/adapters/wasmcloud-wash/argv.js';
import type { WashArgument, WashCommand, WasmcloudWashInfo } from '../../src/plugin-host/adapters/wasmcloud-wash/describe.js';
import { checkArgumentFiles, fileArgumentValues, MAX_ARGUMENT_FILE, readArgumentFile } from '../../src/plugin-host/argument-files.js';
import type { Command } from '../../src/contract/metadata.js';

/** The UsageError `fn` throws (fails the test when it throws nothing or something else). */
function usageError(fn: () => unknown, type: new (...args: never[]) => Error = WashUsageError): Error {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as Error;
  }
  throw new Error('no usage error');
}

describe('global options: read up to the plugin name', () => {
  it('nothing given: the defaults, with a fresh grants object each time', () => {
    const a = splitGlobals([]);
    expect(a).toEqual({ globals: { ...DEFAULT_GLOBALS, allow: DEFAULT_GLOBALS.allow }, rest: [] });
    a.globals.allow.env.push('LEAK');
    expect(splitGlobals([]).globals.allow.env).toEqual([]);
    expect(DEFAULT_GLOBALS.allow.env).toEqual([]);
  });

  it('every form of every option', () => {
    const { globals, rest } = splitGlobals([
      '-o',
      'json',
      '--log-level=debug',
      '--config',
      '/tmp/c.toml',
      '--no-prompt',
      '--no-hooks',
      '--timeout=90',
      '--allow-read=/a,/b',
      '--allow-write',
      '/w',
      '--allow-run=git',
      '--allow-scratch',
      '--allow-listen',
      'keys',
      'list',
    ]);
    expect(globals).toMatchObject({
      output: 'json',
      logLevel: 'debug',
      config: '/tmp/c.toml',
      prompt: false,
      hooks: false,
      timeoutSeconds: 90,
      allowAll: false,
    });
    expect(globals.allow).toMatchObject({ read: ['/a', '/b'], write: ['/w'], exec: ['git'], scratch: true, listen: true });
    expect(rest).toEqual(['keys', 'list']);
  });

  it("stops at the first word, at a lone `-`, and after `--`; what follows is the plugin's, untouched", () => {
    expect(splitGlobals(['keys', '-o', 'json', '--allow-env=X']).rest).toEqual(['keys', '-o', 'json', '--allow-env=X']);
    expect(splitGlobals(['-', 'x']).rest).toEqual(['-', 'x']);
    expect(splitGlobals(['--', '--help']).rest).toEqual(['--help']);
    expect(splitGlobals(['-o', 'json', '--', '-o']).rest).toEqual(['-o']);
    expect(splitGlobals(['--help', 'keys']).globals.help).toBe(true);
    expect(splitGlobals(['-V']).globals.version).toBe(true);
  });

  it('an option value that looks like an option is still its value (the next token)', () => {
    expect(splitGlobals(['--config', '--no-prompt', 'keys'])).toMatchObject({ globals: { config: '--no-prompt', prompt: true }, rest: ['keys'] });
    expect(splitGlobals(['--allow-env', '-A', 'keys'])).toMatchObject({ globals: { allowAll: false, allow: { env: ['-A'] } }, rest: ['keys'] });
  });

  it('empty list items are dropped; a value may hold `=`', () => {
    expect(splitGlobals(['--allow-env=,A,,B,']).globals.allow.env).toEqual(['A', 'B']);
    expect(splitGlobals(['--config=/x=y.toml']).globals.config).toBe('/x=y.toml');
  });

  const errors: [string[], string][] = [
    [['--bogus'], "unknown option '--bogus'"],
    [['--bogus=1'], "unknown option '--bogus'"],
    [['-x'], "unknown option '-x'"],
    [['-oj'], "unknown option '-oj'"], // no bundling before the plugin name
    [['--output'], "option '--output' needs a value"],
    [['-o', 'yaml'], "option '-o' must be one of: text, json (got 'yaml')"],
    [['--output=JSON'], "option '--output' must be one of: text, json (got 'JSON')"],
    [['--log-level', 'loud'], "option '--log-level' must be one of: trace, debug, info, warn, error (got 'loud')"],
    [['--no-prompt=1'], "option '--no-prompt' takes no value"],
    [['--help=me'], "option '--help' takes no value"],
    [['--allow-all=yes'], "option '--allow-all' takes no value"],
    [['--allow-scratch=false'], "option '--allow-scratch' takes no value"],
    [['--allow-env'], "option '--allow-env' needs a value, e.g. --allow-env=NAME"],
    [['--allow-env='], "option '--allow-env' needs a value, e.g. --allow-env=NAME"],
    [['--allow-net'], "option '--allow-net' needs a value, e.g. --allow-net=https://api.example.com"],
    [['--allow-run='], "option '--allow-run' needs a value, e.g. --allow-run=git"],
    [['--allow-read'], "option '--allow-read' needs a value, e.g. --allow-read=/some/dir"],
    [['--timeout', 'soon'], "option '--timeout' needs a number of seconds (got 'soon')"],
    [['--timeout='], "option '--timeout' needs a number of seconds (got '')"],
    [['--timeout', ' '], "option '--timeout' needs a number of seconds (got ' ')"],
    [['--timeout', '0'], "option '--timeout' must be from 1 to 86400 seconds (24 h) (got '0')"],
    [['--timeout', '86401'], "option '--timeout' must be from 1 to 86400 seconds (24 h) (got '86401')"],
    [['--timeout', 'Infinity'], "option '--timeout' needs a number of seconds (got 'Infinity')"],
    [['--timeout', '-5'], "option '--timeout' must be from 1 to 86400 seconds (24 h) (got '-5')"],
  ];
  it.each(errors.map((e) => [e[0].join(' '), ...e] as const))('%s', (_label, argv, message) => {
    const err = usageError(() => splitGlobals(argv));
    expect(err.message).toBe(message);
    expect((err as WashUsageError).exitCode).toBe(2);
  });

  it('numbers the way Number reads them are timeouts: 1.5, 0x10, 1e2', () => {
    expect(splitGlobals(['--timeout', '1.5']).globals.timeoutSeconds).toBe(1.5);
    expect(splitGlobals(['--timeout', '0x10']).globals.timeoutSeconds).toBe(16);
    expect(splitGlobals(['--timeout', '1e2']).globals.timeoutSeconds).toBe(100);
  });
});

describe('the shared argv parser: what the other tables do not cover', () => {
  const commands: ParserCommand[] = [
    { path: [], flags: [{ long: 'verbose', short: 'v', required: false }], arguments: [{ name: 'files', required: false, variadic: true }] },
    {
      path: ['get'],
      flags: [
        { long: 'color', required: false, env: 'COLOR', default: 'true' },
        { long: 'format', valueName: 'f', required: false, env: 'FORMAT', choices: ['a', 'b'] },
        { long: 'tag', valueName: 't', required: false, repeatable: true, env: 'TAG' },
        { long: 'file', valueName: 'file', required: false },
      ],
      arguments: [
        { name: 'key', required: true, variadic: false, env: 'KEY' },
        { name: 'rest', required: true, variadic: true },
      ],
    },
    {
      path: ['put'],
      flags: [],
      arguments: [
        { name: 'key', required: true, variadic: false, env: 'KEY', default: undefined },
        { name: 'mode', required: false, variadic: false, default: 'fast' },
      ],
    },
  ];
  const parse = (argv: string[], env: Record<string, string | undefined> = {}) => parseArgv(commands, argv, { env });

  it('a command with an empty path runs when argv names no other command', () => {
    expect(parse([])).toMatchObject({ command: { path: [] }, flags: {}, args: { files: [] } });
    expect(parse(['-v', 'a', 'b'])).toMatchObject({ command: { path: [] }, flags: { verbose: true }, args: { files: ['a', 'b'] } });
    // A word that is a command's name picks that command, not the top-level one's arguments.
    expect(parse(['get', 'k', 'r']).command.path).toEqual(['get']);
    expect(parse(['--', 'get']).command.path).toEqual([]);
    expect(parse(['--', 'get']).args).toEqual({ files: ['get'] });
  });

  it('a switch: its env variable in any case of the words, else its default', () => {
    for (const [value, expected] of [
      ['YES', true],
      ['On', true],
      ['1', true],
      ['FALSE', false],
      ['off', false],
      ['0', false],
    ] as const) {
      expect(parse(['get', 'k', 'r'], { COLOR: value }).flags.color, value).toBe(expected);
    }
    expect(parse(['get', 'k', 'r']).flags.color).toBe(true); // default 'true'
    expect(parse(['get', 'k', 'r'], { COLOR: '' }).flags.color).toBe(true); // empty is unset
    expect(usageError(() => parse(['get', 'k', 'r'], { COLOR: 'y' }), UsageError).message).toBe(
      "COLOR must be one of 1, true, yes, on, 0, false, no, off for '--color', got 'y'",
    );
  });

  it('a repeatable flag takes one value from its env variable (no splitting), and none is []', () => {
    expect(parse(['get', 'k', 'r'], { TAG: 'a,b' }).flags.tag).toEqual(['a,b']);
    expect(parse(['get', 'k', 'r']).flags.tag).toEqual([]);
    expect(parse(['get', '--tag', 'x', 'k', 'r'], { TAG: 'a' }).flags.tag).toEqual(['x']);
  });

  it('an argument falls back to its env variable; a required variadic argument needs one value', () => {
    expect(parse(['put'], { KEY: 'e' }).args).toEqual({ key: 'e', mode: 'fast' });
    expect(parse(['put', 'k', 'slow'], { KEY: 'e' }).args).toEqual({ key: 'k', mode: 'slow' });
    expect(usageError(() => parse(['put'], { KEY: '' }), UsageError).message).toBe('missing argument <key> (or set KEY)');
    expect(usageError(() => parse(['put', 'a', 'b', 'c']), UsageError).message).toBe("unexpected argument 'c'");
    // Positionally, the first value is <key> even when KEY is set: the env fills only what argv leaves out.
    expect(usageError(() => parse(['get', 'r1'], { KEY: 'e' }), UsageError).message).toBe('missing argument <rest>');
    expect(usageError(() => parse(['get']), UsageError).message).toBe('missing argument <key> (or set KEY)');
    expect(usageError(() => parse(['get', 'k']), UsageError).message).toBe('missing argument <rest>');
    expect(parse(['get', 'k', '--', '-x', '--tag']).args).toEqual({ key: 'k', rest: ['-x', '--tag'] });
  });

  it('hostile tokens stay data: escapes, newlines and long values pass through unchanged', () => {
    const long = 'x'.repeat(100_000);
    const r = parse(['get', `--file=\u001b[2J\n`, 'k\u202e', long]);
    expect(r.flags.file).toBe('\u001b[2J\n');
    expect(r.args).toEqual({ key: 'k\u202e', rest: [long] });
    // An unknown option is named as typed (the host escapes usage errors when it prints them).
    expect(usageError(() => parse(['get', '--\u001b]0;x']), UsageError).message).toBe("unknown option '--\u001b]0;x'");
  });

  it('no commands at all is a usage error, not a crash', () => {
    expect(usageError(() => parseArgv([], ['x']), UsageError).message).toBe('this plugin has no commands');
    expect(commandWordsOf([], ['x', 'y'])).toEqual(['x', 'y']);
  });

  it('matchCommand keeps options given before the command words, in order, in the rest', () => {
    const shared: ParserCommand[] = [
      { path: ['a', 'x'], flags: [{ long: 'v', short: 'v', required: false }], arguments: [] },
      { path: ['a', 'y'], flags: [{ long: 'v', short: 'v', required: false }], arguments: [] },
    ];
    expect(matchCommand(shared, ['a', '-v', 'y', 'z'])).toEqual({ command: shared[1], rest: ['-v', 'z'] });
  });

  it('commandLineValues: only what the command line itself gave (no env, no defaults, nothing required)', () => {
    const { command, values } = commandLineValues(commands, ['get', '--file', 'f1', '--tag=a', '--tag', 'b']);
    expect(command.path).toEqual(['get']);
    expect([...values]).toEqual([
      ['file', ['f1']],
      ['tag', ['a', 'b']],
    ]);
    expect([...commandLineValues(commands, ['-v']).values]).toEqual([['verbose', true]]);
    expect(() => commandLineValues(commands, ['get', '--nope'])).toThrow(UsageError);
  });
});

describe('wasmcloud:wash: the host parses, then fills their command record', () => {
  const arg = (name: string | undefined, more: Partial<WashArgument> = {}): WashArgument => ({ name, description: '', value: undefined, ...more });
  const build: WashCommand = {
    id: 'build',
    name: 'build',
    description: '',
    flags: [
      ['region', arg('region', { env: 'REGION', default: 'eu' })],
      ['out', arg('out', { default: 'dist' })],
    ],
    arguments: [arg('target')],
    usage: [],
  };
  const info: WasmcloudWashInfo = {
    contract: 'wasmcloud:wash@0.0.2',
    shape: 'late',
    commands: [{ path: ['build'], command: build }],
    hooks: ['before-login', 'dev-register'],
    ignoredHooks: [],
    ignoredCredentials: [],
  };
  // Our metadata for it, as describe maps it (flags with values, the argument required).
  const commands: Command[] = [
    {
      path: ['build'],
      description: '',
      flags: [
        { long: 'region', description: '', valueName: 'region', default: 'eu', required: false, env: 'REGION', choices: [], repeatable: false },
        { long: 'out', description: '', valueName: 'out', default: 'dist', required: false, choices: [], repeatable: false },
      ],
      arguments: [{ name: 'target', description: '', required: true, variadic: false }],
      examples: [],
    },
  ];

  it('every value filled from argv, else the granted env, else the default; the rest of their record as declared', () => {
    const filled = parseWasmcloudWashArgv(info, { commands }, ['build', 'app', '--out', 'o'], { REGION: 'us' });
    expect(filled).toEqual({
      ...build,
      flags: [
        ['region', { ...build.flags[0]![1], value: 'us' }],
        ['out', { ...build.flags[1]![1], value: 'o' }],
      ],
      arguments: [{ ...build.arguments[0]!, value: 'app' }],
    });
    expect(parseWasmcloudWashArgv(info, { commands }, ['build', 'app'], {}).flags[0]![1].value).toBe('eu');
    // Their record is not changed in place: the next call starts from the declaration.
    expect(build.flags[0]![1].value).toBeUndefined();
  });

  it('a usage error is ours, escaped, with the help hint; a hooks-only plugin has no commands', () => {
    const err = usageError(() => prepareWasmcloudWashCall(info, { name: 'x', commands }, { kind: 'run', argv: ['build', '--\u001b[2J'] }, {}));
    expect(err.message).toBe("unknown option '--\\u{1b}[2J'");
    expect((err as WashUsageError).hint).toBe("see 'wash x --help'");
    expect(usageError(() => parseWasmcloudWashArgv({ ...info, commands: [] }, { commands: [] }, [], {})).message).toBe(
      'this plugin has no commands (it only declares hooks)',
    );
  });

  it('hooks: the late shape maps none of our events, but their own names reach `plugin test --hook`', () => {
    expect(theirHook(info, 'before-login')).toBe('before-login'); // by its own name, as plugin test passes it
    expect(theirHook(info, 'after-login')).toBeUndefined();
    expect(theirHook({ ...info, shape: 'early-named', hooks: ['error'] }, 'error')).toBe('error');
    expect(theirHook({ ...info, shape: 'early-named', hooks: [] }, 'error')).toBeUndefined();
    expect(prepareWasmcloudWashCall(info, { name: 'x', commands }, { kind: 'hook', hook: 'dev-register' }, {})).toEqual({
      kind: 'hook',
      hook: 'dev-register',
      shape: 'late',
    });
    expect(() => prepareWasmcloudWashCall(info, { name: 'x', commands }, { kind: 'hook', hook: 'nope' }, {})).toThrow(
      "plugin 'x' does not handle the 'nope' hook",
    );
  });
});

describe('<file> arguments: what the user named, checked where it leads', () => {
  const fileCommands = (): Command[] => [
    {
      path: ['sign'],
      description: '',
      flags: [
        { long: 'key', description: '', valueName: 'file', required: false, choices: [], repeatable: true },
        { long: 'name', description: '', valueName: 'name', required: false, choices: [], repeatable: false },
        { long: 'seed', description: '', valueName: 'file', required: false, env: 'SEED', default: '/etc/passwd', choices: [], repeatable: false },
      ],
      arguments: [{ name: 'input', description: '', required: false, variadic: false }],
      examples: [],
    },
  ];

  it('only values given on the command line to flags whose value-name is file: not env, defaults, arguments or other flags', () => {
    const commands = fileCommands();
    expect(fileArgumentValues({ commands }, ['sign', '--key', 'a', '-', '--key=b', '--name', 'n', 'in.txt'])).toEqual(['a', 'b']);
    expect(fileArgumentValues({ commands }, ['sign'])).toEqual([]); // the default /etc/passwd is never named by the user
    expect(fileArgumentValues({ commands }, ['sign', '--seed', 's'])).toEqual(['s']);
    expect(fileArgumentValues({ commands }, ['sign', '--bogus'])).toEqual([]); // argv that does not parse names nothing
  });

  let root: string;
  let dirs: { cache: string; data: string; config: string };
  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'wash-unit-argfiles-')));
    dirs = { cache: join(root, 'cache'), data: join(root, 'data'), config: join(root, 'config') };
    for (const d of Object.values(dirs)) await mkdir(d);
    await mkdir(join(root, 'work'));
    await writeFile(join(root, 'work', 'ok.txt'), 'hello');
    await writeFile(join(dirs.data, 'token'), 'secret');
    await symlink(join(dirs.data, 'token'), join(root, 'work', 'innocent.txt'));
    await symlink('/proc/self/environ', join(root, 'work', 'env.txt'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const check = (...values: string[]) => checkArgumentFiles(values, { cwd: join(root, 'work'), dirs, packageRoot: join(root, 'pkg') });

  it('a plain file is accepted and read; `-`, empty and repeated values are checked once or not at all', () => {
    const files = check('ok.txt', 'ok.txt', '-', '');
    expect(files).toEqual([{ value: 'ok.txt', path: join(root, 'work', 'ok.txt'), dev: expect.any(String), ino: expect.any(String) }]);
    expect(Buffer.from(readArgumentFile(files, 'ok.txt')).toString()).toBe('hello');
  });

  it("refused: a symlink into wash's own data, into /proc, a directory, a missing file, `..` out to the data dir", () => {
    expect(check('innocent.txt')[0]).toEqual({
      value: 'innocent.txt',
      error: `'innocent.txt' is not readable by a plugin: it is inside wash's own data directory (it leads to ${join(dirs.data, 'token')})`,
    });
    expect(check('env.txt')[0]).toMatchObject({ error: "'env.txt' is not readable by a plugin: it is under /proc, /sys or /dev" });
    expect(check('.')[0]).toMatchObject({ error: "'.' is not a regular file" });
    expect(check('missing')[0]).toMatchObject({ error: "cannot read 'missing': no such file" });
    expect(check('../data/token')[0]).toMatchObject({
      error: expect.stringMatching(/^'\.\.\/data\/token' is not readable by a plugin: it is inside wash's own data directory/),
    });
    expect(() => readArgumentFile(check('env.txt'), 'env.txt')).toThrow(/under \/proc/);
  });

  it('a plugin reads only files the user named, and only the very file that was checked', async () => {
    const files = check('ok.txt');
    expect(() => readArgumentFile(files, '/etc/passwd')).toThrow(
      "'/etc/passwd' was not named as a <file> on the command line (a plugin reads only files the user names there)",
    );
    // Replaced after the check (a new inode at the same path): not read.
    await writeFile(join(root, 'work', 'new.txt'), 'other');
    await rename(join(root, 'work', 'new.txt'), join(root, 'work', 'ok.txt'));
    expect(() => readArgumentFile(files, 'ok.txt')).toThrow("'ok.txt' was replaced after the command started; not reading it");
  });

  it('a file over the limit is refused at the check', async () => {
    const big = join(root, 'work', 'big.bin');
    await writeFile(big, '');
    const { truncate } = await import('node:fs/promises');
    await truncate(big, MAX_ARGUMENT_FILE + 1); // sparse: no 16 MiB written
    expect(check('big.bin')[0]).toMatchObject({ error: "'big.bin' is larger than 16 MiB" });
  });
});
