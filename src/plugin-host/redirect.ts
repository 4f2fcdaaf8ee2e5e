/**
 * `host.redirect-listen` / `host.redirect-wait`: wash receives the browser
 * redirect that ends a plugin's OAuth login (RFC 8252's loopback redirect),
 * so an auth plugin needs no HTTP server, no second instance and no polling.
 *
 * Lives in the main thread: the plugin's worker is blocked inside wasm while
 * it waits (see ./channel.ts). One listener per plugin call; it takes exactly
 * one request, the first GET to exactly its path addressed to
 * `127.0.0.1:<port>`, and tells the browser to return to the terminal.
 * Everything else (another path, method or Host, a second request) gets a
 * small page and changes nothing. The listener stays bound until the call
 * ends, so a late request is told the login already has its answer rather
 * than finding nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const HOST = '127.0.0.1';
const MAX_PATH = 1024;

/** Where a listener would be, for messages: `127.0.0.1:8888`, or `127.0.0.1 (a free port)`. */
export const redirectPlace = (port: number) => (port === 0 ? `${HOST} (a free port)` : `${HOST}:${port}`);

/**
 * Whether the plugin may receive a redirect on `port`: the one place this
 * access is decided (item `listen`: declared as `incoming-http`, granted with
 * --listen / --allow-listen). Throws the denial, naming the port.
 */
export async function allowRedirect(access: { declared: boolean; granted: boolean }, pluginName: string, port: number): Promise<void> {
  if (access.declared && access.granted) return;
  const what = `receiving the login redirect on ${redirectPlace(port)}`;
  throw access.declared
    ? `${what} is not granted to plugin '${pluginName}' (grant it with 'wash plugin grant ${pluginName} --listen' or --allow-listen)`
    : `${what} is denied: plugin '${pluginName}' did not declare access.incoming-http`;
}

/** Why `path` cannot be a redirect path, or undefined. */
export function redirectPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `the redirect path must start with '/' (got '${path.slice(0, 100)}')`;
  if (path.length > MAX_PATH) return `the redirect path is longer than ${MAX_PATH} characters`;
  if (!/^[\x21-\x7e]+$/.test(path)) return 'the redirect path may hold only printable ASCII, without spaces';
  if (/[?#]/.test(path)) return 'the redirect path may not hold a query or fragment';
  if (path.startsWith('//')) return "the redirect path may not start with '//'";
  return undefined;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The URL holds the authorization code: it must not leak through a Referer, and the page loads nothing.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  connection: 'close',
};

function page(res: ServerResponse, status: number, title: string, text: string, headers: Record<string, string> = {}): void {
  const body = `<!doctype html><meta charset="utf-8"><title>wash: ${title}</title><h1>${title}</h1><p>${text}</p>\n`;
  res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

interface Waiter {
  resolve(url: string): void;
  reject(why: string): void;
}

/** The redirect listener of one plugin call. */
export class RedirectReceiver {
  private server?: Server;
  private path = '';
  private authority = '';
  /** The URL of the request taken, until redirect-wait returns it. */
  private received?: string;
  /** Whether this listener's request was already taken (and so every later one is refused). */
  private taken = false;
  private returned = false;
  private waiter?: Waiter;

  /** Listen on 127.0.0.1:`port` for `path`; replaces this call's previous listener. Returns the redirect URI. */
  async listen(path: string, port: number): Promise<string> {
    const problem = redirectPathProblem(path);
    if (problem) throw problem;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw `the port must be 0-65535 (got ${port})`;
    await this.close();
    const server = createServer((req, res) => this.answer(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${HOST} is in use`
            : err.code === 'EACCES'
              ? `port ${port} on ${HOST} needs privileges wash does not have`
              : `cannot listen on ${redirectPlace(port)}: ${err.code ?? err.message}`,
        ),
      );
      server.listen({ port, host: HOST, exclusive: true }, resolve);
    });
    server.on('error', () => undefined);
    this.server = server;
    this.path = path;
    this.authority = `${HOST}:${(server.address() as AddressInfo).port}`;
    this.received = undefined;
    this.taken = false;
    this.returned = false;
    return `http://${this.authority}${path}`;
  }

  /** The URL of the one request this listener takes, or an error after `timeoutMs` (0: no limit of its own). */
  wait(timeoutMs: number): Promise<string> {
    if (!this.server) return Promise.reject('no redirect listener is open: call redirect-listen first');
    if (this.returned) return Promise.reject('this redirect was already received: call redirect-listen for another');
    if (this.waiter) return Promise.reject('already waiting for the redirect');
    if (this.received !== undefined) return Promise.resolve(this.take());
    return new Promise<string>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.waiter = undefined;
              reject(`timed out after ${Math.round(timeoutMs / 100) / 10} s waiting for the redirect to http://${this.authority}${this.path}`);
            }, timeoutMs)
          : undefined;
      this.waiter = {
        resolve: (url) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(url);
        },
        reject: (why) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(why);
        },
      };
    });
  }

  /** Stop listening (the call ended, or a new listener replaces this one); a pending wait fails. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.waiter?.reject('the redirect listener was closed');
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private take(): string {
    const url = this.received!;
    this.received = undefined;
    this.returned = true;
    return url;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '';
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    // Only requests meant for this address: a page elsewhere cannot reach it through a name that resolves here (DNS rebinding).
    if (req.headers.host !== this.authority && req.headers.host !== this.authority.replace(/:80$/, '')) {
      page(res, 421, 'Wrong address', 'This port receives only the wash login redirect. Nothing was changed.');
      return;
    }
    if (path !== this.path) {
      page(res, 404, 'Not found', 'This port receives only the wash login redirect. Nothing was changed.');
      return;
    }
    if (req.method !== 'GET') {
      page(res, 405, 'Method not allowed', 'The login redirect is a GET request. Nothing was changed.', { allow: 'GET' });
      return;
    }
    if (this.taken) {
      page(res, 409, 'Already received', 'This login already received its answer. Nothing was changed; look at the terminal.');
      return;
    }
    this.taken = true;
    this.received = `http://${this.authority}${target}`;
    page(res, 200, 'Received', 'wash received the answer of the login. You can close this window and return to the terminal.');
    if (this.waiter) this.waiter.resolve(this.take());
  }
}
