import type { Invocation } from './invocation.js';
import type { ExecOutput, LogLevel, OutputFormat } from '../contract/wit.js';
import { logEnabled } from './invocation.js';
import type { PluginConfigStore } from './plugin-config-store.js';
import { renderJsonAsText, tableToJson } from '../output/render.js';
import { renderTable } from '../util/table.js';
import { escapeUntrusted } from '../util/untrusted.js';
import { messageOf } from '../util/errors.js';
import { dim, yellow, red } from '../util/style.js';
import { browserOpener } from './browser-opener.js';

const MAX_CONTEXT_VALUE = 1024 * 1024;

/** What the host import object needs to know about the running plugin. */
export interface HostImportOptions {
  pluginName: string;
  invocation: Invocation;
  config: PluginConfigStore;
  /** The scratch dir as the guest sees it, when granted. */
  scratchGuestPath?: string;
  /** Runs a host binary for the plugin or throws a string saying why not. */
  hostExec: (binary: string, args: string[]) => ExecOutput;
  /** Starts serving the plugin's incoming handler or throws a string. */
  listen: (port: number) => number;
  /** host.redirect-listen: the redirect URI, or throws a string (./redirect.ts, in the main thread). */
  redirectListen: (path: string, port: number) => string;
  /** host.redirect-wait: the redirect's full URL, or throws a string. */
  redirectWait: (timeoutMs: number) => string;
  /** host.set-output-format: switches this call's output, or throws a string saying why not. Default: refused. */
  setOutputFormat?: (format: OutputFormat) => void;
  /** host.confirm: the user's answer, or undefined when wash cannot ask. Default: cannot ask. */
  confirm?: (question: string) => boolean | undefined;
  /** host.read-argument-file: a file the user named on the command line, or throws a string. Default: none named. */
  readArgumentFile?: (path: string) => Uint8Array;
}

function writeLine(stream: NodeJS.WriteStream, text: string) {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The implementation of `wash:plugin/host` for one instance. */
export function createHostImports(options: HostImportOptions) {
  const { invocation, config, pluginName } = options;
  const emit = (value: unknown, asText: () => string) => {
    if (invocation.dropEmitted) return;
    // Read at each call: the plugin may have switched the format (set-output-format).
    if (invocation.outputFormat === 'json') invocation.emitted.push(value);
    else writeLine(process.stdout, asText());
  };

  // jco maps `result<_, string>` to: return normally for ok, throw the string for err.
  const orErr = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw messageOf(err);
    }
  };

  return {
    requestedFormat: () => invocation.outputFormat,

    emitTable(headers: string[], rows: string[][]) {
      emit(tableToJson(headers, rows), () =>
        renderTable(
          headers.map((h) => escapeUntrusted(h)),
          rows.map((r) => r.map((c) => escapeUntrusted(c))),
        ),
      );
    },

    emitJson(text: string) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw `emit-json: not valid JSON (${messageOf(err)})`;
      }
      emit(value, () => renderJsonAsText(value));
    },

    log(level: LogLevel, message: string) {
      if (!logEnabled(invocation, level)) return;
      const safe = escapeUntrusted(message);
      const label = level === 'error' ? red('error: ', process.stderr) : level === 'warn' ? yellow('warning: ', process.stderr) : '';
      const line = `${pluginName}: ${label}${safe}`;
      writeLine(process.stderr, level === 'debug' || level === 'trace' ? dim(line, process.stderr) : line);
    },

    contextGet: (key: string) => invocation.context.get(key),
    contextSet(key: string, value: string) {
      if (value.length > MAX_CONTEXT_VALUE) throw `context value for '${key}' is larger than ${MAX_CONTEXT_VALUE} bytes`;
      invocation.context.set(key, value);
    },
    contextDelete: (key: string) => void invocation.context.delete(key),
    contextList: () => [...invocation.context.keys()].sort(),

    configGet: (key: string) => config.get(key),
    configSet: (key: string, value: string) => orErr(() => config.set(key, value)),
    configDelete: (key: string) => orErr(() => config.delete(key)),
    configList: () => config.keys(),

    dirs: () => ({
      scratch: options.scratchGuestPath,
      cache: invocation.layout.cache,
      data: invocation.layout.data,
      config: invocation.layout.config,
    }),

    hostExec: (binary: string, args: string[]) => options.hostExec(binary, args),
    listen: (port: number) => options.listen(port),
    redirectListen: (path: string, port: number) => options.redirectListen(path, port),
    redirectWait: (timeoutMs: number) => options.redirectWait(timeoutMs),
    browserOpener: () => browserOpener(),

    // --- 0.2.1: output format after the plugin name, questions, files named on the command line.
    setOutputFormat(format: OutputFormat) {
      if (format !== 'text' && format !== 'json') throw `unknown output format '${String(format)}'`;
      if (!options.setOutputFormat) throw 'the output format cannot be changed here';
      options.setOutputFormat(format);
    },
    confirm: (question: string) => options.confirm?.(question),
    readArgumentFile(path: string) {
      if (!options.readArgumentFile) throw `'${path}' was not named as a <file> on the command line`;
      return options.readArgumentFile(path);
    },
  };
}
