import type { Worker } from 'node:worker_threads';
import { ExitCode, WashError } from '../util/errors.js';

/** What bounds any call into a plugin, `info` included. */
export interface WorkerLimits {
  timeoutMs: number;
  /** Ceiling on the process's resident size, which includes wasm memory. */
  memoryMb: number;
}

export interface WorkerGuard {
  /** Why the worker was stopped, once it was: each cause has its own message and exit status. */
  readonly stopped: WashError | undefined;
  /** Stop watching (the call ended). */
  release(): void;
  /** Hold the wall clock while the user answers a question (pauses nest). */
  pause(): void;
  resume(): void;
}

/** A timeout that can be paused (while the user answers a question) and resumed; pauses nest. */
function pausableTimer(onTimeout: () => void, ms: number) {
  let remaining = ms;
  let started = Date.now();
  let paused = 0;
  let timer: NodeJS.Timeout | undefined = setTimeout(onTimeout, remaining);
  return {
    pause() {
      if (paused++ > 0 || !timer) return;
      clearTimeout(timer);
      timer = undefined;
      remaining -= Date.now() - started;
    },
    resume() {
      if (--paused > 0 || timer) return;
      started = Date.now();
      timer = setTimeout(onTimeout, Math.max(0, remaining));
    },
    clear() {
      clearTimeout(timer);
      timer = undefined;
      paused = Number.POSITIVE_INFINITY;
    },
  };
}

const MEMORY_POLL_MS = 50;

/**
 * Stop a worker that outlives the wall-clock limit, takes the process over the
 * memory ceiling, or is interrupted by Ctrl-C. `subject` names what runs in
 * messages, e.g. `plugin 'keys'`.
 */
export function guardWorker(worker: Worker, subject: string, limits: WorkerLimits): WorkerGuard {
  let stopped: WashError | undefined;
  const stop = (reason: WashError) => {
    stopped ??= reason;
    void worker.terminate();
  };
  const clock = pausableTimer(
    () => stop(new WashError(`${subject} timed out after ${Math.round(limits.timeoutMs / 1000)} s`, ExitCode.timeout)),
    limits.timeoutMs,
  );
  const memoryWatch = setInterval(() => {
    const rssMb = process.memoryUsage.rss() / 1048576;
    if (rssMb > limits.memoryMb) {
      stop(new WashError(`${subject} exceeded the memory limit of ${limits.memoryMb} MiB; stopped`, ExitCode.memory));
    }
  }, MEMORY_POLL_MS);
  const onSigint = () => stop(new WashError(`interrupted: ${subject} stopped`, ExitCode.interrupted));
  process.on('SIGINT', onSigint);
  return {
    get stopped() {
      return stopped;
    },
    pause: () => clock.pause(),
    resume: () => clock.resume(),
    release() {
      clock.clear();
      clearInterval(memoryWatch);
      process.off('SIGINT', onSigint);
    },
  };
}
