/**
 * The host side of their contract for one instance: the `wasmcloud:wash/types`
 * resources (runner, context, plugin-config, ...), `wasi:logging/logging` and
 * `wasi:config/store`, over our host imports, grants and context store.
 */
import { createHostImports } from '../../host-imports.js';
import type { ExecOutput } from '../../../contract/wit.js';
import { getWashVersion } from '../../versions.js';
import type { AdapterHostOptions } from '../contract.js';
import { WashError, ExitCode, messageOf } from '../../../util/errors.js';
import { escapeUntrusted } from '../../../util/untrusted.js';
import type { WashShape } from './shapes.js';

export interface WasmcloudWashHostOptions extends AdapterHostOptions {
  /** The plugin's shape, when known (not while describing it). */
  shape?: WashShape;
}

const LEVELS = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', critical: 'error' } as const;

/**
 * The import object entries these plugins need, for one instance. One set of
 * classes serves every shape: jco calls methods by name, a `get` that had a
 * default argument gets it (and an absent key reads as it, as the early
 * shapes want), and what `set` or `delete` return is dropped by jco where
 * the shape's result has no payload.
 */
export function wasmcloudWashImports(options: WasmcloudWashHostOptions): Record<string, unknown> {
  const host = createHostImports(options);
  const { invocation, config } = options;
  const decoder = new TextDecoder();

  class Context {
    get(key: string, defaultValue?: string) {
      return invocation.context.get(key) ?? defaultValue;
    }
    set(key: string, value: string) {
      const previous = invocation.context.get(key);
      host.contextSet(key, value);
      return previous;
    }
    delete(key: string) {
      const previous = invocation.context.get(key);
      invocation.context.delete(key);
      return previous;
    }
    list() {
      return host.contextList();
    }
  }

  class PluginConfig {
    get(key: string, defaultValue?: string) {
      return config.get(key) ?? defaultValue;
    }
    set(key: string, value: string) {
      const previous = config.get(key);
      config.set(key, value);
      return previous;
    }
    delete(key: string) {
      const previous = config.get(key);
      config.delete(key);
      return previous;
    }
    list() {
      return config.keys();
    }
  }

  /** Early shapes: the host's settings. wash exposes none to these plugins: every key reads as its default. */
  class WashConfig {
    get(_key: string, defaultValue: string) {
      return defaultValue;
    }
    list(): string[] {
      return [];
    }
  }

  /** Only reachable for its version: early shapes ask the runner for it, and there is no project (none). */
  class ProjectConfig {
    version() {
      return getWashVersion();
    }
  }

  // jco: a `result` import returns its ok value and throws for err.
  class Runner {
    context() {
      return new Context();
    }
    pluginConfig() {
      return new PluginConfig();
    }
    /** Early shapes: wash-ts has no projects. */
    projectConfig() {
      return undefined;
    }
    hostExec(bin: string, args: string[]): [string, string] {
      try {
        const out: ExecOutput = options.hostExec(bin, args);
        return [decoder.decode(out.stdout), decoder.decode(out.stderr)];
      } catch (err) {
        // The early shapes' err has no payload: the plugin cannot tell the user why, so we do.
        if (options.shape !== 'late') process.stderr.write(`wash: ${escapeUntrusted(messageOf(err))}\n`);
        throw err;
      }
    }
    hostExecBackground(bin: string, args: string[]): void {
      options.hostExecBackground(bin, args);
    }
    /** Early shapes: credentials from the host. wash gives none to these plugins. */
    authorize(): never {
      throw 'wash provides no credentials to plugins of this contract';
    }
    // 0.0.1 only: user-visible output, a table, and stopping with an error.
    output(message: string) {
      if (invocation.outputFormat === 'json') invocation.emitted.push({ output: message });
      else process.stdout.write(message.endsWith('\n') ? message : `${message}\n`);
    }
    structuredOutput(headers: string[], rows: string[][]) {
      host.emitTable(headers, rows);
    }
    error(reason: string): never {
      throw new WashError(escapeUntrusted(reason), ExitCode.failure);
    }
  }

  return {
    'wasmcloud:wash/types': { Context, PluginConfig, WashConfig, ProjectConfig, Runner },
    'wasi:logging/logging': {
      log(level: keyof typeof LEVELS, context: string, message: string) {
        host.log(LEVELS[level] ?? 'info', context ? `${context}: ${message}` : message);
      },
    },
    // The Rust wash also served the plugin config through wasi:config/store.
    'wasi:config/store': {
      get: (key: string) => config.get(key),
      getAll: () => config.keys().map((k) => [k, config.get(k) ?? '']),
    },
  };
}
