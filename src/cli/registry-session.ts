/** A registry client for a CLI command: credentials and transport from flags, the wash config and docker's config. */
import { readFile } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { RegistryClient } from '../plugin-host/oci/client.js';
import { readPasswordFromStdin, registrySettings, type LoginTokenSource } from '../plugin-host/oci/credentials.js';
import type { RegistryCommandOptions } from './registry-options.js';
import { WashError } from '../util/errors.js';

let password: Promise<string> | undefined;
/** stdin is read once, however many registries a command talks to. */
const passwordOnce = () => (password ??= readPasswordFromStdin());

/**
 * `auth = "login"`: the bearer token the last `wash login` with `provider`
 * stored; renewing it asks the provider again (its `authenticate` refreshes
 * the token, or logs in again the way it last did) and stores the answer.
 */
function loginTokens(ctx: CliContext) {
  return (provider: string): LoginTokenSource => ({
    async read() {
      const { loginTokenFile } = await import('./login.js');
      const text = await readFile(loginTokenFile(ctx.layout, provider), 'utf8').catch(() => '');
      return text.trim() || undefined;
    },
    async renew() {
      const { logIn, loginProvider } = await import('./login.js');
      ctx.note(`the registry refused the token of your last 'wash login'; asking '${provider}' for a fresh one...`);
      const { bearerToken } = await logIn(ctx, await loginProvider(ctx, provider), { hooks: false });
      if (!bearerToken) throw new WashError(`plugin '${provider}' returned no bearer token to renew the registry login`);
      return bearerToken;
    },
  });
}

export async function openRegistry(ctx: CliContext, registry: string, flags: RegistryCommandOptions): Promise<RegistryClient> {
  const settings = await registrySettings(registry, flags, ctx.configFile, (text) => ctx.note(text), passwordOnce, loginTokens(ctx));
  if (ctx.globals.logLevel === 'debug' || ctx.globals.logLevel === 'trace') {
    const who = settings.credentials ? `credentials of '${settings.credentials.username}' from ${settings.credentials.from}` : 'anonymous';
    ctx.note(`registry ${registry}: ${who}${settings.insecure ? ', plain HTTP' : ''}`);
  }
  return new RegistryClient(registry, {
    credentials: settings.credentials,
    insecure: settings.insecure,
    tokenRealms: settings.tokenRealms,
    limits: settings.limits,
  });
}
