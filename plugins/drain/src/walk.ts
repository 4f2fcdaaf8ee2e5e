/**
 * Removing files through WASI. A component has no node `fs`: it sees only
 * the directories the host preopened for it (each at its host path), and
 * reaches everything else as a path relative to one of those.
 *
 * Three rules keep a drain inside the directories it was given:
 * - every path is relative to a preopened directory;
 * - an entry is examined with `statAt({ symlinkFollow: false })`, so a
 *   symlink is removed as a link and its target is never touched;
 * - we only descend into entries that are real directories.
 *
 * Every change goes through the preopened descriptor itself (it carries
 * the right to modify); a subdirectory is opened only long enough to list it.
 */
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import type { Descriptor, DescriptorStat } from 'wasi:filesystem/types@0.2.12';

const NO_FOLLOW = { symlinkFollow: false };

/** Something that could not be examined or removed; reported, not fatal. */
export interface Problem {
  path: string;
  error: string;
}

/** What a drain removed (or, in a dry run, would remove). */
export interface Tally {
  /** Entries that are not directories: files, symlinks, sockets... */
  files: number;
  /** Sizes of the regular files among them (a symlink counts as 0). */
  bytes: number;
  problems: Problem[];
}

/**
 * WASI calls that fail throw the `error-code` (e.g. `no-entry`), as a
 * string or wrapped in an error carrying it as `payload`.
 */
function errorCodeOf(err: unknown): string {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null && 'payload' in err) return String(err.payload);
  return err instanceof Error ? err.message : String(err);
}

/** Resources (descriptors, streams) hold host handles: give them back as soon as we are done. */
function close(resource: object) {
  const dispose = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
  (resource as Record<symbol, (() => void) | undefined>)[dispose]?.();
}

/** A guest path as (preopened descriptor, path relative to it); undefined when no preopen covers it. */
function locate(path: string): { root: Descriptor; relative: string } | undefined {
  let best: { root: Descriptor; prefix: string } | undefined;
  for (const [root, guestPath] of getDirectories()) {
    const prefix = guestPath.replace(/\/+$/, '');
    const inside = path === prefix || path.startsWith(`${prefix}/`);
    if (inside && (!best || prefix.length > best.prefix.length)) best = { root, prefix };
  }
  if (!best) return undefined;
  return { root: best.root, relative: path.slice(best.prefix.length).replace(/^\/+/, '') || '.' };
}

const child = (relative: string, name: string) => (relative === '.' ? name : `${relative}/${name}`);

/** The names in a directory, read in full before anything in it changes. */
function listNames(root: Descriptor, relative: string): string[] {
  const dir = root.openAt(NO_FOLLOW, relative, { directory: true }, { read: true });
  try {
    const stream = dir.readDirectory();
    try {
      const names: string[] = [];
      for (let entry = stream.readDirectoryEntry(); entry; entry = stream.readDirectoryEntry()) {
        if (entry.name !== '.' && entry.name !== '..') names.push(entry.name);
      }
      return names.sort();
    } finally {
      close(stream);
    }
  } finally {
    close(dir);
  }
}

/** One drain: where changes go, whether to make them, and what happened. */
class Walk {
  readonly tally: Tally = { files: 0, bytes: 0, problems: [] };

  constructor(
    private readonly root: Descriptor,
    private readonly dryRun: boolean,
  ) {}

  /** Run a change unless this is a dry run; a failure is recorded. Returns whether it succeeded. */
  private change(path: string, action: () => void): boolean {
    if (this.dryRun) return true;
    try {
      action();
      return true;
    } catch (err) {
      this.tally.problems.push({ path, error: errorCodeOf(err) });
      return false;
    }
  }

  /** Remove everything inside a directory, keeping the directory. Returns whether it is now empty. */
  contents(relative: string, path: string): boolean {
    let names: string[];
    try {
      names = listNames(this.root, relative);
    } catch (err) {
      this.tally.problems.push({ path, error: errorCodeOf(err) });
      return false;
    }
    let emptied = true;
    for (const name of names) {
      if (!this.entry(child(relative, name), `${path}/${name}`)) emptied = false;
    }
    return emptied;
  }

  /** Remove one entry: a directory with what it holds, anything else as itself. Returns whether it is gone. */
  entry(relative: string, path: string, stat?: DescriptorStat): boolean {
    try {
      stat ??= this.root.statAt(NO_FOLLOW, relative);
    } catch (err) {
      if (errorCodeOf(err) === 'no-entry') return true; // gone already
      this.tally.problems.push({ path, error: errorCodeOf(err) });
      return false;
    }
    if (stat.type === 'directory') {
      // A directory a child of which stayed cannot be removed: that child is the problem reported.
      return this.contents(relative, path) && this.change(path, () => this.root.removeDirectoryAt(relative));
    }
    // A file, or a symlink: `unlink-file-at` removes the link, never what it points to.
    if (!this.change(path, () => this.root.unlinkFileAt(relative))) return false;
    this.tally.files += 1;
    if (stat.type === 'regular-file') this.tally.bytes += Number(stat.size);
    return true;
  }
}

/**
 * Whether `path` lies inside a directory the host opened for us. When not,
 * access was not granted (wash creates its own directories that it grants,
 * so a missing cache is mounted empty, not hidden).
 */
export const isVisible = (path: string) => locate(path) !== undefined;

/**
 * Drain `path` (absolute, as the guest sees it): a directory loses its
 * contents but stays; a file or symlink is removed. Returns undefined when
 * there is nothing at `path` or it is not visible (see `isVisible`).
 */
export function drain(path: string, options: { dryRun: boolean }): Tally | undefined {
  const located = locate(path);
  if (!located) return undefined;
  const { root, relative } = located;
  let stat: DescriptorStat;
  try {
    stat = root.statAt(NO_FOLLOW, relative);
  } catch (err) {
    if (errorCodeOf(err) === 'no-entry') return undefined;
    return { files: 0, bytes: 0, problems: [{ path, error: errorCodeOf(err) }] };
  }
  const walk = new Walk(root, options.dryRun);
  if (stat.type === 'directory') walk.contents(relative, path);
  else walk.entry(relative, path, stat);
  return walk.tally;
}
