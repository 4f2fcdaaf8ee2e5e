/**
 * One self-rewriting progress line on stderr, for downloads and uploads.
 * Drawn only on a TTY (and never under `--output json`); otherwise every
 * method does nothing.
 */
import { humanBytes } from '../util/text.js';

export interface Progress {
  update(done: number): void;
  /** Clear the line (the caller prints its own result). */
  finish(): void;
}

const NONE: Progress = { update: () => undefined, finish: () => undefined };

export function progressLine(
  label: string,
  total: number | undefined,
  options: { enabled: boolean; stream?: NodeJS.WriteStream; intervalMs?: number },
): Progress {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled || !stream.isTTY) return NONE;
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let drawn = false;
  const draw = (done: number) => {
    const columns = stream.columns || 80;
    const amount = total ? `${humanBytes(done)} / ${humanBytes(total)}` : humanBytes(done);
    let line: string;
    if (total) {
      const ratio = Math.min(1, done / total);
      const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
      const width = Math.max(10, Math.min(30, columns - label.length - amount.length - 12));
      const filled = Math.round(ratio * width);
      line = `${label} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${percent} ${amount}`;
    } else line = `${label} ${amount}`;
    stream.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
    drawn = true;
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < interval && !(total && done >= total)) return;
      last = now;
      draw(done);
    },
    finish() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}
