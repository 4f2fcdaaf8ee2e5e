// What wash prints of a plugin's text besides the escape table itself
// (test/terminal-escape.test.ts covers that): JSON for stdout, emitted
// values rendered for a person, hook output labelled line by line, a
// plugin's yes/no question, the terminal state shared with workers, and
// the small text helpers messages are built with.
import { describe, expect, it } from 'vitest';
import { escapeUntrusted, hasInvisible, stringifyJson } from '../../src/util/untrusted.js';
import { escapeTerminalBytes, LinePrefixer, TerminalEscaper } from '../../src/util/terminal-escape.js';
import { finalJsonDocument, renderJsonAsText, tableToJson } from '../../src/output/render.js';
import { renderTable } from '../../src/util/table.js';
import { closest, editDistance, humanBytes, listCapped, shortDigest } from '../../src/util/text.js';
import { isYes, MAX_QUESTION, renderPluginQuestion } from '../../src/sandbox/plugin-question.js';
import { asQuestionSync, noteTerminalWrite, openLine, TERMINAL_RESET, terminalStateBuffer, useTerminalState } from '../../src/util/terminal.js';
import { ExitCode, messageOf, UsageError, WashError } from '../../src/util/errors.js';
import { progressLine } from '../../src/output/progress.js';

// Styling only on a terminal; these compare plain text.
process.env.NO_COLOR = '1';

/** Nothing in `text` that a terminal would act on or hide. */
const inert = (text: string) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/.test(text);

describe('JSON on stdout', () => {
  const hostile = { 'k\u001b[2J': ['\u009b6n', '\u202eevil', 'zero\u200bwidth', 'ok ünï 🦀', '\u{e0041}tag', 'nul\u0000', 'lone \ud800'] };

  it('is the same value as JSON.stringify, with every invisible or control character written as an escape', () => {
    const text = stringifyJson(hostile);
    expect(JSON.parse(text)).toEqual(hostile);
    expect(inert(text.replace(/\n/g, ''))).toBe(true);
    expect(text).toContain('\\u009b6n');
    expect(text).toContain('\\u202eevil');
    expect(text).toContain('\\udb40\\udc41tag'); // beyond the BMP: a surrogate pair of escapes
    expect(text).toContain('ok ünï 🦀'); // what is visible stays readable
  });

  it("undefined is null; indentation is the caller's", () => {
    expect(stringifyJson(undefined)).toBe('null');
    expect(stringifyJson({ a: 1 }, 0)).toBe('{"a":1}');
  });

  it('one emitted value is the document; several are an array; none is nothing', () => {
    expect(finalJsonDocument([])).toBeUndefined();
    expect(finalJsonDocument([{ a: 1 }])).toBe('{\n  "a": 1\n}');
    expect(JSON.parse(finalJsonDocument([1, '\u202e'])!)).toEqual([1, '\u202e']);
    expect(finalJsonDocument([1, '\u202e'])).not.toContain('\u202e');
  });
});

describe('emitted values rendered for a person', () => {
  it('an object of scalars: aligned key/value lines, every string escaped', () => {
    expect(renderJsonAsText({ name: 'keys', 'a\u001b[31mb': 'x\ny', n: 1, b: false, z: null })).toBe(
      // Keys are padded to the widest as shown (escaped: 12 characters).
      [`${'name'.padEnd(12)}  keys`, 'a\\u{1b}[31mb  x\\ny', `${'n'.padEnd(12)}  1`, `${'b'.padEnd(12)}  false`, `${'z'.padEnd(12)}  `].join('\n'),
    );
  });

  it('an array of flat objects: a table over the union of their keys', () => {
    expect(
      renderJsonAsText([
        { a: 1, b: 'x' },
        { b: '\u202e', c: true },
      ]),
    ).toBe(['a  b         c', '1  x', '   \\u{202e}  true'].join('\n'));
  });

  it('anything else: indented JSON, escaped, newlines of its layout kept', () => {
    const text = renderJsonAsText({ nested: { x: ['\u0007'] } });
    expect(text.split('\n')).toHaveLength(7);
    expect(text).not.toContain('\u0007');
    expect(renderJsonAsText([])).toBe('[]');
    expect(renderJsonAsText('\u001b]0;t\u0007')).toBe('"\\u001b]0;t\\u0007"');
  });

  it('tables: columns padded to the widest cell, the last not padded; JSON keyed by header', () => {
    expect(
      renderTable(
        ['NAME', 'V'],
        [
          ['a', '1.0'],
          ['long-name', ''],
        ],
      ),
    ).toBe('NAME       V\na          1.0\nlong-name');
    expect(renderTable(['A'], [])).toBe('A');
    expect(tableToJson(['a', 'b'], [['1'], ['2', '3', 'extra']])).toEqual([
      { a: '1', b: '' },
      { a: '2', b: '3' },
    ]);
  });
});

describe('hook output, labelled', () => {
  it('every line starts with the prefix, however the bytes are split; a partial line is labelled once', () => {
    const whole = escapeTerminalBytes(Buffer.from('one\ntwo\r\n\u001b[2Jthree'));
    const expected = 'hook: one\nhook: two\r\nhook: \\u{1b}[2Jthree';
    expect(Buffer.from(new LinePrefixer('hook: ').write(whole)).toString()).toBe(expected);
    for (let cut = 0; cut <= whole.length; cut++) {
      const p = new LinePrefixer('hook: ');
      const out = Buffer.concat([p.write(whole.subarray(0, cut)), p.write(whole.subarray(cut))]).toString();
      expect(out, `cut at ${cut}`).toBe(expected);
    }
    expect(new LinePrefixer('x: ').write(new Uint8Array(0))).toHaveLength(0);
  });

  it('a line made only of a CR cannot rewrite the label: the escaper shows it', () => {
    const e = new TerminalEscaper();
    const p = new LinePrefixer('hook: ');
    const out = Buffer.concat([p.write(e.write(Buffer.from('fake\rwash: done\n'))), p.write(e.end())]).toString();
    expect(out).toBe('hook: fake\\u{d}wash: done\n');
  });
});

describe("a plugin's yes/no question", () => {
  it('one line, escaped, naming the plugin, ending in the key legend', () => {
    const q = renderPluginQuestion('p\u001b[2J', 'delete?\nwash: allow everything? [y/N]\r');
    expect(q).toBe('wash: plugin p\\u{1b}[2J asks: delete?\\nwash: allow everything? [y/N]\\u{d} [y/N] ');
    expect(q).not.toContain('\n');
  });

  it(`a question past ${MAX_QUESTION} characters is cut, counting characters, not UTF-16 units`, () => {
    const long = '🦀'.repeat(MAX_QUESTION + 5);
    const q = renderPluginQuestion('p', long);
    expect(q).toBe(`wash: plugin p asks: ${'🦀'.repeat(MAX_QUESTION)} ... (${MAX_QUESTION + 5} characters) [y/N] `);
    expect(renderPluginQuestion('p', 'x'.repeat(MAX_QUESTION))).not.toContain('characters)');
  });

  it('only exactly y or Y is yes: Enter, a paste starting with y, Esc, closed input are no', () => {
    expect(isYes(Buffer.from('y'))).toBe(true);
    expect(isYes(Buffer.from('Y'))).toBe(true);
    for (const key of ['n', '\r', 'yes', 'yy', '\u001b', ' y', '\u0003']) expect(isYes(Buffer.from(key)), JSON.stringify(key)).toBe(false);
    expect(isYes(null)).toBe(false);
    expect(isYes(new Uint8Array(0))).toBe(false);
  });
});

describe('the terminal state shared with workers', () => {
  it('remembers the fd left mid-line; a question starts after a reset and on a fresh line, and clears it', () => {
    useTerminalState(new SharedArrayBuffer(8));
    expect(openLine()).toBe(0);
    noteTerminalWrite(1, Buffer.from('no newline'));
    expect(openLine()).toBe(1);
    noteTerminalWrite(2, new Uint8Array(0)); // nothing written changes nothing
    expect(openLine()).toBe(1);
    expect(asQuestionSync((prefix) => prefix)).toBe(`${TERMINAL_RESET}\n`);
    expect(openLine()).toBe(0);
    expect(asQuestionSync((prefix) => prefix)).toBe(TERMINAL_RESET);
    noteTerminalWrite(2, Buffer.from('line\n'));
    expect(openLine()).toBe(0);
  });

  it('a worker handed the buffer sees and changes the same state', () => {
    const buffer = new SharedArrayBuffer(8);
    useTerminalState(buffer);
    expect(terminalStateBuffer()).toBe(buffer);
    noteTerminalWrite(2, Buffer.from('x'));
    expect(new Int32Array(buffer)[1]).toBe(2);
  });

  it('a question that throws still ends (output is not held forever)', () => {
    const buffer = new SharedArrayBuffer(8);
    useTerminalState(buffer);
    expect(() =>
      asQuestionSync(() => {
        expect(new Int32Array(buffer)[0]).toBe(1);
        throw new Error('prompt broke');
      }),
    ).toThrow('prompt broke');
    expect(new Int32Array(buffer)[0]).toBe(0);
  });
});

describe('text helpers', () => {
  it('did-you-mean: the closest candidate within a small distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closest('kyes', ['keys', 'drain', 'oauth'])).toBe('keys');
    expect(closest('plugn', ['plugin', 'help'])).toBe('plugin');
    expect(closest('zzzzzz', ['keys', 'drain'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });

  it('bytes, digests and capped lists', () => {
    expect([humanBytes(0), humanBytes(1023), humanBytes(1024), humanBytes(1536 * 1024), humanBytes(2 ** 50)]).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 MiB',
      '1024.0 TiB',
    ]);
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
    expect(shortDigest('abc')).toBe('abc');
    expect(listCapped(['a', 'b'])).toBe('a, b');
    expect(listCapped(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
    expect(listCapped([])).toBe('');
  });

  it('hasInvisible agrees with escapeUntrusted, called again and again (no regex state left behind)', () => {
    for (const text of ['plain', 'a\u200bb', '\u001b', 'tab\there', 'new\nline', '🦀', '\ud800']) {
      const first = hasInvisible(text);
      expect(hasInvisible(text), text).toBe(first);
      expect(first, JSON.stringify(text)).toBe(escapeUntrusted(text, { allowNewlines: true }) !== text);
    }
  });

  it('errors: a message from anything thrown; usage errors exit 2', () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf('text')).toBe('text');
    expect(messageOf({ tag: 'x' })).toBe('{"tag":"x"}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(messageOf(cycle)).toBe('[object Object]');
    expect(messageOf(10n)).toBe('10');
    expect(new UsageError('u', 'hint')).toMatchObject({ exitCode: ExitCode.usage, hint: 'hint', name: 'UsageError' });
    expect(new WashError('w')).toMatchObject({ exitCode: ExitCode.failure, hint: undefined });
  });
});

describe('the progress line', () => {
  /** A terminal stream stand-in that keeps what is written. */
  const tty = (columns = 60) => {
    const written: string[] = [];
    return { written, stream: { isTTY: true, columns, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
  };

  it('draws only on a terminal and when enabled; never wider than the terminal', () => {
    const off = tty();
    progressLine('download', 100, { enabled: false, stream: off.stream }).update(50);
    expect(off.written).toEqual([]);
    const narrow = tty(30);
    progressLine('a-long-label-for-a-narrow-terminal', 2048, { enabled: true, stream: narrow.stream, intervalMs: 0 }).update(1024);
    expect(narrow.written[0]!.replace(/\r|\u001b\[K/g, '')).toHaveLength(29);
    const on = tty(60);
    const p = progressLine('download', 2048, { enabled: true, stream: on.stream, intervalMs: 0 });
    p.update(1024);
    p.update(4096); // more than announced: capped at 100%
    p.finish();
    p.finish(); // once drawn, cleared once
    expect(on.written[0]).toMatch(/^\rdownload \[=+ +\] {2}50% 1\.0 KiB \/ 2\.0 KiB\u001b\[K$/);
    expect(on.written[1]).toContain('100%');
    expect(on.written.slice(2)).toEqual(['\r\u001b[K']);
  });
});
