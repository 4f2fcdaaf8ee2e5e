import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Script } from 'node:vm';
import { checkFile, ModifiedEntry, type TranspiledCode } from './integrity.js';
import { compileGlue, glueAsScript, isCodeCacheName } from './glue-script.js';
import { installFilesystemGuards, markReadOnly } from '../sandbox/readonly-fs.js';
import { containPreopen, installContainment } from '../sandbox/fs-containment.js';
import { guardOutgoingHandler } from '../sandbox/outgoing-http.js';
import { gateDescriptor, installGate } from '../sandbox/fs-gate.js';
import type { UseGate } from '../sandbox/access-use.js';
import type { SandboxView } from '../sandbox/enforce.js';
import { phase } from '../util/phases.js';
import { GuestExit } from './guest-exit.js';
import { withDeferredIoThread } from './deferred-io-thread.js';
import { useLiftoffOnly } from './wasm-engine.js';

/** What one instance sees: what src/sandbox set up from grants (SandboxView; gated items ask `gate`), and how its output goes. */
export interface InstanceSandbox extends SandboxView {
  args: string[];
  /** Told about each refused outgoing request (`scheme://authority`). */
  onHttpDenied?: (destination: string) => void;
  /** Asks the consent session (main thread) at the moment of use; without it, nothing more is granted. */
  gate?: UseGate;
  /** Send the guest's stdout to stderr (under `--output json`). */
  stdoutToStderr: boolean;
  /** The guest's stdout and stderr go nowhere (while `info` describes a plugin). */
  discardOutput?: boolean;
  /** Receives the guest's output bytes, instead of this thread's process.stdout/stderr. */
  guestOutput?: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void;
}

export { GuestExit };

type Instantiate = (getCoreModule: (name: string) => Promise<WebAssembly.Module>, imports: Record<string, unknown>) => Promise<Record<string, unknown>>;

const loaded = new Map<string, Promise<Instantiate>>();
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Start loading a transpiled component (its JS and compiled core modules)
 * before the call is known, so a prewarmed worker is ready sooner.
 */
export function precompile(code: TranspiledCode): void {
  void loadShim(shimPartsFor(code.imports)).catch(() => undefined);
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
    module = Promise.all([readFile(join(code.dir, name)), loadShim(shimPartsFor(code.imports))]).then(([bytes]) => {
      phase(`${name}: read`);
      useLiftoffOnly(); // node's built-ins the shim needs are loaded: see ./wasm-engine.ts
      // V8 compiles on its own threads while this one hashes the same bytes (no copy for the hash).
      // Compiling runs none of the code: the module is handed out only once the bytes match their record.
      const compiling = WebAssembly.compile(bytes).finally(() => phase(`${name}: compiled`));
      try {
        checkFile(code, name, bytes);
      } catch (err) {
        compiling.catch(() => undefined);
        throw err;
      }
      phase(`${name}: verified`);
      return compiling;
    });
    compiled.set(key, module);
  }
  return module;
}

/** The glue compiled as a script, by entry: its code cache can be taken once it ran (glueCodeCache). */
const glueScripts = new Map<string, Script>();

/**
 * Load the component's JavaScript from the bytes that were checked: as a
 * script (with its verified V8 code cache, ./glue-script.ts), else as a data:
 * URL module. Importing the file by path would read it again, after the
 * check. (jco's output imports nothing relative, so it needs no file location.)
 */
function loadInstantiate(code: TranspiledCode): Promise<Instantiate> {
  const key = `${code.dir}\0${code.sha256['component.js'] ?? ''}`;
  let promise = loaded.get(key);
  if (!promise) {
    const cacheName = Object.keys(code.sha256).find(isCodeCacheName);
    const cacheFile = cacheName && join(code.dir, cacheName);
    const readCache = cacheFile ? readFile(cacheFile).catch(() => Promise.reject(new ModifiedEntry(cacheFile))) : undefined;
    promise = Promise.all([readFile(join(code.dir, 'component.js')), readCache, loadShim(shimPartsFor(code.imports))]).then(async ([source, cache]) => {
      checkFile(code, 'component.js', source);
      if (cache) checkFile(code, cacheName!, cache);
      phase('component.js: read and verified');
      const script = glueAsScript(source.toString('utf8'));
      useLiftoffOnly(); // before the glue compiles: its code cache is made and used under this flag
      if (script) {
        try {
          const compiled = compileGlue(script, join(code.dir, 'component.js'), cache);
          const instantiate = (compiled.runInThisContext() as () => Instantiate)();
          glueScripts.set(key, compiled);
          phase(`component.js: compiled as a script${cache ? (compiled.cachedDataRejected ? ' (code cache rejected)' : ' (from its code cache)') : ''}`);
          return instantiate;
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err; // a glue of another shape: load it as the module it is
        }
      }
      const module = (await import(`data:text/javascript;base64,${source.toString('base64')}`)) as { instantiate: Instantiate };
      phase('component.js: imported');
      return module.instantiate;
    });
    loaded.set(key, promise);
  }
  return promise;
}

/** V8's code cache of a glue loaded as a script, with what compiled while it ran; undefined when it was imported as a module. */
export function glueCodeCache(code: TranspiledCode): Uint8Array | undefined {
  return glueScripts.get(`${code.dir}\0${code.sha256['component.js'] ?? ''}`)?.createCachedData();
}

/** The shim's I/O module first (every other part imports it), its I/O thread started only when first used. */
let shimIo: Promise<unknown> | undefined;
const loadShimIo = () => (shimIo ??= withDeferredIoThread(() => import('@bytecodealliance/preview2-shim/io')));

/** The parts of preview2-shim (its subpath modules), each loaded only for a component that imports from it. */
const SHIM_PARTS = {
  cli: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/cli')),
  clocks: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/clocks')),
  filesystem: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/filesystem')),
  http: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/http')),
  io: loadShimIo,
  random: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/random')),
  sockets: () => loadShimIo().then(() => import('@bytecodealliance/preview2-shim/sockets')),
};
type ShimPart = keyof typeof SHIM_PARTS;
/** What wash itself uses of the shim for every component: its stdio streams. */
const ALWAYS: readonly ShimPart[] = ['cli', 'io'];

/** The shim parts a component's imports (`wasi:<package>/<interface>`) come from; all of them when they are not known. */
function shimPartsFor(imports: readonly string[] | undefined): ShimPart[] {
  if (!imports) return Object.keys(SHIM_PARTS) as ShimPart[];
  const parts = new Set<ShimPart>(ALWAYS);
  for (const name of imports) {
    const pkg = /^wasi:([a-z-]+)\//.exec(name)?.[1];
    if (pkg && pkg in SHIM_PARTS) parts.add(pkg as ShimPart);
  }
  return [...parts];
}

const shimLoads = new Map<ShimPart, Promise<unknown>>();
/** Start loading shim parts (once each per thread); resolves to them by name. */
export function loadShim(parts: readonly ShimPart[] = ALWAYS): Promise<Partial<Record<ShimPart, unknown>>> {
  return Promise.all(
    parts.map(async (part) => {
      let load = shimLoads.get(part);
      if (!load) shimLoads.set(part, (load = SHIM_PARTS[part]()));
      return [part, await load] as const;
    }),
  ).then(Object.fromEntries);
}

/** The node build of the shim, as far as this module uses it (the package's types describe the browser build). */
interface Shim {
  cli: Record<string, Record<string, unknown>>;
  clocks: { monotonicClock: unknown; wallClock: unknown };
  filesystem: { createFilesystem(options: { preopens: Record<string, string> }): { types: Record<string, unknown>; preopens: Record<string, unknown> } };
  http: { types: unknown; incomingHandler: unknown; outgoingHandler: Parameters<typeof guardOutgoingHandler>[0] };
  io: { error: unknown; poll: unknown; streams: { InputStream: new () => object; OutputStream: new () => object } };
  random: { random: unknown; insecure: unknown; insecureSeed: unknown };
  sockets: { createSockets(options: { enableNetwork: boolean }): Record<string, unknown> };
}

/** The WASI part of the import object, from the shim parts the component needs: no network, no files but the preopens. */
async function wasiImports(sandbox: InstanceSandbox, componentImports: readonly string[] | undefined): Promise<Record<string, Record<string, unknown>>> {
  const parts = shimPartsFor(componentImports);
  const { gate } = sandbox;
  const shim = (await loadShim(parts)) as Partial<Shim>;
  phase('preview2-shim: imported');
  const { cli, io } = shim as Shim;
  const imports: Record<string, Record<string, unknown>> = {
    'wasi:cli/environment': cli.environment!,
    'wasi:cli/exit': cli.exit!,
    'wasi:cli/stderr': cli.stderr!,
    'wasi:cli/stdin': cli.stdin!,
    'wasi:cli/stdout': cli.stdout!,
    'wasi:cli/terminal-input': cli.terminalInput!,
    'wasi:cli/terminal-output': cli.terminalOutput!,
    'wasi:cli/terminal-stderr': cli.terminalStderr!,
    'wasi:cli/terminal-stdin': cli.terminalStdin!,
    'wasi:cli/terminal-stdout': cli.terminalStdout!,
    'wasi:io/error': io.error as Record<string, unknown>,
    'wasi:io/poll': io.poll as Record<string, unknown>,
    'wasi:io/streams': io.streams,
  };
  if (shim.random) {
    imports['wasi:random/random'] = shim.random.random as Record<string, unknown>;
    imports['wasi:random/insecure'] = shim.random.insecure as Record<string, unknown>;
    imports['wasi:random/insecure-seed'] = shim.random.insecureSeed as Record<string, unknown>;
  }
  if (shim.clocks) {
    imports['wasi:clocks/monotonic-clock'] = shim.clocks.monotonicClock as Record<string, unknown>;
    imports['wasi:clocks/wall-clock'] = shim.clocks.wallClock as Record<string, unknown>;
  }
  if (shim.sockets) {
    // Closed for good: no name lookups, TCP or UDP.
    const sockets = shim.sockets.createSockets({ enableNetwork: false });
    for (const [name, iface] of Object.entries(sockets))
      imports[`wasi:sockets/${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] = iface as Record<string, unknown>;
  }
  if (shim.http) {
    imports['wasi:http/types'] = shim.http.types as Record<string, unknown>;
    imports['wasi:http/incoming-handler'] = shim.http.incomingHandler as Record<string, unknown>;
    // Outgoing HTTP only behind the grant check.
    imports['wasi:http/outgoing-handler'] = guardOutgoingHandler(
      shim.http.outgoingHandler,
      sandbox.allowedHosts,
      sandbox.onHttpDenied ?? (() => undefined),
      gate ? (scheme, authority) => gate.net(scheme, authority) : undefined,
    );
  }
  if (shim.filesystem) {
    const fs = shim.filesystem.createFilesystem({ preopens: sandbox.preopens });
    imports['wasi:filesystem/types'] = fs.types;
    imports['wasi:filesystem/preopens'] = fs.preopens;
    const fsTypes = fs.types as {
      Descriptor: Parameters<typeof installFilesystemGuards>[0];
      filesystemErrorCode: Parameters<typeof installContainment>[1];
    };
    // Containment first: the read-only guards then wrap it, and refuse writes before anything is touched.
    installContainment(fsTypes.Descriptor, fsTypes.filesystemErrorCode);
    installFilesystemGuards(fsTypes.Descriptor);
    const preopens = (fs.preopens as { getDirectories(): [object, string][] }).getDirectories();
    // The consent gate goes outermost: a gated preopen's first call waits for the answer before anything runs.
    installGate(fsTypes.Descriptor);
    for (const [descriptor, guestPath] of preopens) {
      containPreopen(descriptor, sandbox.preopens[guestPath]!);
      if (sandbox.readOnly.includes(guestPath)) markReadOnly(descriptor);
      if (sandbox.gated?.includes(guestPath)) gateDescriptor(descriptor, () => gate?.path(guestPath) ?? false);
    }
  }
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
  imports['wasi:cli/stdin'] = { getStdin: lazyStdin(io.streams, cli.stdin as { getStdin(): ShimInputStream }) };
  return imports;
}

/** The parts of the shim's input stream a guest may use. */
interface ShimInputStream {
  read(len: bigint): Uint8Array;
  blockingRead(len: bigint): Uint8Array;
  skip(len: bigint): bigint;
  blockingSkip(len: bigint): bigint;
  subscribe(): unknown;
}

let GuestStdin: (new (open: () => ShimInputStream) => ShimInputStream & { open(): ShimInputStream }) | undefined;

/**
 * The guest's stdin, opened when the guest first uses it. The shim opens
 * stdin with a synchronous call into its I/O thread, which early in a run
 * means waiting for that thread to start (~30 ms), and the WASI adapters ask
 * for stdin at start-up whether or not the plugin reads it. It must be an
 * instance of the shim's InputStream (the bindings check), so it subclasses it.
 */
function lazyStdin(streams: Shim['io']['streams'], shimStdin: { getStdin(): ShimInputStream }): () => ShimInputStream {
  if (!GuestStdin) {
    const Base = streams.InputStream;
    const Lazy = class extends Base {
      #stream: ShimInputStream | undefined;
      constructor(private readonly opener: () => ShimInputStream) {
        super();
      }
      open(): ShimInputStream {
        return (this.#stream ??= this.opener());
      }
      read(len: bigint) {
        return this.open().read(len);
      }
      blockingRead(len: bigint) {
        return this.open().blockingRead(len);
      }
      skip(len: bigint) {
        return this.open().skip(len);
      }
      blockingSkip(len: bigint) {
        return this.open().blockingSkip(len);
      }
      subscribe() {
        return this.open().subscribe();
      }
    };
    // The shim's own output streams (files) take the source of a splice by its internal id: give them the opened stream.
    const proto = streams.OutputStream.prototype as Record<'splice' | 'blockingSplice', (src: unknown, len: bigint) => bigint>;
    for (const method of ['splice', 'blockingSplice'] as const) {
      const original = proto[method];
      proto[method] = function (this: unknown, src: unknown, len: bigint) {
        return original.call(this, src instanceof Lazy ? src.open() : src, len);
      };
    }
    GuestStdin = Lazy;
  }
  const stdin = new GuestStdin(() => shimStdin.getStdin());
  return () => stdin;
}

/** The parts of the shim's output stream this module uses. */
interface ShimOutputStream {
  checkWrite(): bigint;
  flush(): void;
  blockingFlush(): void;
  subscribe(): unknown;
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
  const [instantiate, wasi] = await Promise.all([loadInstantiate(code), wasiImports(sandbox, code.imports)]);
  const imports = { ...wasi, ...contractImports };
  return instantiate((name) => compiledModule(code, name), imports);
}
