/**
 * The browser login: authorization code flow with PKCE (S256). wash receives
 * the redirect (host.redirect-listen / redirect-wait); this plugin builds the
 * request, checks what comes back (state, error) and exchanges the code.
 */
import { host, log, output, Failure, messageOf } from '@wash/plugin-sdk';
import { formEncode, jwtClaims, pkceChallenge, randomToken } from './encoding.js';
import { discover, tokenRequest, type Client } from './provider.js';
import { saveTokens } from './store.js';

export interface LoginRequest extends Client {
  issuer: string;
  scope: string;
  port: number;
  timeoutS: number;
}

export interface LoginResult {
  subject?: string;
  expiresAt: number;
}

const CALLBACK_PATH = '/callback';

function authorizationUrl(endpoint: string, fields: Record<string, string | undefined>): string {
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${formEncode(fields)}`;
}

/** Offer to open the page in the browser: only on a desktop, through host-exec (granted, and confirmed by the user). */
function offerToOpen(url: string): void {
  const opener = host.browserOpener();
  if (!opener) return;
  try {
    const result = host.hostExec(opener, [url]);
    if (result.status !== 0) log.debug(`${opener} exited with status ${result.status}`);
  } catch (err) {
    log.debug(`not opening the browser: ${messageOf(err)}`);
  }
}

export function browserLogin(request: LoginRequest): LoginResult {
  const endpoints = discover(request.issuer);
  let redirectUri: string;
  try {
    redirectUri = host.redirectListen(CALLBACK_PATH, request.port);
  } catch (err) {
    throw new Failure(`cannot receive the login callback: ${messageOf(err)}`);
  }
  const verifier = randomToken(32);
  const state = randomToken(16);
  const url = authorizationUrl(endpoints.authorization_endpoint, {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: redirectUri,
    scope: request.scope,
    state,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    prompt: request.scope.split(' ').includes('offline_access') ? 'consent' : undefined,
  });
  output.print(`Open this URL in your browser to log in:\n  ${url}`);
  offerToOpen(url);
  log.info('waiting for authentication...');

  let received: URL;
  try {
    received = new URL(host.redirectWait(request.timeoutS * 1000));
  } catch (err) {
    const why = messageOf(err);
    throw new Failure(why.startsWith('timed out') ? `timed out after ${request.timeoutS} s waiting for the login callback` : why);
  }
  const query = received.searchParams;
  const error = query.get('error');
  if (error) {
    const description = query.get('error_description');
    throw new Failure(`the provider refused the login: ${error}${description ? ` (${description})` : ''}`);
  }
  if (query.get('state') !== state) throw new Failure('the callback carried the wrong state (a forged or stale request); nothing was stored');
  const code = query.get('code');
  if (!code) throw new Failure('the callback carried no authorization code; nothing was stored');

  const tokens = tokenRequest(endpoints.token_endpoint, request, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  const claims = jwtClaims(tokens.id_token);
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  const expiresAt = tokens.expires_in ? Math.floor(Date.now() / 1000) + tokens.expires_in : 0;
  saveTokens({
    issuer: request.issuer,
    client_id: request.clientId,
    client_secret: request.clientSecret,
    token_endpoint: endpoints.token_endpoint,
    userinfo_endpoint: endpoints.userinfo_endpoint,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    id_token: tokens.id_token,
    expires_at: expiresAt,
    subject,
    scope: tokens.scope,
  });
  return { subject, expiresAt };
}
