// Consent: the pure policy (declared upper bound; granted / denied / askable
// from recorded grants, recorded denials, flags and this run's answers), and
// the session that asks a scripted prompter at the moment of use and records
// "always" and "deny always" in a real config file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsentPolicy, concreteHost, itemKey, refuses, undeclaredGrants, type PolicyInput } from '../../src/sandbox/consent-policy.js';
import { ConsentSession } from '../../src/sandbox/consent.js';
import { ScriptedPrompter } from '../../src/sandbox/prompter.js';
import { emptyGrants, readConfig, interpretConfig, type Grants } from '../../src/sandbox/config.js';
import { recordedDenials, recordedGrants, writeDenials, writeGrants, type GrantSubject } from '../../src/sandbox/grant-store.js';
import { identityOf } from '../../src/sandbox/identity.js';
import type { AccessItem } from '../../src/sandbox/access-items.js';
import type { Mount } from '../../src/sandbox/enforce.js';

const g = (over: Partial<Grants> = {}): Grants => ({ ...emptyGrants(), ...over });
const scratch: AccessItem = { kind: 'scratch', reason: 'store named keys' };
const token: AccessItem = { kind: 'env', name: 'TOKEN', reason: 'the API token' };
const other: AccessItem = { kind: 'env', name: 'OTHER', reason: 'another one' };
const rw: AccessItem = { kind: 'write', path: '/home/me/rw', requested: '~/rw', reason: 'its files', real: '/home/me/rw' };
const proc: AccessItem = { kind: 'read', path: '/proc', requested: '/proc', reason: 'system info', real: '/proc' };
const anyHttps: AccessItem = { kind: 'net', host: 'https://*', reason: 'the issuer you name' };
const git: AccessItem = { kind: 'exec', binary: 'git', reason: 'clone' };
const listen: AccessItem = { kind: 'listen', reason: 'the login callback' };
const declared = [scratch, token, other, rw, proc, anyHttps, git, listen];

const policy = (over: Partial<PolicyInput> = {}) => new ConsentPolicy({ declared, recorded: g(), denied: g(), flags: g(), allowAll: false, ...over });
const state = (p: ConsentPolicy, item: AccessItem) => {
  const v = p.verdict(item);
  return v.state === 'denied' ? `denied:${v.reason}` : v.state;
};
const net = (p: ConsentPolicy, url: string) => {
  const u = new URL(url);
  return p.netItem(u.protocol.slice(0, -1), u.host);
};

describe('consent policy', () => {
  it('with nothing granted, every declared item is askable; undeclared ones are denied whatever is granted', () => {
    const p = policy();
    for (const item of [scratch, token, rw, git, listen]) expect(state(p, item), itemKey(item)).toBe('askable');
    const secret: AccessItem = { kind: 'env', name: 'SECRET', reason: '' };
    const everything = policy({ flags: g({ env: ['SECRET'], exec: ['sh'] }), recorded: g({ env: ['SECRET'] }), allowAll: true });
    expect(state(everything, secret)).toBe('denied:undeclared');
    expect(state(everything, { kind: 'exec', binary: 'sh', reason: '' })).toBe('denied:undeclared');
    expect(state(everything, { kind: 'write', path: '/home/me', requested: '', reason: '', real: '/home/me' })).toBe('denied:undeclared');
    expect(state(policy({ declared: [] }), scratch)).toBe('denied:undeclared');
  });

  it('flags, -A and recorded grants grant; a recorded denial refuses without asking', () => {
    expect(state(policy({ flags: g({ scratch: true }) }), scratch)).toBe('granted');
    expect(state(policy({ recorded: g({ env: ['TOKEN'] }) }), token)).toBe('granted');
    expect(state(policy({ recorded: g({ env: ['TOKEN'] }) }), other)).toBe('askable');
    expect(state(policy({ allowAll: true }), rw)).toBe('granted');
    expect(state(policy({ denied: g({ env: ['TOKEN'] }) }), token)).toBe('denied:recorded');
    // A denial beats a recorded grant of the same; this run's explicit flag beats a recorded denial.
    expect(state(policy({ denied: g({ scratch: true }), recorded: g({ scratch: true }) }), scratch)).toBe('denied:recorded');
    expect(state(policy({ denied: g({ scratch: true }), flags: g({ scratch: true }) }), scratch)).toBe('granted');
  });

  it('a read grant does not cover a write request; a write denial does not refuse reading', () => {
    expect(state(policy({ recorded: g({ read: ['/home/me'] }) }), rw)).toBe('askable');
    expect(state(policy({ recorded: g({ write: ['/home/me'] }) }), rw)).toBe('granted');
    const ro: AccessItem = { ...rw, kind: 'read' };
    expect(refuses(g({ write: ['/home/me/rw'] }), ro)).toBe(false);
    expect(refuses(g({ write: ['/home/me'] }), rw)).toBe(true);
  });

  it("a system path is granted only by this run's --allow-read naming it: never by -A, a record, or a question", () => {
    expect(state(policy(), proc)).toBe('denied:system-path');
    expect(state(policy({ allowAll: true, recorded: g({ read: ['/proc'] }) }), proc)).toBe('denied:system-path');
    expect(state(policy({ flags: g({ read: ['/proc'] }) }), proc)).toBe('granted');
    expect(state(policy({ flags: g({ write: ['/proc'] }) }), proc)).toBe('denied:system-path');
  });

  it('-A does not grant a declared path that leads out of its own directory', () => {
    const p = policy({ allowAll: true, notByAllowAll: [itemKey(rw)], cannotAsk: 'no-terminal' });
    expect(state(p, rw)).toBe('denied:no-terminal');
    expect(state(p, scratch)).toBe('granted');
  });

  it('without a way to ask, what is not granted is denied with the reason; a request too long to show is never asked', () => {
    expect(state(policy({ cannotAsk: 'no-terminal' }), scratch)).toBe('denied:no-terminal');
    expect(state(policy({ cannotAsk: 'no-prompt' }), scratch)).toBe('denied:no-prompt');
    expect(state(policy({ cannotAsk: 'hook', recorded: g({ scratch: true }) }), scratch)).toBe('granted');
    const long: AccessItem = { kind: 'env', name: 'LONG', reason: 'x'.repeat(2000) };
    expect(state(policy({ declared: [long] }), long)).toBe('denied:too-long');
  });

  it('answers: once and always grant for the run (always is to be recorded), deny and deny always refuse (deny always recorded)', () => {
    const p = policy();
    expect(p.answer(scratch, 'once')).toEqual({});
    expect(state(p, scratch)).toBe('granted');
    expect(p.answer(token, 'always')).toEqual({ grant: g({ env: ['TOKEN'] }) });
    expect(state(p, token)).toBe('granted');
    expect(p.answer(rw, 'deny')).toEqual({});
    expect(state(p, rw)).toBe('denied:answered');
    expect(p.answer(listen, 'deny-always')).toEqual({ deny: g({ listen: true }) });
    expect(state(p, listen)).toBe('denied:answered');
    expect(state(p, other)).toBe('askable'); // one item per question
  });

  it('a host program is asked about per call: once and deny are for that call, always and deny always stick', () => {
    const p = policy();
    p.answer(git, 'once');
    expect(state(p, git)).toBe('askable');
    p.answer(git, 'deny');
    expect(state(p, git)).toBe('askable');
    expect(p.answer(git, 'always')).toEqual({ grant: g({ exec: ['git'] }) });
    expect(state(p, git)).toBe('granted');
  });

  it('an open-ended HTTP declaration asks for the concrete host contacted, and "always" records that host only', () => {
    const p = policy();
    const login = net(p, 'https://login.example.com/.well-known/openid-configuration')!;
    expect(login).toEqual({ kind: 'net', host: 'https://login.example.com', reason: 'the issuer you name' });
    expect(state(p, login)).toBe('askable');
    expect(p.answer(login, 'always')).toEqual({ grant: g({ net: ['https://login.example.com'] }) });
    expect(state(p, login)).toBe('granted');
    expect(state(p, net(p, 'https://evil.example.com/')!)).toBe('askable');
    // Outside the declaration: another scheme, or a port https://* does not cover.
    expect(net(p, 'http://login.example.com/')).toBeUndefined();
    expect(net(p, 'https://login.example.com:8443/')).toBeUndefined();
    // A recorded concrete host is granted; a recorded denial of one refuses it only.
    const recorded = policy({ recorded: g({ net: ['https://login.example.com'] }), denied: g({ net: ['https://tracker.example.com'] }) });
    expect(state(recorded, net(recorded, 'https://login.example.com')!)).toBe('granted');
    expect(state(recorded, net(recorded, 'https://tracker.example.com')!)).toBe('denied:recorded');
    expect(state(recorded, net(recorded, 'https://api.example.com')!)).toBe('askable');
  });

  it('concrete hosts are scheme://host with the port only when it is not the default', () => {
    expect(concreteHost('https', 'Login.Example.com:443')).toBe('https://login.example.com');
    expect(concreteHost('http', '127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(concreteHost('http', '[::1]:80')).toBe('http://[::1]');
    expect(concreteHost('ftp', 'example.com:21')).toBeUndefined();
    expect(concreteHost('https', 'user@evil')).toBeUndefined();
  });

  it('grants of an earlier component wait for confirmation; confirmed, they apply for the run', () => {
    const p = policy({ earlier: g({ env: ['TOKEN'] }) });
    expect(state(p, token)).toBe('askable');
    expect(p.earlierCovers(token)).toBe(true);
    expect(p.earlierCovers(scratch)).toBe(false);
    p.settleEarlier(true);
    expect(state(p, token)).toBe('granted');
    const refused = policy({ earlier: g({ env: ['TOKEN'] }) });
    refused.settleEarlier(false);
    expect(refused.earlierCovers(token)).toBe(false);
    expect(state(refused, token)).toBe('askable');
  });

  it('names the --allow-* entries that grant nothing because the plugin never declared them', () => {
    expect(undeclaredGrants(declared, g({ env: ['TOKEN', 'SECRET'], exec: ['git', 'sh'], net: ['https://api.example.com', 'http://x.org'] }))).toEqual([
      'env SECRET',
      'run sh',
      'net http://x.org',
    ]);
    expect(undeclaredGrants(declared, g({ write: ['/home/me'], read: ['/etc'] }))).toEqual(['read /etc']);
    expect(undeclaredGrants([token], g({ scratch: true, listen: true }))).toEqual(['scratch', 'listen']);
  });
});

describe('consent session (scripted prompter, real config file)', () => {
  let dir: string;
  let configFile: string;
  const subject: GrantSubject = { identity: identityOf({ source: 'installed', file: '/x/keys.wasm' }), digest: 'sha256:1111', source: 'oci://r/keys:1' };
  const who = { name: 'keys', version: '1.0.0', digest: subject.digest, source: subject.source };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wash-consent-'));
    configFile = join(dir, 'config.toml');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A session as sandboxFor builds it, over what is recorded in the config now. */
  async function session(keys: (string | null)[] | undefined, over: Partial<PolicyInput> = {}, env: NodeJS.ProcessEnv = {}) {
    const config = await readConfig(configFile);
    const items = over.declared ?? declared;
    const p = new ConsentPolicy({
      declared: items,
      recorded: recordedGrants(config, subject).grants,
      denied: recordedDenials(config, subject),
      flags: g(),
      allowAll: false,
      cannotAsk: keys ? undefined : 'no-terminal',
      ...over,
    });
    const prompter = keys ? new ScriptedPrompter(keys) : undefined;
    const scratchDir = join(dir, 'scratch');
    const mounts: Record<string, Mount> = { [scratchDir]: { item: scratch, hostPath: scratchDir, scratchDir } };
    const s = new ConsentSession({ policy: p, prompter, subject: who, grantSubject: subject, configFile, mounts, env });
    return { s, prompter, scratchDir };
  }

  it('"always" at the first use records the grant; the next run asks nothing', async () => {
    const first = await session(['A']);
    expect(await first.s.use({ kind: 'path', mount: first.scratchDir })).toEqual({ allowed: true });
    expect((await stat(first.scratchDir)).mode & 0o777).toBe(0o700); // created once granted
    expect(first.prompter!.asked.map((r) => r.what)).toEqual([`its scratch directory ${first.scratchDir}`]);
    expect(first.s.summary('keys')).toEqual([]);
    expect(await readFile(configFile, 'utf8')).toMatch(/\[grants\."installed:keys"\]\nscratch = true\ndigest = "sha256:1111"\nsource = "oci:\/\/r\/keys:1"/);
    const second = await session([]);
    expect(await second.s.use({ kind: 'path', mount: second.scratchDir })).toEqual({ allowed: true });
    expect(second.prompter!.asked).toEqual([]);
  });

  it('"deny always" is recorded in the deny table, honoured without asking, and told once at the end', async () => {
    const first = await session(['N']);
    expect(await first.s.use({ kind: 'path', mount: first.scratchDir })).toMatchObject({ allowed: false, reason: 'answered' });
    await expect(stat(first.scratchDir)).rejects.toThrow(); // never created
    expect(first.s.summary('keys')).toEqual([]); // the answer line was shown already
    const text = await readFile(configFile, 'utf8');
    expect(text).toContain('[grants."installed:keys".deny]\nscratch = true');
    expect(interpretConfig((await import('smol-toml')).parse(text)).problems).toEqual([]);
    const second = await session([]);
    expect(await second.s.use({ kind: 'path', mount: second.scratchDir })).toMatchObject({ allowed: false, reason: 'recorded' });
    expect(second.prompter!.asked).toEqual([]);
    expect(second.s.summary('keys')).toEqual([
      'wash: keys was denied its own scratch directory (you chose "deny always"; to be asked again: wash plugin revoke keys --scratch)',
    ]);
  });

  it('granting replaces a recorded denial of the same thing, and a denial a grant; other entries stay', async () => {
    await writeDenials(configFile, subject, () => g({ scratch: true, env: ['OTHER'] }));
    await writeGrants(configFile, subject, (c) => ({ ...c, scratch: true }));
    let config = await readConfig(configFile);
    expect(config.grants['installed:keys']).toMatchObject({ scratch: true });
    expect(config.denials['installed:keys']).toMatchObject({ scratch: false, env: ['OTHER'] });
    await writeDenials(configFile, subject, (c) => ({ ...c, scratch: true }));
    config = await readConfig(configFile);
    expect(config.grants['installed:keys']).toMatchObject({ scratch: false, env: [] }); // the table holds the denials only
    expect(config.grants['installed:keys']!.digest).toBeUndefined();
    expect(config.denials['installed:keys']).toMatchObject({ scratch: true, env: ['OTHER'] });
    expect(recordedGrants(config, subject).changed).toBeUndefined(); // denials alone are no grants of another component
  });

  it('without a terminal: a use fails, and the end of the run tells one line per denied item with the grant command and flag', async () => {
    const { s, scratchDir } = await session(undefined, {}, { TOKEN: 't', OTHER: 'o' });
    expect(s.summary('keys')).toEqual([]); // nothing used, nothing told
    expect(await s.use({ kind: 'path', mount: scratchDir })).toMatchObject({ allowed: false, reason: 'no-terminal' });
    expect(await s.use({ kind: 'path', mount: scratchDir })).toMatchObject({ allowed: false }); // told once
    expect(await s.use({ kind: 'env' })).toEqual({ allowed: true, env: {} });
    expect(await s.use({ kind: 'net', scheme: 'https', authority: 'login.example.com' })).toMatchObject({ allowed: false });
    expect(s.summary('keys')).toEqual([
      'wash: keys was denied its own scratch directory (no terminal to ask); to grant it: wash plugin grant keys --scratch, or for one run: wash --allow-scratch keys ...',
      'wash: keys was denied environment variable TOKEN (no terminal to ask); to grant it: wash plugin grant keys --env TOKEN, or for one run: wash --allow-env=TOKEN keys ...',
      'wash: keys was denied environment variable OTHER (no terminal to ask); to grant it: wash plugin grant keys --env OTHER, or for one run: wash --allow-env=OTHER keys ...',
      'wash: keys was denied outgoing HTTP to https://login.example.com (no terminal to ask); to grant it: wash plugin grant keys --net https://login.example.com, or for one run: wash --allow-net=https://login.example.com keys ...',
    ]);
  });

  it('the first read of the environment asks one question for the declared variables it lacks (those that are set)', async () => {
    const { s, prompter } = await session(['y'], { recorded: g({ env: ['OTHER'] }) }, { TOKEN: 't', OTHER: 'o', SECRET: 's' });
    expect(await s.use({ kind: 'env' })).toEqual({ allowed: true, env: { TOKEN: 't', OTHER: 'o' } });
    expect(prompter!.asked.map((r) => r.what)).toEqual(['environment variable TOKEN']);
    const both = await session(['n'], {}, { TOKEN: 't', OTHER: 'o' });
    expect(await both.s.use({ kind: 'env' })).toEqual({ allowed: true, env: {} });
    expect(both.prompter!.asked.map((r) => [r.what, r.reason])).toEqual([['environment variables TOKEN, OTHER', 'TOKEN: the API token; OTHER: another one']]);
    const unset = await session([], {}, {});
    expect(await unset.s.use({ kind: 'env' })).toEqual({ allowed: true, env: {} });
    expect(unset.prompter!.asked).toEqual([]); // nothing to ask for
  });

  it('HTTP: asks per concrete host at request time; undeclared hosts are refused unasked and told', async () => {
    const { s, prompter } = await session(['A', 'n']);
    expect(await s.use({ kind: 'net', scheme: 'https', authority: 'login.example.com' })).toEqual({ allowed: true });
    expect(await s.use({ kind: 'net', scheme: 'https', authority: 'login.example.com:443' })).toEqual({ allowed: true }); // asked once
    expect(await s.use({ kind: 'net', scheme: 'https', authority: 'tracker.example.com' })).toMatchObject({ allowed: false });
    expect(await s.use({ kind: 'net', scheme: 'http', authority: '127.0.0.1:9' })).toMatchObject({ allowed: false, reason: 'undeclared' });
    expect(prompter!.asked.map((r) => r.what)).toEqual(['outgoing HTTP to https://login.example.com', 'outgoing HTTP to https://tracker.example.com']);
    const text = await readFile(configFile, 'utf8');
    expect(text).toContain('net = [ "https://login.example.com" ]');
    expect(text).not.toContain('https://*');
    expect(s.summary('keys')).toEqual(['wash: keys was denied outgoing HTTP to http://127.0.0.1:9: the plugin does not declare it']);
  });

  it('the end-of-run lines are bounded: a plugin trying thousands of hosts gets 20 lines, a long authority is cut', async () => {
    const { s } = await session(undefined);
    await s.use({ kind: 'net', scheme: 'http', authority: `${'a'.repeat(5000)}.example.com` });
    for (let i = 0; i < 30; i++) await s.use({ kind: 'net', scheme: 'http', authority: `h${i}.example.com` });
    const lines = s.summary('keys');
    expect(lines.length).toBe(20);
    expect(lines.at(-1)).toBe('wash: keys was denied 12 more uses of access it was not granted');
    expect(lines[0]).toMatch(/^wash: keys was denied outgoing HTTP to http:\/\/a{170,}\.\.\.: the plugin does not declare it$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(300);
  });

  it('host programs: each call is asked with its command line; undeclared programs are refused unasked', async () => {
    const { s, prompter } = await session(['y', 'n']);
    expect(await s.use({ kind: 'exec', binary: 'git', args: ['clone', 'a b'], background: false })).toEqual({ allowed: true });
    expect(await s.use({ kind: 'exec', binary: 'git', args: ['push'], background: true })).toMatchObject({ allowed: false, reason: 'answered' });
    expect(await s.use({ kind: 'exec', binary: 'sh', args: ['-c', 'id'], background: false })).toMatchObject({ allowed: false, reason: 'undeclared' });
    expect(prompter!.asked.map((r) => r.what)).toEqual(["run git clone 'a b'", 'run git push (in the background)']);
  });

  it('grants of an earlier component: one question (was / now); "always" keeps them for this component', async () => {
    const earlierSubject = { ...subject, digest: 'sha256:0000', source: 'oci://r/keys:0' };
    await writeGrants(configFile, earlierSubject, () => g({ env: ['TOKEN'] }));
    const config = await readConfig(configFile);
    const { changed } = recordedGrants(config, subject);
    expect(changed?.digest).toBe('sha256:0000');
    const p = new ConsentPolicy({ declared, recorded: g(), denied: g(), flags: g(), allowAll: false, earlier: changed!.grants });
    const prompter = new ScriptedPrompter(['A']);
    const s = new ConsentSession({
      policy: p,
      prompter,
      subject: who,
      grantSubject: subject,
      configFile,
      mounts: {},
      env: { TOKEN: 't' },
      earlier: { grants: changed!.grants, was: '000000000000 from oci://r/keys:0', now: '111100000000 from oci://r/keys:1' },
    });
    expect(await s.use({ kind: 'env' })).toEqual({ allowed: true, env: { TOKEN: 't' } });
    expect(prompter.asked.map((r) => r.kind)).toEqual(['keep-grants']);
    expect(prompter.output).toContain('was: 000000000000 from oci://r/keys:0');
    expect(recordedGrants(await readConfig(configFile), subject)).toEqual({ grants: expect.objectContaining({ env: ['TOKEN'], digest: 'sha256:1111' }) });
  });

  it('a request too long to show is denied unasked and told; a plugin under test never records', async () => {
    const long: AccessItem = { kind: 'env', name: 'LONG', reason: 'x'.repeat(900) };
    const { s, prompter } = await session(['y'], { declared: [long] }, { LONG: 'l' });
    // 900 characters fit one item; the question holds more: still under 10 KiB, so it is asked.
    expect(await s.use({ kind: 'env' })).toEqual({ allowed: true, env: { LONG: 'l' } });
    expect(prompter!.asked.length).toBe(1);
    const huge: AccessItem = { kind: 'env', name: 'HUGE', reason: 'x'.repeat(5000) };
    const refused = await session(['y'], { declared: [huge] }, { HUGE: 'h' });
    expect(await refused.s.use({ kind: 'env' })).toEqual({ allowed: true, env: {} });
    expect(refused.prompter!.shown).toEqual([]);
    expect(refused.s.summary('keys')).toEqual(['wash: keys was denied, without asking, an access request too long to show safely']);

    const tested: GrantSubject = { ...subject, identity: identityOf({ source: 'test', file: '/x/keys.wasm' }) };
    const p = new ConsentPolicy({ declared, recorded: g(), denied: g(), flags: g(), allowAll: false });
    const scripted = new ScriptedPrompter(['A']);
    const s2 = new ConsentSession({ policy: p, prompter: scripted, subject: who, grantSubject: tested, configFile, mounts: {}, env: {} });
    expect(await s2.use({ kind: 'listen', port: 0 })).toMatchObject({ allowed: false }); // A is no answer where nothing is recorded
    expect(scripted.output).not.toContain('[A]');
    await expect(readFile(configFile, 'utf8')).rejects.toThrow();
  });
});
