import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';

/** `sha256:<hex>` of a file, streamed. */
export async function fileDigest(path: string): Promise<string> {
  const hash = sha256();
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

interface IndexEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  digest: string;
}

/**
 * Remembers file digests by (path, size, mtime, inode) so that listing
 * plugins does not hash every component on every start.
 */
export class DigestIndex {
  private entries: Record<string, IndexEntry> = {};
  private dirty = false;

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<DigestIndex> {
    const index = new DigestIndex(file);
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (parsed && typeof parsed === 'object') index.entries = parsed as Record<string, IndexEntry>;
    } catch {
      // Missing or corrupt: start empty, it is only a cache.
    }
    return index;
  }

  async digestOf(path: string): Promise<{ digest: string; size: number }> {
    // A stat of a local file takes microseconds; done synchronously, listing 50 plugins does not queue 50 of them on the thread pool.
    const info = statSync(path);
    const known = this.entries[path];
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino) {
      return { digest: known.digest, size: info.size };
    }
    const digest = await fileDigest(path);
    this.entries[path] = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, digest };
    this.dirty = true;
    return { digest, size: info.size };
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    try {
      await writeFileAtomic(this.file, JSON.stringify(this.entries));
      this.dirty = false;
    } catch {
      // A read-only cache dir only costs speed.
    }
  }
}
