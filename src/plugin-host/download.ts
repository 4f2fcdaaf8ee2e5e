/**
 * `wash plugin install <http(s) URL>`: the component downloaded to a file.
 * The server is not trusted:
 * - redirects are followed here, at most MAX_REDIRECTS, never from https to
 *   plain http, and never from a public address to the user's own machine
 *   or network (loopback, private, link-local: net/addresses.ts); the
 *   address checked is the one connected to (a resolver hook), so DNS
 *   cannot answer differently between check and use;
 * - a URL's userinfo becomes Basic credentials for that origin only, and
 *   messages show the URL without userinfo, query or fragment;
 * - the body is bounded in bytes, and in time by a minimum rate and a total
 *   deadline (net/limits.ts).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { WashError, messageOf } from '../util/errors.js';
import { humanBytes } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { progressLine } from '../output/progress.js';
import { addressScope, hopAllowed, resolveHost, systemResolver, type AddressScope } from './net/addresses.js';
import { ByteMeter, DEFAULT_NET_LIMITS, MAX_PLUGIN_BYTES, Watchdog, kibPerSecond, seconds, transferDeadlineMs, type NetLimits } from './net/limits.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, basicFromUserinfo, redactUrl } from './net/urls.js';
import { getWashVersion } from './versions.js';

/**
 * Where a download started, and whether a later hop may go to an address:
 * public may only lead to public (see `hopAllowed`).
 */
class HopGuard {
  private first?: AddressScope;

  constructor(private readonly shown: string) {}

  check(host: string, scope: AddressScope): void {
    if (this.first === undefined) {
      this.first = scope;
      return;
    }
    if (!hopAllowed(this.first, scope)) {
      throw new WashError(
        `cannot download ${this.shown}: it redirected from a public address to ${esc(host)}, a ${scope} address; refusing`,
        1,
        'download it from that address directly if you mean to',
      );
    }
  }

  /** A resolver for the connection (net.connect's `lookup`): the addresses actually connected to are the ones checked. */
  readonly lookup = (
    hostname: string,
    options: { family?: number; all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    const family = options.family === 4 || options.family === 6 ? options.family : undefined;
    const answer = (err: Error | null, addresses: LookupAddress[]) =>
      // Out of the promise chain: whatever net does with the answer is not this promise's business.
      process.nextTick(() => (err || options.all ? callback(err, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)));
    resolveHost(hostname, async (name) => (await systemResolver(name)).filter((a) => family === undefined || a.family === family)).then(
      ({ scope, addresses }) => {
        try {
          this.check(hostname, scope);
        } catch (refused) {
          return answer(refused as Error, []);
        }
        answer(null, addresses);
      },
      (err: Error) => answer(err, []),
    );
  };
}

/** Download a URL to a new file in `dir`; returns its path. Progress on a TTY. */
export async function downloadToFile(url: string, dir: string, options: { quiet?: boolean; limits?: NetLimits } = {}): Promise<string> {
  const limits = options.limits ?? DEFAULT_NET_LIMITS;
  const shown = esc(redactUrl(url));
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new WashError(`cannot download ${shown}: not a URL`);
  }
  const authorization = basicFromUserinfo(current);
  const authOrigin = current.origin;
  current.username = '';
  current.password = '';
  current.hash = '';

  await mkdir(dir, { recursive: true });
  const path = join(dir, `download-${process.pid}-${randomBytes(4).toString('hex')}.wasm`);
  const { Agent, fetch } = await import('undici');
  const guard = new HopGuard(shown);
  const agent = new Agent({ connect: { timeout: 15_000, lookup: guard.lookup as never }, headersTimeout: limits.timeoutMs, bodyTimeout: limits.timeoutMs });
  const watchdog = new Watchdog().deadline(limits.timeoutMs, () => `cannot download ${shown}: the server did not answer within ${seconds(limits.timeoutMs)}`);
  try {
    let response: Awaited<ReturnType<typeof fetch>>;
    for (let hop = 0; ; hop++) {
      // Host names are checked by the resolver hook as they connect; literal addresses never reach it.
      const literal = addressScope(current.hostname);
      if (literal) guard.check(current.hostname, literal);
      const headers: Record<string, string> = { 'user-agent': `wash/${getWashVersion()}` };
      if (authorization && current.origin === authOrigin) headers.authorization = authorization;
      try {
        response = await fetch(current, { redirect: 'manual', headers, dispatcher: agent, signal: watchdog.signal });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        if (err instanceof WashError) throw err;
        if (cause instanceof WashError) throw cause;
        throw new WashError(`cannot download ${shown}: ${esc(messageOf(cause ?? err))}`);
      }
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) break;
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new WashError(`cannot download ${shown}: more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new WashError(`cannot download ${shown}: it redirected to an invalid URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new WashError(`cannot download ${shown}: it redirected to a ${esc(next.protocol)} URL`);
      if (current.protocol === 'https:' && next.protocol === 'http:') {
        throw new WashError(`cannot download ${shown}: it redirected from https to plain http (${esc(redactUrl(next.href))}); refusing`);
      }
      current = next;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new WashError(`cannot download ${shown}: HTTP ${response.status}`);
    }
    const total = Number(response.headers.get('content-length') ?? 0);
    if (total > MAX_PLUGIN_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new WashError(`cannot download ${shown}: ${humanBytes(total)} is larger than a plugin may be`);
    }
    const deadline = transferDeadlineMs(limits, total > 0 ? total : MAX_PLUGIN_BYTES);
    watchdog
      .deadline(deadline, () => `cannot download ${shown}: the transfer did not finish within ${seconds(deadline)}`)
      .minimumRate(
        limits.timeoutMs,
        limits.minBytesPerSecond,
        () => `cannot download ${shown}: the transfer was slower than ${kibPerSecond(limits.minBytesPerSecond)} for ${seconds(limits.timeoutMs)}`,
      );
    const progress = progressLine('downloading', total || undefined, { enabled: !options.quiet });
    const meter = new ByteMeter({
      limit: { bytes: MAX_PLUGIN_BYTES, error: () => new WashError(`cannot download ${shown}: it is larger than a plugin may be`) },
      watchdog,
      onProgress: (received) => progress.update(received),
    });
    try {
      await pipeline(Readable.fromWeb(response.body as never), meter, createWriteStream(path, { flags: 'wx' }));
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof WashError) throw err;
      throw new WashError(`cannot download ${shown}: ${esc(messageOf((err as { cause?: unknown }).cause ?? err))}`);
    } finally {
      progress.finish();
    }
    return path;
  } finally {
    watchdog.stop();
    await agent.close().catch(() => undefined);
  }
}
