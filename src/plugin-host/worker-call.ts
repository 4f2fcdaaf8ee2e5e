/**
 * One plugin call in a worker thread, from the main thread: prepare the call
 * through the contract's adapter, send the worker its spec (./worker-protocol.ts;
 * the worker is ./run-worker.ts), answer its questions over the channel
 * (consent, host.listen, the login redirect, host.confirm), bound it (time,
 * memory, Ctrl-C: ./worker-guard.ts) and turn its outcome into an exit status.
 * Launching (code check, access) is ./launch.ts.
 */
import { Worker } from 'node:worker_threads';
import { isatty } from 'node:tty';
import { GuestExit } from './guest-exit.js';
import type { Invocation } from './invocation.js';
import { logEnabled } from './invocation.js';
import type { CachedComponent } from './transpile-cache.js';
import type { PrewarmMessage, RunOutcome, RunSpec, ServingMessage } from './worker-protocol.js';
import { PACKAGE_ROOT } from './versions.js';
import { ChannelServer, contextHandlers } from './channel.js';
import { allowRedirect, RedirectReceiver } from './redirect.js';
import { guardWorker } from './worker-guard.js';
import { ModifiedEntry } from './integrity.js';
import { adapterFor } from './adapters/index.js';
import { checkArgumentFiles, fileArgumentValues } from './argument-files.js';
import { runWorkerFile, type Prewarmed } from './prewarm.js';
import type { AccessUse, UseAnswer } from '../sandbox/access-use.js';
import type { ConsentGateway, RunAccess, RunLimits } from '../sandbox/run-access.js';
import { askPluginQuestion } from '../sandbox/plugin-question.js';
import { finalJsonDocument } from '../output/render.js';
import { ExitCode, UsageError, WashError, messageOf } from '../util/errors.js';
import { escapeUntrusted } from '../util/untrusted.js';
import { colorEnabled } from '../util/style.js';
import { settleTerminal, terminalStateBuffer } from '../util/terminal.js';
import { addPhases, phase } from '../util/phases.js';

/** Without a consent session nothing beyond the granted sandbox is allowed. */
const NO_CONSENT: ConsentGateway = { use: async () => ({ allowed: false, reason: 'undeclared', env: {} }), close: () => undefined };

interface ComponentErrorLike {
  payload: unknown;
}

/** jco throws a ComponentError carrying the `err` payload of a `result`. */
const isComponentError = (err: unknown): err is ComponentErrorLike => err instanceof Error && 'payload' in err;

/** Turn whatever a plugin call threw into one line for the user and an exit status. */
export function pluginFailure(pluginName: string, err: unknown): WashError | GuestExit {
  if (err instanceof GuestExit || err instanceof WashError) return err;
  if (isComponentError(err)) {
    const payload = err.payload as { tag?: string; val?: unknown } | string;
    if (typeof payload === 'object' && payload?.tag === 'usage') {
      return new UsageError(escapeUntrusted(String(payload.val)), `see 'wash ${pluginName} --help'`);
    }
    const message = typeof payload === 'object' && payload?.tag === 'failure' ? payload.val : payload;
    return new WashError(escapeUntrusted(String(message)), ExitCode.failure);
  }
  if (err instanceof WebAssembly.RuntimeError) {
    return new WashError(`plugin '${pluginName}' crashed: ${err.message}`, ExitCode.failure);
  }
  if (err instanceof RangeError && /call stack/.test(err.message)) {
    return new WashError(`plugin '${pluginName}' crashed: stack overflow`, ExitCode.failure);
  }
  // A host import threw: the plugin's fault or ours, never a crash of wash.
  return new WashError(`plugin '${pluginName}' failed: ${escapeUntrusted(messageOf(err))}`, ExitCode.failure);
}

/** Print what was emitted under `--output json`: exactly one document on stdout. */
function flushJson(invocation: Invocation): void {
  if (invocation.outputFormat !== 'json') return;
  const doc = finalJsonDocument(invocation.emitted);
  invocation.emitted.length = 0;
  if (doc !== undefined) process.stdout.write(`${doc}\n`);
}

const WORKER = runWorkerFile;

/** How many background host programs one call may start. */
const MAX_BACKGROUND = 16;

/** Stop the background host programs a call started: their lifetime is the call's. */
function stopBackground(buffer: SharedArrayBuffer): void {
  for (const pid of new Int32Array(buffer)) {
    if (pid <= 0) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
/** How long a plugin's HTTP server keeps answering after its run ended. */
const SERVER_GRACE_MS = 500;

export interface CallOptions {
  /** Receives what the call returned, for calls that return data (authenticate). */
  onValue?: (value: unknown) => void;
  /** A worker started early with prewarmWorker(), to use instead of a new one. */
  prewarmed?: Prewarmed;
  /** A hook: its stdout goes to stderr and whatever it emits is dropped (it must not add to the command's output). */
  hook?: boolean;
}

/**
 * Call a plugin in a worker thread, under a wall-clock timeout, a memory
 * ceiling (the process's resident size, which includes wasm memory) and
 * Ctrl-C; each ends the call with its own message and exit status.
 */
export async function callPlugin(
  component: CachedComponent,
  call: RunSpec['call'],
  invocation: Invocation,
  access: RunAccess,
  limits: RunLimits,
  options: CallOptions = {},
): Promise<number> {
  const { onValue, prewarmed, hook = false } = options;
  const { metadata } = component;
  // The contract's adapter prepares the call here (a foreign contract's argv is parsed by the host), so usage errors need no worker.
  const adapter = adapterFor(component.contract);
  const described = { metadata, info: component.foreign };
  // A contract whose argv parse reads env fallbacks: that parse is the plugin's first read of its environment.
  const env =
    adapter.preparesWithEnv && access.sandbox.askEnv && access.consent && call.kind !== 'serve'
      ? ((await access.consent.use({ kind: 'env' })).env ?? access.sandbox.env)
      : access.sandbox.env;
  const prepared = call.kind === 'serve' ? undefined : adapter.prepare(call, described, env);
  if (logEnabled(invocation, 'debug')) for (const note of adapter.debugNotes(described)) process.stderr.write(`wash: ${note}\n`);
  const backgroundPids = new SharedArrayBuffer(4 * MAX_BACKGROUND);
  const servers: Worker[] = [];
  let finished = false;
  const redirect = new RedirectReceiver();
  const consent = access.consent ?? NO_CONSENT;
  const channels = new ChannelServer({
    ...contextHandlers(invocation.context),
    listen: (port: number) => startServer(port),
    // The redirect listener is the `listen` item: decided (asked, on a terminal) at this moment of use.
    async redirectListen(path: string, port: number) {
      guard.pause();
      let answer: UseAnswer;
      try {
        answer = await consent.use({ kind: 'listen', port });
      } finally {
        guard.resume();
      }
      await allowRedirect({ declared: metadata.access.incomingHttp !== undefined, granted: answer.allowed }, metadata.name, port);
      return redirect.listen(path, port);
    },
    redirectWait: (timeoutMs: number) => redirect.wait(timeoutMs),
    // The worker waits while the user is asked; the run's clock waits too.
    consent: async (use: AccessUse) => {
      guard.pause();
      try {
        return await consent.use(use);
      } finally {
        guard.resume();
      }
    },
    // host.confirm: asked here, where the terminal is; undefined (none) when wash may not ask. The run's clock waits.
    confirm: async (question: unknown) => {
      if (!access.prompts || hook) return undefined;
      guard.pause();
      try {
        return await askPluginQuestion(metadata.name, String(question));
      } finally {
        guard.resume();
      }
    },
  });
  const spec: RunSpec = {
    code: { dir: component.dir, sha256: component.sha256, imports: component.imports },
    pluginName: metadata.name,
    identityDir: access.identityDir,
    outputPrefix: hook ? `${metadata.name}: ` : undefined,
    call,
    contract: component.contract,
    prepared,
    backgroundPids,
    sandbox: { ...access.sandbox, args: [metadata.name], stdoutToStderr: hook || invocation.outputFormat === 'json' },
    scratchGuestPath: access.scratchGuestPath,
    hostExec: access.hostExec,
    layout: invocation.layout,
    outputFormat: invocation.outputFormat,
    logLevel: invocation.logLevel,
    maxOutputBytes: limits.maxOutputBytes,
    colorStderr: colorEnabled(process.stderr),
    terminal: { stdout: isatty(1), stderr: isatty(2), state: terminalStateBuffer() },
    channel: channels.newBuffer(),
    argumentFiles:
      call.kind === 'run'
        ? checkArgumentFiles(fileArgumentValues(metadata, call.argv), { cwd: process.cwd(), dirs: invocation.layout, packageRoot: PACKAGE_ROOT })
        : [],
  };

  /** host.listen: a second instance of the component serves its incoming handler, sharing the context store. */
  const startServer = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const channel = channels.newBuffer();
      const server = new Worker(WORKER(), { workerData: { spec: { ...spec, call: { kind: 'serve', port }, channel } satisfies RunSpec } });
      servers.push(server);
      channels.bind(server, channel);
      let serving = false;
      server.on('message', (m: ServingMessage | undefined) => {
        if (m?.type !== 'serving') return;
        if (m.error) reject(m.error);
        else {
          serving = true;
          resolve(m.port!);
        }
      });
      server.once('error', (err) => {
        if (serving) process.stderr.write(`wash: the HTTP server of plugin '${metadata.name}' failed: ${escapeUntrusted(messageOf(err))}\n`);
        reject(messageOf(err));
      });
      server.once('exit', () => {
        if (serving && !finished) process.stderr.write(`wash: the HTTP server of plugin '${metadata.name}' stopped\n`);
        reject(`the HTTP server of plugin '${metadata.name}' did not start`);
      });
    });

  const worker = prewarmed?.take() ?? new Worker(WORKER(), { workerData: { spec } });
  if (prewarmed) worker.postMessage({ type: 'start', spec } satisfies PrewarmMessage);
  phase(prewarmed ? 'main: spec sent to the prewarmed worker' : 'main: worker started');
  channels.bind(worker, spec.channel);
  const guard = guardWorker(worker, `plugin '${metadata.name}'`, limits);
  try {
    const outcome = await new Promise<RunOutcome | undefined>((resolve, reject) => {
      worker.on('message', (m: RunOutcome) => {
        if (m && typeof m === 'object' && 'kind' in m) resolve(m);
      });
      worker.once('error', reject);
      worker.once('exit', () => resolve(undefined));
    }).finally(settleTerminal);
    phase('main: outcome received');
    addPhases(outcome?.phases);
    if (guard.stopped) throw guard.stopped;
    if (!outcome) throw new WashError(`plugin '${metadata.name}' stopped unexpectedly`);
    if (outcome.kind === 'error' && outcome.modified) throw new ModifiedEntry(outcome.modified);
    if (!hook) {
      invocation.emitted.push(...outcome.emitted);
      invocation.outputFormat = outcome.outputFormat; // `-o json` after the plugin name
      flushJson(invocation);
    }
    if (outcome.kind === 'error') throw new WashError(outcome.message, outcome.exitCode, outcome.hint);
    if (outcome.value !== undefined) onValue?.(outcome.value);
    return outcome.status;
  } catch (err) {
    if (guard.stopped) throw guard.stopped;
    if (err instanceof WashError) throw err;
    throw pluginFailure(metadata.name, err);
  } finally {
    guard.release();
    consent.close();
    finished = true;
    // The handler that ended the wait (say, a login callback) may still be sending its page.
    if (servers.length > 0 && !guard.stopped) await new Promise((r) => setTimeout(r, SERVER_GRACE_MS));
    await Promise.all([worker, ...servers].map((w) => w.terminate()));
    await redirect.close();
    phase('main: worker ended');
    stopBackground(backgroundPids);
  }
}
