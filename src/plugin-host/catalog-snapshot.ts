/**
 * What the catalog learned about each component, in one file, so listing
 * plugins (help, dispatch, completion) reads one file however many are
 * installed, instead of a verdict and a meta.json per plugin.
 *
 * A row is keyed by the component's cache entry name (its digest, jco's
 * version and the cache format: see transpile-cache.ts entryName), so it can
 * only ever describe that exact component under these rules: a component's
 * metadata is what its `info` returned when wash described it, and a
 * rejection is a verdict on its bytes. The file lives in wash's data dir,
 * which no plugin is ever granted, like the integrity records the rows were
 * read from; it is written atomically (readers see an old or a new snapshot).
 * Rows only serve listings: a run still checks the entry and the worker
 * verifies every file it loads.
 */
import { readFile } from 'node:fs/promises';
import type { CachedComponent } from './transpile-cache.js';
import type { Metadata } from '../contract/metadata.js';
import { checkHashes } from './integrity.js';
import { writeFileAtomic } from '../util/atomic.js';

export type SnapshotRow = { component: CachedComponent } | { rejected: string };

const FORMAT = 1;

export class CatalogSnapshot {
  private changed = false;
  private readonly used = new Set<string>();

  private constructor(
    private readonly file: string,
    private readonly rows: Map<string, SnapshotRow>,
  ) {}

  /** The snapshot on disk; an empty one when missing or unreadable (it is only a shortcut). */
  static async open(file: string): Promise<CatalogSnapshot> {
    const rows = new Map<string, SnapshotRow>();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { format?: unknown; rows?: unknown };
      if (parsed.format === FORMAT && parsed.rows && typeof parsed.rows === 'object') {
        for (const [name, raw] of Object.entries(parsed.rows as Record<string, unknown>)) {
          const row = checkRow(raw);
          if (row) rows.set(name, row);
        }
      }
    } catch {
      // missing or corrupt: every row is read the slow way, and the file rewritten
    }
    return new CatalogSnapshot(file, rows);
  }

  get(entryName: string): SnapshotRow | undefined {
    const row = this.rows.get(entryName);
    if (row) this.used.add(entryName);
    return row;
  }

  set(entryName: string, row: SnapshotRow): void {
    this.rows.set(entryName, row);
    this.used.add(entryName);
    this.changed = true;
  }

  /**
   * Write it back when a row was added. Rows of components not found this
   * time (another WASH_PLUGIN_PATH, an uninstalled plugin) stay until they
   * outnumber the rest: the file is rewritten only when it must be.
   */
  async save(): Promise<void> {
    const stale = [...this.rows.keys()].filter((name) => !this.used.has(name));
    const prune = stale.length > Math.max(32, this.used.size);
    if (!this.changed && !prune) return;
    if (prune) for (const name of stale) this.rows.delete(name);
    try {
      await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, rows: Object.fromEntries(this.rows) }), { mode: 0o600 });
    } catch {
      // A read-only data dir only costs speed.
    }
  }
}

/**
 * A row as read back: its shape. Its content was validated before it was
 * written (it is a cache entry's checked metadata) and no plugin can write
 * the file, so, like a verdict (./verdicts.ts), it is not validated again:
 * listings stay free of the validation code, the contract adapters and semver.
 * A run reads and validates the cache entry itself.
 */
function checkRow(raw: unknown): SnapshotRow | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const row = raw as { rejected?: unknown; component?: Partial<Record<keyof CachedComponent, unknown>> };
  if (typeof row.rejected === 'string') return { rejected: row.rejected };
  const c = row.component;
  if (!c || typeof c !== 'object') return undefined;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const sha256 = checkHashes(c.sha256);
  if (!sha256 || typeof c.dir !== 'string' || typeof c.digest !== 'string' || typeof c.contract !== 'string') return undefined;
  if (!strings(c.exports) || !strings(c.imports) || !isMetadataShaped(c.metadata)) return undefined;
  return {
    component: {
      dir: c.dir,
      digest: c.digest,
      metadata: c.metadata,
      exports: c.exports,
      imports: c.imports,
      contract: c.contract,
      foreign: c.foreign,
      sha256,
    },
  };
}

/** The fields listings, help and completion read, of the types they expect. */
function isMetadataShaped(m: unknown): m is Metadata {
  if (!m || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  const text = (k: string) => typeof r[k] === 'string';
  const objects = (v: unknown) => Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object');
  return (
    text('id') &&
    text('name') &&
    text('version') &&
    text('description') &&
    objects(r.commands) &&
    (r.commands as { path?: unknown }[]).every((c) => Array.isArray(c.path)) &&
    Array.isArray(r.groups) &&
    Array.isArray(r.hooks) &&
    r.access !== null &&
    typeof r.access === 'object' &&
    typeof r.providesCredentials === 'boolean'
  );
}
