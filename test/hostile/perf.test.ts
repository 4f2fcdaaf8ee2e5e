// What the performance work (issue 17) added to a cache entry must hold like
// the rest of it: V8's code cache of the glue is code. V8 accepts a code cache
// made from *any* source of the same length, so whoever can write the cache
// could run their own JavaScript in wash's process through it, unless wash
// checks the cache against its record before handing it to V8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { access, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from '../helpers.js';
import { EXAMPLE_WASM } from '../fixtures.js';
import { glueAsScript, isCodeCacheName } from '../../src/plugin-host/glue-script.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * A V8 code cache that V8 takes for `script` (same length) but that holds
 * the bytecode of JavaScript writing `marker`: made in a node like wash's
 * workers (same V8, same flags), which is what an attacker would do.
 */
function poisonedCodeCache(script: string, marker: string): Buffer {
  const evil = `(function () { process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(marker)}, 'this ran inside wash\\n'); return function () { throw new Error('poisoned'); }; })`;
  if (evil.length + 4 > script.length) throw new Error('the glue is too small to poison');
  const source = `${evil}/*${' '.repeat(script.length - evil.length - 4)}*/`;
  const maker = `
    const v8 = require('node:v8'); v8.setFlagsFromString('--liftoff-only');
    const vm = require('node:vm');
    const source = require('node:fs').readFileSync(0, 'utf8');
    process.stdout.write(new vm.Script(source).createCachedData());`;
  return execFileSync(process.execPath, ['-e', maker], { input: source, maxBuffer: 64 << 20 });
}

describe("the glue's code cache cannot be poisoned", () => {
  let xdg: Xdg;
  const greet = ['plugin', 'test', EXAMPLE_WASM, 'greet'];
  beforeAll(async () => {
    xdg = await makeXdg({ isolatedCache: true });
  });
  afterAll(async () => {
    await xdg.cleanup();
  });

  it('a code cache made from other JavaScript is never used: the entry is rebuilt and the run succeeds', async () => {
    const first = await runWash(greet, { xdg });
    expect(first.stdout).toBe('hello, world\n');
    const dir = join(xdg.cache, 'transpiled');
    const [name] = (await readdir(dir)).filter((n) => !n.startsWith('.'));
    const entry = join(dir, name!);
    const cacheName = (await readdir(entry)).find(isCodeCacheName);
    expect(cacheName, 'the entry has a code cache').toBeDefined();
    const cacheFile = join(entry, cacheName!);

    const script = glueAsScript(await readFile(join(entry, 'component.js'), 'utf8'));
    expect(script, 'the glue loads as a script').toBeDefined();
    const marker = join(xdg.root, 'poisoned-code-cache');
    await writeFile(cacheFile, poisonedCodeCache(script!, marker));

    const r = await runWash(greet, { xdg });
    expect(await exists(marker), 'the planted bytecode ran in wash').toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello, world\n');
    expect(r.stderr).toMatch(/warning: the cached code of .*example\.wasm was modified after wash built it .*component\.[0-9a-f]{16}\.v8cache/);
    const again = await runWash(greet, { xdg });
    expect(again.stdout).toBe('hello, world\n');
    expect(again.stderr).not.toContain('warning');
    expect(await exists(marker)).toBe(false);
  });

  it('a removed code cache is rebuilt, not a crash', async () => {
    const dir = join(xdg.cache, 'transpiled');
    const cacheFiles = async () => {
      const found: string[] = [];
      for (const name of (await readdir(dir)).filter((n) => !n.startsWith('.'))) {
        for (const file of (await readdir(join(dir, name))).filter(isCodeCacheName)) found.push(join(dir, name, file));
      }
      return found;
    };
    const before = await cacheFiles();
    expect(before.length).toBeGreaterThan(0);
    for (const file of before) await rm(file);
    const r = await runWash(greet, { xdg });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello, world\n');
    expect(await cacheFiles(), 'the rebuilt entry has a code cache again').toHaveLength(1);
  });
});
