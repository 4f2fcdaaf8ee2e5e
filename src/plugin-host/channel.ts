/**
 * Synchronous calls from a plugin's worker to the main thread. A plugin
 * blocks inside wasm (a sync import, or waiting on a clock), so it cannot
 * receive messages; instead it posts a request and sleeps on a shared buffer
 * until the main thread writes the answer. The main thread owns what several
 * instances share: the invocation's context store, and the HTTP server worker.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { messageOf } from '../util/errors.js';

const HEADER = 8; // Int32 state (0 waiting, 1 answered) + Int32 length
const CAPACITY = 4 * 1024 * 1024;

interface Request {
  type: 'wash-rpc';
  method: string;
  args: unknown[];
}

type Answer = { ok?: unknown } | { err: string };

export type Handlers = Record<string, (...args: never[]) => unknown>;

/** Main-thread side: answers the requests of every worker bound to it. */
export class ChannelServer {
  constructor(private readonly handlers: Handlers) {}

  newBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER + CAPACITY);
  }

  bind(worker: Worker, buffer: SharedArrayBuffer): void {
    const state = new Int32Array(buffer, 0, 2);
    const bytes = new Uint8Array(buffer, HEADER);
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- never rejects: both the handler's failure and an answer JSON cannot hold are caught below
    worker.on('message', async (message: Request) => {
      if (message?.type !== 'wash-rpc') return;
      let answer: Answer;
      try {
        // Own handlers only: what the object inherits (constructor, toString) is none.
        const handler = Object.hasOwn(this.handlers, message.method) ? this.handlers[message.method] : undefined;
        if (!handler) throw new Error(`unknown host call '${message.method}'`);
        answer = { ok: await (handler as (...args: unknown[]) => unknown)(...message.args) };
      } catch (err) {
        answer = { err: typeof err === 'string' ? err : messageOf(err) };
      }
      let encoded: Buffer;
      try {
        encoded = Buffer.from(JSON.stringify(answer));
      } catch (err) {
        // Not JSON (a BigInt, a cycle): the worker still gets an answer, or it would wait forever.
        encoded = Buffer.from(JSON.stringify({ err: `answer not encodable: ${messageOf(err)}` }));
      }
      if (encoded.length > CAPACITY) encoded = Buffer.from(JSON.stringify({ err: 'answer too large' }));
      bytes.set(encoded);
      Atomics.store(state, 1, encoded.length);
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
    });
  }
}

/** Worker side: a blocking call to the main thread. Throws the handler's error as a string. */
export function channelClient(buffer: SharedArrayBuffer, port: MessagePort) {
  const state = new Int32Array(buffer, 0, 2);
  const bytes = new Uint8Array(buffer, HEADER);
  return (method: string, ...args: unknown[]): unknown => {
    Atomics.store(state, 0, 0);
    port.postMessage({ type: 'wash-rpc', method, args } satisfies Request);
    while (Atomics.load(state, 0) === 0) Atomics.wait(state, 0, 0, 1000);
    const answer = JSON.parse(Buffer.from(bytes.subarray(0, Atomics.load(state, 1))).toString('utf8')) as Answer;
    if ('err' in answer) throw answer.err;
    return answer.ok;
  };
}

/** The invocation's context store as a worker sees it: every access goes to the main thread. */
export function remoteContext(call: ReturnType<typeof channelClient>): Map<string, string> {
  const remote = {
    get: (key: string) => call('contextGet', key) as string | undefined,
    set(key: string, value: string) {
      call('contextSet', key, value);
      return remote;
    },
    delete: (key: string) => call('contextDelete', key) as boolean,
    keys: () => (call('contextKeys') as string[])[Symbol.iterator](),
    entries: () => (call('contextEntries') as [string, string][])[Symbol.iterator](),
    clear: () => void call('contextClear'),
  };
  return remote as unknown as Map<string, string>;
}

/** The handlers that serve `remoteContext` from a real Map. */
export function contextHandlers(context: Map<string, string>): Handlers {
  return {
    contextGet: (key: string) => context.get(key),
    contextSet: (key: string, value: string) => void context.set(key, value),
    contextDelete: (key: string) => context.delete(key),
    contextKeys: () => [...context.keys()],
    contextEntries: () => [...context.entries()],
    contextClear: () => context.clear(),
  };
}
