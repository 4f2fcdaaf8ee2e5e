// The attack: a plugin declares an access item whose text is shell code
// (`/tmp/$(touch pwned)`), hoping the user pastes the command wash suggests
// after a denial ("...or for one run: wash --allow-read=... p"). Each hint is
// pasted here into real shells; the shell must see exactly the flag wash
// meant, run nothing and create nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowFlags } from '../../src/sandbox/decide.js';
import { grantCommand } from '../../src/sandbox/policy.js';
import type { AccessItem } from '../../src/sandbox/access-items.js';
import { CI } from '../helpers.js';

const SHELLS = ['bash', 'zsh', 'fish'];
const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

describe('a declared value cannot turn a suggested command into code', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wash-pasted-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const hostile = [
    '/tmp/$(touch pwned)',
    '/tmp/`touch pwned2`',
    '/tmp/a;touch pwned3',
    '/tmp/a|touch pwned4',
    '/tmp/a&touch pwned5',
    '/tmp/a>pwned6',
    "/tmp/it's",
    '/tmp/*',
    '/tmp/{a,b}',
  ];

  for (const shell of SHELLS) {
    it(`${shell}: the pasted words are the flags wash meant, and nothing ran`, async () => {
      if (!has(shell)) {
        if (CI) throw new Error(`${shell} is needed (CI installs it)`);
        return;
      }
      for (const path of hostile) {
        const item: AccessItem = { kind: 'read', path, requested: path, reason: '' };
        const pasted = [allowFlags([item]), grantCommand('p', [item]).replace(/^wash /, '')].join(' ');
        // printf shows the words the shell made of the pasted text, one per line.
        const r = spawnSync(shell, ['-c', `printf '%s\\n' ${pasted}`], { cwd: dir, encoding: 'utf8' });
        expect(r.status, `${shell} ${path}: ${r.stderr}`).toBe(0);
        expect(r.stdout.split('\n').slice(0, -1), path).toEqual([`--allow-read=${path}`, 'plugin', 'grant', 'p', '--read', path]);
      }
      expect(await readdir(dir)).toEqual([]);
    });
  }
});
