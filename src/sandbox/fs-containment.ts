/**
 * Keeps every filesystem call of a plugin inside its preopens, whatever
 * symlinks or renames happen meanwhile. preview2-shim resolves a guest path
 * to a host path string and then uses that string (Node has no openat): a
 * directory swapped for a symlink between the two leads outside. So, wrapping
 * the shim's Descriptor class once:
 *
 * - After every open we open the same path again without reading it (O_PATH),
 *   ask the kernel where that handle really is (/proc/self/fd/N) and check it
 *   is inside the preopen's real root and the very file the shim opened (inode,
 *   change and modification times). If not, the shim's descriptor is closed
 *   before the guest could read or write a byte, and the guest gets
 *   `not-permitted`.
 * - A file an open would create is created here, through a verified handle on
 *   its parent directory (/proc/self/fd/N/name: the kernel follows the handle,
 *   not the path), and truncation waits until the open is verified, so a race
 *   can neither create nor truncate a file outside.
 * - mkdir, rmdir, unlink, rename, link and symlink go through verified
 *   handles on their parent directories the same way; a symlink whose target
 *   leaves the preopen (absolute, or climbing out with `..`) is never created.
 * - stat, readlink, set-times and reading a directory are checked (the parent
 *   or the directory must really be inside) right before the shim runs them.
 *
 * What remains open is named in docs/security.md ("Filesystem containment and
 * the residual race"). Without /proc (not Linux) the same checks run on
 * realpath(), which narrows the window but cannot close it.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { isWithin } from './policy.js';

type Method = (this: object, ...args: unknown[]) => unknown;
type DescriptorClass = { prototype: Record<string, Method> };
/** preview2-shim's mapping of a Node error to a WASI error code (it throws what it cannot map). */
type ErrorCodeOf = (err: { payload: unknown }) => unknown;
type PathFlags = { symlinkFollow?: boolean } | undefined;
type OpenFlags = { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean };
type DescriptorFlags = Record<string, boolean | undefined>;

/** Where a descriptor is: its preopen's real root, and its own path (real when it was opened). */
interface Place {
  root: string;
  path: string;
}

/** A directory or file we hold without reading it, and where it really is. */
interface Landing {
  fd?: number;
  real: string;
}

const places = new WeakMap<object, Place>();
const patched = new WeakSet<object>();

// O_PATH (not in fs.constants): a handle that names a file without opening it for I/O.
const O_PATH = ['x64', 'arm64', 'arm', 'ia32', 'riscv64', 's390x', 'ppc64', 'loong64'].includes(process.arch) ? 0o10000000 : 0;
const PROC_FD = process.platform === 'linux' && O_PATH !== 0 && existsSync('/proc/self/fd');
const DISPOSE = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** Record a preopen: `hostPath` is its real path (src/sandbox/enforce.ts mounts real paths only). */
export function containPreopen(descriptor: object, hostPath: string): void {
  places.set(descriptor, { root: normalize(hostPath), path: hostPath });
}

const notPermitted = () => 'not-permitted';

function placeOf(descriptor: object): Place {
  const place = places.get(descriptor);
  if (!place) throw notPermitted();
  return place;
}

/** The guest path as the shim reads it: relative, `.` dropped, `..` never above the descriptor. */
export function segmentsOf(path: unknown): { segments: string[]; name: string; parent: string[] } {
  const text = String(path).replace(/\\/g, '/').replace(/\/\/+/g, '/');
  if (text.startsWith('/')) throw notPermitted();
  const segments: string[] = [];
  for (const segment of text.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.pop() === undefined) throw notPermitted();
    } else segments.push(segment);
  }
  const trailingSlash = text.endsWith('/') && segments.length > 0;
  return { segments, name: (segments.at(-1) ?? '') + (trailingSlash ? '/' : ''), parent: segments.slice(0, -1) };
}

/** Hold `path` (following symlinks unless told not to for the last one) and learn where it really is. */
function land(path: string, options: { follow?: boolean; directory?: boolean } = {}): Landing {
  if (!PROC_FD) {
    const real = options.follow === false ? join(realpathSync.native(dirname(path)), basename(path)) : realpathSync.native(path);
    if (options.directory && !statSync(real).isDirectory()) throw 'not-directory';
    return { real };
  }
  const fd = openSync(path, O_PATH | (options.follow === false ? constants.O_NOFOLLOW : 0) | (options.directory ? constants.O_DIRECTORY : 0));
  try {
    return { fd, real: readlinkSync(`/proc/self/fd/${fd}`) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function release(landing: Landing): void {
  if (landing.fd !== undefined) closeSync(landing.fd);
}

/** Land inside the place's root, or not at all. */
function landInside(place: Place, path: string, options: { follow?: boolean; directory?: boolean } = {}): Landing {
  const landing = land(path, options);
  if (!isWithin(landing.real, place.root)) {
    release(landing);
    throw notPermitted();
  }
  return landing;
}

/** The parent directory of `segments` under the descriptor, held and verified to be inside the root. */
const parentOf = (place: Place, parent: string[]) => landInside(place, join(place.path, ...parent), { directory: true });

/** A path the kernel resolves from the held directory itself, not from its name. */
const at = (dir: Landing, name: string) => (dir.fd !== undefined ? `/proc/self/fd/${dir.fd}/${name}` : join(dir.real, name));

function withParent<T>(place: Place, parent: string[], fn: (dir: Landing) => T): T {
  const dir = parentOf(place, parent);
  try {
    return fn(dir);
  } finally {
    release(dir);
  }
}

/** The shim's descriptor `child` is the file we hold now: same inode, same change and modification times. */
function sameFile(child: object, proto: Record<string, Method>, landing: Landing): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    // Both sides are handles now: only a write in between can make them differ, so look again.
    const ours = landing.fd !== undefined ? fstatSync(landing.fd, { bigint: true }) : statSync(landing.real, { bigint: true });
    const hash = proto.metadataHash!.call(child) as { upper: bigint; lower: bigint };
    const stat = proto.stat!.call(child) as { statusChangeTimestamp?: { seconds: bigint; nanoseconds: number } };
    const ctime = stat.statusChangeTimestamp;
    const ctimeNs = ctime ? ctime.seconds * 1_000_000_000n + BigInt(ctime.nanoseconds) : undefined;
    if (hash.lower !== ours.ino) return false;
    if (hash.upper === ours.mtimeNs && ctimeNs === ours.ctimeNs) return true;
  }
  return false;
}

/**
 * Create `name` in its verified parent unless it exists, so the shim's open
 * that follows never creates anything itself; returns the flags to open with.
 */
function createInside(place: Place, parent: string[], name: string, flags: OpenFlags): OpenFlags {
  return withParent(place, parent, (dir) => {
    let existing;
    try {
      existing = lstatSync(at(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!existing) {
      closeSync(openSync(at(dir, name), constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666));
      return { ...flags, create: false, exclusive: false };
    }
    if (flags.exclusive) throw 'exist';
    // An existing symlink: the shim resolves it inside the preopen and may create its target (see docs/security.md).
    return existing.isSymbolicLink() ? flags : { ...flags, create: false };
  });
}

export function installContainment(Descriptor: DescriptorClass, errorCodeOf: ErrorCodeOf): void {
  const proto = Descriptor.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);

  const toCode = (err: unknown): unknown => {
    if (typeof err === 'string' || (typeof err === 'object' && err !== null && 'tag' in err)) return err;
    try {
      return errorCodeOf({ payload: err });
    } catch {
      return 'io';
    }
  };
  const wrap = (name: string, body: (this: object, original: Method, ...args: unknown[]) => unknown) => {
    const original = proto[name];
    if (!original) return;
    proto[name] = function (this: object, ...args: unknown[]) {
      try {
        return body.call(this, original, ...args);
      } catch (err) {
        throw toCode(err);
      }
    };
  };

  wrap('openAt', function (open, pathFlags, path, openFlags, descriptorFlags) {
    const place = placeOf(this);
    const { segments, name, parent } = segmentsOf(path);
    const follow = Boolean((pathFlags as PathFlags)?.symlinkFollow);
    const d = (descriptorFlags ?? {}) as DescriptorFlags;
    let flags = { ...(openFlags as OpenFlags) };
    const shimRefuses = d.requestedWriteSync || d.mutateDirectory || d.fileIntegritySync || d.dataIntegritySync;
    if (!shimRefuses && flags.create && !flags.directory && segments.length > 0) flags = createInside(place, parent, name, flags);
    const truncate = Boolean(flags.truncate) && PROC_FD;
    if (truncate) flags = { ...flags, truncate: false };

    const child = open.call(this, pathFlags, path, flags, descriptorFlags) as object;
    try {
      const landing = landInside(place, join(place.path, ...segments), { follow });
      try {
        if (!sameFile(child, proto, landing)) throw notPermitted();
        if (truncate) {
          const fd = openSync(`/proc/self/fd/${landing.fd}`, constants.O_WRONLY);
          try {
            ftruncateSync(fd, 0);
          } finally {
            closeSync(fd);
          }
        }
        places.set(child, { root: place.root, path: landing.real });
      } finally {
        release(landing);
      }
      return child;
    } catch (err) {
      (child as Record<symbol, () => void>)[DISPOSE]?.();
      throw err;
    }
  });

  wrap('createDirectoryAt', function (original, path) {
    const place = placeOf(this);
    const { segments, name, parent } = segmentsOf(path);
    if (segments.length === 0) return withParent(place, [], () => original.call(this, path));
    withParent(place, parent, (dir) => mkdirSync(at(dir, name)));
  });
  wrap('removeDirectoryAt', function (original, path) {
    const place = placeOf(this);
    const { segments, name, parent } = segmentsOf(path);
    if (segments.length === 0) return withParent(place, [], () => original.call(this, path));
    withParent(place, parent, (dir) => rmdirSync(at(dir, name)));
  });
  wrap('unlinkFileAt', function (original, path) {
    const place = placeOf(this);
    const { segments, name, parent } = segmentsOf(path);
    if (segments.length === 0) return withParent(place, [], () => original.call(this, path));
    withParent(place, parent, (dir) => unlinkSync(at(dir, name)));
  });
  wrap('symlinkAt', function (_original, target, path) {
    const place = placeOf(this);
    const { segments, name, parent } = segmentsOf(path);
    const text = String(target);
    if (text.startsWith('/') || segments.length === 0) throw notPermitted();
    withParent(place, parent, (dir) => {
      // Where the link will lead, read from the directory that holds it: never out of the preopen.
      if (!isWithin(normalize(join(dir.real, text)), place.root)) throw notPermitted();
      symlinkSync(text, at(dir, name));
    });
  });
  wrap('renameAt', function (original, oldPath, newDescriptor, newPath) {
    const [from, to] = [placeOf(this), placeOf(newDescriptor as object)];
    const [a, b] = [segmentsOf(oldPath), segmentsOf(newPath)];
    if (a.segments.length === 0 || b.segments.length === 0) {
      return withParent(from, [], () => withParent(to, [], () => original.call(this, oldPath, newDescriptor, newPath)));
    }
    withParent(from, a.parent, (src) => withParent(to, b.parent, (dst) => renameSync(at(src, a.name), at(dst, b.name))));
  });
  wrap('linkAt', function (_original, oldPathFlags, oldPath, newDescriptor, newPath) {
    const [from, to] = [placeOf(this), placeOf(newDescriptor as object)];
    const [a, b] = [segmentsOf(oldPath), segmentsOf(newPath)];
    if (a.segments.length === 0 || b.segments.length === 0) throw notPermitted();
    withParent(from, a.parent, (src) =>
      withParent(to, b.parent, (dst) => {
        let source = at(src, a.name);
        if ((oldPathFlags as PathFlags)?.symlinkFollow && lstatSync(source).isSymbolicLink()) {
          // Link what the symlink leads to, if that is inside (by its real path: a window, see docs/security.md).
          const target = landInside(from, source);
          release(target);
          source = target.real;
        }
        linkSync(source, at(dst, b.name));
      }),
    );
  });

  // Calls that read (or set the times of) a path: check where it leads right before the shim runs them.
  for (const [name, flagsFirst] of [
    ['statAt', true],
    ['setTimesAt', true],
    ['metadataHashAt', true],
    ['readlinkAt', false],
  ] as const) {
    wrap(name, function (original, ...args) {
      const place = placeOf(this);
      const follow = flagsFirst && Boolean((args[0] as PathFlags)?.symlinkFollow);
      const { segments, parent } = segmentsOf(flagsFirst ? args[1] : args[0]);
      try {
        release(landInside(place, join(place.path, ...(follow ? segments : parent)), { directory: !follow }));
      } catch (err) {
        // A path that does not exist is the shim's to report; anything else stops here.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return original.apply(this, args);
    });
  }
  wrap('readDirectory', function (original) {
    const place = placeOf(this);
    release(landInside(place, place.path, { directory: true }));
    return original.call(this);
  });
}
