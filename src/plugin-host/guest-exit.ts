/**
 * Thrown by our `wasi:cli/exit` so a guest's exit ends the run, not the host
 * process. Its own module: the main thread needs the class (./worker-call.ts), not
 * the instantiation code around it (./instantiate.ts, worker-only).
 */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`plugin exited with status ${code}`);
  }
}
