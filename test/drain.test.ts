// `wash drain`: the real component, run by the real CLI against temp XDG dirs.
// Every test gets its own cache (isolatedCache): draining deletes it.
import { EXAMPLE_DIR } from './fixtures.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, cp, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
// @ts-expect-error: a plain .mjs build script without types
import { buildPlugin } from '../scripts/componentize-plugin.mjs';
import { ROOT, makeXdg, runWash, type Xdg } from './helpers.js';

interface Report {
  scope: string;
  dry_run: boolean;
  removed: { path: string; files: number; bytes: number }[];
  total: { files: number; bytes: number };
  errors: { path: string; error: string }[];
  not_visible: string[];
}

/**
 * A cache in which wash already transpiled a plugin, copied into each test's cache. Core plugins
 * ship transpiled (plugins/<name>/dist/transpiled), so the example fixture on WASH_PLUGIN_PATH fills it.
 */
let template: Xdg;

beforeAll(async () => {
  // Skipped when plugins/drain is unchanged since the last build (npm install builds it too).
  await buildPlugin(join(ROOT, 'plugins', 'drain'), { log: () => undefined });
  template = await makeXdg({ isolatedCache: true });
  const warm = await runWash(['--help'], { xdg: template, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
  expect(warm.stdout).toMatch(/drain\s+Clear wash's caches/);
});
afterAll(async () => {
  await template?.cleanup();
});

const xdgs: Xdg[] = [];
afterEach(async () => {
  await Promise.all(xdgs.splice(0).map((x) => x.cleanup()));
});

/** Temp XDG dirs with a cache of their own (a drain deletes it), warm so that no test waits for a transpile. */
async function freshXdg(): Promise<Xdg> {
  const xdg = await makeXdg({ isolatedCache: true });
  xdgs.push(xdg);
  await cp(join(template.cache, 'transpiled'), join(xdg.cache, 'transpiled'), { recursive: true });
  await cp(join(template.data, 'integrity'), join(xdg.data, 'integrity'), { recursive: true }); // their records
  await cp(join(template.data, 'catalog.json'), join(xdg.data, 'catalog.json')); // and what the catalog learned from them
  return xdg;
}

/** Where each scope lives, as in src/contract/dirs.ts. */
const paths = (xdg: Xdg) => ({
  transpiled: join(xdg.cache, 'transpiled'),
  digests: join(xdg.cache, 'digests.json'),
  downloads: join(xdg.cache, 'downloads'),
  scratch: join(xdg.data, 'plugins', 'fs'),
});

async function writeSized(file: string, bytes: number) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(bytes, 0x61));
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** Every path under `dir` (relative, sorted), with file sizes: a snapshot to compare. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    out.push(`${path.slice(dir.length)} ${info.isFile() ? info.size : info.isSymbolicLink() ? 'link' : 'dir'}`);
  }
  return out.sort();
}

/** What drain should count in `dir`: entries that are not directories, and the bytes of regular files. */
async function measure(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) continue;
    files++;
    if (entry.isFile()) bytes += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/**
 * `wash drain` with the access it declares granted for this run: there is no
 * TTY to ask, and without a grant the sandbox opens none of wash's dirs to it.
 */
const drainText = (xdg: Xdg, args: string[]) => runWash(['--allow-all', 'drain', ...args], { xdg });

async function drainJson(xdg: Xdg, args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await runWash(['--output', 'json', '--allow-all', 'drain', ...args], { xdg });
  expect(r.stdout, `no JSON on stdout; stderr: ${r.stderr}`).not.toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/**
 * Besides wash's own transpiled drain component: files of known sizes in
 * every scope, and files next to the scopes that must survive.
 */
async function populate(xdg: Xdg) {
  const p = paths(xdg);
  await writeSized(join(p.transpiled, 'sha256-fake', 'component.core.wasm'), 777);
  await writeFile(p.digests, `{}${' '.repeat(98)}`); // 100 bytes, still valid JSON for wash
  await writeSized(join(p.downloads, 'a.wasm'), 1000);
  await writeSized(join(p.downloads, 'nested', 'deeper', 'b.wasm'), 2345);
  await writeSized(join(p.scratch, 'dev.example.keys', 'user.nk'), 58);
  for (const file of bystanders(xdg)) await writeSized(file, 5);
  return p;
}

/** Files next to the scopes, in no scope: no drain may touch them. */
const bystanders = (xdg: Xdg) => [join(xdg.cache, 'unrelated.txt'), join(xdg.data, 'unrelated.txt'), join(xdg.config, 'unrelated.txt')];

describe('wash drain', () => {
  it('--dry-run removes nothing and reports exact counts and sizes', async () => {
    const xdg = await freshXdg();
    const p = await populate(xdg);
    const transpiled = await measure(p.transpiled);
    expect(transpiled.files).toBeGreaterThan(1); // the example's transpiled component plus the fake one
    const before = await snapshot(xdg.root);

    const { code, report } = await drainJson(xdg, ['all', '--dry-run']);
    expect(code).toBe(0);
    expect(report).toEqual({
      scope: 'all',
      dry_run: true,
      removed: [
        { path: p.transpiled, ...transpiled },
        { path: p.digests, files: 1, bytes: 100 },
        { path: p.downloads, files: 2, bytes: 3345 },
      ],
      total: { files: transpiled.files + 3, bytes: transpiled.bytes + 100 + 3345 },
      errors: [],
      not_visible: [],
    });
    expect(await snapshot(xdg.root)).toEqual(before);

    const text = await drainText(xdg, ['downloads', '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${p.downloads.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+2\\s+3\\.3 KiB`));
    expect(text.stdout).toContain('would remove 2 files, 3.3 KiB (dry run)');
    expect(await snapshot(xdg.root)).toEqual(before);
  });

  it.each([
    { scope: 'cache', gone: ['transpiled', 'digests'], kept: ['downloads', 'scratch'] },
    { scope: 'downloads', gone: ['downloads'], kept: ['transpiled', 'digests', 'scratch'] },
    { scope: 'all', gone: ['transpiled', 'digests', 'downloads'], kept: ['scratch'] },
    { scope: 'plugin-data --yes', gone: ['scratch'], kept: ['transpiled', 'digests', 'downloads'] },
  ] as const)('$scope removes exactly its paths', async ({ scope, gone, kept }) => {
    const xdg = await freshXdg();
    const p = await populate(xdg);
    const keptBefore = await Promise.all(kept.map((k) => (k === 'digests' ? readFile(p.digests, 'utf8') : snapshot(p[k]))));

    const r = await drainText(xdg, scope.split(' '));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^removed \d+ files?, /m);

    for (const k of gone) {
      if (k === 'digests') expect(await exists(p.digests)).toBe(false);
      else expect(await readdir(p[k]), k).toEqual([]); // emptied; the dir itself stays
    }
    const keptAfter = await Promise.all(kept.map((k) => (k === 'digests' ? readFile(p.digests, 'utf8') : snapshot(p[k]))));
    expect(keptAfter).toEqual(keptBefore);
    for (const file of bystanders(xdg)) expect(await exists(file), file).toBe(true);
  });

  it('removes symlinks, never what they point to', async () => {
    const xdg = await freshXdg();
    const { downloads } = paths(xdg);
    const outsideFile = join(xdg.root, 'outside', 'secret.txt');
    const outsideDir = join(xdg.root, 'outside', 'dir');
    await writeSized(outsideFile, 42);
    await writeSized(join(outsideDir, 'inner.txt'), 7);
    await mkdir(downloads, { recursive: true });
    await symlink(outsideFile, join(downloads, 'to-file'));
    await symlink(outsideDir, join(downloads, 'to-dir'));
    await symlink('../../../outside/secret.txt', join(downloads, 'relative'));
    await writeSized(join(downloads, 'real.bin'), 10);

    const { code, report } = await drainJson(xdg, ['downloads']);
    expect(code).toBe(0);
    // Four entries gone; only the real file's bytes count (a link is not its target).
    expect(report.removed).toEqual([{ path: downloads, files: 4, bytes: 10 }]);
    expect(report.errors).toEqual([]);
    expect(await readdir(downloads)).toEqual([]);
    expect((await readFile(outsideFile)).length).toBe(42);
    expect(await readdir(outsideDir)).toEqual(['inner.txt']);
  });

  it('a symlinked scope dir is removed as a link, its target untouched', async () => {
    const xdg = await freshXdg();
    const { downloads } = paths(xdg);
    const elsewhere = join(xdg.root, 'elsewhere');
    await writeSized(join(elsewhere, 'keep.bin'), 9);
    await mkdir(xdg.cache, { recursive: true });
    await symlink(elsewhere, downloads);

    const { code, report } = await drainJson(xdg, ['downloads']);
    expect(code).toBe(0);
    expect(report.removed).toEqual([{ path: downloads, files: 1, bytes: 0 }]);
    expect(await exists(downloads)).toBe(false);
    expect(await readdir(elsewhere)).toEqual(['keep.bin']);
  });

  it('plugin-data needs --yes (there is no prompt), --dry-run shows it', async () => {
    const xdg = await freshXdg();
    const key = join(paths(xdg).scratch, 'dev.example.keys', 'user.nk');
    await writeSized(key, 58);

    const refused = await drainText(xdg, ['plugin-data']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(await exists(key)).toBe(true);

    const { code, report } = await drainJson(xdg, ['plugin-data', '--dry-run']);
    expect(code).toBe(0);
    expect(report.removed).toEqual([{ path: paths(xdg).scratch, files: 1, bytes: 58 }]);
    expect(await exists(key)).toBe(true);

    const done = await drainText(xdg, ['plugin-data', '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('removed 1 file, 58 B');
    expect(await exists(key)).toBe(false);
  });

  it('says so when there is nothing to drain', async () => {
    const xdg = await freshXdg();
    const text = await drainText(xdg, ['downloads']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim()).toBe('nothing to drain (downloads)');

    // <data>/plugins/fs does not exist yet: wash creates its own granted directory, so drain sees it empty (no warning).
    const { code, report, stderr } = await drainJson(xdg, ['plugin-data', '--yes']);
    expect(code).toBe(0);
    expect(report).toEqual({
      scope: 'plugin-data',
      dry_run: false,
      removed: [],
      total: { files: 0, bytes: 0 },
      errors: [],
      not_visible: [],
    });
    expect(stderr).toBe('');
  });

  it('touches only what was granted: with {cache} alone, plugin-data stays', async () => {
    const xdg = await freshXdg();
    const p = await populate(xdg);
    const scratchBefore = await snapshot(p.scratch);
    const r = await runWash(['--output', 'json', '--allow-write={cache}', 'drain', 'plugin-data', '--yes'], { xdg });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Report).not_visible).toEqual([p.scratch]);
    expect(r.stderr).toContain(`cannot see ${p.scratch}: access was not granted`);
    const text = await runWash(['--allow-write={cache}', 'drain', 'plugin-data', '--yes'], { xdg });
    expect(text.stdout.trim()).toBe('nothing drained (1 path not visible)');
    expect(await snapshot(p.scratch)).toEqual(scratchBefore);
  });

  it('rejects an unknown scope', async () => {
    const xdg = await freshXdg();
    const r = await drainText(xdg, ['everything']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown scope 'everything'");
  });

  it('reports a file it cannot remove, removes the rest and exits 1', async (ctx) => {
    const xdg = await freshXdg();
    const { downloads } = paths(xdg);
    const stuck = join(downloads, 'locked', 'stuck.bin');
    await writeSized(stuck, 3);
    await writeSized(join(downloads, 'free.bin'), 4);
    const undo = await makeUndeletable(stuck);
    if (!undo) return ctx.skip('cannot make a file undeletable here (root without chattr)');
    try {
      const { code, report, stderr } = await drainJson(xdg, ['downloads']);
      expect(code).toBe(1);
      expect(report.errors).toEqual([{ path: stuck, error: expect.any(String) }]);
      expect(report.removed).toEqual([{ path: downloads, files: 1, bytes: 4 }]);
      expect(stderr).toContain(`could not remove ${stuck}`);
      expect(await exists(stuck)).toBe(true);
      expect(await exists(join(downloads, 'free.bin'))).toBe(false);
    } finally {
      await undo();
    }
  });

  it('wash still works after `drain all`: the cache is rebuilt', async () => {
    const xdg = await freshXdg();
    const p = await populate(xdg);
    const drained = await drainText(xdg, ['all']);
    expect(drained.code, drained.stderr).toBe(0);
    expect(await readdir(p.transpiled)).toEqual([]);

    const help = await runWash(['--help'], { xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/drain\s+Clear wash's caches/);
    expect(help.stdout).toMatch(/example\s+Example plugin/);
    // Help lists plugins from the catalog snapshot (wash's data dir); running one rebuilds its cache entry.
    const run = await runWash(['example', 'greet'], { xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
    expect(run.code, run.stderr).toBe(0);
    const { code, report } = await drainJson(xdg, ['--dry-run']);
    expect(code).toBe(0);
    expect(report.scope).toBe('all');
    // Transpiled and hashed again (the example on WASH_PLUGIN_PATH), nothing else.
    expect(report.removed.map((r) => r.path).sort()).toEqual([p.digests, p.transpiled].sort());
    expect(report.total.files).toBeGreaterThan(0);
  });
});

/** Make a file impossible to delete: a read-only parent dir, or as root the immutable attribute. */
async function makeUndeletable(file: string): Promise<(() => Promise<void>) | undefined> {
  if (process.getuid?.() !== 0) {
    await chmod(dirname(file), 0o555);
    return () => chmod(dirname(file), 0o755);
  }
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    return async () => void execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
}
