import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { WashError, messageOf } from '../util/errors.js';
import { humanBytes } from '../util/text.js';
import { progressLine } from '../output/progress.js';

const MAX_PLUGIN_BYTES = 512 * 1024 * 1024;

/** Download a URL to a new file in `dir`; returns its path. Progress on a TTY. */
export async function downloadToFile(url: string, dir: string, options: { quiet?: boolean } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `download-${process.pid}-${randomBytes(4).toString('hex')}.wasm`);
  const { fetch } = await import('undici');
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new WashError(`cannot download ${url}: ${messageOf(cause ?? err)}`);
  }
  if (!response.ok || !response.body) throw new WashError(`cannot download ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  if (total > MAX_PLUGIN_BYTES) throw new WashError(`cannot download ${url}: ${humanBytes(total)} is larger than a plugin may be`);
  const progress = progressLine('downloading', total || undefined, { enabled: !options.quiet });
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > MAX_PLUGIN_BYTES) return done(new Error('download is larger than a plugin may be'));
      progress.update(received);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as never), meter, createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    await rm(path, { force: true });
    throw new WashError(`cannot download ${url}: ${messageOf(err)}`);
  } finally {
    progress.finish();
  }
  return path;
}
