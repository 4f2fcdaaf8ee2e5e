/**
 * A plugin's yes/no question (`host.confirm`), asked by wash on the
 * terminal as one of its own questions: on a fresh line with the terminal's
 * attributes reset and plugin output held meanwhile (asQuestion), on
 * stderr, naming the plugin, its text escaped and kept to one line so it
 * cannot pass for wash's own lines, and answered with one key: `y` is yes,
 * anything else (Enter, Esc, Ctrl-C, a paste, closed input) is no. Keys typed
 * before the question appeared are discarded, so they cannot answer it.
 */
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold, yellow } from '../util/style.js';
import { asQuestion } from '../util/terminal.js';

/** A longer question is cut short (what is asked must fit on a screen). */
export const MAX_QUESTION = 400;

/** The question as shown: one line, escaped, ending in the key legend. */
export function renderPluginQuestion(pluginName: string, question: string): string {
  const points = [...question];
  const cut = points.length > MAX_QUESTION ? `${points.slice(0, MAX_QUESTION).join('')}` : question;
  // escapeUntrusted leaves newlines and tabs (layout): here they would start a line the plugin wrote under wash's name.
  const text = esc(cut).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  const more = cut === question ? '' : ` ... (${points.length} characters)`;
  return `${yellow('wash:', process.stderr)} plugin ${bold(esc(pluginName), process.stderr)} asks: ${text}${more} [y/N] `;
}

/** The answer a key press gives: exactly `y` or `Y` is yes. */
export function isYes(key: Uint8Array | null): boolean {
  return key !== null && key.length === 1 && (key[0] === 0x79 || key[0] === 0x59);
}

/** Wait until stdin has been quiet for `quietMs` (at most `maxMs`), dropping what arrives; then read one key press. */
function readKey(quietMs = 30, maxMs = 500): Promise<Uint8Array | null> {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  return new Promise<Uint8Array | null>((resolve) => {
    let flushing = true;
    let quiet: NodeJS.Timeout;
    const stopFlushing = () => {
      clearTimeout(quiet);
      clearTimeout(limit);
      flushing = false;
    };
    const limit = setTimeout(stopFlushing, maxMs);
    quiet = setTimeout(stopFlushing, quietMs);
    const done = (key: Uint8Array | null) => {
      stopFlushing();
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.setRawMode(false);
      stdin.pause();
      resolve(key);
    };
    const onData = (chunk: Buffer) => {
      if (!flushing) return done(new Uint8Array(chunk));
      clearTimeout(quiet);
      quiet = setTimeout(stopFlushing, quietMs);
    };
    const onEnd = () => done(null);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}

/** Ask; the caller has checked that wash may (a terminal on stdin and stderr, no --no-prompt, not a hook). */
export function askPluginQuestion(pluginName: string, question: string): Promise<boolean> {
  return asQuestion(async (prefix) => {
    process.stderr.write(`${prefix}${renderPluginQuestion(pluginName, question)}`);
    const yes = isYes(await readKey());
    process.stderr.write(yes ? 'yes\n' : 'no\n');
    return yes;
  });
}
