// wash's own files are not plugin territory: the transpiled code wash imports
// is verified before it runs, wash's directories cannot be granted to a plugin
// (except the core drain), concurrent first runs do not break each other, and
// `info` runs under the same limits as a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, makeXdg, runWash, type Xdg } from '../helpers.js';
import { EXAMPLE_WASM, watToFile } from '../fixtures.js';

const lastLine = (text: string) => text.trim().split('\n').at(-1);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The transpiled entries in a cache (not the temporary dirs of a build in progress). */
async function entries(cache: string): Promise<string[]> {
  const dir = join(cache, 'transpiled');
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !n.endsWith('.json')).map((n) => join(dir, n));
}

/**
 * JavaScript of exactly `size` bytes that, once imported, writes `marker`:
 * what a plugin (or anyone) with write access to the cache would plant in
 * place of a component.js. The same size, so a size check cannot catch it.
 */
function poisonedJs(marker: string, size: number): string {
  const code =
    `import { writeFileSync } from 'node:fs';\n` +
    `writeFileSync(${JSON.stringify(marker)}, 'this ran inside wash\\n');\n` +
    `export function instantiate() { throw new Error('poisoned'); }\n/*`;
  if (code.length + 2 > size) throw new Error('component.js is too small to poison');
  return `${code}${' '.repeat(size - code.length - 2)}*/`;
}

/** Flip one byte in the middle of a file: same size, different content. */
async function flipByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  await writeFile(file, bytes);
}

describe('the transpile cache cannot be poisoned', () => {
  let xdg: Xdg;
  const greet = ['plugin', 'test', EXAMPLE_WASM, 'greet'];
  beforeAll(async () => {
    xdg = await makeXdg({ isolatedCache: true });
  });
  afterAll(async () => {
    await xdg.cleanup();
  });

  /** A fresh cache entry for the example, built by a real run. */
  async function builtEntry(): Promise<string> {
    await rm(join(xdg.cache, 'transpiled'), { recursive: true, force: true });
    await rm(join(xdg.data, 'integrity'), { recursive: true, force: true });
    const first = await runWash(greet, { xdg });
    expect(first.stdout).toBe('hello, world\n');
    const [entry] = await entries(xdg.cache);
    expect(entry).toBeDefined();
    return entry!;
  }

  it('a rewritten component.js is never imported: the entry is rebuilt and the run succeeds', async () => {
    const entry = await builtEntry();
    const marker = join(xdg.root, 'poisoned-user-cache');
    const js = join(entry, 'component.js');
    await writeFile(js, poisonedJs(marker, (await stat(js)).size));

    const r = await runWash(greet, { xdg });
    expect(await exists(marker), 'the planted JavaScript ran in wash').toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello, world\n');
    expect(r.stderr).toMatch(/warning: the cached code of .*example\.wasm was modified after wash built it .*component\.js/);
    // The next run uses the rebuilt entry, quietly.
    const again = await runWash(greet, { xdg });
    expect(again.stdout).toBe('hello, world\n');
    expect(again.stderr).not.toContain('warning');
    expect(await exists(marker)).toBe(false);
  });

  it('a modified core module (same size) is caught before it is compiled, and rebuilt', async () => {
    const entry = await builtEntry();
    await flipByte(join(entry, 'component.core.wasm'));
    const r = await runWash(greet, { xdg });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello, world\n');
    expect(r.stderr).toMatch(/warning: the cached code of .*example\.wasm was modified after wash built it .*component\.core\.wasm/);
    const again = await runWash(greet, { xdg });
    expect(again.stdout).toBe('hello, world\n');
    expect(again.stderr).not.toContain('warning');
  });

  it('a modified meta.json (what help and access requests come from) is not believed', async () => {
    const entry = await builtEntry();
    const metaFile = join(entry, 'meta.json');
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { metadata: { description: string } };
    meta.metadata.description = 'EVIL';
    await writeFile(metaFile, JSON.stringify(meta));
    const r = await runWash(['-o', 'json', 'plugin', 'test', '--info', EXAMPLE_WASM], { xdg });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).description).toBe('Example plugin used by the wash test suite');
    expect(r.stderr).toMatch(/warning: the cached code of .*example\.wasm was modified after wash built it .*meta\.json/);
  });

  it('the transpiled code shipped with a core plugin is verified too, and never imported when modified', async () => {
    // A copy of the package (wash's dist and the keys plugin), so the real one stays intact.
    const pkg = await mkdtemp(join(tmpdir(), 'wash-pkg-'));
    try {
      for (const part of ['bin', 'dist', 'package.json', join('plugins', 'keys', 'dist')]) {
        await cp(join(ROOT, part), join(pkg, part), { recursive: true });
      }
      await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
      const [entry] = await entries(join(pkg, 'plugins', 'keys', 'dist'));
      expect(entry).toBeDefined();
      const marker = join(pkg, 'poisoned-package');
      const js = join(entry!, 'component.js');
      await writeFile(js, poisonedJs(marker, (await stat(js)).size));

      const own = await makeXdg({ isolatedCache: true });
      try {
        const r = await runWash(['keys', 'gen', 'user'], { xdg: own, wash: join(pkg, 'bin', 'wash.js') });
        expect(await exists(marker), 'the planted JavaScript ran in wash').toBe(false);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^public_key {2}U[A-Z2-7]{55}\nseed {8}SU[A-Z2-7]{56}\n$/);
        expect(r.stderr).toMatch(/warning: the transpiled code shipped with .*keys\.wasm does not match its build record .*component\.js/);
      } finally {
        await own.cleanup();
      }
    } finally {
      await rm(pkg, { recursive: true, force: true });
    }
  });
});

describe("wash's own directories are not grantable", () => {
  let xdg: Xdg;
  let shadow: string;
  let canary: string;
  beforeAll(async () => {
    xdg = await makeXdg({ isolatedCache: true });
    // The core drain's code, installed as an ordinary plugin (a WASH_PLUGIN_PATH file shadows the core one):
    // it declares {cache} and {data}/plugins/fs read-write, like the real drain.
    shadow = join(xdg.root, 'shadow');
    await mkdir(shadow, { recursive: true });
    await copyFile(join(ROOT, 'plugins', 'drain', 'dist', 'drain.wasm'), join(shadow, 'drain.wasm'));
    canary = join(xdg.cache, 'transpiled', 'canary', 'component.js');
  });
  afterAll(async () => {
    await xdg.cleanup();
  });
  const plantCanary = async () => {
    await mkdir(join(canary, '..'), { recursive: true });
    await writeFile(canary, '// stands for the cached code of another plugin\n');
  };
  const asShadow = (args: string[]) => runWash(args, { xdg, env: { WASH_PLUGIN_PATH: shadow } });

  it('a drain-like plugin that is not the core drain is refused {cache} by --allow-write, -A and plugin grant', async () => {
    await plantCanary();
    const flagged = await asShadow(['--allow-write={cache}', 'drain', 'cache']);
    expect(flagged.stderr).toMatch(
      /refused: plugin 'drain' may not have read and write .*\/wash: it is wash's own cache directory \(only the core drain plugin may\)/,
    );
    expect(await exists(canary), 'the plugin reached the cache').toBe(true);

    const all = await asShadow(['-A', 'drain', 'cache']);
    expect(all.stderr).toMatch(/refused: plugin 'drain' may not have read and write .*\/wash: it is wash's own cache directory/);
    expect(await exists(canary), 'the plugin reached the cache').toBe(true);

    const granted = await asShadow(['plugin', 'grant', 'drain', '--write', '{cache}']);
    expect(granted.code).toBe(1);
    expect(lastLine(granted.stderr)).toMatch(
      /^error: refused: plugin 'drain' may not have read and write .*\/wash: it is wash's own cache directory \(only the core drain plugin may\)$/,
    );
    const grantedAll = await asShadow(['plugin', 'grant', 'drain', '--all']);
    expect(grantedAll.stderr).toMatch(/not granted by --all: read and write .*\/wash \(wash's own cache directory/);
    const config = await readFile(join(xdg.config, 'config.toml'), 'utf8').catch(() => '');
    expect(config).not.toContain(xdg.cache);
  });

  it('the core drain is still granted {cache}', async () => {
    await plantCanary();
    const r = await runWash(['--allow-write={cache}', 'drain', 'cache'], { xdg });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('refused');
    expect(await exists(canary)).toBe(false);
  });

  it("a path inside wash's data directory is refused to any other plugin, even when named by --allow-write", async () => {
    // HOME inside wash's data dir: the example's ~/example-rw becomes <data>/example-rw.
    const home = xdg.data;
    await mkdir(join(home, 'example-rw'), { recursive: true });
    const r = await runWash(['--allow-write=~/example-rw', 'plugin', 'test', EXAMPLE_WASM, 'greet'], { xdg, env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`refused: plugin 'example' may not have read and write ${join(home, 'example-rw')}: it is inside wash's own data directory`);
  });

  it("a link into wash's directories is theirs; a directory holding them is readable only when --allow-read names it", async () => {
    // The example declares ~/example-rw (read-write) and ~/example-ro (read-only).
    const home = join(xdg.root, 'home');
    await mkdir(home, { recursive: true });
    await symlink(xdg.cache, join(home, 'example-rw'));
    await symlink(xdg.root, join(home, 'example-ro')); // holds wash's cache, data and config dirs
    const env = { HOME: home };
    const all = await runWash(['-A', 'plugin', 'test', EXAMPLE_WASM, 'greet'], { xdg, env });
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(
      `refused: plugin 'example' may not have read and write ${join(home, 'example-rw')}: it is wash's own cache directory (it leads to ${xdg.cache})`,
    );
    expect(all.stderr).toMatch(new RegExp(`refused: plugin 'example' may not have read ${join(home, 'example-ro')}: it contains wash's own .* directory`));

    const named = await runWash(['--allow-read=~/example-ro', 'plugin', 'test', EXAMPLE_WASM, 'greet'], { xdg, env });
    expect(named.code).toBe(0);
    expect(named.stderr).toMatch(
      new RegExp(`warning: plugin 'example' may read ${join(home, 'example-ro')} for this run, as --allow-read names it; it contains wash's own`),
    );
    expect(named.stderr).not.toContain(`may not have read ${join(home, 'example-ro')}`);
  });

  it('reservedPath: inside, containing, beside', async () => {
    const { reservedPath } = await import('../../src/sandbox/reserved.js');
    const dirs = { cache: '/h/.cache/wash', data: '/h/.local/share/wash', config: '/h/.config/wash' };
    const pkg = '/usr/lib/node_modules/wash-ts';
    expect(reservedPath('/h/.cache/wash', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.cache } });
    expect(reservedPath('/h/.cache/wash/transpiled/x', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.cache } });
    expect(reservedPath('/h/.local/share/wash/plugins/fs', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.data } });
    expect(reservedPath('/h/.config/wash/config.toml', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.config } });
    expect(reservedPath('/usr/lib/node_modules/wash-ts/plugins/keys/dist', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: pkg } });
    expect(reservedPath('/h', dirs, pkg)).toMatchObject({ relation: 'contains' });
    expect(reservedPath('/', dirs, pkg)).toMatchObject({ relation: 'contains' });
    expect(reservedPath('/h/.cache', dirs, pkg)).toMatchObject({ relation: 'contains', dir: { path: dirs.cache } });
    expect(reservedPath('/h/.cache/washer', dirs, pkg)).toBeUndefined();
    expect(reservedPath('/h/projects', dirs, pkg)).toBeUndefined();
    expect(reservedPath('/usr/lib/node_modules/other', dirs, pkg)).toBeUndefined();
  });
});

describe('concurrent first runs share a cold cache', () => {
  it('3 rounds of 10 parallel cold runs all succeed, with one entry and nothing left half-written', async () => {
    for (let round = 0; round < 3; round++) {
      const own = await makeXdg({ isolatedCache: true });
      try {
        // Started 400 ms apart: each run then finishes its build while others load theirs,
        // the interleaving that broke today (one process replaced an entry another was loading).
        const runs = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            new Promise((r) => setTimeout(r, i * 400)).then(() => runWash(['plugin', 'test', EXAMPLE_WASM, 'greet'], { xdg: own, timeoutMs: 300_000 })),
          ),
        );
        for (const [i, r] of runs.entries()) {
          expect(r.code, `round ${round}, run ${i}: ${lastLine(r.stderr)}`).toBe(0);
          expect(r.stdout, `round ${round}, run ${i}`).toBe('hello, world\n');
        }
        expect(await entries(own.cache), `round ${round}`).toHaveLength(1);
        const leftovers = (await readdir(join(own.cache, 'transpiled'))).filter((n) => n.startsWith('.'));
        expect(leftovers, `round ${round}`).toEqual([]);
      } finally {
        await own.cleanup();
      }
    }
  }, 900_000);
});

describe('info runs under the limits of a run', () => {
  let xdg: Xdg;
  let file: string;
  beforeAll(async () => {
    xdg = await makeXdg();
    file = await watToFile(
      join(xdg.root, 'wat'),
      'loop-info.wasm',
      `(component
      (core module $m (func (export "info") (result i32) (loop $spin (br $spin)) unreachable))
      (core instance $i (instantiate $m))
      (func $info (result u32) (canon lift (core func $i "info")))
      (instance $inst (export "info" (func $info)))
      (export "wash:plugin/plugin@0.1.0" (instance $inst)))`,
    );
  });
  afterAll(async () => {
    await xdg.cleanup();
  });

  it('an info that never returns is stopped by --timeout: plugin test and plugin install exit 124', async () => {
    const tested = await runWash(['--timeout', '2', 'plugin', 'test', file], { xdg, timeoutMs: 60_000 });
    expect(tested.code).toBe(124);
    expect(tested.stderr.trim().split('\n')).toHaveLength(2); // "preparing plugin ..." and the error
    expect(lastLine(tested.stderr)).toBe(`error: the info export of ${file} timed out after 2 s`);

    const installed = await runWash(['--timeout', '2', 'plugin', 'install', file], { xdg, timeoutMs: 60_000 });
    expect(installed.code).toBe(124);
    expect(lastLine(installed.stderr)).toBe(`error: the info export of ${file} timed out after 2 s`);
    expect(await readdir(join(xdg.data, 'plugins', 'installed')).catch(() => [])).toEqual([]);
  });
});
