/**
 * A plugin's yes/no question (`host.confirm`), asked by wash on the
 * terminal as one of its own questions: on a fresh line with the terminal's
 * attributes reset and plugin output held meanwhile (asQuestion), on
 * stderr, naming the plugin, its text escaped and kept to one line so it
 * cannot pass for wash's own lines, and answered with one key: `y` is yes,
 * anything else (Enter, Esc, Ctrl-C, a paste, closed input) is no. Keys typed
 * before the question appeared are discarded, so they cannot answer it.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold, yellow } from '../util/style.js';
import { asQuestion } from '../util/terminal.js';

/** A longer question is cut short (what is asked must fit on a screen). */
export const MAX_QUESTION = 400;

/** The question as shown: one line, escaped, ending in the key legend. */
export function renderPluginQuestion(pluginName: string, question: string): string {
  const points = [...question];
  const cut = points.length > MAX_QUESTION ? `${points.slice(0, MAX_QUESTION).join('')}` : question;
  // Escaped, newlines and tabs included: a line break would start a line the plugin wrote under wash's name.
  const text = esc(cut);
  const more = cut === question ? '' : ` ... (${points.length} characters)`;
  return `${yellow('wash:', process.stderr)} plugin ${bold(esc(pluginName), process.stderr)} asks: ${text}${more} [y/N] `;
}

/** The answer a key press gives: exactly `y` or `Y` is yes. */
export function isYes(key: Uint8Array | null): boolean {
  return key !== null && key.length === 1 && (key[0] === 0x79 || key[0] === 0x59);
}

/** Read away, now, whatever is waiting on the terminal (in raw mode: every byte), so no timer can run before it is dropped. */
function dropWaitingInput(): void {
  let fd: number;
  try {
    fd = openSync('/dev/tty', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    const buffer = Buffer.alloc(4096);
    for (let i = 0; i < 256 && readSync(fd, buffer, 0, buffer.length, null) > 0; i++);
  } catch {
    // EAGAIN: nothing (more) waiting
  } finally {
    closeSync(fd);
  }
}

/**
 * Drop what is waiting on stdin (typed ahead, or injected) until it has been
 * quiet for `quietMs` (at most `maxMs`), then show the question, then take
 * one key press (null when input ends). The question appears only once wash
 * is ready for its answer.
 */
function askForKey(show: () => void, quietMs = 30, maxMs = 500): Promise<Uint8Array | null> {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  dropWaitingInput(); // typed before the question: gone before any timer below can fire
  return new Promise<Uint8Array | null>((resolve) => {
    let asking = false;
    let quiet: NodeJS.Timeout;
    const ask = () => {
      clearTimeout(quiet);
      clearTimeout(limit);
      if (asking) return;
      asking = true;
      show();
    };
    const limit = setTimeout(ask, maxMs);
    quiet = setTimeout(ask, quietMs);
    const done = (key: Uint8Array | null) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.setRawMode(false);
      stdin.pause();
      resolve(key);
    };
    const onData = (chunk: Buffer) => {
      if (asking) return done(new Uint8Array(chunk));
      clearTimeout(quiet);
      quiet = setTimeout(ask, quietMs);
    };
    const onEnd = () => {
      ask();
      done(null);
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}

/** Ask; the caller has checked that wash may (a terminal on stdin and stderr, no --no-prompt, not a hook). */
export function askPluginQuestion(pluginName: string, question: string): Promise<boolean> {
  return asQuestion(async (prefix) => {
    const yes = isYes(await askForKey(() => process.stderr.write(`${prefix}${renderPluginQuestion(pluginName, question)}`)));
    process.stderr.write(yes ? 'yes\n' : 'no\n');
    return yes;
  });
}
