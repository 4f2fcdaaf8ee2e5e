/**
 * componentize-js runs the bundle's top-level code once at build time (Wizer)
 * and snapshots the result, and host imports such as WASI random cannot be
 * called then: the build traps. @noble/curves probes `crypto.getRandomValues`
 * once while its module loads (to decide whether it can blind scalar
 * multiplications), so importing it would break the build.
 *
 * curves.ts imports this module right before @noble/curves and calls
 * `restoreRandom()` right after: in between, the probe gets zeros. Nothing keeps those bytes;
 * every later call, including noble's blinding at run time, reads the real
 * `crypto.getRandomValues` again.
 */
const real = crypto.getRandomValues;

crypto.getRandomValues = <T extends ArrayBufferView>(array: T): T => array;

export function restoreRandom(): void {
  crypto.getRandomValues = real;
}
