/**
 * Worker-thread entry: instantiate one plugin and make one call. Running in a
 * worker lets the main thread stop a plugin that loops, eats memory or is
 * interrupted, and keeps the main thread free for timers and signals.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { instantiatePlugin } from './instantiate.js';
import { newInvocation } from './invocation.js';
import { PluginConfigStore } from './plugin-config-store.js';
import { pluginFailure } from './run.js';
import { GuestExit } from './instantiate.js';
import type { RunOutcome, RunSpec } from './run-spec.js';
import { createHostExec } from '../sandbox/host-exec.js';
import { escapeUntrusted } from '../util/untrusted.js';
import { WashError, ExitCode } from '../util/errors.js';

const spec = workerData as RunSpec;
// A worker's stderr is a pipe to the main thread: carry over whether colour is wanted there.
if (spec.colorStderr) process.env.FORCE_COLOR = '1';
else process.env.NO_COLOR = '1';

class OutputLimit extends WashError {}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Write all of it to a file descriptor now, waiting out EAGAIN on non-blocking pipes. */
function writeAllSync(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) {
    try {
      at += writeSync(fd, data, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/**
 * In a worker, process.stdout is a pipe to the main thread that is cut off
 * when the worker ends. Write straight to fds 1 and 2 instead (in order, with
 * backpressure), counting bytes: past the limit the write throws out of the guest.
 */
function directOutput(max: number): void {
  let total = 0;
  for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
    stream.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCallback === 'string' ? (encodingOrCallback as BufferEncoding) : 'utf8') : chunk;
      total += bytes.length;
      if (total > max) {
        throw new OutputLimit(`plugin '${spec.pluginName}' wrote more than ${Math.round(max / 1048576)} MiB of output; stopped`, ExitCode.failure);
      }
      writeAllSync(fd, bytes);
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof done === 'function') (done as () => void)();
      return true;
    }) as typeof stream.write;
  }
}

async function main(): Promise<RunOutcome> {
  const invocation = newInvocation(spec.layout, spec.outputFormat, spec.logLevel);
  for (const [k, v] of spec.context) invocation.context.set(k, v);
  const state = () => ({ emitted: invocation.emitted, context: [...invocation.context.entries()] });
  try {
    directOutput(spec.maxOutputBytes);
    const instance = await instantiatePlugin(
      spec.transpiledDir,
      {
        ...spec.sandbox,
        onHttpDenied: (dest) =>
          process.stderr.write(`wash: denied outgoing HTTP from '${spec.pluginName}' to ${escapeUntrusted(dest)} (not granted)\n`),
      },
      {
        pluginName: spec.pluginName,
        invocation,
        config: new PluginConfigStore(spec.layout.pluginConfig, spec.pluginId),
        scratchGuestPath: spec.scratchGuestPath,
        hostExec: createHostExec({ pluginName: spec.pluginName, ...spec.hostExec }),
        listen: () => {
          throw 'incoming HTTP is not available yet';
        },
      },
    );
    if (spec.call.kind === 'run') return { kind: 'ok', status: instance.plugin.run(spec.call.argv), ...state() };
    instance.plugin.hook(spec.call.hook);
    return { kind: 'ok', status: 0, ...state() };
  } catch (err) {
    const failure = err instanceof OutputLimit ? err : pluginFailure(spec.pluginName, err);
    if (failure instanceof GuestExit) return { kind: 'ok', status: failure.code, ...state() };
    return { kind: 'error', message: failure.message, exitCode: failure.exitCode, hint: failure.hint, ...state() };
  }
}

parentPort!.postMessage(await main());
