/**
 * Bounds on what a server may make wash wait for or hold in memory. A
 * registry or download server is not trusted to end its answers: every
 * response gets a byte limit, small ones a total deadline, and large
 * transfers a minimum rate (checked over each window of the timeout, so a
 * server dripping one byte a second cannot pass as "not idle") on top of a
 * total deadline sized from the minimum rate.
 *
 *     [settings]
 *     network_timeout_seconds = 60      # a request with a small answer, start to end
 *     min_download_kib_per_second = 16  # a component transfer, over each such window
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Response } from 'undici';
import { WashError } from '../../util/errors.js';

export interface NetLimits {
  timeoutMs: number;
  minBytesPerSecond: number;
}

export const DEFAULT_NET_LIMITS: NetLimits = { timeoutMs: 60_000, minBytesPerSecond: 16 * 1024 };

/** The largest component wash takes from a server (a URL download, an OCI layer). */
export const MAX_PLUGIN_BYTES = 512 * 1024 * 1024;

/** What is read of an error body: enough for a message, never the whole of it. */
const MAX_ERROR_BODY_BYTES = 4096;

const TIMEOUT_HINT = 'a slow network? raise network_timeout_seconds (or lower min_download_kib_per_second) under [settings] in the wash config';

export function netLimitsFrom(settings: { networkTimeoutSeconds: number; minDownloadKibPerSecond: number }): NetLimits {
  return { timeoutMs: settings.networkTimeoutSeconds * 1000, minBytesPerSecond: settings.minDownloadKibPerSecond * 1024 };
}

/** The limits from the wash config; a config that does not load is reported by `warn` and the defaults apply. */
export async function readNetLimits(configFile: string, warn: (text: string) => void): Promise<NetLimits> {
  try {
    const { readConfig } = await import('../../sandbox/config.js');
    return netLimitsFrom((await readConfig(configFile)).settings);
  } catch (err) {
    warn(`warning: using the default network limits: ${(err as Error).message}`);
    return DEFAULT_NET_LIMITS;
  }
}

export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
export const kibPerSecond = (bytesPerSecond: number) => `${Math.round(bytesPerSecond / 1024)} KiB/s`;

/**
 * An abort signal for one transfer, fired with a WashError saying why:
 * a deadline, or a rate that stayed below the minimum over a whole window.
 * Timers are unref'd (a finished command never waits for them) and cleared
 * by `stop`.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private deadlineTimer?: NodeJS.Timeout;
  private rateTimer?: NodeJS.Timeout;
  private windowBytes = 0;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(error: WashError): void {
    this.stop();
    if (!this.controller.signal.aborted) this.controller.abort(error);
  }

  /** Everything must be over `ms` from now (replaces an earlier deadline). */
  deadline(ms: number, message: () => string): this {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.abort(new WashError(message(), 1, TIMEOUT_HINT)), ms);
    this.deadlineTimer.unref();
    return this;
  }

  /** From now on, at least `bytesPerSecond` on average over every window of `windowMs`; feed it with `count`. */
  minimumRate(windowMs: number, bytesPerSecond: number, message: () => string): this {
    clearInterval(this.rateTimer);
    this.windowBytes = 0;
    const needed = (bytesPerSecond * windowMs) / 1000;
    this.rateTimer = setInterval(() => {
      if (this.windowBytes < needed) this.abort(new WashError(message(), 1, TIMEOUT_HINT));
      this.windowBytes = 0;
    }, windowMs);
    this.rateTimer.unref();
    return this;
  }

  count(bytes: number): void {
    this.windowBytes += bytes;
  }

  stop(): void {
    clearTimeout(this.deadlineTimer);
    clearInterval(this.rateTimer);
  }
}

/** The total deadline of a transfer of `size` bytes: the timeout, plus the time the minimum rate allows. */
export function transferDeadlineMs(limits: NetLimits, size: number): number {
  return limits.timeoutMs + Math.ceil((size / limits.minBytesPerSecond) * 1000);
}

export interface ByteMeterOptions {
  /** More than `bytes` fails the stream with `error()`. */
  limit?: { bytes: number; error: () => Error };
  /** Fed every chunk's size (a minimum rate). */
  watchdog?: Watchdog;
  /** Each chunk within the limit (a hash). */
  onChunk?: (chunk: Buffer) => void;
  /** The bytes so far, after each chunk within the limit. */
  onProgress?: (bytes: number) => void;
}

/** A pass-through stream that counts a transfer's bytes (`bytes`): bounded, timed, hashed and shown as they come. */
export class ByteMeter extends Transform {
  bytes = 0;

  constructor(private readonly options: ByteMeterOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const { limit, watchdog, onChunk, onProgress } = this.options;
    this.bytes += chunk.length;
    watchdog?.count(chunk.length);
    if (limit && this.bytes > limit.bytes) return done(limit.error());
    onChunk?.(chunk);
    onProgress?.(this.bytes);
    done(null, chunk);
  }
}

async function cancel(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/**
 * The whole body, if it is at most `max` bytes; else the transfer is
 * cancelled and `tooLarge` thrown. A declared length over the limit is
 * refused before reading anything.
 */
export async function readBody(res: Response, max: number, tooLarge: () => WashError): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await cancel(res);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, size);
}

/** At most `max` bytes from the start of a body (for an error message); the rest is dropped. Never throws. */
export async function readPrefix(res: Response, max = MAX_ERROR_BODY_BYTES): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size);
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      size += value.length;
    }
    await reader.cancel().catch(() => undefined);
  } catch {
    // cut off, timed out: what came is what there is
  }
  return Buffer.concat(chunks).subarray(0, max);
}
