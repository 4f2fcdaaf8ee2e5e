// A real OpenID provider (oidc-provider from npm) on 127.0.0.1, a scripted
// "user" that follows redirects and submits its login and consent forms, and
// wash running a login in the background while the test plays that user.
import Provider from 'oidc-provider';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { WASH, type Xdg } from './helpers.js';

/** The provider's public client (no secret). */
export const PUBLIC_CLIENT_ID = 'wash-public';

export interface TestProvider {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startProvider(options: { port: number; callbackPort: number; accessTokenTtl?: number; clockTolerance?: number }): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const clientId = 'wash-cli';
  const clientSecret = 'a-test-secret-that-is-long-enough-for-hs256';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`http://127.0.0.1:${options.callbackPort}/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // A public client, as a CLI is (RFC 8252): PKCE, no secret.
        client_id: PUBLIC_CLIENT_ID,
        redirect_uris: [`http://127.0.0.1:${options.callbackPort}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile'],
    claims: { openid: ['sub'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    ttl: { AccessToken: options.accessTokenTtl ?? 3600 },
    // 0: a token expires exactly when it says (oidc-provider's default tolerates 15 s past it).
    clockTolerance: options.clockTolerance ?? 15,
    issueRefreshToken: async () => true,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, name: `User ${id}` }) }),
    cookies: { keys: ['test-cookie-key'] },
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(options.port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer,
    port: options.port,
    clientId,
    clientSecret,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** `oauth login` with the provider's confidential client, its redirect received on `callbackPort`. */
export function oauthLoginArgs(provider: TestProvider, callbackPort: number, options: { issuer?: string; secret?: string } = {}): string[] {
  return [
    'oauth',
    'login',
    '--issuer',
    options.issuer ?? provider.issuer,
    '--client-id',
    provider.clientId,
    '--client-secret',
    options.secret ?? provider.clientSecret,
    '--port',
    String(callbackPort),
  ];
}

/**
 * Follow the browser's part of the flow from `start` until a request to
 * `stopAt` is answered (or, with `stopBefore`, until it would be made: the
 * URL is returned unrequested).
 */
export async function driveUser(
  start: string,
  stopAt: string,
  login = 'alice',
  options: { stopBefore?: boolean } = {},
): Promise<{ status: number; body: string; url: string }> {
  const cookies = new Map<string, string>();
  let url = start;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    if (options.stopBefore && url.startsWith(stopAt)) return { status: 0, body: '', url };
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      cookies.set(k!.trim(), v.join('='));
    }
    const text = await response.text();
    if (url.startsWith(stopAt)) return { status: response.status, body: text, url };
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).toString();
      method = 'GET';
      body = undefined;
      continue;
    }
    const form = /<form[^>]*action="([^"]+)"/.exec(text);
    if (!form) throw new Error(`no redirect and no form at ${url} (${response.status}): ${text.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of text.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
      const name = m[1]!;
      const value = /value="([^"]*)"/.exec(m[0])?.[1];
      fields.set(name, name === 'login' ? login : name === 'password' ? 'any-password' : (value ?? ''));
    }
    url = new URL(form[1]!, url).toString();
    method = 'POST';
    body = fields.toString();
  }
  throw new Error('the login flow did not finish in 20 steps');
}

/** The authorization URL `wash oauth login` printed for the user to open. */
export function printedLoginUrl(output: string): string {
  const url = /Open this URL in your browser to log in:\n\s+(\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no login URL in the output:\n${output}`);
  return url;
}

/** A wash run that goes on while the test plays the user in the browser. */
export interface LiveWash {
  child: ChildProcess;
  /** Its exit status (128 when a signal ended it). */
  exited: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Both streams, in the order they came (a login prints its URL to stdout, its progress to stderr). */
  output(): string;
}

/**
 * Start wash with `args` (after bin/wash.js) in `xdg`'s dirs, and return once
 * `ready(output)` holds (by default: it waits for the login's redirect), it
 * has exited, or 30 s have passed.
 */
export async function startWash(
  args: string[],
  xdg: Xdg,
  options: { env?: Record<string, string>; ready?: (output: string) => boolean } = {},
): Promise<LiveWash> {
  const ready = options.ready ?? ((output: string) => output.includes('waiting for authentication'));
  const env = { PATH: process.env.PATH!, HOME: xdg.root, NO_COLOR: '1', ...options.env, ...xdg.env };
  const child = spawn(process.execPath, [WASH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (d) => ((stdout += d), (output += d)));
  child.stderr.on('data', (d) => ((stderr += d), (output += d)));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const deadline = Date.now() + 30_000;
  while (!ready(output) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { child, exited, stdout: () => stdout, stderr: () => stderr, output: () => output };
}
