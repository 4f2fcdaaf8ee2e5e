// bin/wash.js on its own: a wash whose dist/ is missing (not built, a broken
// install) says so in one line and exits 1, instead of an unhandled rejection's
// stack trace.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

describe('bin/wash.js without a built wash', () => {
  it('one line naming the fix, exit 1; --version still answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wash-bin-'));
    try {
      await cp(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
      const run = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'bin', 'wash.js'), ...args], { encoding: 'utf8' });

      const r = run('keys', 'gen', 'user');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^wash: cannot start: .*dist\/wash\.js.*run 'npm install'/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);

      const v = run('--version');
      expect(v.status).toBe(0);
      expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
