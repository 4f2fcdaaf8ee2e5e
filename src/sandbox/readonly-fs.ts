/**
 * Read-only preopens. preview2-shim has none, so we wrap its Descriptor class
 * once: descriptors in `readOnly` (read-only preopens and everything opened
 * through them) refuse every write-like operation with the WASI error
 * `read-only`. Opening with create/truncate/exclusive or for writing counts as
 * a write (a truncating open beat wasmtime's read-only preopens once).
 *
 * It also turns host exceptions that escape reads (EISDIR on a directory
 * descriptor) into WASI error codes, so the guest sees an error, not a crash.
 */
type Method = (this: object, ...args: unknown[]) => unknown;
type DescriptorClass = { prototype: Record<string, Method> };

const readOnly = new WeakSet<object>();
const patched = new WeakSet<object>();

const WRITES_ON_SELF = [
  'write',
  'writeViaStream',
  'appendViaStream',
  'setSize',
  'setTimes',
  'setTimesAt',
  'createDirectoryAt',
  'removeDirectoryAt',
  'unlinkFileAt',
  'symlinkAt',
];
const WRITES_WITH_TARGET = ['renameAt', 'linkAt']; // the second descriptor argument is also written to

function toErrorCode(err: unknown): unknown {
  if (typeof err === 'string' || (typeof err === 'object' && err !== null && 'tag' in err)) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'EISDIR' ? 'is-directory' : code === 'ENOENT' ? 'no-entry' : code === 'EACCES' ? 'access' : 'io';
}

export function markReadOnly(descriptor: object): void {
  readOnly.add(descriptor);
}

export function installFilesystemGuards(Descriptor: DescriptorClass): void {
  const proto = Descriptor.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);

  for (const name of WRITES_ON_SELF) {
    const original = proto[name];
    if (!original) continue;
    proto[name] = function (this: object, ...args: unknown[]) {
      if (readOnly.has(this)) throw 'read-only';
      return original.apply(this, args);
    };
  }
  for (const name of WRITES_WITH_TARGET) {
    const original = proto[name];
    if (!original) continue;
    const targetIndex = name === 'renameAt' ? 1 : 2;
    proto[name] = function (this: object, ...args: unknown[]) {
      if (readOnly.has(this) || readOnly.has(args[targetIndex] as object)) throw 'read-only';
      return original.apply(this, args);
    };
  }

  const openAt = proto.openAt!;
  proto.openAt = function (this: object, pathFlags: unknown, path: unknown, openFlags: unknown, descriptorFlags: unknown) {
    const parentReadOnly = readOnly.has(this);
    if (parentReadOnly) {
      const o = (openFlags ?? {}) as Record<string, boolean>;
      const d = (descriptorFlags ?? {}) as Record<string, boolean>;
      if (o.create || o.truncate || o.exclusive || d.write || d.mutateDirectory) throw 'read-only';
    }
    const child = openAt.call(this, pathFlags, path, openFlags, descriptorFlags) as object;
    if (parentReadOnly) readOnly.add(child);
    return child;
  };

  for (const name of ['read', 'readViaStream', 'readDirectory']) {
    const original = proto[name];
    if (!original) continue;
    proto[name] = function (this: object, ...args: unknown[]) {
      try {
        return original.apply(this, args);
      } catch (err) {
        throw toErrorCode(err);
      }
    };
  }
}
