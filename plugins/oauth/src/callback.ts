/**
 * The local callback server. The host runs a second instance of this
 * component behind 127.0.0.1:<port> while the first waits in `login`; the two
 * share the invocation's context store: `oauth.pending` (set by login) and
 * `oauth.result` (set here, polled by login).
 */
import { host } from '../../../plugin-sdk/src/index.js';
import { formEncode, jwtClaims } from './encoding.js';
import { tokenRequestAsync } from './provider.js';
import { saveTokens } from './store.js';

export interface Pending {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint?: string;
  redirectUri: string;
  scope: string;
  state: string;
  verifier: string;
  challenge: string;
}

export type LoginResult = { ok: true; subject?: string; expires_at: number } | { ok: false; error: string };

export const PENDING_KEY = 'oauth.pending';
export const RESULT_KEY = 'oauth.result';

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status: number, title: string, text: string, extraHeaders: Record<string, string> = {}): Response {
  const body = `<!doctype html><meta charset="utf-8"><title>${html(title)}</title><h1>${html(title)}</h1><p>${html(text)}</p>`;
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extraHeaders } });
}

export function authorizationUrl(p: Pending): string {
  const query = formEncode({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scope,
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    prompt: p.scope.split(' ').includes('offline_access') ? 'consent' : undefined,
  });
  return `${p.authorizationEndpoint}${p.authorizationEndpoint.includes('?') ? '&' : '?'}${query}`;
}

function finish(result: LoginResult): void {
  host.contextSet(RESULT_KEY, JSON.stringify(result));
}

async function callback(query: URLSearchParamsLike, pending: Pending): Promise<Response> {
  if (host.contextGet(RESULT_KEY) !== undefined) {
    return page(409, 'Already done', 'This login has already completed. Nothing was changed.');
  }
  const error = query.get('error');
  if (error) {
    const description = query.get('error_description');
    finish({ ok: false, error: `the provider refused the login: ${error}${description ? ` (${description})` : ''}` });
    return page(400, 'Login failed', `The provider said: ${error}. Nothing was stored.`);
  }
  if (query.get('state') !== pending.state) {
    finish({ ok: false, error: 'the callback carried the wrong state (a forged or stale request); nothing was stored' });
    return page(400, 'Login failed', 'The request did not match this login (wrong state). Nothing was stored.');
  }
  const code = query.get('code');
  if (!code) return page(400, 'Login failed', 'The callback had no authorization code.');
  try {
    const tokens = await tokenRequestAsync(pending.tokenEndpoint, pending, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      code_verifier: pending.verifier,
    });
    const claims = jwtClaims(tokens.id_token);
    const expiresAt = tokens.expires_in ? Math.floor(Date.now() / 1000) + tokens.expires_in : 0;
    saveTokens({
      issuer: pending.issuer,
      client_id: pending.clientId,
      client_secret: pending.clientSecret,
      token_endpoint: pending.tokenEndpoint,
      userinfo_endpoint: pending.userinfoEndpoint,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      id_token: tokens.id_token,
      expires_at: expiresAt,
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
      scope: tokens.scope,
    });
    finish({ ok: true, subject: typeof claims.sub === 'string' ? claims.sub : undefined, expires_at: expiresAt });
    return page(200, 'Logged in', 'You are logged in to wash. You can close this window.');
  } catch (err) {
    finish({ ok: false, error: (err as Error).message });
    return page(502, 'Login failed', `${(err as Error).message}. Nothing was stored.`);
  }
}

interface URLSearchParamsLike {
  get(name: string): string | null;
}

export async function handle(request: FetchEvent['request']): Promise<Response> {
  const url = new URL(request.url);
  const raw = host.contextGet(PENDING_KEY);
  if (!raw) return page(404, 'No login in progress', "Start one with 'wash oauth login'.");
  const pending = JSON.parse(raw) as Pending;
  switch (url.pathname) {
    case '/':
      return new Response(
        `<!doctype html><meta charset="utf-8"><title>wash login</title><h1>wash login</h1><p><a href="/login">Log in to ${html(pending.issuer)}</a></p>`,
        { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } },
      );
    case '/login':
      // Always a body: preview2-shim's HTTPServer crashes on a response without one.
      return new Response('', { status: 302, headers: { location: authorizationUrl(pending), 'cache-control': 'no-store' } });
    case '/callback':
      return callback(url.searchParams, pending);
    default:
      return page(404, 'Not found', url.pathname);
  }
}
