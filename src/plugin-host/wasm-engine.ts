/**
 * How V8 compiles plugins' core modules, set in each worker before anything
 * is compiled (V8 flags are the process's; only workers run wasm).
 *
 * Liftoff only: V8 normally re-compiles hot functions with TurboFan in the
 * background. For a plugin call (a CLI command: tens of milliseconds to a few
 * seconds) that background work costs more than it saves: the JavaScript
 * engine inside a JS plugin is one huge interpreter function, and ending the
 * worker waits for its TurboFan compile still in flight (~60 ms for keys).
 * Measured (bench/, issue 17): `keys gen user` and signing 10 MB are both
 * faster without tier-up on this 2-core machine.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
