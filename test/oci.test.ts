// Plugin distribution over OCI, against Debian's real docker-registry on
// 127.0.0.1: push/install round trips, install by digest, semver updates,
// tampered and cut downloads, non-wasm artifacts, basic and bearer-token auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WashResult, type Xdg } from './helpers.js';
import { EXAMPLE_WASM } from './fixtures.js';
import {
  cutProxy,
  exampleVariant,
  htpasswdLine,
  ociWash as wash,
  ociXdgs,
  pushRaw,
  requireRegistryBinary,
  sha256,
  startRegistry,
  startTokenServer,
  type Registry,
  type TokenServer,
} from './oci-helpers.js';

const BINARY = requireRegistryBinary();

let work: string;
let example: Buffer;
/** Same plugin, distinct components: 1.2.0, 1.4.0 and 2.0.0 of "example". Deterministic, so transpiled once per machine. */
const variants: Record<string, { file: string; digest: string }> = {};
const freshXdg = ociXdgs();

const json = <T = Record<string, unknown>>(r: WashResult): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

const installedDir = (xdg: Xdg) => join(xdg.data, 'plugins', 'installed');
const installedFiles = (xdg: Xdg) => readdir(installedDir(xdg)).catch(() => [] as string[]);
const installedDigest = async (xdg: Xdg, name = 'example') => sha256(await readFile(join(installedDir(xdg), `${name}.wasm`)));
const sidecar = async (xdg: Xdg, name = 'example') => JSON.parse(await readFile(join(installedDir(xdg), `${name}.source.json`), 'utf8'));
const blobCache = (xdg: Xdg) => join(xdg.cache, 'downloads', 'oci', 'blobs', 'sha256');
const cachedBlobs = (xdg: Xdg) => readdir(blobCache(xdg)).catch(() => [] as string[]);

/** A variant nobody has pulled before: random payload, so no cache anywhere has it. */
function uniqueVariant(label: string): Promise<{ file: string; digest: string }> {
  return exampleVariant(example, `${label}-${Math.random()}-${Date.now()}`, (digest) => join(work, `${label}-${digest.slice(7, 19)}.wasm`));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wash-oci-'));
  example = await readFile(EXAMPLE_WASM);
  for (const version of ['1.2.0', '1.4.0', '2.0.0']) variants[version] = await exampleVariant(example, version, join(work, `example-${version}.wasm`));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('references, challenges and version picking', () => {
  it('parses oci:// references and names what is wrong', async () => {
    const { parseReference, formatReference, isLoopbackRegistry } = await import('../src/plugin-host/oci/reference.js');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseReference('oci://ghcr.io/acme/tools/keys:1.2.3')).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/tools/keys',
      tag: '1.2.3',
      digest: undefined,
    });
    expect(parseReference(`oci://localhost:5000/keys@${digest}`)).toEqual({ registry: 'localhost:5000', repository: 'keys', tag: undefined, digest });
    expect(parseReference(`oci://127.0.0.1:5000/a/b:v1@${digest}`)).toMatchObject({ tag: 'v1', digest });
    expect(formatReference(parseReference('oci://Example.COM:443/x/y:t'))).toBe('oci://example.com:443/x/y:t');
    for (const [bad, why] of [
      ['oci://ghcr.io', 'no repository'],
      ['oci://ghcr.io/Upper/case:1', "'Upper' is not a valid repository path component"],
      ['oci://ghcr.io/x:bad tag', "'bad tag' is not a valid tag"],
      ['oci://ghcr.io/x@md5:abc', 'only sha256 is supported'],
      ['ghcr.io/x:1', 'it must start with oci://'],
    ] as const) {
      expect(() => parseReference(bad, { requireScheme: true }), bad).toThrow(why);
    }
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.2:80')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('registry.local:5000')).toBe(false);
  });

  it('parses WWW-Authenticate challenges with quoted commas', async () => {
    const { parseChallenges } = await import('../src/plugin-host/oci/client.js');
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="wash-test"')).toEqual([{ scheme: 'basic', params: { realm: 'wash-test' } }]);
  });

  it('picks the highest compatible version: caret ranges, --major, prereleases and non-semver tags ignored', async () => {
    const semver = (await import('semver')).default;
    const { pickUpdate } = await import('../src/cli/plugin-update.js');
    const tags = ['latest', '1.2.0', 'v1.3.0', '1.4.0', '1.5.0-rc.1', '2.0.0', 'sha-abc', '0.9.0'];
    expect(pickUpdate(semver, tags, '1.2.0', false)).toEqual({ best: { tag: '1.4.0', version: '1.4.0' }, newerMajor: '2.0.0' });
    expect(pickUpdate(semver, tags, '1.2.0', true)).toEqual({ best: { tag: '2.0.0', version: '2.0.0' }, newerMajor: undefined });
    expect(pickUpdate(semver, tags, '2.0.0', false)).toEqual({ best: undefined, newerMajor: undefined });
    expect(pickUpdate(semver, ['0.2.5', '0.3.0'], '0.2.1', false)).toEqual({ best: { tag: '0.2.5', version: '0.2.5' }, newerMajor: '0.3.0' });
    expect(pickUpdate(semver, ['1.5.0-rc.2', '1.5.0'], '1.5.0-rc.1', false).best?.tag).toBe('1.5.0');
  });
});

describe.skipIf(!BINARY)('OCI registry (anonymous)', () => {
  let registry: Registry;
  const ref = (repo: string, suffix = '') => `oci://${registry.host}/${repo}${suffix}`;

  beforeAll(async () => {
    registry = await startRegistry(await mkdtemp(join(work, 'registry-')));
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('a component with an extra custom section is still a valid plugin', async () => {
    const xdg = await freshXdg();
    const info = json(await wash(xdg, ['-o', 'json', 'plugin', 'test', '--info', variants['1.2.0']!.file]));
    expect(info).toMatchObject({ name: 'example', version: '1.0.0' });
  });

  it('push then install: round trip, blobs skipped on re-push, artifact layout and annotations', async () => {
    const xdg = await freshXdg();
    const pushed = json<{ digest: string; reference: string; layer: { digest: string; size: number }; uploaded: string[]; skipped: string[] }>(
      await wash(xdg, ['-o', 'json', 'plugin', 'push', EXAMPLE_WASM, ref('wash/example', ':1.0.0')]),
    );
    expect(pushed.reference).toBe(ref('wash/example', ':1.0.0'));
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed.layer).toEqual({ digest: sha256(example), size: example.length });
    expect(pushed.uploaded).toHaveLength(2);

    const again = json<typeof pushed>(await wash(xdg, ['-o', 'json', 'plugin', 'push', EXAMPLE_WASM, ref('wash/example', ':1.0.0')]));
    expect(again.uploaded).toEqual([]);
    expect(again.skipped).toHaveLength(2);
    expect(again.digest).toBe(pushed.digest);

    // What the registry holds, as another OCI client would see it.
    const res = await fetch(`http://${registry.host}/v2/wash/example/manifests/1.0.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifestBytes = Buffer.from(await res.arrayBuffer());
    expect(sha256(manifestBytes)).toBe(pushed.digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.wasm.config.v0+json' },
      layers: [{ mediaType: 'application/wasm', digest: sha256(example), size: example.length }],
      annotations: {
        'org.opencontainers.image.title': 'example',
        'org.opencontainers.image.version': '1.0.0',
        'org.opencontainers.image.description': 'Example plugin used by the wash test suite',
        'org.opencontainers.image.licenses': 'Apache-2.0',
      },
    });
    const configRes = await fetch(`http://${registry.host}/v2/wash/example/blobs/${manifest.config.digest}`);
    const config = JSON.parse(await configRes.text());
    expect(config).toMatchObject({ architecture: 'wasm', os: 'wasip2', layerDigests: [sha256(example)] });
    expect(config.component.exports).toContain('wash:plugin/plugin@0.2.1');

    const installed = json(await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/example', ':1.0.0')]));
    expect(installed).toMatchObject({ name: 'example', version: '1.0.0', digest: sha256(example), manifest_digest: pushed.digest });
    expect(await installedDigest(xdg)).toBe(sha256(example));
    expect(await sidecar(xdg)).toMatchObject({
      source: ref('wash/example', ':1.0.0'),
      digest: sha256(example),
      version: '1.0.0',
      tag: '1.0.0',
      manifest_digest: pushed.digest,
    });
    expect(await cachedBlobs(xdg)).toEqual([sha256(example).slice(7)]);

    const list = json<{ name: string; source: string; digest: string }[]>(await wash(xdg, ['-o', 'json', 'plugin', 'list']));
    expect(list.find((p) => p.name === 'example')).toMatchObject({ source: 'installed', digest: sha256(example) });
    const run = await wash(xdg, ['example', 'greet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('hello, world\n');

    // Installing again collides like a file install does.
    const collide = await wash(xdg, ['plugin', 'install', ref('wash/example', ':1.0.0')]);
    expect(collide.code).toBe(1);
    expect(collide.stderr).toContain("a plugin named 'example' already exists");
  });

  it('chunked upload, then install by digest; a wrong digest is a clear 404', async () => {
    const xdg = await freshXdg();
    const pushed = json<{ digest: string; uploaded: string[] }>(
      await wash(xdg, ['-o', 'json', 'plugin', 'push', '--chunk-size', '1MiB', variants['1.2.0']!.file, ref('wash/chunked', ':1.2.0')]),
    );
    expect(pushed.uploaded).toContain(variants['1.2.0']!.digest);
    const byDigest = ref('wash/chunked', `@${pushed.digest}`);
    const installed = json(await wash(xdg, ['-o', 'json', 'plugin', 'install', byDigest]));
    expect(installed).toMatchObject({ name: 'example', digest: variants['1.2.0']!.digest, manifest_digest: pushed.digest });
    expect(await installedDigest(xdg)).toBe(variants['1.2.0']!.digest);
    expect((await sidecar(xdg)).source).toBe(byDigest);

    const other = await freshXdg();
    const missing = await wash(other, ['plugin', 'install', ref('wash/chunked', `@sha256:${'0'.repeat(64)}`)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found (HTTP 404)');
    expect(await installedFiles(other)).toEqual([]);
    const badRef = await wash(other, ['plugin', 'install', ref('wash/chunked', '@sha256:abc')]);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('is not a sha256 digest');
  });

  it('update picks the highest compatible version; --dry-run changes nothing; --major crosses', async () => {
    const xdg = await freshXdg();
    for (const version of ['1.2.0', '1.4.0', '2.0.0']) {
      expect((await wash(xdg, ['plugin', 'push', variants[version]!.file, ref('wash/versions', `:${version}`)])).code).toBe(0);
    }
    // Tags update must ignore: not semver, and a prerelease of the current major.
    for (const tag of ['latest', 'nightly', '1.5.0-rc.1']) {
      expect((await wash(xdg, ['plugin', 'push', variants['2.0.0']!.file, ref('wash/versions', `:${tag}`)])).code).toBe(0);
    }
    json(await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/versions', ':1.2.0')]));
    expect(await installedDigest(xdg)).toBe(variants['1.2.0']!.digest);
    const before = await sidecar(xdg);

    const dry = json(await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example', '--dry-run']));
    expect(dry).toMatchObject({
      name: 'example',
      status: 'would-update',
      from: { version: '1.2.0', digest: variants['1.2.0']!.digest },
      to: { version: '1.4.0', tag: '1.4.0', digest: variants['1.4.0']!.digest },
      newer_major: '2.0.0',
    });
    expect(await installedDigest(xdg)).toBe(variants['1.2.0']!.digest);
    expect(await sidecar(xdg)).toEqual(before);

    const updated = json(await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example']));
    expect(updated).toMatchObject({
      status: 'updated',
      from: { version: '1.2.0', tag: '1.2.0', digest: variants['1.2.0']!.digest },
      to: { version: '1.4.0', tag: '1.4.0', digest: variants['1.4.0']!.digest, source: ref('wash/versions', ':1.4.0') },
    });
    expect(await installedDigest(xdg)).toBe(variants['1.4.0']!.digest);
    expect(await sidecar(xdg)).toMatchObject({ source: ref('wash/versions', ':1.4.0'), tag: '1.4.0', digest: variants['1.4.0']!.digest });

    const current = await wash(xdg, ['plugin', 'update', 'example']);
    expect(current.code).toBe(0);
    expect(current.stdout).toContain('example  1.4.0 is the newest compatible version (2.0.0 is available: --major)');

    const dryMajor = await wash(xdg, ['plugin', 'update', '--all', '--major', '--dry-run']);
    expect(dryMajor.stdout).toContain('example  1.4.0 → 2.0.0');
    expect(dryMajor.stdout).toContain('dry run, nothing changed');
    expect(await installedDigest(xdg)).toBe(variants['1.4.0']!.digest);

    const major = await wash(xdg, ['plugin', 'update', 'example', '--major']);
    expect(major.code, major.stderr).toBe(0);
    expect(major.stdout).toContain(`example  1.4.0 → 2.0.0  (${variants['1.4.0']!.digest.slice(7, 19)} → ${variants['2.0.0']!.digest.slice(7, 19)})`);
    expect(await installedDigest(xdg)).toBe(variants['2.0.0']!.digest);
    const run = await wash(xdg, ['example', 'greet']);
    expect(run.stdout).toBe('hello, world\n');

    const usage = await wash(xdg, ['plugin', 'update']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('name a plugin to update, or pass --all');
  });

  it('update: a file install is skipped, an unknown plugin is an error', async () => {
    const xdg = await freshXdg();
    json(await wash(xdg, ['-o', 'json', 'plugin', 'install', variants['1.2.0']!.file]));
    expect(await sidecar(xdg)).toMatchObject({ source: variants['1.2.0']!.file, digest: variants['1.2.0']!.digest });
    const all = json<{ name: string; status: string }[]>(await wash(xdg, ['-o', 'json', 'plugin', 'update', '--all']));
    expect(all).toEqual([expect.objectContaining({ name: 'example', status: 'skipped' })]);
    const one = await wash(xdg, ['plugin', 'update', 'example']);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain('only plugins installed from oci:// can be updated');
    const unknown = await wash(xdg, ['plugin', 'update', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no installed plugin named 'nope'");
  });

  it('a blob tampered with in the registry storage is refused; nothing installed, the previous version still works', async () => {
    const xdg = await freshXdg();
    expect((await wash(xdg, ['plugin', 'push', variants['1.2.0']!.file, ref('wash/tamper', ':1.2.0')])).code).toBe(0);
    json(await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/tamper', ':1.2.0')]));
    const before = await sidecar(xdg);

    const victim = await uniqueVariant('tampered');
    expect((await wash(xdg, ['plugin', 'push', victim.file, ref('wash/tamper', ':1.3.0')])).code).toBe(0);
    const stored = registry.blobPath(victim.digest);
    const bytes = await readFile(stored);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff; // same size, different content
    await writeFile(stored, bytes);

    const r = await wash(xdg, ['plugin', 'install', '--force', ref('wash/tamper', ':1.3.0')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`digest mismatch for blob of wash/tamper: expected ${victim.digest}, got ${sha256(bytes)}`);
    expect(r.stderr).toContain('nothing was installed');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const update = await wash(xdg, ['plugin', 'update', 'example']);
    expect(update.code).toBe(1);
    expect(update.stderr).toContain('digest mismatch');

    expect((await installedFiles(xdg)).sort()).toEqual(['example.source.json', 'example.wasm']);
    expect(await installedDigest(xdg)).toBe(variants['1.2.0']!.digest);
    expect(await sidecar(xdg)).toEqual(before);
    expect(await cachedBlobs(xdg)).toEqual([variants['1.2.0']!.digest.slice(7)]); // no partial or bad blob kept
    expect((await wash(xdg, ['example', 'greet'])).stdout).toBe('hello, world\n');
  });

  it('the registry connection cut mid-download leaves nothing installed; the previous version still works', async () => {
    const xdg = await freshXdg();
    expect((await wash(xdg, ['plugin', 'push', variants['1.2.0']!.file, ref('wash/cut', ':1.2.0')])).code).toBe(0);
    json(await wash(xdg, ['-o', 'json', 'plugin', 'install', ref('wash/cut', ':1.2.0')]));
    const before = await sidecar(xdg);
    const victim = await uniqueVariant('cut');
    expect((await wash(xdg, ['plugin', 'push', victim.file, ref('wash/cut', ':1.3.0')])).code).toBe(0);

    // Manifests and tag lists are a few KiB; the 14 MiB layer is cut after 2 MiB.
    const proxy = await cutProxy(registry.port, 2 * 1024 * 1024);
    try {
      const via = `oci://127.0.0.1:${proxy.port}/wash/cut:1.3.0`;
      const r = await wash(xdg, ['plugin', 'install', '--force', via]);
      expect(r.code).toBe(1);
      expect(proxy.cuts).toBeGreaterThan(0);
      expect(r.stderr).toMatch(new RegExp(`error: download of ${victim.digest} from 127\\.0\\.0\\.1:${proxy.port} (was interrupted|failed)`));
      expect(r.stderr).toContain('nothing was installed');
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    } finally {
      await proxy.close();
    }
    expect((await installedFiles(xdg)).sort()).toEqual(['example.source.json', 'example.wasm']);
    expect(await installedDigest(xdg)).toBe(variants['1.2.0']!.digest);
    expect(await sidecar(xdg)).toEqual(before);
    expect(await cachedBlobs(xdg)).toEqual([variants['1.2.0']!.digest.slice(7)]);
    expect((await wash(xdg, ['example', 'greet'])).stdout).toBe('hello, world\n');
  });

  it('refuses a container image manifest and an image index with a clear message', async () => {
    const xdg = await freshXdg();
    const layer = Buffer.from('not a tarball, but the registry does not care');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const imageManifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    };
    const imageDigest = await pushRaw(registry.host, 'wash/container', 'v1', imageManifest, imageManifest.mediaType, [config, layer]);
    const image = await wash(xdg, ['plugin', 'install', ref('wash/container', ':v1')]);
    expect(image.code).toBe(1);
    expect(image.stderr).toContain(
      `error: ${ref('wash/container', ':v1')} is not a wasm component artifact (it looks like a container image): its layers are application/vnd.oci.image.layer.v1.tar+gzip, expected one application/wasm layer`,
    );

    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: imageManifest.mediaType,
          digest: imageDigest,
          size: Buffer.byteLength(JSON.stringify(imageManifest)),
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    };
    await pushRaw(registry.host, 'wash/container', 'multi', index, index.mediaType, []);
    const multi = await wash(xdg, ['plugin', 'install', ref('wash/container', ':multi')]);
    expect(multi.code).toBe(1);
    expect(multi.stderr).toContain(`${ref('wash/container', ':multi')} is an image index (a multi-platform image), not a wasm component artifact`);

    // A wasm layer that is a core module, not a component: pulled, verified, then refused as a plugin.
    const core = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const wasmConfig = Buffer.from('{}');
    const coreManifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.wasm.config.v0+json', digest: sha256(wasmConfig), size: wasmConfig.length },
      layers: [{ mediaType: 'application/wasm', digest: sha256(core), size: core.length }],
    };
    await pushRaw(registry.host, 'wash/core', '1.0.0', coreManifest, coreManifest.mediaType, [wasmConfig, core]);
    const notPlugin = await wash(xdg, ['plugin', 'install', ref('wash/core', ':1.0.0')]);
    expect(notPlugin.code).toBe(1);
    expect(notPlugin.stderr).toContain(`not a wash plugin: ${ref('wash/core', ':1.0.0')} (a core WebAssembly module, not a component`);
    expect(await installedFiles(xdg)).toEqual([]);
  });
});

describe.skipIf(!BINARY)('OCI registry with htpasswd basic auth', () => {
  let registry: Registry;
  const ref = (repo: string, suffix = '') => `oci://${registry.host}/${repo}${suffix}`;

  beforeAll(async () => {
    const dir = await mkdtemp(join(work, 'registry-basic-'));
    const file = join(dir, 'htpasswd');
    await writeFile(file, `${htpasswdLine('alice', 'open sesame')}\n`);
    registry = await startRegistry(dir, { kind: 'htpasswd', file });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('401 without credentials, success with --user/--password-stdin, the wash config or docker config', async () => {
    const xdg = await freshXdg();
    const anonymous = await wash(xdg, ['plugin', 'push', EXAMPLE_WASM, ref('team/example', ':1.0.0')]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(`error: registry ${registry.host} requires authentication`);
    expect(anonymous.stderr).toContain('--password-stdin');

    const wrong = await wash(xdg, ['plugin', 'push', '--user', 'alice', '--password-stdin', EXAMPLE_WASM, ref('team/example', ':1.0.0')], { input: 'nope\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`error: registry ${registry.host} rejected the credentials of 'alice' (from --user)`);

    const pushed = await wash(xdg, ['-o', 'json', 'plugin', 'push', '--user', 'alice', '--password-stdin', EXAMPLE_WASM, ref('team/example', ':1.0.0')], {
      input: 'open sesame\n',
    });
    expect(json(pushed)).toMatchObject({ reference: ref('team/example', ':1.0.0') });

    const noAuthInstall = await wash(xdg, ['plugin', 'install', ref('team/example', ':1.0.0')]);
    expect(noAuthInstall.code).toBe(1);
    expect(noAuthInstall.stderr).toContain('requires authentication');
    expect(await installedFiles(xdg)).toEqual([]);

    const installed = await wash(xdg, ['-o', 'json', 'plugin', 'install', '--user', 'alice', '--password-stdin', ref('team/example', ':1.0.0')], {
      input: 'open sesame',
    });
    expect(json(installed)).toMatchObject({ name: 'example', digest: sha256(example) });

    // Credentials from the wash config (registries."host") and from docker's config.json.
    const configFile = join(xdg.root, 'wash-config.toml');
    await writeFile(configFile, `[registries."${registry.host}"]\nusername = "alice"\npassword = "open sesame"\n`);
    const viaConfig = await wash(xdg, ['--config', configFile, '-o', 'json', 'plugin', 'update', 'example']);
    expect(json(viaConfig)).toMatchObject({ status: 'up-to-date' });
    const viaEnv = await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example'], { env: { WASH_CONFIG: configFile } });
    expect(json(viaEnv)).toMatchObject({ status: 'up-to-date' });

    await mkdir(join(xdg.root, 'docker'), { recursive: true });
    const auth = Buffer.from('alice:open sesame').toString('base64');
    await writeFile(join(xdg.root, 'docker', 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
    const viaDocker = await wash(xdg, ['-o', 'json', 'plugin', 'update', 'example']);
    expect(json(viaDocker)).toMatchObject({ status: 'up-to-date' });
  });
});

describe.skipIf(!BINARY)('OCI registry with bearer tokens', () => {
  let registry: Registry;
  let tokens: TokenServer;
  const ref = (repo: string, suffix = '') => `oci://${registry.host}/${repo}${suffix}`;

  beforeAll(async () => {
    const dir = await mkdtemp(join(work, 'registry-token-'));
    tokens = await startTokenServer(dir, 'bob', 'hunter2');
    registry = await startRegistry(dir, { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certFile: tokens.certFile });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it('answers the token challenge with the right scopes; anonymous callers are refused', async () => {
    const xdg = await freshXdg();
    const anonymous = await wash(xdg, ['plugin', 'install', ref('org/example', ':1.0.0')]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(`registry ${registry.host} requires authentication`);

    // The token service is another origin (another port): it gets the credentials only once the config lists it.
    const realmOrigin = new URL(tokens.realm).origin;
    const withheld = await wash(xdg, ['plugin', 'push', '--user', 'bob', '--password-stdin', EXAMPLE_WASM, ref('org/example', ':1.0.0')], { input: 'hunter2' });
    expect(withheld.code).toBe(1);
    expect(withheld.stderr).toContain(`wash did not send it the credentials of 'bob'`);
    expect(withheld.stderr).toContain(`token_realms = ["${realmOrigin}"]`);
    expect(tokens.issued.every((t) => t.user === undefined)).toBe(true);
    const configFile = join(xdg.root, 'wash-config.toml');
    await writeFile(configFile, `[registries."${registry.host}"]\ntoken_realms = ["${tokens.realm}"]\n`);
    const trusting = (args: string[], input: string) => wash(xdg, ['--config', configFile, ...args], { input });

    const wrong = await trusting(['plugin', 'push', '--user', 'bob', '--password-stdin', EXAMPLE_WASM, ref('org/example', ':1.0.0')], 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("rejected the credentials of 'bob'");

    const pushed = await trusting(['-o', 'json', 'plugin', 'push', '--user', 'bob', '--password-stdin', EXAMPLE_WASM, ref('org/example', ':1.0.0')], 'hunter2');
    expect(json(pushed)).toMatchObject({ reference: ref('org/example', ':1.0.0') });
    expect(tokens.issued).toContainEqual({ user: 'bob', access: [{ name: 'org/example', actions: ['pull', 'push'] }] });

    const installed = await trusting(['-o', 'json', 'plugin', 'install', '--user', 'bob', '--password-stdin', ref('org/example', ':1.0.0')], 'hunter2');
    expect(json(installed)).toMatchObject({ name: 'example', digest: sha256(example) });
    expect(tokens.issued).toContainEqual({ user: 'bob', access: [{ name: 'org/example', actions: ['pull'] }] });
    expect(await installedDigest(xdg)).toBe(sha256(example));
  });
});
