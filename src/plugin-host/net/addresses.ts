/**
 * Where an IP address points, for redirect checks on downloads: a URL on the
 * public internet must not be able to bounce wash onto the user's own
 * machine or network (a router page, a cloud metadata service at
 * 169.254.169.254, a dev server on 127.0.0.1). Pure: no I/O except the
 * resolver `hostScope` is given.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** `other`: multicast, broadcast, documentation and reserved ranges (never a download server). */
export type AddressScope = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'other';

type V4Range = [base: number, bits: number, scope: AddressScope];

const v4 = (text: string): number => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);

// Most specific first.
const V4_RANGES: V4Range[] = (
  [
    ['0.0.0.0', 8, 'unspecified'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'private'], // carrier-grade NAT
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.0.0', 16, 'link-local'],
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'other'],
    ['192.0.2.0', 24, 'other'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'private'], // benchmarking, used inside networks
    ['198.51.100.0', 24, 'other'],
    ['203.0.113.0', 24, 'other'],
    ['224.0.0.0', 4, 'other'],
    ['240.0.0.0', 4, 'other'],
  ] as const
).map(([base, bits, scope]) => [v4(base), bits, scope]);

function v4Scope(address: number): AddressScope {
  for (const [base, bits, scope] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (address >= base && address < base + size) return scope;
  }
  return 'public';
}

/** Eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail), or undefined. */
function v6Groups(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    if (isIP(dotted[2]!) !== 4) return undefined;
    const n = v4(dotted[2]!);
    tail.push(Math.floor(n / 65536), n % 65536);
    head = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - left.length - right.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...left, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right, ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function v6Scope(groups: number[]): AddressScope {
  const [a, b, c, d, e, f, g, h] = groups as [number, number, number, number, number, number, number, number];
  const embedded = () => v4Scope(g * 65536 + h);
  if (groups.every((x) => x === 0)) return 'unspecified';
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && g === 0 && h === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0)) return embedded();
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return embedded();
  if (a === 0x2002) return v4Scope(b * 65536 + c); // 6to4
  if ((a & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((a & 0xff00) === 0xff00) return 'other'; // multicast
  if (a === 0x2001 && b === 0x0db8) return 'other'; // documentation
  return 'public';
}

/** The scope of an IP address (IPv4, IPv6, IPv6 in brackets); undefined when it is not one. */
export function addressScope(ip: string): AddressScope | undefined {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const bare = text.replace(/%.*$/, ''); // a zone id (fe80::1%eth0)
  const version = isIP(bare);
  if (version === 4) return v4Scope(v4(bare));
  if (version === 6) {
    const groups = v6Groups(bare.toLowerCase());
    return groups ? v6Scope(groups) : undefined;
  }
  return undefined;
}

/**
 * May a redirect lead from where the download started to this address?
 * Public may only go to public; a download that started on the user's own
 * machine or network (the user chose that) may go anywhere.
 */
export function hopAllowed(first: AddressScope, next: AddressScope): boolean {
  return first !== 'public' || next === 'public';
}

/** The least public of several scopes: a name resolving to one private address counts as private. */
export function narrowest(scopes: readonly AddressScope[]): AddressScope {
  const order: AddressScope[] = ['loopback', 'unspecified', 'link-local', 'private', 'other', 'public'];
  return scopes.reduce<AddressScope>((worst, s) => (order.indexOf(s) < order.indexOf(worst) ? s : worst), 'public');
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Every address of a name, as the system resolver gives them (what a connection would use). */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A host's addresses and their scope (the least public of them), through `resolve`; a literal address is its own answer. */
export async function resolveHost(
  host: string,
  resolve: Resolver = systemResolver,
): Promise<{ scope: AddressScope; addresses: { address: string; family: number }[] }> {
  const literal = addressScope(host);
  if (literal) {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    return { scope: literal, addresses: [{ address: bare, family: isIP(bare.replace(/%.*$/, '')) }] };
  }
  const addresses = await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} has no addresses`);
  return { scope: narrowest(addresses.map((a) => addressScope(a.address) ?? 'other')), addresses };
}

/** The scope of a host name or address literal, through `resolve` (the system resolver by default). */
export async function hostScope(host: string, resolve: Resolver = systemResolver): Promise<AddressScope> {
  return (await resolveHost(host, resolve)).scope;
}
