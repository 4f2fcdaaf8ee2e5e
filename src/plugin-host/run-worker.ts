/**
 * Worker-thread entry: instantiate one plugin and make one call. Running in a
 * worker lets the main thread stop a plugin that loops, eats memory or is
 * interrupted, and keeps the main thread free for timers and signals.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateRaw, loadShim, precompile } from './instantiate.js';
import { adapterFor, type AdapterHostOptions } from './adapters/index.js';
import { createHostImports } from './host-imports.js';
import { newInvocation } from './invocation.js';
import { PluginConfigStore } from './plugin-config-store.js';
import { pluginFailure } from './worker-call.js';
import { GuestExit } from './instantiate.js';
import type { PrewarmMessage, RunOutcome, RunSpec, ServingMessage } from './worker-protocol.js';
import { ModifiedEntry } from './integrity.js';
import { createHostExec, createHostExecBackground } from '../sandbox/host-exec.js';
import { LinePrefixer, TerminalEscaper } from '../util/terminal-escape.js';
import { noteTerminalWrite, useTerminalState, waitForQuestion } from '../util/terminal.js';
import { WashError, ExitCode, messageOf } from '../util/errors.js';
import { channelClient, remoteContext } from './channel.js';
import { UseGate, type AccessUse, type UseAnswer } from '../sandbox/access-use.js';
import { readArgumentFile } from './argument-files.js';
import type { OutputFormat } from '../contract/wit.js';
import { phase, recordedPhases } from '../util/phases.js';

phase('worker: started (its modules loaded)');

/**
 * A worker is either started with its spec, or prewarmed: started before the
 * call is known, it loads the WASI shim and compiles the component while the
 * main thread still decides access, then receives the spec.
 */
function receiveSpec(): Promise<RunSpec> {
  void loadShim().catch(() => undefined); // the parts every component needs; the rest once told which
  return new Promise((resolve) => {
    const onMessage = (message: PrewarmMessage | undefined) => {
      if (message?.type === 'compile') precompile(message.code);
      else if (message?.type === 'start') {
        parentPort!.off('message', onMessage);
        resolve(message.spec);
      }
    };
    parentPort!.on('message', onMessage);
  });
}

const spec: RunSpec = (workerData as { spec?: RunSpec }).spec ?? (await receiveSpec());
phase('worker: spec received');
// A worker's stderr is a pipe to the main thread: carry over whether colour is wanted there.
if (spec.colorStderr) process.env.FORCE_COLOR = '1';
else process.env.NO_COLOR = '1';

class OutputLimit extends WashError {}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Write all of it to a file descriptor now, waiting out EAGAIN on non-blocking pipes. */
function writeAllSync(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length;) {
    try {
      at += writeSync(fd, data, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

useTerminalState(spec.terminal.state);
const isTerminal = (fd: 1 | 2) => (fd === 1 ? spec.terminal.stdout : spec.terminal.stderr);

/**
 * In a worker, process.stdout is a pipe to the main thread that is cut off
 * when the worker ends. Write straight to fds 1 and 2 instead (in order, with
 * backpressure), counting bytes: past the limit the write throws out of the guest.
 * The host's own writes (already escaped where they carry plugin text) go
 * through process.stdout/stderr; the guest's bytes come to `guestOutput`,
 * and are escaped when the fd is a terminal.
 */
function directOutput(max: number) {
  let total = 0;
  let wroteStdout = false;
  const count = (n: number) => {
    total += n;
    if (total > max) {
      throw new OutputLimit(`plugin '${spec.pluginName}' wrote more than ${Math.round(max / 1048576)} MiB of output; stopped`, ExitCode.failure);
    }
  };
  const writeFd = (fd: 1 | 2, bytes: Uint8Array) => {
    if (fd === 1 && bytes.length > 0) wroteStdout = true;
    writeAllSync(fd, bytes);
    if (isTerminal(fd)) noteTerminalWrite(fd, bytes);
  };
  // A hook's host-made output (a foreign contract's runner.output, say) goes to stderr, labelled:
  // nothing a hook does may land in the command's stdout.
  const hostStdout = spec.outputPrefix !== undefined ? new LinePrefixer(spec.outputPrefix) : undefined;
  for (const [stream, fd] of [
    [process.stdout, 1],
    [process.stderr, 2],
  ] as const) {
    stream.write = (chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) => {
      const bytes =
        typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCallback === 'string' ? (encodingOrCallback as BufferEncoding) : 'utf8') : chunk;
      count(bytes.length);
      if (fd === 1 && hostStdout) writeFd(2, hostStdout.write(bytes));
      else writeFd(fd, bytes);
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof done === 'function') (done as () => void)();
      return true;
    };
  }
  // A hook's output is always escaped and each line labelled: it runs inside someone else's command.
  const prefix = spec.outputPrefix;
  const escapeFd = (fd: 1 | 2) => (prefix !== undefined || isTerminal(fd) ? new TerminalEscaper() : undefined);
  const escapers = { 1: escapeFd(1), 2: escapeFd(2) };
  const prefixers = { 1: prefix !== undefined ? new LinePrefixer(prefix) : undefined, 2: prefix !== undefined ? new LinePrefixer(prefix) : undefined };
  return {
    guestOutput(stream: 'stdout' | 'stderr', bytes: Uint8Array) {
      const fd = stream === 'stdout' ? 1 : 2;
      count(bytes.length);
      waitForQuestion(); // nothing appears around a question wash is asking
      const escaper = escapers[fd];
      const shown = escaper ? escaper.write(bytes) : bytes;
      writeFd(fd, prefixers[fd]?.write(shown) ?? shown);
    },
    /** Whether anything reached fd 1 (then the output format can no longer change). */
    wroteStdout: () => wroteStdout,
    /** Show what an escaper still holds (a character cut short at the end). */
    end() {
      for (const fd of [1, 2] as const) {
        const rest = escapers[fd]?.end();
        if (rest && rest.length > 0) writeFd(fd, prefixers[fd]?.write(rest) ?? rest);
      }
    },
  };
}

async function main(): Promise<RunOutcome> {
  const invocation = newInvocation(spec.layout, spec.outputFormat, spec.logLevel);
  if (spec.outputPrefix !== undefined) invocation.dropEmitted = true; // a hook
  // The context store lives in the main thread, shared with every instance of this invocation.
  const callMain = channelClient(spec.channel, parentPort!);
  (invocation as { context: Map<string, string> }).context = remoteContext(callMain);
  // The context store already lives in the main thread.
  const state = () => {
    phase('worker: call ended');
    return { emitted: invocation.emitted, outputFormat: invocation.outputFormat, phases: recordedPhases() };
  };
  const output = directOutput(spec.maxOutputBytes);
  // Every use of something not granted up front is decided in the main thread, which may ask the user.
  const gate = new UseGate((use: AccessUse) => callMain('consent', use) as UseAnswer);
  try {
    const sandbox = {
      ...spec.sandbox,
      guestOutput: output.guestOutput,
      gate,
    };
    const adapter = adapterFor(spec.contract);
    const execOptions = {
      pluginName: spec.pluginName,
      ...spec.hostExec,
      // Each call is decided at its moment of use (asked on a terminal).
      allow: (binary: string, args: string[], background: boolean) => gate.exec(binary, args, background),
      // A contract that cannot declare programs: the user's grant is all it takes, and the hint says how.
      grantHint:
        adapter.execGrants === 'granted'
          ? (binary: string) => `grant it with 'wash plugin grant ${spec.pluginName} --exec ${binary}' or --allow-run=${binary}`
          : undefined,
    };
    const host: AdapterHostOptions = {
      pluginName: spec.pluginName,
      invocation,
      config: new PluginConfigStore(spec.layout.pluginConfig, spec.identityDir),
      scratchGuestPath: spec.scratchGuestPath,
      hostExec: createHostExec(execOptions),
      hostExecBackground: backgroundStarter(execOptions),
      listen: (port: number) => {
        const answer = gate.listen(port);
        if (!answer.allowed) {
          throw answer.reason === 'answered' || answer.reason === 'recorded'
            ? 'incoming HTTP denied by the user'
            : `incoming HTTP is not granted (grant it with 'wash plugin grant ${spec.pluginName} --listen' or --allow-listen)`;
        }
        return callMain('listen', port) as number;
      },
      // The listener lives in the main thread, which also decides its access: this worker blocks while it waits.
      redirectListen: (path: string, port: number) => callMain('redirectListen', path, port) as string,
      redirectWait: (timeoutMs: number) => callMain('redirectWait', timeoutMs) as string,
      // `-o json` after the plugin name (the SDK calls it when it parses argv, before the command runs).
      setOutputFormat(format: OutputFormat) {
        if (format === invocation.outputFormat) return;
        if (output.wroteStdout() || invocation.emitted.length > 0) {
          throw 'the output format can only be chosen before the plugin writes any output';
        }
        invocation.outputFormat = format;
        // The guest's own stdout goes to stderr under json: wash's stdout then holds one JSON document.
        sandbox.stdoutToStderr = spec.outputPrefix !== undefined || format === 'json';
      },
      confirm: (question: string) => callMain('confirm', question) as boolean | undefined,
      readArgumentFile: (path: string) => readArgumentFile(spec.argumentFiles, path),
    };
    const instantiate = async () => {
      const imports = adapter.imports(host, spec.prepared);
      return { imports, raw: await instantiateRaw(spec.code, sandbox, imports) };
    };
    const first = await instantiate();
    phase('worker: instantiated');
    if (spec.call.kind === 'serve') return await serve(first.raw, async () => (await instantiate()).raw, spec.call.port);
    const debug = (message: string) => createHostImports(host).log('debug', message);
    const result = adapter.call(first.raw, spec.prepared, { pluginName: spec.pluginName, invocation, imports: first.imports, debug });
    return { kind: 'ok', status: result.status, value: result.value, ...state() };
  } catch (err) {
    if (err instanceof ModifiedEntry) return { kind: 'error', message: err.message, exitCode: err.exitCode, modified: err.path, ...state() };
    const failure = err instanceof OutputLimit ? err : pluginFailure(spec.pluginName, err);
    if (failure instanceof GuestExit) return { kind: 'ok', status: failure.code, ...state() };
    return { kind: 'error', message: failure.message, exitCode: failure.exitCode, hint: failure.hint, ...state() };
  } finally {
    output.end();
  }
}

/** What the server uses of the shim's node build (the package's types describe the browser build). */
interface ServerShim {
  HTTPServer: new (handler: unknown) => { listen(port: number, host: string): void; address(): unknown };
  types: {
    Fields: new () => unknown;
    OutgoingResponse: new (headers: unknown) => { setStatusCode(code: number): void; body(): unknown };
    OutgoingBody: { finish(body: unknown, trailers: undefined): void };
    ResponseOutparam: { set(param: unknown, response: { tag: 'ok'; val: unknown }): void };
  };
}

/** A 503 made by the host, without a guest instance. */
function busy(types: ServerShim['types'], responseOut: unknown): void {
  const response = new types.OutgoingResponse(new types.Fields());
  response.setStatusCode(503);
  const body = response.body();
  types.ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  types.OutgoingBody.finish(body, undefined);
}

/**
 * The second instance: serve the component's incoming handler on loopback
 * until the main thread ends the invocation. The socket itself lives in the
 * shim's I/O thread; this worker turns requests into handler calls.
 */
async function serve(first: Record<string, unknown>, fresh: () => Promise<Record<string, unknown>>, port: number): Promise<never> {
  type Handler = { handle(request: unknown, responseOut: unknown): void };
  // Any wasi:http 0.2.x handler: the shim's server speaks 0.2, whichever patch version the plugin was built with.
  const handlerOf = (raw: Record<string, unknown>) =>
    Object.entries(raw).find(([name]) => /^wasi:http\/incoming-handler@0\.2\.\d+/.test(name))?.[1] as Handler | undefined;
  const report = (message: Omit<ServingMessage, 'type'>) => parentPort!.postMessage({ type: 'serving', ...message } satisfies ServingMessage);
  // The JS engine serves one request per instance (as wasi:http hosts instantiate per request):
  // keep a few fresh instances ready and replace each one used.
  const ready: Handler[] = [];
  const replenish = () =>
    fresh().then(
      (raw) => void ready.push(handlerOf(raw)!),
      (err: unknown) => process.stderr.write(`wash: cannot prepare a server instance of '${spec.pluginName}': ${messageOf(err)}\n`),
    );
  const shim = (await import('@bytecodealliance/preview2-shim/http')) as unknown as ServerShim;
  const handler: Handler = {
    handle(request, responseOut) {
      const next = ready.shift();
      void replenish();
      if (next) next.handle(request, responseOut);
      else busy(shim.types, responseOut); // a burst emptied the pool: ask the client to retry
    },
  };
  if (!handlerOf(first)) report({ error: `plugin '${spec.pluginName}' does not export wasi:http/incoming-handler@0.2.x` });
  else {
    ready.push(handlerOf(first)!);
    await Promise.all([replenish(), replenish()]);
    try {
      const server = new shim.HTTPServer(handler);
      server.listen(port, '127.0.0.1');
      report({ port: (server.address() as { port: number }).port });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      report({ error: code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is in use` : messageOf(err) });
    }
  }
  return new Promise<never>(() => undefined);
}

/**
 * host-exec-background for contracts that have it: starts a granted program
 * and records its pid, so the main thread stops it when the call ends.
 */
function backgroundStarter(execOptions: Parameters<typeof createHostExecBackground>[0]): AdapterHostOptions['hostExecBackground'] {
  const pids = new Int32Array(spec.backgroundPids);
  const startBackground = createHostExecBackground(execOptions);
  return (binary, args) => {
    const slot = pids.indexOf(0);
    if (slot === -1) throw `host-exec-background of '${binary}' refused: at most ${pids.length} background programs per call`;
    const pid = startBackground(binary, args);
    Atomics.store(pids, slot, pid);
    return pid;
  };
}

parentPort!.postMessage(await main());
