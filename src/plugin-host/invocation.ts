import type { Layout } from '../contract/dirs.js';
import { LOG_LEVELS, type LogLevel, type OutputFormat } from '../contract/wit.js';

/**
 * State of one wash invocation, shared by every plugin instance and hook it
 * runs: the context store and what plugins emitted for structured output.
 */
export interface Invocation {
  readonly layout: Layout;
  /** `--output` before the plugin name; a plugin call may switch it (host.set-output-format, `-o` after the name). */
  outputFormat: OutputFormat;
  readonly logLevel: LogLevel;
  readonly context: Map<string, string>;
  readonly emitted: unknown[];
  /** A hook's: what it emits (tables, JSON values) is dropped; it must not add to the command's output. */
  dropEmitted?: boolean;
}

export function newInvocation(layout: Layout, outputFormat: OutputFormat, logLevel: LogLevel): Invocation {
  return { layout, outputFormat, logLevel, context: new Map(), emitted: [] };
}

export function logEnabled(invocation: Pick<Invocation, 'logLevel'>, level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(invocation.logLevel);
}
