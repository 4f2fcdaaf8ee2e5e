/**
 * Gated preopens: a directory the plugin declared but was not (yet) granted
 * is mounted, and its first operation waits for the user's answer. Wrapping
 * the shim's Descriptor class once, outermost (after fs-containment.ts and
 * readonly-fs.ts, so nothing touches the disk before the gate): every method
 * called on a gated descriptor, or on anything opened through it, or naming
 * one as the other side of a rename or link, first asks its gate. A closed
 * gate throws the WASI error `access` (permission denied) and the call never
 * reaches the shim. An open gate stays open for the run.
 *
 * The gate does not replace containment: a granted preopen is still held
 * inside its real root by fs-containment.ts, gated or not.
 */
type Method = (this: object, ...args: unknown[]) => unknown;
type DescriptorClass = { prototype: Record<string, Method> };

/** The WASI error code a closed gate answers with. */
export const GATE_DENIED = 'access';

const gates = new WeakMap<object, () => boolean>();
const patched = new WeakSet<object>();
/**
 * Calls that touch no file, answered from the handle itself: comparing two
 * handles, its open flags, and its type (a preopen is a directory; the
 * preview1 adapter asks that of every preopen when it starts, and traps if
 * it fails).
 */
const UNGATED = new Set(['constructor', 'isSameObject', 'getFlags', 'getType']);
/** Methods whose other descriptor argument is written to: its gate is asked too. */
const OTHER_DESCRIPTOR: Record<string, number> = { renameAt: 1, linkAt: 2 };

/** Put `descriptor` (a preopen) behind `mayUse`, which blocks while the user is asked. */
export function gateDescriptor(descriptor: object, mayUse: () => boolean): void {
  gates.set(descriptor, mayUse);
}

function pass(descriptor: unknown): void {
  const gate = typeof descriptor === 'object' && descriptor !== null ? gates.get(descriptor) : undefined;
  if (gate && !gate()) throw GATE_DENIED;
}

export function installGate(Descriptor: DescriptorClass): void {
  const proto = Descriptor.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);
  for (const name of Object.getOwnPropertyNames(proto)) {
    const original = proto[name];
    if (UNGATED.has(name) || typeof original !== 'function') continue;
    const other = OTHER_DESCRIPTOR[name];
    proto[name] = function (this: object, ...args: unknown[]) {
      pass(this);
      if (other !== undefined) pass(args[other]);
      const result = original.apply(this, args);
      // What is opened through a gated directory is behind the same gate.
      if (name === 'openAt') {
        const gate = gates.get(this);
        if (gate && typeof result === 'object' && result !== null) gates.set(result, gate);
      }
      return result;
    };
  }
}
