/**
 * A small OCI distribution client over undici: anonymous, basic and the
 * bearer-token challenge flow; manifests; blobs streamed to disk with
 * sha256 verification; uploads (HEAD to skip, then monolithic or chunked);
 * tag listing. Every failure becomes a one-line WashError.
 *
 * The registry is not trusted with more than it needs:
 * - credentials (and tokens) are sent only to the registry's own origin:
 *   redirects are followed here, hop by hop, and a hop to another origin (a
 *   CDN, an upload `Location` elsewhere) goes without `Authorization`; a
 *   token realm on another origin is asked anonymously unless the wash
 *   config lists it under `token_realms` (Docker Hub's auth.docker.io is
 *   known), and the error says so when the anonymous token is not enough;
 * - every response is bounded in bytes (error bodies: a few KiB, tokens,
 *   tag pages and their total, manifests) and in time (a deadline per
 *   request; blobs: a minimum rate and a total deadline), see net/limits.ts;
 * - text it sends (error messages, media types, header values) is escaped
 *   before it can reach a terminal.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch, type Response } from 'undici';
import { WashError, messageOf } from '../../util/errors.js';
import { escapeUntrusted as esc } from '../../util/untrusted.js';
import { bytesDigest, sha256 } from '../../util/hash.js';
import { getWashVersion } from '../versions.js';
import { ByteMeter, DEFAULT_NET_LIMITS, Watchdog, kibPerSecond, readBody, readPrefix, seconds, transferDeadlineMs, type NetLimits } from '../net/limits.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, redirectMethod } from '../net/urls.js';
import type { Credentials } from './credentials.js';
import { apiHost, isLoopbackRegistry } from './reference.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A token response (JWTs with certificate chains run to a few KiB). */
const MAX_TOKEN_BYTES = 1024 * 1024;
/** One page of a tag list, and all pages together. */
const MAX_TAG_PAGE_BYTES = 4 * 1024 * 1024;
const MAX_TAG_LIST_BYTES = 8 * 1024 * 1024;
const MAX_TAGS = 100_000;
const MAX_TAG_PAGES = 100;

/** Token services on another origin that wash trusts with a registry's credentials without being told. */
const KNOWN_TOKEN_REALMS: Record<string, string> = {
  'docker.io': 'https://auth.docker.io',
  'index.docker.io': 'https://auth.docker.io',
  'registry-1.docker.io': 'https://auth.docker.io',
};

type Action = 'pull' | 'push';

export interface ClientOptions {
  credentials?: Credentials;
  /** Plain HTTP for a registry that is not on a loopback address. */
  insecure?: boolean;
  /** Origins of token services, other than the registry's own, that may receive the credentials. */
  tokenRealms?: readonly string[];
  limits?: NetLimits;
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
  errors?: { code?: unknown; message?: unknown }[];
}

/** What an error response says, from its first few KiB, escaped and short. */
async function errorDetail(res: Response): Promise<{ code?: string; text: string }> {
  const text = (await readPrefix(res)).toString('utf8');
  const short = (s: string) => esc(s.length > 200 ? `${s.slice(0, 200)}...` : s);
  try {
    const body = JSON.parse(text) as OciErrorBody;
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (first && typeof first === 'object') {
      const code = typeof first.code === 'string' ? first.code : undefined;
      const message = typeof first.message === 'string' ? first.message : undefined;
      return { code, text: short([code, message].filter(Boolean).join(': ')) };
    }
  } catch {
    // not JSON (or cut off)
  }
  return { text: short(text.split('\n')[0]!.trim()) };
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

export interface RequestOptions {
  repo: string;
  action: Action;
  headers?: Record<string, string>;
  /** A factory, so the request can be replayed after an auth challenge or a redirect. */
  body?: () => Buffer | Readable;
  /** Bounds the whole request, body included; by default a fresh one with the network timeout. */
  watchdog?: Watchdog;
}

export class RegistryClient {
  readonly base: string;
  private readonly origin: string;
  private readonly agent = new Agent({ connect: { timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 60_000 });
  private readonly limits: NetLimits;
  private basic?: string;
  private bearer = new Map<string, string>();
  private mode: 'unknown' | 'anonymous' | 'basic' | 'bearer' = 'unknown';
  /** A token realm on another origin that was asked without the credentials. */
  private withheldFrom?: string;
  private credentials?: Credentials;
  /** Whether the credentials were renewed already (once per client). */
  private renewed = false;

  constructor(
    readonly registry: string,
    private readonly options: ClientOptions = {},
  ) {
    const plain = isLoopbackRegistry(registry) || options.insecure;
    this.base = `${plain ? 'http' : 'https'}://${apiHost(registry)}`;
    this.origin = new URL(this.base).origin;
    this.limits = options.limits ?? DEFAULT_NET_LIMITS;
    this.credentials = options.credentials;
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
    if (err instanceof WashError) return err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause instanceof WashError) return cause;
    const code = cause?.code ?? (err as { code?: string }).code;
    const why = code && code !== 'UND_ERR_SOCKET' ? code : messageOf(cause ?? err);
    const tlsTrouble = /EPROTO|wrong version number|ERR_SSL|certificate/i.test(`${code} ${messageOf(cause ?? err)}`);
    return new WashError(
      `cannot reach registry ${this.registry} (${esc(new URL(url).origin)}): ${esc(why)}`,
      1,
      tlsTrouble && this.base.startsWith('https:')
        ? 'if the registry speaks plain HTTP, pass --insecure or set insecure = true for it in the wash config'
        : undefined,
    );
  }

  /** A watchdog bounding one small request (headers and body) by the network timeout. */
  private requestWatchdog(method: string, url: string): Watchdog {
    const where = new URL(url);
    const what = where.origin === this.origin ? `${method} ${where.pathname}` : `${method} ${where.origin}${where.pathname}`;
    return new Watchdog().deadline(
      this.limits.timeoutMs,
      () => `registry ${this.registry}: ${esc(what)} did not finish within ${seconds(this.limits.timeoutMs)}`,
    );
  }

  /**
   * One request, following redirects itself (at most MAX_REDIRECTS): the
   * `authorization` goes only to the registry's own origin, never to a hop
   * elsewhere. Returns the final response and its URL.
   */
  private async send(
    method: string,
    url: string,
    init: { headers: Record<string, string>; body?: () => Buffer | Readable; authorization?: string; signal: AbortSignal },
  ): Promise<{ res: Response; url: string }> {
    let current = new URL(url);
    let body = init.body;
    let headers = init.headers;
    for (let hop = 0; ; hop++) {
      const sent: Record<string, string> = { ...headers };
      if (init.authorization && current.origin === this.origin) sent.authorization = init.authorization;
      const payload = body?.();
      let res: Response;
      try {
        res = await fetch(current, {
          method,
          headers: sent,
          body: payload as never,
          ...(payload instanceof Readable ? { duplex: 'half' } : {}),
          redirect: 'manual',
          dispatcher: this.agent,
          signal: init.signal,
        });
      } catch (err) {
        if (payload instanceof Readable) payload.destroy();
        throw this.networkError(err, current.href);
      }
      const location = res.headers.get('location');
      if (!REDIRECT_STATUSES.has(res.status) || location === null) return { res, url: current.href };
      await discard(res);
      if (payload instanceof Readable) payload.destroy();
      if (hop >= MAX_REDIRECTS)
        throw new WashError(`registry ${this.registry}: more than ${MAX_REDIRECTS} redirects for ${method} ${esc(new URL(url).pathname)}`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new WashError(`registry ${this.registry} redirected to an invalid URL '${esc(location.slice(0, 200))}'`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new WashError(`registry ${this.registry} redirected to a ${esc(next.protocol)} URL; only http(s) is followed`);
      }
      const change = redirectMethod(res.status, method);
      if (!change.keepBody) {
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
      }
      method = change.method;
      current = next;
    }
  }

  private credentialsHint() {
    return `pass --user <name> --password-stdin, or set username and password under [registries."${this.registry}"] in the wash config`;
  }

  private unauthorized(): RegistryError {
    const c = this.credentials;
    if (c && this.withheldFrom) {
      return new RegistryError(
        `registry ${this.registry} sends clients for tokens to ${esc(this.withheldFrom)}, another origin; wash did not send it the credentials of '${esc(c.username)}' (from ${c.from}), and an anonymous token was not enough`,
        401,
        'UNAUTHORIZED',
        `if you trust ${esc(this.withheldFrom)} with them, add token_realms = ["${esc(this.withheldFrom)}"] under [registries."${this.registry}"] in the wash config`,
      );
    }
    return c
      ? new RegistryError(`registry ${this.registry} rejected the credentials of '${esc(c.username)}' (from ${c.from})`, 401, 'UNAUTHORIZED')
      : new RegistryError(`registry ${this.registry} requires authentication`, 401, 'UNAUTHORIZED', this.credentialsHint());
  }

  /** Answer a 401's challenge; false when there is nothing better to try. */
  private async authenticate(header: string | null, repo: string, action: Action, tried: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const creds = this.credentials;
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

  /** Whether the token service at `origin` may receive this registry's credentials. */
  private trustsRealm(origin: string): boolean {
    return origin === this.origin || (this.options.tokenRealms ?? []).includes(origin) || KNOWN_TOKEN_REALMS[this.registry] === origin;
  }

  private async fetchToken(params: Record<string, string>, repo: string, action: Action): Promise<string | undefined> {
    let realm: URL;
    try {
      realm = new URL(params.realm!);
      if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw new WashError(`registry ${this.registry} sent an invalid token realm '${esc(params.realm!.slice(0, 200))}'`);
    }
    const trusted = this.trustsRealm(realm.origin);
    const creds = trusted ? this.credentials : undefined;
    if (this.credentials && !trusted) this.withheldFrom = realm.origin;
    if (realm.protocol === 'http:' && creds && !isLoopbackRegistry(realm.host) && !this.options.insecure) {
      throw new WashError(`registry ${this.registry} asks for credentials over plain HTTP (${esc(realm.origin)}); refusing`, 1, 'pass --insecure to allow it');
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
    const service = esc(realm.origin);
    const watchdog = new Watchdog().deadline(
      this.limits.timeoutMs,
      () => `registry ${this.registry}: the token service ${service} did not finish within ${seconds(this.limits.timeoutMs)}`,
    );
    try {
      // Redirects of the token request keep the credentials on the realm's own origin, like any other.
      const authorization = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
      let res: Response;
      let current = realm;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { 'user-agent': `wash/${getWashVersion()}`, accept: 'application/json' };
        if (authorization && current.origin === realm.origin) headers.authorization = authorization;
        try {
          res = await fetch(current, { headers, redirect: 'manual', dispatcher: this.agent, signal: watchdog.signal });
        } catch (err) {
          throw this.networkError(err, current.href);
        }
        const location = res.headers.get('location');
        if (!REDIRECT_STATUSES.has(res.status) || location === null) break;
        await discard(res);
        if (hop >= MAX_REDIRECTS) throw new WashError(`registry ${this.registry}: the token service ${service} redirected more than ${MAX_REDIRECTS} times`);
        try {
          current = new URL(location, current);
        } catch {
          throw new WashError(`registry ${this.registry}: the token service ${service} redirected to an invalid URL`);
        }
        if (current.protocol !== 'http:' && current.protocol !== 'https:')
          throw new WashError(`registry ${this.registry}: the token service ${service} redirected to a non-http(s) URL`);
      }
      if (res.status === 401 || res.status === 403) {
        await discard(res);
        if (creds) throw this.unauthorized();
        return undefined;
      }
      if (!res.ok) {
        const detail = await errorDetail(res);
        throw new WashError(`registry ${this.registry}: the token service ${service} answered HTTP ${res.status}${detail.text ? `: ${detail.text}` : ''}`);
      }
      const bytes = await readBody(
        res,
        MAX_TOKEN_BYTES,
        () => new WashError(`registry ${this.registry}: the token service ${service} sent more than ${MAX_TOKEN_BYTES / 1024} KiB; refusing it`),
      );
      let body: { token?: unknown; access_token?: unknown };
      try {
        body = JSON.parse(bytes.toString('utf8')) as typeof body;
      } catch {
        throw new WashError(`registry ${this.registry}: the token service ${service} sent no JSON`);
      }
      const token = typeof body?.token === 'string' && body.token ? body.token : body?.access_token;
      if (typeof token !== 'string' || !token) throw new WashError(`registry ${this.registry}: the token service ${service} sent no token`);
      if (!/^[\x21-\x7e]+$/.test(token))
        throw new WashError(`registry ${this.registry}: the token service ${service} sent a token that is not printable ASCII`);
      return `Bearer ${token}`;
    } finally {
      watchdog.stop();
    }
  }

  /**
   * One request with auth; a 401 from the registry is answered once, then
   * reported. Other statuses are the caller's. The response's body must be
   * read before the watchdog's deadline (the network timeout by default).
   */
  async request(method: string, pathOrUrl: string, options: RequestOptions): Promise<Response> {
    const url = new URL(pathOrUrl, this.base).href;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'user-agent': `wash/${getWashVersion()}`, ...options.headers };
      const auth = this.authorization(options.repo, options.action);
      const watchdog = options.watchdog ?? this.requestWatchdog(method, url);
      const { res, url: final } = await this.send(method, url, { headers, body: options.body, authorization: auth, signal: watchdog.signal });
      // Only the registry's own origin is answered with credentials.
      if (res.status !== 401 || new URL(final).origin !== this.origin) {
        if (this.mode === 'unknown') this.mode = 'anonymous';
        return res;
      }
      await discard(res);
      const challenge = res.headers.get('www-authenticate');
      let tried = auth;
      if (attempt > 0) {
        // Credentials sent and refused: a login token may just have expired, and is renewed once.
        if (!(await this.renewCredentials())) throw this.unauthorized();
        tried = undefined;
      }
      if (!(await this.answerChallenge(challenge, options.repo, options.action, tried))) throw this.unauthorized();
    }
  }

  /** Answer a challenge; when the token service refuses the credentials, renew them (once) and answer again. */
  private async answerChallenge(header: string | null, repo: string, action: Action, tried: string | undefined): Promise<boolean> {
    try {
      return await this.authenticate(header, repo, action, tried);
    } catch (err) {
      if (!(err instanceof RegistryError && err.status === 401) || !(await this.renewCredentials())) throw err;
      return this.authenticate(header, repo, action, undefined);
    }
  }

  /** Swap in fresh credentials (a `wash login` token asked again of its provider); false when there is nothing to renew. */
  private async renewCredentials(): Promise<boolean> {
    const creds = this.credentials;
    if (!creds?.renew || this.renewed) return false;
    this.renewed = true;
    this.credentials = { ...creds, password: await creds.renew() };
    this.basic = undefined;
    this.bearer.clear();
    return true;
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
    let bytes: Buffer;
    try {
      bytes = await readBody(res, MAX_MANIFEST_BYTES, () => new WashError(`${what} is larger than a manifest may be (${MAX_MANIFEST_BYTES / 1048576} MiB)`));
    } catch (err) {
      if (err instanceof WashError) throw err;
      throw new WashError(`reading ${what} from ${this.registry} was interrupted: ${esc(messageOf((err as { cause?: unknown }).cause ?? err))}`);
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { bytes, mediaType, digest: bytesDigest(bytes) };
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
    const { timeoutMs, minBytesPerSecond } = this.limits;
    const watchdog = this.requestWatchdog('GET', new URL(`/v2/${repo}/blobs/${digest}`, this.base).href);
    try {
      const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, { repo, action: 'pull', watchdog });
      if (!res.ok || !res.body) await this.fail(res, `cannot download blob ${digest} of ${repo}`);
      // The body: at least the minimum rate over every window, and done within the time that rate allows.
      const total = transferDeadlineMs(this.limits, size);
      watchdog
        .deadline(total, () => `the transfer did not finish within ${seconds(total)}`)
        .minimumRate(timeoutMs, minBytesPerSecond, () => `the transfer was slower than ${kibPerSecond(minBytesPerSecond)} for ${seconds(timeoutMs)}`);
      const hash = sha256();
      const meter = new ByteMeter({
        limit: { bytes: size, error: () => new WashError(`the registry sent more than the ${size} bytes the manifest declares`) },
        watchdog,
        onChunk: (chunk) => hash.update(chunk),
        onProgress,
      });
      try {
        await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(file, { flags: 'wx', mode: 0o644 }));
        if (meter.bytes !== size) throw new WashError(`the download ended after ${meter.bytes} of ${size} bytes`);
      } catch (err) {
        await rm(file, { force: true });
        if (err instanceof WashError)
          throw new WashError(`download of ${digest} from ${this.registry} failed: ${err.message}; nothing was installed`, 1, err.hint);
        const cause = (err as { cause?: unknown }).cause;
        throw new WashError(`download of ${digest} from ${this.registry} was interrupted: ${esc(messageOf(cause ?? err))}; nothing was installed`);
      }
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) {
        await rm(file, { force: true });
        throw new WashError(
          `digest mismatch for blob of ${repo}: expected ${digest}, got ${got}; the registry served different content, nothing was installed`,
        );
      }
    } finally {
      watchdog.stop();
    }
  }

  /** Start an upload session; returns its absolute URL. */
  private async startUpload(repo: string): Promise<string> {
    const res = await this.request('POST', `/v2/${repo}/blobs/uploads/`, { repo, action: 'push', headers: { 'content-length': '0' } });
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 202) return this.fail(res, `cannot start an upload to ${repo}`);
    return this.location(res, `starting an upload to ${repo}`);
  }

  /** Where the upload goes on: it may be another origin, which then gets no credentials (see `send`). */
  private location(res: Response, what: string): string {
    const location = res.headers.get('location');
    if (!location) throw new WashError(`${what}: registry ${this.registry} sent no Location`);
    let url: URL;
    try {
      url = new URL(location, res.url || this.base);
    } catch {
      throw new WashError(`${what}: registry ${this.registry} sent an invalid Location '${esc(location.slice(0, 200))}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WashError(`${what}: registry ${this.registry} sent a ${esc(url.protocol)} Location`);
    return url.href;
  }

  /** An upload of `bytes` may take the time the minimum rate allows for them. */
  private uploadWatchdog(what: string, bytes: number): Watchdog {
    const ms = transferDeadlineMs(this.limits, bytes);
    return new Watchdog().deadline(ms, () => `${what}: registry ${this.registry} did not finish within ${seconds(ms)}`);
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
        return createReadStream(source.file).pipe(new ByteMeter({ onProgress: options.onProgress }));
      };
      const res = await this.request('PUT', RegistryClient.withDigest(url, digest), {
        repo,
        action: 'push',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body,
        watchdog: this.uploadWatchdog(what, size),
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
          watchdog: this.uploadWatchdog(what, length),
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
    const ours = bytesDigest(bytes);
    const theirs = res.headers.get('docker-content-digest');
    if (theirs && theirs !== ours)
      throw new WashError(`registry ${this.registry} stored the manifest of ${repo}:${tag} as ${esc(theirs.slice(0, 100))}, expected ${ours}`);
    return ours;
  }

  /**
   * Every tag of a repository, following `Link` pagination on the
   * registry's own origin: each page and all of them together are bounded
   * in bytes and in count, and a link back to a page already read is an error.
   */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    const seen = new Set<string>();
    let total = 0;
    let next: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    const what = `registry ${this.registry}: the tag list of ${repo}`;
    for (let page = 0; next !== undefined; page++) {
      const url = new URL(next, this.base);
      if (url.origin !== this.origin) throw new WashError(`${what} links to a page on another origin (${esc(url.origin)}); refusing to follow it`);
      if (seen.has(url.href)) throw new WashError(`${what} loops: page ${page + 1} links back to a page already read`);
      if (page >= MAX_TAG_PAGES) throw new WashError(`${what} has more than ${MAX_TAG_PAGES} pages`);
      seen.add(url.href);
      const res = await this.request('GET', url.href, { repo, action: 'pull', headers: { accept: 'application/json' } });
      if (!res.ok) await this.fail(res, `cannot list the tags of ${repo}`);
      const bytes = await readBody(res, Math.min(MAX_TAG_PAGE_BYTES, MAX_TAG_LIST_BYTES - total), () =>
        total + MAX_TAG_PAGE_BYTES <= MAX_TAG_LIST_BYTES
          ? new WashError(`${what} is larger than ${MAX_TAG_PAGE_BYTES / 1048576} MiB in one page; refusing it`)
          : new WashError(`${what} is more than ${MAX_TAG_LIST_BYTES / 1048576} MiB over ${page + 1} pages; refusing it`),
      );
      total += bytes.length;
      let body: { tags?: unknown };
      try {
        body = JSON.parse(bytes.toString('utf8')) as typeof body;
      } catch {
        throw new WashError(`registry ${this.registry} sent an unreadable tag list for ${repo}`);
      }
      if (Array.isArray(body?.tags)) {
        for (const t of body.tags) if (typeof t === 'string') tags.push(t);
      }
      if (tags.length > MAX_TAGS) throw new WashError(`${what} has more than ${MAX_TAGS} tags; refusing it`);
      next = nextLink(res.headers.get('link'));
    }
    return tags;
  }
}
