import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (package.json, wit/, plugins/), found upwards from this module: bundled or not. */
export const PACKAGE_ROOT = findUp(dirname(fileURLToPath(import.meta.url)), (pkg) => pkg.name === 'wash-ts');

function findUp(start: string, match: (pkg: { name?: string }) => boolean): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      if (match(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string })) return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new Error(`package root not found above ${start}`);
  }
}

declare const __WASH_VERSION__: string | undefined;

let washVersion: string | undefined = typeof __WASH_VERSION__ === 'string' ? __WASH_VERSION__ : undefined;
/** wash's version: set by the bundler, else read from package.json. */
export function getWashVersion(): string {
  washVersion ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return washVersion;
}

declare const __JCO_VERSION__: string | undefined;

let jcoVersion: string | undefined = typeof __JCO_VERSION__ === 'string' ? __JCO_VERSION__ : undefined;
/** jco's version keys the transpile cache: a new jco may transpile differently. Set by the bundler. */
export function getJcoVersion(): string {
  if (jcoVersion) return jcoVersion;
  // jco does not export its package.json; walk up from its entry point.
  const dir = findUp(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco'))), (pkg) => pkg.name === '@bytecodealliance/jco');
  jcoVersion = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return jcoVersion;
}
