/**
 * What wash needs from a plugin contract, whichever one a component
 * implements: our own (`wash:plugin`, ./native.ts) or a foreign one it runs
 * unmodified (the Rust wash's `wasmcloud:wash`, ./wasmcloud-wash/). Every
 * implementation is listed in ./index.ts; the rest of wash talks to a
 * component only through this interface, so the contract is decided in one
 * place: which adapter `detect`s the component's exports.
 *
 * The life of a plugin, and the step each member serves:
 * - transpile-cache: `detect` from the exports, instantiate with `imports`
 *   (granted nothing), `describe` -> our metadata and the adapter's own `info`,
 *   stored with the transpiled code; `checkInfo` when read back.
 * - help, list, inspect, grants: our metadata only (`inspectRows` adds the
 *   contract's own facts to inspect).
 * - sandbox: `scratchMount` and `execGrants` shape what a run is given.
 * - a run: `prepare` (main thread; argv usage errors need no worker) turns
 *   the host's call into plain data for the worker, which instantiates with
 *   `imports` and makes it with `call`.
 */
import type { HostImportOptions } from '../host-imports.js';
import type { Invocation } from '../invocation.js';
import type { Metadata } from '../../contract/metadata.js';

/** A call as the host makes it, whatever the contract. */
export type HostCall =
  | { kind: 'run'; argv: string[] }
  /** One of our events, or (`wash plugin test --hook`) one of the contract's own hook names. */
  | { kind: 'hook'; hook: string }
  | { kind: 'authenticate' };

/** What the host gives an adapter's imports for one instance. */
export interface AdapterHostOptions extends HostImportOptions {
  /** Starts a host program in the background (gated like hostExec); returns its pid. */
  hostExecBackground: (binary: string, args: string[]) => number;
}

/** A component as the adapter sees it: our metadata and the adapter's own `info`. */
export interface DescribedComponent<Info> {
  metadata: Metadata;
  info?: Info;
}

export interface CallContext {
  pluginName: string;
  invocation: Invocation;
  /** The import object this instance was made with (an adapter may need its classes). */
  imports: Record<string, unknown>;
  /** A debug line through the plugin's log. */
  debug: (message: string) => void;
}

export interface CallResult {
  status: number;
  /** What `authenticate` returned. */
  value?: unknown;
}

/**
 * The component implements the contract's export, but what its `info`
 * returns is none of the contract's shapes: refused naming the contract and
 * what is missing, not as invalid metadata.
 */
export class UnsupportedShape extends Error {}

export interface ContractAdapter<Info = unknown, Call = unknown> {
  /** Names the contract in messages, inspect and the cache, e.g. `wasmcloud:wash@0.0.2`. */
  readonly id: string;
  /** The export a component of this contract has, for messages (`wash:plugin/plugin@0.2`). */
  readonly exportLabel: string;
  /** Whether a component with these exports implements the contract. */
  detect(exportNames: readonly string[]): boolean;
  /**
   * The host side of the contract for one instance: import-object entries
   * besides WASI. `prepared` is the call the instance is for, when known.
   */
  imports(options: AdapterHostOptions, prepared?: Call): Record<string, unknown>;
  /**
   * Call `info` on an instance: our metadata, and whatever the adapter needs
   * later to run the plugin (kept in the cache). Throws InvalidMetadata or
   * UnsupportedShape.
   */
  describe(exports: Record<string, unknown>): DescribedComponent<Info>;
  /** Re-check an adapter `info` read back from the cache (a file: untrusted); throws if it is not one. */
  checkInfo(value: unknown): Info | undefined;
  /**
   * Main thread: turn a host call into this contract's call, as plain data
   * for the worker. `env` holds the granted environment variables. Throws
   * UsageError (argv) or WashError (a call the plugin cannot take).
   */
  prepare(call: HostCall, component: DescribedComponent<Info>, env: Readonly<Record<string, string>>): Call;
  /** In the worker: make the prepared call on an instance. */
  call(exports: Record<string, unknown>, prepared: Call, context: CallContext): CallResult;
  /** Where the guest sees its scratch dir; undefined: at its host path, like every preopen. */
  readonly scratchMount?: string;
  /**
   * Which host programs host-exec may run: `declared` (what the plugin
   * declared in its access and the user granted) or `granted` (the contract
   * cannot declare programs: what the user granted the plugin).
   */
  readonly execGrants: 'declared' | 'granted';
  /** Whether `prepare` reads the environment (flag fallbacks): that read is the plugin's first use of it. */
  readonly preparesWithEnv: boolean;
  /** The contract's own hook names `wash plugin test --hook` takes besides ours. */
  readonly hookNames: readonly string[];
  /** Whether the plugin handles `hook` (one of our events, or one of its own names). */
  handlesHook(component: DescribedComponent<Info>, hook: string): boolean;
  /** Lines `wash plugin inspect` adds for this contract (label, value). */
  inspectRows(component: DescribedComponent<Info>): [string, string][];
  /** Lines shown under `--log-level debug` before a call (what the host ignores of the plugin). */
  debugNotes(component: DescribedComponent<Info>): string[];
}
