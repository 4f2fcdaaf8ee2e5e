// oauth against a real OpenID provider: the user's side is driven over real
// HTTP while `wash oauth login` runs as a child process. wash itself receives
// the login's redirect (host.redirect-listen / redirect-wait); the plugin
// checks state and PKCE and exchanges the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeXdg, ROOT, runWash, type Xdg } from './helpers.js';
import { driveUser, oauthLoginArgs, printedLoginUrl, PUBLIC_CLIENT_ID, startProvider, startWash, type TestProvider } from './oidc.js';
import { TINY_AUTH_DIR, TINY_AUTH_WASM } from './fixtures.js';

let xdg: Xdg;
let provider: TestProvider;
let callbackPort: number;
const tokenFile = () => join(xdg.data, 'plugins', 'fs', 'core.oauth', 'tokens.json');
const grants = () => [`--allow-net=http://127.0.0.1:${provider.port}`, '--allow-scratch', '--allow-listen'];

/** Start `wash oauth login` and return once it prints the URL to open. */
async function startLogin(extra: string[] = [], options: { issuer?: string; secret?: string } = {}) {
  const args = [...grants(), '-o', 'json', ...oauthLoginArgs(provider, callbackPort, options), ...extra];
  const login = await startWash(args, xdg);
  return { ...login, url: () => printedLoginUrl(login.stderr()) };
}

const callback = () => `http://127.0.0.1:${callbackPort}/callback`;

async function userinfo(token: string) {
  const r = await fetch(`${provider.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> };
}

beforeAll(async () => {
  xdg = await makeXdg();
  callbackPort = await freePort();
  provider = await startProvider({ port: await freePort(), callbackPort, accessTokenTtl: 2 });
});
afterAll(async () => {
  await provider?.close();
  await xdg?.cleanup();
});

describe('wash oauth', () => {
  it('logs in with the authorization code flow and PKCE; the token works at userinfo', async () => {
    const login = await startLogin();
    const url = new URL(login.url());
    // The plugin asks for the code with PKCE S256 and a state, redirecting to the listener wash opened.
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(callback());
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(login.stderr()).toContain('waiting for authentication');
    expect(login.stderr()).not.toContain(provider.clientSecret);
    const page = await driveUser(url.href, callback(), 'alice');
    expect(page.status).toBe(200);
    expect(page.body).toContain('return to the terminal');
    expect(await login.exited).toBe(0);
    expect(JSON.parse(login.stdout())).toMatchObject({ status: 'logged in', issuer: provider.issuer, subject: 'alice' });

    const stored = JSON.parse(await readFile(tokenFile(), 'utf8')) as { access_token: string; refresh_token: string };
    expect(stored.refresh_token).toBeTruthy();
    expect((await stat(join(xdg.data, 'plugins', 'fs', 'core.oauth'))).mode & 0o777).toBe(0o700);
    expect(await userinfo(stored.access_token)).toMatchObject({ status: 200, body: { sub: 'alice' } });

    const status = await runWash([...grants(), '-o', 'json', 'oauth', 'status'], { xdg });
    expect(JSON.parse(status.stdout)).toMatchObject({ logged_in: true, subject: 'alice', issuer: provider.issuer });
    expect(status.stdout).not.toContain(stored.access_token);
    // Times are dates: ISO 8601 under --output json, a UTC date and how far off it is in text.
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect(JSON.parse(login.stdout()).expires_at).toMatch(iso);
    expect(JSON.parse(status.stdout).expires_at).toMatch(iso);
    const text = await runWash([...grants(), 'oauth', 'status'], { xdg });
    expect(text.stdout).toMatch(/^expires_at\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((in \d+ s|\d+ s ago)\)$/m);
  });

  it('refreshes an expired access token', async () => {
    const before = JSON.parse(await readFile(tokenFile(), 'utf8')) as { access_token: string; expires_at: number };
    await new Promise((r) => setTimeout(r, 2500)); // the provider issues 2 s access tokens here
    expect(before.expires_at).toBeLessThan(Date.now() / 1000);
    const r = await runWash([...grants(), 'oauth', 'token'], { xdg });
    expect(r.code).toBe(0);
    const fresh = r.stdout.trim();
    expect(fresh).not.toBe(before.access_token);
    expect(await userinfo(fresh)).toMatchObject({ status: 200, body: { sub: 'alice' } });
    const after = JSON.parse(await readFile(tokenFile(), 'utf8')) as { access_token: string; expires_at: number };
    expect(after.access_token).toBe(fresh);
    expect(after.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it('wrong state and a second callback: clear page, error, nothing stored', async () => {
    const before = await readFile(tokenFile(), 'utf8');
    const login = await startLogin();
    // Sent together, so both arrive while the login runs: wash takes one (the plugin refuses its state), the other is turned away.
    const pages = await Promise.all(
      ['abc', 'def'].map(async (code) => {
        const r = await fetch(`${callback()}?code=${code}&state=forged`);
        return { status: r.status, text: await r.text() };
      }),
    );
    pages.sort((a, b) => a.status - b.status);
    expect(pages.map((p) => p.status)).toEqual([200, 409]);
    expect(pages[0]!.text).toContain('return to the terminal');
    expect(pages[1]!.text).toContain('Nothing was changed');
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain('error: the callback carried the wrong state');
    expect(await readFile(tokenFile(), 'utf8')).toBe(before);
  });

  it("the provider's error in the callback fails the login; nothing stored", async () => {
    const before = await readFile(tokenFile(), 'utf8');
    const login = await startLogin();
    const state = new URL(login.url()).searchParams.get('state')!;
    const denied = await fetch(`${callback()}?error=access_denied&error_description=${encodeURIComponent('the user said no')}&state=${state}`);
    expect(denied.status).toBe(200);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain('error: the provider refused the login: access_denied (the user said no)');
    expect(await readFile(tokenFile(), 'utf8')).toBe(before);
  });

  it("a wrong client secret fails with the provider's error", async () => {
    const login = await startLogin([], { secret: 'wrong-secret' });
    const page = await driveUser(login.url(), callback());
    expect(page.status).toBe(200);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain('error: the token endpoint refused: invalid_client');
  });

  it('provider down and timeout give clear errors', async () => {
    const down = await runWash(
      [
        `--allow-net=http://127.0.0.1:*`,
        '--allow-scratch',
        '--allow-listen',
        'oauth',
        'login',
        '--issuer',
        `http://127.0.0.1:${await freePort()}`,
        '--client-id',
        'x',
      ],
      { xdg },
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/error: cannot reach the issuer http:\/\/127\.0\.0\.1:\d+: GET .* connection refused/);
    const login = await startLogin(['--timeout', '1']);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain('error: timed out after 1 s waiting for the login callback');
  });

  it('the sandbox holds: no other host, callback on 127.0.0.1 only', async () => {
    const elsewhere = await runWash([...grants(), 'oauth', 'login', '--issuer', 'http://localhost:9', '--client-id', 'x'], { xdg });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('denied by wash');
    const login = await startLogin(['--timeout', '5']);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await expect(fetch(`http://${external.address}:${callbackPort}/`)).rejects.toThrow();
    }
    expect((await fetch(`http://127.0.0.1:${callbackPort}/`)).status).toBe(404); // only the callback path is taken
    login.child.kill('SIGINT');
    expect(await login.exited).toBe(130);
  });

  it('wash login asks the provider and stores its bearer token (0600)', async () => {
    const r = await runWash([...grants(), '-o', 'json', 'login'], { xdg });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { provider: string; token_file: string; creds_file?: string };
    expect(out.provider).toBe('oauth');
    expect(out.creds_file).toBeUndefined();
    expect(out.token_file).toBe(join(xdg.data, 'credentials', 'oauth.token'));
    expect((await stat(out.token_file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(out.token_file, 'utf8')).trim();
    expect(await userinfo(token)).toMatchObject({ status: 200, body: { sub: 'alice' } });
    const unknown = await runWash(['login', '--provider', 'keys'], { xdg });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("plugin 'keys' does not provide credentials");
  });

  it('an open-ended host request is never granted wholesale', async () => {
    const own = await makeXdg();
    try {
      // Nothing is said about hosts before the run; `status` only used its scratch dir.
      const status = await runWash(['oauth', 'status'], { xdg: own });
      expect(status.stderr).not.toContain('*://*');
      expect(status.stderr).toContain('wash: oauth was denied its own scratch directory (no terminal to ask)');
      // At request time the open-ended declaration is narrowed to the host contacted: the denial and its grant name that host.
      const login = await runWash(['oauth', 'login', '--issuer', 'https://issuer.invalid', '--client-id', 'x'], { xdg: own });
      expect(login.code).toBe(1);
      expect(login.stderr).toContain(
        'wash: oauth was denied outgoing HTTP to https://issuer.invalid (no terminal to ask); to grant it: wash plugin grant oauth --net https://issuer.invalid, or for one run: wash --allow-net=https://issuer.invalid oauth ...',
      );
      expect(login.stderr).not.toContain("'*://*:*'");
      expect(login.stderr).not.toContain('--net *://*');
      const all = await runWash(['plugin', 'grant', 'oauth', '--all'], { xdg: own });
      expect(all.code).toBe(0);
      expect(all.stderr).toContain('not granted by --all: outgoing HTTP to *://*:*');
      const config = await readFile(join(own.config, 'config.toml'), 'utf8');
      expect(config).toContain('scratch = true');
      expect(config).not.toContain('*://*');
    } finally {
      await own.cleanup();
    }
  });

  it('logout removes the stored tokens', async () => {
    const r = await runWash([...grants(), '-o', 'json', 'oauth', 'logout'], { xdg });
    expect(JSON.parse(r.stdout)).toEqual({ logged_out: true });
    await expect(stat(tokenFile())).rejects.toThrow();
    const token = await runWash([...grants(), 'oauth', 'token'], { xdg });
    expect(token.code).toBe(1);
    expect(token.stderr).toContain("not logged in: run 'wash oauth login --issuer <url>'");
  });

  it('wash login logs in again, the way the last login did, when no token is stored', async () => {
    const { stderr, stdout, exited } = await startWash([...grants(), '--allow-env=WASH_OAUTH_CLIENT_SECRET', '-o', 'json', 'login'], xdg, {
      env: { WASH_OAUTH_CLIENT_SECRET: provider.clientSecret },
    });
    const page = await driveUser(printedLoginUrl(stderr()), callback(), 'bob');
    expect(page.status).toBe(200);
    expect(await exited).toBe(0);
    const out = JSON.parse(stdout()) as { token_file: string };
    expect(await userinfo((await readFile(out.token_file, 'utf8')).trim())).toMatchObject({ status: 200, body: { sub: 'bob' } });
  });

  it('on a desktop it opens the login page with the platform opener (a granted host-exec); without one it only prints', async () => {
    // A stand-in for xdg-open, first on PATH: it records the URL it was asked to open.
    const bin = join(xdg.root, 'bin');
    const opened = join(xdg.root, 'opened.txt');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const run = (extra: Record<string, string>) =>
      runWash(
        [
          ...grants(),
          '--allow-run=xdg-open',
          'oauth',
          'login',
          '--issuer',
          provider.issuer,
          '--client-id',
          provider.clientId,
          '--port',
          String(callbackPort),
          '--timeout',
          '1',
        ],
        {
          xdg,
          env: { ...env, ...extra },
        },
      );
    // No display: the URL is printed, nothing is opened.
    const headless = await run({});
    expect(headless.stdout).toContain('Open this URL in your browser to log in:');
    await expect(stat(opened)).rejects.toThrow();
    // A display: the opener gets the URL that was printed (granted, and no terminal to confirm on).
    const desktop = await run({ DISPLAY: ':0' });
    expect(desktop.stderr).toContain('timed out after 1 s waiting for the login callback');
    const url = await readFile(opened, 'utf8');
    expect(url).toBe(printedLoginUrl(desktop.stdout));
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(callback());
    // Not granted: it is not run, and the login still works by hand.
    await rm(opened);
    const denied = await runWash(
      [...grants(), 'oauth', 'login', '--issuer', provider.issuer, '--client-id', provider.clientId, '--port', String(callbackPort), '--timeout', '1'],
      {
        xdg,
        env: { ...env, DISPLAY: ':0' },
      },
    );
    expect(denied.stdout).toContain('Open this URL in your browser to log in:');
    await expect(stat(opened)).rejects.toThrow();
  });

  it("the guide's auth plugin (examples/tiny-auth, shown whole in the guide) logs in and serves wash login", async () => {
    // The guide shows the file as it is, and it is under 60 lines.
    const source = await readFile(join(TINY_AUTH_DIR, 'src', 'index.ts'), 'utf8');
    expect(source.trimEnd().split('\n').length).toBeLessThan(60);
    expect(await readFile(join(ROOT, 'docs', 'plugin-authoring.md'), 'utf8')).toContain(`\`\`\`ts\n${source}\`\`\``);
    const own = await makeXdg();
    try {
      expect((await runWash(['plugin', 'install', TINY_AUTH_WASM], { xdg: own })).code).toBe(0);
      const args = [...grants(), 'tinyauth', 'login', '--issuer', provider.issuer, '--client-id', PUBLIC_CLIENT_ID, '--port', String(callbackPort)];
      const { exited, output } = await startWash(args, own, { ready: (out) => /Open this URL in your browser to log in:\n\s+\S+\n/.test(out) });
      const url = new URL(printedLoginUrl(output()));
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const page = await driveUser(url.href, callback(), 'erin');
      expect(page.status).toBe(200);
      expect(await exited, output()).toBe(0);
      expect(output()).toContain('logged in');
      const login = await runWash(['--allow-scratch', '-o', 'json', 'login', '--provider', 'tinyauth'], { xdg: own });
      expect(login.code, login.stderr).toBe(0);
      const token = (await readFile(JSON.parse(login.stdout).token_file, 'utf8')).trim();
      expect(await userinfo(token)).toMatchObject({ status: 200, body: { sub: 'erin' } });
    } finally {
      await own.cleanup();
    }
  });
});
