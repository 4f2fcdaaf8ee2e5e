/**
 * Before a run: compare what the plugin declared with what is granted (the
 * grants recorded for its identity and digest, plus this run's --allow-*
 * flags), ask for the rest on a TTY, deny it otherwise, and record "always"
 * answers.
 */
import { accessItems, describeItem, type AccessItem } from './access-items.js';
import { readConfig, emptyGrants, type Grants, type WashConfig } from './config.js';
import { grantCommand, grantsFor, isSystemItem, isSystemPath, isWithin, mergeGrants, splitByGrant, withoutSystemPaths } from './policy.js';
import { leadsOutOfItsDirectory, realGrants, withRealPaths } from './real-paths.js';
import { reservedPath, reservedReason, type Reserved } from './reserved.js';
import { realpath } from 'node:fs/promises';
import { parseHostPattern } from './host-pattern.js';
import { askForAccess, askKeepGrants, itemText, MAX_ITEM_TEXT, requestTooLong, type PromptSubject } from './prompt.js';
import { forgetGrants, recordedGrants, writeGrants, withoutEmpty, type GrantSubject } from './grant-store.js';
import type { Metadata } from '../plugin-host/metadata.js';
import type { WashDirs } from '../plugin-host/dirs.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { shortDigest } from '../util/text.js';

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
  const allowed = options.trustedCore ? declared : await withoutReserved(declared, options);
  if (allowed.length === 0) return { granted: [], denied: [], config, grants: emptyGrants() };

  const subject: PromptSubject = {
    name: metadata.name,
    id: metadata.id,
    version: metadata.version,
    digest: options.subject.digest,
    source: options.subject.source,
  };
  // Paths are compared where they lead now: a symlink planted in a grant does not stretch it.
  // System paths are granted only by this run's --allow-read naming them (never -A, a record or the prompt).
  const items = await withRealPaths(allowed);
  const flags = await realGrants(options.flags);
  // -A grants everything declared anyway: no question about grants of an earlier component then.
  const recorded = await realGrants(options.allowAll ? emptyGrants() : await applicableGrants(options, config, subject));
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

  const remembers = options.subject.identity.remembers;
  const answer = await askForAccess(subject, askable, remembers ? options.configFile : undefined);
  if (answer === 'deny') return { granted, denied: uncovered, config, grants };
  if (answer === 'always' && remembers) {
    const add = grantsFor(askable);
    await writeGrants(options.configFile, options.subject, (current) => mergeGrants(current, add));
  }
  return { granted: [...granted, ...askable], denied: [...absurd, ...refused], config, grants: mergeGrants(grants, grantsFor(askable)) };
}

/**
 * The recorded grants that apply to this run. Grants given to another
 * component behind the same identity (reinstalled, replaced, updated from
 * elsewhere) apply only once the user confirms them, seeing both sides.
 */
async function applicableGrants(options: DecideOptions, config: WashConfig, subject: PromptSubject): Promise<Grants> {
  const { grants, changed } = recordedGrants(config, options.subject);
  if (!changed) return grants;
  const name = esc(options.metadata.name);
  const was = `${changed.digest ? shortDigest(changed.digest) : 'unknown digest'} from ${esc(changed.source ?? 'an unknown source')}`;
  const now = `${shortDigest(options.subject.digest)} from ${esc(options.subject.source)}`;
  if (!options.interactive) {
    options.note(
      `wash: plugin '${name}' changed since its grants were recorded (was ${was}, now ${now}); they do not apply until you confirm them:\n` +
        `  wash plugin grant ${name} --confirm`,
    );
    return emptyGrants();
  }
  if (await askKeepGrants(subject, { was, now, grants: Object.keys(withoutEmpty(changed.grants)) })) {
    return writeGrants(options.configFile, options.subject, () => changed.grants);
  }
  await forgetGrants(options.configFile, options.subject.identity.key);
  options.note(`wash: dropped the grants recorded for the earlier '${name}'`);
  return emptyGrants();
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
