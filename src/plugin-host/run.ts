import { GuestExit, instantiatePlugin, type InstanceSandbox, type PluginInstance } from './instantiate.js';
import type { Invocation } from './invocation.js';
import type { CachedComponent } from './transpile-cache.js';
import { PluginConfigStore } from './plugin-config-store.js';
import type { ExecOutput } from './host-imports.js';
import { finalJsonDocument } from '../output/render.js';
import { ExitCode, UsageError, WashError, messageOf } from '../util/errors.js';
import { escapeUntrusted } from '../util/untrusted.js';

/** The access an instance was given, as the sandbox resolved it. */
export interface RunAccess {
  sandbox: Omit<InstanceSandbox, 'stdoutToStderr' | 'args'>;
  scratchGuestPath?: string;
  hostExec?: (binary: string, args: string[]) => ExecOutput;
  listen?: (port: number) => number;
}

export async function instantiateWithAccess(
  component: CachedComponent,
  invocation: Invocation,
  access: RunAccess,
): Promise<PluginInstance> {
  const { metadata } = component;
  return instantiatePlugin(
    component.dir,
    { ...access.sandbox, args: [metadata.name], stdoutToStderr: invocation.outputFormat === 'json' },
    {
      pluginName: metadata.name,
      invocation,
      config: new PluginConfigStore(invocation.layout.pluginConfig, metadata.id),
      scratchGuestPath: access.scratchGuestPath,
      hostExec:
        access.hostExec ??
        ((binary) => {
          throw `host-exec of '${binary}' denied: not granted`;
        }),
      listen:
        access.listen ??
        (() => {
          throw 'incoming HTTP is not granted';
        }),
    },
  );
}

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
  // A host import threw (e.g. the filesystem shim on EISDIR): the plugin's fault or ours, never a crash.
  return new WashError(`plugin '${pluginName}' failed: ${escapeUntrusted(messageOf(err))}`, ExitCode.failure, undefined);
}

/** Print what was emitted under `--output json`: exactly one document on stdout. */
export function flushJson(invocation: Invocation): void {
  if (invocation.outputFormat !== 'json') return;
  const doc = finalJsonDocument(invocation.emitted);
  invocation.emitted.length = 0;
  if (doc !== undefined) process.stdout.write(`${doc}\n`);
}

/** Instantiate, call `run` with the raw argv, and map the outcome to an exit status. */
export async function runPlugin(
  component: CachedComponent,
  argv: string[],
  invocation: Invocation,
  access: RunAccess,
): Promise<number> {
  const name = component.metadata.name;
  let status: number;
  try {
    const instance = await instantiateWithAccess(component, invocation, access);
    status = instance.plugin.run(argv);
  } catch (err) {
    const failure = pluginFailure(name, err);
    if (failure instanceof GuestExit) {
      status = failure.code;
    } else {
      flushJson(invocation);
      throw failure;
    }
  }
  flushJson(invocation);
  return status;
}
