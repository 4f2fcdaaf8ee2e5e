/**
 * Before a run: compare what the plugin declared with what is granted (the
 * config's "always" grants plus this run's --allow-* flags), ask for the rest
 * on a TTY, deny it otherwise, and record "always" answers.
 */
import { accessItems, describeItem, type AccessItem } from './access-items.js';
import { readConfig, updateConfig, grantTable, emptyGrants, type Grants } from './config.js';
import { grantCommand, grantsFor, mergeGrants, splitByGrant } from './policy.js';
import { askForAccess, requestTooLong, type PromptSubject } from './prompt.js';
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
}

export async function decideAccess(options: DecideOptions): Promise<Decision> {
  const { metadata } = options;
  const { items, invalid } = accessItems(metadata, options.dirs);
  for (const why of invalid) options.note(`warning: ${esc(metadata.name)}: ignoring an access request: ${esc(why)}`);
  if (items.length === 0) return { granted: [], denied: [] };
  if (options.allowAll) return { granted: items, denied: [] };

  const config = await readConfig(options.configFile);
  const recorded = config.grants[metadata.id] ?? emptyGrants();
  const { granted, missing } = splitByGrant(items, mergeGrants(recorded, options.flags));
  if (missing.length === 0) return { granted, denied: [] };

  const subject: PromptSubject = { name: metadata.name, id: metadata.id, version: metadata.version, digest: options.digest };
  if (options.interactive && requestTooLong(subject, missing)) {
    options.note(`wash: denied: plugin '${esc(metadata.name)}' made an access request too long to show safely`);
    return { granted, denied: missing };
  }
  if (!options.interactive) {
    options.note(
      [
        `wash: plugin '${esc(metadata.name)}' was denied (no terminal to ask): ${missing.map((i) => esc(describeItem(i))).join(', ')}`,
        `  to grant it: ${esc(grantCommand(metadata.name, missing))}`,
        `  or for one run: wash ${allowFlags(missing)} ${esc(metadata.name)} ...`,
      ].join('\n'),
    );
    return { granted, denied: missing };
  }

  const answer = await askForAccess(subject, missing, options.configFile);
  if (answer === 'deny') return { granted, denied: missing };
  if (answer === 'always') {
    const add = grantsFor(missing);
    await updateConfig(options.configFile, (doc) => {
      const table = grantTable(doc, metadata.id);
      const merged = mergeGrants(recordedFrom(table), add);
      Object.assign(table, withoutEmpty(merged), { digest: options.digest });
    });
  }
  return { granted: [...granted, ...missing], denied: [] };
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
