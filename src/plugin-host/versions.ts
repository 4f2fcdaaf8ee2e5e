import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root of the wash package (where package.json, wit/ and plugins/ live). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let washVersion: string | undefined;
export function getWashVersion(): string {
  washVersion ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return washVersion;
}

let jcoVersion: string | undefined;
/** jco's version keys the transpile cache: a new jco may transpile differently. */
export function getJcoVersion(): string {
  if (jcoVersion) return jcoVersion;
  // jco does not export its package.json; walk up from its entry point.
  let dir = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco')));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@bytecodealliance/jco') return (jcoVersion = pkg.version);
    } catch {
      // keep walking
    }
    const parent = dirname(dir);
    if (parent === dir) return (jcoVersion = 'unknown');
    dir = parent;
  }
}
