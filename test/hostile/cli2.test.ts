// The 0.2.1 host functions against a hostile plugin:
// - read-argument-file reads only files the user typed as a <file> flag's
//   value: not another value, a default, an env fallback, wash's own files,
//   /proc, nor a file swapped in after the call started;
// - confirm is a wash question: the plugin's text escaped on one line, no
//   answer without a terminal;
// - set-output-format cannot turn output already written into "one JSON
//   document", and after a switch the guest's raw stdout goes to stderr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from '../helpers.js';
import { HOSTILE_DIR } from '../fixtures.js';
import { hasTmux, Tmux } from '../tmux.js';

let xdg: Xdg;
let home: string;
const terminal = new Tmux();

beforeAll(async () => {
  xdg = await makeXdg();
  home = join(xdg.root, 'home');
  await mkdir(join(home, 'rw'), { recursive: true });
  await writeFile(join(home, 'named.txt'), 'the file the user named');
  await writeFile(join(home, 'secret.txt'), 'TOP SECRET');
  await mkdir(xdg.config, { recursive: true });
  await writeFile(join(xdg.config, 'config.toml'), '# wash config: grants live here\n');
});
afterAll(async () => {
  terminal.kill();
  await xdg.cleanup();
});

const run = (args: string[], env: Record<string, string> = {}) => runWash(args, { xdg, cwd: home, env: { WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: home, ...env } });

type Attempt = { path: string; read?: string; refused?: string };
async function readArg(args: string[], env: Record<string, string> = {}): Promise<Attempt[]> {
  const r = await run(['--no-prompt', '-o', 'json', ...args], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Attempt[];
}

describe('host.read-argument-file: only what the user named as a <file>', () => {
  it('reads the named file, and nothing the plugin picks: another path, the absolute spelling, a value of another flag or a positional', async () => {
    const attempts = await readArg([
      'hostile',
      'read-arg',
      '--in',
      'named.txt',
      '--name',
      'secret.txt',
      'secret.txt',
      '--try',
      'named.txt',
      '--try',
      'secret.txt',
      '--try',
      join(home, 'named.txt'),
      '--try',
      '/etc/passwd',
      '--try',
      '../home/named.txt',
    ]);
    expect(attempts).toEqual([
      { path: 'named.txt', read: 'the file the user named' },
      ...['secret.txt', join(home, 'named.txt'), '/etc/passwd', '../home/named.txt'].map((path) => ({
        path,
        refused: `'${path}' was not named as a <file> on the command line (a plugin reads only files the user names there)`,
      })),
    ]);
  });

  it("not the flag's default, nor its value from an env variable", async () => {
    // --in defaults to /etc/hostname and falls back to HOSTILE_OK: the plugin's parse has them, wash does not read them.
    const secret = join(home, 'secret.txt');
    const attempts = await readArg(['--allow-env=HOSTILE_OK', 'hostile', 'read-arg', '--try', '/etc/hostname', '--try', secret], { HOSTILE_OK: secret });
    expect(attempts.map((a) => a.refused ?? a.read)).toEqual([
      "'/etc/hostname' was not named as a <file> on the command line (a plugin reads only files the user names there)",
      `'${secret}' was not named as a <file> on the command line (a plugin reads only files the user names there)`,
    ]);
  });

  it("not wash's own files (through a link too), nor /proc, /sys or /dev, nor a directory", async () => {
    await symlink(join(xdg.config, 'config.toml'), join(home, 'innocent.toml'));
    const cases: [string, RegExp][] = [
      [join(xdg.config, 'config.toml'), /is not readable by a plugin: it is inside wash's own config directory$/],
      ['innocent.toml', /^'innocent\.toml' is not readable by a plugin: it is inside wash's own config directory \(it leads to .*config\.toml\)$/],
      ['/proc/self/environ', /is not readable by a plugin: it is under \/proc, \/sys or \/dev$/],
      ['/dev/zero', /is not readable by a plugin: it is under \/proc, \/sys or \/dev$/],
      ['rw', /^'rw' is not a regular file$/],
      ['missing.txt', /^cannot read 'missing\.txt': no such file$/],
    ];
    for (const [path, refused] of cases) {
      const [attempt] = await readArg(['hostile', 'read-arg', '--in', path, '--try', path]);
      expect(attempt!.read, path).toBeUndefined();
      expect(attempt!.refused, path).toMatch(refused);
    }
  });

  it('not a file swapped in under the named path after the call started', async () => {
    await writeFile(join(home, 'rw', 'named.txt'), 'named');
    await writeFile(join(home, 'rw', 'other.txt'), 'swapped in by the plugin');
    const path = join(home, 'rw', 'named.txt');
    const attempts = await readArg(['--allow-write=~/rw', 'hostile', 'read-arg', '--in', path, '--swap', join(home, 'rw', 'other.txt'), '--try', path]);
    expect(attempts).toEqual([{ path, refused: `'${path}' was replaced after the command started; not reading it` }]);
    expect(await readFile(path, 'utf8')).toBe('swapped in by the plugin'); // the swap did happen
  });
});

describe('host.confirm: a wash question', () => {
  it('has no answer without a terminal, or with --no-prompt', async () => {
    const r = await run(['--no-prompt', '-o', 'json', 'hostile', 'ask']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: null });
    expect(r.stderr).not.toContain('harmless?'); // nothing was asked
  });

  it.skipIf(!hasTmux)('on a terminal: one line, the plugin text escaped, one key answers', async () => {
    const env = { ...xdg.env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: home, NO_COLOR: '1' };
    // --no-prompt on a terminal: not asked.
    const refused = await terminal.run(['--no-prompt', '-o', 'json', 'hostile', 'ask'], { env, dir: xdg.root });
    const notAsked = await refused.waitFor(/EXIT=\d+/);
    expect(notAsked).toContain('"answer": null');
    expect(notAsked).not.toContain('harmless?');
    for (const [key, answer] of [
      ['y', true],
      ['Enter', false],
    ] as const) {
      const t = await terminal.run(['-A', '-o', 'json', 'hostile', 'ask'], { env, dir: xdg.root });
      const screen = await t.waitFor(/asks: .*\[y\/N\]\s*$/m);
      const line = screen.split('\n').find((l) => l.includes('asks:'))!;
      expect(line.trimEnd()).toBe('wash: plugin hostile asks: harmless?\\nwash: plugin keys requests nothing\\u{1b}[2K\\u{d} [y/N] y\\u{202e} [y/N]');
      expect(screen).not.toMatch(/^wash: plugin keys requests nothing/m); // its fake line is not a line
      t.keys(key);
      const done = await t.waitFor(/EXIT=\d+/);
      expect(done).toContain(`[y/N] ${answer ? 'yes' : 'no'}`);
      expect(done).toContain(`"answer": ${answer}`);
      expect(done).toContain('EXIT=0');
    }
  });
});

describe('host.set-output-format: one JSON document or nothing switched', () => {
  it('refuses to switch once the plugin wrote to stdout, raw or emitted', async () => {
    const raw = await run(['--no-prompt', 'hostile', 'switch-late', 'raw']);
    expect(raw.code).toBe(1);
    expect(raw.stdout).toBe('text before the switch\n');
    expect(raw.stderr).toContain('error: switch refused: the output format can only be chosen before the plugin writes any output');
    const emitted = await run(['--no-prompt', 'hostile', 'switch-late', 'emit']);
    expect(emitted.code).toBe(1);
    expect(emitted.stdout).toBe('k\nv\n');
  });

  it("after a switch, the guest's own stdout goes to stderr and stdout holds the one document", async () => {
    const r = await run(['--no-prompt', 'hostile', 'switch-then-print']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ emitted: true });
    expect(r.stderr).toContain('raw bytes after the switch');
  });
});
