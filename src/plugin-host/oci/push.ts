/**
 * Push a plugin component as a wasm OCI artifact: layer and config blobs
 * (each skipped when the registry already has it), then the manifest.
 */
import { bytesDigest } from '../../util/hash.js';
import type { Metadata } from '../../contract/metadata.js';
import { ACCEPT_MANIFESTS, MEDIA, annotationsFor, buildManifest, checkWasmManifest, wasmConfig, type Descriptor } from './artifact.js';
import { RegistryError, type RegistryClient } from './client.js';
import { formatReference, type OciReference } from './reference.js';
import { WashError } from '../../util/errors.js';

export interface PushInput {
  file: string;
  size: number;
  digest: string;
  metadata: Metadata;
  exports: string[];
  imports: string[];
  created: Date;
}

export interface PushResult {
  manifestDigest: string;
  layer: Descriptor;
  config: Descriptor;
  uploaded: string[];
  skipped: string[];
}

export async function pushPlugin(
  client: RegistryClient,
  ref: OciReference & { tag: string },
  input: PushInput,
  options: { chunkSize?: number; onProgress?: (bytes: number) => void; force?: boolean } = {},
): Promise<PushResult> {
  const configBytes = wasmConfig({ created: input.created, layerDigest: input.digest, exports: input.exports, imports: input.imports });
  const layer: Descriptor = {
    mediaType: MEDIA.wasmLayer,
    digest: input.digest,
    size: input.size,
    annotations: { 'org.opencontainers.image.title': `${input.metadata.name}.wasm` },
  };
  const config: Descriptor = { mediaType: MEDIA.wasmConfig, digest: bytesDigest(configBytes), size: configBytes.length };
  const uploaded: string[] = [];
  const skipped: string[] = [];
  const repo = ref.repository;
  // A published version is not rewritten behind its users' backs (npm and cargo refuse it too).
  if (!options.force) await refuseOverwrite(client, ref, input.digest);

  if (await client.hasBlob(repo, layer.digest)) skipped.push(layer.digest);
  else {
    await client.uploadBlob(repo, layer.digest, { file: input.file, size: input.size }, options);
    uploaded.push(layer.digest);
  }
  if (await client.hasBlob(repo, config.digest)) skipped.push(config.digest);
  else {
    await client.uploadBlob(repo, config.digest, { bytes: configBytes }, { chunkSize: options.chunkSize });
    uploaded.push(config.digest);
  }
  const manifest = buildManifest(config, layer, annotationsFor(input.metadata, input.created));
  const manifestDigest = await client.putManifest(repo, ref.tag, manifest, MEDIA.ociManifest);
  return { manifestDigest, layer, config, uploaded, skipped };
}

/** What the tag holds now: undefined when it does not exist. */
async function currentManifest(client: RegistryClient, ref: OciReference & { tag: string }) {
  try {
    return await client.getManifest(ref.repository, ref.tag, ACCEPT_MANIFESTS);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Refuse to move a tag that already holds a different component. The same
 * component again (a re-push, even with a fresh timestamp) is fine.
 */
async function refuseOverwrite(client: RegistryClient, ref: OciReference & { tag: string }, componentDigest: string): Promise<void> {
  const existing = await currentManifest(client, ref);
  if (!existing) return;
  const label = formatReference(ref);
  let layer: string | undefined;
  try {
    layer = checkWasmManifest(existing.bytes, existing.mediaType, label).layer.digest;
  } catch {
    layer = undefined; // not a wasm component at all: different, surely
  }
  if (layer === componentDigest) return;
  throw new WashError(
    `${label} already exists with a different ${layer ? `component (${layer})` : 'artifact'} (manifest ${existing.digest}); nothing was pushed`,
    1,
    'push a new version under a new tag, or pass --force to move the tag',
  );
}
