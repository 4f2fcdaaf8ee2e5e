import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkFile, type TranspiledCode } from './integrity.js';
import { installFilesystemGuards, markReadOnly } from '../sandbox/readonly-fs.js';
import { containPreopen, installContainment } from '../sandbox/fs-containment.js';
import { guardOutgoingHandler } from '../sandbox/outgoing-http.js';
import { gateDescriptor, installGate } from '../sandbox/fs-gate.js';
import type { UseGate } from '../sandbox/access-use.js';

/** What the sandbox lets one instance see; computed by src/sandbox from grants. */
export interface InstanceSandbox {
  /** guest path -> host path */
  preopens: Record<string, string>;
  env: Record<string, string>;
  args: string[];
  /** Guest paths of preopens that refuse every write. */
  readOnly: string[];
  /** Host patterns outgoing HTTP may reach without asking `gate`; empty = none. */
  allowedHosts: string[];
  /** Told about each refused outgoing request (`scheme://authority`). */
  onHttpDenied?: (destination: string) => void;
  /** Guest paths of preopens that are mounted but not granted yet: their first use asks `gate`. */
  gated?: string[];
  /** Whether the first read of the environment asks `gate` for the declared variables not granted yet. */
  askEnv?: boolean;
  /** Asks the consent session (main thread) at the moment of use; without it, nothing more is granted. */
  gate?: UseGate;
  /** Send the guest's stdout to stderr (under `--output json`). */
  stdoutToStderr: boolean;
  /** The guest's stdout and stderr go nowhere (while `info` describes a plugin). */
  discardOutput?: boolean;
  /** Receives the guest's output bytes, instead of this thread's process.stdout/stderr. */
  guestOutput?: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void;
}

/** Thrown by our `wasi:cli/exit` so a guest's exit ends the run, not the host process. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`plugin exited with status ${code}`);
  }
}

type Instantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

const loaded = new Map<string, Promise<Instantiate>>();
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Start loading a transpiled component (its JS and compiled core modules)
 * before the call is known, so a prewarmed worker is ready sooner.
 */
export function precompile(code: TranspiledCode): void {
  void loadInstantiate(code).catch(() => undefined);
  for (const name of Object.keys(code.sha256)) if (name.endsWith('.wasm')) void compiledModule(code, name).catch(() => undefined);
}

/**
 * Compile each core module once per thread (a server instantiates one
 * instance per request), from bytes checked against the entry's record.
 */
function compiledModule(code: TranspiledCode, name: string): Promise<WebAssembly.Module> {
  const key = `${join(code.dir, name)}\0${code.sha256[name] ?? ''}`;
  let module = compiled.get(key);
  if (!module) {
    module = readFile(join(code.dir, name)).then((bytes) => {
      checkFile(code, name, bytes);
      return WebAssembly.compile(bytes);
    });
    compiled.set(key, module);
  }
  return module;
}

/**
 * Import the component's JavaScript from the bytes that were checked, as a
 * data: URL: importing the file by path would read it again, after the check.
 * (jco's output imports nothing relative, so it needs no file location.)
 */
function loadInstantiate(code: TranspiledCode): Promise<Instantiate> {
  const key = `${code.dir}\0${code.sha256['component.js'] ?? ''}`;
  let promise = loaded.get(key);
  if (!promise) {
    promise = readFile(join(code.dir, 'component.js')).then(async (source) => {
      checkFile(code, 'component.js', source);
      const module = (await import(`data:text/javascript;base64,${source.toString('base64')}`)) as { instantiate: Instantiate };
      return module.instantiate;
    });
    loaded.set(key, promise);
  }
  return promise;
}

async function wasiImports(sandbox: InstanceSandbox): Promise<Record<string, unknown>> {
  const [{ WASIShim }, { http }] = await Promise.all([
    import('@bytecodealliance/preview2-shim/instantiation'),
    import('@bytecodealliance/preview2-shim'),
  ]);
  // enableNetwork: false keeps wasi:sockets closed for good; HTTP is re-enabled below, behind the grant check.
  const shim = new WASIShim({ sandbox: { preopens: sandbox.preopens, env: sandbox.env, args: sandbox.args, enableNetwork: false } });
  const imports = shim.getImportObject() as Record<string, Record<string, unknown>>;
  const fsTypes = imports['wasi:filesystem/types'] as {
    Descriptor: Parameters<typeof installFilesystemGuards>[0];
    filesystemErrorCode: Parameters<typeof installContainment>[1];
  };
  // Containment first: the read-only guards then wrap it, and refuse writes before anything is touched.
  installContainment(fsTypes.Descriptor, fsTypes.filesystemErrorCode);
  installFilesystemGuards(fsTypes.Descriptor);
  const preopens = (imports['wasi:filesystem/preopens'] as { getDirectories(): [object, string][] }).getDirectories();
  // The consent gate goes outermost: a gated preopen's first call waits for the answer before anything runs.
  installGate(fsTypes.Descriptor as unknown as Parameters<typeof installGate>[0]);
  const { gate } = sandbox;
  for (const [descriptor, guestPath] of preopens) {
    containPreopen(descriptor, sandbox.preopens[guestPath]!);
    if (sandbox.readOnly.includes(guestPath)) markReadOnly(descriptor);
    if (sandbox.gated?.includes(guestPath)) gateDescriptor(descriptor, () => gate?.path(guestPath) ?? false);
  }
  imports['wasi:http/outgoing-handler'] = guardOutgoingHandler(
    http.outgoingHandler as unknown as Parameters<typeof guardOutgoingHandler>[0],
    sandbox.allowedHosts,
    sandbox.onHttpDenied ?? (() => undefined),
    gate ? (scheme, authority) => gate.net(scheme, authority) : undefined,
  );
  let env = Object.entries(sandbox.env);
  let envAsked = !sandbox.askEnv || !gate;
  imports['wasi:cli/environment'] = {
    getEnvironment() {
      if (!envAsked) {
        envAsked = true; // the first read asks about the declared variables it lacks, once
        env = Object.entries({ ...sandbox.env, ...gate!.env() });
      }
      return env;
    },
    getArguments: () => sandbox.args,
    initialCwd: () => undefined,
  };
  imports['wasi:cli/exit'] = {
    exit(status: { tag: 'ok' | 'err' }) {
      throw new GuestExit(status.tag === 'err' ? 1 : 0);
    },
    exitWithCode(code: number) {
      throw new GuestExit(code);
    },
  };
  const sink = sandbox.discardOutput ? () => undefined : sandbox.guestOutput;
  if (sink) routeGuestOutput(imports, (stream, bytes) => sink(stream === 'stdout' && sandbox.stdoutToStderr ? 'stderr' : stream, bytes));
  else if (sandbox.stdoutToStderr) {
    const stderr = imports['wasi:cli/stderr'] as { getStderr(): unknown };
    imports['wasi:cli/stdout'] = { getStdout: () => stderr.getStderr() };
  }
  return imports;
}

/** The parts of the shim's output stream this module uses. */
interface ShimOutputStream {
  checkWrite(): bigint;
  flush(): void;
  blockingFlush(): void;
  subscribe(): unknown;
}

interface ShimInputStream {
  read(len: bigint): Uint8Array;
  blockingRead(len: bigint): Uint8Array;
}

/**
 * Give the guest stdout and stderr streams whose bytes go to `sink`. They
 * must be instances of the shim's OutputStream (the bindings check), so they
 * subclass it; readiness and flushing are the shim's own stream's.
 * The guest is also told its output is not a terminal: wash shows it escaped.
 */
function routeGuestOutput(imports: Record<string, Record<string, unknown>>, sink: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void) {
  const Base = (imports['wasi:io/streams'] as { OutputStream: new () => object }).OutputStream;
  const streamTo = (stream: 'stdout' | 'stderr', shim: ShimOutputStream) =>
    new (class GuestOutput extends Base {
      write(bytes: Uint8Array) {
        sink(stream, bytes);
      }
      blockingWriteAndFlush(bytes: Uint8Array) {
        sink(stream, bytes);
      }
      writeZeroes(length: bigint) {
        sink(stream, new Uint8Array(Number(length)));
      }
      blockingWriteZeroesAndFlush(length: bigint) {
        sink(stream, new Uint8Array(Number(length)));
      }
      splice(src: ShimInputStream, length: bigint) {
        const bytes = src.read(length);
        sink(stream, bytes);
        return BigInt(bytes.length);
      }
      blockingSplice(src: ShimInputStream, length: bigint) {
        const bytes = src.blockingRead(length);
        sink(stream, bytes);
        return BigInt(bytes.length);
      }
      checkWrite = () => shim.checkWrite();
      flush = () => shim.flush();
      blockingFlush = () => shim.blockingFlush();
      subscribe = () => shim.subscribe();
    })();
  const stdout = streamTo('stdout', (imports['wasi:cli/stdout'] as { getStdout(): ShimOutputStream }).getStdout());
  const stderr = streamTo('stderr', (imports['wasi:cli/stderr'] as { getStderr(): ShimOutputStream }).getStderr());
  imports['wasi:cli/stdout'] = { getStdout: () => stdout };
  imports['wasi:cli/stderr'] = { getStderr: () => stderr };
  imports['wasi:cli/terminal-stdout'] = { getTerminalStdout: () => undefined };
  imports['wasi:cli/terminal-stderr'] = { getTerminalStderr: () => undefined };
}

/**
 * Instantiate a transpiled component with the sandboxed WASI imports plus
 * `contractImports` (the host side of its plugin contract, from its adapter
 * in ./adapters/); returns its exports.
 */
export async function instantiateRaw(
  code: TranspiledCode,
  sandbox: InstanceSandbox,
  contractImports: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const [instantiate, wasi] = await Promise.all([loadInstantiate(code), wasiImports(sandbox)]);
  const imports = { ...wasi, ...contractImports };
  return instantiate((name) => compiledModule(code, name), imports);
}
