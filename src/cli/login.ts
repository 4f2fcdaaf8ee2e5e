import type { Command } from 'commander';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { callPlugin } from '../plugin-host/run.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { reportDenials, sandboxFor } from './run-plugin.js';
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
export function natsCredsFile(jwt: string | undefined, seed: string | undefined): string {
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
      { message: 'Log in with which provider?', choices: providers.map((p) => ({ name: `${esc(p.component.metadata.name)}  ${esc(p.component.metadata.description)}`, value: p.component.metadata.name })) },
      { output: process.stderr },
    );
  });
  return plugins.get(name)!;
}

export function registerLogin(program: Command, ctxOf: (cmd: Command) => CliContext) {
  program
    .command('login')
    .description('Get credentials from a provider plugin and store them (NATS .creds and/or a bearer token)')
    .option('--provider <plugin>', 'the plugin to ask (needed when several provide credentials)')
    .action(async (opts: { provider?: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const entry = await chooseProvider(ctx, opts.provider);
      const name = entry.component.metadata.name;
      await runHooks(ctx, 'before-login', { 'login.provider': name });
      const invocation = ctx.newInvocation();

      const component = await ensureCompiled(ctx.layout, entry.file, entry.digest, undefined, entry.file, entry.prebuiltRoot);
      const { access, limits, consent } = await sandboxFor(ctx, { ...entry, component });
      let credentials: Credentials | undefined;
      try {
        await callPlugin(component, { kind: 'authenticate' }, invocation, access, limits, {
          onValue: (value) => {
            credentials = value as Credentials;
          },
        });
      } finally {
        reportDenials(ctx, consent, name);
      }
      if (!credentials || (!credentials.natsJwt && !credentials.natsSeed && !credentials.bearerToken)) {
        throw new WashError(`plugin '${name}' returned no credentials`);
      }

      const dir = join(ctx.layout.data, 'credentials');
      const written: { creds_file?: string; token_file?: string } = {};
      if (credentials.natsJwt || credentials.natsSeed) {
        written.creds_file = join(dir, `${name}.creds`);
        await writeFileAtomic(written.creds_file, natsCredsFile(credentials.natsJwt, credentials.natsSeed), { mode: 0o600 });
      }
      if (credentials.bearerToken) {
        written.token_file = join(dir, `${name}.token`);
        await writeFileAtomic(written.token_file, `${credentials.bearerToken}\n`, { mode: 0o600 });
      }
      await runHooks(ctx, 'after-login', { 'login.provider': name, 'login.creds_file': written.creds_file, 'login.token_file': written.token_file });
      ctx.print({ provider: name, ...written }, () =>
        [`logged in with ${esc(name)}`, ...Object.values(written).map((file) => `  wrote ${file}`)].join('\n'),
      );
    });
}
