// The access question, driven by a script: every answer key, the keys that
// must deny (Esc, arrows, Home, Enter, Ctrl-C, a paste, a closed stdin), typed-ahead
// input, escaping, the answer line and the 10 KiB limit. The same askWithKeys
// runs on the terminal (tmux tests in test/hostile/consent.test.ts).
import { describe, expect, it } from 'vitest';
import {
  answerForKey,
  answerLine,
  MAX_REQUEST_TEXT,
  questionTooLong,
  renderQuestion,
  ScriptedPrompter,
  type ConsentRequest,
} from '../../src/sandbox/prompter.js';

const request = (over: Partial<ConsentRequest> = {}): ConsentRequest => ({
  subject: { name: 'keys', version: '0.1.0', digest: `sha256:${'ab12'.repeat(16)}`, source: 'bundled with wash' },
  what: 'its scratch directory /home/me/.local/share/wash/plugins/fs/core.keys',
  label: 'scratch dir',
  reason: 'store named keys',
  remembers: true,
  ...over,
});

const answer = async (key: string | Uint8Array | null, over: Partial<ConsentRequest> = {}) => {
  const prompter = new ScriptedPrompter([key]);
  return { answer: await prompter.ask(request(over)), prompter };
};

describe('prompter: one key answers', () => {
  it('y allows once, A always, n denies, N denies always', async () => {
    expect((await answer('y')).answer).toBe('once');
    expect((await answer('A')).answer).toBe('always');
    expect((await answer('n')).answer).toBe('deny');
    expect((await answer('N')).answer).toBe('deny-always');
  });

  it('every other key denies: Esc, arrows, Home, End, Enter, Ctrl-C, Ctrl-D, space, Y, a', async () => {
    const keys = [
      '\u001b',
      '\u001b[A',
      '\u001b[B',
      '\u001b[C',
      '\u001b[D',
      '\u001b[H',
      '\u001bOH',
      '\u001b[1~',
      '\u001b[F',
      '\r',
      '\n',
      '\u0003',
      '\u0004',
      ' ',
      'Y',
      'a',
      'Ä',
    ];
    for (const key of keys) expect((await answer(key)).answer, JSON.stringify(key)).toBe('deny');
  });

  it('a paste or keys arriving together deny, even when they start with an allowing key', async () => {
    for (const key of ['yy', 'y\r', 'A\n', 'yes', 'Ay']) expect((await answer(key)).answer, JSON.stringify(key)).toBe('deny');
  });

  it('a closed stdin denies', async () => {
    const { answer: got, prompter } = await answer(null);
    expect(got).toBe('deny');
    expect(prompter.output).toContain('wash: keys: denied: scratch dir');
  });

  it('without a way to record (wash plugin test), "always" and "deny always" are not offered and A, N deny', async () => {
    const shown = await answer('A', { remembers: false });
    expect(shown.answer).toBe('deny');
    expect(shown.prompter.output).toContain('Allow? [y] once  [n] deny');
    expect(shown.prompter.output).not.toContain('[A]');
    expect((await answer('N', { remembers: false })).answer).toBe('deny');
    expect((await answer('y', { remembers: false })).answer).toBe('once');
    expect(answerForKey(Buffer.from('N'), false)).toBe('deny');
  });

  it('keys typed before the question are discarded, never taken as the answer', async () => {
    const prompter = new ScriptedPrompter(['n'], { typedAhead: ['y', 'A'] });
    expect(await prompter.ask(request())).toBe('deny');
    expect(prompter.discarded).toEqual(['y', 'A']);
  });
});

describe('prompter: what is shown', () => {
  it('one item: plugin name, version, short digest, source, the exact thing and the reason; then the answer as one line', async () => {
    const { prompter } = await answer('A');
    const out = prompter.output;
    expect(out).toContain('wash: plugin keys 0.1.0 (ab12ab12ab12, bundled with wash) asks for\n');
    expect(out).toContain('  its scratch directory /home/me/.local/share/wash/plugins/fs/core.keys\n');
    expect(out).toContain('  reason: store named keys\n');
    expect(out).toContain('Allow? [y] once  [A] always  [n] deny  [N] deny always  (any other key denies) ');
    expect(out.trimEnd().split('\n').at(-1)).toBe('wash: keys: granted always: scratch dir');
  });

  it('the answer line says what was decided', () => {
    expect(answerLine(request(), 'once')).toBe('wash: keys: granted once: scratch dir');
    expect(answerLine(request(), 'deny')).toBe('wash: keys: denied: scratch dir');
    expect(answerLine(request(), 'deny-always')).toBe('wash: keys: denied always: scratch dir');
    expect(answerLine(request({ label: 'x'.repeat(500) }), 'once').length).toBeLessThan(160);
  });

  it('on a terminal the question is replaced by its answer line (rows counted with wrapping)', async () => {
    const prompter = new ScriptedPrompter(['y'], { columns: 40 });
    await prompter.ask(request());
    const lines = renderQuestion(request());
    const width = (l: string) => l.replace(/\u001b\[[0-9;]*m/g, '').length;
    const rows = lines.reduce((n, l) => n + Math.max(1, Math.ceil(width(l) / 40)), 0);
    expect(rows).toBeGreaterThan(lines.length); // the 70-column line wraps
    expect(prompter.shown).toContain(`\r\u001b[${rows - 1}A\u001b[J`);
    expect(prompter.shown.at(-1)).toBe('wash: keys: granted once: scratch dir\n');
  });

  it('everything the plugin chose is escaped: name, version, source, the thing, the reason, the label', async () => {
    const evil = '\u001b]0;pwned\u0007\u202eevil\u200b\r\n';
    const prompter = new ScriptedPrompter(['n']);
    await prompter.ask(
      request({ subject: { name: `k${evil}`, version: evil, digest: 'sha256:00', source: evil }, what: `read /x${evil}`, reason: evil, label: evil }),
    );
    const out = prompter.output;
    expect(out).not.toMatch(/[\u0007\u202e\u200b]|\u001b\]/);
    expect(out).not.toContain('\r\n');
    expect(out).toContain('\\u{1b}]0;pwned\\u{7}\\u{202e}evil\\u{200b}\\u{d}\\n');
    expect(out.split('\n').filter((l) => l.includes('pwned')).length).toBe(4); // head, thing, reason, answer: no line split by the plugin's newline
  });

  it('a request over 10 KiB is denied without being shown (and no key is read)', async () => {
    const long = request({ reason: 'x'.repeat(MAX_REQUEST_TEXT) });
    expect(questionTooLong(long)).toBe(true);
    const prompter = new ScriptedPrompter(['y']);
    expect(await prompter.ask(long)).toBe('deny');
    expect(prompter.shown).toEqual([]);
    expect(questionTooLong(request())).toBe(false);
  });

  it('the changed-component question shows both sides and keeps its own words', async () => {
    const prompter = new ScriptedPrompter(['A']);
    const keep = request({ kind: 'keep-grants', details: ['was: 111111111111 from /a.wasm', 'now: 222222222222 from /b.wasm', 'recorded grants: env TOKEN'] });
    expect(await prompter.ask(keep)).toBe('always');
    expect(prompter.output).toContain('plugin keys 0.1.0 (ab12ab12ab12, bundled with wash) changed since you granted it access');
    expect(prompter.output).toContain('  was: 111111111111 from /a.wasm\n  now: 222222222222 from /b.wasm\n');
    expect(prompter.output).toContain('Keep them? [y] this run  [A] always  [n] not now  [N] drop them');
    expect(prompter.output).toContain('wash: keys: kept the earlier grants');
  });
});
