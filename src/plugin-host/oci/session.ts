/** A registry client for a CLI command: credentials and transport from flags, the wash config and docker's config. */
import type { CliContext } from '../../cli/context.js';
import { RegistryClient } from './client.js';
import { readPasswordFromStdin, registrySettings } from './credentials.js';
import type { RegistryCommandOptions } from './options.js';

let password: Promise<string> | undefined;
/** stdin is read once, however many registries a command talks to. */
const passwordOnce = () => (password ??= readPasswordFromStdin());

export async function openRegistry(ctx: CliContext, registry: string, flags: RegistryCommandOptions): Promise<RegistryClient> {
  const settings = await registrySettings(registry, flags, ctx.configFile, (text) => ctx.note(text), passwordOnce);
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
