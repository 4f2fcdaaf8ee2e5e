import type { InstanceSandbox } from './instantiate.js';
import type { Layout } from './dirs.js';
import type { LogLevel, OutputFormat } from './invocation.js';
import type { HookType } from './metadata.js';
import type { ContractId } from './component.js';
import type { TranspiledCode } from './integrity.js';
import type { TheirHook, WasmcloudWashCall } from './adapters/wasmcloud-wash.js';

/** Everything a worker needs to run one plugin call; plain data, sent with postMessage. */
export interface RunSpec {
  /** The component's transpiled code, with the hashes every file it loads must match. */
  code: TranspiledCode;
  pluginName: string;
  pluginId: string;
  /** A hook is one of our events, or (for `wash plugin test --hook` on a foreign plugin) one of its own hook types. */
  call:
    | { kind: 'run'; argv: string[] }
    | { kind: 'hook'; hook: HookType | TheirHook }
    | { kind: 'authenticate' }
    /** Serve the component's incoming handler on 127.0.0.1:port (a second instance, see host.listen). */
    | { kind: 'serve'; port: number };
  /** Shared buffer of the synchronous channel to the main thread (./channel.ts). */
  channel: SharedArrayBuffer;
  /** Whether `host.listen` is granted. */
  incomingHttp: boolean;
  /** Which contract the component implements (see ./component.ts). */
  contract: ContractId;
  /** For a foreign contract: the call as its adapter made it (argv already parsed). */
  foreignCall?: WasmcloudWashCall;
  /** Pids of background host programs the call started (0 = free slot); the main thread stops them when the call ends. */
  backgroundPids: SharedArrayBuffer;
  sandbox: Omit<InstanceSandbox, 'onHttpDenied'>;
  scratchGuestPath?: string;
  hostExec: { granted: string[]; interactive: boolean; timeoutMs: number };
  layout: Layout;
  outputFormat: OutputFormat;
  logLevel: LogLevel;
  maxOutputBytes: number;
  colorStderr: boolean;
}

/** What came back: the outcome plus the invocation state the call changed. */
export type RunOutcome = (
  | { kind: 'ok'; status: number; value?: unknown }
  /** `modified`: a file of the transpiled code did not match its record (so nothing of it ran). */
  | { kind: 'error'; message: string; exitCode: number; hint?: string; modified?: string }
) & { emitted: unknown[] };
