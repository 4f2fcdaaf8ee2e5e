// A plugin's bytes never reach the terminal raw: in a real terminal (tmux)
// the hostile plugin tries to set the title, write the clipboard, make the
// terminal type into stdin and hide the host-exec confirmation. Through a
// pipe, its bytes pass untouched. Plus: credentials on a cross-origin redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort, makeXdg, runWash, WASH, type Xdg } from '../helpers.js';
import { HOSTILE_DIR } from '../fixtures.js';
import { hasTmux, Tmux } from '../tmux.js';

const ESC = 0x1b;
const terminal = new Tmux();
let xdg: Xdg;

beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  terminal.kill();
  await xdg.cleanup();
});

const env = () => ({ ...xdg.env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: xdg.root, NO_COLOR: '1' });
const inTerminal = (args: string[], options: { record?: boolean; clipboard?: boolean; afterwards?: string[] } = {}) =>
  terminal.run(args, { env: env(), dir: xdg.root, ...options });

describe.skipIf(!hasTmux)('terminal: plugin output in a real terminal', () => {
  it('cannot set the window title or write the clipboard (OSC 0, 2, 52)', async () => {
    const t = await inTerminal(['--no-prompt', 'hostile', 'tty', 'title'], { record: true, clipboard: true });
    const screen = await t.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=0');
    const raw = await t.raw();
    expect(raw.includes(ESC)).toBe(false); // not one ESC reached the terminal
    expect(t.title()).not.toContain('pwned');
    expect(terminal.tmux('list-buffers')).toBe(''); // OSC 52 set no paste buffer
    // What was sent is shown, escaped:
    expect(screen).toContain('before\\u{1b}]0;pwned-title\\u{7}\\u{1b}]52;c;cHduZWQ=\\u{7}after');
    expect(screen).toContain('\\u{1b}]2;pwned-title\\u{1b}\\\\u{1b}]52;c;cHduZWQ=\\u{1b}\\stderr-after');
  });

  it('cannot make the terminal type into stdin (ESC[6n, ESC[c)', async () => {
    // After wash: read what is waiting on the terminal's input, as the next program would.
    const t = await inTerminal(['--no-prompt', 'hostile', 'tty', 'report'], {
      afterwards: ['IFS= read -r -t 1 -n 64 reply; printf "STDIN=[%s]\\n" "$reply" | cat -v'],
    });
    const screen = await t.waitFor(/STDIN=\[.*\]/);
    expect(screen).toContain('EXIT=0');
    expect(screen).toContain('STDIN=[]');
    expect(screen).not.toMatch(/\^\[\[\d+;\d+R/); // no cursor report echoed either
    expect(screen).toContain('asking\\u{1b}[6n\\u{1b}[c done');
  });

  it('sequences and characters split across writes stay escaped', async () => {
    const t = await inTerminal(['--no-prompt', 'hostile', 'tty', 'split'], { record: true });
    const screen = await t.waitFor(/EXIT=\d+/);
    const raw = await t.raw();
    expect(raw.includes(ESC)).toBe(false);
    expect(raw.includes(Buffer.from('\u202e'))).toBe(false); // RLO, sent as E2 80 | AE
    expect(raw.includes(Buffer.from([0xc2, 0x9b]))).toBe(false); // C1 CSI, sent as C2 | 9B
    expect(t.title()).not.toContain('split-title');
    expect(screen).toContain('\\u{1b}]2;split-title\\u{7}\\u{202e}x\\u{9b}6n|');
    expect(screen).toMatch(/^end$/m); // CR LF, split between writes, is a line end
  });

  it('cannot hide the host-exec confirmation: the question names the real command', async () => {
    // Not granted: each call of the declared program is asked about, with its exact command line.
    const t = await inTerminal(['hostile', 'tty-exec']);
    const asking = await t.waitFor(/Allow\? \[y\] once/);
    expect(asking).toMatch(/^wash: plugin hostile 6\.6\.6 \([0-9a-f]{12}, \S+hostile\.wasm\) asks for$/m);
    expect(asking).toMatch(/^ {2}run echo hostile-real-command$/m);
    // The fake question it printed is there, escaped, on a line of its own.
    expect(asking).toMatch(/^wash: plugin 'hostile' wants to run: ls -l\\u\{1b\}\[\?7l\\u\{1b\}\[999C\\u\{1b\}\[8m$/m);
    const question = t
      .screenWithAttributes()
      .split('\n')
      .filter((l) => l.includes('run echo hostile-real-command') || l.includes('asks for'));
    expect(question.length).toBe(2);
    for (const line of question) expect(line).not.toMatch(/\u001b\[[0-9;]*8[;m]/); // not concealed
    t.keys('n');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain("error: tty-exec: host-exec of 'echo' denied by the user");
    expect(done).toContain('EXIT=1');
  });
});

/** Run wash with pipes and keep the exact bytes (runWash decodes them as UTF-8). */
function runRaw(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WASH, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env(), ...extraEnv } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    child.stdin.end();
  });
}

/** What `hostile tty bytes` writes to each stream (the same construction as the plugin's). */
const EVERY_BYTE = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\u001b]0;t\u0007\u202e\u{e0041}\ufe0f\u3164\r\n')]);

describe('terminal: plugin output that is not a terminal', () => {
  it('passes through pipes byte for byte, also under --output json', async () => {
    const r = await runRaw(['--no-prompt', 'hostile', 'tty', 'bytes']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(EVERY_BYTE)).toBe(true);
    expect(r.stderr.includes(EVERY_BYTE)).toBe(true);

    const json = await runRaw(['--no-prompt', '-o', 'json', 'hostile', 'tty', 'bytes']);
    expect(json.code).toBe(0);
    expect(json.stdout.length).toBe(0); // nothing emitted: no JSON document, and the plugin's stdout went to stderr
    const first = json.stderr.indexOf(EVERY_BYTE);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(json.stderr.indexOf(EVERY_BYTE, first + EVERY_BYTE.length)).toBeGreaterThan(first);
  });
});

describe('terminal: --output json', () => {
  it('carries invisible and control characters as JSON escapes, never raw', async () => {
    const value = 'a\u009b2J\u202eb\u200d\u{e0041}\u2028c\u007f';
    const r = await runRaw(['--allow-env=HOSTILE_OK', '-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], { HOSTILE_OK: value });
    expect(r.code, r.stderr.toString()).toBe(0);
    const text = r.stdout.toString();
    expect(JSON.parse(text).leaked).toBe(value); // the same JSON value
    expect(text).toContain('"a\\u009b2J\\u202eb\\u200d\\udb40\\udc41\\u2028c\\u007f"');
    for (const ch of ['\u009b', '\u202e', '\u200d', '\u{e0041}', '\u2028', '\u007f']) expect(text).not.toContain(ch);
  });
});

describe('terminal: while info describes a plugin', () => {
  it('its output goes nowhere', async () => {
    const own = await makeXdg({ isolatedCache: true }); // a cold cache: info is called
    try {
      const r = await runWash(['--no-prompt', 'hostile', 'noisy-info'], { xdg: own, env: { WASH_PLUGIN_PATH: HOSTILE_DIR } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('preparing plugin'); // it was described in this run
      expect(`${r.stdout}${r.stderr}`).not.toContain('info-noise');
      expect(`${r.stdout}${r.stderr}`).not.toContain('info-title');
    } finally {
      await own.cleanup();
    }
  });
});

describe('terminal: credentials on a redirect', () => {
  let servers: Server[] = [];
  const seen: { port: number; url: string; headers: IncomingHttpHeaders }[] = [];
  let first: number;
  let other: number;

  beforeAll(async () => {
    [first, other] = [await freePort(), await freePort()];
    servers = [first, other].map((port) => {
      const server = createServer((req, res) => {
        seen.push({ port, url: req.url!, headers: req.headers });
        if (req.url === '/cross') res.writeHead(302, { location: `http://127.0.0.1:${other}/landed` }).end();
        else if (req.url === '/same') res.writeHead(302, { location: '/landed' }).end();
        else res.end('landed');
      });
      server.listen(port, '127.0.0.1');
      return server;
    });
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  const creds = (h: IncomingHttpHeaders) => [h.authorization, h['proxy-authorization'], h.cookie];

  it('are dropped, whatever their case, when the redirect leaves the origin (another port)', async () => {
    const r = await runRaw([`--allow-net=http://127.0.0.1:*`, '-o', 'json', 'hostile', 'http-creds', `http://127.0.0.1:${first}/cross`]);
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(JSON.parse(r.stdout.toString()).leaked).toBe('landed');
    const [asked, landed] = [seen.find((s) => s.url === '/cross')!, seen.find((s) => s.port === other && s.url === '/landed')!];
    expect(creds(asked.headers)).toEqual(['Bearer s3cret', 'Basic cHJveHk6czNjcmV0', 'session=s3cret']);
    expect(creds(landed.headers)).toEqual([undefined, undefined, undefined]);
    expect(landed.headers['x-kept']).toBe('kept');
  });

  it('are kept on a redirect within the origin', async () => {
    const r = await runRaw([`--allow-net=http://127.0.0.1:*`, '-o', 'json', 'hostile', 'http-creds', `http://127.0.0.1:${first}/same`]);
    expect(r.code, r.stderr.toString()).toBe(0);
    const landed = seen.find((s) => s.port === first && s.url === '/landed')!;
    expect(creds(landed.headers)).toEqual(['Bearer s3cret', 'Basic cHJveHk6czNjcmV0', 'session=s3cret']);
  });
});
