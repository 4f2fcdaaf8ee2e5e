/**
 * Async commands on the SDK's synchronous `run`.
 *
 * `sign` and `verify` await native SHA-512 (see ed25519.ts). componentize-js
 * lets an export return a promise: it runs the guest's event loop until the
 * promise settles and returns (or raises) its value. The SDK's CommandSpec.run
 * is typed synchronous, though, and its `plugin.run` turns only synchronous
 * throws into run-errors. `asyncRun` lets an async function stand in for a
 * command's run, and `withAsyncRun` maps a rejected promise to a run-error
 * the way the SDK maps a throw. Both go away once the SDK accepts async runs.
 */
import { UsageError, type CommandSpec, type Parsed } from '../../../plugin-sdk/src/index.js';

export function asyncRun(run: (parsed: Parsed) => Promise<number | void>): CommandSpec['run'] {
  return run as unknown as CommandSpec['run'];
}

const toRunError = (err: unknown) =>
  err instanceof UsageError
    ? { tag: 'usage' as const, val: err.message }
    : { tag: 'failure' as const, val: err instanceof Error ? err.message : String(err) };

export function withAsyncRun<P extends { run(argv: string[]): number }>(plugin: P) {
  return {
    ...plugin,
    run(argv: string[]): number | Promise<number> {
      const status = plugin.run(argv) as number | Promise<number | void>;
      if (!(status instanceof Promise)) return status;
      return status.then(
        (value) => value ?? 0,
        (err) => {
          throw toRunError(err);
        },
      );
    },
  };
}
