/**
 * NATS nkeys: ed25519 (and x25519 "xkey") keys in a friendly text form.
 *
 * An encoded key is base32 (RFC 4648 alphabet, no padding) of
 *
 *   public key: [prefix, 1 byte]  [32-byte key]  [crc16 LE]  -> 56 characters, `U...`
 *   seed:       [prefix, 2 bytes] [32-byte seed] [crc16 LE]  -> 58 characters, `SU...`
 *
 * The prefix bytes are chosen so the first base32 character names the kind of
 * key (the seed packs 'S' and the type letter into its first two characters).
 * The checksum is CRC-16/XMODEM of everything before it, stored little-endian.
 * Spec: https://github.com/nats-io/nkeys
 */
import { ed25519, x25519 } from './curves.js';

export type KeyType = 'operator' | 'account' | 'user' | 'server' | 'cluster' | 'curve';

/** The prefix byte of each public key type; `letter` is its first base32 character. */
export const KEY_TYPES: Record<KeyType, { prefix: number; letter: string }> = {
  operator: { prefix: 14 << 3, letter: 'O' },
  account: { prefix: 0, letter: 'A' },
  user: { prefix: 20 << 3, letter: 'U' },
  server: { prefix: 13 << 3, letter: 'N' },
  cluster: { prefix: 2 << 3, letter: 'C' },
  curve: { prefix: 23 << 3, letter: 'X' },
};
export const KEY_TYPE_NAMES = Object.keys(KEY_TYPES) as KeyType[];

const PREFIX_SEED = 18 << 3; // 'S'
const PREFIX_PRIVATE = 15 << 3; // 'P': raw private keys, which we do not handle
const KEY_LEN = 32;
const PUBLIC_LEN = 1 + KEY_LEN + 2; // 35 bytes = 56 base32 characters
const SEED_LEN = 2 + KEY_LEN + 2; // 36 bytes = 58 base32 characters

/** A malformed or unsuitable key; the message says what is wrong in a few words. */
export class KeyError extends Error {}

function typeOfPrefix(prefix: number): KeyType | undefined {
  return KEY_TYPE_NAMES.find((t) => KEY_TYPES[t].prefix === prefix);
}

// --- base32 (RFC 4648, no padding) ----------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i]!);
    if (digit === -1) throw new KeyError(`invalid base32 character '${text[i]}' at position ${i + 1}`);
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

// --- CRC-16/XMODEM (polynomial 0x1021, initial value 0) --------------------

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function withChecksum(payload: Uint8Array): string {
  const raw = new Uint8Array(payload.length + 2);
  raw.set(payload);
  const crc = crc16(payload);
  raw[payload.length] = crc & 0xff;
  raw[payload.length + 1] = crc >> 8;
  return base32Encode(raw);
}

// --- encoding and decoding ---------------------------------------------------

function encodePublic(type: KeyType, key: Uint8Array): string {
  const payload = new Uint8Array(1 + KEY_LEN);
  payload[0] = KEY_TYPES[type].prefix;
  payload.set(key, 1);
  return withChecksum(payload);
}

function encodeSeed(type: KeyType, seed: Uint8Array): string {
  const prefix = KEY_TYPES[type].prefix;
  const payload = new Uint8Array(2 + KEY_LEN);
  // Five bits per base32 character: 'S' takes the top five bits of byte 0,
  // the type's prefix is split over the next ten so it prints as a letter too.
  payload[0] = PREFIX_SEED | (prefix >> 5);
  payload[1] = (prefix & 31) << 3;
  payload.set(seed, 2);
  return withChecksum(payload);
}

/** A decoded key: a seed (which can sign) or a public key (which can only verify). */
export type Decoded = { kind: 'seed'; type: KeyType; seed: Uint8Array } | { kind: 'public'; type: KeyType; key: Uint8Array };

/** Decode any encoded nkey, checking characters, length, checksum and prefix in that order. */
export function decodeKey(text: string): Decoded {
  if (text.length === 0) throw new KeyError('empty key');
  const raw = base32Decode(text);
  if (text.length !== 56 && text.length !== 58) {
    throw new KeyError(`wrong length: ${text.length} characters (a public key has 56, a seed 58)`);
  }
  const payload = raw.subarray(0, raw.length - 2);
  const stored = raw[raw.length - 2]! | (raw[raw.length - 1]! << 8);
  if (crc16(payload) !== stored) throw new KeyError('bad checksum');

  if ((raw[0]! & 0xf8) === PREFIX_SEED) {
    const prefix = ((raw[0]! & 7) << 5) | (raw[1]! >> 3);
    const type = typeOfPrefix(prefix);
    if (!type) throw new KeyError(`seed of unknown type (second letter '${text[1]}')`);
    if (raw.length !== SEED_LEN) throw new KeyError(`wrong length for a seed: ${text.length} characters, expected 58`);
    return { kind: 'seed', type, seed: raw.slice(2, 2 + KEY_LEN) };
  }
  if (raw[0] === PREFIX_PRIVATE) throw new KeyError('private keys (P...) are not supported; use the seed (S...)');
  const type = typeOfPrefix(raw[0]!);
  if (!type) throw new KeyError(`unknown prefix '${text[0]}' (expected S or one of ${KEY_TYPE_NAMES.map((t) => KEY_TYPES[t].letter).join(', ')})`);
  if (raw.length !== PUBLIC_LEN) throw new KeyError(`wrong length for a public key: ${text.length} characters, expected 56`);
  return { kind: 'public', type, key: raw.slice(1, 1 + KEY_LEN) };
}

/** Decode a seed, or explain why the text is not one. */
export function decodeSeed(text: string): { type: KeyType; seed: Uint8Array } {
  const decoded = decodeKey(text);
  if (decoded.kind !== 'seed') throw new KeyError(`expected a seed (S...), got a ${decoded.type} public key`);
  return decoded;
}

// --- key operations ----------------------------------------------------------

/** The raw public key of a seed: ed25519, or x25519 for curve keys. */
function publicKeyOf(type: KeyType, seed: Uint8Array): Uint8Array {
  return type === 'curve' ? x25519.getPublicKey(seed) : ed25519.getPublicKey(seed);
}

/** The encoded public key (`U...`) for an encoded seed (`SU...`). */
export function publicFromSeed(text: string): string {
  const { type, seed } = decodeSeed(text);
  return encodePublic(type, publicKeyOf(type, seed));
}

/** A new key pair from 32 random bytes. */
export function generate(type: KeyType, random: Uint8Array): { publicKey: string; seed: string } {
  if (random.length !== KEY_LEN) throw new KeyError(`a seed needs ${KEY_LEN} random bytes`);
  return { publicKey: encodePublic(type, publicKeyOf(type, random)), seed: encodeSeed(type, random) };
}

function refuseCurve(type: KeyType) {
  if (type === 'curve') throw new KeyError('curve (x25519) keys cannot sign or verify; use an operator, account, user, server or cluster key');
}

/** The raw ed25519 seed to sign with, from an encoded seed. */
export function signingSeed(text: string): Uint8Array {
  const { type, seed } = decodeSeed(text);
  refuseCurve(type);
  return seed;
}

/** The raw ed25519 public key to verify with, from an encoded public key or seed. */
export function verifyingKey(text: string): Uint8Array {
  const decoded = decodeKey(text);
  refuseCurve(decoded.type);
  return decoded.kind === 'seed' ? publicKeyOf(decoded.type, decoded.seed) : decoded.key;
}
