// Shell completion: the scripts `wash completion <shell>` prints, loaded into
// real bash, zsh and fish, completing against the real CLI (`wash __complete`)
// with plugins known from the metadata cache only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CI, ROOT, makeXdg, runWash, type Xdg } from './helpers.js';
import { EXAMPLE_DIR, HOSTILE_DIR } from './fixtures.js';
import { runShell, washBinDir } from './shell.js';

const has = (shell: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const ZSH = has('zsh');
const FISH = has('fish');
if (CI && (!ZSH || !FISH)) throw new Error('zsh and fish must be installed in CI (apt-get install zsh fish)');

let xdg: Xdg;
let env: Record<string, string>;
let work: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  xdg = await makeXdg();
  work = join(xdg.root, 'work');
  await mkdir(join(work, 'plugins'), { recursive: true });
  await writeFile(join(work, 'plugins', 'thing.wasm'), '');
  await writeFile(join(work, 'other.txt'), '');
  env = {
    ...xdg.env,
    HOME: xdg.root,
    PATH: `${await washBinDir(xdg.root)}:${process.env.PATH}`,
    WASH_PLUGIN_PATH: EXAMPLE_DIR,
  };
  // Describe the example once (as any first `wash --help` does); completion only reads the cache.
  const warm = await runWash(['--help'], { xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
  expect(warm.stdout).toMatch(/example\s+Example plugin/);
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runWash(['completion', shell], { xdg });
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = join(xdg.root, `wash.${shell}`);
    await writeFile(scripts[shell], r.stdout);
  }
});
afterAll(async () => {
  await xdg?.cleanup();
});

/** Load the bash script, set COMP_WORDS/COMP_CWORD as bash does for `line`, call the function, print COMPREPLY. */
async function bashComplete(line: string): Promise<string[]> {
  const words = line.split(' ');
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const script = [
    `source '${scripts.bash}'`,
    `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=${line.length}`,
    '_wash',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = await runShell('bash', script, { env, cwd: work });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash', () => {
  it('registers a completion function for wash', async () => {
    const r = await runShell('bash', `source '${scripts.bash}'\ncomplete -p wash`, { env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('complete -F _wash wash');
  });

  it('completes host commands, plugin names and global options at the top', async () => {
    const top = await bashComplete('wash ');
    expect(top).toEqual(expect.arrayContaining(['plugin', 'config', 'login', 'completion', 'help', 'example', 'keys', 'drain', 'oauth']));
    expect(top).not.toContain('__complete');
    expect(await bashComplete('wash ex')).toEqual(['example']);
    expect(await bashComplete('wash --out')).toEqual(['--output']);
    expect(await bashComplete('wash --output ')).toEqual(['text', 'json']);
    expect(await bashComplete('wash -o j')).toEqual(['json']);
    expect(await bashComplete('wash --log-level w')).toEqual(['warn']);
    expect(await bashComplete('wash -o json ke')).toEqual(['keys']);
  });

  it("completes a plugin's command paths, groups at every level, flags and arguments", async () => {
    expect(await bashComplete('wash example te')).toEqual(['team']);
    expect(await bashComplete('wash example team ')).toEqual(['member', 'list']);
    expect(await bashComplete('wash example team member ')).toEqual(['add', 'list', 'rm']);
    expect(await bashComplete('wash example team member add --')).toEqual(['--role', '--output', '--help']);
    expect(await bashComplete('wash example greet -')).toEqual(['--name', '--shout', '--output', '--help']);
    expect(await bashComplete('wash example greet --shout --n')).toEqual(['--name']);
    expect(await bashComplete('wash keys ')).toEqual(expect.arrayContaining(['gen', 'list', 'sign', 'verify', 'public', 'import', 'rm']));
    // An argument without declared choices completes file names.
    expect(await bashComplete('wash example fs-read plugins/th')).toEqual(['plugins/thing.wasm']);
  });

  it("completes wash's own commands, their options and arguments", async () => {
    expect(await bashComplete('wash plugin ')).toEqual(
      expect.arrayContaining(['list', 'install', 'push', 'update', 'tags', 'uninstall', 'test', 'inspect', 'new', 'grant', 'revoke', 'permissions']),
    );
    expect(await bashComplete('wash plugin in')).toEqual(['install', 'inspect']);
    expect(await bashComplete('wash plugin install --f')).toEqual(['--force']);
    expect(await bashComplete('wash plugin install plugins/')).toEqual(['plugins/thing.wasm']);
    expect(await bashComplete('wash plugin grant ex')).toEqual(['example']);
    expect(await bashComplete('wash plugin inspect ')).toEqual(expect.arrayContaining(['example', 'keys', 'plugins', 'other.txt']));
    expect(await bashComplete('wash plugin uninstall ')).toEqual([]); // nothing installed
    expect(await bashComplete('wash config ')).toEqual(['path', 'show', 'validate']);
    expect(await bashComplete('wash completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(await bashComplete('wash login --provider ')).toEqual(['oauth']);
    expect(await bashComplete('wash help ')).toEqual(expect.arrayContaining(['plugin', 'config', 'example', 'keys']));
    expect(await bashComplete('wash help plugin ')).toEqual(expect.arrayContaining(['install', 'push', 'tags']));
    expect(await bashComplete('wash help example team ')).toEqual(['member', 'list']);
  });
});

describe('the hidden __complete command', () => {
  it('answers one candidate per line with a description, then a directive', async () => {
    const r = await runWash(['__complete', 'example', 'team', ''], { xdg, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('member\tManage the members of a team\nlist\tList teams\n:none\n');
  });

  it('never describes a plugin it has not seen: no transpiling, no instantiating, nothing on stderr', async () => {
    const fresh = await makeXdg({ isolatedCache: true });
    try {
      const before = await runWash(['__complete', 'ex'], { xdg: fresh, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
      expect(before).toEqual({ code: 0, stdout: ':none\n', stderr: '' });
      const cached = await readdir(join(fresh.cache, 'transpiled')).catch(() => [] as string[]);
      expect(cached).toEqual([]);
      await runWash(['--help'], { xdg: fresh, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } }); // now it is described
      const after = await runWash(['__complete', 'ex'], { xdg: fresh, env: { WASH_PLUGIN_PATH: EXAMPLE_DIR } });
      expect(after.stdout).toBe('example\tExample plugin used by the wash test suite\n:none\n');
    } finally {
      await fresh.cleanup();
    }
  });

  it("shows a hostile plugin's description escaped, on one line, and never offers its text as words", async () => {
    const hostileEnv = { WASH_PLUGIN_PATH: HOSTILE_DIR };
    await runWash(['--help'], { xdg, env: hostileEnv });
    const r = await runWash(['__complete', 'hos'], { xdg, env: hostileEnv });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe(':none');
    expect(lines[0]!.split('\t')[0]).toBe('hostile');
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
  });
});

describe('what the completion cache holds', () => {
  it('a tampered cache cannot put shell syntax or escapes into the command line', async () => {
    const own = await makeXdg({ isolatedCache: true });
    try {
      const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
      const build = `${version} ${(await stat(join(ROOT, 'dist', 'wash.js'))).mtimeMs}`;
      const evil = { name: '$(touch pwned)', aliases: ['`id`'], description: 'x\u001b[2Jy', options: [], args: [], variadic: false, subcommands: [] };
      const safe = { name: 'fine', aliases: [], description: 'ok\u001b]0;title\u0007', options: [], args: [], variadic: false, subcommands: [] };
      const plugin = { name: 'plugin', aliases: [], description: '', options: [], args: [], variadic: false, subcommands: [evil, safe] };
      await mkdir(own.cache, { recursive: true });
      await writeFile(join(own.cache, 'completion.json'), JSON.stringify({ build, commands: [plugin] }));
      const r = await runWash(['__complete', 'plugin', ''], { xdg: own });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('fine\tok\\u{1b}]0;title\\u{7}\n:none\n');
    } finally {
      await own.cleanup();
    }
  });
});

describe.skipIf(!ZSH && !CI)('zsh', () => {
  /** Run the zsh script's function with `words`/`CURRENT` set as zsh's completion system sets them; _describe and _files are stubs that print what they were given. */
  async function zshComplete(line: string): Promise<string[]> {
    const words = line.split(' ');
    const script = [
      'compdef() { :; }',
      '_describe() { print -rl -- "${(@P)${@[-1]}}"; }',
      '_files() { print -r -- "<files $*>"; }',
      `source '${scripts.zsh}'`,
      `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}`,
      '_wash',
    ].join('\n');
    const r = await runShell('zsh', script, { env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('offers candidates with descriptions, and files where they belong', async () => {
    expect(await zshComplete('wash example team ')).toEqual(['member:Manage the members of a team', 'list:List teams']);
    expect(await zshComplete('wash --output ')).toEqual(['text', 'json']);
    expect(await zshComplete('wash plugin install ')).toEqual(['<files >']);
    expect(await zshComplete('wash ex')).toEqual(['example:Example plugin used by the wash test suite']);
  });
});

describe.skipIf(!FISH && !CI)('fish', () => {
  /** fish's own completion machinery: `complete -C` completes a command line as if TAB were pressed. */
  async function fishComplete(line: string): Promise<string[]> {
    const r = await runShell('fish', `source '${scripts.fish}'\ncomplete -C '${line}'`, { env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('completes through fish, with descriptions', async () => {
    expect(await fishComplete('wash example team ')).toEqual(['list\tList teams', 'member\tManage the members of a team']);
    expect(await fishComplete('wash completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(await fishComplete('wash plugin install plugins/')).toEqual(['plugins/thing.wasm']);
  });
});
