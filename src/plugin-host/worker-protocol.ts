/**
 * What goes between the main thread (./worker-call.ts, ./prewarm.ts) and a
 * run worker (./run-worker.ts): the spec of one call, sent when the worker
 * starts or to a prewarmed one; what came back; and a server instance's
 * report. Plain data only: it crosses postMessage. The synchronous requests
 * during the call (consent, context, redirects) go over ./channel.ts.
 */
import type { InstanceSandbox } from './instantiate.js';
import type { Layout } from '../contract/dirs.js';
import type { ContractId, LogLevel, OutputFormat } from '../contract/wit.js';
import type { TranspiledCode } from './integrity.js';
import type { HostCall } from './adapters/index.js';
import type { ArgumentFile } from './argument-files.js';
import type { Phase } from '../util/phases.js';

/** Everything a worker needs to run one plugin call; plain data, sent with postMessage. */
export interface RunSpec {
  /** The component's transpiled code, with the hashes every file it loads must match. */
  code: TranspiledCode;
  pluginName: string;
  /** Its identity's directory name (sandbox/identity.ts): keys its config store, never the id it declares. */
  identityDir: string;
  /** Set for a hook: every line of its output is escaped and starts with this (`name: `). */
  outputPrefix?: string;
  /** A hook is one of our events, or (for `wash plugin test --hook`) one of the contract's own hook names. */
  call:
    | HostCall
    /** Serve the component's incoming handler on 127.0.0.1:port (a second instance, see host.listen). */
    | { kind: 'serve'; port: number };
  /** Shared buffer of the synchronous channel to the main thread (./channel.ts). */
  channel: SharedArrayBuffer;
  /** Which contract the component implements: the adapter that makes the call (./adapters/). */
  contract: ContractId;
  /** The call as the contract's adapter prepared it (e.g. argv already parsed); none for `serve`. */
  prepared?: unknown;
  /** Pids of background host programs the call started (0 = free slot); the main thread stops them when the call ends. */
  backgroundPids: SharedArrayBuffer;
  sandbox: Omit<InstanceSandbox, 'onHttpDenied' | 'guestOutput' | 'gate'>;
  scratchGuestPath?: string;
  /** Each call is decided by the consent session (over `channel`); this bounds how long one may run. */
  hostExec: { timeoutMs: number };
  layout: Layout;
  outputFormat: OutputFormat;
  logLevel: LogLevel;
  maxOutputBytes: number;
  colorStderr: boolean;
  /**
   * Whether fds 1 and 2 are terminals (the main thread checks: a worker's
   * process.stdout is a pipe): guest output to a terminal is shown escaped.
   * `state` is the main thread's terminal state (src/util/terminal.ts).
   */
  terminal: { stdout: boolean; stderr: boolean; state: SharedArrayBuffer };
  /** The files the user named as `<file>` flag values, as checked when the call started (./argument-files.ts). */
  argumentFiles: ArgumentFile[];
}

/**
 * To a prewarmed worker (./prewarm.ts): compile this code now, while the main
 * thread decides access; then run this call. A worker started with its spec
 * (workerData) gets neither.
 */
export type PrewarmMessage = { type: 'compile'; code: TranspiledCode } | { type: 'start'; spec: RunSpec };

/** From a second instance serving the component's incoming handler (call `serve`): listening on `port`, or why not. */
export interface ServingMessage {
  type: 'serving';
  port?: number;
  error?: string;
}

/** What came back: the outcome plus the invocation state the call changed. */
export type RunOutcome = (
  | { kind: 'ok'; status: number; value?: unknown }
  /** `modified`: a file of the transpiled code did not match its record (so nothing of it ran). */
  | { kind: 'error'; message: string; exitCode: number; hint?: string; modified?: string }
) & {
  emitted: unknown[];
  /** The output format at the end of the call: the plugin may have switched it (host.set-output-format). */
  outputFormat: OutputFormat;
  /** The worker's moments, for `--log-level trace` (src/util/phases.ts). */
  phases?: Phase[];
};
