/** Talking to the OpenID provider: discovery, code exchange, refresh. */
import { http, Failure } from '@wash/plugin-sdk';
import { formEncode } from './encoding.js';

export interface Endpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
}

export interface Client {
  clientId: string;
  clientSecret?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export function discover(issuer: string): Endpoints {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let response;
  try {
    response = http.request(url, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw new Failure(`cannot reach the issuer ${issuer}: ${(err as Error).message}`);
  }
  if (response.status !== 200) throw new Failure(`OIDC discovery at ${url} failed: HTTP ${response.status}`);
  const doc = response.json() as Partial<Endpoints>;
  if (!doc.authorization_endpoint || !doc.token_endpoint) throw new Failure(`${url} is not an OpenID configuration`);
  return doc as Endpoints;
}

/** A token request with client_secret_basic (or a public client's client_id in the form). */
function tokenRequestParts(client: Client, fields: Record<string, string | undefined>) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const form = { ...fields };
  if (client.clientSecret !== undefined) {
    headers.authorization = `Basic ${btoa(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`)}`;
  } else form.client_id = client.clientId;
  return { headers, body: formEncode(form) };
}

function tokenResponse(status: number, text: string): TokenResponse {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  if (status !== 200 || typeof body.access_token !== 'string') {
    const why =
      typeof body.error === 'string'
        ? `${body.error}${typeof body.error_description === 'string' && body.error_description ? ` (${body.error_description})` : ''}`
        : `HTTP ${status}`;
    throw new Failure(`the token endpoint refused: ${why}`);
  }
  return body as unknown as TokenResponse;
}

/** POST to the token endpoint, blocking: for commands (`run` is synchronous). */
export function tokenRequest(endpoint: string, client: Client, fields: Record<string, string | undefined>): TokenResponse {
  const { headers, body } = tokenRequestParts(client, fields);
  const response = http.request(endpoint, { method: 'POST', headers, body, maxRedirects: 0 });
  return tokenResponse(response.status, response.text());
}
