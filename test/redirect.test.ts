// The listener behind host.redirect-listen / redirect-wait (src/plugin-host/redirect.ts),
// on real sockets: what it takes, what it turns away, and how it ends.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { allowRedirect, RedirectReceiver, redirectPathProblem } from '../src/plugin-host/redirect.js';
import { browserOpener } from '../src/plugin-host/browser-opener.js';
import { freePort } from './helpers.js';

const receivers: RedirectReceiver[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(blockers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const receiver = () => {
  const r = new RedirectReceiver();
  receivers.push(r);
  return r;
};

function send(uri: string, options: { method?: string; path?: string; host?: string } = {}) {
  const url = new URL(uri);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path ?? url.pathname + url.search,
        headers: options.host ? { host: options.host } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('RedirectReceiver', () => {
  it('returns the redirect URI before anything arrives, then the full URL of the one GET it takes', async () => {
    const r = receiver();
    const uri = await r.listen('/callback', 0);
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const waited = r.wait(5000);
    const page = await send(`${uri}?code=c%20d&state=s`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('return to the terminal');
    // The URL carries the code: no Referer, no caching, nothing loaded.
    expect(page.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" });
    expect(await waited).toBe(`${uri}?code=c%20d&state=s`);
    // Taken once: a second request is turned away, and waiting again is an error.
    const second = await send(`${uri}?code=x&state=y`);
    expect(second.status).toBe(409);
    expect(second.body).toContain('Nothing was changed');
    await expect(r.wait(100)).rejects.toBe('this redirect was already received: call redirect-listen for another');
  });

  it('keeps a redirect that arrives before the wait', async () => {
    const r = receiver();
    const uri = await r.listen('/cb', 0);
    expect((await send(`${uri}?early=1`)).status).toBe(200);
    expect(await r.wait(100)).toBe(`${uri}?early=1`);
  });

  it('turns away another path, method or Host without taking the request', async () => {
    const r = receiver();
    const uri = await r.listen('/callback', 0);
    const { host } = new URL(uri);
    const refusals: [Parameters<typeof send>[1], number][] = [
      [{ path: '/callback/' }, 404],
      [{ path: '/Callback' }, 404],
      [{ path: '/callback/../callback' }, 404],
      [{ path: '//callback' }, 404],
      [{ path: '/favicon.ico' }, 404],
      [{ method: 'POST' }, 405],
      [{ method: 'PUT' }, 405],
      [{ method: 'HEAD' }, 405],
      [{ host: `localhost:${new URL(uri).port}` }, 421],
      [{ host: `attacker.example:${new URL(uri).port}` }, 421],
      [{ host: '127.0.0.1' }, 421],
    ];
    for (const [options, status] of refusals) {
      const page = await send(uri, options);
      expect(page.status, JSON.stringify(options)).toBe(status);
      if (options?.method !== 'HEAD') expect(page.body, JSON.stringify(options)).toContain('Nothing was changed');
    }
    expect((await send(uri, { method: 'POST' })).headers.allow).toBe('GET');
    await expect(r.wait(200)).rejects.toMatch(/^timed out after 0\.2 s waiting for the redirect to http:\/\/127\.0\.0\.1:\d+\/callback$/);
    // Still takes the real one afterwards.
    const waited = r.wait(5000);
    expect((await send(uri, { host })).status).toBe(200);
    expect(await waited).toBe(uri);
  });

  it('listens on 127.0.0.1 only, on the port asked for; a port in use is a clear error', async () => {
    const port = await freePort();
    const r = receiver();
    expect(await r.listen('/cb', port)).toBe(`http://127.0.0.1:${port}/cb`);
    await expect(receiver().listen('/cb', port)).rejects.toBe(`port ${port} on 127.0.0.1 is in use`);
    const blocked = await freePort();
    const other = createServer();
    blockers.push(other);
    await new Promise<void>((resolve) => other.listen(blocked, '127.0.0.1', resolve));
    await expect(receiver().listen('/cb', blocked)).rejects.toBe(`port ${blocked} on 127.0.0.1 is in use`);
  });

  it('a new listen replaces the previous listener; close fails a pending wait and frees the port', async () => {
    const r = receiver();
    const first = await r.listen('/a', 0);
    const pending = r.wait(0);
    const second = await r.listen('/b', 0);
    await expect(pending).rejects.toBe('the redirect listener was closed');
    await expect(send(first)).rejects.toThrow(/ECONNREFUSED/);
    const waited = r.wait(0);
    await r.close();
    await expect(waited).rejects.toBe('the redirect listener was closed');
    await expect(send(second)).rejects.toThrow(/ECONNREFUSED/);
    await expect(r.wait(10)).rejects.toBe('no redirect listener is open: call redirect-listen first');
  });

  it('refuses paths that are not a plain absolute path, and bad ports', async () => {
    for (const bad of ['callback', '', '/cb?x=1', '/cb#f', '/a b', '/\u00e9', '//evil.example/cb', `/${'a'.repeat(1100)}`, '/cb\r\nSet-Cookie: x=1']) {
      expect(redirectPathProblem(bad), JSON.stringify(bad)).toBeDefined();
      await expect(receiver().listen(bad, 0), JSON.stringify(bad)).rejects.toMatch(/^the redirect path /);
    }
    expect(redirectPathProblem('/oauth2/callback')).toBeUndefined();
    await expect(receiver().listen('/cb', 70000)).rejects.toBe('the port must be 0-65535 (got 70000)');
  });

  it('access: declared and granted passes; otherwise the denial names the port and what is missing', async () => {
    await expect(allowRedirect({ declared: true, granted: true }, 'oauth', 8888)).resolves.toBeUndefined();
    await expect(allowRedirect({ declared: true, granted: false }, 'oauth', 8888)).rejects.toBe(
      "receiving the login redirect on 127.0.0.1:8888 is not granted to plugin 'oauth' (grant it with 'wash plugin grant oauth --listen' or --allow-listen)",
    );
    await expect(allowRedirect({ declared: true, granted: false }, 'oauth', 0)).rejects.toMatch(
      /^receiving the login redirect on 127\.0\.0\.1 \(a free port\) is not granted/,
    );
    // Granted but never declared (say --allow-listen given to every plugin): still no.
    await expect(allowRedirect({ declared: false, granted: true }, 'x', 9)).rejects.toBe(
      "receiving the login redirect on 127.0.0.1:9 is denied: plugin 'x' did not declare access.incoming-http",
    );
  });
});

describe('browserOpener', () => {
  it('xdg-open on a Linux desktop, open on macOS, none without a desktop', () => {
    expect(browserOpener('linux', { DISPLAY: ':0' })).toBe('xdg-open');
    expect(browserOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe('xdg-open');
    expect(browserOpener('freebsd', { DISPLAY: ':0' })).toBe('xdg-open');
    expect(browserOpener('linux', {})).toBeUndefined();
    expect(browserOpener('linux', { DISPLAY: '' })).toBeUndefined();
    expect(browserOpener('darwin', {})).toBe('open');
    expect(browserOpener('darwin', { SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 50000' })).toBeUndefined();
    expect(browserOpener('win32', {})).toBeUndefined();
  });
});
