/**
 * Push a plugin component as a wasm OCI artifact: layer and config blobs
 * (each skipped when the registry already has it), then the manifest.
 */
import { bytesDigest } from '../digest.js';
import type { Metadata } from '../metadata.js';
import { MEDIA, annotationsFor, buildManifest, wasmConfig, type Descriptor } from './artifact.js';
import type { RegistryClient } from './client.js';
import type { OciReference } from './reference.js';

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
  options: { chunkSize?: number; onProgress?: (bytes: number) => void } = {},
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
