// The registry client's pure parts (src/plugin-host/oci/, net/): references,
// WWW-Authenticate challenges, the wasm artifact manifest a registry hands
// back, and the address and URL rules downloads follow. No registry, no
// network: what the registry or the user typed, fed in directly.
import { describe, expect, it } from 'vitest';
import {
  apiHost,
  formatReference,
  isLoopbackRegistry,
  isOciReference,
  manifestReference,
  parseReference,
  registryHostname,
  TAG,
} from '../../src/plugin-host/oci/reference.js';
import { parseChallenges } from '../../src/plugin-host/oci/client.js';
import { annotationsFor, buildManifest, checkWasmManifest, MEDIA, wasmConfig } from '../../src/plugin-host/oci/artifact.js';
import { MAX_PLUGIN_BYTES } from '../../src/plugin-host/net/limits.js';
import { addressScope, hopAllowed, narrowest, resolveHost, type AddressScope } from '../../src/plugin-host/net/addresses.js';
import { basicFromUserinfo, redactUrl, redirectMethod } from '../../src/plugin-host/net/urls.js';
import { UsageError, WashError } from '../../src/util/errors.js';
import type { Metadata } from '../../src/contract/metadata.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('OCI references', () => {
  const ok: [string, ReturnType<typeof parseReference>][] = [
    ['oci://ghcr.io/org/tool:1.2.3', { registry: 'ghcr.io', repository: 'org/tool', tag: '1.2.3', digest: undefined }],
    ['ghcr.io/org/tool:1.2.3', { registry: 'ghcr.io', repository: 'org/tool', tag: '1.2.3', digest: undefined }],
    ['OCI://GHCR.io/org/tool', { registry: 'ghcr.io', repository: 'org/tool', tag: undefined, digest: undefined }],
    ['  oci://localhost:5000/a/b/c:v1\n', { registry: 'localhost:5000', repository: 'a/b/c', tag: 'v1', digest: undefined }],
    [`oci://r.example/x@${DIGEST}`, { registry: 'r.example', repository: 'x', tag: undefined, digest: DIGEST }],
    [`oci://r.example/x:1.0@${DIGEST}`, { registry: 'r.example', repository: 'x', tag: '1.0', digest: DIGEST }],
    ['oci://[::1]:5000/x:latest', { registry: '[::1]:5000', repository: 'x', tag: 'latest', digest: undefined }],
    ['oci://127.0.0.1:5000/a__b/c-d/e.f:_T', { registry: '127.0.0.1:5000', repository: 'a__b/c-d/e.f', tag: '_T', digest: undefined }],
    [`oci://r.example/x:${'t'.repeat(128)}`, { registry: 'r.example', repository: 'x', tag: 't'.repeat(128), digest: undefined }],
  ];
  it.each(ok)('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  const bad: [string, string][] = [
    ['', 'no repository (a registry host, then a path)'],
    ['oci://', 'no repository (a registry host, then a path)'],
    ['oci://ghcr.io', 'no repository (a registry host, then a path)'],
    ['oci:///repo', 'no repository (a registry host, then a path)'],
    ['oci://ghcr.io/', 'no repository'],
    ['https://ghcr.io/x:1', 'only oci:// references are supported'],
    ['oci://https://ghcr.io/x', 'only oci:// references are supported'],
    ['oci://user:pw@ghcr.io/x', "'user:pw@ghcr.io' is not a registry host"],
    ['oci://-bad.io/x', "'-bad.io' is not a registry host"],
    ['oci://a_b.io/x', "'a_b.io' is not a registry host"],
    ['oci://ghcr.io:123456/x', "'ghcr.io:123456' is not a registry host"],
    ['oci://ghcr.io/Org/x', "'Org' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a//b', "'' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a/../b', "'..' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a/./b', "'.' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a/b/', "'' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a.-b', "'a.-b' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/a%2fb', "'a%2fb' is not a valid repository path component (lower-case letters, digits, and . _ - between them)"],
    ['oci://ghcr.io/x:', "'' is not a valid tag"],
    ['oci://ghcr.io/x:.hidden', "'.hidden' is not a valid tag"],
    ['oci://ghcr.io/x:1.0+build', "'1.0+build' is not a valid tag"],
    [`oci://ghcr.io/x:${'t'.repeat(129)}`, `'${'t'.repeat(129)}' is not a valid tag`],
    ['oci://ghcr.io/x:a\u001b[2J', "'a\u001b[2J' is not a valid tag"],
    ['oci://ghcr.io/x@sha512:abc', "unsupported digest 'sha512:abc' (only sha256 is supported)"],
    [
      `oci://ghcr.io/x@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`,
      `'${DIGEST.toUpperCase().replace('SHA256', 'sha256')}' is not a sha256 digest (64 lower-case hex digits)`,
    ],
    ['oci://ghcr.io/x@sha256:abc', "'sha256:abc' is not a sha256 digest (64 lower-case hex digits)"],
    [`oci://ghcr.io/${'a'.repeat(256)}`, 'the repository name is longer than 255 characters'],
  ];
  it.each(bad)('refuses %j', (input, why) => {
    let error: unknown;
    try {
      parseReference(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`invalid OCI reference '${input}': ${why}`);
    expect((error as UsageError).hint).toBe('expected oci://<registry>/<repository>:<tag> or oci://<registry>/<repository>@sha256:<digest>');
  });

  it('a port outside 1-65535 is no registry host (a URL could not be made of it)', () => {
    for (const registry of ['ghcr.io:65536', 'ghcr.io:99999', 'localhost:0', '[::1]:70000']) {
      expect(() => parseReference(`oci://${registry}/x`), registry).toThrow(`'${registry}' is not a registry host`);
    }
    expect(parseReference('oci://ghcr.io:65535/x').registry).toBe('ghcr.io:65535');
    expect(parseReference('oci://localhost:1/x').registry).toBe('localhost:1');
  });

  it('requireScheme refuses a bare reference', () => {
    expect(() => parseReference('ghcr.io/x:1', { requireScheme: true })).toThrow("invalid OCI reference 'ghcr.io/x:1': it must start with oci://");
    expect(isOciReference('OCI://x')).toBe(true);
    expect(isOciReference('./oci://x')).toBe(false);
  });

  it('format is the inverse of parse for what parse accepts; the digest wins for the manifest', () => {
    for (const [input] of ok) {
      const ref = parseReference(input);
      expect(parseReference(formatReference(ref))).toEqual(ref);
    }
    expect(manifestReference(parseReference(`oci://r/x:1.0@${DIGEST}`))).toBe(DIGEST);
    expect(manifestReference(parseReference('oci://r/x:1.0'))).toBe('1.0');
    expect(manifestReference(parseReference('oci://r/x'))).toBe('latest');
  });

  it('only loopback registries are spoken to over plain HTTP; Docker Hub maps to its API host', () => {
    for (const r of ['localhost', 'localhost:5000', '127.0.0.1', '127.9.9.9:80', '[::1]', '[::1]:5000']) expect(isLoopbackRegistry(r), r).toBe(true);
    for (const r of ['localhost.evil.com', '127.0.0.1.nip.io', 'evil-localhost', '[::2]', '0.0.0.0:5000', '10.0.0.1', 'ghcr.io'])
      expect(isLoopbackRegistry(r), r).toBe(false);
    expect(registryHostname('[::1]:5000')).toBe('::1');
    expect(registryHostname('ghcr.io:443')).toBe('ghcr.io');
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('docker.io.evil.com')).toBe('docker.io.evil.com');
  });

  it("TAG is the distribution spec's tag, nothing trimmed", () => {
    for (const t of ['1.2.3', 'v1', 'latest', '_x', 'a-b.c_d']) expect(TAG.test(t), t).toBe(true);
    for (const t of ['', ' 1.2.3', '1.2.3\n', '-x', '.x', 'a/b', 'a:b', '1.0+b']) expect(TAG.test(t), JSON.stringify(t)).toBe(false);
  });
});

describe('WWW-Authenticate challenges', () => {
  it("Docker's bearer challenge: quoted values hold commas and colons", () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/x:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/x:pull,push' } },
    ]);
  });

  it('several challenges, any case, spaces around `=`, unquoted values, escapes in quotes', () => {
    expect(parseChallenges('BASIC realm="r1", Bearer Realm = https://a/token , service=svc,scope="a\\"b\\\\c"')).toEqual([
      { scheme: 'basic', params: { realm: 'r1' } },
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'svc', scope: 'a"b\\c' } },
    ]);
  });

  it('nothing, or nothing usable: no challenge; parameters before any scheme are dropped', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('   ,,, ')).toEqual([]);
    expect(parseChallenges('realm="x"')).toEqual([]);
    expect(parseChallenges('Basic')).toEqual([{ scheme: 'basic', params: {} }]);
  });

  it('a repeated parameter: the last one counts; an unterminated quote does not swallow the next challenge', () => {
    expect(parseChallenges('Bearer realm="https://good", realm="https://evil"')[0]!.params.realm).toBe('https://evil');
    const r = parseChallenges('Bearer realm="https://a, Basic realm=b');
    expect(r.map((c) => c.scheme)).toEqual(['bearer', 'basic']);
  });

  it('a megabyte of escapes or of parameters is read whole, not cut or thrown on', () => {
    const [bearer] = parseChallenges(`Bearer realm="${'\\"'.repeat(256 * 1024)}", service=s`);
    expect(bearer!.params.realm).toBe('"'.repeat(256 * 1024));
    expect(bearer!.params.service).toBe('s');
    expect(Object.keys(parseChallenges(`Basic ${Array.from({ length: 10_000 }, (_, i) => `p${i}=v`).join(',')}`)[0]!.params)).toHaveLength(10_000);
  });
});

describe('the wasm artifact manifest a registry hands back', () => {
  const layer = { mediaType: MEDIA.wasmLayer, digest: DIGEST, size: 1234 };
  const config = { mediaType: MEDIA.wasmConfig, digest: `sha256:${'c'.repeat(64)}`, size: 10 };
  const manifest = (over: Record<string, unknown> = {}) =>
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config, layers: [layer], ...over }));
  const problem = (bytes: Buffer, contentType = '') => {
    try {
      checkWasmManifest(bytes, contentType, 'oci://r/x:1');
    } catch (err) {
      expect(err).toBeInstanceOf(WashError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('what wash pushes, it accepts back: the one layer, string annotations only', () => {
    const built = buildManifest(config, layer, { a: 'b' });
    expect(checkWasmManifest(built, '', 'x')).toEqual({
      manifest: { schemaVersion: 2, mediaType: MEDIA.ociManifest, config, layers: [layer], annotations: { a: 'b' } },
      layer,
    });
    const odd = checkWasmManifest(manifest({ annotations: { s: 'x', n: 1, o: {} } }), '', 'x');
    expect(odd.manifest.annotations).toEqual({ s: 'x' });
    // The media type may come from the response header alone (Docker's v2 manifest).
    expect(checkWasmManifest(manifest({ mediaType: undefined }), MEDIA.dockerManifest, 'x').manifest.mediaType).toBe(MEDIA.dockerManifest);
  });

  const refused: [string, Buffer, string, string][] = [
    ['not JSON', Buffer.from('<html>'), '', 'oci://r/x:1: the registry sent a manifest that is not JSON'],
    ['an image index', manifest({ mediaType: MEDIA.ociIndex }), '', 'oci://r/x:1 is an image index (a multi-platform image), not a wasm component artifact'],
    [
      'a list by its manifests field',
      manifest({ mediaType: undefined, manifests: [] }),
      '',
      'oci://r/x:1 is an image index (a multi-platform image), not a wasm component artifact',
    ],
    ['schema version 1', manifest({ schemaVersion: 1 }), '', `oci://r/x:1 has an unsupported manifest type '${MEDIA.ociManifest}'`],
    ['an unknown media type, escaped', manifest({ mediaType: 'text/\u001b[2J' }), '', "oci://r/x:1 has an unsupported manifest type 'text/\\u{1b}[2J'"],
    ['no config', manifest({ config: undefined }), '', 'oci://r/x:1: config is not a valid descriptor'],
    ['no layers', manifest({ layers: undefined }), '', 'oci://r/x:1: the manifest has no layers'],
    [
      'a layer that is not a descriptor',
      manifest({ layers: [{ mediaType: MEDIA.wasmLayer, digest: DIGEST, size: '5' }] }),
      '',
      'oci://r/x:1: layer 0 is not a valid descriptor',
    ],
    [
      'a container image',
      manifest({
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }),
      '',
      'oci://r/x:1 is not a wasm component artifact (it looks like a container image): its layers are application/vnd.oci.image.layer.v1.tar+gzip, expected one application/wasm layer',
    ],
    [
      'two wasm layers',
      manifest({ layers: [layer, layer] }),
      '',
      'oci://r/x:1 is not a wasm component artifact: its layers are application/wasm, application/wasm, expected one application/wasm layer',
    ],
    [
      'a wasm layer and another',
      manifest({ layers: [layer, { ...layer, mediaType: 'x' }] }),
      '',
      'oci://r/x:1 is not a wasm component artifact: its layers are application/wasm, x, expected one application/wasm layer',
    ],
    ['no layer at all', manifest({ layers: [] }), '', 'oci://r/x:1 is not a wasm component artifact: its layers are none, expected one application/wasm layer'],
    [
      'a sha512 layer',
      manifest({ layers: [{ ...layer, digest: `sha512:${'a'.repeat(128)}` }] }),
      '',
      `oci://r/x:1: unsupported layer digest 'sha512:${'a'.repeat(93)}' (only sha256)`,
    ],
    [
      'a digest with a path in it',
      manifest({ layers: [{ ...layer, digest: 'sha256:../../etc/passwd' }] }),
      '',
      "oci://r/x:1: unsupported layer digest 'sha256:../../etc/passwd' (only sha256)",
    ],
    ['a size of 0', manifest({ layers: [{ ...layer, size: 0 }] }), '', 'oci://r/x:1: the layer has an invalid size'],
    ['a negative size', manifest({ layers: [{ ...layer, size: -1 }] }), '', 'oci://r/x:1: the layer has an invalid size'],
    ['a fractional size', manifest({ layers: [{ ...layer, size: 1.5 }] }), '', 'oci://r/x:1: the layer has an invalid size'],
    ['a size past 2^53', manifest({ layers: [{ ...layer, size: 2 ** 60 }] }), '', 'oci://r/x:1: the layer has an invalid size'],
    [
      'a component over the limit',
      manifest({ layers: [{ ...layer, size: MAX_PLUGIN_BYTES + 1 }] }),
      '',
      `oci://r/x:1: the component is ${MAX_PLUGIN_BYTES + 1} bytes, larger than a plugin may be`,
    ],
  ];
  it.each(refused)('refuses %s', (_what, bytes, contentType, message) => {
    expect(problem(bytes, contentType)).toBe(message);
  });

  it('a manifest with thousands of layers makes a one-line error of bounded length', () => {
    const many = manifest({ layers: Array.from({ length: 5000 }, (_, i) => ({ ...layer, mediaType: `type/${i}\n${'x'.repeat(500)}` })) });
    const message = problem(many);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(1000);
    expect(message).toContain('and 4995 more');
  });

  it('annotations and config come from the metadata; empty values are left out', () => {
    const created = new Date('2024-01-02T03:04:05Z');
    const m = { name: 'tool', version: '1.0.0', description: ' ', url: undefined, license: 'MIT' } as Metadata;
    expect(annotationsFor(m, created)).toEqual({
      'org.opencontainers.image.title': 'tool',
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.licenses': 'MIT',
      'org.opencontainers.image.created': '2024-01-02T03:04:05.000Z',
    });
    expect(JSON.parse(wasmConfig({ created, layerDigest: DIGEST, exports: ['e'], imports: ['i'] }).toString())).toEqual({
      created: '2024-01-02T03:04:05.000Z',
      architecture: 'wasm',
      os: 'wasip2',
      layerDigests: [DIGEST],
      component: { exports: ['e'], imports: ['i'], target: null },
    });
  });
});

describe('where an address points, for redirect checks', () => {
  const table: [string, AddressScope | undefined][] = [
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'], // cloud metadata
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'other'],
    ['255.255.255.255', 'other'],
    ['192.0.2.1', 'other'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped
    ['::ffff:7f00:1', 'loopback'], // the same, in hex
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['64:ff9b::10.0.0.1', 'private'], // NAT64
    ['2002:c0a8:0101::1', 'private'], // 6to4 of 192.168.1.1
    ['fd00::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['FE80::1', 'link-local'],
    ['ff02::1', 'other'],
    ['2001:db8::1', 'other'],
    ['2606:4700::1111', 'public'],
    ['localhost', undefined],
    ['127.1', undefined], // not an address literal (a resolver would make it one)
    ['1.2.3.4.5', undefined],
    ['::ffff:999.0.0.1', undefined],
    ['', undefined],
  ];
  it.each(table)('%s is %s', (ip, scope) => {
    expect(addressScope(ip)).toBe(scope);
  });

  it('public may only go to public; a download that started at home may go anywhere', () => {
    const all: AddressScope[] = ['public', 'private', 'loopback', 'link-local', 'unspecified', 'other'];
    for (const next of all) expect(hopAllowed('public', next), next).toBe(next === 'public');
    for (const first of all.slice(1)) for (const next of all) expect(hopAllowed(first, next)).toBe(true);
  });

  it('a name resolving to several addresses counts as its least public one', async () => {
    expect(narrowest([])).toBe('public');
    expect(narrowest(['public', 'private', 'public'])).toBe('private');
    expect(narrowest(['other', 'loopback'])).toBe('loopback');
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::ffff:10.0.0.1', family: 6 },
    ];
    expect((await resolveHost('rebind.example', resolve)).scope).toBe('private');
    expect(await resolveHost('[::1]', resolve)).toEqual({ scope: 'loopback', addresses: [{ address: '::1', family: 6 }] });
    await expect(resolveHost('none.example', async () => [])).rejects.toThrow('none.example has no addresses');
    expect((await resolveHost('junk.example', async () => [{ address: 'not-an-ip', family: 4 }])).scope).toBe('other');
  });
});

describe('URLs as wash records and shows them', () => {
  it('redactUrl drops userinfo, query and fragment of http(s) URLs only', () => {
    expect(redactUrl('https://user:pw@cdn.example/p.wasm?X-Amz-Signature=s#f')).toBe('https://cdn.example/p.wasm');
    expect(redactUrl('http://h/a?b')).toBe('http://h/a');
    expect(redactUrl('not a url')).toBe('not a url');
    expect(redactUrl('file:///etc/passwd?x')).toBe('file:///etc/passwd?x');
    expect(redactUrl('oci://r/x:1')).toBe('oci://r/x:1');
  });

  it('basicFromUserinfo decodes percent-escapes and tolerates broken ones', () => {
    expect(basicFromUserinfo(new URL('https://h/'))).toBeUndefined();
    expect(basicFromUserinfo(new URL('https://a%40b:p%3Aw@h/'))).toBe(`Basic ${Buffer.from('a@b:p:w').toString('base64')}`);
    expect(basicFromUserinfo(new URL('https://u:%E0%A4%A@h/'))).toBe(`Basic ${Buffer.from('u:%E0%A4%A').toString('base64')}`);
    expect(basicFromUserinfo(new URL('https://:secret@h/'))).toBe(`Basic ${Buffer.from(':secret').toString('base64')}`);
  });

  it('redirects change the method as fetch does', () => {
    expect(redirectMethod(303, 'PUT')).toEqual({ method: 'GET', keepBody: false });
    expect(redirectMethod(303, 'HEAD')).toEqual({ method: 'HEAD', keepBody: true });
    expect(redirectMethod(302, 'POST')).toEqual({ method: 'GET', keepBody: false });
    expect(redirectMethod(301, 'PUT')).toEqual({ method: 'PUT', keepBody: true });
    expect(redirectMethod(307, 'POST')).toEqual({ method: 'POST', keepBody: true });
    expect(redirectMethod(308, 'PATCH')).toEqual({ method: 'PATCH', keepBody: true });
  });
});
