// `wash login` credentials serve the registries: a registry with auth = "login"
// in the wash config gets the bearer token of the last `wash login`, renewed
// through the provider plugin when the registry refuses it. Real parts: an
// OpenID provider (oidc-provider), the oauth plugin, docker-registry with
// token auth, and a token service that accepts the provider's access tokens
// (it asks the provider's userinfo endpoint who they belong to).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Xdg } from './helpers.js';
import { EXAMPLE_WASM } from './fixtures.js';
import { ociWash as wash, ociXdgs, requireRegistryBinary, sha256, startRegistry, startTokenServer, type Registry, type TokenServer } from './oci-helpers.js';
import { driveUser, oauthLoginArgs, printedLoginUrl, startProvider, startWash, type TestProvider } from './oidc.js';

const BINARY = requireRegistryBinary();

const TOKEN_TTL_S = 5;
let work: string;
let provider: TestProvider;
let tokens: TokenServer;
let registry: Registry;
let callbackPort: number;
const freshXdg = ociXdgs('all');
const ref = (repo: string, suffix = '') => `oci://${registry.host}/${repo}${suffix}`;
const configFile = (xdg: Xdg) => join(xdg.config, 'config.toml');
const tokenFile = (xdg: Xdg) => join(xdg.data, 'credentials', 'oauth.token');

/** Record the oauth plugin's grants (so later commands need no --allow-* flags), and log in as `user` in the browser. */
async function logInWithOauth(xdg: Xdg, user: string): Promise<void> {
  const grant = await wash(xdg, ['plugin', 'grant', 'oauth', '--net', `http://127.0.0.1:${provider.port}`, '--scratch', '--listen']);
  expect(grant.code, grant.stderr).toBe(0);
  const { child, exited, output } = await startWash(oauthLoginArgs(provider, callbackPort), xdg);
  try {
    const page = await driveUser(printedLoginUrl(output()), `http://127.0.0.1:${callbackPort}/callback`, user);
    expect(page.status).toBe(200);
    expect(await exited, output()).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
}

beforeAll(async () => {
  if (!BINARY) return;
  work = await mkdtemp(join(tmpdir(), 'wash-login-registry-'));
  callbackPort = await freePort();
  provider = await startProvider({ port: await freePort(), callbackPort, accessTokenTtl: TOKEN_TTL_S, clockTolerance: 0 });
  tokens = await startTokenServer(work, 'nobody', 'unused', { userinfo: `${provider.issuer}/me` });
  registry = await startRegistry(work, { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certFile: tokens.certFile });
});
afterAll(async () => {
  await registry?.stop();
  await tokens?.close();
  await provider?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!BINARY)('registries with auth = "login"', () => {
  it('push, install and update with the token of wash login; an expired one is renewed through the provider', async () => {
    const xdg = await freshXdg();
    await logInWithOauth(xdg, 'alice');
    const login = await wash(xdg, ['-o', 'json', 'login']);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ provider: 'oauth', token_file: tokenFile(xdg) });
    await appendFile(configFile(xdg), `\n[registries."${registry.host}"]\nauth = "login"\nprovider = "oauth"\ntoken_realms = ["${tokens.realm}"]\n`);

    const pushed = await wash(xdg, ['-o', 'json', 'plugin', 'push', EXAMPLE_WASM, ref('team/example', ':1.0.0')]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ reference: ref('team/example', ':1.0.0') });
    // The token service saw the provider's token and knew whose it was.
    expect(tokens.issued).toContainEqual({ user: 'alice', access: [{ name: 'team/example', actions: ['pull', 'push'] }] });

    // The access token expires: the token service refuses it, wash asks the oauth plugin (which refreshes it) and goes on.
    const stale = await readFile(tokenFile(xdg), 'utf8');
    await new Promise((r) => setTimeout(r, (TOKEN_TTL_S + 1) * 1000));
    const refusedBefore = tokens.rejected.length;
    const installed = await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('team/example', ':1.0.0')]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ name: 'example', digest: sha256(await readFile(EXAMPLE_WASM)) });
    expect(tokens.rejected.length).toBeGreaterThan(refusedBefore);
    expect(installed.stderr).toContain("the registry refused the token of your last 'wash login'; asking 'oauth' for a fresh one...");
    const renewed = await readFile(tokenFile(xdg), 'utf8');
    expect(renewed).not.toBe(stale);
    expect(tokens.issued).toContainEqual({ user: 'alice', access: [{ name: 'team/example', actions: ['pull'] }] });

    const update = await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example']);
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({ status: 'up-to-date' });
  });

  it('without a wash login: a clear error that says how to log in', async () => {
    const xdg = await freshXdg();
    await mkdir(xdg.config, { recursive: true });
    await appendFile(configFile(xdg), `[registries."${registry.host}"]\nauth = "login"\ntoken_realms = ["${tokens.realm}"]\n`);
    const r = await wash(xdg, ['plugin', 'push', EXAMPLE_WASM, ref('team/example', ':1.0.1')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`registry ${registry.host} uses your wash login (auth = "login" in ${configFile(xdg)}), but there is no token from 'oauth'`);
    expect(r.stderr).toContain('wash login --provider oauth');

    // The config says what it means: one of login or a password, a known auth kind, a plugin name.
    const both = join(xdg.root, 'both.toml');
    await appendFile(both, `[registries."${registry.host}"]\nauth = "login"\npassword = "hunter2"\n`);
    const conflict = await wash(xdg, ['--config', both, 'plugin', 'push', EXAMPLE_WASM, ref('team/example', ':1.0.1')]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(`registries."${registry.host}" has auth = "login" and a password: keep one of them`);
    const wrong = join(xdg.root, 'wrong.toml');
    await appendFile(wrong, `[registries."${registry.host}"]\nauth = "magic"\nprovider = "Not A Plugin"\n`);
    const validate = await wash(xdg, ['--config', wrong, 'config', 'validate']);
    expect(validate.code).toBe(1);
    expect(validate.stdout + validate.stderr).toContain('.auth: must be "login" (or left out: username and password)');
    expect(validate.stdout + validate.stderr).toContain('.provider: must be a plugin name');
  });

  it('the login token goes to no other origin: a token service not listed in token_realms is asked anonymously', async () => {
    const xdg = await freshXdg();
    await logInWithOauth(xdg, 'bob');
    expect((await wash(xdg, ['login'])).code).toBe(0);
    await appendFile(configFile(xdg), `\n[registries."${registry.host}"]\nauth = "login"\n`);
    const issued = tokens.issued.length;
    const refused = tokens.rejected.length;
    const r = await wash(xdg, ['plugin', 'push', EXAMPLE_WASM, ref('team/example', ':1.0.2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`wash did not send it the credentials of 'oauth2accesstoken' (from the last 'wash login' with oauth)`);
    expect(tokens.issued.slice(issued).every((t) => t.user === undefined)).toBe(true);
    expect(tokens.rejected.length).toBe(refused); // no credentials reached it at all
  });
});
