/**
 * Before a run: compare what the plugin declared with what is granted (the
 * config's "always" grants plus this run's --allow-* flags), ask for the rest
 * on a TTY, deny it otherwise, and record "always" answers.
 */
import { accessItems, describeItem, type AccessItem } from './access-items.js';
import { readConfig, updateConfig, grantTable, emptyGrants, type Grants, type WashConfig } from './config.js';
import { grantCommand, grantsFor, isSystemItem, isSystemPath, isWithin, mergeGrants, splitByGrant, withoutSystemPaths } from './policy.js';
import { leadsOutOfItsDirectory, realGrants, withRealPaths } from './real-paths.js';
import { parseHostPattern } from './host-pattern.js';
import { askForAccess, itemText, MAX_ITEM_TEXT, requestTooLong, type PromptSubject } from './prompt.js';
import type { Metadata } from '../plugin-host/metadata.js';
import type { WashDirs } from '../plugin-host/dirs.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

export interface DecideOptions {
  metadata: Metadata;
  digest: string;
  dirs: WashDirs;
  configFile: string;
  /** Grants from this run's --allow-* flags. */
  flags: Grants;
  /** --allow-all: everything the plugin declared, for this run. */
  allowAll: boolean;
  /** Whether we may ask: a TTY on stdin and stderr, and no --no-prompt. */
  interactive: boolean;
  note: (text: string) => void;
}

export interface Decision {
  granted: AccessItem[];
  denied: AccessItem[];
  /** The config as read for this decision (settings apply to the run). */
  config: WashConfig;
  /** Everything granted for this run (recorded, flags, answers): narrows broad declarations. */
  grants: Grants;
}

export async function decideAccess(options: DecideOptions): Promise<Decision> {
  const { metadata } = options;
  const config = await readConfig(options.configFile);
  const { items: declared, invalid } = accessItems(metadata, options.dirs);
  for (const why of invalid) options.note(`warning: ${esc(metadata.name)}: ignoring an access request: ${esc(why)}`);
  if (declared.length === 0) return { granted: [], denied: [], config, grants: emptyGrants() };

  // Paths are compared where they lead now: a symlink planted in a grant does not stretch it.
  // System paths are granted only by this run's --allow-read naming them (never -A, a record or the prompt).
  const items = await withRealPaths(declared);
  const flags = await realGrants(options.flags);
  const recorded = await realGrants(config.grants[metadata.id] ?? emptyGrants());
  const grants = mergeGrants(withoutSystemPaths(recorded), { ...flags, write: flags.write.filter((p) => !isSystemPath(p)) });
  const { granted, missing: uncovered } = splitByGrant(items, grants);
  const refused = uncovered.filter(isSystemItem);
  for (const item of refused) {
    const how = item.kind === 'read' ? `to allow it for this run only: --allow-read=${item.real ?? item.path}` : 'it is never granted for writing';
    options.note(`wash: plugin '${esc(metadata.name)}' may not ${esc(describeItem(item))}: a system path; ${esc(how)}`);
  }
  for (const root of flags.read.filter(isSystemPath)) {
    if (!granted.some((i) => (i.kind === 'read' || i.kind === 'write') && isWithin(i.real ?? i.path, root))) continue;
    options.note(`warning: plugin '${esc(metadata.name)}' may read ${esc(root)}, a system path: it exposes the environment and secrets of this and other processes`);
  }
  const missing = uncovered.filter((i) => !refused.includes(i));
  if (options.allowAll) {
    // -A grants what the plugin declared, but not a declared path that is a symlink out of its own directory.
    const outside = await Promise.all(missing.map(leadsOutOfItsDirectory));
    const misleading = missing.filter((_, i) => outside[i]);
    for (const item of misleading) {
      options.note(`wash: -A does not grant plugin '${esc(metadata.name)}' ${esc(describeItem(item))}: a symlink out of its directory; name it with --allow-${item.kind}`);
    }
    const all = [...granted, ...missing.filter((i) => !misleading.includes(i))];
    return { granted: all, denied: [...refused, ...misleading], config, grants: grantsFor(all) };
  }
  if (missing.length === 0) return { granted, denied: refused, config, grants };

  const subject: PromptSubject = { name: metadata.name, id: metadata.id, version: metadata.version, digest: options.digest };
  const absurd = missing.filter((i) => itemText(i).length > MAX_ITEM_TEXT);
  if (absurd.length > 0) {
    options.note(`wash: denied without asking: plugin '${esc(metadata.name)}' made ${absurd.length} access request(s) too long to show safely`);
  }
  // A declaration open to any host (e.g. an issuer named on the command line) is never granted
  // wholesale: the user grants the hosts they mean, and only those inside it are reachable.
  const openEnded = missing.filter(isOpenEnded);
  if (openEnded.length > 0) {
    const hosts = openEnded.map((i) => `${esc((i as { host: string }).host)} (${esc(i.reason)})`).join(', ');
    options.note(
      `wash: plugin '${esc(metadata.name)}' may reach only the hosts you grant it; it asks for ${hosts}.\n` +
        `  grant one with --allow-net=https://HOST or 'wash plugin grant ${esc(metadata.name)} --net https://HOST'`,
    );
  }
  const askable = missing.filter((i) => !absurd.includes(i) && !openEnded.includes(i));
  if (askable.length === 0) return { granted, denied: uncovered, config, grants };
  if (options.interactive && requestTooLong(subject, askable)) {
    options.note(`wash: denied without asking: plugin '${esc(metadata.name)}' made an access request too long to show safely`);
    return { granted, denied: uncovered, config, grants };
  }
  if (!options.interactive) {
    options.note(
      [
        `wash: plugin '${esc(metadata.name)}' was denied (no terminal to ask): ${askable.map((i) => esc(describeItem(i))).join(', ')}`,
        `  to grant it: ${esc(grantCommand(metadata.name, askable))}`,
        `  or for one run: wash ${esc(allowFlags(askable))} ${esc(metadata.name)} ...`,
      ].join('\n'),
    );
    return { granted, denied: uncovered, config, grants };
  }

  const answer = await askForAccess(subject, askable, options.configFile);
  if (answer === 'deny') return { granted, denied: uncovered, config, grants };
  if (answer === 'always') {
    const add = grantsFor(askable);
    await updateConfig(options.configFile, (doc) => {
      const table = grantTable(doc, metadata.id);
      const merged = mergeGrants(recordedFrom(table), add);
      Object.assign(table, withoutEmpty(merged), { digest: options.digest });
    });
  }
  return { granted: [...granted, ...askable], denied: [...absurd, ...refused], config, grants: mergeGrants(grants, grantsFor(askable)) };
}

/** A host request that names no host: `*://*`, `https://*:*`. */
export function isOpenEnded(item: AccessItem): boolean {
  if (item.kind !== 'net') return false;
  try {
    return parseHostPattern(item.host).host === '*';
  } catch {
    return false;
  }
}

/** The grants recorded in one raw `[grants.<id>]` table. */
export function recordedFrom(table: Record<string, unknown>): Grants {
  const list = (k: string) => (Array.isArray(table[k]) ? (table[k] as string[]) : []);
  return {
    scratch: table.scratch === true,
    listen: table.listen === true,
    env: list('env'),
    read: list('read'),
    write: list('write'),
    net: list('net'),
    exec: list('exec'),
  };
}

/** Grants as a TOML table, without empty lists and false switches. */
export function withoutEmpty(g: Grants): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(g).filter(([k, v]) => k !== 'digest' && (Array.isArray(v) ? v.length > 0 : v === true)),
  );
}

/** The per-run flags that would grant these items. */
export function allowFlags(items: readonly AccessItem[]): string {
  const g = grantsFor(items);
  return [
    g.env.length ? `--allow-env=${g.env.join(',')}` : '',
    g.read.length ? `--allow-read=${g.read.join(',')}` : '',
    g.write.length ? `--allow-write=${g.write.join(',')}` : '',
    g.net.length ? `--allow-net=${g.net.join(',')}` : '',
    g.exec.length ? `--allow-run=${g.exec.join(',')}` : '',
    g.scratch ? '--allow-scratch' : '',
    g.listen ? '--allow-listen' : '',
  ]
    .filter(Boolean)
    .join(' ');
}
