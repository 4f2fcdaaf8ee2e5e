/**
 * What wash concluded about each transpiled entry, kept in `<data>/integrity/`
 * (never grantable): where the entry's files are and their sha256, or why the
 * component is not a plugin. The cache holds code; this holds what may be
 * believed about it. Writing a record is the moment an entry becomes usable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from '../contract/dirs.js';
import { checkHashes, type FileHashes } from './integrity.js';
import { writeFileAtomic } from '../util/atomic.js';

export type Verdict =
  /** A plugin: its entry dir (a name under `<cache>/transpiled/`) and the sha256 of each file. */
  | { entry: string; sha256: FileHashes }
  /** Not a plugin; `{file}` in the reason stands for however the component is named. */
  | { rejected: string };

const recordFile = (layout: Layout, name: string) => join(layout.integrity, `${name}.json`);

/** The verdict for an entry name; undefined when there is none (or it is unreadable). */
export async function readVerdict(layout: Layout, name: string): Promise<Verdict | undefined> {
  let raw: { entry?: unknown; sha256?: unknown; rejected?: unknown };
  try {
    raw = JSON.parse(await readFile(recordFile(layout, name), 'utf8')) as typeof raw;
  } catch {
    return undefined;
  }
  if (typeof raw.rejected === 'string') return { rejected: raw.rejected };
  const sha256 = checkHashes(raw.sha256);
  // An entry is a plain name inside the transpiled dir, never a path.
  if (typeof raw.entry !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(raw.entry) || raw.entry.startsWith('.') || !sha256) return undefined;
  return { entry: raw.entry, sha256 };
}

/** Record a verdict atomically: readers see the old record or the new one. */
export async function writeVerdict(layout: Layout, name: string, verdict: Verdict): Promise<void> {
  await writeFileAtomic(recordFile(layout, name), JSON.stringify(verdict), { mode: 0o600 });
}
