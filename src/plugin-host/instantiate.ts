import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installFilesystemGuards, markReadOnly } from '../sandbox/readonly-fs.js';
import { guardOutgoingHandler } from '../sandbox/outgoing-http.js';

/** What the sandbox lets one instance see; computed by src/sandbox from grants. */
export interface InstanceSandbox {
  /** guest path -> host path */
  preopens: Record<string, string>;
  env: Record<string, string>;
  args: string[];
  /** Guest paths of preopens that refuse every write. */
  readOnly: string[];
  /** Host patterns outgoing HTTP may reach; empty = none. */
  allowedHosts: string[];
  /** Told about each refused outgoing request (`scheme://authority`). */
  onHttpDenied?: (destination: string) => void;
  /** Send the guest's stdout to stderr (under `--output json`). */
  stdoutToStderr: boolean;
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
export async function precompile(transpiledDir: string): Promise<void> {
  void loadInstantiate(transpiledDir);
  for (const name of await readdir(transpiledDir)) if (name.endsWith('.wasm')) void compiledModule(join(transpiledDir, name));
}

/** Compile each core module once per thread: a server instantiates one instance per request. */
function compiledModule(path: string): Promise<WebAssembly.Module> {
  let module = compiled.get(path);
  if (!module) {
    module = readFile(path).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(path, module);
  }
  return module;
}

async function loadInstantiate(dir: string): Promise<Instantiate> {
  let promise = loaded.get(dir);
  if (!promise) {
    promise = import(pathToFileURL(join(dir, 'component.js')).href).then((m: { instantiate: Instantiate }) => m.instantiate);
    loaded.set(dir, promise);
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
  const fsTypes = imports['wasi:filesystem/types'] as { Descriptor: Parameters<typeof installFilesystemGuards>[0] };
  installFilesystemGuards(fsTypes.Descriptor);
  const preopens = (imports['wasi:filesystem/preopens'] as { getDirectories(): [object, string][] }).getDirectories();
  for (const [descriptor, guestPath] of preopens) if (sandbox.readOnly.includes(guestPath)) markReadOnly(descriptor);
  imports['wasi:http/outgoing-handler'] = guardOutgoingHandler(
    http.outgoingHandler as unknown as Parameters<typeof guardOutgoingHandler>[0],
    sandbox.allowedHosts,
    sandbox.onHttpDenied ?? (() => undefined),
  );
  const env = Object.entries(sandbox.env);
  imports['wasi:cli/environment'] = {
    getEnvironment: () => env,
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
  if (sandbox.stdoutToStderr) {
    const stderr = imports['wasi:cli/stderr'] as { getStderr(): unknown };
    imports['wasi:cli/stdout'] = { getStdout: () => stderr.getStderr() };
  }
  return imports;
}

/**
 * Instantiate a transpiled component with the sandboxed WASI imports plus
 * `contractImports` (the host side of its plugin contract, from its adapter
 * in ./adapters/); returns its exports.
 */
export async function instantiateRaw(
  transpiledDir: string,
  sandbox: InstanceSandbox,
  contractImports: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const [instantiate, wasi] = await Promise.all([loadInstantiate(transpiledDir), wasiImports(sandbox)]);
  const imports = { ...wasi, ...contractImports };
  return instantiate((name) => compiledModule(join(transpiledDir, name)), imports);
}
