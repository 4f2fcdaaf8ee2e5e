// oauth: log in to an OpenID Connect provider (authorization code + PKCE),
// keep the token set in the plugin's scratch dir, hand out fresh access
// tokens, and provide them to `wash login` through `authenticate`.
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { command, definePlugin, flag, Failure, UsageError, host, log, output, type FlagValues } from '@wash/plugin-sdk';
import { browserLogin } from './login.js';
import { tokenRequest } from './provider.js';
import { loadTokens, removeTokens, saveTokens, type StoredTokens } from './store.js';
import { isoDate, textDate } from './time.js';

const ENV_CLIENT_ID = 'WASH_OAUTH_CLIENT_ID';
const ENV_CLIENT_SECRET = 'WASH_OAUTH_CLIENT_SECRET';
const REFRESH_MARGIN_S = 30;
const LAST_LOGIN_KEY = 'last-login';
/** redirect-wait takes milliseconds as a u32. */
const MAX_TIMEOUT_S = 86_400;

const env = (name: string) => getEnvironment().find(([k]) => k === name)?.[1];
const now = () => Math.floor(Date.now() / 1000);

/** `login`'s flags: declared apart from the command because `authenticate` logs in again with the ones remembered. */
const LOGIN_FLAGS = [
  flag({ long: 'issuer', description: 'the OpenID provider, e.g. https://accounts.example.com', valueName: 'url', required: true }),
  flag({ long: 'client-id', description: `OAuth client id (or $${ENV_CLIENT_ID})`, valueName: 'id', required: false }),
  flag({ long: 'client-secret', description: `OAuth client secret (or $${ENV_CLIENT_SECRET}); never echoed`, valueName: 'secret', required: false }),
  flag({ long: 'scope', description: 'scopes to ask for', valueName: 'scopes', default: 'openid offline_access', required: false }),
  flag({ long: 'port', description: 'loopback port for the callback (0: any free port)', valueName: 'port', default: '8888', required: false }),
  flag({ long: 'timeout', description: 'seconds to wait for the callback', valueName: 'seconds', default: '300', required: false }),
];
type LoginFlags = FlagValues<typeof LOGIN_FLAGS>;

function login(flags: LoginFlags, { quiet = false } = {}): number {
  const { issuer } = flags;
  const clientId = flags['client-id'] ?? env(ENV_CLIENT_ID);
  if (!clientId) throw new UsageError(`a client id is needed: --client-id or $${ENV_CLIENT_ID} (granted with --allow-env=${ENV_CLIENT_ID})`);
  const clientSecret = flags['client-secret'] ?? env(ENV_CLIENT_SECRET);
  const port = Number(flags.port);
  const timeoutS = Number(flags.timeout);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got '${flags.port}'`);
  if (!(timeoutS > 0 && timeoutS <= MAX_TIMEOUT_S)) throw new UsageError(`--timeout must be a number of seconds from 1 to ${MAX_TIMEOUT_S}`);

  const result = browserLogin({ issuer, clientId, clientSecret, scope: flags.scope, port, timeoutS });
  // Remembered so `wash login` can log in again the same way (never the secret).
  host.configSet(LAST_LOGIN_KEY, JSON.stringify({ issuer, 'client-id': clientId, scope: flags.scope, port: flags.port, timeout: flags.timeout }));
  if (!quiet) {
    const expires = output.isJson() ? isoDate(result.expiresAt) : textDate(result.expiresAt, now());
    output.json({ status: 'logged in', issuer, subject: result.subject ?? null, expires_at: expires });
  }
  return 0;
}

/** A valid access token: the stored one, or a refreshed one when it is (about to be) expired. */
function freshTokens(): StoredTokens {
  const tokens = loadTokens();
  if (!tokens) throw new Failure("not logged in: run 'wash oauth login --issuer <url>'");
  const expired = tokens.expires_at !== 0 && tokens.expires_at - REFRESH_MARGIN_S <= now();
  if (!expired) return tokens;
  if (!tokens.refresh_token) throw new Failure("the access token expired and there is no refresh token: run 'wash oauth login' again");
  log.debug('access token expired; refreshing');
  const refreshed = tokenRequest(
    tokens.token_endpoint,
    { clientId: tokens.client_id, clientSecret: tokens.client_secret },
    { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
  );
  const next: StoredTokens = {
    ...tokens,
    access_token: refreshed.access_token,
    refresh_token: refreshed.refresh_token ?? tokens.refresh_token,
    id_token: refreshed.id_token ?? tokens.id_token,
    expires_at: refreshed.expires_in ? now() + refreshed.expires_in : 0,
  };
  saveTokens(next);
  return next;
}

const { plugin, authenticate } = definePlugin({
  metadata: {
    id: 'dev.wash.oauth',
    name: 'oauth',
    version: '0.1.0',
    description: 'Log in with OAuth2 / OpenID Connect and provide the token to wash login',
    contact: 'wash-ts maintainers',
    url: 'https://github.com/wash-ts/wash-ts/tree/main/plugins/oauth',
    license: 'Apache-2.0',
    access: {
      scratchDir: 'keep the token set (access, refresh and id tokens)',
      env: [
        { name: ENV_CLIENT_ID, reason: 'the OAuth client id, if not given with --client-id' },
        { name: ENV_CLIENT_SECRET, reason: 'the OAuth client secret, if not given with --client-secret' },
      ],
      outgoingHttp: [{ host: '*://*:*', reason: 'the OpenID provider named with --issuer' }],
      incomingHttp: 'receive the login callback on 127.0.0.1 (the port of --port)',
      // Only one is used: the one host.browserOpener() names on this machine (none without a desktop).
      hostExec: [
        { binary: 'xdg-open', reason: 'open the login page in your browser (Linux/BSD desktop; asked each time)' },
        { binary: 'open', reason: 'open the login page in your browser (macOS; asked each time)' },
      ],
    },
  },
  commands: [
    command({
      path: ['login'],
      description: 'Log in through the browser (authorization code flow with PKCE)',
      flags: LOGIN_FLAGS,
      examples: ['wash --allow-net=https://accounts.example.com oauth login --issuer https://accounts.example.com --client-id wash'],
      run: ({ flags }) => login(flags),
    }),
    {
      path: ['status'],
      description: 'Show who is logged in and until when (never the token)',
      run() {
        const t = loadTokens();
        if (!t) {
          output.json({ logged_in: false });
          return 1;
        }
        output.json({
          logged_in: true,
          issuer: t.issuer,
          subject: t.subject ?? null,
          expires_at: output.isJson() ? isoDate(t.expires_at) : textDate(t.expires_at, now()),
          expired: t.expires_at !== 0 && t.expires_at <= now(),
          refreshable: Boolean(t.refresh_token),
        });
      },
    },
    {
      path: ['token'],
      description: 'Print a valid access token, refreshing it if it expired',
      run() {
        const token = freshTokens().access_token;
        if (output.isJson()) output.json({ access_token: token });
        else output.print(token);
      },
    },
    {
      path: ['logout'],
      description: 'Forget the stored tokens',
      run() {
        output.json({ logged_out: removeTokens() });
      },
    },
  ],
  authenticate() {
    // Not logged in yet (or logged out): log in the way the last login did, if there was one.
    const last = host.configGet(LAST_LOGIN_KEY);
    if (!loadTokens() && last) login(JSON.parse(last) as LoginFlags, { quiet: true });
    return { bearerToken: freshTokens().access_token, natsJwt: undefined, natsSeed: undefined };
  },
});

export { plugin, authenticate };
