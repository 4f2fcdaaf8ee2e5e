// The CLI as a gh, deno or cargo user expects it: help at every level, usage
// errors that point at the right help, checked limits, config show as TOML,
// where plugins came from, grants, and a quiet drain. The real CLI throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from './helpers.js';
import { EXAMPLE_DIR, EXAMPLE_WASM } from './fixtures.js';

let xdg: Xdg;
const onPath = (extra: Record<string, string> = {}) => ({ xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR, ...extra } });

beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  await xdg?.cleanup();
});

describe('help for every level', () => {
  it('a group lists its commands, bare or with --help, at every depth', async () => {
    for (const args of [
      ['example', 'team', 'member'],
      ['example', 'team', 'member', '--help'],
      ['help', 'example', 'team', 'member'],
    ]) {
      const r = await runWash(args, onPath());
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('Usage: wash example team member <command> [options]');
      expect(r.stdout).toMatch(/add <name>\s+Add a member to a team/);
      expect(r.stdout).toMatch(/list\s+List the members of a team/);
      expect(r.stdout).not.toMatch(/Print a greeting/); // not the plugin's overview
    }
    const team = await runWash(['example', 'team'], onPath());
    expect(team.stdout).toMatch(/member add <name>\s+Add a member to a team/);
    expect(team.stdout).toMatch(/^ {2}list\s+List teams$/m);
    const leaf = await runWash(['example', 'team', 'member', 'add', '--help'], onPath());
    expect(leaf.stdout).toContain('Usage: wash example team member add [options] <name>');
    expect(leaf.stdout).toMatch(/-r, --role <role>\s+Their role \(default: member\)/);
    const ran = await runWash(['-o', 'json', 'example', 'team', 'member', 'add', 'ada', '-r', 'lead'], onPath());
    expect(JSON.parse(ran.stdout)).toEqual({ added: 'ada', role: 'lead' });
  });

  it("a usage error points to the help of the command that failed, not the plugin's root", async () => {
    const cases: [string[], string][] = [
      [['example', 'greet', '--nope'], "see 'wash example greet --help'"],
      [['example', 'team', 'member', 'add'], "see 'wash example team member add --help'"],
      [['example', 'team', 'member', 'bogus'], "see 'wash example team member --help'"],
      [['example', 'bogus'], "see 'wash example --help'"],
      [['plugin', 'install'], "see 'wash plugin install --help'"],
      [['config', 'validate', 'extra'], "see 'wash config validate --help'"],
      [['plugin', 'bogus'], "see 'wash plugin --help'"],
    ];
    for (const [args, hint] of cases) {
      const r = await runWash(args, onPath());
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1), args.join(' ')).toBe(hint);
    }
  });

  it('wash help <command words> shows that command, not its parent', async () => {
    const install = await runWash(['help', 'plugin', 'install'], { xdg });
    expect(install.code).toBe(0);
    expect(install.stdout).toContain('Usage: wash plugin install [options] <source>');
    const validate = await runWash(['help', 'config', 'validate'], { xdg });
    expect(validate.stdout).toContain('Usage: wash config validate [options]');
    expect(validate.stdout).not.toContain('Commands:');
    const test = await runWash(['help', 'plugin', 'test'], { xdg });
    expect(test.stdout).toContain('Usage: wash plugin test [options] <file.wasm> [args...]');
    const viaFlag = await runWash(['--help', 'plugin', 'push'], { xdg });
    expect(viaFlag.stdout).toContain('Usage: wash plugin push [options] <plugin> <reference>');
    expect(viaFlag.stdout).toContain('--force');
    const missing = await runWash(['help', 'plugin', 'nope'], { xdg });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("'wash plugin' has no command 'nope'");
  });
});

describe('limits', () => {
  it('--timeout outside 1 s to 24 h is a usage error, never an immediate timeout', async () => {
    for (const value of ['0.001', '0', '-5', '86401', '1e12', 'soon', '']) {
      const r = await runWash([`--timeout=${value}`, 'example', 'greet'], onPath());
      expect(r.code, value).toBe(2);
      expect(r.stderr, value).not.toMatch(/timed out/);
      expect(r.stderr).toMatch(/option '--timeout' (must be from 1 to 86400 seconds|needs a number of seconds)/);
    }
    const ok = await runWash(['--timeout', '30.5', 'example', 'greet'], onPath());
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('timeout_seconds outside the range is a config validate finding, and runs refuse it', async () => {
    const config = join(xdg.root, 'timeout.toml');
    await writeFile(config, '[settings]\ntimeout_seconds = 99999999999\n');
    const validate = await runWash(['-o', 'json', '--config', config, 'config', 'validate'], { xdg });
    expect(validate.code).toBe(1);
    expect(JSON.parse(validate.stdout).problems).toEqual([
      { path: 'settings.timeout_seconds', message: 'must be from 1 to 86400 seconds (24 h)', severity: 'error' },
    ]);
    const run = await runWash(['--config', config, 'example', 'greet'], onPath());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('settings.timeout_seconds: must be from 1 to 86400 seconds');
    expect(run.stderr).not.toMatch(/timed out/);
  });
});

describe('config show', () => {
  it('prints TOML with the keys the file uses, which config validate accepts as it is', async () => {
    const own = await makeXdg();
    try {
      const config = join(own.config, 'config.toml');
      await mkdir(own.config, { recursive: true });
      await writeFile(
        config,
        '[settings]\nmax_output_mb = 8\n\n[registries."127.0.0.1:5000"]\nusername = "me"\npassword = "hunter2"\n\n[grants."core:keys"]\nscratch = true\nenv = ["NATS_URL"]\n',
      );
      const shown = await runWash(['config', 'show'], { xdg: own });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(`# ${config}`);
      expect(shown.stdout).toMatch(
        /^\[settings\]\ntimeout_seconds = 300\nhook_timeout_seconds = 5\nmemory_mb = 2048\nmax_output_mb = 8\nnetwork_timeout_seconds = 60\nmin_download_kib_per_second = 16$/m,
      );
      expect(shown.stdout).toContain('[registries."127.0.0.1:5000"]\nusername = "me"\npassword = "<hidden>"');
      expect(shown.stdout).toContain('[grants."core:keys"]\nscratch = true\nenv = [ "NATS_URL" ]');
      expect(shown.stdout).not.toMatch(/hunter2|timeoutSeconds|maxOutputMb/);

      // What it prints is a config file wash accepts.
      const copy = join(own.root, 'shown.toml');
      await writeFile(copy, shown.stdout);
      const validate = await runWash(['--config', copy, 'config', 'validate'], { xdg: own });
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stdout).toBe(`${copy}: valid\n`);

      const json = JSON.parse((await runWash(['-o', 'json', 'config', 'show'], { xdg: own })).stdout);
      expect(json.settings).toEqual({
        timeout_seconds: 300,
        hook_timeout_seconds: 5,
        memory_mb: 2048,
        max_output_mb: 8,
        network_timeout_seconds: 60,
        min_download_kib_per_second: 16,
      });
      expect(json.grants).toEqual({ 'core:keys': { scratch: true, env: ['NATS_URL'] } });
    } finally {
      await own.cleanup();
    }
  });
});

describe('plugin management', () => {
  it('plugin inspect NAME means the plugin even when a directory of that name is here', async () => {
    const cwd = join(xdg.root, 'inspect-here');
    await mkdir(join(cwd, 'keys'), { recursive: true });
    const r = await runWash(['-o', 'json', 'plugin', 'inspect', 'keys'], { xdg, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'keys', id: 'dev.wash.keys' });
    await copyFile(EXAMPLE_WASM, join(cwd, 'component.wasm'));
    const file = await runWash(['-o', 'json', 'plugin', 'inspect', 'component.wasm'], { xdg, cwd });
    expect(JSON.parse(file.stdout)).toMatchObject({ name: 'example' });
    const dir = await runWash(['plugin', 'inspect', './keys'], { xdg, cwd });
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain('cannot read ./keys: not a file');
    const none = await runWash(['plugin', 'inspect', 'nothing-here'], { xdg, cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no plugin named 'nothing-here'");
  });

  it('plugin grant NAME --all grants everything the plugin declares', async () => {
    const own = await makeXdg();
    try {
      const env = { WASH_PLUGIN_PATH: EXAMPLE_DIR };
      const r = await runWash(['plugin', 'grant', 'example', '--all'], { xdg: own, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^granted to example: /);
      const rows = JSON.parse((await runWash(['-o', 'json', 'plugin', 'permissions', 'example'], { xdg: own, env })).stdout) as {
        granted: boolean;
        request: string;
      }[];
      expect(rows.length).toBeGreaterThanOrEqual(6);
      expect(rows.filter((row) => !row.granted)).toEqual([]);
      const again = await runWash(['plugin', 'grant', 'example', '--all'], { xdg: own, env });
      expect(again.code, again.stderr).toBe(0);
    } finally {
      await own.cleanup();
    }
  });

  it('plugin list shows where each installed plugin came from: a file, a URL', async () => {
    const own = await makeXdg();
    const wasm = await readFile(EXAMPLE_WASM);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasm));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/example.wasm`;
      const fromUrl = await runWash(['plugin', 'install', url], { xdg: own });
      expect(fromUrl.code, fromUrl.stderr).toBe(0);
      type Row = { name: string; source: string; origin: string };
      const list = async () => JSON.parse((await runWash(['-o', 'json', 'plugin', 'list'], { xdg: own })).stdout) as Row[];
      expect((await list()).find((p) => p.name === 'example')).toMatchObject({ source: 'installed', origin: url });
      expect((await list()).find((p) => p.name === 'keys')).toMatchObject({ source: 'embedded', origin: 'core plugin (embedded in wash)' });

      const copy = join(own.root, 'example-copy.wasm');
      await copyFile(EXAMPLE_WASM, copy);
      expect((await runWash(['plugin', 'install', '--force', copy], { xdg: own })).code).toBe(0);
      expect((await list()).find((p) => p.name === 'example')).toMatchObject({ origin: copy });
      const text = await runWash(['plugin', 'list'], { xdg: own });
      expect(text.stdout).toMatch(/^NAME\s+VERSION\s+SOURCE\s+FROM\s+DIGEST\s+DESCRIPTION\s+HOOKS$/m);
      expect(text.stdout).toMatch(new RegExp(`^example\\s+1\\.0\\.0\\s+installed\\s+${copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm'));
    } finally {
      server.close();
      await own.cleanup();
    }
  });
});

describe('drain', () => {
  it('on an empty cache prints one line and no warnings', async () => {
    const own = await makeXdg({ isolatedCache: true });
    try {
      const r = await runWash(['--allow-all', 'drain'], { xdg: own });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('nothing to drain (all)\n');
      expect(r.stderr).toBe('');
      const data = await runWash(['--allow-all', 'drain', 'plugin-data', '--yes'], { xdg: own });
      expect(data).toEqual({ code: 0, stdout: 'nothing to drain (plugin-data)\n', stderr: '' });
    } finally {
      await own.cleanup();
    }
  });
});
