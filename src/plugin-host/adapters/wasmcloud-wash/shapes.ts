/**
 * The Rust wash's plugin contract, `wasmcloud:wash` 0.0.1 and 0.0.2: the
 * versions, the export each is recognised by, the shapes 0.0.1 had, and how
 * their hooks meet our events. See ./index.ts for the adapter as a whole.
 */
import type { HookType } from '../../../contract/metadata.js';

export type WasmcloudWashContract = 'wasmcloud:wash@0.0.2' | 'wasmcloud:wash@0.0.1';

/** The export each version is recognised by (0.0.x versions are not compatible with each other). */
export const EXPORTS: Record<WasmcloudWashContract, string> = {
  'wasmcloud:wash@0.0.2': 'wasmcloud:wash/plugin@0.0.2',
  'wasmcloud:wash@0.0.1': 'wasmcloud:wash/plugin@0.0.1',
};

/** Where these plugins expect their data dir. */
export const PLUGIN_DATA_MOUNT = '/plugin_data';

/** How the plugin's `info` shaped commands and arguments (see the header). */
export type WashShape = 'early-unnamed' | 'early-named' | 'late';
export const SHAPES: readonly WashShape[] = ['early-unnamed', 'early-named', 'late'];

/**
 * Our events -> their hook type. The early shapes had `error` and the login
 * events, as we do; none of the late ones matches one of ours.
 */
export const HOOK_EVENTS: Record<WashShape, Partial<Record<HookType, string>>> = {
  'early-unnamed': { error: 'error', 'before-login': 'before-login', 'after-login': 'after-login' },
  'early-named': { error: 'error', 'before-login': 'before-login', 'after-login': 'after-login' },
  late: {},
};

/** Their hook types, for `wash plugin test --hook`. */
export const THEIR_HOOKS = [
  'unknown',
  'error',
  'before-login',
  'after-login',
  'before-dev-build',
  'before-dev-serve',
  'before-dev-shutdown',
  'before-doctor',
  'after-doctor',
  'before-build',
  'after-build',
  'before-push',
  'after-push',
  'before-dev',
  'after-dev',
  'dev-register',
] as const;
