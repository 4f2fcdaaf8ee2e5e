import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { emptyGrants, grantTable, readConfig, updateConfig, type Grants } from '../sandbox/config.js';
import { grantsFor, mergeGrants, subtractGrants, splitByGrant } from '../sandbox/policy.js';
import { findReserved, isOpenEnded, recordedFrom, withoutEmpty } from '../sandbox/decide.js';
import { accessItems, describeItem, type AccessItem } from '../sandbox/access-items.js';
import { reservedReason, type Reserved } from '../sandbox/reserved.js';
import { PACKAGE_ROOT } from '../plugin-host/versions.js';
import { isTrustedCore } from './run-plugin.js';
import { parseHostPattern, BadHostPattern } from '../sandbox/host-pattern.js';
import { resolveRequestedPath } from '../sandbox/paths.js';
import { UsageError, WashError } from '../util/errors.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { renderTable } from '../util/table.js';

interface GrantFlags {
  env?: string[];
  read?: string[];
  write?: string[];
  net?: string[];
  exec?: string[];
  scratch?: boolean;
  listen?: boolean;
  all?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

function withGrantOptions(cmd: Command): Command {
  return cmd
    .option('--env <names>', 'environment variables (repeatable, comma-separated)', collect)
    .option('--read <dirs>', 'directories to read ({cache}, {data}, {config}, ~ allowed)', collect)
    .option('--write <dirs>', 'directories to read and write', collect)
    .option('--net <hosts>', 'outgoing HTTP host patterns, e.g. https://api.example.com', collect)
    .option('--exec <bins>', 'host programs for host-exec', collect)
    .option('--scratch', "the plugin's scratch directory")
    .option('--listen', 'serving HTTP on a loopback port');
}

async function findPlugin(ctx: CliContext, name: string): Promise<PluginEntry> {
  const entry = (await ctx.catalog()).plugins.get(name);
  if (!entry) throw new WashError(`no plugin named '${name}'`, 1, "see 'wash plugin list'");
  return entry;
}

function grantsFromFlags(ctx: CliContext, flags: GrantFlags): Grants {
  const path = (p: string) => resolveRequestedPath(p, ctx.layout) ?? resolve(p);
  for (const pattern of flags.net ?? []) {
    try {
      parseHostPattern(pattern);
    } catch (err) {
      if (err instanceof BadHostPattern) throw new UsageError(err.message);
      throw err;
    }
  }
  return {
    ...emptyGrants(),
    env: flags.env ?? [],
    read: (flags.read ?? []).map(path),
    write: (flags.write ?? []).map(path),
    net: flags.net ?? [],
    exec: flags.exec ?? [],
    scratch: Boolean(flags.scratch),
    listen: Boolean(flags.listen),
  };
}

const isEmpty = (g: Grants) => Object.keys(withoutEmpty(g)).length === 0;

export function registerPluginGrants(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  withGrantOptions(plugin.command('grant'))
    .description('Grant a plugin access, recorded in the config file (like answering "always")')
    .argument('<plugin>', 'plugin name')
    .option('--all', 'everything the plugin declares')
    .action(async (name: string, flags: GrantFlags, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const entry = await findPlugin(ctx, name);
      const { metadata, digest } = entry.component;
      const trusted = isTrustedCore(entry.source, entry.component);
      let add = grantsFromFlags(ctx, flags);
      // wash's own directories: refused to every plugin but the core drain.
      for (const [kind, paths] of [['read', add.read], ['write', add.write]] as const) {
        for (const path of trusted ? [] : paths) {
          const reserved = await findReserved(path, ctx.layout, PACKAGE_ROOT);
          if (reserved) {
            const what = describeItem({ kind, path, requested: path, reason: '' });
            throw new WashError(`refused: plugin '${esc(name)}' may not have ${esc(what)}: ${esc(reservedReason(path, reserved))} (only the core drain plugin may)`);
          }
        }
      }
      if (flags.all) {
        const { items } = accessItems(metadata, ctx.layout);
        const { missing } = splitByGrant(items, emptyGrants());
        const openEnded = missing.filter(isOpenEnded);
        if (openEnded.length > 0) {
          ctx.note(`not granted by --all: ${openEnded.map((i) => esc(describeItem(i))).join(', ')}; grant the hosts you mean with --net https://HOST`);
        }
        const reserved = new Map<AccessItem, Reserved>();
        for (const item of trusted ? [] : missing) {
          const found = item.kind === 'read' || item.kind === 'write' ? await findReserved(item.path, ctx.layout, PACKAGE_ROOT) : undefined;
          if (found) reserved.set(item, found);
        }
        for (const [item, found] of reserved) {
          ctx.note(`not granted by --all: ${esc(describeItem(item))} (${found.dir.what}; only the core drain plugin may have it)`);
        }
        add = mergeGrants(add, grantsFor(missing.filter((i) => !isOpenEnded(i) && !reserved.has(i))));
      }
      if (isEmpty(add)) throw new UsageError('nothing to grant: pass --env, --read, --write, --net, --exec, --scratch, --listen or --all');
      const config = await updateConfig(ctx.configFile, (doc) => {
        const table = grantTable(doc, metadata.id);
        const current = recordedFrom(table);
        for (const key of Object.keys(table)) delete table[key];
        Object.assign(table, withoutEmpty(mergeGrants(current, add)), { digest });
      });
      const now = config.grants[metadata.id]!;
      ctx.print({ plugin: name, id: metadata.id, grants: now }, () => `granted to ${esc(name)}: ${summary(add)}`);
    });

  withGrantOptions(plugin.command('revoke'))
    .description('Take back grants recorded in the config file')
    .argument('<plugin>', 'plugin name')
    .option('--all', 'every grant of this plugin')
    .action(async (name: string, flags: GrantFlags, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const { metadata } = (await findPlugin(ctx, name)).component;
      const remove = grantsFromFlags(ctx, flags);
      if (!flags.all && isEmpty(remove)) throw new UsageError('nothing to revoke: pass what to revoke, or --all');
      await updateConfig(ctx.configFile, (doc) => {
        const grants = (doc.grants ?? {}) as Record<string, unknown>;
        if (!grants[metadata.id]) return;
        if (flags.all) {
          delete grants[metadata.id];
          return;
        }
        const table = grantTable(doc, metadata.id);
        const left = withoutEmpty(subtractGrants(recordedFrom(table), remove));
        const digest = table.digest;
        for (const key of Object.keys(table)) delete table[key];
        if (Object.keys(left).length === 0) delete grants[metadata.id];
        else Object.assign(table, left, digest ? { digest } : {});
      });
      ctx.print({ plugin: name, revoked: flags.all ? 'all' : remove }, () => `revoked from ${esc(name)}: ${flags.all ? 'everything' : summary(remove)}`);
    });

  plugin
    .command('permissions')
    .description('Show what plugins request and what they were granted')
    .argument('[plugin]', 'only this plugin')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const catalog = await ctx.catalog();
      const entries = name ? [await findPlugin(ctx, name)] : [...catalog.plugins.values()];
      const config = await readConfig(ctx.configFile);
      const rows = entries.flatMap((entry) => {
        const m = entry.component.metadata;
        const { items } = accessItems(m, ctx.layout);
        const grants = config.grants[m.id] ?? emptyGrants();
        const { granted } = splitByGrant(items, grants);
        return items.map((item) => ({
          plugin: m.name,
          request: describeItem(item),
          reason: item.reason,
          granted: granted.includes(item),
        }));
      });
      ctx.print(rows, () =>
        rows.length === 0
          ? 'no plugin requests any access'
          : renderTable(
              ['PLUGIN', 'REQUEST', 'GRANTED', 'REASON'],
              rows.map((r) => [esc(r.plugin), esc(r.request), r.granted ? 'always' : 'ask', esc(r.reason)]),
            ),
      );
    });
}

function summary(g: Grants): string {
  return Object.entries(withoutEmpty(g))
    .map(([k, v]) => (v === true ? k : `${k} ${(v as string[]).join(', ')}`))
    .join('; ');
}
