// What a plugin says about itself (`info`), validated before it reaches help,
// prompts and grants: our contract's validator (src/contract/metadata.ts)
// and the Rust wash contract's (adapters/wasmcloud-wash/describe.ts), fed
// malformed and hostile answers directly.
import { describe, expect, it } from 'vitest';
import { InvalidMetadata, RESERVED_NAMES, invalidPluginName, validateMetadata } from '../../src/contract/metadata.js';
import { detectContract, findAdapter, EXPECTED_EXPORT, ADAPTER_HOOK_NAMES, UnsupportedShape } from '../../src/plugin-host/adapters/index.js';
import { nativeAdapter } from '../../src/plugin-host/adapters/native.js';
import {
  argumentViews,
  checkWasmcloudWashInfo,
  describeWasmcloudWash,
  viewOf,
  type WashCommand,
} from '../../src/plugin-host/adapters/wasmcloud-wash/describe.js';

/** A valid 0.2 `info` answer as jco lifts it; `over` replaces top-level fields. */
const info = (over: Record<string, unknown> = {}) => ({
  id: 'dev.example.tool',
  name: 'tool',
  version: '1.2.3',
  description: 'a tool',
  contact: undefined,
  url: undefined,
  license: 'MIT',
  commands: [
    {
      path: ['run'],
      description: 'run it',
      flags: [{ long: 'level', short: 'l', description: 'how much', valueName: 'n', default: '1', required: false, choices: [], repeatable: false }],
      arguments: [{ name: 'target', description: 'what', required: true, variadic: false }],
      examples: ['wash tool run x'],
    },
  ],
  groups: [],
  access: { env: [], scratchDir: undefined, paths: [], outgoingHttp: [], hostExec: [], incomingHttp: undefined },
  hooks: [],
  providesCredentials: false,
  ...over,
});

/** The answer with the first command replaced by `command` merged over it. */
const withCommand = (command: Record<string, unknown>) => {
  const base = info();
  return info({ commands: [{ ...base.commands[0]!, ...command }] });
};
const withFlag = (flag: Record<string, unknown>) => withCommand({ flags: [{ long: 'f', description: '', required: false, ...flag }] });
const withAccess = (access: Record<string, unknown>) => info({ access: { ...info().access, ...access } });

/** The InvalidMetadata message validateMetadata throws for `raw` (fails the test if it accepts it). */
function problem(raw: unknown): string {
  try {
    validateMetadata(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMetadata);
    return (err as Error).message;
  }
  throw new Error('validateMetadata accepted it');
}

describe('metadata: a valid answer', () => {
  it('comes back normalised: missing optional fields default, switches become booleans', () => {
    const m = validateMetadata(info({ providesCredentials: 1, groups: undefined }));
    expect(m).toMatchObject({
      id: 'dev.example.tool',
      name: 'tool',
      version: '1.2.3',
      contact: undefined,
      license: 'MIT',
      groups: [],
      providesCredentials: true,
    });
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
    expect(m.commands[0]!.arguments[0]).toEqual({ name: 'target', description: 'what', required: true, variadic: false, env: undefined, default: undefined });
  });

  it('accepts the limits exactly: a 64-character name, a 128-character id, 1000 commands', () => {
    const name = `a${'b'.repeat(63)}`;
    const id = `I${'d'.repeat(127)}`;
    const commands = Array.from({ length: 1000 }, (_, i) => ({ ...info().commands[0]!, path: [`c${i}`] }));
    const m = validateMetadata(info({ name, id, commands }));
    expect([m.name.length, m.id.length, m.commands.length]).toEqual([64, 128, 1000]);
  });

  it('extra fields a newer plugin sends are ignored, not kept', () => {
    const m = validateMetadata(info({ futureField: 'x' }));
    expect(m).not.toHaveProperty('futureField');
  });
});

describe('metadata: malformed answers are refused naming the first problem', () => {
  const table: [string, unknown, string][] = [
    ['not a record', 'tool', 'metadata is not a record'],
    ['null', null, 'metadata is not a record'],
    ['a missing name', info({ name: undefined }), 'name is not a string'],
    ['a name with capitals', info({ name: 'Tool' }), "name 'Tool' must match [a-z][a-z0-9-]*"],
    ['a name starting with a digit', info({ name: '1tool' }), "name '1tool' must match [a-z][a-z0-9-]*"],
    ['a name with a slash', info({ name: 'a/b' }), "name 'a/b' must match [a-z][a-z0-9-]*"],
    ['a name of 65 characters', info({ name: 'a'.repeat(65) }), 'name is longer than 64 characters'],
    ['an empty name', info({ name: '' }), "name '' must match [a-z][a-z0-9-]*"],
    ['an id with a space', info({ id: 'dev example' }), "id 'dev example' must be made of letters, digits, '.', '_' and '-'"],
    ['an id starting with a dot', info({ id: '.hidden' }), "id '.hidden' must be made of letters, digits, '.', '_' and '-'"],
    ['an id with a colon (a grant key would)', info({ id: 'core:keys' }), "id 'core:keys' must be made of letters, digits, '.', '_' and '-'"],
    ['an id of 129 characters', info({ id: 'i'.repeat(129) }), 'id is longer than 128 characters'],
    ['a version that is a number', info({ version: 1 }), 'version is not a string'],
    ['a version over 64 characters', info({ version: `1.0.0-${'a'.repeat(60)}` }), 'version is longer than 64 characters'],
    ['a description over 1 KiB', info({ description: 'x'.repeat(1025) }), 'description is longer than 1024 characters'],
    ['a url over 2 KiB', info({ url: `https://x/${'a'.repeat(2048)}` }), 'url is longer than 2048 characters'],
    ['a contact that is not text', info({ contact: 42 }), 'contact is not a string'],
    ['commands not a list', info({ commands: {} }), 'commands is not a list'],
    ['more than 1000 commands', info({ commands: Array.from({ length: 1001 }, () => info().commands[0]) }), 'commands has more than 1000 items'],
    ['a command that is not a record', info({ commands: [7] }), 'commands[0] is not a record'],
    ['a command word with a space', withCommand({ path: ['a b'] }), "commands[0].path word 'a b' is not a command name"],
    ['a command word that is an option', withCommand({ path: ['--help'] }), "commands[0].path word '--help' is not a command name"],
    ['a command word with an escape', withCommand({ path: ['x\u001b[2J'] }), "commands[0].path word 'x\\u{1b}[2J' is not a command name"],
    ['a command path of 9 words', withCommand({ path: Array.from({ length: 9 }, (_, i) => `w${i}`) }), 'commands[0].path has more than 8 items'],
    [
      'a variadic argument before the last',
      withCommand({
        arguments: [
          { name: 'a', description: '', required: false, variadic: true },
          { name: 'b', description: '', required: false, variadic: false },
        ],
      }),
      'commands[0]: only the last argument may be variadic',
    ],
    ['an example that is not text', withCommand({ examples: [null] }), 'commands[0].examples[0] is not a string'],
    ['a flag named with a space', withFlag({ long: 'a b' }), "commands[0].flags[0].long 'a b' is not a flag name"],
    ['a flag named like an option', withFlag({ long: '-x' }), "commands[0].flags[0].long '-x' is not a flag name"],
    ['an empty flag name', withFlag({ long: '' }), "commands[0].flags[0].long '' is not a flag name"],
    ['a short flag of two letters', withFlag({ short: 'ab' }), 'commands[0].flags[0].short must be one letter or digit'],
    ['a short flag that is a dash', withFlag({ short: '-' }), 'commands[0].flags[0].short must be one letter or digit'],
    ['a short flag that is an emoji', withFlag({ short: '🦀' }), 'commands[0].flags[0].short must be one letter or digit'],
    ['a flag without a description', withFlag({ description: undefined }), 'commands[0].flags[0].description is not a string'],
    ['a flag env that is not a name', withFlag({ valueName: 'v', env: 'A=B' }), "commands[0].flags[0].env 'A=B' is not an environment variable name"],
    ['a flag env starting with a digit', withFlag({ valueName: 'v', env: '1A' }), "commands[0].flags[0].env '1A' is not an environment variable name"],
    [
      '101 choices',
      withFlag({ valueName: 'v', choices: Array.from({ length: 101 }, (_, i) => `c${i}`) }),
      'commands[0].flags[0].choices has more than 100 items',
    ],
    [
      'a default outside the choices',
      withFlag({ valueName: 'v', default: 'c', choices: ['a', 'b'] }),
      "commands[0].flags[0].default 'c' is not one of its choices",
    ],
    ['a repeatable switch', withFlag({ repeatable: true }), 'commands[0].flags[0]: a repeatable flag must take a value (value-name)'],
    ['choices on a switch', withFlag({ choices: ['a'] }), 'commands[0].flags[0]: choices need a flag that takes a value (value-name)'],
    [
      'an argument named over 64 characters',
      withCommand({ arguments: [{ name: 'a'.repeat(65), description: '', required: false, variadic: false }] }),
      'commands[0].arguments[0].name is longer than 64 characters',
    ],
    ['a group with an empty path', info({ groups: [{ path: [], description: '' }] }), 'groups[0].path is empty'],
    ['a group word with a slash', info({ groups: [{ path: ['a/b'], description: '' }] }), "groups[0].path word 'a/b' is not a command name"],
    ['more than 100 groups', info({ groups: Array.from({ length: 101 }, (_, i) => ({ path: [`g${i}`], description: '' })) }), 'groups has more than 100 items'],
    ['access missing', info({ access: undefined }), 'access is not a record'],
    ['an env request without a reason', withAccess({ env: [{ name: 'X' }] }), 'access.env[0].reason is not a string'],
    [
      'a path access that is neither',
      withAccess({ paths: [{ path: '/x', access: 'write-only', reason: '' }] }),
      'access.paths[0].access is not read-only or read-write',
    ],
    [
      'a path over 4 KiB',
      withAccess({ paths: [{ path: `/${'a'.repeat(4096)}`, access: 'read-only', reason: '' }] }),
      'access.paths[0].path is longer than 4096 characters',
    ],
    [
      'a host over 1 KiB',
      withAccess({ outgoingHttp: [{ host: `https://${'a'.repeat(1024)}`, reason: '' }] }),
      'access.outgoing-http[0].host is longer than 1024 characters',
    ],
    [
      'a reason over 10 KiB',
      withAccess({ hostExec: [{ binary: 'git', reason: 'r'.repeat(10 * 1024 + 1) }] }),
      'access.host-exec[0].reason is longer than 10240 characters',
    ],
    ['an unknown hook', info({ hooks: ['before-everything'] }), 'hooks[0] is not a known hook'],
    ['a hook that is not text', info({ hooks: [{}] }), 'hooks[0] is not a known hook'],
  ];
  it.each(table)('%s', (_what, raw, message) => {
    expect(problem(raw)).toBe(message);
  });

  it('every name wash keeps for itself is refused, and invalidPluginName agrees with the validator', () => {
    for (const name of RESERVED_NAMES) {
      expect(problem(info({ name }))).toBe(`name '${name}' is reserved for a wash command`);
      expect(invalidPluginName(name)).toBe(`name '${name}' is reserved for a wash command`);
    }
    expect(invalidPluginName('my-plugin2')).toBeUndefined();
    expect(invalidPluginName('../x')).toBe("name '../x' must match [a-z][a-z0-9-]* (at most 64 characters)");
    expect(invalidPluginName('a'.repeat(65))).toMatch(/at most 64 characters/);
    expect(invalidPluginName('a'.repeat(64))).toBeUndefined();
  });

  it('a message is one line: what the plugin sent is quoted escaped (it is printed in errors that keep newlines)', () => {
    // NotAPlugin carries this text to reportError, which keeps newlines: a name with one would print a line of the plugin's.
    expect(problem(info({ name: 'x\nwash: installed keys 9.9.9' }))).toBe("name 'x\\nwash: installed keys 9.9.9' must match [a-z][a-z0-9-]*");
    expect(problem(info({ name: 'x\u202eevil' }))).toBe("name 'x\\u{202e}evil' must match [a-z][a-z0-9-]*");
    expect(problem(info({ id: 'a\r\u001b[2K' }))).toBe("id 'a\\u{d}\\u{1b}[2K' must be made of letters, digits, '.', '_' and '-'");
    expect(problem(info({ version: '1.0.0\n' }))).toBe("version '1.0.0\\n' is not a semantic version (like 1.2.3 or 1.0.0-beta.1)");
    expect(problem(withCommand({ path: ['a\nb'] }))).toBe("commands[0].path word 'a\\nb' is not a command name");
    expect(problem(withFlag({ long: 'a\tb' }))).toBe("commands[0].flags[0].long 'a\\tb' is not a flag name");
    expect(problem(withFlag({ valueName: 'v', env: 'A\nB' }))).toBe("commands[0].flags[0].env 'A\\nB' is not an environment variable name");
    expect(problem(withFlag({ valueName: 'v', default: 'c\n', choices: ['a'] }))).toBe("commands[0].flags[0].default 'c\\n' is not one of its choices");
    expect(problem(info({ groups: [{ path: ['a\nb'], description: '' }] }))).toBe("groups[0].path word 'a\\nb' is not a command name");
  });
});

describe('metadata: env fallbacks become access requests', () => {
  it('each variable a flag or argument falls back to is requested once, naming its uses (four at most)', () => {
    const commands = ['a', 'b', 'c', 'd', 'e'].map((word) => ({
      ...info().commands[0]!,
      path: [word],
      flags: [{ long: 'token', description: '', valueName: 't', required: false, env: 'TOKEN' }],
      arguments: [{ name: 'region', description: '', required: false, variadic: false, env: 'REGION' }],
    }));
    const m = validateMetadata(info({ commands: commands.slice(0, 2) }));
    expect(m.access.env).toEqual([
      { name: 'TOKEN', reason: 'the value of a --token, b --token when not given on the command line' },
      { name: 'REGION', reason: 'the value of a <region>, b <region> when not given on the command line' },
    ]);
    const many = validateMetadata(info({ commands }));
    expect(many.access.env[0]!.reason).toBe('the value of a --token, b --token, c --token, d --token, ... when not given on the command line');
  });

  it('a variable the plugin requests itself keeps its own reason and is not asked for twice', () => {
    const raw = withFlag({ valueName: 'v', env: 'TOKEN' });
    (raw.access as { env: unknown[] }).env = [{ name: 'TOKEN', reason: 'the API token' }];
    expect(validateMetadata(raw).access.env).toEqual([{ name: 'TOKEN', reason: 'the API token' }]);
  });
});

describe('metadata: versions', () => {
  it.each(['0.0.0', '1.2.3-alpha.1+build.7', '999999.0.0'])('accepts %s', (version) => {
    expect(validateMetadata(info({ version })).version).toBe(version);
  });
  it.each(['1.2.3.4', '1.2.3-', '1.2.3+', '1.2.3+a..b', '1.2.3-01', '\u00a01.2.3', '1.2.3\u0000', 'v1.2.3'])('refuses %j', (version) => {
    expect(problem(info({ version }))).toMatch(/is not a semantic version/);
  });
});

describe('contracts: which adapter a component gets', () => {
  it('detection reads export names strictly: package, interface and an accepted major.minor', () => {
    expect(detectContract(['wash:plugin/plugin@0.2.1'])?.id).toBe('wash:plugin');
    expect(detectContract(['wash:plugin/plugin@0.1.0-rc.1'])?.id).toBe('wash:plugin');
    for (const names of [
      ['wash:plugin/plugin'], // no version
      ['wash:plugin/plugin@0.0.9'],
      ['wash:plugin/plugin@0.2'], // not major.minor.patch
      ['wash:plugin/authenticate@0.2.0'], // another interface alone
      ['wash:plugins/plugin@0.2.0'],
      ['evil:plugin/plugin@0.2.0'],
      ['wash:plugin/plugin@0.2.0 '], // a space after the version
      [' wash:plugin/plugin@0.2.0'],
      ['WASH:plugin/plugin@0.2.0'],
      ['wasmcloud:wash/plugin@0.0.2-rc1'], // their versions are exact
      [],
    ]) {
      expect(detectContract(names), JSON.stringify(names)).toBeUndefined();
    }
  });

  it('our contract is tried first; a cache entry without a contract is ours; an unknown one is none', () => {
    expect(detectContract(['wasmcloud:wash/plugin@0.0.2', 'wash:plugin/plugin@0.2.0'])).toBe(nativeAdapter);
    expect(findAdapter(undefined)).toBe(nativeAdapter);
    expect(findAdapter('wasmcloud:wash@0.0.9')).toBeUndefined();
    expect(EXPECTED_EXPORT).toBe('wash:plugin/plugin@0.2 (or 0.1)');
    expect(ADAPTER_HOOK_NAMES).toContain('before-dev-build');
    expect(new Set(ADAPTER_HOOK_NAMES).size).toBe(ADAPTER_HOOK_NAMES.length);
  });
});

describe('wasmcloud:wash info: validated, then mapped to our metadata', () => {
  const lateArg = (name: string, more: Record<string, unknown> = {}) => ({
    name,
    description: `the ${name}`,
    env: undefined,
    default: undefined,
    value: undefined,
    ...more,
  });
  const lateCommand = (name: string, more: Record<string, unknown> = {}) => ({
    id: name,
    name,
    description: `${name} things`,
    flags: [['region', lateArg('region', { env: 'REGION', default: 'eu' })]],
    arguments: [lateArg('target')],
    usage: [`wash x ${name} a`],
    ...more,
  });
  const late = (over: Record<string, unknown> = {}) => ({
    id: 'dev.x.late',
    name: 'late',
    description: 'late shape',
    contact: '',
    url: '',
    license: '',
    version: '0.0.2',
    command: undefined,
    subCommands: [lateCommand('build'), lateCommand('push')],
    hooks: ['before-build', 'after-push'],
    ...over,
  });

  it('sub-commands become commands; each env fallback is requested; none of their late hooks is one of our events', () => {
    const { metadata, info: kept } = describeWasmcloudWash(late(), 'wasmcloud:wash@0.0.2');
    expect(metadata.commands.map((c) => c.path)).toEqual([['build'], ['push']]);
    expect(metadata.commands[0]!.flags[0]).toMatchObject({ long: 'region', valueName: 'region', default: 'eu', env: 'REGION', required: false });
    // As clap: an argument without a default is required.
    expect(metadata.commands[0]!.arguments[0]).toMatchObject({ name: 'target', required: true });
    expect(metadata.access.env).toEqual([{ name: 'REGION', reason: 'the value of build --region, push --region when not given on the command line' }]);
    expect(metadata.access.scratchDir).toBe('a data directory kept between runs, seen by the plugin as /plugin_data');
    expect(metadata.hooks).toEqual([]);
    expect(kept).toMatchObject({ shape: 'late', hooks: ['before-build', 'after-push'], ignoredHooks: ['before-build', 'after-push'] });
  });

  it('a top-level command makes the sub-commands irrelevant (as in the Rust wash)', () => {
    const { metadata } = describeWasmcloudWash(late({ command: lateCommand('main') }), 'wasmcloud:wash@0.0.2');
    expect(metadata.commands.map((c) => c.path)).toEqual([[]]);
  });

  it('refuses duplicates that would make parsing ambiguous', () => {
    expect(() => describeWasmcloudWash(late({ subCommands: [lateCommand('build'), lateCommand('build')] }), 'wasmcloud:wash@0.0.2')).toThrow(
      "sub-command 'build' is declared twice",
    );
    const twice = lateCommand('build', {
      flags: [
        ['x', lateArg('a')],
        ['x', lateArg('b')],
      ],
    });
    expect(() => describeWasmcloudWash(late({ subCommands: [twice] }), 'wasmcloud:wash@0.0.2')).toThrow("sub-commands[0].flags declares '--x' twice");
    // Quoted escaped, on one line.
    const hostile = lateCommand('b\nwash: ok', {
      flags: [
        ['y\r', lateArg('a')],
        ['y\r', lateArg('b')],
      ],
    });
    expect(() => describeWasmcloudWash(late({ subCommands: [hostile] }), 'wasmcloud:wash@0.0.2')).toThrow("sub-commands[0].flags declares '--y\\u{d}' twice");
    expect(() => describeWasmcloudWash(late({ subCommands: [lateCommand('b\nwash: ok'), lateCommand('b\nwash: ok')] }), 'wasmcloud:wash@0.0.2')).toThrow(
      "sub-command 'b\\nwash: ok' is declared twice",
    );
  });

  it('a shape it does not know is UnsupportedShape; a known shape with bad values is InvalidMetadata', () => {
    const shapeError = (raw: unknown) => () => describeWasmcloudWash(raw, 'wasmcloud:wash@0.0.2');
    expect(shapeError([])).toThrow(UnsupportedShape);
    expect(shapeError({ commands: [] })).toThrow('its info has neither `sub-commands` (0.0.2, late 0.0.1) nor `commands` and `default-command` (early 0.0.1)');
    expect(shapeError(late({ subCommands: 'build' }))).toThrow('sub-commands is not a list');
    expect(shapeError(late({ subCommands: [lateCommand('b', { flags: [['x']] })] }))).toThrow('sub-commands[0].flags[0] is not a (name, argument) pair');
    expect(shapeError(late({ subCommands: [lateCommand('b', { flags: [['x', lateArg('a'), 'extra']] })] }))).toThrow(
      'sub-commands[0].flags[0] has more than 2 items',
    );
    expect(shapeError(late({ subCommands: [lateCommand('b', { usage: [1] })] }))).toThrow(UnsupportedShape);
    expect(shapeError(late({ hooks: 'all' }))).toThrow('hooks is not a list');
    // Their names and words then meet our validator.
    expect(shapeError(late({ name: 'help' }))).toThrow(InvalidMetadata);
    expect(shapeError(late({ subCommands: [lateCommand('bad word')] }))).toThrow("commands[0].path word 'bad word' is not a command name");
    expect(shapeError(late({ subCommands: [lateCommand('b', { flags: [['bad flag', lateArg('a')]] })] }))).toThrow(
      "commands[0].flags[0].long 'bad flag' is not a flag name",
    );
    expect(shapeError(late({ subCommands: [lateCommand('b', { flags: [['x', lateArg('a', { env: 'BAD-NAME' })]] })] }))).toThrow(
      'is not an environment variable name',
    );
    expect(shapeError(late({ subCommands: Array.from({ length: 1001 }, (_, i) => lateCommand(`c${i}`)) }))).toThrow('sub-commands has more than 1000 items');
  });

  it('argument views: unnamed early arguments are numbered path/arg; a default makes any argument optional', () => {
    const command = (args: WashCommand['arguments']): WashCommand => ({ id: 'c', name: 'c', description: '', flags: [], arguments: args, usage: [] });
    expect(argumentViews(command([{ description: 'only', isPath: true, required: true }])).map((v) => [v.name, v.required])).toEqual([['path', true]]);
    expect(
      argumentViews(
        command([
          { description: 'a', isPath: true, required: true, defaultValue: 'x' },
          { description: 'b', isPath: false, required: true },
        ]),
      ).map((v) => [v.name, v.required, v.default]),
    ).toEqual([
      ['path1', false, 'x'],
      ['arg2', true, undefined],
    ]);
    expect(viewOf({ name: '', description: '' }, 'value')).toMatchObject({ name: 'value', required: true });
    expect(viewOf({ name: 'n', description: '', default: '' }, 'value')).toMatchObject({ name: 'n', required: false, default: '' });
  });

  it('what the cache kept is checked again when read back (a file is untrusted)', () => {
    const { info: kept } = describeWasmcloudWash(late(), 'wasmcloud:wash@0.0.2');
    const copy = () => JSON.parse(JSON.stringify(kept)) as Record<string, unknown>;
    expect(checkWasmcloudWashInfo(copy())).toEqual(kept);
    expect(() => checkWasmcloudWashInfo({ ...copy(), contract: 'wasmcloud:wash@9' })).toThrow('adapter info has no known contract');
    expect(() => checkWasmcloudWashInfo({ ...copy(), shape: 'sideways' })).toThrow('adapter info has no known shape');
    expect(() => checkWasmcloudWashInfo({ ...copy(), commands: [{ path: ['a', 'b'], command: lateCommand('a') }] })).toThrow(
      'commands[0].path has more than 1 items',
    );
    expect(() => checkWasmcloudWashInfo({ ...copy(), hooks: [1] })).toThrow(UnsupportedShape);
    expect(() => checkWasmcloudWashInfo(null)).toThrow('adapter info is not a record');
  });
});
