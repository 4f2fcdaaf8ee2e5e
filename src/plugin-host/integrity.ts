/**
 * Transpiled code is JavaScript that wash imports into its own process: it
 * must be exactly what wash (or the package build) wrote. Every file of an
 * entry has a sha256 recorded where no plugin can be granted access, and is
 * checked against it from the very bytes that are then imported or compiled.
 */
import { join } from 'node:path';
import { WashError } from '../util/errors.js';
import { sha256Hex } from '../util/hash.js';

/** sha256 (hex) of each file of a transpiled entry, by file name. */
export type FileHashes = Record<string, string>;

/** A transpiled component as a worker may load it: where, and what each file must hash to. */
export interface TranspiledCode {
  dir: string;
  sha256: FileHashes;
  /** What the component imports (from its cache record): the worker loads only the WASI shim parts these need. */
  imports?: readonly string[];
}

/** A file of a transpiled entry differs from its record: it is not loaded. */
export class ModifiedEntry extends WashError {
  constructor(readonly path: string) {
    super(`the transpiled code at ${path} was modified after wash built it; it was not loaded`);
    this.name = 'ModifiedEntry';
  }
}

/** Throw ModifiedEntry unless `bytes` are what `code` recorded for `name`. */
export function checkFile(code: TranspiledCode, name: string, bytes: Uint8Array | string): void {
  const expected = code.sha256[name];
  if (expected === undefined || sha256Hex(bytes) !== expected) throw new ModifiedEntry(join(code.dir, name));
}

/** A record as read from disk: plain file names mapped to sha256 hex, or nothing usable. */
export function checkHashes(value: unknown): FileHashes | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  const plain = (name: string) => /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
  if (entries.length === 0 || !entries.every(([name, hash]) => plain(name) && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash))) {
    return undefined;
  }
  return Object.fromEntries(entries) as FileHashes;
}
