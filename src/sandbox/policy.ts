/**
 * Who may do what: pure functions over declared access items and grants.
 * No I/O here (prompting, files and network live elsewhere), so every rule
 * is unit-tested directly.
 */
import { normalize } from 'node:path';
import type { AccessItem } from './access-items.js';
import { emptyGrants, type Grants } from './grants.js';
import { DEFAULT_PORT, parseHostPattern, type HostPattern } from './host-pattern.js';

/**
 * `/` and the kernel's own trees: reading `/proc/self/environ` alone hands
 * every environment variable to a plugin. Granted only by an explicit
 * `--allow-read` for one run, never by -A, a recorded grant or the prompt.
 */
export function isSystemPath(path: string): boolean {
  return normalize(path) === '/' || ['/proc', '/sys', '/dev'].some((root) => isWithin(path, root));
}

/** The grants without system paths (see isSystemPath). */
export function withoutSystemPaths(grants: Grants): Grants {
  return { ...grants, read: grants.read.filter((p) => !isSystemPath(p)), write: grants.write.filter((p) => !isSystemPath(p)) };
}

/** A path request that leads to a system path. */
export function isSystemItem(item: AccessItem): boolean {
  return (item.kind === 'read' || item.kind === 'write') && isSystemPath(item.real ?? item.path);
}

/** `child` is `parent` or inside it, by whole path components. */
export function isWithin(child: string, parent: string): boolean {
  const c = normalize(child).replace(/\/+$/, '') || '/';
  const p = normalize(parent).replace(/\/+$/, '') || '/';
  return c === p || p === '/' || c.startsWith(`${p}/`);
}

function safePattern(text: string): HostPattern | undefined {
  try {
    return parseHostPattern(text);
  } catch {
    return undefined;
  }
}

/** Whether granted pattern `g` allows everything requested pattern `r` could reach. */
export function patternSubsumes(g: HostPattern, r: HostPattern): boolean {
  if (g.scheme !== '*' && g.scheme !== r.scheme) return false;
  if (g.port !== '*') {
    if (r.port === '*') return false;
    // No port means the scheme's default port (`https://x` is `https://x:443`, as hostMatches reads it).
    const rPort = r.port ?? (r.scheme === '*' ? undefined : DEFAULT_PORT[r.scheme]);
    if (g.port === undefined && g.scheme === '*') {
      // Any scheme, each on its default port: so must the request be.
      if (r.port !== undefined && (r.scheme === '*' || r.port !== DEFAULT_PORT[r.scheme])) return false;
    } else if ((g.port ?? DEFAULT_PORT[g.scheme]) !== rPort) return false;
  }
  if (g.host === '*') return true;
  if (g.host === r.host) return true;
  if (g.host.startsWith('*.')) {
    const apex = g.host.slice(1); // ".example.com"
    return r.host.endsWith(apex) && r.host !== apex.slice(1);
  }
  return false;
}

export function covers(grants: Grants, item: AccessItem): boolean {
  switch (item.kind) {
    case 'scratch':
      return grants.scratch;
    case 'listen':
      return grants.listen;
    case 'env':
      return grants.env.includes(item.name);
    case 'exec':
      return grants.exec.includes(item.binary);
    case 'read':
      return [...grants.read, ...grants.write].some((p) => isWithin(item.real ?? item.path, p));
    case 'write':
      return grants.write.some((p) => isWithin(item.real ?? item.path, p));
    case 'net':
      return usableHosts([item.host], grants.net).length > 0;
  }
}

/**
 * The host patterns a plugin may reach at run time: each declared pattern that
 * a grant covers whole, and each grant that falls inside a declared pattern. A
 * plugin may declare `https://*` (say, for an issuer named on its command
 * line) while the user grants only `https://login.example.com`.
 */
export function usableHosts(declared: readonly string[], granted: readonly string[]): string[] {
  const grants = granted.map((g) => [g, safePattern(g)] as const).filter((x): x is readonly [string, HostPattern] => x[1] !== undefined);
  const usable = new Set<string>();
  for (const text of declared) {
    const d = safePattern(text);
    if (!d) continue;
    if (grants.some(([, g]) => patternSubsumes(g, d))) usable.add(text);
    else for (const [gText, g] of grants) if (patternSubsumes(d, g)) usable.add(gText);
  }
  return [...usable];
}

export function splitByGrant(items: readonly AccessItem[], grants: Grants): { granted: AccessItem[]; missing: AccessItem[] } {
  const granted: AccessItem[] = [];
  const missing: AccessItem[] = [];
  for (const item of items) (covers(grants, item) ? granted : missing).push(item);
  return { granted, missing };
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

export function mergeGrants(...all: readonly Grants[]): Grants {
  return all.reduce<Grants>(
    (acc, g) => ({
      scratch: acc.scratch || g.scratch,
      listen: acc.listen || g.listen,
      env: union(acc.env, g.env),
      read: union(acc.read, g.read),
      write: union(acc.write, g.write),
      net: union(acc.net, g.net),
      exec: union(acc.exec, g.exec),
    }),
    emptyGrants(),
  );
}

/** The grants that exactly cover these items. */
export function grantsFor(items: readonly AccessItem[]): Grants {
  const g = emptyGrants();
  for (const item of items) {
    if (item.kind === 'scratch') g.scratch = true;
    else if (item.kind === 'listen') g.listen = true;
    else if (item.kind === 'env') g.env.push(item.name);
    else if (item.kind === 'exec') g.exec.push(item.binary);
    else if (item.kind === 'net') g.net.push(item.host);
    else (item.kind === 'read' ? g.read : g.write).push(item.real ?? item.path);
  }
  return mergeGrants(g);
}

/** Remove grants (for `wash plugin revoke`): exact entries only. */
export function subtractGrants(from: Grants, remove: Grants): Grants {
  const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
  return {
    ...from,
    scratch: from.scratch && !remove.scratch,
    listen: from.listen && !remove.listen,
    env: minus(from.env, remove.env),
    read: minus(from.read, remove.read),
    write: minus(from.write, remove.write),
    net: minus(from.net, remove.net),
    exec: minus(from.exec, remove.exec),
  };
}

/** The `wash plugin grant` options that name these items: `--scratch --env NAME`. */
export function grantOptions(items: readonly AccessItem[]): string {
  return items
    .map((item) => {
      switch (item.kind) {
        case 'scratch':
          return '--scratch';
        case 'listen':
          return '--listen';
        case 'env':
          return `--env ${shellQuote(item.name)}`;
        case 'exec':
          return `--exec ${shellQuote(item.binary)}`;
        case 'read':
          return `--read ${shellQuote(item.path)}`;
        case 'write':
          return `--write ${shellQuote(item.path)}`;
        case 'net':
          return `--net ${shellQuote(item.host)}`;
      }
    })
    .join(' ');
}

/** The `wash plugin grant` command line that would grant these items. */
export function grantCommand(pluginName: string, items: readonly AccessItem[]): string {
  return `wash plugin grant ${pluginName} ${grantOptions(items)}`;
}

export function shellQuote(s: string): string {
  // Globs and braces are quoted too: a shell expands them (zsh and fish refuse a glob that matches nothing).
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
