/**
 * @noble/curves, loaded so that the component can be built: import the curves
 * from here, never from '@noble/curves/ed25519.js' directly (see build-time-rng.ts).
 * ES modules run their imports in order before their own body, so the stub
 * is in place while noble loads and is removed right after.
 */
import { restoreRandom } from './build-time-rng.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';

// Warm up now, while the component is being built: noble fills its tables of
// base-point multiples on first use (about a second in the interpreter), and
// the build snapshot keeps them. The tables are public; no key is involved.
ed25519.getPublicKey(new Uint8Array(32));
restoreRandom();

export { ed25519, x25519 };
