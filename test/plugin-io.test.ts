// Flags anywhere, questions, and files named on the command line, through the
// real CLI: `-o/--output` after the plugin name (SDK plugins; a plugin parsing
// its own argv keeps it raw), `keys rm` asking on a terminal (tmux) or
// refusing without one, `--seed-file` on keys public/sign/import, and a
// plugin built against wash:plugin@0.2.0 still running on this 0.2.1 host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUser } from 'nkeys.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildPlugin } from '../scripts/componentize-plugin.mjs';
import { makeXdg, ROOT, runWash, type Xdg } from './helpers.js';
import { EXAMPLE_DIR, V020_WASM } from './fixtures.js';
import { hasTmux, Tmux } from './tmux.js';

let xdg: Xdg;
const terminal = new Tmux();
const onPath = { env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } };
const keys = (args: string[], options: { input?: string; cwd?: string } = {}) => runWash(['--allow-scratch', 'keys', ...args], { xdg, ...options });
const storedKey = (name: string) => join(xdg.data, 'plugins', 'fs', 'core.keys', 'keys', `${name}.nk`);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  await buildPlugin(join(ROOT, 'plugins', 'keys'), { log: () => undefined }); // skipped when unchanged
  xdg = await makeXdg();
});
afterAll(async () => {
  terminal.kill();
  await xdg?.cleanup();
});

describe('-o/--output after the plugin name', () => {
  it('wash keys list -o json, keys -o json list and keys gen user --output=json print one JSON document', async () => {
    const saved = await keys(['gen', 'user', '--save', 'alice', '-o', 'json']);
    expect(saved.code, saved.stderr).toBe(0);
    const alice = JSON.parse(saved.stdout);
    expect(alice).toMatchObject({ saved_as: 'alice', public_key: expect.stringMatching(/^U[A-Z0-9]{55}$/) });
    const listed = [{ name: 'alice', type: 'user', public_key: alice.public_key }];
    for (const args of [
      ['list', '-o', 'json'],
      ['list', '--output', 'json'],
      ['-o', 'json', 'list'],
      ['list', '-ojson'],
    ]) {
      const r = await keys(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual(listed);
    }
    const gen = await runWash(['keys', 'gen', 'user', '--output=json'], { xdg });
    expect(gen.code, gen.stderr).toBe(0);
    expect(Object.keys(JSON.parse(gen.stdout))).toEqual(['public_key', 'seed']);
    // Text stays text: `-o text` after the name also overrides `-o json` before it.
    const text = await runWash(['-o', 'json', '--allow-scratch', 'keys', 'list', '-o', 'text'], { xdg });
    expect(text.stdout).toMatch(/^name\s+type\s+public_key\nalice\s+user\s+U/);
  });

  it('wash example json -o json: the same document as wash -o json example json; the guest stdout goes to stderr', async () => {
    const before = await runWash(['-o', 'json', 'example', 'json'], { xdg, ...onPath });
    const after = await runWash(['example', 'json', '-o', 'json'], { xdg, ...onPath });
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual({ ok: true, count: 2, label: 'x' });
    expect(after.stdout).toBe(before.stdout);
    expect((await runWash(['example', 'json'], { xdg, ...onPath })).stdout).toBe('ok     true\ncount  2\nlabel  x\n');
    // A plain print goes to stderr under json, after the name as before it.
    const greet = await runWash(['example', 'greet', '--name', 'Ada', '-o', 'json'], { xdg, ...onPath });
    expect([greet.code, greet.stdout]).toEqual([0, '']);
    expect(greet.stderr).toContain('hello, Ada');
    const bad = await runWash(['example', 'json', '-o', 'yaml'], { xdg, ...onPath });
    expect(bad.code).toBe(2);
    // Nothing was used, so nothing about access is said: the usage error is all there is.
    expect(bad.stderr).toBe("error: invalid value 'yaml' for '--output' (one of: text, json)\nsee 'wash example json --help'\n");
  });

  it('parser forms through the real CLI: bundles, -n2, options before the command words, and their usage errors', async () => {
    const added = await runWash(['-o', 'json', 'example', 'team', '-ojson', 'member', 'add', 'ada', '-rlead'], { xdg, ...onPath });
    expect(JSON.parse(added.stdout)).toEqual({ added: 'ada', role: 'lead' });
    const greet = await runWash(['example', 'greet', '-nAda', '--shout', '--', '-5'], { xdg, ...onPath });
    expect(greet.stdout).toBe('HELLO, ADA -5\n');
    const cases: [string[], string, string][] = [
      [['example', 'greet', '--name'], "option '--name' needs a value <who>", 'greet'],
      [
        ['example', 'greet', '--name', '--shout'],
        "option '--name' needs a value <who>, not '--shout' (to pass a value that starts with '-', write --name=--shout)",
        'greet',
      ],
      [['example', '--name', 'x', 'greet'], "option '--name' goes after the command it belongs to (greet)", ''],
      [['example', 'team', 'member', '-r', 'x', 'add', 'ada'], "option '-r' goes after the command it belongs to (team member add)", ' team member'],
    ];
    for (const [args, message, where] of cases) {
      const r = await runWash(args, { xdg, ...onPath });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').slice(-2), args.join(' ')).toEqual([
        `error: ${message}`,
        `see 'wash example${where ? ` ${where.trim()}` : ''} --help'`,
      ]);
    }
    // Help still finds the command when a value is missing before --help.
    const help = await runWash(['example', 'greet', '--name', '--help'], { xdg, ...onPath });
    expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, 'Print a greeting']);
  });

  it('help shows -o, --output <text|json> on every command; a command with its own -o keeps it', async () => {
    for (const args of [
      ['keys', 'list', '--help'],
      ['keys', 'rm', '--help'],
      ['example', 'team', 'member', 'add', '--help'],
    ]) {
      const help = await runWash(args, { xdg, ...onPath });
      expect(help.stdout, args.join(' ')).toMatch(/^ {2}-o, --output <text\|json>\s+Output format: json prints one JSON document on stdout$/m);
    }
    const own = await runWash(['example', 'own-o', '--help'], { xdg, ...onPath });
    expect(own.stdout).toMatch(/-o, --only <what>\s+Only this/);
    expect(own.stdout).not.toContain('--output');
    const ran = await runWash(['-o', 'json', 'example', 'own-o', '-o', 'json'], { xdg, ...onPath });
    expect(JSON.parse(ran.stdout)).toEqual({ only: 'json', format: 'json' }); // its own flag: the format did not change
    const text = await runWash(['example', 'own-o', '-o', 'json'], { xdg, ...onPath });
    expect(text.stdout).toBe('only    json\nformat  text\n');
  });

  it('a plugin that parses its own argv gets it raw: nothing switches the format for it', async () => {
    // `echo` bypasses the SDK and emits the argv it received.
    const r = await runWash(['-o', 'json', 'example', 'echo', '-o', 'text', '--output=text'], { xdg, ...onPath });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['-o', 'text', '--output=text']);
  });

  it('a plugin built against wash:plugin@0.2.0 still loads and runs (it imports none of the 0.2.1 functions)', async () => {
    const bytes = await readFile(V020_WASM);
    expect(bytes.includes('wash:plugin/host@0.2.0')).toBe(true);
    expect(bytes.includes('set-output-format')).toBe(false);
    expect((await readFile(join(ROOT, 'plugins', 'keys', 'dist', 'keys.wasm'))).includes('set-output-format')).toBe(true); // the check can fail
    expect((await runWash(['plugin', 'test', V020_WASM, 'hello', '-s', 'Ada'], { xdg })).stdout).toBe('HELLO, ADA\n');
    const json = await runWash(['-o', 'json', 'plugin', 'test', V020_WASM, 'hello'], { xdg });
    expect(JSON.parse(json.stdout)).toEqual({ greeting: 'hello, world' });
    // Its own argv: `-o json` after its name is just words to it (it takes the first as a name).
    expect((await runWash(['plugin', 'test', V020_WASM, 'hello', '-o', 'json'], { xdg })).stdout).toBe('hello, json\n');
  });
});

describe('keys rm asks on a terminal, or wants --yes', () => {
  it('without a terminal: refuses with one line naming --yes, and keeps the key', async () => {
    expect((await keys(['gen', 'user', '--save', 'bob'])).code).toBe(0);
    const r = await keys(['rm', 'bob']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual(["error: removing key 'bob' cannot be undone: pass --yes to remove it"]);
    expect(await exists(storedKey('bob'))).toBe(true);
    const yes = await keys(['rm', 'bob', '--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/^removed key 'bob' \(U[A-Z0-9]{55}\) from .*bob\.nk\n$/);
    expect(await exists(storedKey('bob'))).toBe(false);
  });

  it.skipIf(!hasTmux)('on a terminal: asks, y removes, any other key keeps it; --no-prompt refuses as without one', async () => {
    const env = { ...xdg.env, NO_COLOR: '1' };
    for (const name of ['carol', 'dave', 'erin']) expect((await keys(['gen', 'user', '--save', name])).code).toBe(0);

    const yes = await terminal.run(['--allow-scratch', 'keys', 'rm', 'carol'], { env, dir: xdg.root });
    const asked = await yes.waitFor(/\[y\/N\]\s*$/m);
    expect(asked).toMatch(/^wash: plugin keys asks: remove key 'carol' \(U[A-Z0-9]{55}\)\? It cannot be recovered\. \[y\/N\]\s*$/m);
    yes.keys('y');
    const removed = await yes.waitFor(/EXIT=\d+/);
    expect(removed).toMatch(/\[y\/N\] yes\nremoved key 'carol' \(U[A-Z0-9]{55}\) from .*carol\.nk\nEXIT=0/);
    expect(await exists(storedKey('carol'))).toBe(false);

    // A key typed before the question appeared does not answer it.
    const no = await terminal.run(['--allow-scratch', 'keys', 'rm', 'dave'], { env, dir: xdg.root });
    no.keys('y');
    await no.waitFor(/\[y\/N\]\s*$/m);
    await new Promise((r) => setTimeout(r, 500));
    expect(no.screen()).not.toContain('EXIT=');
    no.keys('n');
    const kept = await no.waitFor(/EXIT=\d+/);
    expect(kept).toMatch(/\[y\/N\] no\nerror: key 'dave' not removed\nEXIT=1/);
    expect(await exists(storedKey('dave'))).toBe(true);

    const noPrompt = await terminal.run(['--no-prompt', '--allow-scratch', 'keys', 'rm', 'erin'], { env, dir: xdg.root });
    const refused = await noPrompt.waitFor(/EXIT=\d+/);
    expect(refused).toContain("error: removing key 'erin' cannot be undone: pass --yes to remove it");
    expect(refused).toContain('EXIT=2');
    expect(refused).not.toContain('[y/N]');
    expect(await exists(storedKey('erin'))).toBe(true);
  });
});

describe('--seed-file: a seed in a file the user names', () => {
  it('public, sign and import read it without any grant; sign | verify round-trips', async () => {
    const user = createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    await writeFile(join(xdg.root, 'frank.nk'), `${seed}\n`);
    await writeFile(join(xdg.root, 'data.bin'), 'signed bytes');
    const here = { xdg, cwd: xdg.root };
    const pub = await runWash(['keys', 'public', '--seed-file', 'frank.nk'], here);
    expect([pub.code, pub.stdout]).toEqual([0, `${user.getPublicKey()}\n`]);
    const sign = await runWash(['keys', 'sign', '--seed-file', join(xdg.root, 'frank.nk')], { ...here, input: 'signed bytes' });
    expect(sign.code, sign.stderr).toBe(0);
    const signature = sign.stdout.trim();
    expect(user.verify(new TextEncoder().encode('signed bytes'), Buffer.from(signature, 'base64'))).toBe(true);
    const verify = await runWash(['keys', 'verify', user.getPublicKey(), signature], { ...here, input: 'signed bytes' });
    expect([verify.code, verify.stdout]).toEqual([0, 'signature is valid\n']);

    const imported = await runWash(['--allow-scratch', 'keys', 'import', 'frank', '--seed-file', 'frank.nk'], here);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await readFile(storedKey('frank'), 'utf8')).toBe(`${seed}\n`);
  });

  it('a clear one-line error: missing file, both or neither, a file holding more than a seed', async () => {
    await writeFile(join(xdg.root, 'two.nk'), 'SUAAA SUBBB\n');
    const here = { xdg, cwd: xdg.root };
    const cases: [string[], number, string][] = [
      [['public', '--seed-file', 'nope.nk'], 1, "error: cannot read 'nope.nk': no such file"],
      [['public', 'SUXYZ', '--seed-file', 'two.nk'], 2, 'error: give a <key> or --seed-file, not both'],
      [['public'], 2, 'error: missing argument <key> (or --seed-file <file>)'],
      [['public', '--seed-file', 'two.nk'], 1, "error: 'two.nk' must hold exactly one seed (S...), nothing else"],
      [['sign', '-'], 2, 'error: stdin holds the data to sign: give the seed as a <key> or with --seed-file'],
    ];
    for (const [args, code, line] of cases) {
      const r = await runWash(['keys', ...args], here);
      expect(r.code, args.join(' ')).toBe(code);
      expect(
        r.stderr.split('\n').filter((l) => l.startsWith('error:')),
        args.join(' '),
      ).toEqual([line]);
      expect(r.stderr).not.toContain('SUAAA');
    }
  });
});
