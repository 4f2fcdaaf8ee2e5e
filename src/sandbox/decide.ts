/**
 * Before a run, nothing is asked: read what the plugin declared (the upper
 * bound), the grants and denials recorded for its identity, and this run's
 * --allow-* flags, and set up the consent policy that decides each use at
 * its moment (consent.ts). Up front only warnings about the flags are
 * printed: a flag that grants nothing, a system path named, a symlink -A
 * does not follow.
 */
import { accessItems, describeItem, type AccessItem } from './access-items.js';
import { readConfig, emptyGrants, type Grants, type WashConfig } from './config.js';
import { grantsFor, isSystemPath, isWithin, mergeGrants, shellQuote, withoutSystemPaths } from './policy.js';
import { ConsentPolicy, itemKey, undeclaredGrants, type CannotAsk, type Verdict } from './consent-policy.js';
import { leadsOutOfItsDirectory, realGrants, realPathOf, withRealPaths } from './real-paths.js';
import { parseHostPattern } from './host-pattern.js';
import { recordedDenials, recordedGrants, withoutEmpty, type GrantSubject } from './grant-store.js';
import type { Metadata } from '../contract/metadata.js';
import type { WashDirs } from '../contract/dirs.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { shortDigest } from '../util/text.js';
import { reservedPath, reservedReason, type Reserved } from './reserved.js';

export interface DecideOptions {
  metadata: Metadata;
  /** Who the plugin is (its catalog entry), what component is behind it now and where it came from. */
  subject: GrantSubject;
  dirs: WashDirs;
  configFile: string;
  /** Grants from this run's --allow-* flags. */
  flags: Grants;
  /** --allow-all: everything the plugin declared, for this run. */
  allowAll: boolean;
  /** Set when no question can be asked this run (no terminal, --no-prompt, a hook). */
  cannotAsk?: CannotAsk;
  /**
   * A contract that cannot declare host programs (the Rust wash's): the
   * programs the user granted it stand in for its declaration.
   */
  execByGrantOnly?: boolean;
  note: (text: string) => void;
  /** wash's package root: like its own dirs, never granted to a plugin (core plugins' code lives there). */
  packageRoot: string;
  /** The core `drain` plugin: the one plugin that may be granted wash's own directories. */
  trustedCore: boolean;
}

/** The grants recorded for an earlier component, waiting for the user's confirmation. */
export interface EarlierGrants {
  /** As recorded (to keep them, they are written back bound to this component). */
  grants: Grants;
  was: string;
  now: string;
}

export interface Decision {
  /** The config as read for this decision (settings apply to the run). */
  config: WashConfig;
  policy: ConsentPolicy;
  /** The declared items (paths resolved) and their verdicts before the run: what is mounted, gated or left out. */
  items: { item: AccessItem; verdict: Verdict }[];
  earlier?: EarlierGrants;
}

export async function decideAccess(options: DecideOptions): Promise<Decision> {
  const { metadata, subject } = options;
  const config = await readConfig(options.configFile);
  const { items: allItems, invalid } = accessItems(metadata, options.dirs);
  for (const why of invalid) options.note(`warning: ${esc(metadata.name)}: ignoring an access request: ${esc(why)}`);
  // wash's own directories are refused before anything else: no record, flag, -A or answer grants them.
  const declaredItems = options.trustedCore ? allItems : await withoutReserved(allItems, options);

  // Paths are compared where they lead now: a symlink planted in a grant does not stretch it.
  // System paths are granted only by this run's --allow-read naming them (never -A, a record or the prompt).
  const declared = await withRealPaths(declaredItems);
  const flags = await realGrants(options.flags);
  const recordedNow = recordedGrants(config, subject);
  const recorded = withoutSystemPaths(await realGrants(recordedNow.grants));
  const denied = await realGrants(recordedDenials(config, subject));
  if (options.execByGrantOnly) {
    for (const binary of new Set([...recorded.exec, ...flags.exec])) declared.push({ kind: 'exec', binary, reason: 'granted by you' });
  }

  if (!options.allowAll) {
    const unused = undeclaredGrants(declared, { ...flags, read: flags.read.filter((p) => !isSystemPath(p)) });
    for (const what of unused)
      options.note(`warning: plugin '${esc(metadata.name)}' does not declare ${esc(what)}: not granted (see 'wash ${esc(metadata.name)} --help')`);
  }
  // -A grants what the plugin declared, but not a declared path that is a symlink out of its own directory.
  const notByAllowAll: string[] = [];
  if (options.allowAll) {
    const outside = await Promise.all(declared.map(leadsOutOfItsDirectory));
    declared.forEach((item, i) => {
      if (!outside[i]) return;
      notByAllowAll.push(itemKey(item));
      options.note(
        `wash: -A does not grant plugin '${esc(metadata.name)}' ${esc(describeItem(item))}: a symlink out of its directory; name it with --allow-${item.kind}`,
      );
    });
  }
  // Grants of an earlier component apply once the user confirms them (-A grants everything declared anyway).
  let earlier: EarlierGrants | undefined;
  if (recordedNow.changed && !options.allowAll && options.cannotAsk !== 'hook') {
    const { changed } = recordedNow;
    earlier = {
      grants: changed.grants,
      was: `${changed.digest ? shortDigest(changed.digest) : 'unknown digest'} from ${changed.source ?? 'an unknown source'}`,
      now: `${shortDigest(subject.digest)} from ${subject.source}`,
    };
  }
  const policy = new ConsentPolicy({
    declared,
    recorded,
    denied,
    flags,
    allowAll: options.allowAll,
    notByAllowAll,
    cannotAsk: options.cannotAsk,
    earlier: earlier ? withoutSystemPaths(await realGrants(earlier.grants)) : undefined,
  });
  const items = declared.map((item) => ({ item, verdict: policy.verdict(item) }));
  if (options.allowAll) {
    for (const { item, verdict } of items) {
      if (verdict.state !== 'denied' || verdict.reason !== 'system-path') continue;
      const how = item.kind === 'read' ? `allow it for one run with --allow-read=${item.real ?? item.path}` : 'it is never granted for writing';
      options.note(`wash: -A does not grant plugin '${esc(metadata.name)}' ${esc(describeItem(item))}: a system path; ${esc(how)}`);
    }
  }
  for (const root of flags.read.filter(isSystemPath)) {
    if (
      !items.some(
        ({ item, verdict }) => verdict.state === 'granted' && (item.kind === 'read' || item.kind === 'write') && isWithin(item.real ?? item.path, root),
      )
    )
      continue;
    options.note(
      `warning: plugin '${esc(metadata.name)}' may read ${esc(root)}, a system path: it exposes the environment and secrets of this and other processes`,
    );
  }
  return { config, policy, items, earlier };
}

/** What the recorded grants of an earlier component are, in short (for the question and notes). */
export function grantsSummary(g: Grants): string {
  return Object.entries(withoutEmpty(g))
    .map(([k, v]) => (v === true ? k : `${k} ${(v as string[]).join(', ')}`))
    .join('; ');
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

/** The per-run flags that would grant these items, each one shell word (the values are the plugin's text). */
export function allowFlags(items: readonly AccessItem[]): string {
  const g = mergeGrants(emptyGrants(), grantsFor(items));
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
    .map(shellQuote)
    .join(' ');
}

/**
 * reservedPath, comparing paths as given and where they lead (a symlink into
 * wash's dirs is theirs, also for a path below it that does not exist yet).
 */
export async function findReserved(path: string, dirs: WashDirs, packageRoot: string): Promise<Reserved | undefined> {
  const real = (p: string) => realPathOf(p);
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
      options.note(
        `wash: warning: plugin '${name}' may read ${esc(item.path)} for this run, as --allow-read names it; ${esc(reservedReason(item.path, reserved))}`,
      );
      kept.push(item);
    } else {
      const path = (item as { path: string }).path;
      options.note(
        `wash: refused: plugin '${name}' may not have ${esc(describeItem(item))}: ${esc(reservedReason(path, reserved))} (only the core drain plugin may)`,
      );
    }
  }
  return kept;
}
