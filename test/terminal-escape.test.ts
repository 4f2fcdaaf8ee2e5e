// Unit tests of what protects the terminal (the escape table, the streaming
// escaper), plus the small rules that came with it: semver versions, unknown
// config keys, config writes through a symlink.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ESCAPED_RANGES, escapeUntrusted, isEscapedCodePoint } from '../src/util/untrusted.js';
import { escapeTerminalBytes, TerminalEscaper } from '../src/util/terminal-escape.js';
import { InvalidMetadata, validateMetadata } from '../src/contract/metadata.js';
import { interpretConfig, parseConfigText, readConfig, updateConfig } from '../src/sandbox/config.js';
import { makeXdg, runWash, type Xdg } from './helpers.js';

describe('terminal: escapeUntrusted', () => {
  const table: [string, string, string][] = [
    ['ANSI CSI', 'a\u001b[2Jb', 'a\\u{1b}[2Jb'],
    ['OSC title with BEL', '\u001b]0;x\u0007', '\\u{1b}]0;x\\u{7}'],
    ['C1 CSI', 'a\u009b6n', 'a\\u{9b}6n'],
    ['DEL', 'a\u007fb', 'a\\u{7f}b'],
    ['CR', 'safe\rrm -rf', 'safe\\u{d}rm -rf'],
    ['newline, tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['bidi override and isolate', 'a\u202eb\u2066c\u2069', 'a\\u{202e}b\\u{2066}c\\u{2069}'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u{200e}\\u{200f}\\u{61c}'],
    ['zero-width space, joiners, word joiner, BOM', '\u200b\u200c\u200d\u2060\ufeff', '\\u{200b}\\u{200c}\\u{200d}\\u{2060}\\u{feff}'],
    ['soft hyphen, combining grapheme joiner', 'a\u00adb\u034fc', 'a\\u{ad}b\\u{34f}c'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['tag characters', 'hi\u{e0041}\u{e007f}', 'hi\\u{e0041}\\u{e007f}'],
    ['variation selectors', '\u2764\ufe0f x\ufe00 y\u{e0100}', '\u2764\\u{fe0f} x\\u{fe00} y\\u{e0100}'],
    ['Hangul fillers', '\u3164\u115f\u1160\uffa0', '\\u{3164}\\u{115f}\\u{1160}\\u{ffa0}'],
    ['Khmer and Mongolian invisibles', '\u17b4\u180e\u180b', '\\u{17b4}\\u{180e}\\u{180b}'],
    ['interlinear annotation', '\ufff9a\ufffb', '\\u{fff9}a\\u{fffb}'],
    ['lone surrogate', 'a\ud800b', 'a\\u{d800}b'],
    ['plain text, accents, CJK, emoji', 'plain ünï 漢字 🦀', 'plain ünï 漢字 🦀'],
    ['braille blank and spaces are shown as they are', 'a\u2800b\u00a0c\u3000d', 'a\u2800b\u00a0c\u3000d'],
  ];
  it.each(table)('%s', (_what, input, expected) => {
    expect(escapeUntrusted(input)).toBe(expected);
  });

  it('the table is exactly Unicode controls, format characters, separators and default-ignorables', () => {
    const unicode = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
    const differ: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const expected = unicode.test(String.fromCodePoint(cp)) && cp !== 0x09 && cp !== 0x0a;
      if (isEscapedCodePoint(cp) !== expected) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
    // Ranges are sorted and disjoint (isEscapedCodePoint stops at the first range past the code point).
    ESCAPED_RANGES.forEach(([a, b], i) => expect(a <= b && (i === 0 || a > ESCAPED_RANGES[i - 1]![1])).toBe(true));
  });
});

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const shown = (input: Buffer) => Buffer.from(escapeTerminalBytes(input)).toString('latin1');

describe('terminal: the streaming escaper', () => {
  const table: [string, Buffer, string][] = [
    ['plain text passes', bytes('hello\tworld\n'), 'hello\tworld\n'],
    ['UTF-8 passes', bytes('ünï 漢字 🦀\n'), Buffer.from('ünï 漢字 🦀\n').toString('latin1')],
    ['CR LF passes, a lone CR is escaped', bytes('a\r\nb\rc'), 'a\r\nb\\u{d}c'],
    ['ESC starts no sequence', bytes('\u001b]0;t\u0007\u001b[6n'), '\\u{1b}]0;t\\u{7}\\u{1b}[6n'],
    ['C1 controls (two bytes)', bytes('\u009b6n\u009d'), '\\u{9b}6n\\u{9d}'],
    ['bidi and invisibles', bytes('\u202e\u200b\u{e0041}\ufe0f\u3164'), '\\u{202e}\\u{200b}\\u{e0041}\\u{fe0f}\\u{3164}'],
    ['bytes that are not UTF-8', bytes([0x80, 0xff, 0xc0, 0xaf, 0x41]), '\\x80\\xff\\xc0\\xafA'],
    ['a truncated sequence is not swallowed', bytes([0xe2, 0x80, 0x41]), '\\xe2\\x80A'],
    ['overlong and surrogate encodings', bytes([0xe0, 0x80, 0x80, 0xed, 0xa0, 0x80]), '\\xe0\\x80\\x80\\xed\\xa0\\x80'],
    ['an incomplete sequence at the very end', bytes('ok', [0xf0, 0x9f]), 'ok\\xf0\\x9f'],
    ['a CR at the very end', bytes('ok\r'), 'ok\\u{d}'],
  ];
  it.each(table)('%s', (_what, input, expected) => {
    expect(shown(input)).toBe(expected);
  });

  const tricky = bytes('a\u001b]2;t\u0007\u202eb\u009bc\r\nd\u{1f980}e\u{e0041}', [0xe2, 0x80], 'f\r', [0xc3], '\n');

  it('gives the same output however the input is cut into writes', () => {
    const whole = shown(tricky);
    for (let cut = 0; cut <= tricky.length; cut++) {
      const e = new TerminalEscaper();
      const out = Buffer.concat([e.write(tricky.subarray(0, cut)), e.write(tricky.subarray(cut)), e.end()]);
      expect(out.toString('latin1'), `cut at ${cut}`).toBe(whole);
    }
    const e = new TerminalEscaper(); // one byte per write
    const out = Buffer.concat([...tricky].map((b) => Buffer.from(e.write(Uint8Array.of(b)))).concat(Buffer.from(e.end())));
    expect(out.toString('latin1')).toBe(whole);
    expect(whole).not.toContain('\u001b');
  });

  it('holds a split character back until it is complete, and copies what it holds', () => {
    const e = new TerminalEscaper();
    const chunk = Uint8Array.from([0x61, 0xe2, 0x80]); // a + the first two bytes of U+202E
    expect(Buffer.from(e.write(chunk)).toString()).toBe('a');
    chunk.fill(0); // the caller reuses its buffer
    expect(Buffer.from(e.write(Uint8Array.of(0xae))).toString()).toBe('\\u{202e}');
    expect(e.end().length).toBe(0);
  });

  it('returns clean output as it came, without a copy', () => {
    const clean = Buffer.from('nothing to escape\n');
    expect(new TerminalEscaper().write(clean)).toBe(clean);
  });
});

const metadataWith = (version: unknown) => ({
  id: 'dev.example.v',
  name: 'v',
  version,
  description: '',
  contact: '',
  url: '',
  license: 'MIT',
  commands: [],
  access: { env: [], paths: [], outgoingHttp: [], hostExec: [] },
  hooks: [],
});

describe('terminal: a plugin version is semver', () => {
  it.each(['0.1.0', '1.2.3', '10.20.30', '1.0.0-beta.1', '1.0.0+build.5', '1.0.0-rc.1+sha.abc123'])('accepts %s', (version) => {
    expect(validateMetadata(metadataWith(version)).version).toBe(version);
  });

  it.each(['v1.2.3', '=1.2.3', ' 1.2.3', '1.2.3 ', '1.2', '01.2.3', 'latest', '', '1.2.3-', '1.2.3\u001b[2J'])('rejects %j', (version) => {
    expect(() => validateMetadata(metadataWith(version))).toThrow(InvalidMetadata);
    expect(() => validateMetadata(metadataWith(version))).toThrow(/^version '.*' is not a semantic version \(like 1\.2\.3 or 1\.0\.0-beta\.1\)$/s);
  });

  it('rejects a version that is not a string', () => {
    expect(() => validateMetadata(metadataWith(1))).toThrow('version is not a string');
  });
});

describe('terminal: the config file', () => {
  let xdg: Xdg;
  beforeAll(async () => {
    xdg = await makeXdg();
  });
  afterAll(() => xdg.cleanup());

  const unknownKeys =
    'future = 1\n[settings]\ntimeout_seconds = 5\nnew_setting = 2\n[registries."r.example"]\ntoken = "t"\n[grants.p]\nenv = ["A"]\nfuture_field = true\n';

  it('unknown keys are warnings; wrong types of known keys are errors', () => {
    const { config, problems } = interpretConfig(parseConfigText(`${unknownKeys}[grants.q]\nenv = "X"\n`, 'c.toml'));
    expect(problems).toEqual([
      { path: 'future', message: 'unknown key (kept, ignored)', severity: 'warning' },
      { path: 'settings.new_setting', message: 'unknown key (kept, ignored)', severity: 'warning' },
      { path: 'registries.r.example.token', message: 'unknown key (kept, ignored)', severity: 'warning' },
      { path: 'grants.p.future_field', message: 'unknown key (kept, ignored)', severity: 'warning' },
      { path: 'grants.q.env', message: 'must be a list of strings', severity: 'error' },
    ]);
    expect(config.settings.timeoutSeconds).toBe(5);
    expect(config.grants.p!.env).toEqual(['A']);
  });

  it('a run with unknown keys works, and a write keeps them', async () => {
    const file = join(xdg.root, 'unknown.toml');
    await writeFile(file, unknownKeys);
    expect((await readConfig(file)).settings.timeoutSeconds).toBe(5);
    await updateConfig(file, (doc) => void ((doc.grants as Record<string, { env: string[] }>).p!.env = ['A', 'B']));
    const text = await readFile(file, 'utf8');
    for (const kept of ['future = 1', 'new_setting = 2', 'token = "t"', 'future_field = true', 'env = [ "A", "B" ]']) expect(text).toContain(kept);

    await writeFile(file, `${unknownKeys}[grants.q]\nenv = "X"\n`);
    await expect(readConfig(file)).rejects.toThrow(`${file}: grants.q.env: must be a list of strings`);
  });

  it('`config validate` reports unknown keys as warnings and succeeds; a wrong type fails', async () => {
    const file = join(xdg.root, 'validate.toml');
    await writeFile(file, unknownKeys);
    const ok = await runWash(['--config', file, 'config', 'validate'], { xdg });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${file}: warning: settings.new_setting: unknown key (kept, ignored)`);
    expect(ok.stdout).toContain(`${file}: valid (4 warnings)`);
    const json = await runWash(['--config', file, '-o', 'json', 'config', 'validate'], { xdg });
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, problems: [{ path: 'future', severity: 'warning' }, {}, {}, {}] });
    // An ordinary command reads the same file without a word about it.
    const show = await runWash(['--config', file, 'plugin', 'permissions'], { xdg });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stderr).not.toMatch(/unknown|new_setting|validate/);

    await writeFile(file, '[settings]\ntimeout_seconds = "soon"\n');
    const bad = await runWash(['--config', file, 'config', 'validate'], { xdg });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`error: 1 problem in ${file}`);
  });

  it('a write through a symlink writes its target; the link stays, the lock sits by the target', async () => {
    const real = join(xdg.root, 'dotfiles', 'wash.toml');
    await mkdir(join(xdg.root, 'dotfiles'), { recursive: true });
    await writeFile(real, '[settings]\ntimeout_seconds = 7\n');
    const link = join(xdg.root, 'linked.toml');
    await symlink(join('dotfiles', 'wash.toml'), link); // relative, as dotfile managers make them
    await updateConfig(link, (doc) => {
      expect(existsSync(`${real}.lock`)).toBe(true);
      expect(existsSync(`${link}.lock`)).toBe(false);
      doc.grants = { p: { env: ['X'] } };
    });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(join('dotfiles', 'wash.toml'));
    const text = await readFile(real, 'utf8');
    expect(text).toContain('timeout_seconds = 7');
    expect(text).toContain('env = [ "X" ]');
    expect(existsSync(`${real}.lock`)).toBe(false);

    // A link whose target does not exist yet: the target is created, the link kept.
    const dangling = join(xdg.root, 'dangling.toml');
    const target = join(xdg.root, 'dotfiles', 'new.toml');
    await symlink(target, dangling);
    const r = await runWash(['--config', dangling, 'plugin', 'grant', 'keys', '--scratch'], { xdg });
    expect(r.code, r.stderr).toBe(0);
    expect((await lstat(dangling)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toContain('scratch = true');
  });
});
