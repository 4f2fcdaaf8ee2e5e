/**
 * The key store: one file per key, `<scratch>/keys/<name>.nk`, holding the
 * seed and a newline. The scratch dir is the plugin's private directory; the
 * host creates it 0700 and preopens it, so we reach it with WASI filesystem
 * calls relative to that preopen (there is no node `fs` in a component).
 *
 * WASI has no file modes: key files get the host's default (umask), and it is
 * the 0700 scratch dir that keeps them private. Descriptors are not closed
 * one by one; each wash run is a fresh instance that releases them all.
 */
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import type { Descriptor, ErrorCode } from 'wasi:filesystem/types@0.2.12';
import { Failure, UsageError, host } from '@wash/plugin-sdk';

const DIR = 'keys';
const EXT = '.nk';
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/** Why a key name is refused, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'a key name cannot be empty';
  if (name.includes('/') || name.includes('..')) return `invalid key name '${name}': it cannot contain '/' or '..'`;
  if (name.startsWith('.')) return `invalid key name '${name}': it cannot start with '.'`;
  if (!NAME.test(name)) return `invalid key name '${name}': use at most 64 of A-Z a-z 0-9 . _ -`;
  return undefined;
}

export function checkName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new UsageError(problem);
}

/** The WASI error code inside whatever a filesystem call threw. */
function codeOf(err: unknown): ErrorCode | undefined {
  const payload = (err as { payload?: unknown } | undefined)?.payload ?? err;
  return typeof payload === 'string' ? (payload as ErrorCode) : undefined;
}

/** The message when wash refused the scratch dir (not granted, or denied when it asked). */
const UNAVAILABLE = 'the key store is unavailable: wash did not grant this plugin its scratch directory';

function fsFailure(action: string, err: unknown): Failure {
  // `access`: wash mounts the scratch dir and asks at its first use; a denial arrives here.
  if (codeOf(err) === 'access') return new Failure(UNAVAILABLE);
  return new Failure(`could not ${action}: ${codeOf(err) ?? String(err)}`);
}

export class KeyStore {
  private constructor(
    private readonly root: Descriptor,
    private readonly rootPath: string,
  ) {}

  /** Where a key's file is (the scratch dir is mounted at its host path, so this is the path on the host too). */
  fileOf(name: string): string {
    return `${this.rootPath.replace(/\/+$/, '')}/${DIR}/${name}${EXT}`;
  }

  /** The store in the scratch dir; a Failure when the host did not grant one. */
  static open(): KeyStore {
    const scratch = host.dirs().scratch;
    if (scratch === undefined) throw new Failure(UNAVAILABLE);
    const preopen = getDirectories().find(([, path]) => path === scratch);
    if (!preopen) throw new Failure(`the key store is unavailable: the scratch directory ${scratch} is not mounted`);
    return new KeyStore(preopen[0], scratch);
  }

  /** Like open(), but undefined instead of a Failure (for commands that also take a literal key). */
  static tryOpen(): KeyStore | undefined {
    try {
      return KeyStore.open();
    } catch {
      return undefined;
    }
  }

  /** The `keys/` directory, or undefined when nothing was ever saved. */
  private keysDir(create: boolean): Descriptor | undefined {
    if (create) {
      try {
        this.root.createDirectoryAt(DIR);
      } catch (err) {
        if (codeOf(err) !== 'exist') throw fsFailure(`create the key directory`, err);
      }
    }
    try {
      return this.root.openAt({}, DIR, { directory: true }, { read: true });
    } catch (err) {
      if (codeOf(err) === 'no-entry') return undefined;
      throw fsFailure('open the key directory', err);
    }
  }

  /** Stored key names, sorted. */
  names(): string[] {
    const dir = this.keysDir(false);
    if (!dir) return [];
    const names: string[] = [];
    const entries = dir.readDirectory();
    for (let entry = entries.readDirectoryEntry(); entry; entry = entries.readDirectoryEntry()) {
      if (entry.type !== 'regular-file' || !entry.name.endsWith(EXT)) continue;
      const name = entry.name.slice(0, -EXT.length);
      if (nameProblem(name) === undefined) names.push(name);
    }
    return names.sort();
  }

  /** The stored seed, or undefined when there is no such key. */
  read(name: string): string | undefined {
    checkName(name);
    const dir = this.keysDir(false);
    if (!dir) return undefined;
    let file: Descriptor;
    try {
      file = dir.openAt({}, name + EXT, {}, { read: true });
    } catch (err) {
      if (codeOf(err) === 'no-entry') return undefined;
      throw fsFailure(`read key '${name}'`, err);
    }
    const [bytes] = file.read(file.stat().size, 0n);
    return new TextDecoder().decode(bytes).trim();
  }

  /** Save a new key; refuses to replace an existing one (a seed cannot be recovered). */
  write(name: string, seed: string): void {
    checkName(name);
    const dir = this.keysDir(true)!;
    let file: Descriptor;
    try {
      file = dir.openAt({}, name + EXT, { create: true, exclusive: true }, { write: true });
    } catch (err) {
      if (codeOf(err) === 'exist') throw new Failure(`a key named '${name}' already exists (remove it first with 'wash keys rm ${name}')`);
      throw fsFailure(`save key '${name}'`, err);
    }
    try {
      const bytes = new TextEncoder().encode(`${seed}\n`);
      let written = 0;
      while (written < bytes.length) written += Number(file.write(bytes.subarray(written), BigInt(written)));
    } catch (err) {
      dir.unlinkFileAt(name + EXT); // do not leave a truncated seed behind
      throw fsFailure(`save key '${name}'`, err);
    }
  }

  /** Delete a key; false when there was none. */
  remove(name: string): boolean {
    checkName(name);
    const dir = this.keysDir(false);
    if (!dir) return false;
    try {
      dir.unlinkFileAt(name + EXT);
      return true;
    } catch (err) {
      if (codeOf(err) === 'no-entry') return false;
      throw fsFailure(`remove key '${name}'`, err);
    }
  }
}
