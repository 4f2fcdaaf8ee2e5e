import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';

/** A sibling temp path, on the same filesystem so rename is atomic. */
export function tempSibling(path: string): string {
  // node:crypto loaded when a file is written, not by every command that might write one.
  const random = process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex');
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${random}`);
}

/** Write a file so readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    await writeFile(tmp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous twin of writeFileAtomic, for host imports that must not await. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    writeFileSync(tmp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The file a path names once symlinks are followed (even to a target that
 * does not exist yet): the path to write atomically so that a link stays a
 * link. Only for files the user points wash at, never for paths a plugin
 * could plant a link in.
 */
export async function linkTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let target: string;
    try {
      target = await readlink(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return current; // not a link, or nothing there yet
      throw err;
    }
    current = resolve(dirname(current), target);
  }
  throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: 'ELOOP' });
}
