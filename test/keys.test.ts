// `wash keys`: the real component, run by the real CLI, checked against the
// reference implementations (nkeys.js, the nats client and a real nats-server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { connect, nkeyAuthenticator } from 'nats';
import { createCurve, createUser, fromCurveSeed, fromPublic, fromSeed } from 'nkeys.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildPlugin } from '../scripts/componentize-plugin.mjs';
import { CI, ROOT, freePort, makeXdg, runWash, type Xdg } from './helpers.js';
import { runShell, washBinDir } from './shell.js';

const TYPES = { operator: 'O', account: 'A', user: 'U', server: 'N', cluster: 'C', curve: 'X' } as const;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

let xdg: Xdg;

beforeAll(async () => {
  // Skipped when plugins/keys is unchanged since the last build (npm install builds it too).
  await buildPlugin(join(ROOT, 'plugins', 'keys'), { log: () => undefined });
  xdg = await makeXdg();
  const warm = await runWash(['--help'], { xdg }); // transpile once, before any test is timed
  expect(warm.stdout).toMatch(/keys\s+Generate, store and use NATS nkeys/);
});
afterAll(async () => {
  await xdg?.cleanup();
});

interface RunOptions {
  input?: string | Buffer;
  xdg?: Xdg;
  /** Grant the scratch dir (the key store) for this run; default true. */
  scratch?: boolean;
}

/** `wash [--allow-scratch] keys <args>`. */
function keys(args: string[], options: RunOptions = {}) {
  const grant = options.scratch === false ? [] : ['--allow-scratch'];
  return runWash([...grant, 'keys', ...args], { xdg: options.xdg ?? xdg, input: options.input });
}

/** `wash --output json keys <args>`, which must succeed and print one JSON document. */
async function keysJson<T = Record<string, string>>(args: string[], options: RunOptions = {}): Promise<T> {
  const grant = options.scratch === false ? [] : ['--allow-scratch'];
  const result = await runWash([...grant, '--output', 'json', 'keys', ...args], { xdg: options.xdg ?? xdg, input: options.input });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Expect a failure with one line on stderr (besides wash's own notes) that matches `pattern`. */
function expectError(result: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp) {
  expect(result.code, result.stderr).toBe(code);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

// Build keys the way nkeys does, to craft ones with a valid checksum but a bad prefix.
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  return bits.replace(/.{5}/g, (chunk) => alphabet[parseInt(chunk, 2)]!);
}
function encodeRaw(prefix: number[]): string {
  const payload = Uint8Array.from([...prefix, ...randomBytes(32)]);
  const crc = crc16(payload);
  return base32(Uint8Array.from([...payload, crc & 0xff, crc >> 8]));
}

describe('gen and public', () => {
  it('generates every type with the right prefixes, matching nkeys.js', async () => {
    const results = await Promise.all(Object.keys(TYPES).map((type) => keysJson(['gen', type], { scratch: false })));
    Object.entries(TYPES).forEach(([type, letter], i) => {
      const { public_key, seed, ...rest } = results[i]!;
      expect(rest).toEqual({});
      expect(public_key).toMatch(new RegExp(`^${letter}[A-Z2-7]{55}$`));
      expect(seed).toMatch(new RegExp(`^S${letter}[A-Z2-7]{56}$`));
      const pair = type === 'curve' ? fromCurveSeed(enc(seed!)) : fromSeed(enc(seed!));
      expect(pair.getPublicKey(), type).toBe(public_key);
    });
    expect(new Set(results.map((r) => r.seed)).size).toBe(6);
  });

  it('prints aligned key and value lines in text mode', async () => {
    const result = await keys(['gen', 'account'], { scratch: false });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^public_key {2}A[A-Z2-7]{55}\nseed {8}SA[A-Z2-7]{56}\n$/);
  });

  it('derives the same public key as nkeys.js, for ed25519 and curve seeds', async () => {
    const user = createUser();
    const curve = createCurve();
    const [fromUser, fromCurve] = await Promise.all([
      keysJson(['public', dec(user.getSeed())], { scratch: false }),
      keysJson(['public', dec(curve.getSeed())], { scratch: false }),
    ]);
    expect(fromUser).toEqual({ public_key: user.getPublicKey() });
    expect(fromCurve).toEqual({ public_key: curve.getPublicKey() });
  });

  it('refuses an unknown type as a usage error', async () => {
    expectError(await keys(['gen', 'admin'], { scratch: false }), 2, /unknown key type 'admin' \(one of: operator, account, user, server, cluster, curve\)/);
  });
});

describe('sign and verify', () => {
  const data = enc('the quick brown fox\n');

  it('signs what nkeys.js verifies', async () => {
    const user = createUser();
    const { signature, ...rest } = await keysJson(['sign', dec(user.getSeed())], { input: Buffer.from(data), scratch: false });
    expect(rest).toEqual({});
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(fromPublic(user.getPublicKey()).verify(data, Buffer.from(signature!, 'base64'))).toBe(true);
    expect(fromPublic(user.getPublicKey()).verify(enc('other data'), Buffer.from(signature!, 'base64'))).toBe(false);
  });

  it('verifies what nkeys.js signs, and rejects a tampered message or a wrong key', async () => {
    const account = createUser();
    const signature = Buffer.from(account.sign(data)).toString('base64');
    const urlSafe = Buffer.from(account.sign(data)).toString('base64url'); // as `nk` prints it
    const [good, bySeed, byUrlSafe, tampered, wrongKey] = await Promise.all([
      keys(['verify', account.getPublicKey(), signature], { input: Buffer.from(data), scratch: false }),
      keys(['verify', dec(account.getSeed()), signature], { input: Buffer.from(data), scratch: false }),
      keys(['verify', account.getPublicKey(), urlSafe], { input: Buffer.from(data), scratch: false }),
      keys(['verify', account.getPublicKey(), signature], { input: 'the quick brown fox!\n', scratch: false }),
      keys(['verify', createUser().getPublicKey(), signature], { input: Buffer.from(data), scratch: false }),
    ]);
    for (const ok of [good, bySeed, byUrlSafe]) {
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toBe('signature is valid\n');
    }
    expectError(tampered, 1, /^error: signature does not match$/);
    expectError(wrongKey, 1, /^error: signature does not match$/);
    expect(tampered.stdout).toBe('');
  });

  it('signs 10 MB from stdin', async () => {
    const user = createUser();
    const big = randomBytes(10 * 1024 * 1024);
    const { signature } = await keysJson(['sign', dec(user.getSeed())], { input: big, scratch: false });
    expect(fromPublic(user.getPublicKey()).verify(big, Buffer.from(signature!, 'base64'))).toBe(true);
  });

  it('refuses to sign empty stdin', async () => {
    expectError(await keys(['sign', dec(createUser().getSeed())], { input: '', scratch: false }), 2, /nothing to sign: stdin is empty/);
  });

  it('refuses curve keys and signatures that are not base64', async () => {
    const curve = createCurve();
    const user = createUser();
    const [signCurve, verifyCurve, notBase64] = await Promise.all([
      keys(['sign', dec(curve.getSeed())], { input: 'x', scratch: false }),
      keys(['verify', curve.getPublicKey(), 'AAAA'], { input: 'x', scratch: false }),
      keys(['verify', user.getPublicKey(), 'not*base64'], { input: 'x', scratch: false }),
    ]);
    expectError(signCurve, 1, /invalid seed: curve \(x25519\) keys cannot sign or verify/);
    expectError(verifyCurve, 1, /invalid key: curve \(x25519\) keys cannot sign or verify/);
    expectError(notBase64, 2, /the signature is not valid base64/);
  });
});

describe('malformed keys', () => {
  it('says what is wrong, in one line, without echoing the seed', async () => {
    const seed = dec(createUser().getSeed());
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const cases: [string, RegExp][] = [
      [seed.slice(0, 20) + '1' + seed.slice(21), /invalid seed: invalid base32 character '1' at position 21/],
      [seed.toLowerCase(), /invalid seed: invalid base32 character 's' at position 1/],
      [flip(seed, 30), /invalid seed: bad checksum/],
      [seed.slice(0, 40), /invalid seed: wrong length: 40 characters \(a public key has 56, a seed 58\)/],
      [createUser().getPublicKey(), /invalid seed: expected a seed \(S\.\.\.\), got a user public key/],
      // 'S' then type prefix 9 << 3 ('J'), packed the way seeds pack their two letters.
      [encodeRaw([(18 << 3) | ((9 << 3) >> 5), ((9 << 3) & 31) << 3]), /invalid seed: seed of unknown type \(second letter 'J'\)/],
      [encodeRaw([9 << 3]), /invalid seed: unknown prefix 'J'/],
      [encodeRaw([15 << 3]), /invalid seed: private keys \(P\.\.\.\) are not supported/],
    ];
    const results = await Promise.all(cases.map(([key]) => keys(['public', key], { scratch: false })));
    results.forEach((result, i) => {
      expectError(result, 1, cases[i]![1]);
      expect(result.stderr).not.toContain(seed.slice(2, 40));
    });
  });
});

describe('key store', () => {
  it('saves, lists, gets, uses and removes keys, persisting across runs', async () => {
    const store = await makeXdg();
    try {
      const empty = await keys(['list'], { xdg: store });
      expect(empty.code, empty.stderr).toBe(0);
      expect(empty.stdout).toMatch(/no stored keys/);
      expect(await keysJson(['list'], { xdg: store })).toEqual([]);

      const scratch = join(store.data, 'plugins', 'fs', 'core.keys');
      const { saved_as, file, ...alice } = await keysJson(['gen', 'user', '--save', 'alice'], { xdg: store });
      expect({ saved_as, file }).toEqual({ saved_as: 'alice', file: join(scratch, 'keys', 'alice.nk') }); // --save says where
      const op = await keysJson(['gen', 'operator', '-s', 'op.main_1'], { xdg: store });
      expect(await keysJson(['get', 'alice'], { xdg: store })).toEqual({ name: 'alice', type: 'user', ...alice });
      expect(await keysJson(['list'], { xdg: store })).toEqual([
        { name: 'alice', type: 'user', public_key: alice.public_key },
        { name: 'op.main_1', type: 'operator', public_key: op.public_key },
      ]);
      const table = await keys(['list'], { xdg: store });
      expect(table.stdout).toMatch(/^name\s+type\s+public_key\nalice\s+user\s+U[A-Z2-7]{55}\nop\.main_1\s+operator\s+O[A-Z2-7]{55}\n$/);

      // The file holds the seed; the scratch dir is private to the user.
      expect(await readFile(join(scratch, 'keys', 'alice.nk'), 'utf8')).toBe(`${alice.seed}\n`);
      expect((await stat(scratch)).mode & 0o777).toBe(0o700);

      // A stored name works wherever a seed does.
      expect(await keysJson(['public', 'alice'], { xdg: store })).toEqual({ public_key: alice.public_key });
      const { signature } = await keysJson(['sign', 'alice'], { xdg: store, input: 'hello' });
      expect(fromPublic(alice.public_key!).verify(enc('hello'), Buffer.from(signature!, 'base64'))).toBe(true);
      expect((await keys(['verify', 'alice', signature!], { xdg: store, input: 'hello' })).code).toBe(0);

      expectError(await keys(['gen', 'user', '--save', 'alice'], { xdg: store }), 1, /a key named 'alice' already exists/);
      expect((await keysJson(['get', 'alice'], { xdg: store })).seed).toBe(alice.seed); // not replaced

      expect(await keysJson(['rm', 'alice', '--yes'], { xdg: store })).toEqual({
        removed: 'alice',
        public_key: alice.public_key,
        file: join(scratch, 'keys', 'alice.nk'),
      });
      expectError(await keys(['get', 'alice'], { xdg: store }), 1, /^error: no stored key named 'alice'$/);
      expectError(await keys(['rm', 'alice'], { xdg: store }), 1, /^error: no stored key named 'alice'$/);
      expectError(await keys(['sign', 'alice'], { xdg: store, input: 'x' }), 1, /no stored key named 'alice'/);
      expect((await keysJson<{ name: string }[]>(['list'], { xdg: store })).map((k) => k.name)).toEqual(['op.main_1']);
    } finally {
      await store.cleanup();
    }
  });

  it('refuses bad names as usage errors and writes nothing', async () => {
    const store = await makeXdg();
    try {
      const cases: [string[], RegExp][] = [
        [['gen', 'user', '--save', '../evil'], /invalid key name '\.\.\/evil': it cannot contain '\/' or '\.\.'/],
        [['gen', 'user', '--save', 'a/b'], /invalid key name 'a\/b': it cannot contain '\/' or '\.\.'/],
        [['gen', 'user', '--save', '.hidden'], /invalid key name '\.hidden': it cannot start with '\.'/],
        [['gen', 'user', '--save', ''], /a key name cannot be empty/],
        [['get', 'white space'], /invalid key name 'white space': use at most 64 of A-Z a-z 0-9 \. _ -/],
        [['rm', 'x'.repeat(65)], /invalid key name 'x{65}'/],
      ];
      const results = await Promise.all(cases.map(([args]) => keys(args, { xdg: store })));
      results.forEach((result, i) => {
        expectError(result, 2, cases[i]![1]);
        expect(result.stdout).toBe(''); // no key printed for a key that could not be saved
      });
      const fs = join(store.data, 'plugins', 'fs');
      expect(await readdir(fs)).toEqual(['core.keys']);
      await expect(readdir(join(fs, 'core.keys', 'keys'))).rejects.toThrow(/ENOENT/);
    } finally {
      await store.cleanup();
    }
  });

  it('fails clearly when the scratch dir is not granted', async () => {
    const [list, save] = await Promise.all([keys(['list'], { scratch: false }), keys(['gen', 'user', '--save', 'bob'], { scratch: false })]);
    expectError(list, 1, /the key store is unavailable: wash did not grant this plugin its scratch directory/);
    expectError(save, 1, /the key store is unavailable/);
    expect(save.stdout).toBe('');
    // wash says, once, what was denied and how to grant it (the scratch dir was mounted; its first use was refused).
    for (const r of [list, save]) {
      expect(r.stderr.split('\n').filter((l) => l.startsWith('wash: '))).toEqual([
        'wash: keys was denied its own scratch directory (no terminal to ask); to grant it: wash plugin grant keys --scratch, or for one run: wash --allow-scratch keys ...',
      ]);
    }
    // Generating without saving never touches the store: no question, no word about access.
    const plain = await keys(['gen', 'user'], { scratch: false });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
  });
});

describe('one value per command, for pipes; seeds off the command line', () => {
  it('SIG=$(wash keys sign k < f); wash keys verify k "$SIG" < f works in a shell, and a tampered file fails', async () => {
    const store = await makeXdg();
    try {
      const env = { ...store.env, HOME: store.root, PATH: `${await washBinDir(store.root)}:${process.env.PATH}` };
      const script = [
        'set -e',
        'wash plugin grant keys --scratch > /dev/null',
        'wash keys gen user --save k > /dev/null',
        "printf 'the data\\n' > f",
        'SIG=$(wash keys sign k < f)',
        'wash keys verify k "$SIG" < f',
        'printf \'%s\\n\' "$SIG" > sig',
        'wash keys public k > pub',
        "printf 'other data\\n' > g",
        'if wash keys verify k "$SIG" < g; then exit 9; fi',
      ].join('\n');
      const r = await runShell('bash', script, { env, cwd: store.root });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('signature is valid\n');
      expect(r.stderr.trim()).toBe('error: signature does not match');
      const signature = (await readFile(join(store.root, 'sig'), 'utf8')).trim();
      const publicKey = (await readFile(join(store.root, 'pub'), 'utf8')).trim();
      expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      expect(publicKey).toMatch(/^U[A-Z2-7]{55}$/);
      expect(fromPublic(publicKey).verify(enc('the data\n'), Buffer.from(signature, 'base64'))).toBe(true);
    } finally {
      await store.cleanup();
    }
  });

  it('public and sign print just the value in text mode; public - reads the seed from stdin', async () => {
    const user = createUser();
    const seed = dec(user.getSeed());
    const [byArg, byStdin, signed] = await Promise.all([
      keys(['public', seed], { scratch: false }),
      keys(['public', '-'], { scratch: false, input: `${seed}\n` }),
      keys(['sign', seed], { scratch: false, input: 'hello' }),
    ]);
    expect(byArg.stdout).toBe(`${user.getPublicKey()}\n`);
    expect(byStdin.code, byStdin.stderr).toBe(0);
    expect(byStdin.stdout).toBe(`${user.getPublicKey()}\n`);
    expect(signed.stdout).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    expect(user.verify(enc('hello'), Buffer.from(signed.stdout.trim(), 'base64'))).toBe(true);
    expectError(await keys(['public', '-'], { scratch: false, input: '' }), 2, /no seed on stdin/);
  });

  it('verify under --output json answers {"valid": false} with exit 1; errors stay one line on stderr', async () => {
    const user = createUser();
    const signature = Buffer.from(user.sign(enc('data'))).toString('base64');
    const json = (args: string[], input: string) => runWash(['--output', 'json', 'keys', ...args], { xdg, input });
    const [yes, no, broken] = await Promise.all([
      json(['verify', user.getPublicKey(), signature], 'data'),
      json(['verify', user.getPublicKey(), signature], 'tampered'),
      json(['verify', user.getPublicKey(), 'not*base64'], 'data'),
    ]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(JSON.parse(yes.stdout)).toEqual({ valid: true });
    expect(no.code).toBe(1);
    expect(JSON.parse(no.stdout)).toEqual({ valid: false });
    expect(no.stderr).not.toMatch(/error:/);
    expectError(broken, 2, /the signature is not valid base64/);
    expect(broken.stdout).toBe('');
  });

  it('import stores a seed from stdin; rm wants --yes and says what it removed', async () => {
    const store = await makeXdg();
    try {
      const user = createUser();
      const seed = dec(user.getSeed());
      const file = join(store.data, 'plugins', 'fs', 'core.keys', 'keys', 'bob.nk');
      const imported = await keys(['import', 'bob'], { xdg: store, input: `${seed}\n` });
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toBe(`imported user key 'bob' (${user.getPublicKey()}) into ${file}\n`);
      expect(await readFile(file, 'utf8')).toBe(`${seed}\n`);
      expect((await keys(['public', 'bob'], { xdg: store })).stdout).toBe(`${user.getPublicKey()}\n`);

      expectError(await keys(['import', 'bob'], { xdg: store, input: seed }), 1, /a key named 'bob' already exists/);
      const bad = await keys(['import', 'eve'], { xdg: store, input: seed.slice(0, 40) });
      expectError(bad, 1, /invalid seed: wrong length/);
      expect(bad.stderr).not.toContain(seed.slice(2, 40));
      expectError(await keys(['import', 'eve'], { xdg: store, input: `${seed} ${seed}` }), 2, /exactly one seed/);

      const refused = await keys(['rm', 'bob'], { xdg: store });
      expectError(refused, 2, /^error: removing key 'bob' cannot be undone: pass --yes to remove it$/);
      expect(await readFile(file, 'utf8')).toBe(`${seed}\n`);
      const removed = await keys(['rm', 'bob', '--yes'], { xdg: store });
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toBe(`removed key 'bob' (${user.getPublicKey()}) from ${file}\n`);
      await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    } finally {
      await store.cleanup();
    }
  });
});

/** nats-server from PATH (Debian installs it in /usr/sbin, not always on a user's PATH). */
async function findNatsServer(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const file = join(dir, 'nats-server');
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

const natsServer = await findNatsServer();
if (!natsServer && !CI) console.warn('keys.test.ts: skipping the nats-server test: nats-server is not installed (apt-get install nats-server)');

describe('with a real nats-server', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it.skipIf(!natsServer && !CI)('authenticates a user whose nkey wash generated, and refuses another', async () => {
    if (!natsServer) throw new Error('nats-server is not installed, and CI requires this test (apt-get install nats-server)');
    const user = await keysJson(['gen', 'user'], { scratch: false });
    const port = await freePort();
    const config = join(xdg.root, 'nats.conf');
    await writeFile(config, `authorization {\n  users = [ { nkey: ${user.public_key} } ]\n}\n`);
    const started = spawn(natsServer, ['-c', config, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    server = started;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 15_000);
      started.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });

    const servers = `127.0.0.1:${port}`;
    const nc = await connect({ servers, authenticator: nkeyAuthenticator(enc(user.seed!)), reconnect: false });
    await nc.flush();
    expect(nc.info?.port).toBe(port);
    await nc.close();

    const stranger = dec(createUser().getSeed());
    await expect(connect({ servers, authenticator: nkeyAuthenticator(enc(stranger)), reconnect: false })).rejects.toThrow(/authorization/i);
  });
});
