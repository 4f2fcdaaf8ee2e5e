import { ExitCode, WashError, messageOf } from '../util/errors.js';
import { dim, red } from '../util/style.js';
import { escapeUntrusted } from '../util/untrusted.js';

/**
 * Print an error as one line (plus a hint), the stack only at debug level.
 * A message may quote what a plugin, a server or a file said: its control
 * characters are shown escaped (text escaped before stays as it was).
 */
export function reportError(err: unknown, debug: boolean): number {
  const isWash = err instanceof WashError;
  process.stderr.write(`${red('error:', process.stderr)} ${escapeUntrusted(messageOf(err), { allowNewlines: true })}\n`);
  if (isWash && err.hint) process.stderr.write(`${dim(err.hint, process.stderr)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${dim(err.stack, process.stderr)}\n`);
  return isWash ? err.exitCode : ExitCode.failure;
}
