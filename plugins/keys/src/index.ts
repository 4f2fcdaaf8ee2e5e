/**
 * `wash keys`: generate, store and use NATS nkeys.
 *
 *   wash keys gen user --save alice      new key pair, kept in the key store
 *   wash keys import alice < seed.nk     store an existing seed
 *   SIG=$(wash keys sign alice < f)      base64 ed25519 signature of stdin
 *   wash keys verify alice "$SIG" < f    exit 0 when the signature matches
 *
 * A command whose result is one value (public, sign) prints just that value
 * in text mode, so it pipes; `--output json` gets an object as usual.
 *
 * The nkey encoding lives in nkeys.ts, signatures in ed25519.ts, the key
 * store in store.ts, stdin and base64 in io.ts. sign and verify are async
 * (native hashing, see ed25519.ts): the SDK awaits async commands.
 */
import { getRandomBytes } from 'wasi:random/random@0.2.12';
import { command, confirm, definePlugin, flag, Failure, UsageError, log, output, readArgumentFile } from '@wash/plugin-sdk';
import { base64Decode, base64Encode, readStdin } from './io.js';
import { sign, verify } from './ed25519.js';
import { KEY_TYPE_NAMES, KEY_TYPES, KeyError, decodeKey, decodeSeed, generate, publicFromSeed, signingSeed, verifyingKey, type KeyType } from './nkeys.js';
import { KeyStore, checkName, nameProblem } from './store.js';

/** Run `fn`, turning a malformed key into a one-line Failure that says which argument was wrong. */
function withKey<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KeyError) throw new Failure(`invalid ${what}: ${err.message}`);
    throw err;
  }
}

/** Encoded nkeys are 56 or 58 upper-case letters and digits; key names are usually shorter or lower-case. */
const looksLikeKey = (text: string) => /^[A-Z0-9]{16,}$/.test(text) || /^[A-Za-z0-9]{40,}$/.test(text);

/** Whether `text` is a whole encoded nkey (its checksum holds): no name is, by accident. */
function isEncodedKey(text: string): boolean {
  try {
    decodeKey(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve a `<seed|name>` argument to an encoded key. A whole encoded key is
 * taken literally without touching the key store (so wash never asks for
 * it). Otherwise a stored key of that name wins; failing that, anything that
 * looks like a key (or cannot be a name) is taken literally, and decoding it
 * later says what is wrong with it.
 */
function resolveKey(ref: string): string {
  if (nameProblem(ref) !== undefined || isEncodedKey(ref)) return ref;
  let stored: string | undefined;
  let unavailable = '';
  try {
    stored = KeyStore.open().read(ref);
  } catch (err) {
    unavailable = (err as Error).message;
  }
  if (stored !== undefined) return stored;
  if (looksLikeKey(ref)) return ref;
  throw new Failure(unavailable ? `no stored key named '${ref}': ${unavailable}` : `no stored key named '${ref}' (see 'wash keys list')`);
}

/** A one-value result: just the value in text mode (so it pipes), `{ key: value }` under --output json. */
function printValue(key: string, value: string): void {
  if (output.isJson()) output.json({ [key]: value });
  else output.print(value);
}

/** A seed piped in (`keys public -`, `keys import`): stdin trimmed; never echoed back in errors. */
function readSeedFromStdin(): string {
  const text = new TextDecoder().decode(readStdin()).trim();
  if (text === '') throw new UsageError("no seed on stdin (pipe it in, e.g. 'wash keys import alice < seed.nk')");
  if (/\s/.test(text)) throw new UsageError('stdin must hold exactly one seed (S...), nothing else');
  return text;
}

/** `--seed-file <file>`: a seed in a file the user names (wash reads exactly that file for us, no grant needed). */
const SEED_FILE = flag({
  long: 'seed-file',
  description: 'Read the seed from this file (it never goes on the command line)',
  valueName: 'file',
  required: false,
});

/** The seed in the file named by --seed-file; never echoed back in errors. */
function readSeedFile(path: string): string {
  const text = new TextDecoder().decode(readArgumentFile(path)).trim();
  if (text === '') throw new Failure(`'${path}' is empty: it should hold one seed (S...)`);
  if (/\s/.test(text)) throw new Failure(`'${path}' must hold exactly one seed (S...), nothing else`);
  return text;
}

/** A `[key]` argument or `--seed-file`: exactly one of them. */
function keyOrSeedFile(key: string | undefined, seedFile: string | undefined): string {
  if (key !== undefined && seedFile !== undefined) throw new UsageError('give a <key> or --seed-file, not both');
  if (seedFile !== undefined) return readSeedFile(seedFile);
  if (key === undefined) throw new UsageError('missing argument <key> (or --seed-file <file>)');
  return key === '-' ? readSeedFromStdin() : resolveKey(key);
}

const sdk = definePlugin({
  metadata: {
    id: 'dev.wash.keys',
    name: 'keys',
    version: '0.1.0',
    description: 'Generate, store and use NATS nkeys (ed25519 and x25519)',
    contact: 'wash-ts maintainers',
    url: '',
    license: 'Apache-2.0',
    access: { scratchDir: 'store named keys' },
  },
  commands: [
    command({
      path: ['gen'],
      description: 'Generate a key pair and print its public key and seed',
      flags: [{ long: 'save', short: 's', description: 'Also store the key under this name (and say where)', valueName: 'name', required: false }],
      arguments: [{ name: 'type', description: `Key type: ${KEY_TYPE_NAMES.join(', ')} (curve is an x25519 xkey)`, required: true, variadic: false }],
      examples: ['wash keys gen user', 'wash keys gen account --save my-account', 'wash --output json keys gen curve'],
      run({ args, flags }) {
        const { type } = args;
        if (!(type in KEY_TYPES)) throw new UsageError(`unknown key type '${type}' (one of: ${KEY_TYPE_NAMES.join(', ')})`);
        const { save } = flags;
        if (save !== undefined) {
          checkName(save);
          KeyStore.open(); // fail before generating when there is nowhere to save
        }
        const { publicKey, seed } = generate(type as KeyType, getRandomBytes(32n));
        if (save === undefined) {
          output.json({ public_key: publicKey, seed });
          return;
        }
        const store = KeyStore.open();
        store.write(save, seed);
        output.json({ public_key: publicKey, seed, saved_as: save, file: store.fileOf(save) });
      },
    }),
    command({
      path: ['list'],
      description: 'List stored keys',
      examples: ['wash keys list', 'wash --output json keys list'],
      run() {
        const store = KeyStore.open();
        const rows = store.names().map((name) => {
          const seed = store.read(name) ?? '';
          try {
            return [name, decodeSeed(seed).type, publicFromSeed(seed)];
          } catch (err) {
            log.warn(`stored key '${name}' is not a valid seed: ${(err as Error).message}`);
            return [name, 'invalid', '-'];
          }
        });
        if (rows.length === 0 && !output.isJson()) output.print("no stored keys (create one with 'wash keys gen user --save <name>')");
        else output.table(['name', 'type', 'public_key'], rows);
      },
    }),
    command({
      path: ['get'],
      description: 'Show a stored key: its type, public key and seed',
      arguments: [{ name: 'name', description: 'Name of the stored key', required: true, variadic: false }],
      examples: ['wash keys get alice', 'wash --output json keys get alice'],
      run({ args }) {
        const { name } = args;
        checkName(name);
        const seed = KeyStore.open().read(name);
        if (seed === undefined) throw new Failure(`no stored key named '${name}'`);
        const { type } = withKey(`stored key '${name}'`, () => decodeSeed(seed));
        output.json({ name, type, public_key: publicFromSeed(seed), seed });
      },
    }),
    command({
      path: ['import'],
      description: 'Store an existing seed, read from stdin or --seed-file, under a name (the seed never goes on the command line)',
      flags: [SEED_FILE],
      arguments: [{ name: 'name', description: 'Name to store it under', required: true, variadic: false }],
      examples: ['wash keys import alice < alice.nk', 'wash keys import alice --seed-file alice.nk', 'nk -gen user | wash keys import bob'],
      run({ args, flags }) {
        const { name } = args;
        checkName(name);
        const store = KeyStore.open(); // fail before waiting for stdin
        const seedFile = flags['seed-file'];
        const seed = seedFile !== undefined ? readSeedFile(seedFile) : readSeedFromStdin();
        const { type } = withKey('seed', () => decodeSeed(seed));
        const publicKey = withKey('seed', () => publicFromSeed(seed));
        store.write(name, seed);
        const file = store.fileOf(name);
        if (output.isJson()) output.json({ imported: name, type, public_key: publicKey, file });
        else output.print(`imported ${type} key '${name}' (${publicKey}) into ${file}`);
      },
    }),
    command({
      path: ['rm'],
      description: 'Delete a stored key (it cannot be recovered: asks on a terminal, or pass --yes)',
      flags: [{ long: 'yes', short: 'y', description: 'Remove without asking', required: false }],
      arguments: [{ name: 'name', description: 'Name of the stored key', required: true, variadic: false }],
      examples: ['wash keys rm alice', 'wash keys rm alice --yes'],
      run({ args, flags }) {
        const { name } = args;
        checkName(name);
        const store = KeyStore.open();
        const seed = store.read(name);
        if (seed === undefined) throw new Failure(`no stored key named '${name}'`);
        let publicKey = '-';
        try {
          publicKey = publicFromSeed(seed);
        } catch {
          // an invalid stored seed is removed all the same
        }
        if (flags.yes !== true) {
          // wash asks on the terminal; without one (or with --no-prompt) it cannot, and --yes is the confirmation.
          const answer = confirm(`remove key '${name}' (${publicKey})? It cannot be recovered.`);
          if (answer === undefined) throw new UsageError(`removing key '${name}' cannot be undone: pass --yes to remove it`);
          if (!answer) throw new Failure(`key '${name}' not removed`);
        }
        if (!store.remove(name)) throw new Failure(`no stored key named '${name}'`);
        const file = store.fileOf(name);
        if (output.isJson()) output.json({ removed: name, public_key: publicKey, file });
        else output.print(`removed key '${name}' (${publicKey}) from ${file}`);
      },
    }),
    command({
      path: ['public'],
      description: 'Print the public key of a seed or stored key (- reads the seed from stdin)',
      flags: [SEED_FILE],
      arguments: [{ name: 'key', description: "A seed (S...), the name of a stored key, or '-' for a seed on stdin", required: false, variadic: false }],
      examples: ['wash keys public alice', 'wash keys public - < seed.nk', 'wash keys public --seed-file seed.nk', 'wash --output json keys public alice'],
      run({ args, flags }) {
        const seed = keyOrSeedFile(args.key, flags['seed-file']);
        printValue(
          'public_key',
          withKey('seed', () => publicFromSeed(seed)),
        );
      },
    }),
    command({
      path: ['sign'],
      description: 'Sign stdin with an ed25519 seed; prints the signature (base64) that verify takes',
      flags: [SEED_FILE],
      arguments: [{ name: 'key', description: 'A seed (S...) or the name of a stored key', required: false, variadic: false }],
      examples: [
        'SIG=$(wash keys sign alice < file.bin)',
        'SIG=$(wash keys sign --seed-file alice.nk < file.bin)',
        'wash --output json keys sign alice < file.bin',
      ],
      run: async ({ args, flags }) => {
        const { key } = args;
        if (key === '-') throw new UsageError('stdin holds the data to sign: give the seed as a <key> or with --seed-file');
        const seed = withKey('seed', () => signingSeed(keyOrSeedFile(key, flags['seed-file']))); // before waiting for stdin
        const data = readStdin();
        // Signing empty input is valid ed25519, but here it nearly always means the data never arrived.
        if (data.length === 0) throw new UsageError("nothing to sign: stdin is empty (pipe the data in, e.g. 'wash keys sign alice < file')");
        printValue('signature', base64Encode(await sign(data, seed)));
      },
    }),
    command({
      path: ['verify'],
      description: 'Check a base64 signature of stdin; exit status 1 when it does not match ({"valid": false} under --output json)',
      arguments: [
        { name: 'key', description: 'A public key, a seed, or the name of a stored key', required: true, variadic: false },
        { name: 'signature', description: 'The signature, base64 (standard or URL-safe)', required: true, variadic: false },
      ],
      examples: [
        'wash keys verify alice "$SIG" < file.bin',
        'wash keys verify UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4 <signature> < file.bin',
      ],
      run: async ({ args }) => {
        const publicKey = withKey('key', () => verifyingKey(resolveKey(args.key)));
        const signature = base64Decode(args.signature);
        if (!signature) throw new UsageError('the signature is not valid base64');
        const valid = await verify(signature, readStdin(), publicKey);
        // Under --output json the answer is printed either way; the exit status says it too.
        if (output.isJson()) {
          output.json({ valid });
          return valid ? 0 : 1;
        }
        if (!valid) throw new Failure('signature does not match');
        output.print('signature is valid');
      },
    }),
  ],
});

export const { plugin } = sdk;
