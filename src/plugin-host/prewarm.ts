/**
 * Starting a plugin's worker before the plugin call is known. Its own module,
 * small on purpose: wash's entry point starts the worker as soon as it sees
 * that a plugin is to run, before it loads the rest of itself.
 */
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { TranspiledCode } from './integrity.js';
import type { PrewarmMessage } from './worker-protocol.js';
import { PACKAGE_ROOT } from './versions.js';
import { phase } from '../util/phases.js';

export const runWorkerFile = () => join(PACKAGE_ROOT, 'dist', 'run-worker.js');

/**
 * A worker started before the plugin call is known: it loads the WASI shim,
 * then compiles the component once told which, while the main thread reads
 * the catalog and decides access. Unused, it must be disposed.
 */
export interface Prewarmed {
  compile(code: TranspiledCode): void;
  /** Hand the worker over to callPlugin (once). */
  take(): Worker;
  dispose(): void;
}

export function prewarmWorker(): Prewarmed {
  // node:worker_threads is loaded here, not by every command that imports this module (wash --version).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  let worker: Worker | undefined = new Worker(runWorkerFile(), { workerData: {} });
  phase('main: worker prewarm started');
  worker.unref();
  return {
    compile: (code) => worker?.postMessage({ type: 'compile', code } satisfies PrewarmMessage),
    take() {
      const taken = worker!;
      worker = undefined;
      taken.ref();
      return taken;
    },
    dispose() {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
