/**
 * Synchronous HTTP for plugins, over wasi:http. `run` is a synchronous export,
 * so a plugin cannot await `fetch()`; this client blocks on WASI pollables
 * instead. Every request (and every redirect hop, which it follows itself)
 * goes through the host, which allows only the hosts the user granted.
 */
import { handle } from 'wasi:http/outgoing-handler@0.2.12';
import { Fields, OutgoingBody, OutgoingRequest, IncomingBody, type ErrorCode, type Method } from 'wasi:http/types@0.2.12';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Follow up to this many redirects (default 5; 0 returns the 3xx). */
  maxRedirects?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
  url: string;
  text(): string;
  json(): unknown;
}

export class HttpError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Headers dropped when a redirect leaves the origin of the first request. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

function describeError(code: ErrorCode): string {
  if (code.tag === 'HTTP-request-denied') return 'denied by wash: this host was not granted to the plugin';
  if (code.tag === 'DNS-error') return 'DNS lookup failed';
  if (code.tag === 'connection-refused') return 'connection refused';
  if (code.tag === 'connection-timeout') return 'connection timed out';
  return code.tag;
}

function once(url: string, req: HttpRequest): HttpResponse {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new HttpError(`unsupported URL scheme in ${url}`);
  const headerList: [string, Uint8Array][] = Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), encoder.encode(v)]);
  const request = new OutgoingRequest(Fields.fromList(headerList));
  const method = (req.method ?? 'GET').toUpperCase();
  request.setMethod((METHODS.includes(method) ? { tag: method.toLowerCase() } : { tag: 'other', val: method }) as Method);
  request.setScheme({ tag: target.protocol === 'https:' ? 'HTTPS' : 'HTTP' });
  request.setAuthority(target.host);
  request.setPathWithQuery(`${target.pathname}${target.search}`);

  const outgoing = request.body();
  let future;
  try {
    future = handle(request, undefined);
  } catch (err) {
    // An `err` from an import arrives as an error whose payload is the WIT value.
    const code = ((err as { payload?: ErrorCode }).payload ?? err) as ErrorCode;
    throw new HttpError(`${method} ${url}: ${describeError(code)}`);
  }
  const body = typeof req.body === 'string' ? encoder.encode(req.body) : req.body;
  const stream = outgoing.write();
  for (let at = 0; body && at < body.length; at += 4096) stream.blockingWriteAndFlush(body.subarray(at, at + 4096));
  stream[Symbol.dispose]?.();
  OutgoingBody.finish(outgoing, undefined);

  let result = future.get();
  while (result === undefined) {
    future.subscribe().block();
    result = future.get();
  }
  if (result.tag === 'err') throw new HttpError(`${method} ${url}: response already taken`);
  if (result.val.tag === 'err') throw new HttpError(`${method} ${url}: ${describeError(result.val.val)}`);
  const response = result.val.val;

  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers().entries()) {
    const v = decoder.decode(value);
    headers[name] = headers[name] === undefined ? v : `${headers[name]}, ${v}`;
  }
  const incoming = response.consume();
  const input = incoming.stream();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    try {
      const chunk = input.blockingRead(65536n);
      chunks.push(chunk);
      size += chunk.length;
    } catch {
      break; // stream closed
    }
  }
  input[Symbol.dispose]?.();
  IncomingBody.finish(incoming);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  const status = response.status();
  return {
    status,
    headers,
    body: bytes,
    url,
    text: () => decoder.decode(bytes),
    json: () => JSON.parse(decoder.decode(bytes)) as unknown,
  };
}

/** Make a request; follows redirects (each hop checked by the host again). */
export function request(url: string, req: HttpRequest = {}): HttpResponse {
  let current = url;
  let options = req;
  for (let hop = 0; ; hop++) {
    const response = once(current, options);
    const location = response.headers.location;
    if (response.status < 300 || response.status >= 400 || !location || hop >= (req.maxRedirects ?? 5)) return response;
    current = new URL(location, current).toString();
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && options.method === 'POST')) {
      options = { ...options, method: 'GET', body: undefined };
    }
    // Credentials never follow a redirect to another origin (scheme, host or port), whatever their case.
    if (new URL(current).origin !== new URL(url).origin && options.headers) {
      const rest = Object.entries(options.headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name.toLowerCase()));
      options = { ...options, headers: Object.fromEntries(rest) };
    }
  }
}
