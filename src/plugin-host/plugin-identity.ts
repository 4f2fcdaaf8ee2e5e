/**
 * The identity of a catalog entry in practice: where its component came from
 * (for prompts and the grant binding), and moving what an older wash keyed by
 * the plugin's declared id over to the identity, once.
 */
import { rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Layout } from '../contract/dirs.js';
import type { PluginSource } from './discover.js';
import { readProvenance } from './oci/provenance.js';
import { identityOf } from '../sandbox/identity.js';
import { inheritsLegacy, migrateLegacyGrants, type GrantSubject } from '../sandbox/grant-store.js';
import type { WashConfig } from '../sandbox/config.js';
import { scratchDirOf } from '../sandbox/paths.js';

/** A catalog entry, or a file given to `wash plugin test`. */
export interface IdentifiedEntry {
  source: PluginSource | 'test';
  file: string;
  digest: string;
}

/** Who the entry is, what is behind it now and where that came from. */
export async function grantSubjectOf(layout: Layout, entry: IdentifiedEntry): Promise<GrantSubject> {
  const identity = identityOf(entry);
  let source: string;
  if (entry.source === 'embedded') source = 'bundled with wash';
  else if (entry.source === 'installed') {
    const provenance = await readProvenance(layout, basename(entry.file).replace(/\.wasm$/i, ''));
    source = provenance?.digest === entry.digest ? provenance.source : entry.file;
  } else source = entry.file;
  return { identity, digest: entry.digest, source };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Rename `from` to `to` unless `to` exists or `from` does not (another wash may be doing the same). */
async function moveOnce(from: string, to: string): Promise<boolean> {
  if ((await exists(to)) || !(await exists(from))) return false;
  try {
    await rename(from, to);
    return true;
  } catch {
    return false;
  }
}

/**
 * wash 0.1 kept grants, scratch dirs and plugin config under the id a plugin
 * declared. Move them to the entry's identity if it is their rightful heir
 * (see inheritsLegacy): nobody else can claim them by declaring the id.
 * Returns what moved, for a note.
 */
export async function migrateLegacyState(layout: Layout, configFile: string, config: WashConfig, subject: GrantSubject, declaredId: string): Promise<string[]> {
  if (!subject.identity.remembers) return [];
  const legacy = config.grants[declaredId];
  if (!inheritsLegacy(subject, declaredId, legacy?.digest)) return [];
  const moved: string[] = [];
  const scratchFrom = scratchDirOf(layout.scratchRoot, declaredId);
  const scratchTo = scratchDirOf(layout.scratchRoot, subject.identity.dirName);
  if (await moveOnce(scratchFrom, scratchTo)) moved.push(`scratch dir ${scratchFrom} -> ${scratchTo}`);
  if (await moveOnce(join(layout.pluginConfig, `${declaredId}.json`), join(layout.pluginConfig, `${subject.identity.dirName}.json`))) {
    moved.push('plugin config');
  }
  if (await migrateLegacyGrants(configFile, config, subject, declaredId)) moved.push(`grants [grants."${declaredId}"] -> [grants."${subject.identity.key}"]`);
  return moved;
}
