import { spawn, spawnSync } from 'node:child_process';
import type { ExecOutput } from '../contract/wit.js';
import type { UseAnswer } from './access-use.js';

const MAX_OUTPUT = 64 * 1024 * 1024;

export interface HostExecOptions {
  pluginName: string;
  /**
   * Whether this call may run: the consent session decides (in the main
   * thread), asking on a terminal with the exact command line when the
   * program is declared but not granted; `once` allows this call only.
   */
  allow: (binary: string, args: string[], background: boolean) => UseAnswer;
  timeoutMs: number;
  /** How a binary gets granted, for the denial message (default: declare it, then --allow-run). */
  grantHint?: (binary: string) => string;
}

const defaultHint = (binary: string) => `declare it in access.host-exec; grant with --allow-run=${binary}`;

/** Refuse (throw a string) unless this call of `binary` is allowed. */
function gate(options: HostExecOptions, binary: string, args: string[], background = false): void {
  const answer = options.allow(binary, args, background);
  if (answer.allowed) return;
  if (answer.reason === 'answered' || answer.reason === 'recorded') throw `host-exec of '${binary}' denied by the user`;
  throw `host-exec of '${binary}' denied: not granted (${(options.grantHint ?? defaultHint)(binary)})`;
}

export function createHostExec(options: HostExecOptions): (binary: string, args: string[]) => ExecOutput {
  return (binary, args) => {
    gate(options, binary, args);
    const r = spawnSync(binary, args, { shell: false, maxBuffer: MAX_OUTPUT, timeout: options.timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      throw `host-exec of '${binary}' failed: ${code === 'ENOENT' ? 'not found on PATH' : (code ?? r.error.message)}`;
    }
    return { status: r.status ?? -1, stdout: new Uint8Array(r.stdout), stderr: new Uint8Array(r.stderr) };
  };
}

/**
 * Start a host program in the background, under the same consent as
 * host-exec (the question says it runs in the background), with no stdio. Returns its pid; the caller
 * stops it when the plugin call ends.
 */
export function createHostExecBackground(options: HostExecOptions): (binary: string, args: string[]) => number {
  return (binary, args) => {
    gate(options, binary, args, true);
    const child = spawn(binary, args, { shell: false, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw `host-exec of '${binary}' failed: not found on PATH`;
    return child.pid;
  };
}
