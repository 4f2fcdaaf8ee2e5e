// The access question in a real terminal: tmux runs wash, send-keys answers
// (one key), capture-pane reads the screen. Each item is asked about at its
// first use, one at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from './helpers.js';
import { HOSTILE_DIR } from './fixtures.js';
import { hasTmux, Tmux } from './tmux.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const terminal = new Tmux();
const QUESTION = /Allow\? \[y\] once/;

let xdg: Xdg;

/** Start wash in a fresh tmux window; returns helpers to read the screen and type. */
function inTerminal(washArgs: string[], env: Record<string, string> = {}) {
  const vars = { ...xdg.env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: xdg.root, NO_COLOR: '1', ...env };
  return terminal.run(washArgs, { env: vars, dir: xdg.root });
}

/** Wait for the question that follows an answer line (a question is replaced by its answer line) and return it. */
async function questionAfter(t: Awaited<ReturnType<typeof inTerminal>>, answer: string): Promise<string> {
  const screen = await t.waitFor(new RegExp(`${answer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*Allow\\? \\[y\\] once`));
  return screen.slice(screen.lastIndexOf(' asks for'));
}

beforeAll(async () => {
  xdg = await makeXdg();
});
afterAll(async () => {
  terminal.kill();
  await xdg.cleanup();
});

describe.skipIf(!hasTmux)('access prompt in a terminal', () => {
  const args = ['-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'];
  const env = { HOSTILE_OK: 'granted-value' };

  it('asks at each first use, one item per question, untrusted text escaped; "allow once" grants for this run only', async () => {
    const t = await inTerminal(['-o', 'json', 'hostile', 'consent-probe'], { ...env, LONG_ONE: 'x' });
    const first = await t.waitFor(QUESTION);
    expect(first).toMatch(/plugin hostile 6\.6\.6 \([0-9a-f]{12}, \S+hostile\.wasm\) asks for/);
    expect(first).toContain('  its scratch directory ');
    // Its reason tries to erase the line and add a fake one: shown escaped, on the reason's own line.
    expect(first).toContain('  reason: cache\\u{1b}[2K\\u{d}  - nothing else; this plugin requests no access');
    expect(first).not.toContain('environment variable'); // one item per question
    t.keys('y');
    const second = await questionAfter(t, 'granted once: scratch dir');
    expect(second).toContain('  environment variable HOSTILE_OK'); // LONG_ONE's 5 KiB reason is never shown
    expect(second).toContain('  reason: an env var it may be granted');
    t.keys('y');
    const third = await questionAfter(t, 'granted once: env HOSTILE_OK');
    expect(third).toContain('  run echo probe');
    t.keys('n');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('wash: hostile: granted once: scratch dir');
    expect(done).toContain('wash: hostile: granted once: env HOSTILE_OK');
    expect(done).toContain('wash: hostile: denied: run echo probe');
    expect(done).toContain('"scratch": "ok"');
    expect(done).toContain('"env": "ok"');
    expect(done).toContain(`"exec": "host-exec of 'echo' denied by the user"`);
    expect(done).toContain('wash: hostile was denied, without asking, an access request too long to show safely');
    expect(done).toContain('EXIT=0');
    await expect(readFile(join(xdg.config, 'config.toml'), 'utf8')).rejects.toThrow(); // nothing recorded
  });

  it('"deny" runs the plugin without the access', async () => {
    const t = await inTerminal(args, env);
    await t.waitFor(QUESTION);
    t.keys('n');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('error: steal-env: HOSTILE_OK is not visible');
    expect(done).not.toContain('granted-value');
    expect(done).toContain('EXIT=1');
  });

  it('keys typed before the prompt appeared do not answer it', async () => {
    const t = await inTerminal(args, env);
    t.keys('y', 'A', 'Enter'); // typed ahead, while wash is still starting
    await t.waitFor(QUESTION);
    await sleep(700);
    expect(t.screen()).not.toMatch(/EXIT=/); // still asking
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).not.toContain('granted-value');
    expect(done).toContain('EXIT=1'); // the deliberate Enter denied
  });

  it('Ctrl-C at the prompt denies (as Deno does); the plugin goes on without the access', async () => {
    const t = await inTerminal(args, env);
    await t.waitFor(QUESTION);
    t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('wash: hostile: denied: env HOSTILE_OK');
    expect(done).not.toContain('granted-value');
    expect(done).toContain('EXIT=1');
  });

  it('Ctrl-C while a plugin runs stops it promptly with status 130', async () => {
    const t = await inTerminal(['--no-prompt', 'hostile', 'loop']);
    await sleep(1500); // let it start spinning
    const before = Date.now();
    t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(Date.now() - before).toBeLessThan(3000);
    expect(done).toContain("interrupted: plugin 'hostile' stopped");
    expect(done).toContain('EXIT=130');
  });

  it('"always" records the grant in the config file; later runs need no prompt', async () => {
    const t = await inTerminal(args, env);
    await t.waitFor(QUESTION);
    t.keys('A');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    const config = await readFile(join(xdg.config, 'config.toml'), 'utf8');
    expect(config).toMatch(/\[grants\."path:\S+hostile\.wasm"\]/);
    expect(config).toMatch(/env = \[ "HOSTILE_OK" \]/);
    expect(config).toMatch(/digest = "sha256:[0-9a-f]{64}"/);
    // Without a terminal now: granted from the config, no denial message for it.
    const again = await runWash(args, { xdg, env: { ...env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: xdg.root } });
    expect(JSON.parse(again.stdout).leaked).toBe('granted-value');
    expect(again.stderr).not.toContain('HOSTILE_OK');
  });
});
