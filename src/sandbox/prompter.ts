/**
 * The access question: one item, one key. The Prompter interface is all the
 * consent session (consent.ts) knows; the terminal prompter asks on the TTY,
 * the scripted prompter answers from a script (tests), and both go through
 * askWithKeys, so a script exercises the very rendering, length limit and key
 * rules the terminal uses.
 *
 * Keys: `y` allow once, `A` allow always, `n` deny, `N` deny always. Anything
 * else denies: Esc, Enter alone, an arrow or Home (their escape sequences),
 * several bytes at once (a paste), a closed stdin, and Ctrl-C. Ctrl-C denies
 * as Deno's prompt does and the run goes on; press it again to stop the plugin.
 * "Always" and "deny always" are offered only when the answer can be
 * recorded (never for `wash plugin test`); there, `A` and `N` deny.
 *
 * Everything shown that a plugin chose (name, version, source, paths,
 * variable names, hosts, command lines, reasons) is escaped; a question
 * longer than MAX_REQUEST_TEXT is denied without being shown; keys typed
 * before the question appeared are discarded.
 */
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold, yellow } from '../util/style.js';
import { shortDigest } from '../util/text.js';
import { asQuestion } from '../util/terminal.js';
import type { Answer } from './consent-policy.js';

/** A question longer than this is denied without being shown. */
export const MAX_REQUEST_TEXT = 10 * 1024;

export interface PromptSubject {
  name: string;
  version: string;
  digest: string;
  /** Where the component came from (untrusted where it names a URL or reference). */
  source: string;
}

export interface ConsentRequest {
  subject: PromptSubject;
  /** The exact resolved thing, in words: `its scratch directory /home/me/...`, `outgoing HTTP to https://login.example.com`. */
  what: string;
  /** The same, short, for the answer line: `scratch dir`, `https://login.example.com`. */
  label: string;
  /** The plugin's reason, as declared. */
  reason: string;
  /** Whether "always" and "deny always" can be recorded. */
  remembers: boolean;
  /**
   * `access` (default): may the plugin use this? `keep-grants`: the component
   * behind the plugin changed; do the grants recorded for the earlier one apply?
   * (`details` then holds the was/now lines.)
   */
  kind?: 'access' | 'keep-grants';
  details?: string[];
}

export interface Prompter {
  ask(request: ConsentRequest): Promise<Answer>;
  /** Withdraw a question still on screen (the run was stopped): it is denied. */
  cancel?(): void;
}

const LEGEND: Record<'access' | 'keep-grants', Record<'always' | 'once', string>> = {
  access: {
    always: 'Allow? [y] once  [A] always  [n] deny  [N] deny always  (any other key denies) ',
    once: 'Allow? [y] once  [n] deny  (any other key denies) ',
  },
  'keep-grants': {
    always: 'Keep them? [y] this run  [A] always  [n] not now  [N] drop them  (any other key: not now) ',
    once: 'Keep them? [y] this run  [n] not now  (any other key: not now) ',
  },
};

/** The question as lines; the last (the legend) is written without a newline, the cursor waits after it. */
export function renderQuestion(request: ConsentRequest): string[] {
  const s = request.subject;
  const kind = request.kind ?? 'access';
  const who = `plugin ${bold(esc(s.name), process.stderr)} ${esc(s.version)} (${shortDigest(s.digest)}, ${esc(s.source)})`;
  const head =
    kind === 'access' ? `${yellow('wash:', process.stderr)} ${who} asks for` : `${yellow('wash:', process.stderr)} ${who} changed since you granted it access`;
  const body = kind === 'access' ? [`  ${esc(request.what)}`, ...(request.reason ? [`  reason: ${esc(request.reason)}`] : [])] : [];
  return [head, ...body, ...(request.details ?? []).map((d) => `  ${esc(d)}`), LEGEND[kind][request.remembers ? 'always' : 'once']];
}

/** Whether the question is too long to show safely (then it is denied unshown). */
export function questionTooLong(request: ConsentRequest): boolean {
  return renderQuestion(request).join('\n').length > MAX_REQUEST_TEXT;
}

/** The answer a key press gives: exactly one of y A n N, else deny. `A`/`N` only where answers are recorded. */
export function answerForKey(key: Uint8Array | null, remembers: boolean): Answer {
  if (!key || key.length !== 1) return 'deny';
  switch (key[0]) {
    case 0x79: // y
      return 'once';
    case 0x41: // A
      return remembers ? 'always' : 'deny';
    case 0x4e: // N
      return remembers ? 'deny-always' : 'deny';
    default: // n, Esc, Enter, Ctrl-C, Ctrl-D, anything
      return 'deny';
  }
}

const ANSWER_WORDS: Record<'access' | 'keep-grants', Record<Answer, string>> = {
  access: { once: 'granted once', always: 'granted always', deny: 'denied', 'deny-always': 'denied always' },
  'keep-grants': {
    once: 'kept the earlier grants for this run',
    always: 'kept the earlier grants',
    deny: 'not applying the earlier grants',
    'deny-always': 'dropped the earlier grants',
  },
};

/** The one line that replaces the question once answered: `wash: keys: granted always: scratch dir`. */
export function answerLine(request: ConsentRequest, answer: Answer): string {
  const kind = request.kind ?? 'access';
  const label = esc(request.label);
  const shown = label.length > 120 ? `${label.slice(0, 117)}...` : label;
  return `wash: ${esc(request.subject.name)}: ${ANSWER_WORDS[kind][answer]}${kind === 'access' ? `: ${shown}` : ''}`;
}

/** What askWithKeys needs of a terminal (or a script). */
export interface KeyIO {
  write(text: string): void;
  /** Throw away input that arrived before the question (typed ahead, or injected). */
  discardPending(): Promise<void>;
  /** The bytes of the next key press, or null when input is closed. */
  readKey(): Promise<Uint8Array | null>;
  /** The terminal's width, to replace the question with its answer line; undefined leaves the question standing. */
  columns?: number;
}

/** How many terminal rows `lines` take at `columns` (never more than they do: we erase only our own). */
function rowsOf(lines: readonly string[], columns: number): number {
  // eslint-disable-next-line no-control-regex
  const width = (line: string) => [...line.replace(/\u001b\[[0-9;]*m/g, '')].length;
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(width(line) / columns)), 0);
}

/** Ask one question through `io`; see the module comment for the rules. */
async function askWithKeys(io: KeyIO, request: ConsentRequest): Promise<Answer> {
  const lines = renderQuestion(request);
  if (lines.join('\n').length > MAX_REQUEST_TEXT) return 'deny';
  await io.discardPending();
  io.write(lines.join('\n'));
  const answer = answerForKey(await io.readKey(), request.remembers);
  if (io.columns && io.columns > 0) {
    const up = rowsOf(lines, io.columns) - 1;
    io.write(`\r${up > 0 ? `\u001b[${up}A` : ''}\u001b[J`);
  } else io.write('\n');
  io.write(`${answerLine(request, answer)}\n`);
  return answer;
}

/**
 * Asks on the terminal (stdin and stderr, both TTYs) in raw mode, one key,
 * as a wash question: on a fresh line, attributes reset, plugin output held
 * until it is answered.
 */
export class TerminalPrompter implements Prompter {
  private current?: TtyKeys;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stderr,
  ) {}

  ask(request: ConsentRequest): Promise<Answer> {
    return asQuestion(async (prefix) => {
      this.output.write(prefix);
      const io = new TtyKeys(this.input, this.output);
      this.current = io;
      try {
        return await askWithKeys(io, request);
      } finally {
        this.current = undefined;
        io.close();
      }
    });
  }

  /** Withdraw the question on screen (the run was stopped): it is denied, the terminal restored. */
  cancel(): void {
    this.current?.cancel();
  }
}

/** Raw-mode key reading on a TTY; every read is one key press (or one paste, which denies). */
class TtyKeys implements KeyIO {
  private pending: Uint8Array[] = [];
  private waiting?: (key: Uint8Array | null) => void;
  private ended: boolean;
  private readonly onData = (chunk: Buffer) => {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(chunk);
    } else this.pending.push(chunk);
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.waiting?.(null);
    this.waiting = undefined;
  };

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    this.ended = input.readableEnded || input.destroyed;
    if (this.ended) return;
    if (input.isTTY) input.setRawMode(true);
    input.on('data', this.onData);
    input.once('end', this.onEnd);
    input.once('close', this.onEnd);
    input.resume();
  }

  get columns(): number | undefined {
    return this.output.isTTY ? this.output.columns : undefined;
  }

  write(text: string): void {
    this.output.write(text);
  }

  /** Drop what is waiting until the input has been quiet for a moment (bounded). */
  async discardPending(quietMs = 30, maxMs = 500): Promise<void> {
    if (this.ended) return;
    const end = Date.now() + maxMs;
    let seen = -1;
    while (Date.now() < end) {
      const count = this.pending.length;
      if (count === seen) break;
      seen = count;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    this.pending = [];
  }

  readKey(): Promise<Uint8Array | null> {
    const next = this.pending.shift();
    if (next) return Promise.resolve(next);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Answer the pending read with "input closed" (deny). */
  cancel(): void {
    this.onEnd();
  }

  close(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    if (this.ended) return;
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
  }
}

/**
 * Answers from a script, for tests: each question takes the next entry's
 * bytes as its key press (null: stdin closed); `typedAhead` is what was
 * typed before the first question, which must be discarded. What would
 * have been shown is kept in `shown`, the questions in `asked`.
 */
export class ScriptedPrompter implements Prompter {
  readonly shown: string[] = [];
  readonly asked: ConsentRequest[] = [];
  discarded: string[] = [];

  constructor(
    private readonly keys: (string | Uint8Array | null)[],
    private readonly options: { typedAhead?: string[]; columns?: number } = {},
  ) {}

  get output(): string {
    return this.shown.join('');
  }

  ask(request: ConsentRequest): Promise<Answer> {
    this.asked.push(request);
    const io: KeyIO = {
      write: (text) => void this.shown.push(text),
      discardPending: async () => {
        this.discarded.push(...(this.options.typedAhead ?? []));
        this.options.typedAhead = [];
      },
      readKey: async () => {
        if (this.keys.length === 0) throw new Error('ScriptedPrompter: the script has no answer left for this question');
        const key = this.keys.shift();
        return key === null || key === undefined ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
      },
      columns: this.options.columns,
    };
    return askWithKeys(io, request);
  }
}
