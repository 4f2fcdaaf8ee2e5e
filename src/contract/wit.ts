/**
 * The plain types of wash's WIT contract (wit/plugin.wit) as the host sees
 * them (jco maps WIT kebab-case to camelCase, enums to strings), for every
 * layer that handles them; the plugin's `info` answer is ./metadata.ts.
 */

/**
 * Which contract a component implements: the id of the adapter that runs it
 * (src/plugin-host/adapters/index.ts), ours (`wash:plugin`) or a foreign one.
 */
export type ContractId = string;

/** host.requested-format, host.set-output-format. */
export type OutputFormat = 'text' | 'json';

/** host.log. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** What host.host-exec returns: a host program's exit status and output. */
export interface ExecOutput {
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}
