/**
 * What wash knows about the terminal it shares with plugins, kept in shared
 * memory so the main thread and every worker of a call see the same thing:
 * whether a wash question is on screen (a plugin's output waits until it is
 * answered, so nothing can be printed over or under it) and whether the
 * cursor was left mid-line (a question then starts on a fresh line).
 */
const QUESTION = 0;
/** 0 at the start of a line, else the fd whose last write did not end one. */
const OPEN_LINE = 1;

let state = new Int32Array(new SharedArrayBuffer(8));

/** This thread's state buffer, to hand to a worker. */
export function terminalStateBuffer(): SharedArrayBuffer {
  return state.buffer;
}

/** In a worker: use the state of the thread that started it. */
export function useTerminalState(buffer: SharedArrayBuffer): void {
  state = new Int32Array(buffer);
}

/** Record the last bytes written to a terminal on `fd`. */
export function noteTerminalWrite(fd: number, bytes: Uint8Array): void {
  if (bytes.length > 0) Atomics.store(state, OPEN_LINE, bytes[bytes.length - 1] === 0x0a ? 0 : fd);
}

/** The fd left mid-line, or 0. */
export function openLine(): number {
  return Atomics.load(state, OPEN_LINE);
}

/** Block while a wash question is on screen (a plugin's output waits for the answer). */
export function waitForQuestion(): void {
  while (Atomics.load(state, QUESTION) !== 0) Atomics.wait(state, QUESTION, 1, 200);
}

/**
 * Normal attributes, a visible cursor, line wrapping back on: whatever the
 * output before left set, the question shows as written.
 */
export const TERMINAL_RESET = '\u001b[0m\u001b[?25h\u001b[?7h';

/**
 * Ask a question on the terminal: plugin output is held meanwhile, and the
 * question is preceded by TERMINAL_RESET and, when the cursor was left
 * mid-line, a newline. `ask` receives that prefix to write before its text.
 */
export async function asQuestion<T>(ask: (prefix: string) => Promise<T> | T): Promise<T> {
  const prefix = beginQuestion();
  try {
    return await ask(prefix);
  } finally {
    endQuestion();
  }
}

/** Synchronous twin of asQuestion, for questions asked from inside a host import. */
export function asQuestionSync<T>(ask: (prefix: string) => T): T {
  const prefix = beginQuestion();
  try {
    return ask(prefix);
  } finally {
    endQuestion();
  }
}

function beginQuestion(): string {
  Atomics.store(state, QUESTION, 1);
  const fresh = Atomics.exchange(state, OPEN_LINE, 0) !== 0;
  return `${TERMINAL_RESET}${fresh ? '\n' : ''}`;
}

function endQuestion(): void {
  Atomics.store(state, QUESTION, 0);
  Atomics.notify(state, QUESTION);
}

/**
 * After a plugin call (in the thread that started it): a question its worker
 * was asking when it was stopped no longer holds output, and a line its
 * output left open is ended, so what wash prints next starts at column 0.
 */
export function settleTerminal(): void {
  endQuestion();
  const fd = Atomics.exchange(state, OPEN_LINE, 0);
  if (fd === 1) process.stdout.write('\n');
  else if (fd === 2) process.stderr.write('\n');
}
