// The decision before a run (src/sandbox/decide.ts): what the plugin
// declared, against wash's own directories, system paths, symlinks, this
// run's flags and what is recorded, with a real config file and real
// symlinks in a temporary directory. No wash process, no component.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideAccess, findReserved, type DecideOptions } from '../../src/sandbox/decide.js';
import { ConsentPolicy } from '../../src/sandbox/consent-policy.js';
import { leadsOutOfItsDirectory } from '../../src/sandbox/real-paths.js';
import { emptyGrants, type Grants } from '../../src/sandbox/config.js';
import { identityOf } from '../../src/sandbox/identity.js';
import type { AccessRequest, Metadata } from '../../src/contract/metadata.js';
import { metadataOf } from './metadata-fixtures.js';

let root: string;
let dirs: { cache: string; data: string; config: string };
let pkg: string;
let home: string;
beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'wash-unit-decide-')));
  home = join(root, 'home');
  dirs = { cache: join(home, '.cache', 'wash'), data: join(home, '.local', 'share', 'wash'), config: join(home, '.config', 'wash') };
  pkg = join(root, 'pkg');
  for (const d of [...Object.values(dirs), pkg, join(home, 'proj', 'rw'), join(home, 'other')]) await mkdir(d, { recursive: true });
  await symlink('..', join(home, 'proj', 'rw', 'up')); // leads out of rw, to proj
  await symlink(dirs.data, join(home, 'proj', 'innocent')); // leads into wash's data
  await symlink('/proc/self', join(home, 'proj', 'me'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const metadata = (access: Partial<AccessRequest>): Metadata => metadataOf({ access: { ...metadataOf().access, ...access } });
const read = (path: string) => ({ path, access: 'read-only' as const, reason: 'r' });
const write = (path: string) => ({ path, access: 'read-write' as const, reason: 'r' });

/** decideAccess with a fresh config file holding `config`; returns the decision and the notes it printed. */
async function decide(access: Partial<AccessRequest>, over: Partial<DecideOptions> = {}, config = '') {
  const configFile = join(root, `config-${Math.random().toString(36).slice(2)}.toml`);
  await writeFile(configFile, config);
  const notes: string[] = [];
  const decision = await decideAccess({
    metadata: metadata(access),
    subject: { identity: identityOf({ source: 'installed', file: '/x/p.wasm' }), digest: 'sha256:now', source: 'oci://r/p:1' },
    dirs,
    configFile,
    flags: emptyGrants(),
    allowAll: false,
    note: (t) => notes.push(t),
    packageRoot: pkg,
    trustedCore: false,
    ...over,
  });
  const what = (item: (typeof decision.items)[number]['item']) =>
    'path' in item ? item.path : 'name' in item ? item.name : 'host' in item ? item.host : 'binary' in item ? item.binary : '';
  const verdicts = Object.fromEntries(
    decision.items.map(({ item, verdict }) => [`${item.kind} ${what(item)}`.trim(), verdict.state === 'denied' ? verdict.reason : verdict.state]),
  );
  return { decision, notes, verdicts };
}
const flags = (g: Partial<Grants>): Grants => ({ ...emptyGrants(), ...g });

describe("wash's own directories are nobody's but the core drain's", () => {
  it('refused before anything else, named, whatever the flags say; a symlink into them too', async () => {
    const { notes, verdicts } = await decide(
      { paths: [read('{data}/plugins/fs/core.keys'), write('{cache}'), read(join(home, 'proj', 'innocent')), read(join(pkg, 'plugins'))] },
      { flags: flags({ read: [home, pkg], write: [dirs.cache] }), allowAll: true },
    );
    expect(verdicts).toEqual({});
    expect(notes).toEqual([
      `wash: refused: plugin 'p' may not have read ${dirs.data}/plugins/fs/core.keys: it is inside wash's own data directory (only the core drain plugin may)`,
      `wash: refused: plugin 'p' may not have read and write ${dirs.cache}: it is wash's own cache directory (only the core drain plugin may)`,
      `wash: refused: plugin 'p' may not have read ${home}/proj/innocent: it is wash's own data directory (it leads to ${dirs.data}) (only the core drain plugin may)`,
      `wash: refused: plugin 'p' may not have read ${pkg}/plugins: it is inside wash's installation (core plugins' code) (only the core drain plugin may)`,
    ]);
  });

  it("a directory that holds them (~) is read only when this run's --allow-read names it, with a warning; never written", async () => {
    const asked = await decide({ paths: [read(home), write(home)] }, {}, '');
    expect(asked.verdicts).toEqual({});
    const named = await decide({ paths: [read(home), write(home)] }, { flags: flags({ read: [home] }) });
    expect(named.verdicts).toEqual({ [`read ${home}`]: 'granted' });
    expect(named.notes[0]).toBe(
      `wash: warning: plugin 'p' may read ${home} for this run, as --allow-read names it; it contains wash's own config directory ${dirs.config}`,
    );
    expect(named.notes[1]).toMatch(/^wash: refused: plugin 'p' may not have read and write/);
  });

  it('a path under a symlink into them that does not exist yet is refused too', async () => {
    const { verdicts, notes } = await decide({ paths: [write(join(home, 'proj', 'innocent', 'plugins', 'fs', 'new'))] }, { allowAll: true });
    expect(verdicts).toEqual({});
    expect(notes).toEqual([
      `wash: refused: plugin 'p' may not have read and write ${home}/proj/innocent/plugins/fs/new: it is inside wash's own data directory (it leads to ${dirs.data}/plugins/fs/new) (only the core drain plugin may)`,
    ]);
  });

  it('the core drain may be granted them', async () => {
    const { verdicts, notes } = await decide({ paths: [write('{cache}')] }, { trustedCore: true, flags: flags({ write: [dirs.cache] }) });
    expect(verdicts).toEqual({ [`write ${dirs.cache}`]: 'granted' });
    expect(notes).toEqual([]);
  });

  it('findReserved compares as given and where paths lead, also a path not created yet under a symlink into them', async () => {
    expect(await findReserved(join(home, 'proj', 'innocent'), dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.data } });
    // `innocent/new` does not exist (yet): where it would be is still inside wash's data.
    expect(await findReserved(join(home, 'proj', 'innocent', 'new', 'dir'), dirs, pkg)).toMatchObject({ relation: 'inside', dir: { path: dirs.data } });
    expect(await findReserved(join(home, 'proj'), dirs, pkg)).toBeUndefined();
  });
});

describe('system paths, symlinks and -A', () => {
  it('-A grants what is declared, but not a system path nor a symlink out of its own directory; both are told', async () => {
    const { verdicts, notes } = await decide(
      { paths: [read('/proc'), write(join(home, 'proj', 'rw', 'up')), write(join(home, 'proj', 'rw'))], env: [{ name: 'A', reason: '' }] },
      { allowAll: true, cannotAsk: 'no-terminal' },
    );
    expect(verdicts).toEqual({
      'read /proc': 'system-path',
      [`write ${home}/proj/rw/up`]: 'no-terminal',
      [`write ${home}/proj/rw`]: 'granted',
      'env A': 'granted',
    });
    expect(notes).toEqual([
      `wash: -A does not grant plugin 'p' read and write ${home}/proj/rw/up (leads to ${home}/proj): a symlink out of its directory; name it with --allow-write`,
      `wash: -A does not grant plugin 'p' read /proc: a system path; allow it for one run with --allow-read=/proc`,
    ]);
  });

  it("a system path is granted by this run's --allow-read naming it, with a warning; a symlink to one counts as one", async () => {
    const { verdicts, notes } = await decide({ paths: [read('/proc'), read(join(home, 'proj', 'me'))] }, { flags: flags({ read: ['/proc'] }) });
    expect(verdicts['read /proc']).toBe('granted');
    expect(verdicts[`read ${home}/proj/me`]).toBe('granted'); // it leads into /proc, which is named
    expect(notes).toEqual([`warning: plugin 'p' may read /proc, a system path: it exposes the environment and secrets of this and other processes`]);
    expect(
      (await decide({ paths: [read(join(home, 'proj', 'me'))] }, {}, '[grants."installed:p"]\nread = ["/proc"]\ndigest = "sha256:now"\n')).verdicts,
    ).toEqual({
      [`read ${home}/proj/me`]: 'system-path', // a recorded grant of a system path is dropped: never asked, never granted
    });
  });

  it('leadsOutOfItsDirectory: only a path a symlink leads out of the directory it names', async () => {
    const item = (path: string, real: string) => ({ kind: 'write' as const, path, requested: path, reason: '', real });
    expect(await leadsOutOfItsDirectory(item(join(home, 'proj', 'rw', 'up'), join(home, 'proj')))).toBe(true);
    expect(await leadsOutOfItsDirectory(item(join(home, 'proj', 'rw'), join(home, 'proj', 'rw')))).toBe(false);
    expect(await leadsOutOfItsDirectory({ kind: 'env', name: 'X', reason: '' })).toBe(false);
  });
});

describe('flags, records and an earlier component', () => {
  it('a flag the plugin never declared grants nothing, and says so (escaped)', async () => {
    const { notes } = await decide({ env: [{ name: 'A', reason: '' }] }, { flags: flags({ env: ['A', 'B\u001b[2J'], net: ['https://x.com'], scratch: true }) });
    expect(notes).toEqual([
      "warning: plugin 'p' does not declare env B\\u{1b}[2J: not granted (see 'wash p --help')",
      "warning: plugin 'p' does not declare net https://x.com: not granted (see 'wash p --help')",
      "warning: plugin 'p' does not declare scratch: not granted (see 'wash p --help')",
    ]);
  });

  it('grants recorded for another digest wait for confirmation, naming both; a hook never asks about them', async () => {
    const config = '[grants."installed:p"]\nenv = ["A"]\ndigest = "sha256:0123456789abcdef"\nsource = "oci://r/p:0"\n';
    const { decision, verdicts } = await decide({ env: [{ name: 'A', reason: '' }] }, {}, config);
    expect(verdicts).toEqual({ 'env A': 'askable' });
    expect(decision.earlier).toEqual({ grants: expect.objectContaining({ env: ['A'] }), was: '0123456789ab from oci://r/p:0', now: 'now from oci://r/p:1' });
    expect(decision.policy.earlierCovers({ kind: 'env', name: 'A', reason: '' })).toBe(true);
    expect((await decide({ env: [{ name: 'A', reason: '' }] }, { cannotAsk: 'hook' }, config)).decision.earlier).toBeUndefined();
  });

  it('a bad path request is ignored with a warning; a plugin that cannot declare programs gets the granted ones', async () => {
    const { notes, verdicts } = await decide({ paths: [read('relative/x')] }, { execByGrantOnly: true, flags: flags({ exec: ['git'] }) });
    expect(notes).toEqual(["warning: p: ignoring an access request: path 'relative/x' is neither absolute nor {cache}/{data}/{config}/~"]);
    expect(verdicts).toEqual({ 'exec git': 'granted' });
  });
});

describe('declared hosts and their default ports', () => {
  it('a plugin declaring https://host:443 may reach https://host (the same destination)', () => {
    const policy = new ConsentPolicy({
      declared: [{ kind: 'net', host: 'https://api.example.com:443', reason: 'the API' }],
      recorded: emptyGrants(),
      denied: emptyGrants(),
      flags: emptyGrants(),
      allowAll: false,
    });
    expect(policy.netItem('https', 'api.example.com')).toEqual({ kind: 'net', host: 'https://api.example.com', reason: 'the API' });
    expect(policy.netItem('https', 'api.example.com:443')).toEqual({ kind: 'net', host: 'https://api.example.com', reason: 'the API' });
    expect(policy.netItem('https', 'api.example.com:8443')).toBeUndefined();
    expect(policy.netItem('http', 'api.example.com')).toBeUndefined();
  });
});
