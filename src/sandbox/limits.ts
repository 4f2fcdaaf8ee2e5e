/**
 * The range a plugin run's wall-clock limit may take: `--timeout` and the
 * config's `timeout_seconds`. Under a second nothing can run; past a day is
 * a typo, and past ~24.8 days Node's timers fire at once.
 */
const TIMEOUT_RANGE = { min: 1, max: 24 * 60 * 60 } as const;

/** Why a timeout in seconds is unusable, or undefined when it is fine. */
export function timeoutProblem(seconds: number): string | undefined {
  if (!Number.isFinite(seconds)) return 'needs a number of seconds';
  if (seconds < TIMEOUT_RANGE.min || seconds > TIMEOUT_RANGE.max) return `must be from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max} seconds (24 h)`;
  return undefined;
}
