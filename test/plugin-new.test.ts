// `wash plugin new`: the generated project installs, builds with
// componentize-js and runs through `wash plugin test` exactly as generated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, makeXdg, runWash, type Xdg } from './helpers.js';

let work: string;
let xdg: Xdg;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wash-plugin-new-'));
  xdg = await makeXdg();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await xdg?.cleanup();
});

/** Run a command in a directory with the caller's environment (npm needs its cache and PATH). */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...xdg.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

const wash = (args: string[], cwd = work) => runWash(args, { xdg, cwd });

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const path = join(prefix, e.name);
    out.push(...(e.isDirectory() ? await listFiles(dir, path) : [path]));
  }
  return out.sort();
}

describe('wash plugin new', () => {
  it('refuses bad names, reserved names and a non-empty directory, and leaves nothing behind', async () => {
    const bad = await wash(['plugin', 'new', 'Bad_Name']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must match \[a-z\]\[a-z0-9-\]\*/);
    const reserved = await wash(['plugin', 'new', 'config']);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/reserved/);

    await mkdir(join(work, 'taken'));
    await writeFile(join(work, 'taken', 'keep.txt'), 'mine');
    const taken = await wash(['plugin', 'new', 'taken']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists and is not empty/);
    expect(await readdir(join(work, 'taken'))).toEqual(['keep.txt']);
    expect((await readdir(work)).filter((f) => f.includes('wash-new'))).toEqual([]);
  });

  it('fills an empty directory given with --dir, pinning the tools wash uses', async () => {
    await mkdir(join(work, 'empty'));
    const r = await wash(['--output', 'json', 'plugin', 'new', 'pinned', '--dir', 'empty']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { dir: string; world: string; files: string[] };
    expect(result).toMatchObject({ dir: join(work, 'empty'), world: 'plugin-guest' });
    expect(result.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'src/index.ts',
        'vendor/plugin-sdk/package.json',
        'vendor/plugin-sdk/src/index.ts',
        'wit/plugin.wit',
        'types/plugin.d.ts',
        'test.mjs',
        '.gitignore',
      ]),
    );
    expect(result.files.filter((f) => f.startsWith('src/sdk/'))).toEqual([]);
    expect(result.files).not.toContain('src/http.ts');
    // The sample command is never named like the plugin.
    expect((result as unknown as { command: string }).command).toBe('greet');
    const greet = await wash(['--output', 'json', 'plugin', 'new', 'greet']);
    expect(JSON.parse(greet.stdout).command).toBe('hello');
    expect(await readFile(join(work, 'greet', 'src', 'index.ts'), 'utf8')).toContain("path: ['hello'],");

    const pkg = JSON.parse(await readFile(join(work, 'empty', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      wash: unknown;
    };
    expect(pkg.wash).toEqual({ name: 'pinned', world: 'plugin-guest' });
    // The SDK by name, from the copy the project carries (it is on no registry): the one this wash ships.
    expect(pkg.dependencies).toEqual({ '@wash/plugin-sdk': 'file:vendor/plugin-sdk' });
    expect(await readFile(join(work, 'empty', 'vendor', 'plugin-sdk', 'package.json'), 'utf8')).toBe(
      await readFile(join(ROOT, 'plugin-sdk', 'package.json'), 'utf8'),
    );
    expect(await readFile(join(work, 'empty', 'vendor', 'plugin-sdk', 'src', 'args.ts'), 'utf8')).toBe(
      await readFile(join(ROOT, 'plugin-sdk', 'src', 'args.ts'), 'utf8'),
    );
    expect(await readFile(join(work, 'empty', 'src', 'index.ts'), 'utf8')).toContain("from '@wash/plugin-sdk';");
    for (const dep of ['@bytecodealliance/componentize-js', '@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'esbuild', 'typescript']) {
      const installed = JSON.parse(await readFile(join(ROOT, 'node_modules', dep, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.devDependencies[dep], dep).toBe(installed.version);
    }
    // The contract is copied as it is now, deps included; no template markers or placeholders survive.
    expect(await readFile(join(work, 'empty', 'wit', 'plugin.wit'), 'utf8')).toBe(await readFile(join(ROOT, 'wit', 'plugin.wit'), 'utf8'));
    for (const file of ['src/index.ts', 'README.md', 'test.mjs']) {
      const text = await readFile(join(work, 'empty', file), 'utf8');
      expect(text, file).not.toMatch(/#if|#endif|__[A-Z_]+__/);
    }
  });

  // The real thing: npm install, npm run build (tsc + esbuild + componentize-js), wash plugin test, npm test.
  it('builds and runs as generated', async () => {
    // Named like the command a template might pick: the sample command must not repeat it (no `wash hello hello`).
    const made = await wash(['plugin', 'new', 'hello']);
    expect(made.code, made.stderr).toBe(0);
    const dir = join(work, 'hello');

    // The next steps, run exactly as printed (npm's own settings, from the environment, keep it offline and quiet).
    const steps = made.stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim());
    expect(steps.slice(0, 3)).toEqual(['cd hello', 'npm install', 'npm run build']);
    expect(steps).toHaveLength(5);
    const followed = await run('bash', ['-c', ['set -e', ...steps].join('\n')], work, {
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    });
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
    console.log(`[plugin-new] next steps (npm install, npm run build, two runs) ${(followed.ms / 1000).toFixed(1)} s`);
    // npm install printed no peer-dependency conflict (jco-std wants an older preview2-shim).
    expect(followed.stdout + followed.stderr).not.toMatch(/ERESOLVE|peer dep/i);
    expect(followed.stdout).toMatch(/Usage: wash hello <command>/);
    expect(followed.stdout).toMatch(/greet \[name\]\s+Print a greeting/);
    expect(followed.stdout).not.toMatch(/^\s+hello \[name\]/m);
    expect(followed.stdout).toMatch(/letters <words\.\.\.>/);
    expect(followed.stdout).toMatch(/^Hello, Ada!$/m);

    const hello = await wash(['plugin', 'test', 'hello.wasm', 'greet', 'Ada Lovelace', '-n', '2', '--shout'], dir);
    expect(hello.code, hello.stderr).toBe(0);
    expect(hello.stdout).toBe('HELLO, ADA LOVELACE!\nHELLO, ADA LOVELACE!\n');

    const json = await wash(['--output', 'json', 'plugin', 'test', 'hello.wasm', 'greet', 'Ada'], dir);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ greeting: 'Hello, Ada!', times: 1 });
    const table = await wash(['--output', 'json', 'plugin', 'test', 'hello.wasm', 'letters', 'wasm', 'héllo'], dir);
    expect(JSON.parse(table.stdout)).toEqual([
      { word: 'wasm', letters: '4' },
      { word: 'héllo', letters: '5' },
    ]);

    const usage = await wash(['plugin', 'test', 'hello.wasm', 'greet', '--times', '0'], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--times must be a whole number/);

    // The project's own test (node --test test.mjs) finds the wash that generated it.
    const test = await run('npm', ['test'], dir);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 6/);

    // --http: same tools (node_modules shared), the http-plugin-guest world and a served page.
    const web = await wash(['plugin', 'new', 'web', '--http']);
    expect(web.code, web.stderr).toBe(0);
    const webDir = join(work, 'web');
    expect(JSON.parse(await readFile(join(webDir, 'package.json'), 'utf8')).wash).toEqual({ name: 'web', world: 'http-plugin-guest' });
    expect(await listFiles(webDir)).toContain('src/http.ts');
    await symlink(join(dir, 'node_modules'), join(webDir, 'node_modules'));
    const webBuild = await run('npm', ['run', 'build'], webDir);
    expect(webBuild.code, webBuild.stdout + webBuild.stderr).toBe(0);
    const webTest = await run('npm', ['test'], webDir);
    expect(webTest.code, webTest.stdout + webTest.stderr).toBe(0);
    expect(webTest.stdout).toMatch(/ok \d+ - serve answers one request, then exits/);
    expect(webTest.stdout).toMatch(/# pass 7/);
  }, 600_000);
});
