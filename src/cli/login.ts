import type { Command } from 'commander';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import type { Layout } from '../contract/dirs.js';
import { launchPlugin } from '../plugin-host/launch.js';
import { runHooks } from './hooks.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UsageError, WashError } from '../util/errors.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { asQuestion } from '../util/terminal.js';

interface Credentials {
  natsJwt?: string;
  natsSeed?: string;
  bearerToken?: string;
}

/** A standard NATS credentials file: the user JWT and the nkey seed that signs for it. */
function natsCredsFile(jwt: string | undefined, seed: string | undefined): string {
  const blocks: string[] = [];
  if (jwt) blocks.push(`-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n`);
  if (seed) {
    blocks.push(
      '************************* IMPORTANT *************************\n' +
        'NKEY Seed printed below can be used to sign and prove identity.\n' +
        'NKEYs are sensitive and should be treated as secrets.\n\n' +
        `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n` +
        '*************************************************************\n',
    );
  }
  return blocks.join('\n');
}

async function chooseProvider(ctx: CliContext, requested: string | undefined): Promise<PluginEntry> {
  const { plugins } = await ctx.catalog();
  const providers = [...plugins.values()].filter((p) => p.component.metadata.providesCredentials);
  if (requested) {
    const entry = plugins.get(requested);
    if (!entry) throw new UsageError(`no plugin named '${requested}'`, "see 'wash plugin list'");
    if (!entry.component.metadata.providesCredentials) throw new UsageError(`plugin '${requested}' does not provide credentials`);
    return entry;
  }
  if (providers.length === 0) throw new WashError('no installed plugin provides credentials');
  if (providers.length === 1) return providers[0]!;
  const names = providers.map((p) => p.component.metadata.name);
  if (!ctx.interactive) throw new UsageError(`several plugins provide credentials (${names.join(', ')}): choose one with --provider`);
  const { select } = await import('@inquirer/prompts');
  const name = await asQuestion((prefix) => {
    process.stderr.write(prefix);
    return select(
      {
        message: 'Log in with which provider?',
        choices: providers.map((p) => ({
          name: `${esc(p.component.metadata.name)}  ${esc(p.component.metadata.description)}`,
          value: p.component.metadata.name,
        })),
      },
      { output: process.stderr },
    );
  });
  return plugins.get(name)!;
}

/** Where `wash login` keeps what a provider gave: `<data>/credentials/<provider>.token` and `.creds`. */
export const loginTokenFile = (layout: Layout, provider: string) => join(layout.data, 'credentials', `${provider}.token`);
const loginCredsFile = (layout: Layout, provider: string) => join(layout.data, 'credentials', `${provider}.creds`);

export interface LoginResult {
  provider: string;
  creds_file?: string;
  token_file?: string;
  /** The bearer token the provider returned (never printed). */
  bearerToken?: string;
}

/**
 * Ask a provider plugin for credentials (its `authenticate`, which refreshes
 * or logs in again as it sees fit) and store them, 0600, each file replaced
 * atomically. `hooks`: run before-login and after-login (`wash login` does;
 * a registry renewing its token does not).
 */
export async function logIn(ctx: CliContext, entry: PluginEntry, options: { hooks: boolean }): Promise<LoginResult> {
  const name = entry.component.metadata.name;
  if (options.hooks) await runHooks(ctx, 'before-login', { 'login.provider': name });
  let credentials: Credentials | undefined;
  await launchPlugin(ctx, entry, { kind: 'authenticate' }, ctx.newInvocation(), {
    onValue: (value) => {
      credentials = value as Credentials;
    },
  });
  if (!credentials || (!credentials.natsJwt && !credentials.natsSeed && !credentials.bearerToken)) {
    throw new WashError(`plugin '${name}' returned no credentials`);
  }
  const result: LoginResult = { provider: name };
  if (credentials.natsJwt || credentials.natsSeed) {
    result.creds_file = loginCredsFile(ctx.layout, name);
    await writeFileAtomic(result.creds_file, natsCredsFile(credentials.natsJwt, credentials.natsSeed), { mode: 0o600 });
  }
  if (credentials.bearerToken) {
    result.token_file = loginTokenFile(ctx.layout, name);
    await writeFileAtomic(result.token_file, `${credentials.bearerToken}\n`, { mode: 0o600 });
    result.bearerToken = credentials.bearerToken;
  }
  if (options.hooks) {
    await runHooks(ctx, 'after-login', { 'login.provider': name, 'login.creds_file': result.creds_file, 'login.token_file': result.token_file });
  }
  return result;
}

/** The credentials provider plugin named `name` (one that exports authenticate). */
export function loginProvider(ctx: CliContext, name: string): Promise<PluginEntry> {
  return chooseProvider(ctx, name);
}

export function registerLogin(program: Command, ctxOf: (cmd: Command) => CliContext) {
  program
    .command('login')
    .description('Get credentials from a provider plugin and store them (NATS .creds and/or a bearer token)')
    .option('--provider <plugin>', 'the plugin to ask (needed when several provide credentials)')
    .action(async (opts: { provider?: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const entry = await chooseProvider(ctx, opts.provider);
      const { provider, creds_file, token_file } = await logIn(ctx, entry, { hooks: true });
      const written = { ...(creds_file ? { creds_file } : {}), ...(token_file ? { token_file } : {}) };
      ctx.print({ provider, ...written }, () => [`logged in with ${esc(provider)}`, ...Object.values(written).map((file) => `  wrote ${file}`)].join('\n'));
    });
}
