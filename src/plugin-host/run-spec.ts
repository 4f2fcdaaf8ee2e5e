import type { InstanceSandbox } from './instantiate.js';
import type { Layout } from './dirs.js';
import type { LogLevel, OutputFormat } from './invocation.js';
import type { HookType } from './metadata.js';

/** Everything a worker needs to run one plugin call; plain data, sent with postMessage. */
export interface RunSpec {
  transpiledDir: string;
  pluginName: string;
  pluginId: string;
  call: { kind: 'run'; argv: string[] } | { kind: 'hook'; hook: HookType };
  sandbox: Omit<InstanceSandbox, 'onHttpDenied'>;
  scratchGuestPath?: string;
  hostExec: { granted: string[]; interactive: boolean; timeoutMs: number };
  layout: Layout;
  outputFormat: OutputFormat;
  logLevel: LogLevel;
  context: [string, string][];
  maxOutputBytes: number;
  colorStderr: boolean;
}

/** What came back: the outcome plus the invocation state the call changed. */
export type RunOutcome = (
  | { kind: 'ok'; status: number }
  | { kind: 'error'; message: string; exitCode: number; hint?: string }
) & { emitted: unknown[]; context: [string, string][] };
