// The contract itself: wash:plugin@0.2 (env fallbacks, choices, repeatable
// flags, command groups, optional contact/url/license), plugins built against
// 0.1.0 still running, the one argv parser the SDK and the host share, and a
// plugin written without JavaScript (examples/tiny-rust).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CI, ROOT, WASH, makeXdg, runWash, type Xdg } from './helpers.js';
import { EXAMPLE_WASM, HTTP_ANY_WASM, TINY_WASM, V010_WASM, V020_WASM } from './fixtures.js';
import { parseArgv, UsageError, type ParserCommand } from '@wash/plugin-sdk/args';
import { InvalidMetadata, validateMetadata } from '../src/contract/metadata.js';
import { helpRequest, renderCommandHelp, renderHelpTarget, renderPluginHelp } from '../src/output/plugin-help.js';
import { adapterFor, detectContract, UnsupportedShape, type CallContext } from '../src/plugin-host/adapters/index.js';
import { nativeAdapter } from '../src/plugin-host/adapters/native.js';
import { wasmcloudWash001, wasmcloudWash002 } from '../src/plugin-host/adapters/wasmcloud-wash/index.js';
import type { WashCommand, WasmcloudWashInfo } from '../src/plugin-host/adapters/wasmcloud-wash/describe.js';

let xdg: Xdg;
beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  await xdg.cleanup();
});
const lastLine = (text: string) => text.trim().split('\n').at(-1);

/** A 0.1.0-shaped info answer, as jco lifts it. */
const info010 = () => ({
  id: 'dev.example.x',
  name: 'x',
  version: '1.0.0',
  description: 'd',
  contact: '',
  url: 'https://example.invalid',
  license: 'MIT',
  commands: [
    {
      path: ['go'],
      description: 'go',
      flags: [{ long: 'level', short: 'l', description: 'how much', valueName: 'n', default: '1', required: false }],
      arguments: [],
      examples: [],
    },
  ],
  access: { env: [], scratchDir: undefined, paths: [], outgoingHttp: [], hostExec: [], incomingHttp: undefined },
  hooks: [],
  providesCredentials: false,
});

describe('metadata of both versions (unit)', () => {
  it('a 0.1.0 answer gets the 0.2 defaults: no env, no choices, not repeatable, no groups', () => {
    const m = validateMetadata(info010());
    expect(m.commands[0]!.flags[0]).toEqual({
      long: 'level',
      short: 'l',
      description: 'how much',
      valueName: 'n',
      default: '1',
      required: false,
      env: undefined,
      choices: [],
      repeatable: false,
    });
    expect(m.groups).toEqual([]);
    expect(m.contact).toBe('');
  });

  it('a 0.2.0 answer: optional contact/url/license, env fallbacks requested as access, groups', () => {
    const raw = {
      ...info010(),
      contact: undefined,
      url: undefined,
      license: undefined,
      groups: [{ path: ['team', 'member'], description: 'members' }],
      commands: [
        {
          path: ['go'],
          description: 'go',
          flags: [
            { long: 'region', description: 'r', valueName: 'r', default: 'eu', required: false, env: 'X_REGION', choices: ['eu', 'us'], repeatable: false },
            { long: 'tag', description: 't', valueName: 't', required: false, choices: [], repeatable: true },
            { long: 'token', description: 't', valueName: 't', required: true, env: 'X_TOKEN', choices: [], repeatable: false },
          ],
          arguments: [],
          examples: [],
        },
      ],
      access: { ...info010().access, env: [{ name: 'X_TOKEN', reason: 'my own reason' }] },
    };
    const m = validateMetadata(raw);
    expect([m.contact, m.url, m.license]).toEqual([undefined, undefined, undefined]);
    expect(m.groups).toEqual([{ path: ['team', 'member'], description: 'members' }]);
    // X_TOKEN was declared with the plugin's own reason; X_REGION is added, so the user is asked for it.
    expect(m.access.env).toEqual([
      { name: 'X_TOKEN', reason: 'my own reason' },
      { name: 'X_REGION', reason: 'the value of go --region when not given on the command line' },
    ]);
    expect(m.commands[0]!.flags.map((f) => [f.long, f.repeatable, f.choices.join('|')])).toEqual([
      ['region', false, 'eu|us'],
      ['tag', true, ''],
      ['token', false, ''],
    ]);
  });

  it('refuses contradictions: a default outside the choices, a repeatable switch, a bad env name', () => {
    const withFlag = (flag: Record<string, unknown>) => {
      const raw = info010();
      raw.commands[0]!.flags = [{ long: 'f', description: '', required: false, ...flag } as never];
      return () => validateMetadata(raw);
    };
    expect(withFlag({ valueName: 'v', default: 'c', choices: ['a', 'b'] })).toThrow("default 'c' is not one of its choices");
    expect(withFlag({ repeatable: true })).toThrow('a repeatable flag must take a value');
    expect(withFlag({ choices: ['a'] })).toThrow('choices need a flag that takes a value');
    expect(withFlag({ valueName: 'v', env: 'NOT OK' })).toThrow(InvalidMetadata);
    expect(withFlag({ valueName: 'v', env: 'NOT OK' })).toThrow('is not an environment variable name');
  });
});

describe('contract adapters (unit: describe, prepare, call, without a wash process)', () => {
  it('the registry detects each contract by its exports, in one place', () => {
    expect(detectContract(['plugin', 'wash:plugin/plugin@0.2.0'])?.id).toBe('wash:plugin');
    expect(detectContract(['wash:plugin/plugin@0.1.3'])?.id).toBe('wash:plugin');
    expect(detectContract(['wash:plugin/plugin@0.3.0'])).toBeUndefined();
    expect(detectContract(['wash:plugin/plugin@1.2.0'])).toBeUndefined();
    expect(detectContract(['wasmcloud:wash/plugin@0.0.2'])).toBe(wasmcloudWash002);
    expect(detectContract(['wasmcloud:wash/plugin@0.0.1'])).toBe(wasmcloudWash001);
    expect(detectContract(['wasmcloud:wash/plugin@0.0.3', 'wasi:cli/run@0.2.0'])).toBeUndefined();
    expect(adapterFor('wash:plugin')).toBe(nativeAdapter);
    expect(() => adapterFor('nope:nope@1')).toThrow("no adapter for contract 'nope:nope@1'");
  });

  const context = (): CallContext => ({
    pluginName: 'x',
    invocation: { layout: {} as never, outputFormat: 'text', logLevel: 'info', context: new Map(), emitted: [] },
    imports: {},
    debug: () => undefined,
  });

  it('ours: describe reads either minor; prepare leaves argv to the plugin; call maps run, hook and authenticate', () => {
    const described = nativeAdapter.describe({ 'wash:plugin/plugin@0.1.0': { info: info010 } });
    expect(described.metadata.name).toBe('x');
    const argv = ['go', '--', '-x=1', ' ', 'ü'];
    expect(nativeAdapter.prepare({ kind: 'run', argv }, described, {})).toEqual({ kind: 'run', argv });
    expect(() => nativeAdapter.prepare({ kind: 'hook', hook: 'error' }, described, {})).toThrow("plugin 'x' does not handle the 'error' hook");
    expect(() => nativeAdapter.describe({ 'wash:plugin/plugin@0.2.0': { info: () => ({ ...info010(), name: 'Bad' }) } })).toThrow(InvalidMetadata);
    expect(() => nativeAdapter.describe({ 'wash:plugin/plugin@0.3.0': { info: info010 } })).toThrow('component does not export wash:plugin/plugin@0.2');
    const seen: unknown[] = [];
    const raw = {
      'wash:plugin/plugin@0.2.0': { run: (a: string[]) => (seen.push(a), 7), hook: (h: string) => void seen.push(h) },
      'wash:plugin/authenticate@0.2.0': { authenticate: () => ({ bearerToken: 't' }) },
    };
    expect(nativeAdapter.call(raw, { kind: 'run', argv }, context())).toEqual({ status: 7 });
    expect(nativeAdapter.call(raw, { kind: 'hook', hook: 'error' }, context())).toEqual({ status: 0 });
    expect(nativeAdapter.call(raw, { kind: 'authenticate' }, context())).toEqual({ status: 0, value: { bearerToken: 't' } });
    expect(seen).toEqual([argv, 'error']);
    expect(() => nativeAdapter.call({ 'wash:plugin/plugin@0.2.0': {} }, { kind: 'authenticate' }, context())).toThrow(
      "plugin 'x' does not export authenticate",
    );
    expect([nativeAdapter.scratchMount, nativeAdapter.execGrants, nativeAdapter.inspectRows(described)]).toEqual([undefined, 'declared', []]);
  });

  // The Rust wash's 0.0.1, first shape: default-command/commands, unnamed arguments with required/is-path.
  const earlyArg = (description: string, more: Record<string, unknown> = {}) => ({
    description,
    isPath: false,
    required: false,
    defaultValue: undefined,
    value: '',
    ...more,
  });
  const early = {
    id: 'dev.x.early',
    name: 'early',
    description: '',
    contact: '',
    url: '',
    license: '',
    version: '0.0.1',
    defaultCommand: undefined,
    commands: [
      {
        id: 'copy',
        name: 'copy',
        description: 'Copy',
        flags: [
          ['mode', earlyArg('How', { defaultValue: 'fast' })],
          ['force', earlyArg('Force it')],
        ],
        arguments: [earlyArg('From', { required: true, isPath: true }), earlyArg('To', { isPath: true })],
        usage: ['wash early copy a b'],
      },
    ],
    hooks: ['error', 'dev-register'],
    credentials: ['oci'],
  };
  const run = (adapter: typeof wasmcloudWash001, described: ReturnType<typeof wasmcloudWash001.describe>, argv: string[], env: Record<string, string> = {}) =>
    (adapter.prepare({ kind: 'run', argv }, described, env) as { command: WashCommand }).command;

  it('wasmcloud:wash@0.0.1, early and unnamed: mapped metadata, values always strings, hooks mapped to our events', () => {
    const described = wasmcloudWash001.describe({ 'wasmcloud:wash/plugin@0.0.1': { info: () => early } });
    const info = described.info as WasmcloudWashInfo;
    expect(info).toMatchObject({ shape: 'early-unnamed', hooks: ['error', 'dev-register'], ignoredHooks: ['dev-register'], ignoredCredentials: ['oci'] });
    expect(described.metadata.hooks).toEqual(['error']);
    const copy = described.metadata.commands[0]!;
    expect(copy.flags.map((f) => [f.long, f.valueName, f.default, f.required])).toEqual([
      ['mode', 'value', 'fast', false],
      ['force', 'value', undefined, false],
    ]);
    expect(copy.arguments.map((a) => [a.name, a.required])).toEqual([
      ['path1', true],
      ['path2', false],
    ]);
    const command = run(wasmcloudWash001, described, ['copy', 'a']);
    expect(command.flags).toEqual([
      ['mode', { description: 'How', isPath: false, required: false, defaultValue: 'fast', value: 'fast' }],
      ['force', { description: 'Force it', isPath: false, required: false, defaultValue: undefined, value: '' }],
    ]);
    expect(command.arguments.map((a) => a.value)).toEqual(['a', '']);
    expect(() => run(wasmcloudWash001, described, ['copy'])).toThrow('missing argument <path1>');
    expect(wasmcloudWash001.prepare({ kind: 'hook', hook: 'error' }, described, {})).toEqual({ kind: 'hook', hook: 'error', shape: 'early-unnamed' });
    expect(() => wasmcloudWash001.prepare({ kind: 'hook', hook: 'after-login' }, described, {})).toThrow(
      "plugin 'early' does not handle the 'after-login' hook",
    );
    expect(() => wasmcloudWash001.prepare({ kind: 'authenticate' }, described, {})).toThrow("plugin 'early' does not provide credentials");
    expect(wasmcloudWash001.handlesHook(described, 'dev-register')).toBe(true);
    expect(wasmcloudWash001.inspectRows(described)).toEqual([
      ['contract', 'wasmcloud:wash@0.0.1'],
      ['ignored', 'hooks wash has no events for: dev-register'],
      ['ignored', 'credential types wash login has no use for: oci'],
    ]);
    expect([wasmcloudWash001.scratchMount, wasmcloudWash001.execGrants]).toEqual(['/plugin_data', 'granted']);
    // What the cache keeps reads back as it was.
    expect(wasmcloudWash001.checkInfo(JSON.parse(JSON.stringify(info)))).toEqual(info);
    expect(() => wasmcloudWash002.checkInfo(JSON.parse(JSON.stringify(info)))).toThrow('adapter info is for wasmcloud:wash@0.0.1');
  });

  it('wasmcloud:wash@0.0.1, early and named: a default command, required unless defaulted, values absent when not given', () => {
    const named = {
      ...early,
      defaultCommand: { ...early.commands[0]!, flags: [['mode', { name: 'how', description: 'How', default: undefined, value: undefined }]], arguments: [] },
      commands: [],
      hooks: undefined,
      credentials: undefined,
    };
    const described = wasmcloudWash001.describe({ 'wasmcloud:wash/plugin@0.0.1': { info: () => named } });
    expect(described.info).toMatchObject({ shape: 'early-named', hooks: [], ignoredCredentials: [] });
    expect(described.metadata.commands.map((c) => c.path)).toEqual([[]]);
    expect(described.metadata.commands[0]!.flags[0]).toMatchObject({ long: 'mode', valueName: 'how', required: true });
    expect(run(wasmcloudWash001, described, ['--mode', 'slow']).flags).toEqual([
      ['mode', { name: 'how', description: 'How', default: undefined, value: 'slow' }],
    ]);
    expect(() => run(wasmcloudWash001, described, [])).toThrow("missing required option '--mode'");
  });

  it('wasmcloud:wash: an info of no known shape is UnsupportedShape, a bad one InvalidMetadata', () => {
    const describe = (info: unknown) => wasmcloudWash001.describe({ 'wasmcloud:wash/plugin@0.0.1': { info: () => info } });
    expect(() => describe({ id: 'x' })).toThrow(UnsupportedShape);
    expect(() => describe(undefined)).toThrow('metadata is not a record');
    expect(() =>
      describe({ ...early, commands: [{ ...early.commands[0], arguments: [{ description: 'd', isPath: 'yes', required: false, value: '' }] }] }),
    ).toThrow(UnsupportedShape);
    expect(() => describe({ ...early, name: 'Bad Name' })).toThrow(InvalidMetadata);
  });
});

describe('the argv parser plugins and host share (unit)', () => {
  const commands: ParserCommand[] = [
    {
      path: ['deploy'],
      flags: [
        { long: 'region', valueName: 'r', default: 'eu', required: false, env: 'REGION', choices: ['eu', 'us'] },
        { long: 'tag', short: 't', valueName: 't', required: false, repeatable: true },
        { long: 'dry-run', required: false, env: 'DRY' },
        { long: 'token', valueName: 't', required: true, env: 'TOKEN' },
      ],
      arguments: [{ name: 'what', required: false, variadic: false }],
    },
    { path: ['team', 'member', 'add'], flags: [], arguments: [{ name: 'name', required: true, variadic: false }] },
    { path: ['team', 'member', 'rm'], flags: [], arguments: [] },
  ];
  const parse = (argv: string[], env: Record<string, string> = {}) => parseArgv(commands, argv, { env });

  it('a value comes from argv, else the env variable (empty = unset), else the default', () => {
    expect(parse(['deploy', '--token', 'a']).flags).toEqual({ region: 'eu', tag: [], token: 'a' });
    expect(parse(['deploy'], { TOKEN: 'e', REGION: 'us', DRY: 'on' }).flags).toEqual({ region: 'us', tag: [], 'dry-run': true, token: 'e' });
    expect(parse(['deploy', '--token=x', '--region', 'eu'], { TOKEN: 'e', REGION: 'us', DRY: 'off' }).flags).toEqual({
      region: 'eu',
      tag: [],
      'dry-run': false,
      token: 'x',
    });
    expect(() => parse(['deploy'], { TOKEN: '' })).toThrow("missing required option '--token' (or set TOKEN)");
    expect(() => parse(['deploy', '--token', 'a'], { DRY: 'maybe' })).toThrow(
      "DRY must be one of 1, true, yes, on, 0, false, no, off for '--dry-run', got 'maybe'",
    );
  });

  it('choices are checked wherever the value came from', () => {
    expect(() => parse(['deploy', '--token', 'a', '--region', 'mars'])).toThrow("invalid value 'mars' for '--region' (one of: eu, us)");
    expect(() => parse(['deploy', '--token', 'a'], { REGION: 'mars' })).toThrow("invalid value 'mars' for '--region' from REGION (one of: eu, us)");
  });

  it('repeatable flags collect values in order; others refuse a second value', () => {
    expect(parse(['deploy', '--token', 'a', '-t', 'x', '--tag=y', '-t', 'z']).flags.tag).toEqual(['x', 'y', 'z']);
    expect(() => parse(['deploy', '--token', 'a', '--token', 'b'])).toThrow("option '--token' given more than once");
  });

  it('negative numbers are values; groups of commands name their subcommands', () => {
    expect(parse(['deploy', '--token', 'a', '-5']).args).toEqual({ what: '-5' });
    expect(() => parse(['deploy', '--token', 'a', '-x'])).toThrow("unknown option '-x'");
    expect(() => parse(['team'])).toThrow("'team' needs a subcommand (one of: member)");
    expect(() => parse(['team', 'member'])).toThrow("'team member' needs a subcommand (one of: add, rm)");
    expect(() => parse(['team', 'member', 'kick'])).toThrow("unknown command 'team member kick'");
    expect(() => parse(['team', 'boss'])).toThrow("unknown command 'team boss'");
    expect(() => parse([])).toThrow(UsageError);
    expect(parse(['team', 'member', 'add', 'ada']).args).toEqual({ name: 'ada' });
  });
});

describe('help for 0.2 metadata (unit)', () => {
  const m = validateMetadata({
    ...info010(),
    groups: [{ path: ['team', 'member'], description: 'Manage the members of a team' }],
    commands: [
      {
        path: ['deploy'],
        description: 'Deploy',
        flags: [
          { long: 'region', description: 'Where', valueName: 'r', default: 'eu', required: false, env: 'X_REGION', choices: ['eu', 'us'], repeatable: false },
          { long: 'tag', short: 't', description: 'A tag', valueName: 'tag', required: false, choices: [], repeatable: true },
        ],
        arguments: [],
        examples: [],
      },
      {
        path: ['team', 'member', 'add'],
        description: 'Add one',
        flags: [],
        arguments: [{ name: 'name', description: 'Who', required: true, variadic: false }],
        examples: [],
      },
      { path: ['team', 'member', 'rm'], description: 'Remove one', flags: [], arguments: [], examples: [] },
    ],
  });

  it('flags show their choices, default, env variable and repeatability', () => {
    const text = renderCommandHelp(m, m.commands[0]!);
    expect(text).toMatch(/--region <r>\s+Where \(one of: eu, us; default: eu; env: X_REGION\)/);
    expect(text).toMatch(/-t, --tag <tag>\.\.\.\s+A tag \(repeatable\)/);
  });

  it('a group has its own page, described or not; the overview lists described groups', () => {
    const group = helpRequest(m, ['team', 'member', '--help']);
    expect(group).toEqual({ kind: 'group', path: ['team', 'member'] });
    const page = renderHelpTarget(m, group!);
    expect(page).toContain('Manage the members of a team');
    expect(page).toContain('Usage: wash x team member <command> [options]');
    expect(page).toMatch(/add <name>\s+Add one/);
    expect(renderHelpTarget(m, helpRequest(m, ['team', '-h'])!)).toMatch(/member add <name>\s+Add one/);
    expect(renderPluginHelp(m)).toMatch(/Command groups:\n\s+team member <command>\s+Manage the members of a team/);
    expect(helpRequest(m, ['nope', '--help'])).toEqual({ kind: 'plugin' });
  });
});

describe('a plugin built against wash:plugin@0.1.0 still loads and runs', () => {
  it('info, help, run, JSON output, exit status, install and list', async () => {
    const info = await runWash(['-o', 'json', 'plugin', 'test', '--info', V010_WASM], { xdg });
    expect(info.code, info.stderr).toBe(0);
    const m = JSON.parse(info.stdout);
    expect(m.exports).toContain('wash:plugin/plugin@0.1.0');
    expect(m).toMatchObject({ name: 'v010', version: '0.1.0', contact: 'wash-ts tests', groups: [] });
    expect(m.commands[0].flags[0]).toMatchObject({ long: 'shout', choices: [], repeatable: false });
    const help = await runWash(['plugin', 'test', V010_WASM, 'hello', '--help'], { xdg });
    expect(help.stdout).toMatch(/-s, --shout\s+Upper-case it/);
    expect((await runWash(['plugin', 'test', V010_WASM, 'hello', '-s', 'Ada'], { xdg })).stdout).toBe('HELLO, ADA\n');
    const json = await runWash(['-o', 'json', 'plugin', 'test', V010_WASM, 'hello'], { xdg });
    expect(JSON.parse(json.stdout)).toEqual({ greeting: 'hello, world' });
    expect((await runWash(['plugin', 'test', V010_WASM, 'exit', '7'], { xdg })).code).toBe(7);
    const usage = await runWash(['plugin', 'test', V010_WASM, 'exit', 'x'], { xdg });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("error: exit needs a status 0-255, got 'x'");

    const own = await makeXdg();
    try {
      expect((await runWash(['plugin', 'install', V010_WASM], { xdg: own })).code).toBe(0);
      const list = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg: own })).stdout) as { name: string }[];
      expect(list.map((p) => p.name)).toContain('v010');
      expect((await runWash(['v010', 'hello', 'Bo'], { xdg: own })).stdout).toBe('hello, Bo\n');
    } finally {
      await own.cleanup();
    }
  });
});

describe('a plugin built against wash:plugin@0.2.0 still loads and runs (0.2.1 only added host functions)', () => {
  it('imports the 0.2.0 host without the new functions, and runs: output, JSON, a denied host call', async () => {
    // The component binds to the host functions it imports, by name: 0.2.0's do not include what 0.2.1 added.
    const bytes = await readFile(V020_WASM);
    expect(bytes.includes('wash:plugin/host@0.2.0')).toBe(true);
    expect(bytes.includes('host-exec')).toBe(true);
    expect(bytes.includes('redirect-listen')).toBe(false);
    // (A plugin that uses them does name them: the check above can fail.)
    expect((await readFile(join(ROOT, 'plugins', 'oauth', 'dist', 'oauth.wasm'))).includes('redirect-listen')).toBe(true);

    const info = await runWash(['-o', 'json', 'plugin', 'test', '--info', V020_WASM], { xdg });
    expect(info.code, info.stderr).toBe(0);
    const m = JSON.parse(info.stdout);
    expect(m.exports).toContain('wash:plugin/plugin@0.2.0');
    expect(m).toMatchObject({ name: 'v020', version: '0.2.0', groups: [] });
    expect(m.commands[0].flags[0]).toMatchObject({ long: 'shout', choices: [], repeatable: false });
    expect((await runWash(['plugin', 'test', V020_WASM, 'hello', '-s', 'Ada'], { xdg })).stdout).toBe('HELLO, ADA\n');
    const json = await runWash(['-o', 'json', 'plugin', 'test', V020_WASM, 'hello'], { xdg });
    expect(JSON.parse(json.stdout)).toEqual({ greeting: 'hello, world' });
    const listen = await runWash(['plugin', 'test', V020_WASM, 'listen'], { xdg });
    expect(listen.code).toBe(1);
    expect(listen.stderr).toContain('incoming HTTP is not granted');
  });
});

describe('wash:plugin@0.2 flags end to end (the example plugin, built with the SDK)', () => {
  const run = (args: string[], options: { env?: Record<string, string>; globals?: string[] } = {}) =>
    runWash([...(options.globals ?? []), '-o', 'json', 'plugin', 'test', EXAMPLE_WASM, ...args], { xdg, env: options.env });

  it('env fallbacks need a grant; choices and repeatable flags parse as declared', async () => {
    const env = { EXAMPLE_REGION: 'us', EXAMPLE_DRY_RUN: '1', EXAMPLE_DEPLOY_TOKEN: 'secret' };
    // Without grants, the variables are unset in the sandbox: the required token is missing.
    const denied = await run(['deploy'], { env });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain("error: missing required option '--token' (or set EXAMPLE_DEPLOY_TOKEN)");
    expect(denied.stderr).toContain('environment variable EXAMPLE_DEPLOY_TOKEN');
    const granted = await run(['deploy'], { env, globals: ['--allow-env=EXAMPLE_REGION,EXAMPLE_DRY_RUN,EXAMPLE_DEPLOY_TOKEN'] });
    expect(granted.code, granted.stderr).toBe(0);
    expect(JSON.parse(granted.stdout)).toEqual({ region: 'us', tag: [], 'dry-run': true, token: 'secret' });
    const flags = await run(['deploy', '--token', 't', '-t', 'a', '--tag', 'b', '--region=eu']);
    expect(JSON.parse(flags.stdout)).toEqual({ region: 'eu', tag: ['a', 'b'], token: 't' });
    const bad = await run(['deploy', '--token', 't', '--region', 'mars']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: invalid value 'mars' for '--region' (one of: eu, us)");
    expect(lastLine(bad.stderr)).toBe("see 'wash example deploy --help'");
  });

  it('help shows the new flag fields and the described group', async () => {
    const deploy = await runWash(['plugin', 'test', EXAMPLE_WASM, 'deploy', '--help'], { xdg });
    expect(deploy.stdout).toMatch(/--region <region>\s+Where to \(one of: eu, us; default: eu; env: EXAMPLE_REGION\)/);
    expect(deploy.stdout).toMatch(/--token <token>\s+Needed \(env: EXAMPLE_DEPLOY_TOKEN; required\)/);
    const group = await runWash(['plugin', 'test', EXAMPLE_WASM, 'team', 'member', '--help'], { xdg });
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('Manage the members of a team');
    expect(group.stdout).toMatch(/rm <name>\s+Remove a member/);
  });
});

// Built by the test setup with Debian's rustc and jco; under CI it must exist (the setup fails otherwise).
describe.skipIf(!CI && !existsSync(TINY_WASM))('a plugin written in Rust without JavaScript (examples/tiny-rust)', () => {
  it('passes plugin test: metadata, help, exports, and nothing requested', async () => {
    const info = await runWash(['-o', 'json', 'plugin', 'test', '--info', TINY_WASM], { xdg });
    expect(info.code, info.stderr).toBe(0);
    const m = JSON.parse(info.stdout);
    expect(m).toMatchObject({ id: 'example.wash.tiny', name: 'tiny', version: '0.1.0', license: 'Apache-2.0', groups: [], hooks: [] });
    expect(m.contact).toBeUndefined();
    expect(m.exports).toContain('wash:plugin/plugin@0.2.1');
    expect(m.imports).toContain('wash:plugin/host');
    expect(m.access).toEqual({ env: [], paths: [], outgoingHttp: [], hostExec: [] });
    expect(m.commands.map((c: { path: string[] }) => c.path.join(' '))).toEqual(['greet', 'fail']);
    const help = await runWash(['plugin', 'test', TINY_WASM, 'greet', '--help'], { xdg });
    expect(help.stdout).toMatch(/--greeting <word>\s+The word to greet with \(one of: hello, hi, hey; default: hello\)/);
    expect(help.stdout).toMatch(/-s, --shout\s+Upper-case the greeting/);
  });

  it('runs with flags, returns exit statuses, emits JSON through the host', async () => {
    const run = (args: string[], globals: string[] = []) => runWash([...globals, 'plugin', 'test', TINY_WASM, ...args], { xdg });
    const plain = await run(['greet']);
    expect([plain.code, plain.stdout, plain.stderr]).toEqual([0, 'hello, world!\n', '']);
    expect((await run(['greet', '--greeting=hey', '-s', 'Ada'])).stdout).toBe('HEY, ADA!\n');
    expect((await run(['greet', '--', '-dash'])).stdout).toBe('hello, -dash!\n');
    const json = await run(['greet', 'Ada'], ['-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ greeting: 'hello, Ada!' });
    const status = await run(['greet', '--exit', '3']);
    expect([status.code, status.stdout]).toEqual([3, 'hello, world!\n']);
    const usage = await run(['greet', '--greeting', 'yo']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("error: invalid value 'yo' for '--greeting' (one of: hello, hi, hey)\nsee 'wash tiny greet --help'\n");
    const unknown = await run(['greet', '--bogus']);
    expect([unknown.code, lastLine(unknown.stderr)]).toEqual([2, "see 'wash tiny greet --help'"]);
    const fail = await run(['fail', 'disk on fire']);
    expect([fail.code, fail.stderr]).toEqual([1, 'error: disk on fire\n']);
  });

  it('installs and runs as wash tiny', async () => {
    const own = await makeXdg();
    try {
      const install = await runWash(['plugin', 'install', TINY_WASM], { xdg: own });
      expect(install.code, install.stderr).toBe(0);
      expect((await runWash(['tiny', 'greet', 'Bo'], { xdg: own })).stdout).toBe('hello, Bo!\n');
      const list = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg: own })).stdout) as { name: string; source: string }[];
      expect(list).toContainEqual(expect.objectContaining({ name: 'tiny', source: 'installed' }));
    } finally {
      await own.cleanup();
    }
  });
});

describe('wash plugin wit', () => {
  it('writes the contract and the WASI packages it uses, which resolve on their own', async () => {
    const out = join(xdg.root, 'project', 'wit');
    const r = await runWash(['-o', 'json', 'plugin', 'wit', '--out', out], { xdg });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ dir: out, package: 'wash:plugin@0.2.1' });
    expect(result.worlds).toEqual(['plugin-guest', 'auth-plugin-guest', 'http-plugin-guest', 'auth-http-plugin-guest']);
    expect(result.deps).toEqual(expect.arrayContaining(['wasi:cli@0.2.12', 'wasi:http@0.2.12', 'wasi:http@0.2.10', 'wasi:io@0.2.12']));
    expect(await readFile(join(out, 'plugin.wit'), 'utf8')).toBe(await readFile(join(ROOT, 'wit', 'plugin.wit'), 'utf8'));
    expect(existsSync(join(out, 'deps', 'LICENSE.md'))).toBe(true);
    // Every world resolves against what was written, as a bindings generator needs.
    const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
    _setPreopens({ '/': '/' });
    const { componentEmbed } = await import('@bytecodealliance/jco');
    for (const world of result.worlds) {
      const embedded = await componentEmbed({ dummy: true, witPath: out, world });
      expect(embedded.length, world).toBeGreaterThan(0);
    }
    // Written again over itself (an update), other files in the directory stay.
    await writeFile(join(out, 'mine.wit'), 'package me:mine;\n');
    const again = await runWash(['plugin', 'wit', '--out', out], { xdg });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('wrote wash:plugin@0.2.1 and 10 WASI packages to');
    expect(existsSync(join(out, 'mine.wit'))).toBe(true);
    const file = join(xdg.root, 'a-file');
    await writeFile(file, 'x');
    const bad = await runWash(['plugin', 'wit', '--out', file], { xdg });
    expect([bad.code, lastLine(bad.stderr)]).toEqual([1, `error: cannot write the WIT to ${file}: not a directory`]);
  });

  it.skipIf(!CI && !existsSync(TINY_WASM))('is enough to build a plugin in another language: tiny, against the written copy', async () => {
    const project = join(xdg.root, 'tiny-from-wit');
    await cp(join(ROOT, 'examples', 'tiny-rust', 'src'), join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ wash: { name: 'tiny', world: 'plugin-guest', wit: 'wit' } }));
    expect((await runWash(['plugin', 'wit', '--out', join(project, 'wit')], { xdg })).code).toBe(0);
    // @ts-expect-error: a plain .mjs build script without types
    const { buildRustPlugin } = await import('../scripts/build-rust-plugin.mjs');
    const built = (await buildRustPlugin(project, { log: () => undefined })) as { file: string };
    const r = await runWash(['plugin', 'test', built.file, 'greet', 'wit'], { xdg });
    expect([r.code, r.stdout]).toEqual([0, 'hello, wit!\n']);
  });
});

describe.skipIf(!CI && !existsSync(HTTP_ANY_WASM))('an incoming handler of any wasi:http 0.2.x', () => {
  it('a plugin exporting incoming-handler@0.2.12 (not 0.2.10) is served through host.listen', async () => {
    const info = JSON.parse((await runWash(['-o', 'json', 'plugin', 'test', '--info', HTTP_ANY_WASM], { xdg })).stdout);
    expect(info.exports).toContain('wasi:http/incoming-handler@0.2.12');
    expect(info.exports).not.toContain('wasi:http/incoming-handler@0.2.10');
    const child = spawn(process.execPath, [WASH, '--allow-listen', 'plugin', 'test', HTTP_ANY_WASM, 'serve'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: xdg.root, NO_COLOR: '1', ...xdg.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
          if (m) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`wash exited before serving: ${stderr}`)));
      });
      const response = await fetch(`${url}hello?x=1`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('served by wasi:http/incoming-handler@0.2.12 at /hello?x=1\n');
      expect(await exited, stderr).toBe(0);
      expect(stdout).toContain('answered /hello?x=1\n');
    } finally {
      child.kill();
    }
  });
});
