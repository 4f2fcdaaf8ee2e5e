/**
 * Incoming HTTP. The handler is a fetch event listener: componentize-js
 * attaches it to the `wasi:http/incoming-handler` export of the
 * `http-plugin-guest` world. wash serves it on 127.0.0.1 once a command calls
 * `host.listen`, from a second instance of this component that shares the
 * invocation's context store (`host.contextGet`/`contextSet`): that store is
 * how the handler and the command talk. The server stops when the command
 * returns, so `serve` waits until the handler has answered a request.
 */
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';
import { command, host, output, UsageError } from '@wash/plugin-sdk';

/** Context key the handler sets when it has answered a request. */
const ANSWERED = '__NAME__.answered';

addEventListener('fetch', (event) => {
  const { pathname } = new URL(event.request.url);
  host.contextSet(ANSWERED, `${event.request.method} ${pathname}`);
  event.respondWith(new Response('Hello from __NAME__!\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
});

/** `wash __NAME__ serve [--port <port>]` */
export const serve = command({
  path: ['serve'],
  description: 'Serve src/http.ts on 127.0.0.1 until it has answered one request',
  flags: [{ long: 'port', short: 'p', description: 'Port to listen on (0 picks a free one)', valueName: 'port', default: '0', required: false }],
  examples: ['wash --allow-listen __NAME__ serve --port 8080'],
  run({ flags }): number {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not '${flags.port}'`);
    // Throws (an error string) unless the user granted incoming HTTP: --allow-listen.
    const bound = host.listen(port);
    output.print(`listening on http://127.0.0.1:${bound}/`);
    for (;;) {
      const answered = host.contextGet(ANSWERED);
      if (answered !== undefined) {
        sleepMs(200); // let the response leave before the run ends and the server with it
        if (output.isJson()) output.json({ port: bound, answered });
        else output.print(`answered ${answered}`);
        return 0;
      }
      sleepMs(50);
    }
  },
});

function sleepMs(ms: number): void {
  subscribeDuration(BigInt(ms) * 1_000_000n).block();
}
