// Plugins built for the Rust wash's contract (wasmcloud:wash@0.0.2 and the three shapes of @0.0.1),
// run unmodified through src/plugin-host/adapters/wasmcloud-wash/. The
// components are built by test/global-setup.ts from test/fixtures/wasmcloud-wash/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from './helpers.js';
import { WCW1_EARLY_WASM, WCW1_NAMED_WASM, WCW1_WASM, WCW2_WASM, componentExporting, watToFile } from './fixtures.js';
import { wasmcloudWash002 } from '../src/plugin-host/adapters/wasmcloud-wash/index.js';
import type { WashCommand, WasmcloudWashInfo } from '../src/plugin-host/adapters/wasmcloud-wash/describe.js';
import { identityOf } from '../src/sandbox/identity.js';

let xdg: Xdg;
beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  await xdg.cleanup();
});

const test2 = (args: string[], options: { env?: Record<string, string>; globals?: string[] } = {}) =>
  runWash([...(options.globals ?? []), 'plugin', 'test', WCW2_WASM, ...args], { xdg, env: options.env });
const test1 = (args: string[], options: { env?: Record<string, string>; globals?: string[] } = {}) =>
  runWash([...(options.globals ?? []), 'plugin', 'test', WCW1_WASM, ...args], { xdg, env: options.env });
const lastLine = (text: string) => text.trim().split('\n').at(-1);

describe('wasmcloud:wash@0.0.2: info', () => {
  it('maps sub-commands, flags with env fallbacks, arguments, usage and hooks to our metadata', async () => {
    const r = await runWash(['-o', 'json', 'plugin', 'test', '--info', WCW2_WASM], { xdg });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m).toMatchObject({ id: 'test.wash.wcw2', name: 'wcw2', version: '0.2.0', hooks: [], providesCredentials: false });
    expect(m.exports).toContain('wasmcloud:wash/plugin@0.0.2');
    expect(m.imports).toEqual(expect.arrayContaining(['wasmcloud:wash/types', 'wasi:logging/logging']));
    const greet = m.commands.find((c: { path: string[] }) => c.path.join(' ') === 'greet');
    expect(greet).toEqual({
      path: ['greet'],
      description: 'Print a greeting',
      flags: [
        { long: 'name', description: 'Who to greet', valueName: 'who', default: 'world', required: false, env: 'WCW_NAME', choices: [], repeatable: false },
        { long: 'mark', description: 'Punctuation at the end', valueName: 'mark', default: '!', required: false, choices: [], repeatable: false },
      ],
      arguments: [{ name: 'greeting', description: 'The greeting word', required: false, variadic: false, default: 'hello' }],
      examples: ['wash wcw2 greet --name Ada hi'],
    });
    const need = m.commands.find((c: { path: string[] }) => c.path.join(' ') === 'need');
    expect(need.arguments).toEqual([{ name: 'target', description: 'What to reach', required: true, variadic: false }]);
    // Without a default a value is required; the env fallback may provide it (help says so).
    expect(need.flags[0]).toMatchObject({ long: 'token', required: true, env: 'WCW_TOKEN', description: 'API token' });
    expect(m.access.scratchDir).toContain('/plugin_data');
    expect(m.access.env).toEqual([
      { name: 'WCW_NAME', reason: 'the value of greet --name when not given on the command line' },
      { name: 'WCW_TOKEN', reason: 'the value of need --token when not given on the command line' },
    ]);
  });

  it('inspect names the contract and the hooks it ignores', async () => {
    const r = await runWash(['plugin', 'inspect', WCW2_WASM], { xdg });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/contract\s+wasmcloud:wash@0\.0\.2/);
    expect(r.stdout).toMatch(/ignored\s+hooks wash has no events for: before-build, after-push/);
    expect(r.stdout).toMatch(/hooks\s+-/);
  });

  it('help renders from the mapped metadata', async () => {
    const overview = await test2(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('Usage: wash wcw2 <command> [options]');
    expect(overview.stdout).toMatch(/need <target>\s+A command with required inputs/);
    expect(overview.stdout).toMatch(/env WCW_TOKEN\s+the value of need --token/);
    const greet = await test2(['greet', '--help']);
    expect(greet.stdout).toContain('Usage: wash wcw2 greet [options] [greeting]');
    expect(greet.stdout).toMatch(/--name <who>\s+Who to greet \(default: world; env: WCW_NAME\)/);
    expect(greet.stdout).toMatch(/\[greeting\]\s+The greeting word \(default: hello\)/);
    expect(greet.stdout).toContain('wash wcw2 greet --name Ada hi');
  });
});

describe('wasmcloud:wash@0.0.2: running', () => {
  it('fills flags, arguments and defaults from argv', async () => {
    expect((await test2(['greet'])).stdout).toBe('hello, world!\n');
    expect((await test2(['greet', '--name', 'Ada', '--mark=?', 'hi'])).stdout).toBe('hi, Ada?\n');
    expect((await test2(['greet', '--', '--not-a-flag'])).stdout).toBe('--not-a-flag, world!\n');
    const dump = await test2(['dump', '--opt=1']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(JSON.parse(dump.stdout)).toEqual({
      id: 'dump',
      name: 'dump',
      description: 'Print the command record as received',
      flags: [['opt', { name: 'opt', description: 'Anything', default: 'd', value: '1' }]],
      arguments: [{ name: 'rest', description: 'Anything', default: 'r', value: 'r' }],
      usage: [],
    });
  });

  it('env fallbacks read the real environment only when the variable is granted', async () => {
    const denied = await test2(['greet'], { env: { WCW_NAME: 'Env' } });
    expect(denied.stdout).toBe('hello, world!\n');
    expect(denied.stderr).toContain('environment variable WCW_NAME');
    const granted = await test2(['greet'], { env: { WCW_NAME: 'Env' }, globals: ['--allow-env=WCW_NAME'] });
    expect(granted.stdout).toBe('hello, Env!\n');
    const flagWins = await test2(['greet', '--name', 'Flag'], { env: { WCW_NAME: 'Env' }, globals: ['--allow-env=WCW_NAME'] });
    expect(flagWins.stdout).toBe('hello, Flag!\n');
    const required = await test2(['need', 'x'], { env: { WCW_TOKEN: 'tok' }, globals: ['--allow-env=WCW_TOKEN'] });
    expect(required.stdout).toBe('target=x token=tok\n');
  });

  it('usage errors: our message, the help hint, exit 2', async () => {
    const cases: [string[], string][] = [
      [['need', 'x'], "missing required option '--token' (or set WCW_TOKEN)"],
      [['need', '--token', 't'], 'missing argument <target>'],
      [['greet', '--bogus'], "unknown option '--bogus'"],
      [['greet', '-x'], "unknown option '-x'"],
      [['greet', 'a', 'b'], "unexpected argument 'b'"],
      [['greet', '--name'], "option '--name' needs a value <who>"],
      [['greet', '--name', 'a', '--name=b'], "option '--name' given more than once"],
      [['bogus'], "unknown command 'bogus' (one of: greet, need, dump,"],
      [['--name', 'x'], "option '--name' goes after the command it belongs to (greet)"], // not before the command words
    ];
    for (const [args, message] of cases) {
      const r = await test2(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`error: ${message}`);
      // The help of the command that failed (the plugin's overview when no command was named).
      const command = ['greet', 'need'].includes(args[0]!) ? ` ${args[0]}` : '';
      expect(lastLine(r.stderr)).toBe(`see 'wash wcw2${command} --help'`);
    }
  });

  it('context: initialize and run share our invocation context; set and delete return the old value', async () => {
    const r = await test2(['ctx']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      initialized: 'yes',
      first: null,
      second: 'one',
      deleted: null,
      keys: ['wcw.initialized', 'wcw.key'],
    });
  });

  it('plugin-config persists across runs, per installed plugin', async () => {
    const own = await makeXdg();
    try {
      const run = (args: string[]) => runWash(['plugin', 'test', WCW2_WASM, ...args], { xdg: own });
      expect((await run(['remember', 'v1'])).stdout).toBe('previous: (none)\n');
      expect((await run(['remember', 'v2'])).stdout).toBe('previous: v1\n');
      expect((await run(['recall'])).stdout).toBe('remembered: v2; keys: remembered\n');
      const stored = JSON.parse(await readFile(join(own.data, 'plugins', 'config', `${identityOf({ source: 'test', file: WCW2_WASM }).dirName}.json`), 'utf8'));
      expect(stored).toEqual({ remembered: 'v2' });
      expect((await run(['forget'])).stdout).toBe('forgot: v2\n');
      expect((await run(['recall'])).stdout).toBe('remembered: (unset); keys: \n');
    } finally {
      await own.cleanup();
    }
  });

  it('host-exec is denied without a grant (no TTY), runs with one', async () => {
    const denied = await test2(['exec']);
    expect(denied.code).toBe(1);
    expect(lastLine(denied.stderr)).toBe(
      "error: host-exec failed: host-exec of 'echo' denied: not granted (grant it with 'wash plugin grant wcw2 --exec echo' or --allow-run=echo)",
    );
    const granted = await test2(['exec'], { globals: ['--allow-run=echo'] });
    expect(granted.stdout).toBe('stdout=hi there stderr=\n');
    const background = await test2(['bg'], { globals: [] });
    expect(background.code).toBe(1);
    expect(lastLine(background.stderr)).toContain("host-exec-background failed: host-exec of 'true' denied: not granted");
  });

  it('host-exec-background starts a granted program and stops it when the call ends', async () => {
    const marker = '987.125';
    const r = await test2(['bg', '--bin', 'sleep', marker], { globals: ['--allow-run=sleep'] });
    expect(r.stdout, r.stderr).toBe('started\n');
    const running = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
    expect(running.filter((line) => line.trim() === `sleep ${marker}`)).toEqual([]);
  });

  it('their data dir is our scratch dir, mounted at /plugin_data when granted', async () => {
    const own = await makeXdg();
    try {
      const run = (globals: string[]) => runWash([...globals, 'plugin', 'test', WCW2_WASM, 'files'], { xdg: own });
      const first = await run(['--allow-scratch']);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ mounts: ['/plugin_data'], previous: '(none)' });
      expect(JSON.parse((await run(['--allow-scratch'])).stdout)).toEqual({ mounts: ['/plugin_data'], previous: 'written at run 1' });
      expect(await readFile(join(own.data, 'plugins', 'fs', identityOf({ source: 'test', file: WCW2_WASM }).dirName, 'note.txt'), 'utf8')).toBe(
        'written at run 2',
      );
      const without = await run([]);
      expect(without.code).toBe(1);
      // Not granted: mounted behind a question, refused at its first use (no terminal), nothing read.
      expect(lastLine(without.stderr)).toBe('error: cannot write /plugin_data/note.txt: /plugin_data/note.txt: access; mounts: ["/plugin_data"]');
      expect(without.stdout).not.toContain('written at run');
      expect(without.stderr).toContain('wash: wcw2 was denied its own scratch directory (no terminal to ask)');
    } finally {
      await own.cleanup();
    }
  });

  it('wasi:logging goes to stderr under our log level', async () => {
    const info = await test2(['log']);
    expect(info.stdout).toBe('logged\n');
    expect(info.stderr).toContain('wcw2: wcw: a info line');
    expect(info.stderr).toContain('wcw2: warning: wcw: a warn line');
    expect(info.stderr).toContain('wcw2: error: wcw: a critical line');
    expect(info.stderr).not.toContain('a debug line');
    const debug = await test2(['log'], { globals: ['--log-level', 'debug'] });
    expect(debug.stderr).toContain('wcw2: wcw: a debug line');
    expect(debug.stderr).not.toContain('a trace line');
    expect(debug.stderr).toContain('wcw2: initialize: ready');
  });

  it('under --output json the returned text is one document', async () => {
    const r = await test2(['greet'], { globals: ['-o', 'json'] });
    expect(JSON.parse(r.stdout)).toEqual({ output: 'hello, world!' });
  });

  it('an err from run fails with its message, exit 1', async () => {
    const r = await test2(['fail']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: it failed on purpose');
  });

  it('hooks: none maps to an event of ours (debug log); plugin test --hook calls one of theirs', async () => {
    const debug = await test2(['greet'], { globals: ['--log-level', 'debug'] });
    expect(debug.stderr).toContain("plugin 'wcw2' (wasmcloud:wash@0.0.2) declares hooks wash has no events for, ignored: before-build, after-push");
    const hook = await runWash(['plugin', 'test', '--hook', 'before-build', WCW2_WASM], { xdg });
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout).toBe('hook before-build ran\n');
    const undeclared = await runWash(['plugin', 'test', '--hook', 'after-dev', WCW2_WASM], { xdg });
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain("plugin 'wcw2' does not handle the 'after-dev' hook");
    const ours = await runWash(['plugin', 'test', '--hook', 'error', WCW2_WASM], { xdg });
    expect(ours.stderr).toContain("plugin 'wcw2' does not handle the 'error' hook");
  });
});

describe('wasmcloud:wash@0.0.1', () => {
  it('a top-level command becomes the plugin command: runs bare, help shows its options', async () => {
    const bare = await test1([]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe('hello, world!\n');
    expect((await test1(['--name', 'X', 'yo'])).stdout).toBe('yo, X!\n');
    const help = await test1(['--help']);
    expect(help.stdout).toContain('Usage: wash wcw1 [options] [greeting]');
    expect(help.stdout).toMatch(/--do <action>\s+What to do \(default: greet\)/);
    const info = JSON.parse((await runWash(['-o', 'json', 'plugin', 'test', '--info', WCW1_WASM], { xdg })).stdout);
    expect(info.commands.map((c: { path: string[] }) => c.path)).toEqual([[]]);
    expect(info.exports).toContain('wasmcloud:wash/plugin@0.0.1');
  });

  it('runner.output, structured-output and error', async () => {
    expect((await test1(['--do', 'output'])).stdout).toBe('through runner.output\n');
    expect((await test1(['--do', 'table'])).stdout).toBe('name  size\na     1\nb     22\n');
    const json = await test1(['--do', 'table'], { globals: ['-o', 'json'] });
    expect(JSON.parse(json.stdout)).toEqual([
      { name: 'a', size: '1' },
      { name: 'b', size: '22' },
    ]);
    const error = await test1(['--do', 'error']);
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('error: stopped through runner.error');
  });

  it('context, host-exec denial and usage errors work as in 0.0.2', async () => {
    expect(JSON.parse((await test1(['--do', 'ctx'])).stdout)).toMatchObject({ initialized: 'yes', second: 'one' });
    const denied = await test1(['--do', 'exec']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("host-exec of 'echo' denied: not granted");
    const usage = await test1(['a', 'b']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("error: unexpected argument 'b'");
  });
});

// The two early shapes of 0.0.1 (wasmCloud/wash f357b97 .. 14a51ee), which the
// Rust wash's own test components have: `default-command` and `commands`,
// hooks and credentials as options, bare `result`s and output through the runner.
const testE = (args: string[], options: { env?: Record<string, string>; globals?: string[] } = {}) =>
  runWash([...(options.globals ?? []), 'plugin', 'test', WCW1_EARLY_WASM, ...args], { xdg, env: options.env });
const testN = (args: string[], options: { globals?: string[] } = {}) =>
  runWash([...(options.globals ?? []), 'plugin', 'test', WCW1_NAMED_WASM, ...args], { xdg });

describe('wasmcloud:wash@0.0.1, early shapes: info', () => {
  it('unnamed arguments: commands, required flags and arguments, is-path, hooks and credentials', async () => {
    const r = await runWash(['-o', 'json', 'plugin', 'test', '--info', WCW1_EARLY_WASM], { xdg });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m).toMatchObject({ id: 'test.wash.wcw1e', name: 'wcw1e', version: '0.0.1', providesCredentials: false });
    expect(m.exports).toContain('wasmcloud:wash/plugin@0.0.1');
    // error and before-login are events of ours too; dev-register and before-dev-build are not.
    expect(m.hooks).toEqual(['error', 'before-login']);
    expect(m.commands.map((c: { path: string[] }) => c.path.join(' '))).toEqual([
      'greet',
      'need',
      'dump',
      'ctx',
      'recall',
      'exec',
      'table',
      'authorize',
      'project',
      'log',
      'stop',
      'fail',
      'remember',
    ]);
    const need = m.commands.find((c: { path: string[] }) => c.path[0] === 'need');
    expect(need.flags).toEqual([{ long: 'token', description: 'API token', valueName: 'value', required: true, choices: [], repeatable: false }]);
    expect(need.arguments).toEqual([
      { name: 'path1', description: 'Where to go', required: true, variadic: false },
      { name: 'arg2', description: 'How', required: false, variadic: false, default: 'walking' },
    ]);
    const greet = m.commands.find((c: { path: string[] }) => c.path[0] === 'greet');
    expect(greet.flags[0]).toEqual({
      long: 'name',
      description: 'Who to greet',
      valueName: 'value',
      default: 'world',
      required: false,
      choices: [],
      repeatable: false,
    });
    expect(greet.arguments).toEqual([{ name: 'arg', description: 'The greeting word', required: false, variadic: false, default: 'hello' }]);
    const inspect = await runWash(['plugin', 'inspect', WCW1_EARLY_WASM], { xdg });
    expect(inspect.stdout).toMatch(/contract\s+wasmcloud:wash@0\.0\.1/);
    expect(inspect.stdout).toMatch(/ignored\s+hooks wash has no events for: dev-register, before-dev-build/);
    expect(inspect.stdout).toMatch(/ignored\s+credential types wash login has no use for: oci, git/);
    expect(inspect.stdout).toMatch(/credentials\s+no/);
  });

  it('named arguments: the default command is the plugin command; help renders from it', async () => {
    const m = JSON.parse((await runWash(['-o', 'json', 'plugin', 'test', '--info', WCW1_NAMED_WASM], { xdg })).stdout);
    expect(m.commands.map((c: { path: string[] }) => c.path)).toEqual([[]]);
    expect(m.hooks).toEqual(['after-login']);
    expect(m.commands[0].flags.map((f: { long: string; valueName: string }) => `${f.long}:${f.valueName}`)).toEqual(['do:action', 'name:who', 'loud:loud']);
    const help = await testN(['--help']);
    expect(help.stdout).toContain('Usage: wash wcw1n [options] [greeting]');
    expect(help.stdout).toMatch(/--name <who>\s+Who to greet \(default: world\)/);
    const early = await testE(['need', '--help']);
    expect(early.stdout).toContain('Usage: wash wcw1e need [options] <path1> [arg2]');
    expect(early.stdout).toMatch(/--token <value>\s+API token \(required\)/);
  });
});

describe('wasmcloud:wash@0.0.1, early shapes: running', () => {
  it('fills every value in the shape declared: a string for unnamed arguments, absent for named ones', async () => {
    expect((await testE(['greet'])).stdout).toBe('hello, world!\n');
    expect((await testE(['greet', '--name', 'Ada', '--loud=1', 'hi'])).stdout).toBe('hi, Ada!!!\n');
    expect(JSON.parse((await testE(['dump', '--opt', 'x'])).stdout)).toEqual({
      id: 'dump',
      name: 'dump',
      description: 'Print the command record as received',
      flags: [['opt', { description: 'Anything', isPath: false, required: false, value: 'x' }]],
      arguments: [{ description: 'Anything', isPath: false, required: false, value: '' }],
      usage: [],
    });
    expect((await testE(['need', '--token', 't', '/there'])).stdout).toBe('target=/there token=t\n');
    const named = JSON.parse((await testN(['--do', 'dump', '--name', 'X', 'yo'])).stdout);
    expect(named.flags).toEqual([
      ['do', { name: 'action', description: 'What to do', default: 'greet', value: 'dump' }],
      ['name', { name: 'who', description: 'Who to greet', default: 'world', value: 'X' }],
      ['loud', { name: 'loud', description: 'Any value makes it loud', default: '', value: '' }],
    ]);
    expect(named.arguments).toEqual([{ name: 'greeting', description: 'The greeting word', default: 'hello', value: 'yo' }]);
    expect((await testN([])).stdout).toBe('hello, world!\n');
  });

  it('usage errors: our message, the help hint, exit 2', async () => {
    const cases: [string[], string][] = [
      [['need', '/x'], "missing required option '--token'"],
      [['need', '--token', 't'], 'missing argument <path1>'],
      [['greet', '--bogus'], "unknown option '--bogus'"],
      [['greet', 'a', 'b'], "unexpected argument 'b'"],
      [['bogus'], "unknown command 'bogus' (one of: greet, need, dump,"],
    ];
    for (const [args, message] of cases) {
      const r = await testE(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`error: ${message}`);
      // The hint names the command that failed; an unknown command points at the plugin's overview.
      expect(lastLine(r.stderr)).toBe(args[0] === 'bogus' ? "see 'wash wcw1e --help'" : `see 'wash wcw1e ${args[0]} --help'`);
    }
  });

  it('context and plugin-config read a missing key as the default the plugin passes', async () => {
    expect(JSON.parse((await testE(['ctx'])).stdout)).toEqual({
      initialized: 'yes',
      before: '(default)',
      after: 'one',
      gone: '(default)',
      keys: ['wcw.initialized'],
    });
    const own = await makeXdg();
    try {
      const run = (args: string[]) => runWash(['plugin', 'test', WCW1_EARLY_WASM, ...args], { xdg: own });
      expect((await run(['recall'])).stdout).toBe('remembered: (unset); keys: \n');
      expect((await run(['remember', 'v1'])).stdout).toBe('remembered\n');
      expect((await run(['recall'])).stdout).toBe('remembered: v1; keys: remembered\n');
    } finally {
      await own.cleanup();
    }
  });

  it('output, tables, runner.error, and an err without a reason', async () => {
    expect((await testE(['table'])).stdout).toBe('name  size\na     1\nb     22\n');
    expect(JSON.parse((await testE(['table'], { globals: ['-o', 'json'] })).stdout)).toEqual([
      { name: 'a', size: '1' },
      { name: 'b', size: '22' },
    ]);
    expect(JSON.parse((await testN([], { globals: ['-o', 'json'] })).stdout)).toEqual({ output: 'hello, world!' });
    const stop = await testE(['stop']);
    expect(stop.code).toBe(1);
    expect(lastLine(stop.stderr)).toBe('error: stopped through runner.error');
    const fail = await testE(['fail']);
    expect(fail.code).toBe(1);
    expect(lastLine(fail.stderr)).toBe('error: the command failed (the plugin gave no reason)');
  });

  it('host-exec: a denial the plugin cannot relay is told by wash; a grant runs it', async () => {
    const denied = await testE(['exec']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('host-exec failed\n');
    expect(denied.stderr).toContain("wash: host-exec of 'echo' denied: not granted (grant it with 'wash plugin grant wcw1e --exec echo' or --allow-run=echo)");
    const granted = await testE(['exec'], { globals: ['--allow-run=echo'] });
    expect(granted.stdout, granted.stderr).toBe('stdout=hi there\n');
  });

  it('no credentials and no project for these plugins; logging works', async () => {
    expect((await testE(['authorize'])).stdout).toBe('authorize refused\n');
    expect((await testE(['project'])).stdout).toBe('project: none\n');
    const log = await testE(['log']);
    expect(log.stdout).toBe('logged\n');
    expect(log.stderr).toContain('wcw1e: wcw: an info line');
  });

  it('hooks: their error and login hooks are our events; plugin test --hook calls one of theirs', async () => {
    expect((await runWash(['plugin', 'test', '--hook', 'before-login', WCW1_EARLY_WASM], { xdg })).stdout).toBe('hook before-login ran; error.message=-\n');
    expect((await runWash(['plugin', 'test', '--hook', 'after-login', WCW1_NAMED_WASM], { xdg })).stdout).toBe('hook after-login ran; error.message=-\n');
    expect((await runWash(['plugin', 'test', '--hook', 'dev-register', WCW1_EARLY_WASM], { xdg })).stdout).toBe('hook dev-register ran; error.message=-\n');
    const undeclared = await runWash(['plugin', 'test', '--hook', 'after-login', WCW1_EARLY_WASM], { xdg });
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain("plugin 'wcw1e' does not handle the 'after-login' hook");
  });

  it('installed: list, help, run, and its error hook runs when a command fails', async () => {
    const own = await makeXdg();
    try {
      for (const file of [WCW1_EARLY_WASM, WCW1_NAMED_WASM]) {
        const r = await runWash(['plugin', 'install', file], { xdg: own });
        expect(r.code, r.stderr).toBe(0);
      }
      const list = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg: own })).stdout) as { name: string; source: string }[];
      expect(list.filter((p) => p.name.startsWith('wcw')).map((p) => `${p.name}:${p.source}`)).toEqual(['wcw1e:installed', 'wcw1n:installed']);
      const help = await runWash(['--help'], { xdg: own });
      expect(help.stdout).toMatch(/wcw1e\s+A plugin of the first wasmcloud:wash@0\.0\.1 shape/);
      expect(help.stdout).toMatch(/wcw1n\s+A plugin of the second wasmcloud:wash@0\.0\.1 shape/);
      expect((await runWash(['wcw1e', 'greet', '--name', 'Ada'], { xdg: own })).stdout).toBe('hello, Ada!\n');
      expect((await runWash(['wcw1n', '--name', 'Bo'], { xdg: own })).stdout).toBe('hello, Bo!\n');
      // A failing command fires our `error` event; wcw1e declared `error`, so its hook runs, on stderr,
      // labelled, and without the failure's message (a hook learns the plugin and status only).
      const failed = await runWash(['wcw1n', '--do', 'fail'], { xdg: own });
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toContain('wcw1e: hook error ran; error.message=-\n');
    } finally {
      await own.cleanup();
    }
  });
});

describe('installed', () => {
  it('install, list, help, inspect, run, grant, uninstall', async () => {
    const own = await makeXdg();
    try {
      for (const file of [WCW2_WASM, WCW1_WASM]) {
        const r = await runWash(['plugin', 'install', file], { xdg: own });
        expect(r.code, r.stderr).toBe(0);
      }
      const list = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg: own })).stdout) as { name: string; source: string }[];
      expect(list.filter((p) => p.name.startsWith('wcw'))).toEqual([
        expect.objectContaining({ name: 'wcw1', source: 'installed' }),
        expect.objectContaining({ name: 'wcw2', source: 'installed' }),
      ]);
      const help = await runWash(['--help'], { xdg: own });
      expect(help.stdout).toMatch(/wcw2\s+A wasmcloud:wash@0\.0\.2 plugin/);
      expect(help.stdout).toMatch(/wcw1\s+A wasmcloud:wash@0\.0\.1 plugin/);
      expect((await runWash(['plugin', 'inspect', 'wcw1'], { xdg: own })).stdout).toMatch(/contract\s+wasmcloud:wash@0\.0\.1/);

      expect((await runWash(['wcw2', 'greet', '--name', 'Ada'], { xdg: own })).stdout).toBe('hello, Ada!\n');
      expect((await runWash(['wcw1'], { xdg: own })).stdout).toBe('hello, world!\n');
      expect((await runWash(['wcw2', 'remember', 'kept'], { xdg: own })).code).toBe(0);
      expect((await runWash(['wcw2', 'recall'], { xdg: own })).stdout).toBe('remembered: kept; keys: remembered\n');
      const usage = await runWash(['wcw2', 'need'], { xdg: own });
      expect(usage.code).toBe(2);

      // A recorded grant, not only a per-run flag, lets host-exec run.
      expect((await runWash(['wcw2', 'exec'], { xdg: own })).code).toBe(1);
      expect((await runWash(['plugin', 'grant', 'wcw2', '--exec', 'echo', '--scratch'], { xdg: own })).code).toBe(0);
      const exec = await runWash(['wcw2', 'exec'], { xdg: own });
      expect(exec.stdout, exec.stderr).toBe('stdout=hi there stderr=\n');
      expect(JSON.parse((await runWash(['wcw2', 'files'], { xdg: own })).stdout)).toMatchObject({ mounts: ['/plugin_data'] });

      expect((await runWash(['plugin', 'uninstall', 'wcw2'], { xdg: own })).code).toBe(0);
      expect((await runWash(['wcw2', 'greet'], { xdg: own })).code).toBe(2);
    } finally {
      await own.cleanup();
    }
  });
});

describe('loading', () => {
  it('other wasmcloud:wash versions are not plugins; a 0.0.2 export with a bad info is refused', async () => {
    const dir = join(xdg.root, 'bad');
    const future = await watToFile(dir, 'future.wasm', componentExporting('wasmcloud:wash/plugin@0.0.3'));
    const r = await runWash(['plugin', 'test', '--info', future], { xdg });
    expect(lastLine(r.stderr)).toBe(`error: not a wash plugin: ${future} (exports wasmcloud:wash/plugin@0.0.3; expected wash:plugin/plugin@0.2 (or 0.1))`);
    const broken = await watToFile(dir, 'broken.wasm', componentExporting('wasmcloud:wash/plugin@0.0.2'));
    const b = await runWash(['plugin', 'test', '--info', broken], { xdg });
    expect(b.code).toBe(1);
    expect(lastLine(b.stderr)).toBe(`error: not a wash plugin: ${broken} (wasmcloud:wash@0.0.2 in a shape wash cannot run: metadata is not a record)`);
  });

  it('a 0.0.1 info of no known shape is refused naming the contract and what is missing, not as invalid metadata', async () => {
    // info returns record { id: string }: neither sub-commands nor commands.
    const file = await watToFile(
      join(xdg.root, 'bad'),
      'other-shape.wasm',
      `(component
      (core module $m
        (memory (export "memory") 1)
        (data (i32.const 0) "\\10\\00\\00\\00\\01\\00\\00\\00")
        (data (i32.const 16) "x")
        (func (export "info") (result i32) i32.const 0)
        (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable))
      (core instance $i (instantiate $m))
      (type $meta (record (field "id" string)))
      (func $info (result $meta) (canon lift (core func $i "info") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
      (instance $inst (export "metadata" (type $meta)) (export "info" (func $info)))
      (export "wasmcloud:wash/plugin@0.0.1" (instance $inst)))`,
    );
    const r = await runWash(['plugin', 'test', '--info', file], { xdg });
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      `error: not a wash plugin: ${file} (wasmcloud:wash@0.0.1 in a shape wash cannot run: its info has neither \`sub-commands\` (0.0.2, late 0.0.1) nor \`commands\` and \`default-command\` (early 0.0.1))`,
    );
  });
});

describe('argv parsing (unit)', () => {
  const arg = (name: string, more: Record<string, string> = {}) => ({ name, description: '', ...more });
  const raw = {
    id: 'x.y',
    name: 'demo',
    description: '',
    contact: '',
    url: '',
    license: '',
    version: '1.0.0',
    command: undefined,
    subCommands: [
      {
        id: 'go',
        name: 'go',
        description: 'go',
        flags: [
          ['level', arg('n', { default: '1' })],
          ['key', arg('key', { env: 'DEMO_KEY' })],
        ],
        arguments: [arg('first', { default: 'a' }), arg('second', { env: 'DEMO_SECOND', default: 'b' })],
        usage: [],
      },
    ],
    hooks: ['before-push'],
  };
  // Through the adapter interface, as wash uses it: describe an instance's exports, prepare a run.
  const describe = (info: unknown) => wasmcloudWash002.describe({ 'wasmcloud:wash/plugin@0.0.2': { info: () => info } });
  const described = describe(raw);
  const info = described.info as WasmcloudWashInfo;
  const values = (argv: string[], env: Record<string, string> = {}) => {
    const c = (wasmcloudWash002.prepare({ kind: 'run', argv }, described, env) as { command: WashCommand }).command;
    return [...c.flags.map(([k, a]) => `${k}=${a.value}`), ...c.arguments.map((a) => `${a.name}=${a.value}`)].join(' ');
  };

  it('takes values from argv, then granted env, then the default; an empty variable is unset', () => {
    expect(values(['go', '--key', 'k'])).toBe('level=1 key=k first=a second=b');
    expect(values(['go', '1st', '2nd', '--key=k', '--level=-3'])).toBe('level=-3 key=k first=1st second=2nd');
    expect(values(['go'], { DEMO_KEY: 'e', DEMO_SECOND: 's' })).toBe('level=1 key=e first=a second=s');
    expect(() => values(['go'], { DEMO_KEY: '' })).toThrow("missing required option '--key' (or set DEMO_KEY)");
    expect(() => values(['go', '--key', 'k', '--key', 'k2'])).toThrow("option '--key' given more than once");
    // A value that looks like an option is a usage error, as in clap; `=` passes it.
    expect(() => values(['go', '--key', '--looks-like-a-flag'])).toThrow("option '--key' needs a value <key>, not '--looks-like-a-flag'");
    expect(values(['go', '--key=--looks-like-a-flag'])).toBe('level=1 key=--looks-like-a-flag first=a second=b');
    expect(values(['go', '--key', 'k', '-5'])).toBe('level=1 key=k first=-5 second=b');
  });

  it('records hooks it cannot map, and refuses bad declarations', () => {
    expect(info.ignoredHooks).toEqual(['before-push']);
    const dupFlag = structuredClone(raw);
    dupFlag.subCommands[0]!.flags.push(['key', arg('again')]);
    expect(() => describe(dupFlag)).toThrow("declares '--key' twice");
    const badName = { ...raw, name: 'plugin' };
    expect(() => describe(badName)).toThrow("name 'plugin' is reserved");
    const badFlag = structuredClone(raw);
    badFlag.subCommands[0]!.flags[0]![0] = 'has space';
    expect(() => describe(badFlag)).toThrow('is not a flag name');
  });
});
