// A hook is another plugin's code running inside your command. It gets its
// own recorded grants only, a fresh context with the event's keys, a short
// deadline, and no say in the command's output or exit status.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { makeXdg, runWash, type Xdg } from '../helpers.js';
import { EXAMPLE_DIR, EXAMPLE_WASM, HOOKER_DIR } from '../fixtures.js';

let xdg: Xdg;
beforeEach(async () => {
  xdg = await makeXdg();
});
afterEach(async () => {
  await xdg.cleanup();
});

const env = (extra: Record<string, string> = {}) => ({
  WASH_PLUGIN_PATH: [EXAMPLE_DIR, HOOKER_DIR].join(delimiter),
  HOOK_SECRET: 'the-secret',
  EXAMPLE_TOKEN: 'victim-token',
  ...extra,
});
const wash = (args: string[], extra: Record<string, string> = {}) => runWash(args, { xdg, env: env(extra) });

interface Saw {
  event: string;
  context: Record<string, string>;
  env: Record<string, string>;
  scratch: string | null;
}
/** What the hook reported seeing, from its (prefixed) output line on stderr. */
function sawOf(stderr: string): Saw {
  const line = stderr.split('\n').find((l) => l.includes('HOOK-SAW '));
  expect(line, stderr).toBeDefined();
  return JSON.parse(line!.slice(line!.indexOf('HOOK-SAW ') + 'HOOK-SAW '.length)) as Saw;
}

describe('hooks', () => {
  it("get neither this run's --allow-* flags nor -A: a failing `wash -A victim` hands the error hook nothing", async () => {
    const r = await wash(['-A', 'example', 'fail', 'boom']);
    expect(r.code).toBe(1);
    const saw = sawOf(r.stderr);
    expect(saw.event).toBe('error');
    expect(saw.env).toEqual({});
    expect(saw.scratch).toBeNull();
    const flagged = await wash(['--allow-env=HOOK_SECRET', '--allow-scratch', 'example', 'fail']);
    expect(sawOf(flagged.stderr).env).toEqual({});
    // Its own recorded grants do apply.
    expect((await wash(['plugin', 'grant', 'hooker', '--env', 'HOOK_SECRET'])).code).toBe(0);
    expect(sawOf((await wash(['example', 'fail'])).stderr).env).toEqual({ HOOK_SECRET: 'the-secret' });
  });

  it('see a fresh context with only the event keys: never the failing message or the command context', async () => {
    const r = await wash(['example', 'fail', 'password=hunter2']);
    expect(r.code).toBe(1);
    expect(sawOf(r.stderr).context).toEqual({ 'error.plugin': 'example', 'error.exit_code': '1' });
    expect(r.stderr.split('\n').filter((l) => l.includes('hunter2'))).toEqual(['error: password=hunter2']);
  });

  it("never prompt or print denial notes, and their output is on stderr, escaped and prefixed with the hook plugin's name", async () => {
    const r = await wash(['example', 'fail']);
    expect(r.stderr).not.toContain("plugin 'hooker' was denied");
    expect(r.stderr).not.toContain('wash plugin grant hooker --');
    const lines = r.stderr.split('\n').filter((l) => l.includes('needs your password') || l.includes('HOOK-SAW'));
    expect(lines.length).toBe(2);
    // Nothing a hook prints starts a line the way wash's own lines do.
    for (const line of lines) expect(line.startsWith('hooker: '), line).toBe(true);
    expect(r.stdout).toBe('');
  });

  it("add nothing to the command's --output json", async () => {
    const installed = await wash(['-o', 'json', 'plugin', 'install', '--force', EXAMPLE_WASM]);
    expect(installed.code, installed.stderr).toBe(0);
    // Exactly one JSON document, the command's: the hook's emitted value is dropped.
    const doc = JSON.parse(installed.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ name: 'example' });
    expect(installed.stdout).not.toContain('injected');
    expect(sawOf(installed.stderr).context).toMatchObject({ 'plugin.name': 'example', 'plugin.version': '1.0.0' });
  });

  it('a hook that never returns is stopped at its short deadline, and the command keeps its exit status', async () => {
    expect((await wash(['hooker', 'mode', 'loop'])).code).toBe(0);
    await mkdir(xdg.config, { recursive: true });
    await writeFile(join(xdg.config, 'config.toml'), '[settings]\nhook_timeout_seconds = 2\n');
    const started = Date.now();
    const failing = await runWash(['example', 'fail'], { xdg, env: env(), timeoutMs: 60_000 });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("warning: the error hook of plugin 'hooker' failed: plugin 'hooker' timed out after 2 s");
    // Without the setting the default deadline is a few seconds, never the run timeout.
    await writeFile(join(xdg.config, 'config.toml'), '');
    const withDefault = await runWash(['example', 'fail'], { xdg, env: env(), timeoutMs: 60_000 });
    expect(withDefault.code).toBe(1);
    expect(withDefault.stderr).toContain("plugin 'hooker' timed out after 5 s");
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it('--no-hooks skips them', async () => {
    const r = await wash(['--no-hooks', 'example', 'fail']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('HOOK-SAW');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('error: it failed');
    expect(r.stderr).not.toContain('hooker');
  });
});
