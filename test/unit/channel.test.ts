// The synchronous channel from a plugin's worker to the main thread
// (src/plugin-host/channel.ts), with both real sides: the client runs in a
// worker thread (channel.ts bundled for it by esbuild, as scripts/bundle.mjs
// does for wash), blocking on the shared buffer while the ChannelServer
// here answers. No component, no wash process.
import { beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { ChannelServer, contextHandlers, type Handlers } from '../../src/plugin-host/channel.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
let channelJs: string;
beforeAll(() => {
  channelJs = buildSync({ entryPoints: [join(ROOT, 'src/plugin-host/channel.ts')], bundle: true, format: 'cjs', platform: 'node', write: false })
    .outputFiles[0]!.text;
});

/** One step the worker takes: a call (`method`, `args`), or an operation on the remote context. */
type Step = { call: string; args?: unknown[] } | { context: 'set' | 'get' | 'delete' | 'keys' | 'entries' | 'clear' | 'chain'; args?: string[] };
type Outcome = { ok: unknown } | { threw: unknown };

/**
 * Run `steps` in a worker through channelClient (and remoteContext), each
 * blocking until the server answers; resolves with each step's outcome.
 */
function runInWorker(server: ChannelServer, steps: Step[]): Promise<Outcome[]> {
  const script = `
    const { workerData, parentPort } = require('node:worker_threads');
    const module = { exports: {} };
    (function (module, exports) { ${channelJs} })(module, module.exports);
    const { channelClient, remoteContext } = module.exports;
    const call = channelClient(workerData.buffer, parentPort);
    const context = remoteContext(call);
    const outcomes = [];
    for (const step of workerData.steps) {
      try {
        let value;
        if (step.call) value = call(step.call, ...(step.args || []));
        else if (step.context === 'keys' || step.context === 'entries') value = [...context[step.context]()];
        else if (step.context === 'chain') value = context.set('a', '1').set('b', '2') === context;
        else value = context[step.context](...(step.args || []));
        outcomes.push({ ok: value === context ? 'the context' : value });
      } catch (err) {
        outcomes.push({ threw: err });
      }
    }
    parentPort.postMessage({ type: 'done', outcomes });
  `;
  const buffer = server.newBuffer();
  const worker = new Worker(script, { eval: true, workerData: { buffer, steps } });
  server.bind(worker, buffer);
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { type?: string; outcomes?: Outcome[] }) => {
      if (m?.type === 'done') {
        resolve(m.outcomes!);
        void worker.terminate();
      }
    });
    worker.on('error', reject);
  });
}

describe('the channel: blocking calls from a worker', () => {
  let context: Map<string, string>;
  let server: ChannelServer;
  const seen: unknown[][] = [];
  beforeAll(() => {
    context = new Map([['kept', 'v']]);
    const handlers: Handlers = {
      ...contextHandlers(context),
      echo: (...args: unknown[]) => (seen.push(args), args),
      later: async (ms: number, value: string) => {
        await new Promise((r) => setTimeout(r, ms));
        return value;
      },
      fails: () => {
        throw new Error('no such thing');
      },
      failsWithText: () => {
        throw 'denied: not granted';
      },
      failsAsync: async () => {
        throw new Error('async no');
      },
      nothing: () => undefined,
      huge: () => 'x'.repeat(5 * 1024 * 1024),
      bigint: () => 10n,
      cycle: () => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      },
    };
    server = new ChannelServer(handlers);
  });
  // One worker runs every group of steps below in turn (a worker costs far more than a call); each test checks its group.
  const long = 'L'.repeat(100_000);
  const text = '\u001b[2J\u0000\u202e🦀 \ud800 ünï';
  const groups = {
    values: [{ call: 'echo', args: [text, 1.5, { a: [null, true] }] }],
    order: [{ call: 'later', args: [20, 'slow'] }, { call: 'echo', args: [long] }, { call: 'echo', args: ['s'] }, { call: 'nothing' }],
    errors: [{ call: 'fails' }, { call: 'failsWithText' }, { call: 'failsAsync' }, { call: 'constructor' }, { call: 'toString' }, { call: 'nope' }],
    tooLarge: [{ call: 'huge' }, { call: 'echo', args: ['after'] }],
    unencodable: [{ call: 'bigint' }, { call: 'cycle' }, { call: 'echo', args: ['after'] }],
    context: [
      { context: 'get', args: ['kept'] },
      { context: 'set', args: ['k', 'v\n2'] },
      { context: 'get', args: ['missing'] },
      { context: 'chain' },
      { context: 'keys' },
      { context: 'delete', args: ['k'] },
      { context: 'delete', args: ['k'] },
      { context: 'entries' },
      { context: 'clear' },
    ],
  } satisfies Record<string, Step[]>;
  const outcomes = {} as Record<keyof typeof groups, Outcome[]>;
  beforeAll(async () => {
    const all = await runInWorker(server, Object.values(groups).flat());
    let at = 0;
    for (const [name, steps] of Object.entries(groups)) {
      outcomes[name as keyof typeof groups] = all.slice(at, at + steps.length);
      at += steps.length;
    }
  });

  it('values go both ways unchanged: text with escapes and surrogates, numbers, nested data', () => {
    // JSON.stringify writes a lone surrogate as \ud800, so it comes back as it was.
    expect(outcomes.values).toEqual([{ ok: [text, 1.5, { a: [null, true] }] }]);
    expect(seen[0]).toEqual([text, 1.5, { a: [null, true] }]);
  });

  it('a call waits for an async handler; calls answer in order, a short answer after a long one is not mixed with it', () => {
    expect(outcomes.order).toEqual([{ ok: 'slow' }, { ok: [long] }, { ok: ['s'] }, { ok: undefined }]);
  });

  it("a handler's error reaches the worker as a string, its message only; an unknown method is one", () => {
    expect(outcomes.errors).toEqual([
      { threw: 'no such thing' },
      { threw: 'denied: not granted' },
      { threw: 'async no' },
      // What the handlers object inherits is no handler.
      { threw: "unknown host call 'constructor'" },
      { threw: "unknown host call 'toString'" },
      { threw: "unknown host call 'nope'" },
    ]);
  });

  it('an answer larger than the buffer is an error, and the channel keeps working', () => {
    expect(outcomes.tooLarge).toEqual([{ threw: 'answer too large' }, { ok: ['after'] }]);
  });

  it('an answer that cannot be encoded is an error for the worker, not a hang', () => {
    expect(outcomes.unencodable[0]).toEqual({ threw: expect.stringMatching(/BigInt/) });
    expect(outcomes.unencodable[1]).toEqual({ threw: expect.stringMatching(/circular/i) });
    expect(outcomes.unencodable[2]).toEqual({ ok: ['after'] });
  });

  it("remoteContext is the main thread's Map, every access a call", () => {
    expect(outcomes.context.map((o) => ('ok' in o ? o.ok : o))).toEqual([
      'v',
      'the context', // set returns the context itself, as Map.set does
      undefined,
      true,
      ['kept', 'k', 'a', 'b'],
      true,
      false,
      [
        ['kept', 'v'],
        ['a', '1'],
        ['b', '2'],
      ],
      undefined,
    ]);
    expect(context.size).toBe(0); // cleared from the worker
  });

  it('two workers bound to one server each get their own answers', async () => {
    const [a, b] = await Promise.all([
      runInWorker(server, [
        { call: 'later', args: [20, 'A1'] },
        { call: 'echo', args: ['A2'] },
      ]),
      runInWorker(server, [
        { call: 'echo', args: ['B1'] },
        { call: 'later', args: [5, 'B2'] },
      ]),
    ]);
    expect(a).toEqual([{ ok: 'A1' }, { ok: ['A2'] }]);
    expect(b).toEqual([{ ok: ['B1'] }, { ok: 'B2' }]);
  });
});
