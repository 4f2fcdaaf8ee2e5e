import { layout as washLayout, type Layout } from '../contract/dirs.js';
import { loadCatalog, type Catalog } from '../plugin-host/catalog.js';
import { newInvocation, type Invocation } from '../plugin-host/invocation.js';
import type { WorkerLimits } from '../plugin-host/worker-guard.js';
import type { GlobalOptions } from './globals.js';
import { dim } from '../util/style.js';
import { escapeUntrusted, stringifyJson } from '../util/untrusted.js';

/** What every host command gets: options, directories, the plugin catalog. */
export class CliContext {
  readonly layout: Layout = washLayout();
  private catalogPromise?: Promise<Catalog>;

  constructor(readonly globals: GlobalOptions) {}

  /** `--config`, else $WASH_CONFIG, else `<XDG config>/wash/config.toml`. */
  get configFile(): string {
    return this.globals.config ?? process.env.WASH_CONFIG ?? this.layout.configFile;
  }

  /** Whether wash may ask the user: terminals on stdin and stderr, and no --no-prompt. */
  get interactive(): boolean {
    return this.globals.prompt && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY);
  }

  get json(): boolean {
    return this.globals.output === 'json';
  }

  /** Loaded once; transpiles (with a note on stderr) only components never seen before. */
  catalog(): Promise<Catalog> {
    this.catalogPromise ??= loadCatalog(this.layout, {
      onTranspile: (file) => this.note(`preparing plugin ${file} (first run only)...`),
      limits: () => this.callLimits(),
    }).then((catalog) => {
      if (this.globals.logLevel !== 'error') {
        for (const r of catalog.rejected) this.note(`warning: skipping ${r.file}: ${escapeUntrusted(r.reason)}`);
      }
      return catalog;
    });
    return this.catalogPromise;
  }

  /**
   * The wall-clock and memory limits of a call into a plugin (a run, or `info`
   * while a component is described): `--timeout`, else the config's settings.
   */
  async callLimits(): Promise<WorkerLimits> {
    const { readConfig } = await import('../sandbox/config.js'); // help and listings never need the config
    const { settings } = await readConfig(this.configFile);
    return { timeoutMs: (this.globals.timeoutSeconds ?? settings.timeoutSeconds) * 1000, memoryMb: settings.memoryMb };
  }

  newInvocation(): Invocation {
    return newInvocation(this.layout, this.globals.output, this.globals.logLevel);
  }

  /** A progress or warning line for people, on stderr. */
  note(text: string): void {
    process.stderr.write(`${dim(text, process.stderr)}\n`);
  }

  /** Write a result: JSON under `--output json`, else the text. */
  print(value: unknown, text: () => string): void {
    process.stdout.write(this.json ? `${stringifyJson(value)}\n` : `${text()}\n`);
  }
}
