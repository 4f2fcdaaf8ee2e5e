// A real terminal for tests: tmux runs wash in a pane, send-keys types,
// capture-pane reads the screen, pipe-pane records the raw bytes sent to it.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CI, WASH } from './helpers.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (CI && !hasTmux) throw new Error('tmux is required for the terminal tests (installed by .ci/run)');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

export interface TerminalOptions {
  /** Variables for wash, over the environment the tmux server started with. */
  env: Record<string, string>;
  /** A directory for the pane's script and captures. */
  dir: string;
  /** Record every byte written to the terminal (see `raw`): wash starts once the recording is on. */
  record?: boolean;
  /** Shell lines run after wash has exited (and printed EXIT=<status>). */
  afterwards?: string[];
  /** Let programs in the pane set tmux's paste buffers with OSC 52 (needs `record`, which holds wash until set). */
  clipboard?: boolean;
}

export interface TerminalRun {
  /** The screen as text (attributes dropped: concealed text shows). */
  screen(): string;
  /** The screen with its attributes as escape sequences (capture-pane -e). */
  screenWithAttributes(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  keys(...keys: string[]): void;
  /** The pane's title, which OSC 0/2 set. */
  title(): string;
  /** What was recorded with `record`. */
  raw(): Promise<Buffer>;
}

/** One tmux server (own socket, no user config) for a test file; kill() it in afterAll. */
export class Tmux {
  private readonly socket = `wash-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  private sessions = 0;

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Start `wash <args>` in a fresh 160x50 pane; it prints EXIT=<status> when done. */
  async run(washArgs: string[], options: TerminalOptions): Promise<TerminalRun> {
    const name = `s${++this.sessions}`;
    const script = join(options.dir, `${name}.sh`);
    const gate = join(options.dir, `${name}.go`);
    const rawFile = join(options.dir, `${name}.raw`);
    await writeFile(
      script,
      [
        `export PATH=${quote(process.env.PATH ?? '/usr/bin:/bin')}`,
        ...Object.entries(options.env).map(([k, v]) => `export ${k}=${quote(v)}`),
        ...(options.record ? [`while [ ! -e ${quote(gate)} ]; do sleep 0.02; done`] : []),
        `node ${quote(WASH)} ${washArgs.map(quote).join(' ')}`,
        'echo "EXIT=$?"',
        ...(options.afterwards ?? []),
        'sleep 60',
      ].join('\n'),
    );
    this.tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', `bash ${quote(script)}`);
    if (options.record) {
      if (options.clipboard) this.tmux('set-option', '-s', 'set-clipboard', 'on');
      this.tmux('pipe-pane', '-t', name, `cat > ${quote(rawFile)}`);
      await writeFile(gate, '');
    }
    const screen = () => this.tmux('capture-pane', '-p', '-J', '-t', name);
    const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const text = screen();
        if (pattern.test(text)) return text;
        await sleep(100);
      }
      throw new Error(`timed out waiting for ${pattern}; screen:\n${screen()}`);
    };
    return {
      screen,
      screenWithAttributes: () => this.tmux('capture-pane', '-p', '-e', '-J', '-t', name),
      waitFor,
      keys: (...k: string[]) => void this.tmux('send-keys', '-t', name, ...k),
      title: () => this.tmux('display-message', '-p', '-t', name, '#{pane_title}').trim(),
      raw: async () => {
        this.tmux('pipe-pane', '-t', name); // stop recording, so the file is complete
        await sleep(200);
        return readFile(rawFile);
      },
    };
  }

  kill(): void {
    if (hasTmux) spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
