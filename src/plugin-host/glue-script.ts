/**
 * jco's glue (component.js) loaded as a classic script instead of an ES
 * module: wash must load it from bytes it has checked, and an ES module can
 * only come from bytes through a data: URL, which Node decodes slowly (about
 * 50 ms for the 1.5 MB glue of a JavaScript plugin). A script also takes V8's
 * code cache, which the cache entry keeps beside the glue (`component.v8cache`,
 * hashed like every other file) so the glue is not compiled on every run.
 *
 * In instantiation mode the glue is one exported function holding everything
 * (and an empty `_util` export): `"use components"; export function
 * instantiate(...) {...} export const _util = {};`. Anything else is left to
 * the ES module path (see glueAsScript returning undefined).
 */
import vm from 'node:vm';

/**
 * The code cache's file in a cache entry is named by its content
 * (`component.<sha256 prefix>.v8cache`): V8 writes a different cache on every
 * build, so two builds of one component (concurrent first runs, or a rebuild
 * beside a modified entry) each add their own file and never overwrite one
 * another's. It is not listed in meta.json; the entry's record names it.
 */
export const codeCacheName = (sha256Hex: string): string => `component.${sha256Hex.slice(0, 16)}.v8cache`;
export const isCodeCacheName = (name: string): boolean => /^component\.[0-9a-f]{16}\.v8cache$/.test(name);

const HEAD = /^"use components";\s*export function instantiate\(/;
const TAIL = /export const _util\s*=\s*\{\s*\}\s*;?\s*$/;

/**
 * The glue as a script whose value is a function returning `instantiate`;
 * undefined when the glue does not start and end as expected. Whatever else
 * a script cannot hold (another export, a static import, import.meta) makes
 * it fail to compile, and the caller falls back to importing the module.
 * `import.meta.url` only serves the glue's own loader of core modules, used
 * when no getCoreModule is given (wash always gives one).
 */
export function glueAsScript(source: string): string | undefined {
  if (!HEAD.test(source) || !TAIL.test(source)) return undefined;
  const body = source.replace(HEAD, 'function instantiate(').replace(TAIL, '');
  return `(function () {"use strict";\n${body.replaceAll('import.meta.url', 'undefined')}\nreturn instantiate;\n})`;
}

/** A glue script, compiled (with its code cache when given and still valid for this V8). */
export function compileGlue(script: string, filename: string, cachedData?: Uint8Array): vm.Script {
  return new vm.Script(script, { filename, cachedData: cachedData as Buffer | undefined });
}
