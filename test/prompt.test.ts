// The access prompt in a real terminal: tmux runs wash, send-keys answers,
// capture-pane reads the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeXdg, runWash, type Xdg } from './helpers.js';
import { HOSTILE_DIR } from './fixtures.js';
import { hasTmux, Tmux } from './tmux.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const terminal = new Tmux();

let xdg: Xdg;

/** Start wash in a fresh tmux window; returns helpers to read the screen and type. */
function inTerminal(washArgs: string[], env: Record<string, string> = {}) {
  const vars = { ...xdg.env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: xdg.root, NO_COLOR: '1', ...env };
  return terminal.run(washArgs, { env: vars, dir: xdg.root });
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

  it('shows the request with untrusted text escaped, and "allow once" grants for this run only', async () => {
    const t = await inTerminal(args, env);
    const prompt = await t.waitFor(/Allow\?/);
    expect(prompt).toMatch(/plugin hostile 6\.6\.6 \([0-9a-f]{12}, from \S+hostile\.wasm\) requests:/);
    expect(prompt).toContain('its own scratch directory: cache\\u{1b}[2K\\u{d}  - nothing else');
    expect(prompt).toContain('environment variable HOSTILE_OK: an env var it may be granted');
    expect(prompt).toContain("denied without asking: plugin 'hostile' made 1 access request(s) too long to show safely");
    t.keys('Up', 'Up', 'Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('"leaked": "granted-value"');
    expect(done).toContain('EXIT=0');
    await expect(readFile(join(xdg.config, 'config.toml'), 'utf8')).rejects.toThrow(); // nothing recorded
  });

  it('"deny" runs the plugin without the access', async () => {
    const t = await inTerminal(args, env);
    await t.waitFor(/Allow\?/);
    t.keys('Enter'); // the default is deny
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('error: steal-env: HOSTILE_OK is not visible');
    expect(done).toContain('EXIT=1');
  });

  it('keys typed before the prompt appeared do not answer it', async () => {
    const t = await inTerminal(args, env);
    t.keys('Up', 'Up', 'Enter'); // typed ahead, while wash is still starting
    await t.waitFor(/Allow\?/);
    await sleep(700);
    expect(t.screen()).not.toMatch(/EXIT=/); // still asking
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=1'); // the deliberate Enter chose the default, deny
  });

  it('Ctrl-C at the prompt stops wash with status 130', async () => {
    const t = await inTerminal(args, env);
    await t.waitFor(/Allow\?/);
    t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('cancelled at the access prompt');
    expect(done).toContain('EXIT=130');
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
    await t.waitFor(/Allow\?/);
    t.keys('Up', 'Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    const config = await readFile(join(xdg.config, 'config.toml'), 'utf8');
    expect(config).toMatch(/\[grants\."path:\S+hostile\.wasm"\]/);
    expect(config).toMatch(/env = \[ "HOSTILE_OK" \]/);
    expect(config).toMatch(/digest = "sha256:[0-9a-f]{64}"/);
    // Without a terminal now: granted from the config, no denial message for it.
    const again = await runWash(args, { xdg, env: { ...env, WASH_PLUGIN_PATH: HOSTILE_DIR, HOME: xdg.root } });
    expect(JSON.parse(again.stdout).leaked).toBe('granted-value');
    expect(again.stderr).not.toContain('environment variable HOSTILE_OK');
  });
});
