/**
 * Files the user names on the command line, for `host.read-argument-file`:
 * the values given on the command line itself (not env fallbacks, not
 * defaults) to flags whose value-name is `file`, in the command argv names,
 * read with the one argv parser against the plugin's declared commands (so
 * help shows `<file>` for exactly these). The plugin chooses none of it: it
 * can only ask for one of these values. Each is checked in the main thread
 * when the call starts (where it really leads, wash's own files and system
 * trees refused, a regular file of bounded size) and opened in the worker
 * only if it is still that very file (same device and inode).
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandLineValues } from '@wash/plugin-sdk/args';
import type { Metadata } from '../contract/metadata.js';
import type { WashDirs } from '../contract/dirs.js';
import { isSystemPath } from '../sandbox/policy.js';
import { reservedPath, reservedReason } from '../sandbox/reserved.js';

/** A flag with this value-name names a file (see `flag.value-name` in wit/plugin.wit). */
const FILE_VALUE_NAME = 'file';
export const MAX_ARGUMENT_FILE = 16 * 1024 * 1024;

/** One named file as checked when the call started: plain data, for the worker. */
export type ArgumentFile = { value: string; path: string; dev: string; ino: string } | { value: string; error: string };

/** The values the user gave `<file>` flags on this command line; none when argv does not parse. */
export function fileArgumentValues(metadata: Pick<Metadata, 'commands'>, argv: readonly string[]): string[] {
  let read;
  try {
    read = commandLineValues(metadata.commands, argv);
  } catch {
    return []; // the plugin will say what is wrong with argv
  }
  const { command, values } = read;
  return command.flags
    .filter((f) => f.valueName === FILE_VALUE_NAME)
    .flatMap((f) => {
      const given = values.get(f.long);
      return Array.isArray(given) ? given : [];
    });
}

const why = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(err));
};

function check(value: string, cwd: string, dirs: WashDirs, packageRoot: string): ArgumentFile {
  const path = resolve(cwd, value);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return { value, error: `cannot read '${value}': ${why(err)}` };
  }
  if (isSystemPath(real)) return { value, error: `'${value}' is not readable by a plugin: it is under /proc, /sys or /dev` };
  const reserved = reservedPath(real, dirs, packageRoot);
  if (reserved?.relation === 'inside') return { value, error: `'${value}' is not readable by a plugin: ${reservedReason(path, reserved)}` };
  const stat = statSync(real, { bigint: true });
  if (!stat.isFile()) return { value, error: `'${value}' is not a regular file` };
  if (stat.size > BigInt(MAX_ARGUMENT_FILE)) return { value, error: `'${value}' is larger than ${MAX_ARGUMENT_FILE / 1048576} MiB` };
  return { value, path: real, dev: String(stat.dev), ino: String(stat.ino) };
}

/** Check each named file (main thread, when the call starts); `-` and empty values name none. */
export function checkArgumentFiles(values: readonly string[], options: { cwd: string; dirs: WashDirs; packageRoot: string }): ArgumentFile[] {
  return [...new Set(values)].filter((v) => v !== '' && v !== '-').map((v) => check(v, options.cwd, options.dirs, options.packageRoot));
}

/**
 * `host.read-argument-file` (worker): the bytes of the named file `value`,
 * if it is still the file checked when the call started; else throws a
 * string (the import's `err`).
 */
export function readArgumentFile(files: readonly ArgumentFile[], value: string): Uint8Array {
  const file = files.find((f) => f.value === value);
  if (!file) throw `'${value}' was not named as a <file> on the command line (a plugin reads only files the user names there)`;
  if ('error' in file) throw file.error;
  let fd: number;
  try {
    // No symlink at the end (the checked path has none), and no waiting on a FIFO swapped in.
    fd = openSync(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw `cannot read '${value}': ${why(err)}`;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile() || String(stat.dev) !== file.dev || String(stat.ino) !== file.ino) {
      throw `'${value}' was replaced after the command started; not reading it`;
    }
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    let total = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_ARGUMENT_FILE) throw `'${value}' is larger than ${MAX_ARGUMENT_FILE / 1048576} MiB`;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    closeSync(fd);
  }
}
