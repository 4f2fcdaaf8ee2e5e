import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, stat, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from './helpers.js';
import { EXAMPLE_DIR, EXAMPLE_WASM, componentExporting, watToFile } from './fixtures.js';
import { identityOf } from '../src/sandbox/identity.js';

let xdg: Xdg;
const onPath = () => ({ xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });

beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  await xdg.cleanup();
});

describe('help', () => {
  it('wash --help lists host commands and plugins with their descriptions', async () => {
    const r = await runWash(['--help'], onPath());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plugin <command>\s+Manage plugins/);
    expect(r.stdout).toMatch(/example\s+Example plugin used by the wash test suite/);
  });

  it('wash <plugin> with no args and with --help render the overview from info', async () => {
    for (const args of [['example'], ['example', '--help'], ['help', 'example']]) {
      const r = await runWash(args, onPath());
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: wash example <command> [options]');
      expect(r.stdout).toMatch(/user add <name>\s+A second-level command/);
      expect(r.stdout).toMatch(/scratch dir\s+keep test state between runs/);
    }
  });

  it('renders help for one command, multi-level included', async () => {
    const greet = await runWash(['example', 'greet', '--help'], onPath());
    expect(greet.stdout).toContain('Usage: wash example greet [options] [extra...]');
    expect(greet.stdout).toMatch(/-n, --name <who>\s+Who to greet \(default: world\)/);
    expect(greet.stdout).toContain('wash example greet --name Ada');
    const viaHelp = await runWash(['help', 'example', 'user', 'add'], onPath());
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('Usage: wash example user add [options] <name>'); // [options]: -o/--output, on every command
    const missing = await runWash(['help', 'example', 'nope'], onPath());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("plugin 'example' has no command 'nope'");
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    const r = await runWash(['--version']);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe('running plugins', () => {
  it('passes argv through untouched: --, -x=1, spaces, unicode, empty strings', async () => {
    const args = ['--', '-x=1', 'a b', 'ünï 🦀', '', '--help=no', '-'];
    const r = await runWash(['--output', 'json', 'example', 'echo', ...args], onPath());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(args);
  });

  it('plugin flags and arguments are parsed by the plugin', async () => {
    const r = await runWash(['example', 'greet', '-n', 'Ada', '--shout', 'and', 'friends'], onPath());
    expect(r.stdout.trim()).toBe('HELLO, ADA AND FRIENDS');
  });

  it('maps outcomes to exit statuses: ok, returned status, failure, usage', async () => {
    expect((await runWash(['example', 'greet'], onPath())).code).toBe(0);
    expect((await runWash(['example', 'exit', '7'], onPath())).code).toBe(7);
    const fail = await runWash(['example', 'fail', 'disk on fire'], onPath());
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('error: disk on fire');
    const usage = await runWash(['example', 'usage'], onPath());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error: you held it wrong');
    expect(usage.stderr).toContain("see 'wash example usage --help'"); // the help of the command that failed
    const badFlag = await runWash(['example', 'greet', '--nope'], onPath());
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--nope'");
  });

  it('a trap becomes one line naming the plugin, no host stack trace', async () => {
    const r = await runWash(['example', 'trap'], onPath());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: plugin 'example' crashed: wasm trap");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no host JS stack
  });

  it('unknown plugin: suggestion and exit 2', async () => {
    const r = await runWash(['exmaple'], onPath());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'exmaple'. Did you mean 'example'?");
  });

  it('bad global options are usage errors', async () => {
    const r = await runWash(['--output', 'yaml', 'example'], onPath());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--output' must be one of: text, json");
  });

  it('--output json: structured output parses; the guest stdout goes to stderr', async () => {
    const table = await runWash(['--output', 'json', 'example', 'table'], onPath());
    expect(JSON.parse(table.stdout)).toEqual([
      { name: 'a', size: '1' },
      { name: 'b', size: '22' },
    ]);
    const greet = await runWash(['-o', 'json', 'example', 'greet'], onPath());
    expect(greet.stdout).toBe('');
    expect(greet.stderr).toContain('hello, world');
    const text = await runWash(['example', 'table'], onPath());
    expect(text.stdout).toBe('name  size\na     1\nb     22\n');
  });

  it('escapes control and bidi characters from plugins in text output', async () => {
    const r = await runWash(['example', 'print-escape'], onPath());
    expect(r.stdout).toContain('a\\u{1b}[31mred\\u{202e}evil');
    expect(r.stdout).not.toContain('\u001b');
    const json = await runWash(['-o', 'json', 'example', 'print-escape'], onPath());
    expect(JSON.parse(json.stdout).text).toBe('a\u001b[31mred\u202eevil');
  });

  it('log lines respect --log-level', async () => {
    const info = await runWash(['example', 'log'], onPath());
    expect(info.stderr).toContain('example: info line');
    expect(info.stderr).not.toContain('debug line');
    const warn = await runWash(['--log-level', 'warn', 'example', 'log'], onPath());
    expect(warn.stderr).not.toContain('info line');
    expect(warn.stderr).toContain('example: warning: warn line');
  });

  it('context store works within an invocation; plugin config persists across runs', async () => {
    const ctx = await runWash(['-o', 'json', 'example', 'context'], onPath());
    expect(JSON.parse(ctx.stdout)).toEqual({ value: 'value-1', keys: ['example.key'] });
    expect((await runWash(['example', 'config', 'set', 'color', 'blue'], onPath())).code).toBe(0);
    const got = await runWash(['-o', 'json', 'example', 'config', 'get', 'color'], onPath());
    expect(JSON.parse(got.stdout)).toEqual({ value: 'blue' });
    await runWash(['example', 'config', 'rm', 'color'], onPath());
    const gone = await runWash(['-o', 'json', 'example', 'config', 'get', 'color'], onPath());
    expect(JSON.parse(gone.stdout)).toEqual({ value: null });
  });

  it('the plugin sees no host environment and gets its own scratch dir', async () => {
    const env = await runWash(['-o', 'json', 'example', 'env'], { ...onPath(), env: { WASH_PLUGIN_PATH: EXAMPLE_DIR, SECRET_TOKEN: 'x' } });
    expect(JSON.parse(env.stdout)).toEqual({});
    const scratch = join(xdg.data, 'plugins', 'fs', identityOf({ source: 'path', file: EXAMPLE_WASM }).dirName);
    // Not granted: the scratch dir is mounted behind a question (asked at its first use). Asking where it is uses nothing.
    const unused = await runWash(['-o', 'json', 'example', 'dirs'], onPath());
    expect(JSON.parse(unused.stdout).scratch).toBe(scratch);
    expect(unused.stderr).toBe(''); // denied nothing, says nothing
    await expect(stat(scratch)).rejects.toThrow(); // not even created
    // Used without a terminal: a permission error inside the plugin, and one line after the run saying how to grant it.
    const denied = await runWash(['example', 'fs-write', `${scratch}/x`, 'hi'], onPath());
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(`error: write ${scratch}/x: access`);
    expect(denied.stderr).toContain(
      'wash: example was denied its own scratch directory (no terminal to ask); to grant it: wash plugin grant example --scratch, or for one run: wash --allow-scratch example ...',
    );
    await expect(stat(scratch)).rejects.toThrow();
    const dirs = JSON.parse((await runWash(['--allow-scratch', '-o', 'json', 'example', 'dirs'], onPath())).stdout);
    expect(dirs.scratch).toBe(scratch);
    expect(((await stat(dirs.scratch)).mode & 0o777).toString(8)).toBe('700');
  });

  it('stdin reaches the plugin', async () => {
    const r = await runWash(['-o', 'json', 'example', 'stdin'], { ...onPath(), input: Buffer.alloc(200_000, 7) });
    expect(JSON.parse(r.stdout)).toEqual({ bytes: 200_000 });
  });
});

describe('hooks', () => {
  it('the error hook runs when a plugin run fails, learning which plugin and its status (not its message)', async () => {
    const r = await runWash(['example', 'fail', 'disk on fire'], onPath());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("example: warning: error hook saw 'example' fail with status 1");
    const ok = await runWash(['example', 'greet'], onPath());
    expect(ok.stderr).not.toContain('error hook');
  });

  it('after-install hooks of other plugins see what was installed', async () => {
    const own = await makeXdg();
    try {
      // Install the example while another copy of it (on WASH_PLUGIN_PATH) handles after-install.
      const r = await runWash(['plugin', 'install', '--force', EXAMPLE_WASM], { xdg: own, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('example: after-install hook saw example 1.0.0');
    } finally {
      await own.cleanup();
    }
  });

  it('wash plugin test --hook calls one hook; an unhandled hook is refused', async () => {
    const r = await runWash(['plugin', 'test', '--hook', 'after-install', EXAMPLE_WASM], { xdg });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('example: after-install hook saw undefined undefined');
    const bad = await runWash(['plugin', 'test', '--hook', 'before-login', EXAMPLE_WASM], { xdg });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("plugin 'example' does not handle the 'before-login' hook");
  });
});

describe('loading components', () => {
  it('refuses files that are not wash plugins with one clear line', async () => {
    const dir = join(xdg.root, 'bad');
    await mkdir(dir, { recursive: true });
    const garbage = join(dir, 'garbage.wasm');
    await writeFile(garbage, 'this is not wasm at all');
    const core = await watToFile(dir, 'core.wasm', '(module)');
    const empty = await watToFile(dir, 'empty.wasm', '(component)');
    const other = await watToFile(dir, 'other.wasm', componentExporting('wasi:cli/run@0.2.0'));
    const old = await watToFile(dir, 'old.wasm', componentExporting('wash:plugin/plugin@0.0.9'));
    const cases: [string, string][] = [
      [garbage, '(not a WebAssembly file)'],
      [core, '(a core WebAssembly module, not a component; expected wash:plugin/plugin@0.2 (or 0.1))'],
      [empty, '(exports no interface; expected wash:plugin/plugin@0.2 (or 0.1))'],
      [other, '(exports wasi:cli/run@0.2.0; expected wash:plugin/plugin@0.2 (or 0.1))'],
      [old, '(exports wash:plugin/plugin@0.0.9; expected wash:plugin/plugin@0.2 (or 0.1))'],
    ];
    for (const [file, why] of cases) {
      const r = await runWash(['plugin', 'test', file], { xdg });
      expect(r.code, file).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(`error: not a wash plugin: ${file} ${why}`);
    }
    const missing = await runWash(['plugin', 'test', join(dir, 'missing.wasm')], { xdg });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('a bad plugin on WASH_PLUGIN_PATH is skipped with a warning, not fatal', async () => {
    const dir = join(xdg.root, 'mixed-path');
    await watToFile(dir, 'broken.wasm', '(component)');
    await copyFile(EXAMPLE_WASM, join(dir, 'example.wasm'));
    const r = await runWash(['--help'], { xdg, env: { WASH_PLUGIN_PATH: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('example');
    expect(r.stderr).toContain(`warning: skipping ${join(dir, 'broken.wasm')}: not a wash plugin`);
  });

  it('transpiles once per digest, rebuilds a corrupt cache entry', async () => {
    const own = await makeXdg({ isolatedCache: true });
    try {
      const args = ['plugin', 'test', EXAMPLE_WASM, 'greet'];
      const first = await runWash(args, { xdg: own });
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('preparing plugin');
      const [entry] = await readdir(join(own.cache, 'transpiled'));
      const coreWasm = join(own.cache, 'transpiled', entry!, 'component.core.wasm');
      const builtAt = (await stat(coreWasm)).mtimeMs;

      const second = await runWash(args, { xdg: own });
      expect(second.stdout).toBe('hello, world\n');
      expect(second.stderr).not.toContain('preparing plugin');
      expect((await stat(coreWasm)).mtimeMs).toBe(builtAt);

      await writeFile(coreWasm, 'truncated');
      const third = await runWash(args, { xdg: own });
      expect(third.code).toBe(0);
      expect(third.stdout).toBe('hello, world\n');
      expect(third.stderr).toContain('preparing plugin');
    } finally {
      await own.cleanup();
    }
  });
});

describe('wash plugin', () => {
  it('install, collision, --force, list, inspect, uninstall', async () => {
    const own = await makeXdg();
    try {
      const installed = await runWash(['-o', 'json', 'plugin', 'install', EXAMPLE_WASM], { xdg: own });
      expect(installed.code).toBe(0);
      expect(JSON.parse(installed.stdout)).toMatchObject({ name: 'example', version: '1.0.0' });

      const again = await runWash(['plugin', 'install', EXAMPLE_WASM], { xdg: own });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("a plugin named 'example' already exists (installed");
      expect(again.stderr).toContain('--force');
      expect((await runWash(['plugin', 'install', '--force', EXAMPLE_WASM], { xdg: own })).code).toBe(0);

      const list = JSON.parse((await runWash(['plugin', 'list', '--output', 'json'], { xdg: own })).stdout) as {
        name: string;
        source: string;
        digest: string;
      }[];
      const example = list.find((p) => p.name === 'example');
      expect(example).toMatchObject({ source: 'installed' });
      expect(example!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const inspect = JSON.parse((await runWash(['-o', 'json', 'plugin', 'inspect', 'example'], { xdg: own })).stdout);
      expect(inspect).toMatchObject({ id: 'test.wash.example', access: { scratchDir: 'keep test state between runs' } });
      expect(inspect.exports).toContain('wash:plugin/plugin@0.2.1');
      expect(inspect.imports).toContain('wash:plugin/host');
      expect(inspect.size).toBe((await stat(EXAMPLE_WASM)).size);

      expect((await runWash(['example', 'greet'], { xdg: own })).stdout).toBe('hello, world\n');
      const removed = await runWash(['plugin', 'uninstall', 'example'], { xdg: own });
      expect(removed.code).toBe(0);
      const after = await runWash(['example'], { xdg: own });
      expect(after.code).toBe(2);
    } finally {
      await own.cleanup();
    }
  });

  it('refuses to uninstall a core plugin', async () => {
    const list = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg })).stdout) as { name: string; source: string }[];
    const core = list.find((p) => p.source === 'embedded');
    expect(core, 'core plugins are built by npm install').toBeDefined();
    const r = await runWash(['plugin', 'uninstall', core!.name], { xdg });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`'${core!.name}' is a core plugin embedded in wash and cannot be uninstalled`);
  });

  it('plugin test --info prints metadata; unknown options are usage errors', async () => {
    const info = await runWash(['-o', 'json', 'plugin', 'test', '--info', EXAMPLE_WASM], { xdg });
    expect(JSON.parse(info.stdout)).toMatchObject({ name: 'example', version: '1.0.0' });
    const bad = await runWash(['plugin', 'test', '--bogus', EXAMPLE_WASM], { xdg });
    expect(bad.code).toBe(2);
  });
});
