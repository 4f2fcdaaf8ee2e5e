/**
 * Learn a component's metadata by calling its `info` export: in a worker,
 * granted nothing, under the wall-clock and memory limits of a run, with its
 * output discarded (nothing it prints while describing itself is shown).
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { Layout } from '../contract/dirs.js';
import { NotAPlugin } from './component.js';
import type { ContractId } from '../contract/wit.js';
import { ModifiedEntry, type TranspiledCode } from './integrity.js';
import type { Metadata } from '../contract/metadata.js';
import { PACKAGE_ROOT } from './versions.js';
import { guardWorker, type WorkerLimits } from './worker-guard.js';
import { WashError, messageOf } from '../util/errors.js';

/** What the info worker gets: plain data. */
export interface InfoSpec {
  code: TranspiledCode;
  contract: ContractId;
  /** How to name the component in messages. */
  file: string;
  layout: Layout;
}

export type InfoOutcome =
  { kind: 'ok'; metadata: Metadata; foreign?: unknown; codeCache?: Uint8Array } | { kind: 'not-a-plugin'; why: string } | { kind: 'modified'; path: string };

const WORKER = () => join(PACKAGE_ROOT, 'dist', 'info-worker.js');

/**
 * Call `info`; NotAPlugin when it fails or returns something invalid (a
 * verdict worth remembering), a plain WashError when it was stopped (a
 * timeout, the memory ceiling, Ctrl-C: not the component's verdict).
 */
export async function describeComponent(spec: InfoSpec, limits: WorkerLimits): Promise<{ metadata: Metadata; foreign?: unknown; codeCache?: Uint8Array }> {
  const worker = new Worker(WORKER(), { workerData: spec, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  const guard = guardWorker(worker, `the info export of ${spec.file}`, limits);
  try {
    const outcome = await new Promise<InfoOutcome | undefined>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', () => resolve(undefined));
    });
    if (guard.stopped) throw guard.stopped;
    if (!outcome) throw new WashError(`the info export of ${spec.file} stopped unexpectedly`);
    if (outcome.kind === 'modified') throw new ModifiedEntry(outcome.path);
    if (outcome.kind === 'not-a-plugin') throw new NotAPlugin(`not a wash plugin: ${spec.file} (${outcome.why})`);
    return { metadata: outcome.metadata, foreign: outcome.foreign, codeCache: outcome.codeCache };
  } catch (err) {
    if (guard.stopped) throw guard.stopped;
    if (err instanceof WashError) throw err;
    // The worker itself failed: wash's problem, not a verdict on the component.
    throw new WashError(`cannot describe ${spec.file}: ${messageOf(err)}`);
  } finally {
    guard.release();
    await worker.terminate();
  }
}
