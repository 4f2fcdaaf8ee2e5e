import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const WASH = join(ROOT, 'bin', 'wash.js');
export const CI = process.env.CI === 'true';
/** Shared between test files: transpiling the same digest twice is wasted time, and entries are written atomically. */
const SHARED_CACHE = join(ROOT, 'node_modules', '.cache', 'wash-test-xdg-cache');
/** The integrity records of the shared cache's entries (wash keeps them in its data dir), shared with it. */
const SHARED_INTEGRITY = join(ROOT, 'node_modules', '.cache', 'wash-test-xdg-integrity');

export interface Xdg {
  root: string;
  env: Record<string, string>;
  /** wash's own dirs inside the XDG roots (env-paths('wash', { suffix: '' })). */
  cache: string;
  data: string;
  config: string;
  cleanup(): Promise<void>;
}

export async function makeXdg(options: { isolatedCache?: boolean } = {}): Promise<Xdg> {
  const root = await mkdtemp(join(tmpdir(), 'wash-test-'));
  const cacheHome = options.isolatedCache ? join(root, 'cache') : SHARED_CACHE;
  const env = {
    XDG_CACHE_HOME: cacheHome,
    XDG_DATA_HOME: join(root, 'data'),
    XDG_CONFIG_HOME: join(root, 'config'),
  };
  await Promise.all(Object.values(env).map((d) => mkdir(d, { recursive: true })));
  if (!options.isolatedCache) await shareIntegrity(join(env.XDG_DATA_HOME, 'wash'));
  return {
    root,
    env,
    cache: join(cacheHome, 'wash'),
    data: join(env.XDG_DATA_HOME, 'wash'),
    config: join(env.XDG_CONFIG_HOME, 'wash'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Point `<wash data dir>/integrity` at the records of the shared transpile cache. */
export async function shareIntegrity(washData: string): Promise<void> {
  await mkdir(SHARED_INTEGRITY, { recursive: true });
  await mkdir(washData, { recursive: true });
  await symlink(SHARED_INTEGRITY, join(washData, 'integrity'));
}

export interface WashResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real CLI in a child process, with no TTY and a clean environment. */
export function runWash(
  args: string[],
  options: {
    xdg?: Xdg;
    env?: Record<string, string>;
    input?: string | Buffer;
    timeoutMs?: number;
    cwd?: string;
    /** Another copy of bin/wash.js (a copied package). */
    wash?: string;
  } = {},
): Promise<WashResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NO_COLOR: '1',
      ...(options.xdg?.env ?? {}),
      ...(options.env ?? {}),
    };
    const child = spawn(process.execPath, [options.wash ?? WASH, ...args], { env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined); // the plugin may not read stdin at all
    child.stdin.end(options.input ?? '');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
    server.on('error', reject);
  });
}
