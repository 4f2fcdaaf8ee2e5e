// What StarlingMonkey (the JS engine inside componentize-js components) provides globally.
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void; warn(...args: unknown[]): void };
declare function setTimeout(fn: () => void, ms?: number): number;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array): string;
}
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare function fetch(
  input: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array },
): Promise<{ status: number; ok: boolean; text(): Promise<string>; json(): Promise<unknown>; headers: { get(name: string): string | null } }>;
declare class URL {
  constructor(url: string, base?: string);
  protocol: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  origin: string;
  searchParams: { get(name: string): string | null; set(name: string, value: string): void; toString(): string };
  toString(): string;
}
declare class URLSearchParams {
  constructor(init?: Record<string, string> | string);
  toString(): string;
}
interface SymbolConstructor {
  readonly dispose: unique symbol;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare function escape(data: string): string;
declare function addEventListener(type: 'fetch', handler: (event: FetchEvent) => void): void;
interface FetchEvent {
  request: { url: string; method: string; headers: { get(name: string): string | null } };
  respondWith(response: Response | Promise<Response>): void;
}
declare class Response {
  constructor(body?: string | Uint8Array | null, init?: { status?: number; headers?: Record<string, string> });
}
