/** Reading stdin and base64, the two bits of I/O `sign` and `verify` need. */
import { getStdin } from 'wasi:cli/stdin@0.2.12';

const CHUNK = 1024 * 1024;

/** All of stdin, read in 1 MiB chunks until the stream closes. */
export function readStdin(): Uint8Array {
  const stream = getStdin();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = stream.blockingRead(BigInt(CHUNK));
    } catch {
      break; // `closed` (end of input); a failed read ends it too
    }
    chunks.push(chunk);
    total += chunk.length;
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (never starts with '-', so it is safe as an argument). */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

/** Standard or URL-safe base64, padded or not (`nk` prints URL-safe without padding). */
export function base64Decode(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let value = 0;
  let bits = 0;
  let n = 0;
  for (const char of clean) {
    const digit = B64.indexOf(char);
    if (digit === -1) return undefined;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      out[n++] = (value >> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}
