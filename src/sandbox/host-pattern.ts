/**
 * Outgoing-HTTP host patterns in the style of Spin's `allowed_outbound_hosts`:
 * `https://api.example.com`, `http://127.0.0.1:8080`, `https://*.example.com`
 * (subdomains only, not the apex), `*://host` (any scheme). Without a port the
 * scheme's default port is meant. Matching is on dots, never on substrings.
 */
export interface HostPattern {
  scheme: 'http' | 'https' | '*';
  /** Lower-case host; `*.` prefix kept for subdomain wildcards. */
  host: string;
  port: number | '*' | undefined;
}

export interface Destination {
  scheme: string;
  host: string;
  port: number;
}

export const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

export class BadHostPattern extends Error {}

export function parseHostPattern(text: string): HostPattern {
  const m = /^(https?|\*):\/\/(\*\.[a-z0-9.-]+|\*|\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}|\*))?\/?$/i.exec(text.trim());
  if (!m) throw new BadHostPattern(`'${text}' is not a host pattern like https://api.example.com or https://*.example.com:8443`);
  const port = m[3] === undefined ? undefined : m[3] === '*' ? '*' : Number(m[3]);
  if (typeof port === 'number' && (port < 1 || port > 65535)) throw new BadHostPattern(`'${text}' has an invalid port`);
  if (m[2] === '*' && m[1] !== '*' && port === undefined) {
    // `https://*` is fine: any host over https on 443.
  }
  return { scheme: m[1]!.toLowerCase() as HostPattern['scheme'], host: m[2]!.toLowerCase(), port };
}

export function formatHostPattern(p: HostPattern): string {
  return `${p.scheme}://${p.host}${p.port === undefined ? '' : `:${p.port}`}`;
}

/** Split a wasi-http authority (`host[:port]`, `[v6]:port`) for a scheme. */
export function destinationOf(scheme: string, authority: string): Destination | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:@/\s]+)(?::(\d{1,5}))?$/i.exec(authority);
  if (!m) return undefined;
  const s = scheme.toLowerCase();
  const port = m[2] !== undefined ? Number(m[2]) : DEFAULT_PORT[s];
  if (port === undefined) return undefined;
  return { scheme: s, host: m[1]!.toLowerCase().replace(/\.$/, ''), port };
}

export function hostMatches(pattern: HostPattern, dest: Destination): boolean {
  if (pattern.scheme !== '*' && pattern.scheme !== dest.scheme) return false;
  const wantedPort = pattern.port ?? (pattern.scheme === '*' ? DEFAULT_PORT[dest.scheme] : DEFAULT_PORT[pattern.scheme]);
  if (wantedPort !== '*' && wantedPort !== dest.port) return false;
  if (pattern.host === '*') return true;
  if (pattern.host.startsWith('*.')) {
    const apex = pattern.host.slice(2);
    return dest.host.endsWith(`.${apex}`) && dest.host.length > apex.length + 1;
  }
  return pattern.host === dest.host;
}
