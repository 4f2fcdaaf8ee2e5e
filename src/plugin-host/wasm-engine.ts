/**
 * How V8 compiles plugins' core modules: Liftoff only.
 *
 * V8 normally re-compiles hot functions with TurboFan in the background. For
 * a plugin call (a CLI command: tens of milliseconds to a few seconds) that
 * background work costs more than it saves: the JavaScript engine inside a JS
 * plugin is one huge interpreter function, and ending the worker waits for its
 * TurboFan compile still in flight (~60 ms for keys). jco's transpiler (wasm
 * too) is likewise twice as fast on a first run. Measured in issue 17:
 * `keys gen user`, signing 10 MB and transpiling all faster without tier-up.
 *
 * V8 flags are the process's, and changing one makes V8 reject every code
 * cache made under the old flags, node's own built-in modules included: set
 * it only once what needs node's built-ins is loaded, right before compiling
 * wasm (and the glue, whose code cache is made and used under this flag).
 */
import { setFlagsFromString } from 'node:v8';

let set = false;

export function useLiftoffOnly(): void {
  if (set) return;
  set = true;
  setFlagsFromString('--liftoff-only');
}
