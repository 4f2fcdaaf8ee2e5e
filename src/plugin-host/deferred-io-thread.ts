/**
 * preview2-shim starts its I/O thread (a second worker, with its own
 * JavaScript engine) the moment it is imported, and talks to it with
 * synchronous calls. Booting a worker costs about as much CPU as starting
 * node itself, and most plugin calls never make one of those calls: stdin,
 * polls, file streams, sockets and HTTP need it; wash's stdout and stderr,
 * files read and written through descriptors, clocks and randomness do not.
 *
 * So while the shim's I/O module is evaluated, `Worker` (node:worker_threads)
 * is one that starts the real thread on its first message: the first
 * synchronous call then waits for the thread to boot, as every call used to
 * when made soon after import. Only the shim is imported in that window.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Worker as RealWorker } from 'node:worker_threads';

const threads = createRequire(import.meta.url)('node:worker_threads') as { Worker: typeof RealWorker };

type Listener = (...args: unknown[]) => void;

/** What the shim's synckit uses of its Worker: on('message'), unref(), postMessage(). Anything else starts the thread. */
function deferredWorkerClass(Real: typeof RealWorker) {
  return class DeferredWorker {
    #args: ConstructorParameters<typeof RealWorker>;
    #real: RealWorker | undefined;
    #listeners: [string, Listener, boolean][] = [];
    #unref = false;

    constructor(...args: ConstructorParameters<typeof RealWorker>) {
      this.#args = args;
    }

    #start(): RealWorker {
      if (!this.#real) {
        const worker = new Real(...this.#args);
        for (const [event, listener, once] of this.#listeners) {
          if (once) worker.once(event, listener);
          else worker.on(event, listener);
        }
        if (this.#unref) worker.unref();
        this.#real = worker;
      }
      return this.#real;
    }

    on(event: string, listener: Listener) {
      if (this.#real) this.#real.on(event, listener);
      else this.#listeners.push([event, listener, false]);
      return this;
    }

    once(event: string, listener: Listener) {
      if (this.#real) this.#real.once(event, listener);
      else this.#listeners.push([event, listener, true]);
      return this;
    }

    unref() {
      this.#unref = true;
      this.#real?.unref();
    }

    ref() {
      this.#unref = false;
      this.#real?.ref();
    }

    postMessage(...args: Parameters<RealWorker['postMessage']>) {
      this.#start().postMessage(...args);
    }

    terminate(): Promise<number> {
      return this.#real ? this.#real.terminate() : Promise.resolve(0);
    }
  };
}

/** Run `load` (an import of the shim's I/O module) with the deferred Worker in place; the real one is back after it. */
export async function withDeferredIoThread<T>(load: () => Promise<T>): Promise<T> {
  const Real = threads.Worker;
  threads.Worker = deferredWorkerClass(Real) as unknown as typeof RealWorker;
  syncBuiltinESMExports();
  try {
    return await load();
  } finally {
    threads.Worker = Real;
    syncBuiltinESMExports();
  }
}
