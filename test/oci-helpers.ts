// Real registries for the OCI tests: Debian's docker-registry on 127.0.0.1
// (anonymous, htpasswd basic auth, or bearer tokens from a small token server
// here), a TCP proxy that cuts connections, and plugin variants.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { CI, ROOT, freePort, makeXdg, runWash, shareIntegrity, type WashResult, type Xdg } from './helpers.js';

/** The registry binary, or undefined when it is not installed. */
function registryBinary(): string | undefined {
  for (const candidate of ['/usr/bin/docker-registry', '/usr/sbin/docker-registry']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface Registry {
  port: number;
  /** `127.0.0.1:<port>` */
  host: string;
  storage: string;
  /** The registry's on-disk path of a blob (filesystem driver layout). */
  blobPath(digest: string): string;
  output(): string;
  stop(): Promise<void>;
}

export type RegistryAuth =
  { kind: 'none' } | { kind: 'htpasswd'; file: string } | { kind: 'token'; realm: string; service: string; issuer: string; certFile: string };

/** Start docker-registry with a temp storage dir on a free port, bound to 127.0.0.1 only. */
export async function startRegistry(dir: string, auth: RegistryAuth = { kind: 'none' }): Promise<Registry> {
  const binary = registryBinary();
  if (!binary) throw new Error('docker-registry is not installed (apt-get install docker-registry)');
  const port = await freePort();
  const storage = join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const authYaml =
    auth.kind === 'htpasswd'
      ? `auth:\n  htpasswd:\n    realm: wash-test\n    path: ${auth.file}\n`
      : auth.kind === 'token'
        ? `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.certFile}\n`
        : '';
  // No notifications, no health checks, no upload purging: a quiet registry that only serves.
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    authYaml,
  ].join('\n');
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, config);
  const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on port ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    storage,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * An htpasswd line with a bcrypt hash. libxcrypt's crypt(3) does bcrypt
 * (`$2b$`), and perl (essential on Debian) exposes it; `htpasswd -B` from
 * apache2-utils is the fallback.
 */
export function htpasswdLine(user: string, password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = `${[...randomBytes(21)].map((b) => alphabet[b % 64]).join('')}u`;
  try {
    const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
    if (/^\$2b\$05\$.{53}$/.test(hash)) return `${user}:${hash}`;
  } catch {
    // try htpasswd
  }
  return execFileSync('htpasswd', ['-nbBC', '5', user, password], { encoding: 'utf8' }).trim();
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Tokens issued, with the access they carry. */
  issued: { user?: string; access: { name: string; actions: string[] }[] }[];
  /** The user names of basic credentials refused. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A registry token service (the docker "token" auth spec): checks basic
 * credentials, grants what the scopes ask for to a known user and nothing to
 * anonymous callers, and signs ES256 JWTs whose x5c is a self-signed cert
 * the registry trusts (made with openssl).
 *
 * With `userinfo` (an OpenID provider's userinfo endpoint), the basic
 * password is instead an OAuth access token: it is valid when userinfo
 * accepts it as a bearer token, and the user is its `sub` (the user name
 * sent with it is ignored, as registries that take access tokens do).
 */
export async function startTokenServer(dir: string, user: string, password: string, options: { userinfo?: string } = {}): Promise<TokenServer> {
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=wash-test-token-issuer',
    ],
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  const port = await freePort();
  const service = 'wash-test-registry';
  const issuer = 'wash-test-issuer';
  const issued: TokenServer['issued'] = [];
  const rejected: string[] = [];
  const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

  /** Who the basic credentials belong to, or undefined when they are wrong. */
  const check = async (u: string, secret: string): Promise<string | undefined> => {
    if (!options.userinfo) return u === user && secret === password ? u : undefined;
    const r = await fetch(options.userinfo, { headers: { authorization: `Bearer ${secret}` } });
    const body = (await r.json().catch(() => ({}))) as { sub?: unknown };
    return r.status === 200 && typeof body.sub === 'string' ? body.sub : undefined;
  };
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    let who: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      who = await check(u!, rest.join(':')).catch(() => undefined);
      if (!who) {
        rejected.push(u!);
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
    }
    const access = who
      ? url.searchParams.getAll('scope').flatMap((scope) => {
          const [type, name, actions] = scope.split(':');
          return type === 'repository' && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDer] }));
    const claims = b64url(
      JSON.stringify({ iss: issuer, sub: who ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }),
    );
    const signature = sign('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    issued.push({ user: who, access: access.map(({ name, actions }) => ({ name, actions })) });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${head}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  };
  // A failure in answering (a bug here) drops the connection, which the test under way then reports.
  const server: Server = createHttpServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    issued,
    rejected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface CutProxy {
  port: number;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `target` that forwards everything, but closes both sides
 * of a connection once more than `limit` bytes came back on it: a registry
 * that dies in the middle of a large download.
 */
export async function cutProxy(target: number, limit: number): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const state = { cuts: 0 };
  const server = createTcpServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (sent + chunk.length > limit) {
        client.write(chunk.subarray(0, Math.max(0, limit - sent)));
        state.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    get cuts() {
      return state.cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Append a custom section (id 0) to a wasm binary: still a valid component, with a different digest. */
function withCustomSection(bytes: Buffer, name: string, payload: Buffer): Buffer {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return Buffer.from(out);
  };
  const nameBytes = Buffer.from(name, 'utf8');
  const content = Buffer.concat([leb(nameBytes.length), nameBytes, payload]);
  return Buffer.concat([bytes, Buffer.from([0]), leb(content.length), content]);
}

export const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const SHARED_TRANSPILED = join(ROOT, 'node_modules', '.cache', 'wash-test-xdg-cache', 'wash', 'transpiled');

/**
 * XDG dirs whose download cache is empty (so pulls really hit the registry)
 * but whose transpile cache is the shared one (so known components are not
 * transpiled again).
 */
async function ociXdg(): Promise<Xdg> {
  const xdg = await makeXdg({ isolatedCache: true });
  await mkdir(SHARED_TRANSPILED, { recursive: true });
  await mkdir(xdg.cache, { recursive: true });
  await symlink(SHARED_TRANSPILED, join(xdg.cache, 'transpiled'));
  await shareIntegrity(xdg.data); // the records of those entries
  return xdg;
}

/** Push raw blobs and a manifest with plain HTTP (for artifacts wash would never push). */
export async function pushRaw(registry: string, repo: string, tag: string, manifest: object, mediaType: string, blobs: Buffer[]): Promise<string> {
  for (const blob of blobs) {
    const start = await fetch(`http://${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status}`);
    const location = new URL(start.headers.get('location')!, `http://${registry}`);
    location.searchParams.set('digest', sha256(blob));
    const put = await fetch(location, { method: 'PUT', body: new Uint8Array(blob), headers: { 'content-type': 'application/octet-stream' } });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`upload: HTTP ${put.status}`);
  }
  const body = Buffer.from(JSON.stringify(manifest));
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`manifest: HTTP ${res.status} ${text}`);
  return sha256(body);
}

// ---------------------------------------------------------------- a test file's set-up

/**
 * docker-registry for a test file: its path, or undefined where it is not
 * installed (the file's registry tests skip); under CI a missing registry
 * fails the file instead.
 */
export function requireRegistryBinary(): string | undefined {
  const binary = registryBinary();
  if (!binary && CI) throw new Error('docker-registry is not installed; CI must install it (apt-get install docker-registry)');
  return binary;
}

/** A maker of `ociXdg` dirs for a test file, each removed after its test (`'each'`) or after the file's tests (`'all'`). */
export function ociXdgs(cleanup: 'each' | 'all' = 'each'): () => Promise<Xdg> {
  const made: Xdg[] = [];
  (cleanup === 'each' ? afterEach : afterAll)(async () => {
    await Promise.all(made.splice(0).map((x) => x.cleanup()));
  });
  return async () => {
    const xdg = await ociXdg();
    made.push(xdg);
    return xdg;
  };
}

/** wash with an empty docker config in the test's own dirs (never the user's). */
export function ociWash(xdg: Xdg, args: string[], options: Omit<NonNullable<Parameters<typeof runWash>[1]>, 'xdg'> = {}): Promise<WashResult> {
  return runWash(args, { ...options, xdg, env: { DOCKER_CONFIG: join(xdg.root, 'docker'), ...options.env } });
}

/**
 * The example component with a custom section holding `payload`: the same
 * plugin with another digest (the same payload, the same digest: transpiled
 * once per machine). Written to `file`, or to the path `file` makes of its digest.
 */
export async function exampleVariant(example: Buffer, payload: string, file: string | ((digest: string) => string)): Promise<{ file: string; digest: string }> {
  const bytes = withCustomSection(example, 'wash-test-variant', Buffer.from(payload));
  const digest = sha256(bytes);
  const path = typeof file === 'string' ? file : file(digest);
  await writeFile(path, bytes);
  return { file: path, digest };
}
