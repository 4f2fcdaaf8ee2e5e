/// <reference path="./wash-plugin-types.d.ts" />
declare module 'wash:plugin/host@0.1.0' {
  /**
   * The format the user asked for. Under `json`, the guest's stdout is
   * sent to stderr so that wash's stdout holds exactly one JSON document,
   * built from what the plugin emitted.
   */
  export function requestedFormat(): OutputFormat;
  /**
   * Structured output: a table. Rendered aligned under `text`, as an array
   * of objects keyed by the headers under `json`.
   */
  export function emitTable(headers: Array<string>, rows: Array<Array<string>>): void;
  /**
   * Structured output: any JSON value. Under `text`, an object of scalars
   * is rendered as `key  value` lines and an array of objects as a table.
   * Fails when `json` does not parse.
   */
  export function emitJson(json: string): void;
  /**
   * A log line, shown on stderr when at or above wash's `--log-level`.
   */
  export function log(level: LogLevel, message: string): void;
  /**
   * The context store: key/value pairs shared by the instances of one
   * plugin call (e.g. a run and the server it started), gone when wash
   * exits. A hook gets a fresh store of its own (see `hook-type`).
   */
  export function contextGet(key: string): string | undefined;
  export function contextSet(key: string, value: string): void;
  export function contextDelete(key: string): void;
  export function contextList(): Array<string>;
  /**
   * The plugin's persistent config: key/value pairs kept between runs,
   * private to the installed plugin (not shared with another claiming its id).
   */
  export function configGet(key: string): string | undefined;
  export function configSet(key: string, value: string): void;
  export function configDelete(key: string): void;
  export function configList(): Array<string>;
  /**
   * Where wash keeps its files, as the guest sees them.
   */
  export function dirs(): WashDirs;
  /**
   * Run a host binary declared in `access.host-exec`. Unless the user
   * granted the binary, each call is asked about, showing the command
   * line; `err` says why it did not run (denied, not found, ...).
   */
  export function hostExec(binary: string, args: Array<string>): ExecOutput;
  /**
   * Serve this component's `wasi:http/incoming-handler` on
   * 127.0.0.1:`port` (0 picks a free port) from a second instance sharing
   * the context store. Returns the bound port. Asked about on first use
   * unless granted (`access.incoming-http`).
   */
  export function listen(port: number): number;
  export type LogLevel = import('wash:plugin/types@0.1.0').LogLevel;
  export type OutputFormat = import('wash:plugin/types@0.1.0').OutputFormat;
  export type WashDirs = import('wash:plugin/types@0.1.0').WashDirs;
  export type ExecOutput = import('wash:plugin/types@0.1.0').ExecOutput;
}
