/** Calling their exports: `initialize`, then `run` or `hook`, each with a fresh runner. */
import type { Invocation } from '../../invocation.js';
import { WashError, ExitCode, messageOf } from '../../../util/errors.js';
import { escapeUntrusted } from '../../../util/untrusted.js';
import type { WashCommand } from './describe.js';
import type { WasmcloudWashCall } from './argv.js';
import { EXPORTS, type WasmcloudWashContract } from './shapes.js';

interface WashPluginExports {
  info(): unknown;
  /** Late: a note for the log; early: nothing. */
  initialize(runner: unknown): string | undefined;
  /** Late: the text for the user; early: nothing (output went through the runner). */
  run(runner: unknown, command: WashCommand): string | undefined;
  hook(runner: unknown, hook: string): string | undefined;
}

export function wasmcloudWashExports(raw: Record<string, unknown>, contract: WasmcloudWashContract): WashPluginExports {
  const exports = raw[EXPORTS[contract]] as WashPluginExports | undefined;
  if (!exports) throw new WashError(`component does not export ${EXPORTS[contract]}`);
  return exports;
}

const isComponentError = (err: unknown): err is { payload: unknown } => err instanceof Error && 'payload' in err;

/** An err result: the early shapes' carries no reason. */
const noReason = (payload: unknown) => payload === undefined || payload === null || payload === '';

/**
 * `initialize`, then `run` or `hook`, each with a fresh runner. What the
 * call returns is the text for the user: printed on stdout (under
 * `--output json`, emitted as `{"output": ...}`).
 */
export function callWasmcloudWash(
  raw: Record<string, unknown>,
  contract: WasmcloudWashContract,
  call: WasmcloudWashCall,
  imports: Record<string, unknown>,
  invocation: Invocation,
  debug: (message: string) => void,
): void {
  const plugin = wasmcloudWashExports(raw, contract);
  const { Runner } = imports['wasmcloud:wash/types'] as { Runner: new () => unknown };
  let note: string | undefined;
  try {
    note = plugin.initialize(new Runner());
  } catch (err) {
    if (isComponentError(err)) {
      const why = noReason(err.payload) ? ' (the plugin gave no reason)' : `: ${escapeUntrusted(messageOf(err.payload))}`;
      throw new WashError(`initialize failed${why}`, ExitCode.failure);
    }
    throw err;
  }
  if (note) debug(`initialize: ${note}`);
  let output: string | undefined;
  try {
    output = call.kind === 'run' ? plugin.run(new Runner(), call.command) : plugin.hook(new Runner(), call.hook);
  } catch (err) {
    if (!isComponentError(err)) throw err;
    const what = call.kind === 'run' ? 'the command' : `the ${escapeUntrusted(call.hook)} hook`;
    throw new WashError(noReason(err.payload) ? `${what} failed (the plugin gave no reason)` : escapeUntrusted(messageOf(err.payload)), ExitCode.failure);
  }
  if (!output) return;
  if (invocation.outputFormat === 'json') invocation.emitted.push({ output });
  else process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
}
