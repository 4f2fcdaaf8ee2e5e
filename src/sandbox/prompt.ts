/**
 * The interactive access prompt. Everything shown comes from the plugin and
 * is untrusted: control, bidi and zero-width characters are shown as escapes,
 * an absurdly long request is refused without asking, and keys typed before
 * the prompt appeared are discarded so they cannot answer it.
 */
import { describeItem, type AccessItem } from './access-items.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold, yellow } from '../util/style.js';
import { shortDigest } from '../util/text.js';
import { ExitCode, WashError } from '../util/errors.js';
import { asQuestion } from '../util/terminal.js';

export type PromptAnswer = 'once' | 'always' | 'deny';

export const MAX_REQUEST_TEXT = 10 * 1024;
/** One item longer than this is refused without being shown. */
export const MAX_ITEM_TEXT = 1024;

export function itemText(item: AccessItem): string {
  return `${describeItem(item)}: ${item.reason}`;
}

export interface PromptSubject {
  name: string;
  id: string;
  version: string;
  digest: string;
  /** Where the component came from (untrusted where it names a URL or reference). */
  source: string;
}

export class PromptCancelled extends WashError {
  constructor(message: string) {
    super(message, ExitCode.interrupted);
  }
}

/** The text of the request, as the user will see it. */
export function renderRequest(subject: PromptSubject, items: readonly AccessItem[]): string {
  const lines = [
    `${yellow('wash:', process.stderr)} plugin ${bold(esc(subject.name), process.stderr)} ${esc(subject.version)} (${shortDigest(subject.digest)}, from ${esc(subject.source)}) requests:`,
    ...items.map((item) => `  - ${esc(describeItem(item))}${item.reason ? `: ${esc(item.reason)}` : ''}`),
  ];
  return lines.join('\n');
}

export function requestTooLong(subject: PromptSubject, items: readonly AccessItem[]): boolean {
  return renderRequest(subject, items).length > MAX_REQUEST_TEXT;
}

/** Discard input that arrived before the prompt (typed ahead or injected), until stdin is quiet. */
async function flushStdin(quietMs = 30, maxMs = 500): Promise<void> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return;
  stdin.setRawMode(true);
  await new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(limit);
      stdin.off('data', onData);
      stdin.pause();
      resolve();
    };
    const onData = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    };
    const limit = setTimeout(done, maxMs);
    quiet = setTimeout(done, quietMs);
    stdin.on('data', onData);
    stdin.resume();
  });
  stdin.setRawMode(false);
}

/**
 * Ask about `items`, as a wash question: on a fresh line, attributes reset,
 * plugin output held meanwhile. Without `configFile` the answer cannot be
 * remembered (`wash plugin test`), so "always" is not offered.
 */
export function askForAccess(subject: PromptSubject, items: readonly AccessItem[], configFile: string | undefined): Promise<PromptAnswer> {
  return asQuestion((prefix) => ask(prefix, subject, items, configFile));
}

async function ask(prefix: string, subject: PromptSubject, items: readonly AccessItem[], configFile: string | undefined): Promise<PromptAnswer> {
  process.stderr.write(`${prefix}${renderRequest(subject, items)}\n`);
  await flushStdin();
  const { select } = await import('@inquirer/prompts');
  try {
    return await select<PromptAnswer>(
      {
        message: 'Allow?',
        choices: [
          { name: 'Allow once (this run only)', value: 'once' },
          ...(configFile ? [{ name: `Allow always (saved in ${configFile})`, value: 'always' as const }] : []),
          { name: 'Deny', value: 'deny' },
        ],
        default: 'deny',
      },
      { output: process.stderr },
    );
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new PromptCancelled('cancelled at the access prompt');
    throw err;
  }
}

/**
 * The component behind a plugin changed since its grants were recorded: keep
 * them for the new one? Shows both sides; anything but an explicit yes is no.
 */
export function askKeepGrants(subject: PromptSubject, change: { was: string; now: string; grants: string[] }): Promise<boolean> {
  return asQuestion((prefix) => askKeep(prefix, subject, change));
}

async function askKeep(prefix: string, subject: PromptSubject, change: { was: string; now: string; grants: string[] }): Promise<boolean> {
  process.stderr.write(
    prefix +
    [
      `${yellow('wash:', process.stderr)} plugin ${bold(esc(subject.name), process.stderr)} changed since you granted it access`,
      `  was: ${change.was}`,
      `  now: ${change.now}`,
      `  recorded grants: ${change.grants.join(', ')}`,
      '',
    ].join('\n'),
  );
  await flushStdin();
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message: 'Keep these grants for the new component?', default: false }, { output: process.stderr });
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new PromptCancelled('cancelled at the access prompt');
    throw err;
  }
}
