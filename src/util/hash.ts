/**
 * sha256, the one hash wash uses: component and blob digests, the records of
 * transpiled code, short stable names. node:crypto is loaded when something
 * is hashed, not by listing plugins.
 */
import type { Hash } from 'node:crypto';

/** A sha256 hash to feed (streams, several parts). */
export const sha256 = (): Hash => process.getBuiltinModule('node:crypto').createHash('sha256');

/** sha256 of `bytes` (a string as UTF-8), in hex. */
export const sha256Hex = (bytes: Uint8Array | string): string => sha256().update(bytes).digest('hex');

/** `sha256:<hex>`, a digest as OCI and wash's records write it. */
export const bytesDigest = (bytes: Uint8Array | string): string => `sha256:${sha256Hex(bytes)}`;
