/**
 * Before a run: compare what the plugin declared with what is granted (the
 * config's "always" grants plus this run's --allow-* flags), ask for the rest
 * on a TTY, deny it otherwise, and record "always" answers.
 */
import { accessItems, describeItem, type AccessItem } from './access-items.js';
import { readConfig, updateConfig, grantTable, emptyGrants, type Grants, type WashConfig } from './config.js';
import { grantCommand, grantsFor, isWithin, mergeGrants, splitByGrant } from './policy.js';
import { reservedPath, reservedReason, type Reserved } from './reserved.js';
import { realpath } from 'node:fs/promises';
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
  /** wash's package root: like its own dirs, never granted to a plugin (core plugins' code lives there). */
  packageRoot: string;
  /** The core `drain` plugin: the one plugin that may be granted wash's own directories. */
  trustedCore: boolean;
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
  // wash's own directories are refused before anything else: no record, flag, -A or answer grants them.
  const items = options.trustedCore ? declared : await withoutReserved(declared, options);
  if (items.length === 0) return { granted: [], denied: [], config, grants: emptyGrants() };
  if (options.allowAll) return { granted: items, denied: [], config, grants: grantsFor(items) };

  const recorded = config.grants[metadata.id] ?? emptyGrants();
  const grants = mergeGrants(recorded, options.flags);
  const { granted, missing } = splitByGrant(items, grants);
  if (missing.length === 0) return { granted, denied: [], config, grants };

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
  if (askable.length === 0) return { granted, denied: missing, config, grants };
  if (options.interactive && requestTooLong(subject, askable)) {
    options.note(`wash: denied without asking: plugin '${esc(metadata.name)}' made an access request too long to show safely`);
    return { granted, denied: missing, config, grants };
  }
  if (!options.interactive) {
    options.note(
      [
        `wash: plugin '${esc(metadata.name)}' was denied (no terminal to ask): ${askable.map((i) => esc(describeItem(i))).join(', ')}`,
        `  to grant it: ${esc(grantCommand(metadata.name, askable))}`,
        `  or for one run: wash ${esc(allowFlags(askable))} ${esc(metadata.name)} ...`,
      ].join('\n'),
    );
    return { granted, denied: missing, config, grants };
  }

  const answer = await askForAccess(subject, askable, options.configFile);
  if (answer === 'deny') return { granted, denied: missing, config, grants };
  if (answer === 'always') {
    const add = grantsFor(askable);
    await updateConfig(options.configFile, (doc) => {
      const table = grantTable(doc, metadata.id);
      const merged = mergeGrants(recordedFrom(table), add);
      Object.assign(table, withoutEmpty(merged), { digest: options.digest });
    });
  }
  return { granted: [...granted, ...askable], denied: absurd, config, grants: mergeGrants(grants, grantsFor(askable)) };
}

/** reservedPath, comparing paths as given and after realpath (a symlink into wash's dirs is theirs). */
export async function findReserved(path: string, dirs: WashDirs, packageRoot: string): Promise<Reserved | undefined> {
  const real = (p: string) => realpath(p).catch(() => p);
  const realDirs = { cache: await real(dirs.cache), data: await real(dirs.data), config: await real(dirs.config) };
  const [realPath, realRoot] = await Promise.all([real(path), real(packageRoot)]);
  return (
    reservedPath(path, dirs, packageRoot) ??
    reservedPath(realPath, realDirs, realRoot) ??
    reservedPath(realPath, dirs, packageRoot) ??
    reservedPath(path, realDirs, realRoot)
  );
}

/**
 * The items that touch none of wash's own directories. A path that merely
 * holds one (say `~`) may be read when this run's --allow-read names it, with
 * a warning; nothing else is granted, whatever was recorded, flagged or answered.
 */
async function withoutReserved(items: AccessItem[], options: DecideOptions): Promise<AccessItem[]> {
  const name = esc(options.metadata.name);
  const kept: AccessItem[] = [];
  for (const item of items) {
    const reserved = item.kind === 'read' || item.kind === 'write' ? await findReserved(item.path, options.dirs, options.packageRoot) : undefined;
    if (!reserved) kept.push(item);
    else if (reserved.relation === 'contains' && item.kind === 'read' && options.flags.read.some((p) => isWithin((item as { path: string }).path, p))) {
      options.note(`wash: warning: plugin '${name}' may read ${esc(item.path)} for this run, as --allow-read names it; ${esc(reservedReason(item.path, reserved))}`);
      kept.push(item);
    } else {
      const path = (item as { path: string }).path;
      options.note(`wash: refused: plugin '${name}' may not have ${esc(describeItem(item))}: ${esc(reservedReason(path, reserved))} (only the core drain plugin may)`);
    }
  }
  return kept;
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
