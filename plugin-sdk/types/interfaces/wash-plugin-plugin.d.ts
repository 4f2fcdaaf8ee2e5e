/// <reference path="./wash-plugin-types.d.ts" />
declare module 'wash:plugin/plugin@0.2.1' {
  /**
   * Describe the plugin. Called once per component digest; the host
   * caches the answer, so it must be pure.
   */
  export function info(): Metadata;
  /**
   * Run the plugin with the raw argv after `wash <plugin>`, exactly as the
   * user typed it (`--`, `-x=1`, spaces and unicode untouched). Returns the
   * exit status on success (usually 0; a `verify` that fails may return 1).
   */
  export function run(argv: Array<string>): number;
  /**
   * Handle a host event declared in `metadata.hooks`. The event's data is
   * in the context store (`host.context-*`), a fresh one per hook call
   * (see `hook-type`); what a hook writes there goes nowhere else.
   */
  export function hook(event: HookType): void;
  export type Metadata = import('wash:plugin/types@0.2.1').Metadata;
  export type RunError = import('wash:plugin/types@0.2.1').RunError;
  export type HookType = import('wash:plugin/types@0.2.1').HookType;
}
