import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { ExecOutput } from '../plugin-host/host-imports.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { shellQuote } from './policy.js';
import { yellow } from '../util/style.js';
import { asQuestionSync } from '../util/terminal.js';

const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Ask on the terminal, synchronously: host-exec is a synchronous import, so
 * the plugin is blocked inside wasm while the user answers. Reads /dev/tty,
 * not stdin, so piped input cannot answer; lines typed (or injected) before
 * the question appeared are discarded first. The question starts on a fresh
 * line with the terminal's attributes reset, and no plugin output appears
 * until it is answered. Anything but y/yes is a no.
 */
export function confirmOnTerminal(question: string): boolean {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    return false;
  }
  try {
    return asQuestionSync((prefix) => {
      discardTypedAhead();
      process.stderr.write(`${prefix}${question} [y/N] `);
      const buf = Buffer.alloc(256);
      let answer = '';
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        answer += buf.subarray(0, n).toString('utf8');
        if (answer.includes('\n') || answer.length > 200) break;
      }
      return /^\s*(y|yes)\s*$/i.test(answer.split('\n')[0] ?? '');
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * Read away the complete lines waiting on the terminal. The terminal is in
 * line mode, so a partial line (keys typed ahead without Enter) stays and
 * becomes the start of the answer: discarding it too needs raw mode on
 * /dev/tty (tcflush), which Node does not offer from a worker.
 */
function discardTypedAhead(): void {
  let fd: number;
  try {
    fd = openSync('/dev/tty', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < 256; i++) if (readSync(fd, buf, 0, buf.length, null) <= 0) break;
  } catch {
    // EAGAIN: nothing (more) waiting
  } finally {
    closeSync(fd);
  }
}

export interface HostExecOptions {
  pluginName: string;
  /** Binaries the plugin declared and was granted. */
  granted: readonly string[];
  /** Whether each call is confirmed on the terminal (else: granted means allowed). */
  interactive: boolean;
  timeoutMs: number;
  /** How a binary gets granted, for the denial message (default: declare it, then --allow-run). */
  grantHint?: (binary: string) => string;
}

const defaultHint = (binary: string) => `declare it in access.host-exec; grant with --allow-run=${binary}`;

/** Refuse (throw a string) unless `binary` is granted and, on a terminal, the user allows this call. */
function gate(options: HostExecOptions, binary: string, args: string[], how = ''): void {
  if (!options.granted.includes(binary)) {
    throw `host-exec of '${binary}' denied: not granted (${(options.grantHint ?? defaultHint)(binary)})`;
  }
  const shown = [binary, ...args].map((a) => esc(shellQuote(a))).join(' ');
  if (options.interactive && !confirmOnTerminal(`${yellow('wash:', process.stderr)} plugin '${esc(options.pluginName)}' wants to run${how}: ${shown}\nAllow?`)) {
    throw `host-exec of '${binary}' denied by the user`;
  }
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
 * Start a host program in the background, under the same grant and
 * confirmation as host-exec, with no stdio. Returns its pid; the caller
 * stops it when the plugin call ends.
 */
export function createHostExecBackground(options: HostExecOptions): (binary: string, args: string[]) => number {
  return (binary, args) => {
    gate(options, binary, args, ' in the background');
    const child = spawn(binary, args, { shell: false, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw `host-exec of '${binary}' failed: not found on PATH`;
    return child.pid;
  };
}
