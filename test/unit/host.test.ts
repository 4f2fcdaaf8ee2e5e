// Smaller pure (or local-file) cores of the plugin host that only runs of
// wash reach today: the integrity records of transpiled code, what a plugin
// call's failure becomes, the login redirect's path rules, bounded response
// bodies, docker credentials by registry, WASH_PLUGIN_PATH, the layout,
// and the digest index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
// The responses the registry client and downloads read are undici's.
import { Response } from 'undici';
import { checkFile, checkHashes, ModifiedEntry } from '../../src/plugin-host/integrity.js';
import { sha256Hex } from '../../src/util/hash.js';
import { readVerdict, writeVerdict } from '../../src/plugin-host/verdicts.js';
import { pluginFailure } from '../../src/plugin-host/worker-call.js';
import { GuestExit } from '../../src/plugin-host/instantiate.js';
import { allowRedirect, redirectPathProblem, redirectPlace } from '../../src/plugin-host/redirect.js';
import { kibPerSecond, readBody, readPrefix, seconds, transferDeadlineMs, Watchdog } from '../../src/plugin-host/net/limits.js';
import { dockerCredentials } from '../../src/plugin-host/oci/credentials.js';
import { pluginPathDirs } from '../../src/plugin-host/discover.js';
import { layout } from '../../src/contract/dirs.js';
import { DigestIndex, fileDigest } from '../../src/plugin-host/digest.js';
import { bytesDigest } from '../../src/util/hash.js';
import { ExitCode, UsageError, WashError } from '../../src/util/errors.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wash-unit-host-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('integrity of transpiled code', () => {
  const hash = sha256Hex('export {}');
  it('a file loads only with exactly the bytes recorded for its name', () => {
    const code = { dir: '/c/e', sha256: { 'x.js': hash } };
    expect(() => checkFile(code, 'x.js', 'export {}')).not.toThrow();
    expect(() => checkFile(code, 'x.js', Buffer.from('export {}'))).not.toThrow();
    expect(() => checkFile(code, 'x.js', 'export {} ')).toThrow(ModifiedEntry);
    expect(() => checkFile(code, 'y.js', 'export {}')).toThrow('the transpiled code at /c/e/y.js was modified after wash built it; it was not loaded');
    expect(() => checkFile(code, 'constructor', 'export {}')).toThrow(ModifiedEntry);
  });

  it('a record read from disk: plain file names and sha256 hex, or nothing usable', () => {
    expect(checkHashes({ 'a.js': hash, 'b.core.wasm': hash })).toEqual({ 'a.js': hash, 'b.core.wasm': hash });
    for (const bad of [
      null,
      [],
      'x',
      {},
      { '../a.js': hash },
      { '.': hash },
      { '..': hash },
      { 'a/b.js': hash },
      { 'a.js': hash.toUpperCase() },
      { 'a.js': hash.slice(1) },
      { 'a.js': 5 },
    ]) {
      expect(checkHashes(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('a verdict record is believed only if its entry is a plain name inside the transpiled dir', async () => {
    const l = layout({ cache: join(root, 'cache'), data: join(root, 'data'), config: join(root, 'config') });
    await writeVerdict(l, 'good', { entry: 'abc-jco1-f7', sha256: { 'a.js': hash } });
    expect(await readVerdict(l, 'good')).toEqual({ entry: 'abc-jco1-f7', sha256: { 'a.js': hash } });
    await writeVerdict(l, 'no', { rejected: 'not a wash plugin: {file}' });
    expect(await readVerdict(l, 'no')).toEqual({ rejected: 'not a wash plugin: {file}' });
    for (const [name, record] of [
      ['up', { entry: '../../etc', sha256: { 'a.js': hash } }],
      ['dot', { entry: '.hidden', sha256: { 'a.js': hash } }],
      ['abs', { entry: '/tmp/x', sha256: { 'a.js': hash } }],
      ['nohash', { entry: 'abc', sha256: {} }],
      ['type', { entry: 5, sha256: { 'a.js': hash } }],
    ] as const) {
      await writeFile(join(l.integrity, `${name}.json`), JSON.stringify(record));
      expect(await readVerdict(l, name), name).toBeUndefined();
    }
    await writeFile(join(l.integrity, 'junk.json'), '{not json');
    expect(await readVerdict(l, 'junk')).toBeUndefined();
    expect(await readVerdict(l, 'missing')).toBeUndefined();
  });
});

describe('what a failed plugin call becomes: one escaped line and an exit status', () => {
  const componentError = (payload: unknown) => Object.assign(new Error('component error'), { payload });

  it('usage and failure results of the contract; anything else the plugin threw', () => {
    const usage = pluginFailure('p', componentError({ tag: 'usage', val: 'bad flag\n\u001b[2J' }));
    expect(usage).toBeInstanceOf(UsageError);
    expect(usage).toMatchObject({ message: 'bad flag\\n\\u{1b}[2J', hint: "see 'wash p --help'", exitCode: ExitCode.usage });
    expect(pluginFailure('p', componentError({ tag: 'failure', val: 'no\u202e' }))).toMatchObject({ message: 'no\\u{202e}', exitCode: ExitCode.failure });
    expect(pluginFailure('p', componentError('plain text'))).toMatchObject({ message: 'plain text', exitCode: 1 });
    expect(pluginFailure('p', componentError({ tag: 'other', val: 1 }))).toMatchObject({ message: '[object Object]' });
  });

  it('a trap, a stack overflow, a host import that threw: never a crash of wash', () => {
    expect(pluginFailure('p', new WebAssembly.RuntimeError('unreachable'))).toMatchObject({ message: "plugin 'p' crashed: unreachable" });
    expect(pluginFailure('p', new RangeError('Maximum call stack size exceeded'))).toMatchObject({ message: "plugin 'p' crashed: stack overflow" });
    expect(pluginFailure('p', 'a string\r')).toMatchObject({ message: "plugin 'p' failed: a string\\u{d}" });
    expect(pluginFailure('p', new TypeError('x is not a function'))).toBeInstanceOf(WashError);
  });

  it('errors wash made, and a guest exit, pass unchanged', () => {
    const mine = new WashError('timed out', ExitCode.timeout);
    expect(pluginFailure('p', mine)).toBe(mine);
    const exit = new GuestExit(3);
    expect(pluginFailure('p', exit)).toBe(exit);
  });
});

describe('the login redirect', () => {
  it('a path: absolute, printable ASCII, no query, fragment or `//`, bounded', () => {
    expect(redirectPathProblem('/callback')).toBeUndefined();
    expect(redirectPathProblem('/a/b-c_d.e~f')).toBeUndefined();
    const table: [string, string][] = [
      ['callback', "the redirect path must start with '/' (got 'callback')"],
      ['', "the redirect path must start with '/' (got '')"],
      ['/a b', 'the redirect path may hold only printable ASCII, without spaces'],
      ['/a\r\nLocation: x', 'the redirect path may hold only printable ASCII, without spaces'],
      ['/ü', 'the redirect path may hold only printable ASCII, without spaces'],
      ['/cb?x=1', 'the redirect path may not hold a query or fragment'],
      ['/cb#f', 'the redirect path may not hold a query or fragment'],
      ['//evil.example/cb', "the redirect path may not start with '//'"],
      [`/${'a'.repeat(1024)}`, 'the redirect path is longer than 1024 characters'],
    ];
    for (const [path, problem] of table) expect(redirectPathProblem(path), JSON.stringify(path)).toBe(problem);
    expect(redirectPathProblem(`x${'a'.repeat(500)}`)).toBe(`the redirect path must start with '/' (got 'x${'a'.repeat(99)}')`);
  });

  it('receiving it needs the listen access declared and granted; the refusal says which is missing', async () => {
    await expect(allowRedirect({ declared: true, granted: true }, 'oauth', 8080)).resolves.toBeUndefined();
    await expect(allowRedirect({ declared: true, granted: false }, 'oauth', 0)).rejects.toBe(
      "receiving the login redirect on 127.0.0.1 (a free port) is not granted to plugin 'oauth' (grant it with 'wash plugin grant oauth --listen' or --allow-listen)",
    );
    await expect(allowRedirect({ declared: false, granted: true }, 'oauth', 8080)).rejects.toBe(
      "receiving the login redirect on 127.0.0.1:8080 is denied: plugin 'oauth' did not declare access.incoming-http",
    );
    expect(redirectPlace(1)).toBe('127.0.0.1:1');
  });
});

describe('bounded bodies and transfer limits', () => {
  const tooLarge = () => new WashError('too large');
  const streamed = (chunks: number, size: number) =>
    new Response(
      new ReadableStream({
        pull(controller) {
          if (chunks-- <= 0) controller.close();
          else controller.enqueue(new Uint8Array(size).fill(0x61));
        },
      }),
    );

  it('a body within the limit is read whole; one over it is refused, even without a length', async () => {
    expect((await readBody(new Response('hello'), 5, tooLarge)).toString()).toBe('hello');
    await expect(readBody(new Response('hello!'), 5, tooLarge)).rejects.toThrow('too large');
    await expect(readBody(streamed(1000, 64 * 1024), 1024 * 1024, tooLarge)).rejects.toThrow('too large'); // 64 MB offered, 1 MiB taken at most
    expect(await readBody(new Response(null), 5, tooLarge)).toHaveLength(0);
  });

  it('a declared length over the limit is refused before reading anything', async () => {
    let pulled = 0;
    const body = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1));
      },
    });
    const res = new Response(body, { headers: { 'content-length': '999999999' } });
    await expect(readBody(res, 1000, tooLarge)).rejects.toThrow('too large');
    expect(pulled).toBeLessThanOrEqual(1); // the stream may prime one pull; nothing is read
  });

  it('an error body: its first bytes only, never a throw', async () => {
    expect((await readPrefix(streamed(1000, 1000), 2500)).length).toBe(2500);
    expect((await readPrefix(new Response('short'))).toString()).toBe('short');
    let sent = false;
    const broken = new Response(
      new ReadableStream({
        pull(controller) {
          // The connection drops after the first chunk.
          if (sent) controller.error(new Error('reset'));
          else controller.enqueue(new TextEncoder().encode('partial'));
          sent = true;
        },
      }),
    );
    expect((await readPrefix(broken)).toString()).toBe('partial');
  });

  it('a transfer may take the timeout plus what the minimum rate allows for its size', () => {
    expect(transferDeadlineMs({ timeoutMs: 60_000, minBytesPerSecond: 16 * 1024 }, 0)).toBe(60_000);
    expect(transferDeadlineMs({ timeoutMs: 60_000, minBytesPerSecond: 16 * 1024 }, 512 * 1024 * 1024)).toBe(60_000 + 32_768_000);
    expect([seconds(1500), seconds(60_000), kibPerSecond(16 * 1024)]).toEqual(['1.5 s', '60 s', '16 KiB/s']);
  });

  it('a watchdog aborts with the first reason only, and stops its timers', () => {
    const w = new Watchdog().deadline(60_000, () => 'late').minimumRate(60_000, 1, () => 'slow');
    w.abort(new WashError('first'));
    w.abort(new WashError('second'));
    expect(w.signal.aborted).toBe(true);
    expect((w.signal.reason as Error).message).toBe('first');
    w.stop();
  });
});

describe('docker credentials, by registry', () => {
  it('only the entry for exactly this registry (its docker spellings), never a look-alike', async () => {
    const dir = join(root, 'docker');
    await mkdir(dir, { recursive: true });
    const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://ghcr.io.evil.example/v1/': { auth: auth('evil', 'x') },
          'evil.example/ghcr.io': { auth: auth('evil2', 'x') },
          'https://ghcr.io/v1/': { auth: auth('me', 'p:a:ss') },
          'https://index.docker.io/v1/': { username: 'hub', password: 'hp' },
          'localhost:5000': { auth: auth('', 'nouser') },
          'r.example': { auth: '%%%' },
        },
      }),
    );
    const env = { DOCKER_CONFIG: dir };
    expect(await dockerCredentials('ghcr.io', env)).toEqual({ username: 'me', password: 'p:a:ss', from: join(dir, 'config.json') });
    expect(await dockerCredentials('ghcr.io.evil.example', env)).toMatchObject({ username: 'evil' });
    expect(await dockerCredentials('docker.io', env)).toMatchObject({ username: 'hub', password: 'hp' });
    expect(await dockerCredentials('registry-1.docker.io', env)).toMatchObject({ username: 'hub' });
    expect(await dockerCredentials('localhost:5000', env)).toBeUndefined(); // an empty user name is no credentials
    expect(await dockerCredentials('r.example', env)).toBeUndefined();
    expect(await dockerCredentials('quay.io', env)).toBeUndefined();
    expect(await dockerCredentials('ghcr.io', { DOCKER_CONFIG: join(root, 'none') })).toBeUndefined();
    await writeFile(join(dir, 'config.json'), '{broken');
    expect(await dockerCredentials('ghcr.io', env)).toBeUndefined();
  });
});

describe("where plugins and wash's files are", () => {
  it('WASH_PLUGIN_PATH: absolute dirs, empty entries dropped', () => {
    expect(pluginPathDirs({ WASH_PLUGIN_PATH: ['/a', '', 'rel', '/b/'].join(delimiter) })).toEqual(['/a', resolve('rel'), '/b']);
    expect(pluginPathDirs({})).toEqual([]);
  });

  it('the layout keeps the integrity records out of the cache and the config in its own dir', () => {
    const l = layout({ cache: '/c', data: '/d', config: '/cfg' });
    expect(l).toMatchObject({
      installedPlugins: '/d/plugins/installed',
      scratchRoot: '/d/plugins/fs',
      integrity: '/d/integrity',
      transpiled: '/c/transpiled',
      configFile: '/cfg/config.toml',
    });
  });

  it('the digest index: remembered by size, mtime and inode; a changed file is hashed again; a corrupt index is empty', async () => {
    const file = join(root, 'p.wasm');
    const indexFile = join(root, 'digests.json');
    await writeFile(file, 'one');
    await writeFile(indexFile, '[[[');
    const index = await DigestIndex.open(indexFile);
    expect(await index.digestOf(file)).toEqual({ digest: bytesDigest(Buffer.from('one')), size: 3 });
    await index.save();
    expect(JSON.parse(await readFile(indexFile, 'utf8'))[file].digest).toBe(await fileDigest(file));
    // Same size, new content and mtime: not the remembered digest.
    await writeFile(file, 'two');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const again = await DigestIndex.open(indexFile);
    expect((await again.digestOf(file)).digest).toBe(bytesDigest(Buffer.from('two')));
  });
});
