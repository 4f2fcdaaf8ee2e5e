// Plugin management against Debian's real docker-registry on 127.0.0.1:
// push refuses to move a published tag, tags are listed newest version
// first, a reference without a tag installs the newest version, and
// `plugin list` says which reference a plugin came from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Xdg } from './helpers.js';
import { EXAMPLE_WASM } from './fixtures.js';
import { exampleVariant, ociWash as wash, ociXdgs, requireRegistryBinary, startRegistry, type Registry } from './oci-helpers.js';

const BINARY = requireRegistryBinary();

let work: string;
/** Three components of the same plugin, with distinct digests. */
const variants: Record<'a' | 'b' | 'c', { file: string; digest: string }> = {} as never;
const freshXdg = ociXdgs();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wash-oci-cli-'));
  const example = await readFile(EXAMPLE_WASM);
  for (const label of ['a', 'b', 'c'] as const) variants[label] = await exampleVariant(example, `oci-cli-${label}`, join(work, `example-${label}.wasm`));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!BINARY)('plugin management with a registry', () => {
  let registry: Registry;
  const ref = (repo: string, suffix = '') => `oci://${registry.host}/${repo}${suffix}`;
  /** The component a tag holds, as any OCI client sees it. */
  const layerOf = async (repo: string, tag: string) => {
    const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return ((await res.json()) as { layers: { digest: string }[] }).layers[0]!.digest;
  };
  const push = async (xdg: Xdg, variant: 'a' | 'b' | 'c', repo: string, tag: string) => {
    const r = await wash(xdg, ['plugin', 'push', variants[variant].file, ref(repo, `:${tag}`)]);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    registry = await startRegistry(await mkdtemp(join(work, 'registry-')));
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('push refuses to move a tag to a different component unless --force; the same component again is fine', async () => {
    const xdg = await freshXdg();
    await push(xdg, 'a', 'wash/published', '1.0.0');
    const refused = await wash(xdg, ['plugin', 'push', variants.b.file, ref('wash/published', ':1.0.0')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: ${ref('wash/published', ':1.0.0')} already exists with a different component (${variants.a.digest})`);
    expect(refused.stderr).toContain('--force');
    expect(await layerOf('wash/published', '1.0.0')).toBe(variants.a.digest);

    await push(xdg, 'a', 'wash/published', '1.0.0'); // a re-push of what is there
    const forced = await wash(xdg, ['plugin', 'push', '--force', variants.b.file, ref('wash/published', ':1.0.0')]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await layerOf('wash/published', '1.0.0')).toBe(variants.b.digest);
  });

  it('plugin tags lists tags newest version first, then the rest; an OCI reference without a tag installs the newest release', async () => {
    const xdg = await freshXdg();
    for (const [variant, tag] of [
      ['a', '1.2.0'],
      ['a', '0.9.0'],
      ['a', 'latest'],
      ['a', 'nightly'],
      ['b', '1.10.0'],
      ['c', 'v1.9.0'],
      ['c', '2.0.0-rc.1'],
    ] as const) {
      await push(xdg, variant, 'wash/tags', tag);
    }
    const text = await wash(xdg, ['plugin', 'tags', ref('wash/tags')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('2.0.0-rc.1\n1.10.0\nv1.9.0\n1.2.0\n0.9.0\nlatest\nnightly\n');
    const json = await wash(xdg, ['-o', 'json', 'plugin', 'tags', ref('wash/tags')]);
    expect(JSON.parse(json.stdout)).toEqual(['2.0.0-rc.1', '1.10.0', 'v1.9.0', '1.2.0', '0.9.0', 'latest', 'nightly']);
    const withTag = await wash(xdg, ['plugin', 'tags', ref('wash/tags', ':1.2.0')]);
    expect(withTag.code).toBe(2);

    // Like `npm install name`: the highest release (not the prerelease, not `latest`).
    const installed = await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/tags')]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ name: 'example', digest: variants.b.digest, source: ref('wash/tags', ':1.10.0') });
    expect(installed.stderr).toContain(`${ref('wash/tags')}: newest version is 1.10.0`);

    // plugin list says where it came from, in text and JSON.
    const list = JSON.parse((await wash(xdg, ['-o', 'json', 'plugin', 'list'])).stdout) as { name: string; origin: string }[];
    expect(list.find((p) => p.name === 'example')).toMatchObject({ origin: ref('wash/tags', ':1.10.0') });
    expect((await wash(xdg, ['plugin', 'list'])).stdout).toContain(ref('wash/tags', ':1.10.0'));
    // ...and update knows which version it is.
    const update = JSON.parse((await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example', '--dry-run'])).stdout);
    expect(update).toMatchObject({ status: 'up-to-date', from: { version: '1.10.0' } });
  });

  it('without version tags, latest is used; with neither, a clear error', async () => {
    const xdg = await freshXdg();
    await push(xdg, 'c', 'wash/unversioned', 'latest');
    await push(xdg, 'c', 'wash/unversioned', 'edge');
    const installed = await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/unversioned')]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ digest: variants.c.digest, source: ref('wash/unversioned', ':latest') });

    await push(xdg, 'c', 'wash/edge-only', 'edge');
    const other = await freshXdg();
    const none = await wash(other, ['plugin', 'install', ref('wash/edge-only')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`error: ${ref('wash/edge-only')} has no tag that is a version, and no 'latest'`);
    expect(none.stderr).toContain(`wash plugin tags ${ref('wash/edge-only')}`);
  });
});
