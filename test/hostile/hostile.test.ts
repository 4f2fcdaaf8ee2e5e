// The hostile-plugin suite: a real component tries to break out; each attempt
// must end in a clear one-line error, a non-zero exit, and no access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeXdg, runWash, type Xdg } from '../helpers.js';
import { HOSTILE_DIR, HOSTILE_WASM, watToFile } from '../fixtures.js';
import { identityOf } from '../../src/sandbox/identity.js';

let xdg: Xdg;
let server: Server;
let port: number;
const seen: string[] = [];
const run = (args: string[], env: Record<string, string> = {}) => runWash(args, { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR, ...env } });
const lastLine = (text: string) => text.trim().split('\n').at(-1);

beforeAll(async () => {
  xdg = await makeXdg();
  port = await freePort();
  server = createServer((req, res) => {
    seen.push(`${req.headers.host}${req.url}`);
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://localhost:${port}/secret` });
      res.end();
    } else res.end('public');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await xdg.cleanup();
});

describe('hostile plugin', () => {
  it('cannot read env vars it was not granted', async () => {
    const r = await run(['hostile', 'steal-env', 'SECRET_TOKEN'], { SECRET_TOKEN: 'hunter2' });
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe('error: steal-env: SECRET_TOKEN is not visible');
    // Granting one var does not leak another, even with --allow-env naming it (undeclared).
    const granted = await run(['--allow-env=HOSTILE_OK,SECRET_TOKEN', 'hostile', 'steal-env', 'SECRET_TOKEN'], { SECRET_TOKEN: 'x', HOSTILE_OK: 'y' });
    expect(granted.code).toBe(1);
    const ok = await run(['--allow-env=HOSTILE_OK', '-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: 'fine' });
    expect(JSON.parse(ok.stdout).leaked).toBe('fine');
  });

  it('cannot leave its scratch dir with .., absolute paths or symlinks', async () => {
    const scratch = join(xdg.data, 'plugins', 'fs', identityOf({ source: 'path', file: HOSTILE_WASM }).dirName);
    const cases: [string[], string][] = [
      [['read', `${scratch}/../../../../../../../../etc/passwd`], 'not-permitted'],
      [['read', '/etc/passwd'], 'not-permitted'],
      [['symlink-escape', '/etc/passwd'], 'not-permitted'],
      [['symlink-escape', '../../../../../../../../etc/passwd'], 'not-permitted'],
    ];
    for (const [args, code] of cases) {
      const r = await run(['--allow-scratch', 'hostile', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(lastLine(r.stderr), args.join(' ')).toMatch(new RegExp(`^error: [a-z-]+: .*${code}$`));
      expect(r.stdout).not.toContain('root:');
    }
  });

  it("cannot read another plugin's scratch dir", async () => {
    const other = join(xdg.data, 'plugins', 'fs', 'core.keys');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'secret.nk'), 'SUAM...');
    const r = await run(['--allow-scratch', 'hostile', 'read', join(other, 'secret.nk')]);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toContain('not-permitted');
    expect(r.stdout).not.toContain('SUAM');
  });

  it('cannot reach an ungranted host, directly or through a redirect', async () => {
    const granted = `--allow-net=http://127.0.0.1:*`;
    const ok = await run([granted, '-o', 'json', 'hostile', 'http', `http://127.0.0.1:${port}/public`]);
    expect(JSON.parse(ok.stdout).leaked).toBe('public');

    const none = await run(['hostile', 'http', `http://127.0.0.1:${port}/ungranted`]);
    expect(none.code).toBe(1);
    expect(lastLine(none.stderr)).toBe(`error: http: GET http://127.0.0.1:${port}/ungranted: denied by wash: this host was not granted to the plugin`);

    const other = await run([granted, 'hostile', 'http', `http://localhost:${port}/direct`]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`wash: hostile was denied outgoing HTTP to http://localhost:${port}: the plugin does not declare it`);

    const redirected = await run([granted, 'hostile', 'http', `http://127.0.0.1:${port}/redirect`]);
    expect(redirected.code).toBe(1);
    expect(lastLine(redirected.stderr)).toContain(`GET http://localhost:${port}/secret: denied by wash`);

    expect(seen).toContain(`127.0.0.1:${port}/public`);
    expect(seen).toContain(`127.0.0.1:${port}/redirect`);
    expect(seen.filter((s) => s.endsWith('/ungranted') || s.endsWith('/direct') || s.endsWith('/secret'))).toEqual([]);
  });

  it('cannot spoof help with control characters in its metadata', async () => {
    const help = await run(['hostile', '--help']);
    expect(help.stdout).not.toContain('\u001b');
    expect(help.stdout).not.toContain('\u202e');
    expect(help.stdout).toContain('Totally harmless\\u{1b}[2K\\u{1b}[1A helper \\u{202e}evil\\u{202c}');
    expect(help.stdout).toContain('cache\\u{1b}[2K\\u{d}  - nothing else');
    const list = await run(['--help']);
    expect(list.stdout).not.toContain('\u001b');
  });

  it('an absurdly long access request is refused without being shown', async () => {
    const r = await run(['hostile', 'steal-env', 'LONG_ONE'], { LONG_ONE: 'x' });
    expect(r.stderr).toContain('wash: hostile was denied, without asking, an access request too long to show safely');
    expect(r.stderr).not.toContain('xxxxxxxxxx');
    expect(r.stderr.length).toBeLessThan(4096);
    expect(r.code).toBe(1);
  });

  it('is stopped by the timeout, the memory ceiling and the output cap', async () => {
    const loop = await run(['--timeout', '2', 'hostile', 'loop']);
    expect(loop.code).toBe(124);
    expect(lastLine(loop.stderr)).toBe("error: plugin 'hostile' timed out after 2 s");

    const config = join(xdg.root, 'small.toml');
    await writeFile(config, '[settings]\nmemory_mb = 700\n');
    const bomb = await run(['--config', config, 'hostile', 'alloc']);
    expect(bomb.code).toBe(125);
    expect(lastLine(bomb.stderr)).toBe("error: plugin 'hostile' exceeded the memory limit of 700 MiB; stopped");

    const flood = await run(['hostile', 'flood']);
    expect(flood.code).toBe(1);
    expect(lastLine(flood.stderr)).toBe("error: plugin 'hostile' wrote more than 64 MiB of output; stopped");
    expect(flood.stdout.length).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it('a component whose info traps is refused cleanly', async () => {
    const file = await watToFile(
      join(xdg.root, 'wat'),
      'trap-info.wasm',
      `(component
      (core module $m (func (export "info") (result i32) unreachable))
      (core instance $i (instantiate $m))
      (func $info (result u32) (canon lift (core func $i "info")))
      (instance $inst (export "info" (func $info)))
      (export "wash:plugin/plugin@0.1.0" (instance $inst)))`,
    );
    const r = await runWash(['plugin', 'test', file], { xdg });
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(`error: not a wash plugin: ${file} (its info export failed: wasm trap: wasm \`unreachable\` instruction executed)`);
  });

  it('cannot host-exec an undeclared binary', async () => {
    const r = await run(['--allow-run=sh', 'hostile', 'exec', 'sh']);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe("error: exec: host-exec of 'sh' denied: not granted (declare it in access.host-exec; grant with --allow-run=sh)");
  });

  it('20 concurrent grants on one config file lose nothing', async () => {
    const config = join(xdg.root, 'concurrent.toml');
    await writeFile(config, '# mine\n[settings]\ntimeout_seconds = 99\n');
    const results = await Promise.all(
      // Twenty hosts inside the one it declares (http://127.0.0.1:*): a grant of something undeclared is refused.
      Array.from({ length: 20 }, (_, i) => run(['--config', config, 'plugin', 'grant', 'hostile', '--net', `http://127.0.0.1:${9000 + i}`])),
    );
    expect(results.map((r) => r.code)).toEqual(Array(20).fill(0));
    const text = await readFile(config, 'utf8');
    for (let i = 0; i < 20; i++) expect(text).toContain(`"http://127.0.0.1:${9000 + i}"`);
    expect(text).toContain('timeout_seconds = 99');
  });
});
