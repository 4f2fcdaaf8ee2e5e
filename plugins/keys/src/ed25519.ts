/**
 * Ed25519 signatures (RFC 8032) whose message hashing runs natively.
 *
 * Ed25519 hashes the whole message with SHA-512, twice when signing. Inside a
 * component the JS engine is an interpreter, where @noble's pure-JS SHA-512
 * manages well under 100 KB/s: a 10 MB input took minutes. The engine's own
 * `crypto.subtle.digest` is native and takes well under a second, but it is
 * async, so these functions are too. Everything else (the curve arithmetic,
 * key expansion, point decoding) is @noble/curves; this file only strings
 * its pieces together in the order RFC 8032 gives, mirroring noble's own
 * `ed25519.sign` / `ed25519.verify` (strict RFC 8032 decoding, cofactored
 * check), which produce the same bytes.
 */
import { ed25519 } from './curves.js';
import { bytesToNumberLE, concatBytes } from '@noble/curves/utils.js';

const { Point } = ed25519;
const { BASE, Fn } = Point;

/** `crypto.subtle` as StarlingMonkey provides it (the SDK's globals only declare getRandomValues). */
const subtle = (crypto as unknown as { subtle: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } }).subtle;

/** SHA-512 of the parts, as a scalar modulo the group order. */
async function hashToScalar(...parts: Uint8Array[]): Promise<bigint> {
  const digest = new Uint8Array(await subtle.digest('SHA-512', concatBytes(...parts)));
  return Fn.create(bytesToNumberLE(digest));
}

/** RFC 8032 5.1.6: the 64-byte signature R || S of `message` by the 32-byte `seed`. */
export async function sign(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array> {
  const { prefix, scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const r = await hashToScalar(prefix, message);
  const R = BASE.multiply(r).toBytes();
  const k = await hashToScalar(R, pointBytes, message);
  return concatBytes(R, Fn.toBytes(Fn.create(r + k * scalar)));
}

/** RFC 8032 5.1.7: whether `signature` is `publicKey`'s signature of `message`. */
export async function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const R = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32));
  let A: typeof BASE;
  let RPoint: typeof BASE;
  let SB: typeof BASE;
  try {
    A = Point.fromBytes(publicKey, false); // false: canonical encodings only (not ZIP-215)
    RPoint = Point.fromBytes(R, false);
    SB = BASE.multiplyUnsafe(s); // throws unless 0 <= s < L
  } catch {
    return false;
  }
  if (A.isSmallOrder()) return false;
  const k = await hashToScalar(R, publicKey, message);
  // [8][S]B = [8]R + [8][k]A
  return RPoint.add(A.multiplyUnsafe(k)).subtract(SB).clearCofactor().is0();
}
