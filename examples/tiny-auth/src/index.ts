// A whole auth plugin: OAuth 2 authorization code flow with PKCE for a public
// client. wash receives the browser's redirect; the plugin checks it.
import { sha256 } from '@noble/hashes/sha2.js';
import { command, definePlugin, Failure, fs, host, http, output } from '@wash/plugin-sdk';

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const tokenFile = () => `${host.dirs().scratch}/token`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function login(issuer: string, clientId: string, port: number): void {
  const config = http.request(`${issuer}/.well-known/openid-configuration`).json() as { authorization_endpoint: string; token_endpoint: string };
  const redirectUri = host.redirectListen('/callback', port); // wash listens on 127.0.0.1:<port>
  const [verifier, state] = [random(), random()];
  const challenge = b64url(sha256(new TextEncoder().encode(verifier)));
  const query = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', state, code_challenge: challenge, code_challenge_method: 'S256' };
  const url = `${config.authorization_endpoint}?${form(query)}`;
  output.print(`Open this URL in your browser to log in:\n  ${url}`);
  const opener = host.browserOpener(); // xdg-open or open on a desktop; asked like any host-exec
  if (opener) try { host.hostExec(opener, [url]); } catch { /* not granted or declined: the URL is printed */ }

  const answer = new URL(host.redirectWait(300_000)).searchParams; // blocks until the browser comes back
  if (answer.get('error')) throw new Failure(`the provider refused: ${answer.get('error')}`);
  if (answer.get('state') !== state) throw new Failure('wrong state: not the login this command started');
  const body = form({ grant_type: 'authorization_code', code: answer.get('code') ?? '', redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier });
  const response = http.request(config.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const token = (response.json() as { access_token?: string }).access_token;
  if (response.status !== 200 || !token) throw new Failure(`the token endpoint answered HTTP ${response.status}`);
  fs.writeFile(tokenFile(), token);
  output.print('logged in');
}

export const { plugin, authenticate } = definePlugin({
  metadata: {
    id: 'com.example.tinyauth', name: 'tinyauth', version: '0.1.0', description: 'Log in with OAuth (PKCE) and give wash login the token',
    access: {
      scratchDir: 'keep the access token',
      outgoingHttp: [{ host: '*://*:*', reason: 'the OpenID provider named with --issuer' }],
      incomingHttp: 'receive the login redirect on 127.0.0.1',
      hostExec: [{ binary: 'xdg-open', reason: 'open the login page' }, { binary: 'open', reason: 'open the login page (macOS)' }],
    },
  },
  commands: [command({
    path: ['login'], description: 'Log in through the browser',
    flags: [
      { long: 'issuer', description: 'the OpenID provider', valueName: 'url', required: true },
      { long: 'client-id', description: 'the OAuth client', valueName: 'id', required: true },
      { long: 'port', description: 'the redirect port (0: any)', valueName: 'port', default: '8888', required: false },
    ],
    run: ({ flags }) => login(flags.issuer, flags['client-id'], Number(flags.port)),
  })],
  authenticate: () => ({ bearerToken: new TextDecoder().decode(fs.readFile(tokenFile())) }),
});
