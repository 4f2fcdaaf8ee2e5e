/**
 * Where a run's time goes: named moments, in milliseconds since the process
 * started (process.uptime() counts from the process's start in every thread;
 * the `performance` global would load perf_hooks, ~1 ms of `wash --version`),
 * printed under `--log-level trace`. Recording is one array push, so it is
 * always on; the worker sends its moments back with its outcome.
 */
export type Phase = [name: string, at: number];

const phases: Phase[] = [];

/** Note that `name` happened now. */
export function phase(name: string): void {
  phases.push([name, process.uptime() * 1000]);
}

/** Moments recorded elsewhere (a worker), already in this process's time. */
export function addPhases(more: readonly Phase[] | undefined): void {
  if (Array.isArray(more)) phases.push(...(more as readonly Phase[]).filter((p) => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'number'));
}

/** What this thread recorded so far. */
export function recordedPhases(): Phase[] {
  return [...phases];
}

/** One line per moment, in time order: when, and how long since the previous one. */
export function phaseReport(): string {
  const ordered = [...phases].sort((a, b) => a[1] - b[1]);
  let previous = 0;
  return ordered
    .map(([name, at]) => {
      const line = `wash: trace: ${at.toFixed(1).padStart(7)} ms  (+${(at - previous).toFixed(1).padStart(5)})  ${name}`;
      previous = at;
      return line;
    })
    .join('\n');
}
