// Running real shells against the real CLI: a `wash` executable on PATH (a
// wrapper around bin/wash.js) and a script run by bash, zsh or fish.
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WASH } from './helpers.js';

/** A directory holding an executable `wash` that runs this checkout's CLI; put it first on PATH. */
export async function washBinDir(root: string): Promise<string> {
  const dir = join(root, 'bin');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'wash');
  await writeFile(file, `#!/bin/sh\nexec '${process.execPath}' '${WASH}' "$@"\n`);
  await chmod(file, 0o755);
  return dir;
}

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `script` with `shell` (bash, zsh, fish) in `cwd`, with exactly `env` (plus NO_COLOR), no TTY. */
export function runShell(shell: string, script: string, options: { env: Record<string, string>; cwd: string; timeoutMs?: number }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const args = shell === 'fish' ? ['--no-config', '-c', script] : shell === 'zsh' ? ['-f', '-c', script] : ['--norc', '--noprofile', '-c', script];
    const child = spawn(shell, args, { cwd: options.cwd, env: { NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
