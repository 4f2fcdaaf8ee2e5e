/**
 * A plugin's output bytes on their way to a terminal. A terminal obeys what
 * it is sent: escape sequences set its title, write the clipboard (OSC 52),
 * make it type replies into stdin (ESC[6n), hide or move text. So every
 * control, bidi and invisible character (see ./untrusted.ts) is shown as an
 * escape instead; ESC becomes `\u{1b}`, which leaves the rest of a sequence
 * as harmless text. Bytes that are not UTF-8 show as `\xNN`. Newline, tab
 * and CR LF pass.
 *
 * Writes arrive in arbitrary pieces: a UTF-8 character (say U+202E, or the
 * two-byte C1 CSI U+009B) or a CR LF may be split between two writes, so an
 * incomplete one is held back until the next write (or `end`).
 */
import { escapeCodePoint, isEscapedCodePoint } from './untrusted.js';

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const CR = 0x0d;

/** 1 for bytes that pass as they are: printable ASCII, tab, newline. */
const PASSES = new Uint8Array(256);
for (let b = 0x20; b < 0x7f; b++) PASSES[b] = 1;
PASSES[0x09] = 1;
PASSES[LF] = 1;

/** The length of the UTF-8 sequence a lead byte starts, 0 if it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Whether `byte` may follow `lead` as the sequence's second byte (no overlongs, surrogates or > U+10FFFF). */
function validSecond(lead: number, byte: number): boolean {
  if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf;
  if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f;
  if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf;
  if (lead === 0xf4) return byte >= 0x80 && byte <= 0x8f;
  return byte >= 0x80 && byte <= 0xbf;
}

/** Whether data[at..end) is a valid start of a UTF-8 sequence of `length` bytes. */
function validPrefix(data: Uint8Array, at: number, end: number): boolean {
  const lead = data[at]!;
  if (at + 1 < end && !validSecond(lead, data[at + 1]!)) return false;
  for (let i = at + 2; i < end; i++) if ((data[i]! & 0xc0) !== 0x80) return false;
  return true;
}

const ascii = (text: string) => Buffer.from(text, 'latin1');
const escapedByte = (byte: number) => ascii(`\\x${byte.toString(16).padStart(2, '0')}`);
/** Escapes of the C0 controls and DEL, made once: they are the common case. */
const ESCAPED_ASCII = Array.from({ length: 128 }, (_, b) => ascii(escapeCodePoint(b)));

export class TerminalEscaper {
  /** The start of a UTF-8 sequence, or a CR, left at the end of the last write. */
  private held: Uint8Array = EMPTY;

  /** The bytes to show for `chunk`: `chunk` itself when nothing needs escaping (no copy). */
  write(chunk: Uint8Array): Uint8Array {
    let data = chunk;
    if (this.held.length > 0) {
      data = new Uint8Array(this.held.length + chunk.length);
      data.set(this.held);
      data.set(chunk, this.held.length);
      this.held = EMPTY;
    }
    const n = data.length;
    // Output is built only once something needs escaping: clean runs are copied in whole.
    let out: Uint8Array | undefined;
    let at = 0;
    let runStart = 0;
    const append = (escape: Uint8Array, end: number) => {
      const need = at + (end - runStart) + escape.length;
      if (!out || need > out.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, out ? out.length * 2 : n + (n >> 2) + 64));
        if (out) grown.set(out.subarray(0, at));
        out = grown;
      }
      out.set(data.subarray(runStart, end), at);
      at += end - runStart;
      out.set(escape, at);
      at += escape.length;
    };
    let i = 0;
    while (i < n) {
      const b = data[i]!;
      if (PASSES[b] === 1) {
        i++;
        continue;
      }
      let escape: Uint8Array;
      let length = 1;
      if (b === CR) {
        if (i + 1 === n) break; // CR LF may be split: decide on the next write
        if (data[i + 1] === LF) {
          i += 2;
          continue;
        }
        escape = ESCAPED_ASCII[CR]!;
      } else if (b < 0x80) {
        escape = ESCAPED_ASCII[b]!;
      } else {
        const need = sequenceLength(b);
        if (need === 0) escape = escapedByte(b);
        else if (i + need > n) {
          if (validPrefix(data, i, n)) break; // the rest comes with the next write
          escape = escapedByte(b);
        } else {
          const cp = decode(data, i, need);
          if (cp < 0) escape = escapedByte(b);
          else if (isEscapedCodePoint(cp)) {
            escape = ascii(escapeCodePoint(cp));
            length = need;
          } else {
            i += need;
            continue;
          }
        }
      }
      append(escape, i);
      i += length;
      runStart = i;
    }
    if (i < n) this.held = data.slice(i); // copied: the caller may reuse its buffer
    if (!out) return i === n ? data : data.subarray(0, i);
    append(EMPTY, i);
    return out.subarray(0, at);
  }

  /** What is still held when the output ends: shown escaped, since it never became a character. */
  end(): Uint8Array {
    const held = this.held;
    this.held = EMPTY;
    if (held.length === 0) return EMPTY;
    return Buffer.concat([...held].map((b) => (b === CR ? ESCAPED_ASCII[CR]! : escapedByte(b))));
  }
}

/** The code point of a complete sequence at data[at..at+length), or -1 if it is not valid UTF-8. */
function decode(data: Uint8Array, at: number, length: number): number {
  const lead = data[at]!;
  if (!validSecond(lead, data[at + 1]!)) return -1;
  let cp = lead & (length === 2 ? 0x1f : length === 3 ? 0x0f : 0x07);
  for (let k = 1; k < length; k++) {
    const byte = data[at + k]!;
    if ((byte & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (byte & 0x3f);
  }
  return cp;
}

/** Escape a whole output at once (tests, and text that is complete). */
export function escapeTerminalBytes(bytes: Uint8Array): Uint8Array {
  const escaper = new TerminalEscaper();
  const head = escaper.write(bytes);
  const tail = escaper.end();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/**
 * Starts every line with `prefix` (a hook's output is labelled with its
 * plugin's name, so nothing it prints can pass for a line of wash's own).
 * Feed it escaped bytes: a line break is then a real line break.
 */
export class LinePrefixer {
  private atLineStart = true;
  private readonly prefix: Uint8Array;

  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  write(chunk: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (this.atLineStart) {
        parts.push(this.prefix);
        this.atLineStart = false;
      }
      if (chunk[i] === 0x0a) {
        parts.push(chunk.subarray(start, i + 1));
        start = i + 1;
        this.atLineStart = true;
      }
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }
}
