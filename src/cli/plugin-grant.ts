import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import type { PluginEntry } from '../plugin-host/catalog.js';
import { emptyGrants, readConfig, type Grants } from '../sandbox/config.js';
import { grantsFor, isSystemItem, isSystemPath, mergeGrants, subtractGrants, splitByGrant, usableHosts, withoutSystemPaths } from '../sandbox/policy.js';
import { realGrants, realPathOf, withRealPaths } from '../sandbox/real-paths.js';
import { findReserved, grantsSummary, isOpenEnded } from '../sandbox/decide.js';
import { forgetGrants, recordedDenials, recordedGrants, withoutEmpty, writeAccess, writeGrants } from '../sandbox/grant-store.js';
import { refuses, undeclaredGrants } from '../sandbox/consent-policy.js';
import { adapterFor } from '../plugin-host/adapters/index.js';
import { grantSubjectOf } from '../plugin-host/plugin-identity.js';
import { shortDigest } from '../util/text.js';
import { reservedReason, type Reserved } from '../sandbox/reserved.js';
import { PACKAGE_ROOT } from '../plugin-host/versions.js';
import { isTrustedCore } from '../sandbox/identity.js';
import { accessItems, describeItem, type AccessItem } from '../sandbox/access-items.js';
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
  confirm?: boolean;
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
    .option('--listen', 'receiving HTTP on 127.0.0.1 (a login redirect, or its own HTTP server)');
}

async function findPlugin(ctx: CliContext, name: string): Promise<PluginEntry> {
  const entry = (await ctx.catalog()).plugins.get(name);
  if (!entry) throw new WashError(`no plugin named '${name}'`, 1, "see 'wash plugin list'");
  return entry;
}

/**
 * The grants these flags name, paths recorded where they lead now. Granting
 * refuses system paths; revoking takes both spellings of a path, as typed and
 * where it leads, so an entry recorded either way goes.
 */
async function grantsFromFlags(ctx: CliContext, flags: GrantFlags, purpose: 'grant' | 'revoke'): Promise<Grants> {
  const typed = (p: string) => resolveRequestedPath(p, ctx.layout) ?? resolve(p);
  const paths = async (list: string[] = []) => {
    const out: string[] = [];
    for (const p of list.map(typed)) {
      const real = await realPathOf(p);
      if (purpose === 'grant' && isSystemPath(real)) {
        throw new UsageError(
          `refusing to grant ${real === p ? p : `${p} (it leads to ${real})`}: a system path (it exposes the environment and secrets of running processes); allow it for one run with --allow-read=${real}`,
        );
      }
      out.push(...(purpose === 'revoke' ? [p, real] : [real]));
    }
    return [...new Set(out)];
  };
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
    read: await paths(flags.read),
    write: await paths(flags.write),
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
    .option('--confirm', 'keep the grants recorded for an earlier component of this plugin (after a reinstall or update)')
    .action(async (name: string, flags: GrantFlags, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const entry = await findPlugin(ctx, name);
      const { metadata } = entry.component;
      const subject = await grantSubjectOf(ctx.layout, entry);
      const { changed } = recordedGrants(await readConfig(ctx.configFile), subject);
      if (changed && !flags.confirm) {
        throw new WashError(
          `plugin '${esc(name)}' changed since its grants were recorded (was ${changed.digest ? shortDigest(changed.digest) : 'unknown'} from ${esc(changed.source ?? 'an unknown source')}, now ${shortDigest(subject.digest)} from ${esc(subject.source)})`,
          1,
          `keep them with 'wash plugin grant ${name} --confirm', or drop them with 'wash plugin revoke ${name} --all'`,
        );
      }
      let add = await grantsFromFlags(ctx, flags, 'grant');
      const trusted = isTrustedCore(subject.identity);
      // wash's own directories: refused to every plugin but the core drain.
      for (const [kind, paths] of [
        ['read', add.read],
        ['write', add.write],
      ] as const) {
        for (const path of trusted ? [] : paths) {
          const reserved = await findReserved(path, ctx.layout, PACKAGE_ROOT);
          if (reserved) {
            const what = describeItem({ kind, path, requested: path, reason: '' });
            throw new WashError(
              `refused: plugin '${esc(name)}' may not have ${esc(what)}: ${esc(reservedReason(path, reserved))} (only the core drain plugin may)`,
            );
          }
        }
      }
      // What the plugin never declared is refused: a grant of it would do nothing (a foreign contract cannot declare programs).
      const declared = await withRealPaths(accessItems(metadata, ctx.layout).items);
      const foreign = adapterFor(entry.component.contract).execGrants !== 'declared';
      const undeclared = undeclaredGrants(declared, foreign ? { ...add, exec: [] } : add);
      if (undeclared.length > 0) {
        throw new WashError(
          `plugin '${esc(name)}' does not declare ${undeclared.map((u) => esc(u)).join(', ')}; nothing was granted`,
          1,
          `see 'wash ${name} --help' for the access it requests`,
        );
      }
      if (flags.all) {
        const items = await withRealPaths(accessItems(metadata, ctx.layout).items);
        const { missing } = splitByGrant(items, emptyGrants());
        const openEnded = missing.filter(isOpenEnded);
        if (openEnded.length > 0) {
          ctx.note(`not granted by --all: ${openEnded.map((i) => esc(describeItem(i))).join(', ')}; grant the hosts you mean with --net https://HOST`);
        }
        const system = missing.filter(isSystemItem);
        if (system.length > 0) {
          ctx.note(
            `not granted by --all: ${system.map((i) => esc(describeItem(i))).join(', ')}: a system path is never recorded; allow it for one run with --allow-read`,
          );
        }
        const reserved = new Map<AccessItem, Reserved>();
        for (const item of trusted ? [] : missing) {
          const found = item.kind === 'read' || item.kind === 'write' ? await findReserved(item.path, ctx.layout, PACKAGE_ROOT) : undefined;
          if (found) reserved.set(item, found);
        }
        for (const [item, found] of reserved) {
          ctx.note(`not granted by --all: ${esc(describeItem(item))} (${found.dir.what}; only the core drain plugin may have it)`);
        }
        add = mergeGrants(add, grantsFor(missing.filter((i) => !isOpenEnded(i) && !isSystemItem(i) && !reserved.has(i))));
      }
      if (isEmpty(add) && flags.all && !flags.confirm) {
        // --all grants everything declared; when that is nothing grantable, there is nothing to do, and no mistake.
        ctx.print(
          { plugin: name, identity: subject.identity.key, granted: {} },
          () => `nothing to grant: ${esc(name)} declares no access that --all can grant`,
        );
        return;
      }
      if (isEmpty(add) && !flags.confirm) {
        throw new UsageError('nothing to grant: pass --env, --read, --write, --net, --exec, --scratch, --listen or --all');
      }
      const now = await writeGrants(ctx.configFile, subject, (current) => mergeGrants(current, add));
      const confirmed = flags.confirm && changed ? `confirmed for ${shortDigest(subject.digest)}: ${grantsSummary(changed.grants)}` : '';
      ctx.print(
        { plugin: name, identity: subject.identity.key, digest: subject.digest, grants: withoutEmpty(now) },
        () =>
          [confirmed, isEmpty(add) ? '' : `granted to ${esc(name)}: ${grantsSummary(add)}`].filter(Boolean).join('\n') || `nothing changed for ${esc(name)}`,
      );
    });

  withGrantOptions(plugin.command('revoke'))
    .description('Take back grants recorded in the config file')
    .argument('<plugin>', 'plugin name')
    .option('--all', 'every grant of this plugin')
    .action(async (name: string, flags: GrantFlags, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const subject = await grantSubjectOf(ctx.layout, await findPlugin(ctx, name));
      const remove = await grantsFromFlags(ctx, flags, 'revoke');
      if (!flags.all && isEmpty(remove)) throw new UsageError('nothing to revoke: pass what to revoke, or --all');
      if (flags.all) {
        const removed = await forgetGrants(ctx.configFile, subject.identity.key);
        ctx.print({ plugin: name, revoked: removed ? 'all' : 'nothing' }, () =>
          removed ? `revoked from ${esc(name)}: everything (its grants and "deny always" answers)` : `nothing to revoke: nothing is recorded for ${esc(name)}`,
        );
        return;
      }
      const config = await readConfig(ctx.configFile);
      const recorded = { grants: config.grants[subject.identity.key] ?? emptyGrants(), denied: config.denials[subject.identity.key] ?? emptyGrants() };
      const requested = await requestedSpellings(ctx, flags);
      const absent = requested.filter((r) => !isRecorded(r, recorded)).map((r) => r.shown);
      const revoked = requested.filter((r) => isRecorded(r, recorded)).map((r) => r.shown);
      // Revoking keeps the binding the grants had (taking access away confirms nothing) and clears "deny always" too.
      if (revoked.length > 0) {
        await writeAccess(ctx.configFile, subject, (current) => ({
          grants: subtractGrants(current.grants, remove),
          denied: subtractGrants(current.denied, remove),
        }));
      }
      ctx.print({ plugin: name, revoked, not_recorded: absent }, () =>
        [
          revoked.length > 0 ? `revoked from ${esc(name)}: ${revoked.map((r) => esc(r)).join(', ')}` : '',
          absent.length > 0 ? `nothing to revoke for ${esc(name)} (neither granted nor denied): ${absent.map((a) => esc(a)).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
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
      const perEntry = await Promise.all(
        entries.map(async (entry) => {
          const m = entry.component.metadata;
          const items = await withRealPaths(accessItems(m, ctx.layout).items);
          const subject = await grantSubjectOf(ctx.layout, entry);
          const grants = withoutSystemPaths(await realGrants(recordedGrants(config, subject).grants));
          const denied = await realGrants(recordedDenials(config, subject));
          return { m, items, grants, denied };
        }),
      );
      const rows = perEntry.flatMap(({ m, items, grants, denied }) => {
        const { granted } = splitByGrant(items, grants);
        const state = (item: AccessItem) =>
          isSystemItem(item)
            ? 'never'
            : refuses(denied, item)
              ? 'denied'
              : granted.includes(item) || splitByGrant([item], grants).granted.length > 0
                ? 'always'
                : 'ask';
        const declaredRows = items.map((item) => ({
          plugin: m.name,
          request: describeItem(item),
          reason: item.reason,
          granted: state(item) === 'always',
          state: state(item),
        }));
        // Hosts recorded inside a broader declaration (an answer about a concrete host, or a narrower grant).
        const hostRows = items
          .filter((item): item is Extract<AccessItem, { kind: 'net' }> => item.kind === 'net')
          .flatMap((decl) =>
            [...grants.net.map((h) => [h, 'always'] as const), ...denied.net.map((h) => [h, 'denied'] as const)]
              .filter(([h]) => h !== decl.host && usableHosts([decl.host], [h]).includes(h))
              .map(([h, st]) => ({ plugin: m.name, request: `outgoing HTTP to ${h}`, reason: decl.reason, granted: st === 'always', state: st })),
          );
        return [...declaredRows, ...hostRows];
      });
      const shown = { always: 'always', denied: 'deny always', ask: 'ask', never: 'never (system path)' } as const;
      ctx.print(rows, () =>
        rows.length === 0
          ? 'no plugin requests any access'
          : renderTable(
              ['PLUGIN', 'REQUEST', 'GRANTED', 'REASON'],
              rows.map((r) => [esc(r.plugin), esc(r.request), shown[r.state as keyof typeof shown], esc(r.reason)]),
            ),
      );
    });
}

/** Each thing named on a revoke command line, with every spelling it may be recorded under. */
async function requestedSpellings(ctx: CliContext, flags: GrantFlags): Promise<{ kind: keyof Grants; shown: string; spellings: string[] }[]> {
  const out: { kind: keyof Grants; shown: string; spellings: string[] }[] = [];
  for (const kind of ['env', 'net', 'exec'] as const) for (const v of flags[kind] ?? []) out.push({ kind, shown: `${kind} ${v}`, spellings: [v] });
  for (const kind of ['read', 'write'] as const) {
    for (const p of flags[kind] ?? []) {
      const typed = resolveRequestedPath(p, ctx.layout) ?? resolve(p);
      out.push({ kind, shown: `${kind} ${typed}`, spellings: [typed, await realPathOf(typed)] });
    }
  }
  if (flags.scratch) out.push({ kind: 'scratch', shown: 'scratch', spellings: [] });
  if (flags.listen) out.push({ kind: 'listen', shown: 'listen', spellings: [] });
  return out;
}

/** Whether a thing named on a revoke command line is recorded, granted or denied, under any of its spellings. */
function isRecorded({ kind, spellings }: { kind: keyof Grants; spellings: string[] }, recorded: { grants: Grants; denied: Grants }): boolean {
  const has = (g: Grants) => {
    const v = g[kind];
    return typeof v === 'boolean' ? v : Array.isArray(v) && spellings.some((s) => v.includes(s));
  };
  return has(recorded.grants) || has(recorded.denied);
}
