/**
 * A small OCI distribution client over undici: anonymous, basic and the
 * bearer-token challenge flow; manifests; blobs streamed to disk with
 * sha256 verification; uploads (HEAD to skip, then monolithic or chunked);
 * tag listing. Every failure becomes a one-line WashError.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch, type Response } from 'undici';
import { WashError, messageOf } from '../../util/errors.js';
import { getWashVersion } from '../versions.js';
import type { Credentials } from './credentials.js';
import { apiHost, isLoopbackRegistry } from './reference.js';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

type Action = 'pull' | 'push';

export interface ClientOptions {
  credentials?: Credentials;
  /** Plain HTTP for a registry that is not on a loopback address. */
  insecure?: boolean;
}

/** A registry error with the HTTP status, for callers that handle e.g. 404 specially. */
export class RegistryError extends WashError {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    hint?: string,
  ) {
    super(message, 1, hint);
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `WWW-Authenticate` (quoted values may hold commas, as scopes do). */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?\s*/g;
  let current: Challenge | undefined;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null && m[0].length > 0) {
    const [, key, quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      current = { scheme: key!.toLowerCase(), params: {} };
      out.push(current);
    } else if (current) {
      current.params[key!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
    }
  }
  return out;
}

/** The `next` page from a `Link` header. */
function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

interface OciErrorBody {
  errors?: { code?: string; message?: string }[];
}

async function errorDetail(res: Response): Promise<{ code?: string; text: string }> {
  try {
    const text = (await res.text()).slice(0, 4096);
    try {
      const body = JSON.parse(text) as OciErrorBody;
      const first = body.errors?.[0];
      if (first) return { code: first.code, text: [first.code, first.message].filter(Boolean).join(': ') };
    } catch {
      // not JSON
    }
    return { text: text.split('\n')[0]!.trim().slice(0, 200) };
  } catch {
    return { text: '' };
  }
}

export interface RequestOptions {
  repo: string;
  action: Action;
  headers?: Record<string, string>;
  /** A factory, so the request can be replayed after an auth challenge. */
  body?: () => Buffer | Readable;
}

export class RegistryClient {
  readonly base: string;
  private readonly agent = new Agent({ connect: { timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 60_000 });
  private basic?: string;
  private bearer = new Map<string, string>();
  private mode: 'unknown' | 'anonymous' | 'basic' | 'bearer' = 'unknown';

  constructor(
    readonly registry: string,
    private readonly options: ClientOptions = {},
  ) {
    const plain = isLoopbackRegistry(registry) || options.insecure;
    this.base = `${plain ? 'http' : 'https'}://${apiHost(registry)}`;
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  private scopeKey(repo: string, action: Action) {
    return `repository:${repo}:${action === 'push' ? 'pull,push' : 'pull'}`;
  }

  private authorization(repo: string, action: Action): string | undefined {
    if (this.mode === 'basic') return this.basic;
    if (this.mode === 'bearer') return this.bearer.get(this.scopeKey(repo, action));
    return undefined;
  }

  private networkError(err: unknown, url: string): WashError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (err as { code?: string }).code;
    const why = code && code !== 'UND_ERR_SOCKET' ? code : messageOf(cause ?? err);
    const tlsTrouble = /EPROTO|wrong version number|ERR_SSL|certificate/i.test(`${code} ${messageOf(cause ?? err)}`);
    return new WashError(
      `cannot reach registry ${this.registry} (${new URL(url).origin}): ${why}`,
      1,
      tlsTrouble && this.base.startsWith('https:') ? 'if the registry speaks plain HTTP, pass --insecure or set insecure = true for it in the wash config' : undefined,
    );
  }

  private credentialsHint() {
    return `pass --user <name> --password-stdin, or set username and password under [registries."${this.registry}"] in the wash config`;
  }

  private unauthorized(): RegistryError {
    const c = this.options.credentials;
    return c
      ? new RegistryError(`registry ${this.registry} rejected the credentials of '${c.username}' (from ${c.from})`, 401, 'UNAUTHORIZED')
      : new RegistryError(`registry ${this.registry} requires authentication`, 401, 'UNAUTHORIZED', this.credentialsHint());
  }

  /** Answer a 401's challenge; false when there is nothing better to try. */
  private async authenticate(header: string | null, repo: string, action: Action, tried: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const creds = this.options.credentials;
    if (bearer?.params.realm) {
      const token = await this.fetchToken(bearer.params, repo, action);
      if (!token || token === tried) return false;
      this.mode = 'bearer';
      this.bearer.set(this.scopeKey(repo, action), token);
      return true;
    }
    if (basic && creds) {
      const header = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      if (header === tried) return false;
      this.basic = header;
      this.mode = 'basic';
      return true;
    }
    return false;
  }

  private async fetchToken(params: Record<string, string>, repo: string, action: Action): Promise<string | undefined> {
    let realm: URL;
    try {
      realm = new URL(params.realm!);
    } catch {
      throw new WashError(`registry ${this.registry} sent an invalid token realm '${params.realm}'`);
    }
    const creds = this.options.credentials;
    if (realm.protocol === 'http:' && creds && !isLoopbackRegistry(realm.host) && !this.options.insecure) {
      throw new WashError(`registry ${this.registry} asks for credentials over plain HTTP (${realm.origin}); refusing`, 1, 'pass --insecure to allow it');
    }
    if (params.service) realm.searchParams.set('service', params.service);
    const wanted = this.scopeKey(repo, action);
    realm.searchParams.append('scope', wanted);
    // The challenge may name the scope the registry wants; ask for it too unless ours already covers it.
    const ours = wanted.split(':')[2]!.split(',');
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean)) {
      const m = /^repository:(.+):([a-z,*]+)$/.exec(scope);
      const covered = m !== null && m[1] === repo && m[2]!.split(',').every((a) => ours.includes(a));
      if (!covered) realm.searchParams.append('scope', scope);
    }
    const headers: Record<string, string> = { 'user-agent': `wash/${getWashVersion()}` };
    if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    let res: Response;
    try {
      res = await fetch(realm, { headers, dispatcher: this.agent });
    } catch (err) {
      throw this.networkError(err, realm.href);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => undefined);
      if (creds) throw this.unauthorized();
      return undefined;
    }
    if (!res.ok) {
      const detail = await errorDetail(res);
      throw new WashError(`registry ${this.registry}: the token service ${realm.origin} answered HTTP ${res.status}${detail.text ? `: ${detail.text}` : ''}`);
    }
    let body: { token?: string; access_token?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new WashError(`registry ${this.registry}: the token service ${realm.origin} sent no JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new WashError(`registry ${this.registry}: the token service ${realm.origin} sent no token`);
    return `Bearer ${token}`;
  }

  /** One request with auth; a 401 is answered once, then reported. Other statuses are the caller's. */
  async request(method: string, pathOrUrl: string, options: RequestOptions): Promise<Response> {
    const url = new URL(pathOrUrl, this.base).href;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'user-agent': `wash/${getWashVersion()}`, ...options.headers };
      const auth = this.authorization(options.repo, options.action);
      if (auth) headers.authorization = auth;
      const body = options.body?.();
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          body: body as never,
          ...(body instanceof Readable ? { duplex: 'half' } : {}),
          redirect: 'follow',
          dispatcher: this.agent,
        });
      } catch (err) {
        if (body instanceof Readable) body.destroy();
        throw this.networkError(err, url);
      }
      if (res.status !== 401) {
        if (this.mode === 'unknown') this.mode = 'anonymous';
        return res;
      }
      await res.body?.cancel().catch(() => undefined);
      if (body instanceof Readable) body.destroy();
      if (attempt > 0 || !(await this.authenticate(res.headers.get('www-authenticate'), options.repo, options.action, auth))) {
        throw this.unauthorized();
      }
    }
  }

  /** Turn an unexpected status into an error; `what` says what we were doing. */
  async fail(res: Response, what: string): Promise<never> {
    const detail = await errorDetail(res);
    const text = detail.text ? `: ${detail.text}` : '';
    if (res.status === 403) throw new RegistryError(`${what}: access denied by ${this.registry} (HTTP 403)${text}`, 403, detail.code, this.credentialsHint());
    if (res.status === 404) throw new RegistryError(`${what}: not found (HTTP 404)${text}`, 404, detail.code);
    if (res.status === 429) throw new RegistryError(`${what}: the registry is rate limiting (HTTP 429)`, 429, detail.code, 'try again later');
    throw new RegistryError(`${what}: registry ${this.registry} answered HTTP ${res.status}${text}`, res.status, detail.code);
  }

  /** Fetch a manifest's bytes (size-limited), with the media type and the digest of the bytes. */
  async getManifest(repo: string, reference: string, accept: readonly string[]): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const what = `manifest ${repo}:${reference}`;
    const res = await this.request('GET', `/v2/${repo}/manifests/${reference}`, { repo, action: 'pull', headers: { accept: accept.join(', ') } });
    if (!res.ok) await this.fail(res, `cannot get ${what}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_MANIFEST_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new WashError(`${what} is ${declared} bytes, larger than a manifest may be`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += (chunk as Uint8Array).length;
        if (size > MAX_MANIFEST_BYTES) throw new WashError(`${what} is larger than a manifest may be`);
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    } catch (err) {
      if (err instanceof WashError) throw err;
      throw new WashError(`reading ${what} from ${this.registry} was interrupted: ${messageOf((err as { cause?: unknown }).cause ?? err)}`);
    }
    const bytes = Buffer.concat(chunks);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { bytes, mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  }

  /** Whether the registry already has a blob. */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, { repo, action: 'push' });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return true;
    if (res.status === 404) return false;
    return this.fail(res, `cannot check blob ${digest} in ${repo}`);
  }

  /**
   * Stream a blob into `file` (created exclusively), hashing as it comes.
   * Throws, after removing the file, on an HTTP error, a cut connection,
   * a size that differs from `size`, or a digest mismatch.
   */
  async downloadBlob(repo: string, digest: string, size: number, file: string, onProgress?: (bytes: number) => void): Promise<void> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, { repo, action: 'pull' });
    if (!res.ok || !res.body) await this.fail(res, `cannot download blob ${digest} of ${repo}`);
    const hash = createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > size) return done(new WashError(`the registry sent more than the ${size} bytes the manifest declares`));
        hash.update(chunk);
        onProgress?.(received);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(file, { flags: 'wx', mode: 0o644 }));
      if (received !== size) throw new WashError(`the download ended after ${received} of ${size} bytes`);
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof WashError) throw new WashError(`download of ${digest} from ${this.registry} failed: ${err.message}; nothing was installed`);
      const cause = (err as { cause?: unknown }).cause;
      throw new WashError(`download of ${digest} from ${this.registry} was interrupted: ${messageOf(cause ?? err)}; nothing was installed`);
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== digest) {
      await rm(file, { force: true });
      throw new WashError(
        `digest mismatch for blob of ${repo}: expected ${digest}, got ${got}; the registry served different content, nothing was installed`,
      );
    }
  }

  /** Start an upload session; returns its absolute URL. */
  private async startUpload(repo: string): Promise<string> {
    const res = await this.request('POST', `/v2/${repo}/blobs/uploads/`, { repo, action: 'push', headers: { 'content-length': '0' } });
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 202) return this.fail(res, `cannot start an upload to ${repo}`);
    return this.location(res, `starting an upload to ${repo}`);
  }

  private location(res: Response, what: string): string {
    const location = res.headers.get('location');
    if (!location) throw new WashError(`${what}: registry ${this.registry} sent no Location`);
    return new URL(location, res.url || this.base).href;
  }

  private static withDigest(url: string, digest: string): string {
    const u = new URL(url);
    u.searchParams.set('digest', digest);
    return u.href;
  }

  /**
   * Upload a blob from a file or bytes. `chunkSize` undefined: one PUT
   * (streamed from the file); else PATCH chunks of that size, then PUT.
   */
  async uploadBlob(
    repo: string,
    digest: string,
    source: { file: string; size: number } | { bytes: Buffer },
    options: { chunkSize?: number; onProgress?: (bytes: number) => void } = {},
  ): Promise<void> {
    const size = 'bytes' in source ? source.bytes.length : source.size;
    const what = `upload of ${digest} to ${repo}`;
    let url = await this.startUpload(repo);
    const chunkSize = options.chunkSize;
    if (chunkSize === undefined || size <= chunkSize) {
      const body = () => {
        if ('bytes' in source) return source.bytes;
        let sent = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _enc, done) {
            sent += chunk.length;
            options.onProgress?.(sent);
            done(null, chunk);
          },
        });
        return createReadStream(source.file).pipe(counted);
      };
      const res = await this.request('PUT', RegistryClient.withDigest(url, digest), {
        repo,
        action: 'push',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body,
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status !== 201) return this.fail(res, `${what} failed`);
      return;
    }
    const handle = 'file' in source ? await open(source.file, 'r') : undefined;
    try {
      for (let start = 0; start < size; start += chunkSize) {
        const length = Math.min(chunkSize, size - start);
        let chunk: Buffer;
        if (handle) {
          chunk = Buffer.alloc(length);
          const { bytesRead } = await handle.read(chunk, 0, length, start);
          if (bytesRead !== length) throw new WashError(`${what}: the file changed while uploading`);
        } else chunk = (source as { bytes: Buffer }).bytes.subarray(start, start + length);
        const res = await this.request('PATCH', url, {
          repo,
          action: 'push',
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(length),
            'content-range': `${start}-${start + length - 1}`,
          },
          body: () => chunk,
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.status !== 202) return this.fail(res, `${what} failed at byte ${start}`);
        url = this.location(res, what);
        options.onProgress?.(start + length);
      }
    } finally {
      await handle?.close();
    }
    const res = await this.request('PUT', RegistryClient.withDigest(url, digest), {
      repo,
      action: 'push',
      headers: { 'content-length': '0' },
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 201) return this.fail(res, `${what} failed to complete`);
  }

  /** PUT a manifest under a tag; returns the digest the registry reports (or ours). */
  async putManifest(repo: string, tag: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${tag}`, {
      repo,
      action: 'push',
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: () => bytes,
    });
    if (res.status !== 201) return this.fail(res, `cannot push the manifest of ${repo}:${tag}`);
    await res.body?.cancel().catch(() => undefined);
    const ours = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const theirs = res.headers.get('docker-content-digest');
    if (theirs && theirs !== ours) throw new WashError(`registry ${this.registry} stored the manifest of ${repo}:${tag} as ${theirs}, expected ${ours}`);
    return ours;
  }

  /** Every tag of a repository, following `Link` pagination. */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.request('GET', next, { repo, action: 'pull', headers: { accept: 'application/json' } });
      if (!res.ok) await this.fail(res, `cannot list the tags of ${repo}`);
      let body: { tags?: unknown };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        throw new WashError(`registry ${this.registry} sent an unreadable tag list for ${repo}`);
      }
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
      next = nextLink(res.headers.get('link'));
    }
    return tags;
  }
}
