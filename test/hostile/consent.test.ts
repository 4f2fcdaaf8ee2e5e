// Consent at the moment of use, in a real terminal (tmux) and without one:
// nothing is asked before the run; the first use of each item asks one
// question answered by one key; "always" and "deny always" are remembered;
// Esc, arrows, Home, Enter, Ctrl-C and typed-ahead keys never grant; without
// a terminal a denial is one line per item at the end, and a run denied
// nothing says nothing about access.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { freePort, makeXdg, runWash, type Xdg } from '../helpers.js';
import { copyFile } from 'node:fs/promises';
import { EXAMPLE_DIR, EXAMPLE_WASM, HOOKER_DIR, HOSTILE_DIR, withCustomSection } from '../fixtures.js';
import { hasTmux, Tmux } from '../tmux.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const terminal = new Tmux();
let xdg: Xdg;
let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  port = await freePort();
  server = createServer((req, res) => {
    seen.push(`${req.headers.host}${req.url}`);
    res.end('served');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});
afterAll(async () => {
  terminal.kill();
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  xdg = await makeXdg();
  seen.length = 0;
});
afterEach(async () => {
  await xdg.cleanup();
});

const baseEnv = (extra: Record<string, string> = {}) => ({ ...xdg.env, HOME: xdg.root, NO_COLOR: '1', WASH_PLUGIN_PATH: HOSTILE_DIR, ...extra });
const inTerminal = (args: string[], extra: Record<string, string> = {}) => terminal.run(args, { env: baseEnv(extra), dir: xdg.root });
const config = () => readFile(join(xdg.config, 'config.toml'), 'utf8').catch(() => '');
const QUESTION = /Allow\? \[y\] once/;
const DONE = /EXIT=\d+/;
const keysScratch = () => join(xdg.data, 'plugins', 'fs', 'core.keys');

describe.skipIf(!hasTmux)('consent in a terminal', () => {
  it('`wash keys gen user` asks nothing and prints nothing about access', async () => {
    const t = await inTerminal(['keys', 'gen', 'user']);
    const done = await t.waitFor(DONE);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(/public_key\s+U[A-Z2-7]{55}/);
    expect(done).not.toMatch(/asks for|Allow\?|denied|scratch/);
    await expect(stat(keysScratch())).rejects.toThrow(); // its scratch dir was not even created
  });

  it('`wash keys gen user --save k` asks once, at the write; A records it; the next run asks nothing', async () => {
    const t = await inTerminal(['keys', 'gen', 'user', '--save', 'k']);
    const asking = await t.waitFor(QUESTION);
    expect(asking).toMatch(/^wash: plugin keys 0\.1\.0 \([0-9a-f]{12}, bundled with wash\) asks for$/m);
    expect(asking).toContain(`  its scratch directory ${keysScratch()}`);
    expect(asking).toContain('  reason: store named keys');
    expect(asking).not.toContain('public_key'); // it is the write that asks, before the key is shown
    t.keys('A');
    const done = await t.waitFor(DONE);
    expect(done).toContain('wash: keys: granted always: scratch dir');
    expect(done).not.toMatch(QUESTION); // the question is replaced by its answer line
    expect(done).toContain('EXIT=0');
    expect(await config()).toMatch(/\[grants\."core:keys"\]\nscratch = true/);
    expect(((await stat(keysScratch())).mode & 0o777).toString(8)).toBe('700');

    const again = await inTerminal(['keys', 'gen', 'user', '--save', 'k2']);
    const second = await again.waitFor(DONE);
    expect(second).toContain('EXIT=0');
    expect(second).not.toMatch(/asks for|granted|denied/);
    const list = await runWash(['-o', 'json', 'keys', 'list'], { xdg });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((k) => k.name)).toEqual(['k', 'k2']);
  });

  it('N is remembered: the next run is refused without a question, permissions list it, revoke clears it', async () => {
    const t = await inTerminal(['keys', 'list']);
    await t.waitFor(QUESTION);
    t.keys('N');
    const done = await t.waitFor(DONE);
    expect(done).toContain('wash: keys: denied always: scratch dir');
    expect(done).toContain('error: the key store is unavailable: wash did not grant this plugin its scratch directory');
    expect(done).toContain('EXIT=1');
    expect(await config()).toContain('[grants."core:keys".deny]\nscratch = true');

    const again = await inTerminal(['keys', 'list']);
    const second = await again.waitFor(DONE);
    expect(second).not.toMatch(QUESTION);
    expect(second).toContain('wash: keys was denied its own scratch directory (you chose "deny always"; to be asked again: wash plugin revoke keys --scratch)');

    const permissions = await runWash(['plugin', 'permissions', 'keys'], { xdg });
    expect(permissions.stdout).toMatch(/keys\s+its own scratch directory\s+deny always\s+store named keys/);
    const json = JSON.parse((await runWash(['-o', 'json', 'plugin', 'permissions', 'keys'], { xdg })).stdout) as { state: string }[];
    expect(json.map((r) => r.state)).toEqual(['denied']);
    const revoke = await runWash(['plugin', 'revoke', 'keys', '--scratch'], { xdg });
    expect(revoke.stdout).toBe('revoked from keys: scratch\n');
    expect(await config()).not.toContain('deny');
    const third = await inTerminal(['keys', 'list']);
    await third.waitFor(QUESTION); // asked again
    third.keys('n');
    expect(await third.waitFor(DONE)).toContain('wash: keys: denied: scratch dir');
    expect(await config()).not.toContain('scratch'); // "n" is for this run only
  });

  it('Esc, an arrow, Home, Enter alone and Ctrl-C each deny at once; none grants, none is remembered', async () => {
    // The old prompt: Esc or an arrow moved the cursor from Deny to "Allow once", and Enter then granted.
    for (const key of [['Home', 'Enter'], ['Escape', 'Enter'], ['Up', 'Enter'], ['Enter'], ['C-c']]) {
      const t = await inTerminal(['-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: 'granted-value' });
      await t.waitFor(/Allow\?/);
      await sleep(600); // past any discarding of typed-ahead keys: these are deliberate answers
      t.keys(...key);
      const done = await t.waitFor(DONE);
      expect(done, key.join(' ')).not.toContain('granted-value');
      expect(done, key.join(' ')).toContain('wash: hostile: denied: env HOSTILE_OK');
      expect(done, key.join(' ')).toContain('error: steal-env: HOSTILE_OK is not visible');
      expect(done, key.join(' ')).toContain('EXIT=1'); // Ctrl-C denies (as Deno's prompt does); the plugin goes on
    }
    expect(await config()).toBe('');
  });

  it('keys typed before the question appeared do not answer it', async () => {
    const t = await inTerminal(['-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: 'granted-value' });
    t.keys('y', 'A', 'y'); // typed ahead while wash is still starting
    await t.waitFor(QUESTION);
    await sleep(700);
    expect(t.screen()).not.toMatch(DONE); // still asking
    t.keys('n');
    const done = await t.waitFor(DONE);
    expect(done).not.toContain('granted-value');
    expect(done).toContain('EXIT=1');
  });

  it('y grants once: the value is seen this run, nothing is recorded, the next run asks again', async () => {
    const t = await inTerminal(['-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: 'granted-value' });
    const asking = await t.waitFor(QUESTION);
    expect(asking).toContain('  environment variable HOSTILE_OK');
    expect(asking).toContain('  reason: an env var it may be granted');
    expect(asking).toMatch(/plugin hostile 6\.6\.6 \([0-9a-f]{12}, \S+hostile\.wasm\) asks for/);
    t.keys('y');
    const done = await t.waitFor(DONE);
    expect(done).toContain('"leaked": "granted-value"');
    expect(done).toContain('EXIT=0');
    expect(await config()).toBe('');
  });

  it('HTTP asks at request time for the concrete host; A records that host, not the declared pattern', async () => {
    const url = `http://127.0.0.1:${port}/data`;
    const t = await inTerminal(['-o', 'json', 'hostile', 'http', url]);
    const asking = await t.waitFor(QUESTION);
    expect(asking).toContain(`  outgoing HTTP to http://127.0.0.1:${port}`);
    expect(seen).toEqual([]); // nothing went out before the answer
    t.keys('A');
    const done = await t.waitFor(DONE);
    expect(done).toContain('"leaked": "served"');
    expect(seen).toEqual([`127.0.0.1:${port}/data`]);
    const text = await config();
    expect(text).toContain(`net = [ "http://127.0.0.1:${port}" ]`);
    expect(text).not.toContain('127.0.0.1:*');
    // Another port is another host: asked again.
    const other = await inTerminal(['hostile', 'http', `http://127.0.0.1:${await freePort()}/`]);
    await other.waitFor(QUESTION);
    other.keys('n');
    expect(await other.waitFor(DONE)).toContain('EXIT=1');
  });

  it('`wash oauth login --issuer X` works at a terminal without --allow-net: it asks for that issuer', async () => {
    const issuer = `http://127.0.0.1:${port}`;
    const t = await terminal.run(['oauth', 'login', '--issuer', issuer, '--client-id', 'wash', '--timeout', '2'], { env: baseEnv(), dir: xdg.root });
    const asking = await t.waitFor(QUESTION);
    expect(asking).toContain(`  outgoing HTTP to ${issuer}`);
    expect(asking).not.toContain('*://*');
    t.keys('y');
    const done = await t.waitFor(DONE);
    // The issuer was reached (this server is no OpenID provider: the plugin says so).
    expect(seen.some((s) => s.startsWith(`127.0.0.1:${port}/.well-known/openid-configuration`))).toBe(true);
    expect(done).toContain('wash: oauth: granted once');
    expect(done).toContain('EXIT=1');
  });

  it('the time a question waits does not count against --timeout', async () => {
    const t = await inTerminal(['--timeout', '2', '-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: 'late-but-fine' });
    await t.waitFor(QUESTION);
    await sleep(3000);
    t.keys('y');
    const done = await t.waitFor(DONE);
    expect(done).toContain('"leaked": "late-but-fine"');
    expect(done).toContain('EXIT=0');
  });

  it('a replaced component: its recorded grants are asked about (was / now) at the first use they cover; A keeps them', async () => {
    const first = join(xdg.root, 'example.wasm');
    await copyFile(EXAMPLE_WASM, first);
    const env = { EXAMPLE_TOKEN: 'secret-token', WASH_PLUGIN_PATH: '' };
    expect((await runWash(['plugin', 'install', first], { xdg, env })).code).toBe(0);
    expect((await runWash(['plugin', 'grant', 'example', '--env', 'EXAMPLE_TOKEN'], { xdg, env })).code).toBe(0);
    const second = await withCustomSection(EXAMPLE_WASM, join(xdg.root, 'example-2.wasm'));
    expect((await runWash(['plugin', 'install', '--force', second], { xdg, env })).code).toBe(0);

    const t = await inTerminal(['-o', 'json', 'example', 'env'], env);
    const asking = await t.waitFor(/Keep them\? \[y\] this run/);
    expect(asking).toMatch(/plugin example 1\.0\.0 \([0-9a-f]{12}, \S+example-2\.wasm\) changed since you granted it access/);
    expect(asking).toMatch(/ {2}was: [0-9a-f]{12} from \S+\/example\.wasm/);
    expect(asking).toMatch(/ {2}now: [0-9a-f]{12} from \S+\/example-2\.wasm/);
    expect(asking).toContain('  recorded grants: env EXAMPLE_TOKEN');
    t.keys('A');
    const done = await t.waitFor(DONE);
    expect(done).toContain('wash: example: kept the earlier grants');
    expect(done).toContain('"EXAMPLE_TOKEN": "secret-token"');
    expect(done).toContain('EXIT=0');
    expect(await config()).toContain('example-2.wasm'); // bound to the new component now
    const again = await runWash(['-o', 'json', 'example', 'env'], { xdg, env });
    expect(JSON.parse(again.stdout)).toEqual({ EXAMPLE_TOKEN: 'secret-token' });
    expect(again.stderr).toBe('');
  });

  it("hooks never ask: another plugin's error hook runs inside the command without a question", async () => {
    const t = await inTerminal(['example', 'fail'], {
      WASH_PLUGIN_PATH: [EXAMPLE_DIR, HOOKER_DIR].join(delimiter),
      HOOK_SECRET: 'the-secret',
    });
    const done = await t.waitFor(DONE);
    expect(done).toContain('HOOK-SAW');
    expect(done).not.toMatch(QUESTION);
    expect(done).not.toContain('the-secret');
    expect(done).not.toMatch(/hooker was denied/);
  });
});

describe('consent without a terminal', () => {
  it('`wash keys gen user 2>&1 >/dev/null` is empty', async () => {
    const r = await runWash(['keys', 'gen', 'user'], { xdg });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a use of a missing item fails inside the plugin; the end of the run has exactly one line per denied item', async () => {
    const url = `http://127.0.0.1:${port}/probe`;
    const r = await runWash(['-o', 'json', 'hostile', 'consent-probe', url], { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR, HOSTILE_OK: 'x' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      scratch: 'access',
      env: 'HOSTILE_OK is not visible',
      http: expect.stringContaining('denied by wash'),
      exec: expect.stringContaining("host-exec of 'echo' denied: not granted"),
    });
    expect(seen).toEqual([]);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      'wash: hostile was denied its own scratch directory (no terminal to ask); to grant it: wash plugin grant hostile --scratch, or for one run: wash --allow-scratch hostile ...',
      'wash: hostile was denied environment variable HOSTILE_OK (no terminal to ask); to grant it: wash plugin grant hostile --env HOSTILE_OK, or for one run: wash --allow-env=HOSTILE_OK hostile ...',
      `wash: hostile was denied outgoing HTTP to http://127.0.0.1:${port} (no terminal to ask); to grant it: wash plugin grant hostile --net http://127.0.0.1:${port}, or for one run: wash --allow-net=http://127.0.0.1:${port} hostile ...`,
      'wash: hostile was denied run host program echo (no terminal to ask); to grant it: wash plugin grant hostile --exec echo, or for one run: wash --allow-run=echo hostile ...',
    ]);
    // --no-prompt says why; the command it prints grants exactly that.
    const noPrompt = await runWash(['--no-prompt', 'hostile', 'consent-probe'], { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR } });
    expect(noPrompt.stderr).toContain('wash: hostile was denied its own scratch directory (--no-prompt)');
    const granted = await runWash(['plugin', 'grant', 'hostile', '--scratch', '--exec', 'echo'], { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR } });
    expect(granted.code, granted.stderr).toBe(0);
    const after = await runWash(['-o', 'json', 'hostile', 'consent-probe'], { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR } });
    expect(JSON.parse(after.stdout)).toEqual({ scratch: 'ok', env: 'HOSTILE_OK is not visible', exec: 'ok' });
    expect(after.stderr).toBe(''); // HOSTILE_OK is not set here: nothing was withheld, nothing to tell
  });

  it('--allow-* and `plugin grant` of something never declared are refused with a message; revoking what is not granted says so', async () => {
    const env = { WASH_PLUGIN_PATH: HOSTILE_DIR, SECRET_TOKEN: 'hunter2' };
    const flagged = await runWash(['--allow-env=SECRET_TOKEN', 'hostile', 'steal-env', 'SECRET_TOKEN'], { xdg, env });
    expect(flagged.stderr.split('\n')[0]).toBe("warning: plugin 'hostile' does not declare env SECRET_TOKEN: not granted (see 'wash hostile --help')");
    expect(flagged.stdout).not.toContain('hunter2');
    const grant = await runWash(['plugin', 'grant', 'hostile', '--env', 'SECRET_TOKEN', '--net', 'https://example.com'], { xdg, env });
    expect(grant.code).toBe(1);
    expect(grant.stderr).toContain("error: plugin 'hostile' does not declare env SECRET_TOKEN, net https://example.com; nothing was granted");
    expect(await config()).toBe('');
    const revoke = await runWash(['plugin', 'revoke', 'hostile', '--env', 'HOSTILE_OK'], { xdg, env });
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe('nothing to revoke for hostile (neither granted nor denied): env HOSTILE_OK\n');
  });

  it('`wash plugin list` shows which events each plugin hooks (text and JSON)', async () => {
    const env = { WASH_PLUGIN_PATH: [EXAMPLE_DIR, HOOKER_DIR].join(delimiter) };
    const text = await runWash(['plugin', 'list'], { xdg, env });
    expect(text.stdout).toMatch(/^NAME .* HOOKS$/m);
    expect(text.stdout).toMatch(/^hooker .*\berror\b.*$/m);
    expect(text.stdout).toMatch(/^keys .* -$/m);
    const json = JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg, env })).stdout) as { name: string; hooks: string[] }[];
    expect(json.find((p) => p.name === 'hooker')!.hooks.sort()).toEqual(['after-install', 'after-login', 'before-login', 'error']);
    expect(json.find((p) => p.name === 'keys')!.hooks).toEqual([]);
  });
});
