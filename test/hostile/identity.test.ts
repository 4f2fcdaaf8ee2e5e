// A plugin is who the user installed, not who it says it is: grants, the
// scratch dir and the config store belong to the catalog entry, and grants
// to the digest they were given to.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUser } from 'nkeys.js';
import { makeXdg, runWash, type Xdg } from '../helpers.js';
import { EXAMPLE_WASM, HOSTILE_DIR, HOSTILE_WASM, IMPOSTOR_DIR, IMPOSTOR_WASM, withCustomSection } from '../fixtures.js';

let xdg: Xdg;
beforeEach(async () => {
  xdg = await makeXdg();
});
afterEach(async () => {
  await xdg.cleanup();
});

const wash = (args: string[], env: Record<string, string> = {}) => runWash(args, { xdg, env });
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};
interface Loot {
  scratch: string | null;
  files: Record<string, string>;
  env: Record<string, string>;
  config: string | null;
}
const seedOf = () => new TextDecoder().decode(createUser().getSeed());

describe('identity: a component cannot choose who it is', () => {
  it("a component declaring keys' id gets none of keys' grants, keys or config (path, test, install)", async () => {
    expect((await wash(['plugin', 'grant', 'keys', '--scratch'])).code).toBe(0);
    const saved = await wash(['-o', 'json', 'keys', 'gen', 'user', '--save', 'victim']);
    expect(saved.code, saved.stderr).toBe(0);

    // On WASH_PLUGIN_PATH: keys' recorded grant is not its grant; without a terminal its own (ungranted) scratch dir refuses its first use.
    const onPath = await wash(['-o', 'json', 'impostor', 'loot'], { WASH_PLUGIN_PATH: IMPOSTOR_DIR });
    expect(onPath.code).toBe(1);
    expect(onPath.stderr).toContain('error: access');
    expect(onPath.stderr).toContain('wash: impostor was denied its own scratch directory (no terminal to ask)');
    expect(`${onPath.stdout}${onPath.stderr}`).not.toMatch(/SU[A-Z2-7]{50}/);
    expect(onPath.stderr).not.toContain('core.keys');

    // Granted a scratch dir for this run, it gets its own, not keys'.
    const ownDir = json<Loot>(await wash(['--allow-scratch', '-o', 'json', 'impostor', 'loot'], { WASH_PLUGIN_PATH: IMPOSTOR_DIR }));
    expect(ownDir.scratch).not.toBeNull();
    expect(ownDir.scratch).not.toBe(join(xdg.data, 'plugins', 'fs', 'core.keys'));
    expect(ownDir.scratch).not.toContain('dev.wash.keys');
    expect(Object.keys(ownDir.files)).toEqual([]);

    // Run with `plugin test`: the same.
    const tested = await wash(['-o', 'json', 'plugin', 'test', IMPOSTOR_WASM, 'loot']);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toContain('error: access');
    expect(`${tested.stdout}${tested.stderr}`).not.toMatch(/SU[A-Z2-7]{50}/);
    // Granted for the run, its own scratch dir under test is not keys' either.
    const testedOwn = json<Loot>(await wash(['--allow-scratch', '-o', 'json', 'plugin', 'test', IMPOSTOR_WASM, 'loot']));
    expect(testedOwn.scratch).not.toBe(join(xdg.data, 'plugins', 'fs', 'core.keys'));
    expect(JSON.stringify(testedOwn.files)).not.toMatch(/SU[A-Z2-7]{50}/);

    // Installing it is refused: dev.wash.* belongs to the core plugins.
    const install = await wash(['plugin', 'install', IMPOSTOR_WASM]);
    expect(install.code).toBe(1);
    expect(install.stderr.trim()).toBe(
      `error: ${IMPOSTOR_WASM} claims the id 'dev.wash.keys', which is reserved for wash's core plugins; nothing was installed`,
    );
    // keys still has its key and its grant.
    expect(json<{ name: string }[]>(await wash(['-o', 'json', 'keys', 'list'])).map((k) => k.name)).toEqual(['victim']);
  });

  it('config stores are per identity: what one plugin stores, another claiming its id cannot read', async () => {
    expect((await wash(['impostor', 'remember'], { WASH_PLUGIN_PATH: IMPOSTOR_DIR })).code).toBe(0);
    // The same component under `plugin test` is another entry: it sees nothing stored by the one on the path.
    // (--allow-scratch: `loot` lists its scratch dir too, which would otherwise refuse it.)
    expect(json<Loot>(await wash(['--allow-scratch', '-o', 'json', 'plugin', 'test', IMPOSTOR_WASM, 'loot'])).config).toBeNull();
    expect(json<Loot>(await wash(['--allow-scratch', '-o', 'json', 'impostor', 'loot'], { WASH_PLUGIN_PATH: IMPOSTOR_DIR })).config).toBe('impostor-was-here');
  });

  it('`wash plugin test FILE` never uses recorded grants', async () => {
    const env = { WASH_PLUGIN_PATH: HOSTILE_DIR, HOSTILE_OK: 'granted-to-the-path-plugin' };
    expect((await wash(['plugin', 'grant', 'hostile', '--env', 'HOSTILE_OK'], env)).code).toBe(0);
    expect(json<{ leaked: string }>(await wash(['-o', 'json', 'hostile', 'steal-env', 'HOSTILE_OK'], env)).leaked).toBe('granted-to-the-path-plugin');
    const tested = await wash(['plugin', 'test', HOSTILE_WASM, 'steal-env', 'HOSTILE_OK'], env);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toContain('error: steal-env: HOSTILE_OK is not visible');
    // This run's flags still work for a file under test.
    const flagged = await wash(['--allow-env=HOSTILE_OK', '-o', 'json', 'plugin', 'test', HOSTILE_WASM, 'steal-env', 'HOSTILE_OK'], env);
    expect(json<{ leaked: string }>(flagged).leaked).toBe('granted-to-the-path-plugin');
  });

  it('grants are bound to the digest: a replaced component must be confirmed, showing old and new', async () => {
    const env = { EXAMPLE_TOKEN: 'secret-token' };
    const first = join(xdg.root, 'example.wasm');
    await copyFile(EXAMPLE_WASM, first);
    expect((await wash(['plugin', 'install', first])).code).toBe(0);
    expect((await wash(['plugin', 'grant', 'example', '--env', 'EXAMPLE_TOKEN'])).code).toBe(0);
    expect(json<Record<string, string>>(await wash(['-o', 'json', 'example', 'env'], env)).EXAMPLE_TOKEN).toBe('secret-token');
    const before = json<{ digest: string }[]>(await wash(['-o', 'json', 'plugin', 'list'])).find(
      (p) => 'name' in p && (p as { name: string }).name === 'example',
    )!;

    // Another component takes the name (same code, other bytes: what a malicious "fix" would look like).
    const second = await withCustomSection(EXAMPLE_WASM, join(xdg.root, 'example-2.wasm'));
    expect((await wash(['plugin', 'install', '--force', second])).code).toBe(0);
    const after = json<{ name: string; digest: string }[]>(await wash(['-o', 'json', 'plugin', 'list'])).find((p) => p.name === 'example')!;
    expect(after.digest).not.toBe(before.digest);

    const changed = await wash(['-o', 'json', 'example', 'env'], env);
    expect(json<Record<string, string>>(changed).EXAMPLE_TOKEN).toBeUndefined();
    expect(changed.stderr).toContain(
      `wash: plugin 'example' changed since its grants were recorded (was ${before.digest.slice(7, 19)} from ${first}, now ${after.digest.slice(7, 19)} from ${second}); they do not apply until you confirm them:`,
    );
    expect(changed.stderr).toContain('wash plugin grant example --confirm');
    // Adding grants to a changed plugin without confirming is refused, not a silent confirmation.
    const adding = await wash(['plugin', 'grant', 'example', '--scratch']);
    expect(adding.code).toBe(1);
    expect(adding.stderr).toContain("keep them with 'wash plugin grant example --confirm'");

    expect((await wash(['plugin', 'grant', 'example', '--confirm'])).code).toBe(0);
    const confirmed = await wash(['-o', 'json', 'example', 'env'], env);
    expect(json<Record<string, string>>(confirmed).EXAMPLE_TOKEN).toBe('secret-token');
    expect(confirmed.stderr).not.toContain('changed since');
  });

  it('shadowing on WASH_PLUGIN_PATH does not inherit the grants of the installed plugin', async () => {
    const env = { EXAMPLE_TOKEN: 'secret-token' };
    expect((await wash(['plugin', 'install', EXAMPLE_WASM])).code).toBe(0);
    expect((await wash(['plugin', 'grant', 'example', '--env', 'EXAMPLE_TOKEN'])).code).toBe(0);
    const dir = join(xdg.root, 'path');
    await mkdir(dir);
    await copyFile(EXAMPLE_WASM, join(dir, 'example.wasm'));
    const shadowed = await wash(['-o', 'json', 'example', 'env'], { ...env, WASH_PLUGIN_PATH: dir });
    expect(json<Record<string, string>>(shadowed).EXAMPLE_TOKEN).toBeUndefined();
  });

  it('install refuses an id another installed plugin already has, unless replacing it by name', async () => {
    expect((await wash(['plugin', 'install', EXAMPLE_WASM])).code).toBe(0);
    // The same component installed under another name (a copied file) holds the id now.
    const installed = join(xdg.data, 'plugins', 'installed');
    await rename(join(installed, 'example.wasm'), join(installed, 'other.wasm'));
    const again = await wash(['plugin', 'install', EXAMPLE_WASM]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("claims the id 'test.wash.example' of the installed plugin 'example'; nothing was installed");
    // Replacing a plugin of the same name with --force is what --force is for.
    await rename(join(installed, 'other.wasm'), join(installed, 'example.wasm'));
    expect((await wash(['plugin', 'install', '--force', await withCustomSection(EXAMPLE_WASM, join(xdg.root, 'e2.wasm'))])).code).toBe(0);
  });

  it('state an older wash keyed by the declared id moves to the rightful plugin, once, and to nobody else', async () => {
    const seed = seedOf();
    const legacyDir = join(xdg.data, 'plugins', 'fs', 'dev.wash.keys', 'keys');
    await mkdir(legacyDir, { recursive: true });
    await writeFile(join(legacyDir, 'old.nk'), `${seed}\n`);
    await mkdir(xdg.config, { recursive: true });
    await writeFile(join(xdg.config, 'config.toml'), '[grants."dev.wash.keys"]\nscratch = true\ndigest = "sha256:old"\n');

    // The impostor first: it must get neither the legacy grant nor the legacy keys.
    const stolen = json<Loot>(await wash(['--allow-scratch', '-o', 'json', 'impostor', 'loot'], { WASH_PLUGIN_PATH: IMPOSTOR_DIR }));
    expect(JSON.stringify(stolen.files)).not.toContain(seed);
    expect(await readFile(join(xdg.config, 'config.toml'), 'utf8')).toContain('[grants."dev.wash.keys"]');

    // keys, the rightful heir, gets both, and the old table is gone.
    const listed = await wash(['-o', 'json', 'keys', 'list']);
    expect(json<{ name: string }[]>(listed).map((k) => k.name)).toEqual(['old']);
    expect(listed.stderr).toContain('wash: moved scratch dir');
    const config = await readFile(join(xdg.config, 'config.toml'), 'utf8');
    expect(config).toContain('[grants."core:keys"]');
    expect(config).not.toContain('dev.wash.keys');
    // Once: the next run moves nothing and says nothing.
    const again = await wash(['-o', 'json', 'keys', 'list']);
    expect(again.stderr).toBe('');
  });
});
