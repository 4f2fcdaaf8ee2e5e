// Path containment against a hostile plugin: grants are compared after
// realpath, symlinks cannot lead out of a mount, a rename or a race between
// the check and the use does not either, and system paths are not grantable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CI, makeXdg, runWash, WASH, type Xdg } from '../helpers.js';
import { HOSTILE_DIR } from '../fixtures.js';

let xdg: Xdg;
let homes = 0;
const lastLine = (text: string) => text.trim().split('\n').at(-1);
const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** A fresh home with `~/rw` (the directory the plugin declares) and a secret next to it. */
async function freshHome(): Promise<string> {
  const home = join(xdg.root, `home-${++homes}`);
  await mkdir(join(home, 'rw'), { recursive: true });
  await writeFile(join(home, 'secret.txt'), 'TOP SECRET');
  return home;
}

const run = (home: string, args: string[], env: Record<string, string> = {}) =>
  runWash(args, { xdg, env: { WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: home, ...env } });

beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  await xdg.cleanup();
});

describe('path containment (paths)', () => {
  it('cannot create a symlink that leaves its mount, in a granted dir or its scratch dir', async () => {
    const home = await freshHome();
    for (const target of ['..', '../secret.txt', 'sub/../../..', '/etc/passwd', `${home}/secret.txt`]) {
      const r = await run(home, ['--allow-write=~/rw', 'hostile', 'plant-link', `${home}/rw/link`, target]);
      expect(r.code, target).toBe(1);
      expect(lastLine(r.stderr), target).toBe('error: plant-link: not-permitted');
      expect(await exists(join(home, 'rw', 'link')), target).toBe(false);
    }
    // A link that stays inside the mount is fine.
    await mkdir(join(home, 'rw', 'sub'));
    const inside = await run(home, ['--allow-write=~/rw', '-o', 'json', 'hostile', 'plant-link', `${home}/rw/link`, 'sub/../sub']);
    expect(JSON.parse(inside.stdout).leaked).toBe('planted');

    for (const target of ['..', '../../../../../../../../..', '/etc']) {
      const r = await run(home, ['--allow-scratch', 'hostile', 'plant-scratch-link', target]);
      expect(r.code, target).toBe(1);
      expect(lastLine(r.stderr), target).toBe('error: plant-scratch-link: not-permitted');
    }
  });

  it('a symlink planted in a grant does not widen it on the next run', async () => {
    // The attack as filed: plant ~/rw/link -> .. in one run, read and write all of ~ in the next.
    const home = await freshHome();
    const plant = await run(home, ['--allow-write=~/rw', 'hostile', 'plant-link', `${home}/rw/link`, '..']);
    expect(lastLine(plant.stderr)).toBe('error: plant-link: not-permitted');
    // The link can get there another way (it was there before, another program made it).
    await symlink('..', join(home, 'rw', 'link'));

    // The plugin's declared ~/rw/link is really ~, which --allow-write=~/rw does not cover: it is mounted behind a
    // question that names where it leads; without a terminal its first use is refused (access), nothing read.
    const read = await run(home, ['--allow-write=~/rw', '-o', 'json', 'hostile', 'read', `${home}/rw/link/secret.txt`]);
    expect(read.stdout).not.toContain('TOP SECRET');
    expect(read.code).toBe(1);
    expect(lastLine(read.stderr)).toBe('error: read: access');
    expect(read.stderr).toContain(`read and write ${home}/rw/link (leads to ${home})`);

    const write = await run(home, ['--allow-write=~/rw', 'hostile', 'write', `${home}/rw/link/planted.txt`, 'pwned']);
    expect(write.code).toBe(1);
    expect(lastLine(write.stderr)).toBe('error: write: access');
    expect(await exists(join(home, 'planted.txt'))).toBe(false);

    // -A grants what the plugin declared, but not a declared path that leads out of its directory.
    const all = await run(home, ['-A', '-o', 'json', 'hostile', 'read', `${home}/rw/link/secret.txt`]);
    expect(all.stdout).not.toContain('TOP SECRET');
    expect(lastLine(all.stderr)).toBe('error: read: access');
    expect(all.stderr).toContain(`wash: -A does not grant plugin 'hostile' read and write ${home}/rw/link (leads to ${home}): a symlink out of its directory`);
  });

  it('a declared sub-path that becomes a symlink during the run is not followed', async () => {
    const home = await freshHome();
    await mkdir(join(home, 'rw', 'link')); // a real directory when access is decided and mounted
    await symlink('..', join(home, 'rw', 'escape')); // an escaping link the plugin finds in its grant
    const r = await run(home, [
      '--allow-write=~/rw',
      '-o',
      'json',
      'hostile',
      'rename-read',
      `${home}/rw/escape`,
      `${home}/rw/link`,
      `${home}/rw/link/secret.txt`,
    ]);
    expect(r.stdout).not.toContain('TOP SECRET');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe('error: rename-read: not-permitted');
    expect((await lstat(join(home, 'rw', 'link'))).isSymbolicLink()).toBe(true); // the swap itself happened
  });

  it('swapping a directory for a symlink while the plugin opens files in it leads nowhere', async () => {
    // The guest reads ~/rw/d/secret, writes ~/rw/d/out, removes ~/rw/d/victim and
    // makes and removes ~/rw/d/made in a loop while this test swaps ~/rw/d between
    // a real directory and a symlink to ~/outside.
    const home = await freshHome();
    const rw = join(home, 'rw');
    const outside = join(home, 'outside');
    await mkdir(join(rw, 'real'));
    await writeFile(join(rw, 'real', 'secret'), 'inside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'OUTSIDE SECRET');
    await writeFile(join(outside, 'victim'), 'not yours to remove');
    await symlink(outside, join(rw, 'evil'));
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const w = process.argv[1]; const end = Date.now() + 60000;
         const mv = (a, b) => { try { fs.renameSync(w + '/' + a, w + '/' + b); } catch {} };
         while (Date.now() < end) { mv('real', 'd'); mv('d', 'real'); mv('evil', 'd'); mv('d', 'evil'); }`,
        rw,
      ],
      { stdio: 'ignore' },
    );
    try {
      const r = await run(home, ['--allow-write=~/rw', '--timeout', '60', '-o', 'json', 'hostile', 'race', rw, '8000'], {});
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout).leaked as { leaked: string | null; reads: number; writes: number };
      expect(result.leaked).toBeNull();
      // The race really ran: opens inside the grant kept working while the swapper ran.
      expect(result.reads).toBeGreaterThan(0);
      expect(result.writes).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
    expect((await readdir(outside)).sort()).toEqual(['secret', 'victim']); // nothing created, removed or replaced
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('OUTSIDE SECRET');
  }, 90_000);

  describe('system paths', () => {
    const env = { PATHS_SECRET: 'hunter3' };

    it('-A does not grant /proc, nor a declared path that leads there', async () => {
      const home = await freshHome();
      const r = await run(home, ['-A', '-o', 'json', 'hostile', 'read', '/proc/self/environ'], env);
      expect(r.stdout).not.toContain('hunter3');
      expect(r.code).toBe(1);
      expect(lastLine(r.stderr)).toBe('error: read: not-permitted');
      expect(r.stderr).toContain("wash: -A does not grant plugin 'hostile' read /proc: a system path; allow it for one run with --allow-read=/proc");

      await symlink('/proc', join(home, 'rw', 'link'));
      const viaLink = await run(home, ['-A', '-o', 'json', 'hostile', 'read', `${home}/rw/link/self/environ`], env);
      expect(viaLink.stdout).not.toContain('hunter3');
      expect(viaLink.code).toBe(1);
      expect(lastLine(viaLink.stderr)).toBe('error: read: not-permitted');
    });

    it('a grant of /proc cannot be recorded, and --all leaves it out', async () => {
      const home = await freshHome();
      const config = join(xdg.root, `proc-${homes}.toml`);
      for (const path of ['/proc', '/proc/self', '/sys', '/dev', '/']) {
        const grant = await run(home, ['--config', config, 'plugin', 'grant', 'hostile', '--read', path]);
        expect(grant.code, path).not.toBe(0);
        expect(lastLine(grant.stderr), path).toMatch(new RegExp(`^error: refusing to grant ${path}( \\(it leads to /proc/\\d+\\))?: a system path`));
      }
      const all = await run(home, ['--config', config, 'plugin', 'grant', 'hostile', '--all']);
      expect(all.code).toBe(0);
      expect(all.stderr).toContain('not granted by --all: read /proc');
      expect(await readFile(config, 'utf8')).not.toContain('/proc');
      const r = await run(home, ['--config', config, '-o', 'json', 'hostile', 'read', '/proc/self/environ'], env);
      expect(r.stdout).not.toContain('hunter3');
      expect(lastLine(r.stderr)).toBe('error: read: not-permitted');
    });

    it('--allow-read naming /proc grants it for the run, with a warning', async () => {
      const home = await freshHome();
      const r = await run(home, ['--allow-read=/proc', '-o', 'json', 'hostile', 'read', '/proc/self/environ'], env);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).leaked).toContain('PATHS_SECRET=hunter3');
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      expect(warnings).toEqual(["warning: plugin 'hostile' may read /proc, a system path: it exposes the environment and secrets of this and other processes"]);
      // Writing a system path is never granted.
      const write = await run(home, ['--allow-write=/proc', '-o', 'json', 'hostile', 'read', '/proc/self/environ'], env);
      expect(write.stdout).not.toContain('hunter3');
      expect(lastLine(write.stderr)).toBe('error: read: not-permitted');
    });

    const hasTmux = spawnSync('tmux', ['-V']).status === 0;
    if (CI && !hasTmux) throw new Error('tmux is required for the prompt test (installed by .ci/run)');

    it.skipIf(!hasTmux)('the access prompt never offers /proc', async () => {
      const home = await freshHome();
      const socket = `wash-paths-${process.pid}`;
      const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
      const script = join(xdg.root, 'prompt.sh');
      const vars = { ...xdg.env, ...env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: home, NO_COLOR: '1' };
      const args = [
        '--allow-scratch',
        '--allow-env=HOSTILE_OK',
        '--allow-net=http://127.0.0.1:*',
        '--allow-write=~/rw',
        '--allow-run=echo',
        'hostile',
        'read',
        '/proc/self/environ',
      ];
      await writeFile(
        script,
        [
          ...Object.entries(vars).map(([k, v]) => `export ${k}='${v}'`),
          `node '${WASH}' ${args.map((a) => `'${a}'`).join(' ')}`,
          'echo "EXIT=$?"',
          'sleep 60',
        ].join('\n'),
      );
      try {
        tmux('new-session', '-d', '-s', 'paths', '-x', '160', '-y', '50', `bash '${script}'`);
        let screen = '';
        for (const end = Date.now() + 30_000; Date.now() < end && !/EXIT=\d+|Allow\?/.test(screen);) {
          await new Promise((r) => setTimeout(r, 100));
          screen = tmux('capture-pane', '-p', '-J', '-t', 'paths');
        }
        // Never asked about (a system path is not mounted at all, so its use cannot even reach a question).
        expect(screen).not.toContain('Allow?');
        expect(screen).not.toContain('/proc (');
        expect(screen).toContain('error: read: not-permitted');
        expect(screen).toContain('EXIT=1');
        expect(screen).not.toContain('hunter3');
      } finally {
        spawnSync('tmux', ['-L', socket, 'kill-server']);
      }
    });
  });
});
