// A hostile registry and download server (small node:http servers written
// here, speaking just enough of the OCI distribution API) try to get wash to
// leak credentials, hold it forever, eat its memory, write to the terminal,
// store poisoned tags or record secrets from signed URLs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type WashResult, type Xdg } from '../helpers.js';
import { EXAMPLE_WASM } from '../fixtures.js';
import { ociWash, ociXdgs, sha256 } from '../oci-helpers.js';

// ---------------------------------------------------------------- servers

interface Seen {
  method: string;
  path: string;
  authorization?: string;
}

interface Hostile {
  port: number;
  /** `127.0.0.1:<port>` */
  host: string;
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

const servers: Hostile[] = [];

async function serve(handler: Handler): Promise<Hostile> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const hostile: Hostile = {
    port,
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(hostile);
  return hostile;
}

/** Stream `total` bytes of `piece` (after `head`, before `tail`) as fast as the client reads, stopping when it hangs up. */
async function flood(res: ServerResponse, total: number, piece: Buffer, head = '', tail = ''): Promise<void> {
  let closed = false;
  res.on('close', () => (closed = true));
  if (head) res.write(head);
  for (let sent = 0; sent < total && !closed; sent += piece.length) {
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => (res.off('drain', done), res.off('close', done), resolve());
        res.on('drain', done).on('close', done);
      });
    }
  }
  if (!closed) res.end(tail);
}

/** Send `bytes` a few at a time with a pause between: never idle long enough for an idle timeout. */
async function drip(res: ServerResponse, bytes: Buffer, step: number, everyMs: number): Promise<void> {
  let closed = false;
  res.on('close', () => (closed = true));
  for (let i = 0; i < bytes.length && !closed; i += step) {
    res.write(bytes.subarray(i, i + step));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  if (!closed) res.end();
}

// ---------------------------------------------------------------- the artifact

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
let example: Buffer;
let configBlob: Buffer;
let manifest: Buffer;

function artifact(layerMediaType = 'application/wasm', extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.wasm.config.v0+json', digest: sha256(configBlob), size: configBlob.length },
      layers: [{ mediaType: layerMediaType, digest: sha256(example), size: example.length }],
      ...extra,
    }),
  );
}

/** A plain, well-behaved registry for repository `x/example`: any tag is the example component. */
function registry(tags: string[] = ['1.0.0']): Handler {
  return (req, res, url) => {
    const p = url.pathname;
    if (p === '/v2/' || p === '/v2') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (/^\/v2\/x\/example\/manifests\//.test(p)) {
      return void res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': manifest.length }).end(req.method === 'HEAD' ? undefined : manifest);
    }
    if (p === `/v2/x/example/blobs/${sha256(example)}`) return void res.writeHead(200, { 'content-length': example.length }).end(example);
    if (p === '/v2/x/example/tags/list')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'x/example', tags }));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such thing"}]}');
  };
}

// ---------------------------------------------------------------- running wash

let work: string;
let probe: string;
const freshXdg = ociXdgs();

interface Run extends WashResult {
  ms: number;
}

async function wash(xdg: Xdg, args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  const started = Date.now();
  const result = await ociWash(xdg, args, options);
  return { ...result, ms: Date.now() - started };
}

/**
 * Run wash and measure its peak resident memory: a preloaded module reads
 * the kernel's high-water mark (VmHWM) of the wash process as it exits.
 * It measures, it does not limit: wash runs with Node's defaults.
 */
async function washMeasured(xdg: Xdg, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run & { peakMb: number }> {
  const peakFile = join(xdg.root, `peak-${Math.random().toString(36).slice(2)}`);
  const r = await wash(xdg, args, {
    ...options,
    env: { ...options.env, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`, WASH_TEST_PEAK_FILE: peakFile },
  });
  const text = await readFile(peakFile, 'utf8').catch(() => '');
  expect(text, `no memory measurement (exit ${r.code}): ${r.stderr}`).toMatch(/^\d+$/);
  return { ...r, peakMb: Number(text) / 1024 };
}

const installedDir = (xdg: Xdg) => join(xdg.data, 'plugins', 'installed');
const sidecar = async (xdg: Xdg, name = 'example') =>
  JSON.parse(await readFile(join(installedDir(xdg), `${name}.source.json`), 'utf8')) as Record<string, string>;

/** An example plugin recorded as installed from `oci://<host>/x/example:<tag>` (what `plugin install` would leave). */
async function seedInstalled(xdg: Xdg, host: string, tag = '1.0.0'): Promise<void> {
  await mkdir(installedDir(xdg), { recursive: true });
  await writeFile(join(installedDir(xdg), 'example.wasm'), example);
  await writeFile(
    join(installedDir(xdg), 'example.source.json'),
    JSON.stringify({ source: `oci://${host}/x/example:${tag}`, digest: sha256(example), version: '0.1.0', installed_at: new Date().toISOString(), tag }),
  );
}

async function config(xdg: Xdg, text: string): Promise<string> {
  const file = join(xdg.root, 'wash-config.toml');
  await writeFile(file, text);
  return file;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** Nothing a server said reaches the terminal raw: no ESC, no C1 CSI, no BEL. */
const RAW_CONTROL = /[\u001b\u009b\u0007]/;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wash-hostile-registry-'));
  example = await readFile(EXAMPLE_WASM);
  configBlob = Buffer.from(JSON.stringify({ architecture: 'wasm', os: 'wasip2' }));
  manifest = artifact();
  probe = join(work, 'peak-probe.mjs');
  await writeFile(
    probe,
    [
      "import { readFileSync, writeFileSync } from 'node:fs';",
      "process.on('exit', () => {",
      "  const m = /VmHWM:\\s*(\\d+)\\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));",
      "  writeFileSync(process.env.WASH_TEST_PEAK_FILE, m ? m[1] : '');",
      '});',
    ].join('\n'),
  );
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- credentials

describe('registry credentials stay with the registry origin', () => {
  it('a Bearer realm on another origin gets no credentials unless the config lists it', async () => {
    const xdg = await freshXdg();
    // The token service on another origin: a user token for alice's credentials, an anonymous one otherwise.
    const foreign = await serve((req, res) => {
      const token = req.headers.authorization === basic('alice', 'open sesame') ? 'user-token' : 'anonymous-token';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    });
    let requireUserToken = false;
    const good = registry();
    const reg = await serve((req, res, url) => {
      const auth = req.headers.authorization;
      const ok = requireUserToken ? auth === 'Bearer user-token' : auth === 'Bearer anonymous-token' || auth === 'Bearer user-token';
      if (!ok) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${foreign.origin}/token",service="hostile"`, 'content-type': 'application/json' });
        return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"token required"}]}');
      }
      return good(req, res, url);
    });
    const ref = `oci://${reg.host}/x/example:1.0.0`;

    const r = await wash(xdg, ['-o', 'json', 'plugin', 'install', '--user', 'alice', '--password-stdin', ref], { input: 'open sesame' });
    expect(r.code, r.stderr).toBe(0);
    expect(foreign.seen.length).toBeGreaterThan(0);
    expect(foreign.seen.map((s) => s.authorization)).toEqual(foreign.seen.map(() => undefined));

    // A registry that needs a real token: the anonymous one is refused, and the error says how to trust the realm.
    requireUserToken = true;
    const refused = await wash(xdg, ['plugin', 'install', '--force', '--user', 'alice', '--password-stdin', ref], { input: 'open sesame' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(foreign.origin);
    expect(refused.stderr).toContain('token_realms');
    expect(foreign.seen.map((s) => s.authorization)).toEqual(foreign.seen.map(() => undefined));

    // Listed in the config: the credentials go to that realm (and only there).
    foreign.seen.length = 0;
    const file = await config(xdg, `[registries."${reg.host}"]\nusername = "alice"\npassword = "open sesame"\ntoken_realms = ["${foreign.origin}"]\n`);
    const listed = await wash(xdg, ['--config', file, '-o', 'json', 'plugin', 'install', '--force', ref]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(foreign.seen.map((s) => s.authorization)).toContain(basic('alice', 'open sesame'));

    const bad = await config(xdg, `[registries."${reg.host}"]\ntoken_realms = ["ftp://elsewhere.example"]\n`);
    const validated = await wash(xdg, ['--config', bad, 'config', 'validate']);
    expect(validated.stdout).toContain(`registries.${reg.host}.token_realms: must be a list of http(s) URLs`);
  });

  it('a cross-origin upload Location and a cross-origin blob redirect never carry the Authorization header', async () => {
    const xdg = await freshXdg();
    const elsewhere = await serve(async (req, res, url) => {
      if (req.method === 'PUT' && url.pathname.startsWith('/upload/')) {
        for await (const _ of req) void _;
        return void res.writeHead(201).end();
      }
      if (req.method === 'GET' && url.pathname === '/blob') return void res.writeHead(200, { 'content-length': example.length }).end(example);
      res.writeHead(404).end();
    });
    const good = registry();
    const reg = await serve(async (req, res, url) => {
      if (req.headers.authorization !== basic('alice', 'open sesame')) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="hostile"' }).end();
      }
      const p = url.pathname;
      if (req.method === 'HEAD' && p.includes('/blobs/')) return void res.writeHead(404).end();
      if (req.method === 'POST' && p === '/v2/x/example/blobs/uploads/') {
        return void res.writeHead(202, { location: `${elsewhere.origin}/upload/${Math.random().toString(36).slice(2)}` }).end();
      }
      if (req.method === 'PUT' && p.startsWith('/v2/x/example/manifests/')) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        return void res.writeHead(201, { 'docker-content-digest': sha256(Buffer.concat(chunks)) }).end();
      }
      if (req.method === 'GET' && p.startsWith('/v2/x/example/blobs/')) return void res.writeHead(307, { location: `${elsewhere.origin}/blob` }).end();
      return good(req, res, url);
    });
    const ref = `oci://${reg.host}/x/example:1.0.0`;

    const pushed = await wash(xdg, ['plugin', 'push', '--user', 'alice', '--password-stdin', EXAMPLE_WASM, ref], { input: 'open sesame' });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(elsewhere.seen.filter((s) => s.method === 'PUT').length).toBeGreaterThan(0);
    const installed = await wash(xdg, ['plugin', 'install', '--user', 'alice', '--password-stdin', ref], { input: 'open sesame' });
    expect(installed.code, installed.stderr).toBe(0);
    expect(elsewhere.seen.filter((s) => s.path === '/blob').length).toBe(1);
    // The registry itself did get them.
    expect(reg.seen.some((s) => s.authorization === basic('alice', 'open sesame'))).toBe(true);
    expect(elsewhere.seen.map((s) => s.authorization)).toEqual(elsewhere.seen.map(() => undefined));
  });
});

// ---------------------------------------------------------------- bounded in bytes

describe('every response is bounded in bytes', () => {
  const HUGE = 300 * 1024 * 1024;
  /** wash itself is ~65 MB; reading any of these bodies whole takes it far above this. */
  const PEAK_MB = 180;

  it('a 300 MB error body is read a few KiB at most, then dropped', async () => {
    const xdg = await freshXdg();
    const reg = await serve((_req, res, url) => {
      if (url.pathname.includes('/manifests/')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return flood(res, HUGE, Buffer.alloc(1024 * 1024, 'x'), 'disk full ');
      }
      res.writeHead(200).end('{}');
    });
    const r = await washMeasured(xdg, ['plugin', 'install', `oci://${reg.host}/x/example:1.0.0`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HTTP 500: disk full x+/);
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.peakMb).toBeLessThan(PEAK_MB);
  });

  it('a 300 MB token response is refused without reading it whole', async () => {
    const xdg = await freshXdg();
    const reg = await serve((req, res, url) => {
      if (url.pathname === '/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return flood(res, HUGE, Buffer.alloc(1024 * 1024, 'a'), '{"token":"', '"}');
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="hostile"` }).end();
    });
    const r = await washMeasured(xdg, ['plugin', 'install', `oci://${reg.host}/x/example:1.0.0`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/token service .* (larger|more) than/);
    expect(r.peakMb).toBeLessThan(PEAK_MB);
  });

  it('a 300 MB tag list page, and a pagination that never ends, are cut off', async () => {
    const xdg = await freshXdg();
    const piece = Buffer.from('"1.0.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",'.repeat(8192));
    const reg = await serve((_req, res, url) => {
      if (url.pathname === '/v2/x/example/tags/list') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return flood(res, HUGE, piece, '{"name":"x/example","tags":[', '"1.0.1"]}');
      }
      res.writeHead(200).end('{}');
    });
    await seedInstalled(xdg, reg.host);
    const r = await washMeasured(xdg, ['plugin', 'update', 'example']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tag list .* (larger|more) than/);
    expect(r.peakMb).toBeLessThan(PEAK_MB);

    // Pages of 2 MB each, every one linking to a new next page: the total is capped too.
    const pages = await serve((_req, res, url) => {
      if (url.pathname === '/v2/x/example/tags/list') {
        const n = Number(url.searchParams.get('last') ?? 0) + 1;
        res.writeHead(200, { 'content-type': 'application/json', link: `</v2/x/example/tags/list?n=1000&last=${n}>; rel="next"` });
        return flood(res, 2 * 1024 * 1024, piece.subarray(0, 1024 * 1024), '{"name":"x/example","tags":[', `"1.0.${n}"]}`);
      }
      res.writeHead(200).end('{}');
    });
    await seedInstalled(xdg, pages.host);
    const paged = await washMeasured(xdg, ['plugin', 'update', 'example']);
    expect(paged.code).toBe(1);
    expect(paged.stderr).toMatch(/tag list .* (larger|more) than/);
    expect(pages.seen.length).toBeLessThanOrEqual(20);
    expect(paged.peakMb).toBeLessThan(PEAK_MB);

    // A Link back to the same page: one loop is enough to notice.
    const loop = await serve((_req, res, url) => {
      if (url.pathname === '/v2/x/example/tags/list') {
        return void res
          .writeHead(200, { 'content-type': 'application/json', link: '</v2/x/example/tags/list?n=1000>; rel="next"' })
          .end('{"name":"x/example","tags":["1.0.0"]}');
      }
      res.writeHead(200).end('{}');
    });
    await seedInstalled(xdg, loop.host);
    const looped = await wash(xdg, ['plugin', 'update', 'example']);
    expect(looped.code).toBe(1);
    expect(looped.stderr).toContain('loops');
    expect(loop.seen.filter((s) => s.path.startsWith('/v2/x/example/tags/list')).length).toBeLessThanOrEqual(2);
  });
});

// ---------------------------------------------------------------- bounded in time

describe('every response is bounded in time', () => {
  const SETTINGS = '[settings]\nnetwork_timeout_seconds = 2\n';

  it('a manifest dripped a byte at a time ends at the configured deadline', async () => {
    const xdg = await freshXdg();
    const reg = await serve((_req, res, url) => {
      if (url.pathname.includes('/manifests/')) {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': manifest.length });
        return drip(res, manifest, 1, 300);
      }
      res.writeHead(200).end('{}');
    });
    const file = await config(xdg, SETTINGS);
    const r = await wash(xdg, ['--config', file, 'plugin', 'install', `oci://${reg.host}/x/example:1.0.0`], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/did not finish within 2 s/);
    expect(r.ms).toBeLessThan(12_000);
  });

  it('a blob trickling below the minimum rate is abandoned; nothing is installed', async () => {
    const xdg = await freshXdg();
    const good = registry();
    const reg = await serve((req, res, url) => {
      if (url.pathname === `/v2/x/example/blobs/${sha256(example)}`) {
        res.writeHead(200, { 'content-length': example.length });
        return drip(res, example, 4096, 500); // 8 KiB/s: never idle, never done
      }
      return good(req, res, url);
    });
    const file = await config(xdg, SETTINGS);
    const r = await wash(xdg, ['--config', file, 'plugin', 'install', `oci://${reg.host}/x/example:1.0.0`], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/slower than 16 KiB\/s/);
    expect(r.ms).toBeLessThan(15_000);
    expect(await readFile(join(installedDir(xdg), 'example.wasm')).catch(() => undefined)).toBeUndefined();
  });

  it('a URL download trickling below the minimum rate is abandoned', async () => {
    const xdg = await freshXdg();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': example.length });
      return drip(res, example, 4096, 500);
    });
    const file = await config(xdg, SETTINGS);
    const r = await wash(xdg, ['--config', file, 'plugin', 'install', `${server.origin}/example.wasm`], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/slower than 16 KiB\/s/);
    expect(r.ms).toBeLessThan(15_000);
  });
});

// ---------------------------------------------------------------- text from a registry

describe('text from a registry is escaped and capped', () => {
  it('error messages, media types and header-borne text reach the terminal escaped; a long layer list is capped', async () => {
    const xdg = await freshXdg();
    const evilMediaType = 'application/\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007';
    const manyLayers = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.wasm.config.v0+json', digest: sha256(configBlob), size: configBlob.length },
        layers: Array.from({ length: 5000 }, (_, i) => ({ mediaType: `text/x-\u001b[31m${i}`, digest: sha256(Buffer.from(String(i))), size: 1 })),
      }),
    );
    const reg = await serve((_req, res, url) => {
      const p = url.pathname;
      if (p.endsWith('/manifests/denied')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: '\u001b[2J\u001b[Hwash: all good\u0007' }] }));
      }
      if (p.endsWith('/manifests/weird')) {
        const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: evilMediaType, config: {}, layers: [] }));
        return void res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(body);
      }
      if (p.endsWith('/manifests/layers')) return void res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manyLayers);
      if (p.endsWith('/manifests/plain')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void res.end('\u001b[31mwash: error: your disk is on fire\u001b[0m');
      }
      if (p.startsWith('/v2/y/')) {
        // A header value may carry latin-1 bytes: 0x9b is a C1 CSI.
        return void res.writeHead(401, { 'www-authenticate': 'Bearer realm="\u009b2J\u009bHnot a url"' }).end();
      }
      res.writeHead(200).end('{}');
    });
    const install = (ref: string) => wash(xdg, ['plugin', 'install', `oci://${reg.host}/${ref}`]);

    for (const [ref, expected] of [
      ['x/example:denied', 'DENIED: \\u{1b}[2J\\u{1b}[Hwash: all good\\u{7}'],
      ['x/example:weird', "unsupported manifest type 'application/\\u{1b}]8;;https://evil.example\\u{7}click"],
      ['x/example:plain', 'HTTP 500: \\u{1b}[31mwash: error: your disk is on fire\\u{1b}[0m'],
      ['y/example:1.0.0', 'invalid token realm'],
    ] as const) {
      const r = await install(ref);
      expect(r.code, ref).toBe(1);
      expect(r.stderr, ref).toContain(expected);
      expect(r.stderr, ref).not.toMatch(RAW_CONTROL);
    }
    const layers = await install('x/example:layers');
    expect(layers.code).toBe(1);
    expect(layers.stderr).toContain('is not a wasm component artifact');
    expect(layers.stderr).toMatch(/and 4995 more/);
    expect(layers.stderr.length).toBeLessThan(1500);
    expect(layers.stderr).not.toMatch(RAW_CONTROL);
  });
});

// ---------------------------------------------------------------- tags

describe('plugin update takes only exact tags', () => {
  it('a tag with surrounding whitespace or control characters is never picked or stored', async () => {
    const xdg = await freshXdg();
    const hostileTags = ['1.0.0', '1.0.1', ' 1.0.2', '1.0.3\n', '\t1.0.4', 'v1.0.5 ', '1.0.6\u001b[0m', '1.0.7\u0000', '1.0.8\u00a0'];
    const reg = await serve(registry(hostileTags));
    await seedInstalled(xdg, reg.host);

    const dry = await wash(xdg, ['plugin', 'update', '--dry-run', 'example']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('1.0.0 → 1.0.1');

    const first = await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'updated', to: { tag: '1.0.1', version: '1.0.1' } });
    expect(await sidecar(xdg)).toMatchObject({ tag: '1.0.1', source: `oci://${reg.host}/x/example:1.0.1` });
    const manifestRequests = reg.seen.filter((s) => s.path.includes('/manifests/')).map((s) => decodeURIComponent(s.path.split('/manifests/')[1]!));
    expect(manifestRequests.every((t) => t === '1.0.1')).toBe(true);

    // And every later update still works.
    const again = await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'up-to-date' });
  });

  it('pickUpdate: exact semver tags only (a leading v allowed), no trimming or coercion', async () => {
    const semver = (await import('semver')).default;
    const { pickUpdate } = await import('../../src/cli/plugin-update.js');
    expect(pickUpdate(semver, [' 1.9.0', '1.8.0 ', '\t1.7.0', '1.6.0\n', '=1.5.0', '1.4', 'v1.3.0', '1.2.0', '01.9.0'], '1.0.0', false).best).toEqual({
      tag: 'v1.3.0',
      version: '1.3.0',
    });
    expect(pickUpdate(semver, ['1.1.0\u0000', `1.1.0-${'a'.repeat(200)}`], '1.0.0', false).best).toBeUndefined();
  });
});

// ---------------------------------------------------------------- URLs

describe('URL installs', () => {
  it('userinfo and query never reach the provenance, the output or an error message', async () => {
    const xdg = await freshXdg();
    // Where a signed URL sends the download: another origin, which must not get the userinfo's credentials.
    const cdn = await serve((_req, res, url) => {
      if (url.pathname === '/example.wasm') return void res.writeHead(200, { 'content-length': example.length }).end(example);
      res.writeHead(404).end();
    });
    const server = await serve((req, res, url) => {
      if (req.headers.authorization !== basic('alice', 's3cret')) return void res.writeHead(401).end();
      if (url.pathname === '/signed') return void res.writeHead(302, { location: '/moved?X-Amz-Signature=SIG2SECRET' }).end();
      if (url.pathname === '/moved') return void res.writeHead(302, { location: `${cdn.origin}/example.wasm?X-Amz-Signature=SIG3SECRET` }).end();
      res.writeHead(404).end();
    });
    const port = server.port;
    const secretUrl = `http://alice:s3cret@127.0.0.1:${port}/signed?X-Amz-Credential=AKIDSECRET&X-Amz-Signature=SIGSECRET#frag`;
    const r = await wash(xdg, ['-o', 'json', 'plugin', 'install', secretUrl]);
    expect(r.code, r.stderr).toBe(0);
    const out = `${r.stdout}\n${r.stderr}`;
    for (const secret of ['s3cret', 'AKIDSECRET', 'SIGSECRET', 'SIG2SECRET', 'SIG3SECRET', 'frag']) expect(out).not.toContain(secret);
    expect(JSON.parse(r.stdout).source).toBe(`http://127.0.0.1:${port}/signed`);
    // The userinfo went as Basic credentials to its own origin (both hops there), and not to the other origin.
    expect(server.seen.map((s) => s.path.split('?')[0])).toEqual(['/signed', '/moved']);
    expect(cdn.seen.map((s) => [s.path, s.authorization])).toEqual([['/example.wasm?X-Amz-Signature=SIG3SECRET', undefined]]);
    const recorded = await readFile(join(installedDir(xdg), 'example.source.json'), 'utf8');
    for (const secret of ['s3cret', 'AKIDSECRET', 'SIGSECRET', 'SIG2SECRET', 'SIG3SECRET', 'frag']) expect(recorded).not.toContain(secret);
    expect(JSON.parse(recorded).source).toBe(`http://127.0.0.1:${port}/signed`);

    const missing = await wash(xdg, ['plugin', 'install', `http://bob:hunter2@127.0.0.1:${port}/missing.wasm?token=TOKSECRET`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`http://127.0.0.1:${port}/missing.wasm`);
    expect(missing.stderr).not.toMatch(/hunter2|TOKSECRET/);
  });

  it('a redirect chain is capped at 5 hops', async () => {
    const xdg = await freshXdg();
    const server = await serve((_req, res, url) => {
      const n = Number(url.pathname.split('/')[2] ?? 0);
      res.writeHead(302, { location: `/hop/${n + 1}` }).end();
    });
    const r = await wash(xdg, ['plugin', 'install', `${server.origin}/hop/0`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('more than 5 redirects');
    expect(server.seen.length).toBeLessThanOrEqual(6);
  });

  it('classifies addresses; a redirect from a public address to a non-public one is refused', async () => {
    const { addressScope, hopAllowed, hostScope } = await import('../../src/plugin-host/net/addresses.js');
    const table: [string, string][] = [
      ['93.184.216.34', 'public'],
      ['8.8.8.8', 'public'],
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'link-local'],
      ['fd00::1', 'private'],
      ['fc12:3456::1', 'private'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['::ffff:8.8.8.8', 'public'],
      ['64:ff9b::a00:1', 'private'],
      ['2001:4860:4860::8888', 'public'],
      ['224.0.0.1', 'other'],
      ['255.255.255.255', 'other'],
      ['ff02::1', 'other'],
    ];
    for (const [ip, scope] of table) expect(addressScope(ip), ip).toBe(scope);
    expect(hopAllowed('public', 'public')).toBe(true);
    expect(hopAllowed('public', 'private')).toBe(false);
    expect(hopAllowed('public', 'loopback')).toBe(false);
    expect(hopAllowed('public', 'link-local')).toBe(false);
    expect(hopAllowed('public', 'unspecified')).toBe(false);
    expect(hopAllowed('public', 'other')).toBe(false);
    expect(hopAllowed('private', 'private')).toBe(true);
    expect(hopAllowed('private', 'loopback')).toBe(true);
    expect(hopAllowed('loopback', 'public')).toBe(true);
    // Host names through the system resolver (localhost is in every /etc/hosts), and through a given one.
    expect(await hostScope('localhost')).toBe('loopback');
    const fakeDns = (answers: Record<string, string[]>) => async (name: string) =>
      (answers[name] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    const dns = fakeDns({ 'cdn.example': ['93.184.216.34'], 'intranet.example': ['10.0.0.7'], 'split.example': ['93.184.216.34', '192.168.0.9'] });
    expect(await hostScope('cdn.example', dns)).toBe('public');
    expect(await hostScope('intranet.example', dns)).toBe('private');
    expect(await hostScope('split.example', dns)).toBe('private');
    expect(await hostScope('[::1]', dns)).toBe('loopback');
  });
});
