/**
 * Files for plugins, over wasi:filesystem. The host preopens each granted
 * directory at its own absolute path, so an absolute path is resolved against
 * the preopen that contains it. Errors are WASI error codes (`no-entry`,
 * `not-permitted`, `read-only`, ...) wrapped in FsError.
 */
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import type { Descriptor } from 'wasi:filesystem/types@0.2.12';

export class FsError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
  ) {
    super(`${path}: ${code}`);
  }
}

const codeOf = (err: unknown) => (typeof err === 'string' ? err : ((err as { payload?: string })?.payload ?? String(err)));

/** The preopen holding `path` and the path relative to it. */
export function locate(path: string): { dir: Descriptor; relative: string } {
  let best: { dir: Descriptor; root: string } | undefined;
  for (const [dir, root] of getDirectories()) {
    const r = root.replace(/\/+$/, '') || '/';
    if ((path === r || path.startsWith(r === '/' ? '/' : `${r}/`)) && (!best || r.length > best.root.length)) best = { dir, root: r };
  }
  if (!best) throw new FsError('not-permitted', path); // outside everything the host granted
  const relative = path.slice(best.root.length).replace(/^\/+/, '') || '.';
  return { dir: best.dir, relative };
}

export function readFile(path: string): Uint8Array {
  const { dir, relative } = locate(path);
  try {
    const file = dir.openAt({ symlinkFollow: true }, relative, {}, { read: true });
    const chunks: Uint8Array[] = [];
    let offset = 0n;
    for (;;) {
      const [data, eof] = file.read(65536n, offset);
      chunks.push(data);
      offset += BigInt(data.length);
      if (eof || data.length === 0) break;
    }
    const out = new Uint8Array(Number(offset));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch (err) {
    throw new FsError(codeOf(err), path);
  }
}

export function writeFile(path: string, data: Uint8Array | string): void {
  const { dir, relative } = locate(path);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  try {
    const file = dir.openAt({ symlinkFollow: false }, relative, { create: true, truncate: true }, { write: true });
    let offset = 0n;
    while (offset < BigInt(bytes.length)) offset += file.write(bytes.subarray(Number(offset)), offset);
  } catch (err) {
    throw new FsError(codeOf(err), path);
  }
}
