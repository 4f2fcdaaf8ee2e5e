/** Exit statuses wash uses; documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  timeout: 124,
  memory: 125,
  interrupted: 130,
} as const;

/**
 * An error meant for the user: printed as one line (`error: <message>`), no
 * stack, and wash exits with `exitCode`.
 */
export class WashError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'WashError';
  }
}

export class UsageError extends WashError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
    this.name = 'UsageError';
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
