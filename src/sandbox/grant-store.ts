/**
 * Recorded grants, bound to a plugin identity and to the digest of the
 * component they were given to. Reading decides whether they apply; writing
 * is the one way grants get into the config (the prompt's "always",
 * `wash plugin grant/revoke`, an update that keeps its grants).
 */
import { emptyGrants, grantTable, updateConfig, type Grants, type WashConfig } from './config.js';
import { isLegacyGrantKey, isReservedId, type PluginIdentity } from './identity.js';

/** The component a run is about: who it is and what exactly is behind that name now. */
export interface GrantSubject {
  identity: PluginIdentity;
  digest: string;
  /** Where the component came from, in words (an OCI reference, a URL, a path, "bundled with wash"). */
  source: string;
}

export interface Recorded {
  /** What applies to this run. */
  grants: Grants;
  /** Set when grants exist for this identity but were given to another component: they do not apply. */
  changed?: { digest?: string; source?: string; grants: Grants };
}

/**
 * The recorded grants that apply to `subject`. A core plugin comes with wash
 * itself, so its grants survive wash's upgrades; any other component must be
 * the one (same digest) the grants were given to.
 */
export function recordedGrants(config: WashConfig, subject: GrantSubject): Recorded {
  if (!subject.identity.remembers) return { grants: emptyGrants() };
  const table = config.grants[subject.identity.key];
  if (!table) return { grants: emptyGrants() };
  if (subject.identity.kind === 'core' || table.digest === subject.digest) return { grants: table };
  return { grants: emptyGrants(), changed: { digest: table.digest, source: table.source, grants: table } };
}

/** Grants as a TOML table, without empty lists and false switches (and without the binding). */
export function withoutEmpty(g: Grants): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(g).filter(([k, v]) => k !== 'digest' && k !== 'source' && (Array.isArray(v) ? v.length > 0 : v === true)),
  );
}

/** The grants recorded in one raw `[grants.<key>]` table. */
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

/**
 * Change the grants recorded for `subject` (under the config lock) and bind
 * them to its digest and source. `change` gets what is recorded now (whatever
 * component it was given to) and returns what to keep; nothing left removes
 * the table.
 */
export async function writeGrants(configFile: string, subject: GrantSubject, change: (current: Grants) => Grants): Promise<Grants> {
  let result = emptyGrants();
  await updateConfig(configFile, (doc) => {
    const table = grantTable(doc, subject.identity.key);
    result = change(recordedFrom(table));
    for (const key of Object.keys(table)) delete table[key];
    const kept = withoutEmpty(result);
    if (Object.keys(kept).length === 0) delete (doc.grants as Record<string, unknown>)[subject.identity.key];
    else Object.assign(table, kept, subject.digest ? { digest: subject.digest } : {}, subject.source ? { source: subject.source } : {});
  });
  return result;
}

/** Remove every grant recorded for an identity (uninstall, `revoke --all`). */
export async function forgetGrants(configFile: string, identityKey: string): Promise<boolean> {
  let removed = false;
  await updateConfig(configFile, (doc) => {
    const grants = doc.grants as Record<string, unknown> | undefined;
    if (grants && identityKey in grants) {
      delete grants[identityKey];
      removed = true;
    }
  });
  return removed;
}

/**
 * Whether grants recorded by an older wash under the declared id `id` (and
 * given to `legacyDigest`) may pass to this catalog entry: a `dev.wash.*` id
 * only to the core plugin, any other id only to an installed plugin that is
 * still the very component those grants were given to. Path and test files
 * never inherit anything.
 */
export function inheritsLegacy(subject: GrantSubject, id: string, legacyDigest: string | undefined): boolean {
  if (subject.identity.kind === 'core') return isReservedId(id);
  if (subject.identity.kind === 'installed') return !isReservedId(id) && legacyDigest === subject.digest;
  return false;
}

/** Move a legacy `[grants."<id>"]` table to the subject's identity, once, if it is the rightful heir. */
export async function migrateLegacyGrants(configFile: string, config: WashConfig, subject: GrantSubject, id: string): Promise<boolean> {
  const legacy = config.grants[id];
  if (!legacy || !isLegacyGrantKey(id) || !inheritsLegacy(subject, id, legacy.digest)) return false;
  let moved = false;
  await updateConfig(configFile, (doc) => {
    const grants = doc.grants as Record<string, Record<string, unknown>> | undefined;
    const old = grants?.[id];
    if (!grants || !old) return; // another wash moved it first
    delete grants[id];
    if (grants[subject.identity.key]) return; // the identity has grants of its own already: they win
    grants[subject.identity.key] = { ...withoutEmpty(recordedFrom(old)), digest: subject.digest, source: subject.source };
    moved = true;
  });
  return moved;
}
