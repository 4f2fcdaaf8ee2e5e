// Unit tests of the pure policy: no components, no processes.
import { describe, expect, it } from 'vitest';
import { destinationOf, hostMatches, parseHostPattern } from '../../src/sandbox/host-pattern.js';
import { covers, grantCommand, isWithin, mergeGrants, patternSubsumes, splitByGrant, subtractGrants, usableHosts } from '../../src/sandbox/policy.js';
import { grantsFor, isSystemItem, isSystemPath, withoutSystemPaths } from '../../src/sandbox/policy.js';
import { realPathOf } from '../../src/sandbox/real-paths.js';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyGrants, interpretConfig, parseConfigText } from '../../src/sandbox/config.js';
import { resolveRequestedPath } from '../../src/sandbox/paths.js';
import { splitGlobals } from '../../src/cli/globals.js';
import { escapeUntrusted } from '../../src/util/untrusted.js';
import type { AccessItem } from '../../src/sandbox/access-items.js';

const grants = (g: Partial<ReturnType<typeof emptyGrants>>) => ({ ...emptyGrants(), ...g });
const dest = (url: string) => {
  const u = new URL(url);
  return destinationOf(u.protocol.slice(0, -1), u.host)!;
};

describe('host patterns', () => {
  it('match exact hosts with the scheme default port', () => {
    const p = parseHostPattern('https://api.example.com');
    expect(hostMatches(p, dest('https://api.example.com/x'))).toBe(true);
    expect(hostMatches(p, dest('https://api.example.com:443/'))).toBe(true);
    expect(hostMatches(p, dest('https://api.example.com:8443/'))).toBe(false);
    expect(hostMatches(p, dest('http://api.example.com/'))).toBe(false);
    expect(hostMatches(p, dest('https://api.example.com.evil.net/'))).toBe(false);
    expect(hostMatches(p, dest('https://evilapi.example.com/'))).toBe(false);
  });

  it('wildcards match subdomains on dots, not the apex nor look-alikes', () => {
    const p = parseHostPattern('https://*.example.com');
    expect(hostMatches(p, dest('https://a.example.com'))).toBe(true);
    expect(hostMatches(p, dest('https://a.b.example.com'))).toBe(true);
    expect(hostMatches(p, dest('https://example.com'))).toBe(false);
    expect(hostMatches(p, dest('https://evilexample.com'))).toBe(false);
  });

  it('ports: explicit, wildcard, and any scheme', () => {
    expect(hostMatches(parseHostPattern('http://127.0.0.1:8080'), dest('http://127.0.0.1:8080'))).toBe(true);
    expect(hostMatches(parseHostPattern('http://127.0.0.1:8080'), dest('http://127.0.0.1:8081'))).toBe(false);
    expect(hostMatches(parseHostPattern('http://127.0.0.1:*'), dest('http://127.0.0.1:1234'))).toBe(true);
    expect(hostMatches(parseHostPattern('http://127.0.0.1:*'), dest('http://localhost:1234'))).toBe(false);
    expect(hostMatches(parseHostPattern('*://example.com'), dest('http://example.com'))).toBe(true);
    expect(hostMatches(parseHostPattern('*://example.com'), dest('https://example.com'))).toBe(true);
  });

  it('rejects malformed patterns', () => {
    for (const bad of ['example.com', 'ftp://x', 'https://a b', 'https://x:99999', 'https://user@x', 'https://x/path']) {
      expect(() => parseHostPattern(bad), bad).toThrow();
    }
  });

  it('a granted pattern covers narrower requests only', () => {
    const g = (s: string) => parseHostPattern(s);
    expect(patternSubsumes(g('https://*.example.com'), g('https://api.example.com'))).toBe(true);
    expect(patternSubsumes(g('https://api.example.com'), g('https://*.example.com'))).toBe(false);
    expect(patternSubsumes(g('*://x.com'), g('https://x.com'))).toBe(true);
    expect(patternSubsumes(g('https://x.com'), g('http://x.com'))).toBe(false);
    expect(patternSubsumes(g('http://127.0.0.1:*'), g('http://127.0.0.1:8080'))).toBe(true);
    expect(patternSubsumes(g('http://127.0.0.1:8080'), g('http://127.0.0.1:*'))).toBe(false);
  });
});

describe('paths', () => {
  it('match by whole components after normalising', () => {
    expect(isWithin('/home/a/proj/x', '/home/a/proj')).toBe(true);
    expect(isWithin('/home/a/proj', '/home/a/proj/')).toBe(true);
    expect(isWithin('/home/a/project', '/home/a/proj')).toBe(false);
    expect(isWithin('/home/a/proj/../secret', '/home/a/proj')).toBe(false);
  });

  it('resolve placeholders and ~; refuse relative paths', () => {
    const dirs = { cache: '/c/wash', data: '/d/wash', config: '/cfg/wash' };
    expect(resolveRequestedPath('{cache}', dirs)).toBe('/c/wash');
    expect(resolveRequestedPath('{data}/plugins/fs', dirs)).toBe('/d/wash/plugins/fs');
    expect(resolveRequestedPath('{data}/../../etc', dirs)).toBe('/etc');
    expect(resolveRequestedPath('~/x', dirs, '/home/me')).toBe('/home/me/x');
    expect(resolveRequestedPath('relative/x', dirs)).toBeUndefined();
    expect(resolveRequestedPath('{cachex}/y', dirs)).toBeUndefined();
  });
});

describe('grants', () => {
  const items: AccessItem[] = [
    { kind: 'scratch', reason: '' },
    { kind: 'env', name: 'TOKEN', reason: '' },
    { kind: 'read', path: '/srv/data/in', requested: '/srv/data/in', reason: '' },
    { kind: 'write', path: '/srv/out', requested: '/srv/out', reason: '' },
    { kind: 'net', host: 'https://api.example.com', reason: '' },
    { kind: 'exec', binary: 'git', reason: '' },
  ];

  it('nothing is granted by default', () => {
    expect(splitByGrant(items, emptyGrants()).granted).toEqual([]);
  });

  it('each kind is covered only by its own grant; write covers read, not the reverse', () => {
    const g = grants({ scratch: true, env: ['TOKEN'], read: ['/srv/out'], write: ['/srv/data'], net: ['https://*.example.com'], exec: ['git'] });
    const { granted, missing } = splitByGrant(items, g);
    expect(missing.map((i) => i.kind)).toEqual(['write']); // /srv/out is granted read-only
    expect(granted).toHaveLength(5);
    expect(covers(grants({ env: ['TOKEN2'] }), items[1]!)).toBe(false);
    expect(covers(grants({ exec: ['git2'] }), items[5]!)).toBe(false);
  });

  it('a broad declared host is narrowed to the granted hosts inside it', () => {
    expect(usableHosts(['*://*:*'], ['http://127.0.0.1:4444'])).toEqual(['http://127.0.0.1:4444']);
    expect(usableHosts(['https://*'], ['http://127.0.0.1:4444'])).toEqual([]);
    expect(usableHosts(['https://api.x.com'], ['https://*.x.com'])).toEqual(['https://api.x.com']);
    expect(usableHosts(['https://api.x.com'], ['https://other.x.com'])).toEqual([]);
    expect(covers(grants({ net: ['http://127.0.0.1:4444'] }), { kind: 'net', host: '*://*:*', reason: '' })).toBe(true);
  });

  it('merge and subtract are exact', () => {
    const a = grants({ env: ['A'], net: ['https://x.com'] });
    const b = grants({ env: ['B', 'A'], scratch: true });
    expect(mergeGrants(a, b)).toMatchObject({ env: ['A', 'B'], scratch: true, net: ['https://x.com'] });
    expect(subtractGrants(mergeGrants(a, b), grants({ env: ['A'], scratch: true }))).toMatchObject({ env: ['B'], scratch: false });
  });

  it('the grant command quotes what the shell would mangle', () => {
    expect(grantCommand('p', [{ kind: 'read', path: "/a b/it's", requested: '', reason: '' }])).toBe(`wash plugin grant p --read '/a b/it'\\''s'`);
  });
});

describe('config file', () => {
  it('reports syntax errors with line and column', () => {
    expect(() => parseConfigText('[grants]\nx = [1,,2]\n', 'c.toml')).toThrow(/^c\.toml:2:\d+: invalid TOML/);
  });

  it('collects unknown keys and wrong types without stopping', () => {
    const { problems } = interpretConfig(parseConfigText('colour = 1\n[settings]\ntimeout_seconds = -1\n[grants.p]\nenv = "X"\nbogus = true\n', 'c.toml'));
    expect(problems.map((p) => p.path)).toEqual(['colour', 'settings.timeout_seconds', 'grants.p.env', 'grants.p.bogus']);
  });
});

describe('global flags', () => {
  it('collect --allow-* values and stop at the plugin name', () => {
    const { globals, rest } = splitGlobals(['--allow-env=A,B', '--allow-env', 'C', '--allow-net=https://x.com', '-A', 'keys', '--allow-env=Z']);
    expect(globals.allow.env).toEqual(['A', 'B', 'C']);
    expect(globals.allow.net).toEqual(['https://x.com']);
    expect(globals.allowAll).toBe(true);
    expect(rest).toEqual(['keys', '--allow-env=Z']);
  });
});

describe('untrusted text', () => {
  it('shows control, bidi and zero-width characters as escapes', () => {
    expect(escapeUntrusted('a\u001b[2Jb\u202ec\u200bd\u0007')).toBe('a\\u{1b}[2Jb\\u{202e}c\\u{200b}d\\u{7}');
    expect(escapeUntrusted('line1\nline2')).toBe('line1\\nline2');
    expect(escapeUntrusted('plain ünï 🦀')).toBe('plain ünï 🦀');
  });
});

describe('paths: real paths and system paths', () => {
  it('a path request is matched where it leads, not as spelled', () => {
    const link = { kind: 'write', path: '/home/a/rw/link', requested: '~/rw/link', reason: '', real: '/home/a' } as const;
    expect(covers(grants({ write: ['/home/a/rw'] }), link)).toBe(false);
    expect(covers(grants({ write: ['/home/a'] }), link)).toBe(true);
    expect(grantsFor([link]).write).toEqual(['/home/a']); // "always" records where it leads
  });

  it('/, /proc, /sys and /dev are system paths, and so is anything under them', () => {
    for (const p of ['/', '/proc', '/proc/self/environ', '/sys/kernel', '/dev', '/dev/', '/dev/shm']) expect(isSystemPath(p), p).toBe(true);
    for (const p of ['/home/a', '/procfs', '/device', '/srv/proc', '/tmp']) expect(isSystemPath(p), p).toBe(false);
    const proc = { kind: 'read', path: '/home/a/rw/link', requested: '', reason: '', real: '/proc' } as const;
    expect(isSystemItem(proc)).toBe(true);
    expect(withoutSystemPaths(grants({ read: ['/', '/home/a'], write: ['/dev/shm', '/srv'] }))).toMatchObject({ read: ['/home/a'], write: ['/srv'] });
  });

  it('realPathOf resolves the part that exists and keeps the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wash-realpath-'));
    try {
      await mkdir(join(dir, 'rw'));
      await symlink('..', join(dir, 'rw', 'link'));
      const real = await realpath(dir);
      expect(await realPathOf(join(dir, 'rw', 'link'))).toBe(real);
      expect(await realPathOf(join(dir, 'rw', 'link', 'not', 'yet'))).toBe(join(real, 'not', 'yet'));
      expect(await realPathOf(join(dir, 'missing', 'x'))).toBe(join(real, 'missing', 'x'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
