import { ExitCode, WashError, messageOf } from '../util/errors.js';
import { dim, red } from '../util/style.js';

/** Print an error as one line (plus a hint), the stack only at debug level. */
export function reportError(err: unknown, debug: boolean): number {
  const isWash = err instanceof WashError;
  process.stderr.write(`${red('error:', process.stderr)} ${messageOf(err)}\n`);
  if (isWash && err.hint) process.stderr.write(`${dim(err.hint, process.stderr)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${dim(err.stack, process.stderr)}\n`);
  return isWash ? err.exitCode : ExitCode.failure;
}
