// Attacks on the login redirect wash receives for a plugin (host.redirect-listen
// / redirect-wait), with the real oauth plugin and a real OpenID provider: the
// listener takes exactly one GET to its path addressed to 127.0.0.1:<port>;
// anything else gets a small page and changes nothing; it is on loopback only;
// Ctrl-C frees it; and a plugin that did not declare it gets nothing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeXdg, runWash, type Xdg } from '../helpers.js';
import { HOSTILE_DIR } from '../fixtures.js';
import { driveUser, oauthLoginArgs, printedLoginUrl, startProvider, startWash, type TestProvider } from '../oidc.js';

let xdg: Xdg;
let provider: TestProvider;
let callbackPort: number;
const children: ChildProcess[] = [];
const callback = () => `http://127.0.0.1:${callbackPort}/callback`;
const grants = () => [`--allow-net=http://127.0.0.1:${provider.port}`, '--allow-scratch', '--allow-listen'];
const tokenFile = () => join(xdg.data, 'plugins', 'fs', 'core.oauth', 'tokens.json');

/** Start `wash oauth login` and return once it waits for the redirect. */
async function startLogin(globals = grants()) {
  const login = await startWash([...globals, ...oauthLoginArgs(provider, callbackPort)], xdg);
  children.push(login.child);
  return login;
}

/** A raw HTTP request (fetch may not set Host), with the status and body it got. */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: callbackPort, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'code=abc&state=forged' : undefined);
  });
}

const connectable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

beforeAll(async () => {
  xdg = await makeXdg();
  callbackPort = await freePort();
  provider = await startProvider({ port: await freePort(), callbackPort });
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await provider?.close();
  await xdg?.cleanup();
});

describe('the login redirect wash receives', () => {
  it('a wrong method, path or Host changes nothing; the real redirect still logs in', async () => {
    const login = await startLogin();
    const state = new URL(printedLoginUrl(login.output())).searchParams.get('state')!;
    // A POST to the callback (a form another page submits) must not end the login.
    const post = await rawRequest('POST', `/callback?code=abc&state=${state}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(post.status).toBe(405);
    expect(post.body).toContain('Nothing was changed');
    expect((await rawRequest('HEAD', `/callback?code=abc&state=${state}`)).status).toBe(405);
    // Another path, and a name that resolves here (DNS rebinding): refused, changing nothing.
    const elsewhere = await rawRequest('GET', `/callback/../x?code=abc&state=${state}`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toContain('Nothing was changed');
    const rebound = await rawRequest('GET', `/callback?code=abc&state=${state}`, { host: `evil.example:${callbackPort}` });
    expect(rebound.status).toBe(421);
    expect(rebound.body).toContain('Nothing was changed');
    // Not on any other interface.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) expect(await connectable(external.address, callbackPort)).toBe(false);
    expect(login.child.exitCode).toBeNull(); // still waiting

    const page = await driveUser(printedLoginUrl(login.output()), callback(), 'carol');
    expect(page.status).toBe(200);
    expect(page.body).toContain('return to the terminal');
    expect(await login.exited).toBe(0);
    expect(JSON.parse(await readFile(tokenFile(), 'utf8'))).toMatchObject({ subject: 'carol' });
  });

  it('of two redirects at once, one is taken and the other changes nothing', async () => {
    const before = await readFile(tokenFile(), 'utf8').catch(() => 'none');
    const login = await startLogin();
    const real = (await driveUser(printedLoginUrl(login.output()), callback(), 'dave', { stopBefore: true })).url;
    const [mine, theirs] = await Promise.all([
      rawRequest('GET', new URL(real).pathname + new URL(real).search),
      rawRequest('GET', '/callback?code=stolen&state=stolen'),
    ]);
    expect([mine.status, theirs.status].sort()).toEqual([200, 409]);
    const refused = mine.status === 409 ? mine : theirs;
    expect(refused.body).toContain('already received');
    if (mine.status === 200) {
      expect(await login.exited).toBe(0);
      expect(JSON.parse(await readFile(tokenFile(), 'utf8'))).toMatchObject({ subject: 'dave' });
    } else {
      // The forged one came first: the plugin refuses its state, and nothing is stored.
      expect(await login.exited).toBe(1);
      expect(login.output()).toContain('the callback carried the wrong state');
      expect(await readFile(tokenFile(), 'utf8').catch(() => 'none')).toBe(before);
    }
  });

  it('Ctrl-C while waiting ends the login with 130 and frees the port', async () => {
    const login = await startLogin();
    expect(await connectable('127.0.0.1', callbackPort)).toBe(true);
    login.child.kill('SIGINT');
    expect(await login.exited).toBe(130);
    expect(login.output()).toContain('interrupted');
    expect(await bindable(callbackPort)).toBe(true);
  });

  it('without the grant nothing listens, and the denial names the port', async () => {
    const r = await runWash(
      [
        `--allow-net=http://127.0.0.1:${provider.port}`,
        '--allow-scratch',
        'oauth',
        'login',
        '--issuer',
        provider.issuer,
        '--client-id',
        'x',
        '--port',
        String(callbackPort),
      ],
      { xdg },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`receiving the login redirect on 127.0.0.1:${callbackPort} is not granted`);
    expect(r.stderr).toContain('--allow-listen');
    expect(r.stderr).not.toContain('Open this URL');
    expect(await bindable(callbackPort)).toBe(true);
  });

  it('a plugin that did not declare incoming-http gets no listener, even with --allow-listen', async () => {
    const port = await freePort();
    const r = await runWash(['--allow-listen', 'hostile', 'redirect', String(port)], { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`redirect: receiving the login redirect on 127.0.0.1:${port} is denied: plugin 'hostile' did not declare access.incoming-http`);
    expect(await bindable(port)).toBe(true);
  });
});
