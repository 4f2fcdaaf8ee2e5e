/**
 * Recorded grants, bound to a plugin identity and to the digest of the
 * component they were given to, and recorded denials ("deny always"), bound
 * to the identity alone: a no stays a no for whatever component is behind
 * it. Reading decides whether they apply; writing is the one way either gets
 * into the config (the prompt's "always" and "deny always", `wash plugin
 * grant/revoke`, an update that keeps its grants).
 */
import { DENY_KEY, emptyGrants, grantTable, updateConfig, type Grants, type WashConfig } from './config.js';
import { isLegacyGrantKey, isReservedId, type PluginIdentity } from './identity.js';
import { subtractGrants } from './policy.js';

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
  if (!table || Object.keys(withoutEmpty(table)).length === 0) return { grants: emptyGrants() };
  if (subject.identity.kind === 'core' || table.digest === subject.digest) return { grants: table };
  return { grants: emptyGrants(), changed: { digest: table.digest, source: table.source, grants: table } };
}

/** The "deny always" answers recorded for `subject` (none for an identity that never remembers). */
export function recordedDenials(config: WashConfig, subject: GrantSubject): Grants {
  if (!subject.identity.remembers) return emptyGrants();
  return config.denials[subject.identity.key] ?? emptyGrants();
}

/** Grants as a TOML table, without empty lists and false switches (and without the binding). */
export function withoutEmpty(g: Grants): Record<string, unknown> {
  return Object.fromEntries(Object.entries(g).filter(([k, v]) => k !== 'digest' && k !== 'source' && (Array.isArray(v) ? v.length > 0 : v === true)));
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

/** What is recorded for one identity: its grants and its denials. */
export interface RecordedAccess {
  grants: Grants;
  denied: Grants;
}

/**
 * Rewrite what is recorded under `key` (under the config lock). `binding`
 * is the component the grants are given to now; undefined keeps the one
 * they had (recording a denial confirms no grant). Empty tables go.
 */
async function rewrite(
  configFile: string,
  key: string,
  binding: { digest: string; source: string } | undefined,
  change: (current: RecordedAccess) => RecordedAccess,
): Promise<RecordedAccess> {
  let result: RecordedAccess = { grants: emptyGrants(), denied: emptyGrants() };
  await updateConfig(configFile, (doc) => {
    const table = grantTable(doc, key);
    const deny = table[DENY_KEY];
    const current = { grants: recordedFrom(table), denied: recordedFrom(typeof deny === 'object' && deny !== null ? (deny as Record<string, unknown>) : {}) };
    result = change(current);
    const was = { digest: table.digest, source: table.source };
    for (const k of Object.keys(table)) delete table[k];
    const grants = withoutEmpty(result.grants);
    const denied = withoutEmpty(result.denied);
    if (Object.keys(grants).length > 0) {
      Object.assign(table, grants);
      const bound = binding ?? { digest: was.digest, source: was.source };
      if (bound.digest) table.digest = bound.digest;
      if (bound.source) table.source = bound.source;
    }
    if (Object.keys(denied).length > 0) table[DENY_KEY] = denied;
    if (Object.keys(table).length === 0) delete (doc.grants as Record<string, unknown>)[key];
  });
  return result;
}

/**
 * Change the grants recorded for `subject` (under the config lock) and bind
 * them to its digest and source. `change` gets what is recorded now (whatever
 * component it was given to) and returns what to keep; nothing left removes
 * the table. A grant replaces a recorded denial of exactly the same thing.
 */
export async function writeGrants(configFile: string, subject: GrantSubject, change: (current: Grants) => Grants): Promise<Grants> {
  const binding = { digest: subject.digest, source: subject.source };
  const { grants } = await rewrite(configFile, subject.identity.key, binding, (current) => {
    const next = change(current.grants);
    return { grants: next, denied: subtractGrants(current.denied, subtractGrants(next, current.grants)) };
  });
  return grants;
}

/**
 * Change the denials recorded for `subject` ("deny always", `wash plugin
 * revoke`). A denial replaces a recorded grant of exactly the same thing;
 * the remaining grants keep the component they were given to.
 */
export async function writeDenials(configFile: string, subject: GrantSubject, change: (current: Grants) => Grants): Promise<Grants> {
  const { denied } = await rewrite(configFile, subject.identity.key, undefined, (current) => {
    const next = change(current.denied);
    return { grants: subtractGrants(current.grants, subtractGrants(next, current.denied)), denied: next };
  });
  return denied;
}

/** Change grants and denials together, keeping the grants' binding (`wash plugin revoke`). */
export async function writeAccess(configFile: string, subject: GrantSubject, change: (current: RecordedAccess) => RecordedAccess): Promise<RecordedAccess> {
  return rewrite(configFile, subject.identity.key, undefined, change);
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
