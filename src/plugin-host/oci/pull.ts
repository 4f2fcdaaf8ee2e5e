/**
 * Pull a plugin artifact: resolve the manifest, check it is a wasm component,
 * and get the layer into the blob cache (`<cache>/downloads/oci/blobs/sha256/`)
 * verified against its digest. The cache only ever holds verified blobs;
 * a cached blob is re-hashed before it is used.
 */
import { stat, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from '../../contract/dirs.js';
import { fileDigest } from '../digest.js';
import { tempSibling } from '../../util/atomic.js';
import { WashError } from '../../util/errors.js';
import { ACCEPT_MANIFESTS, checkWasmManifest, type Descriptor } from './artifact.js';
import { RegistryClient, RegistryError } from './client.js';
import { formatReference, manifestReference, type OciReference } from './reference.js';

export interface ResolvedArtifact {
  ref: OciReference;
  manifestDigest: string;
  layer: Descriptor;
  annotations: Record<string, string>;
}

function blobCacheDir(layout: Layout): string {
  return join(layout.downloads, 'oci', 'blobs', 'sha256');
}

/** Fetch and check the manifest; a digest reference must match the bytes we got. */
export async function resolveArtifact(client: RegistryClient, ref: OciReference): Promise<ResolvedArtifact> {
  const name = formatReference(ref);
  let got: Awaited<ReturnType<RegistryClient['getManifest']>>;
  try {
    got = await client.getManifest(ref.repository, manifestReference(ref), ACCEPT_MANIFESTS);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) {
      const what = err.code === 'NAME_UNKNOWN' ? `no repository ${ref.repository} on ${ref.registry}` : `${name} not found`;
      throw new WashError(`${what} (HTTP 404)`, 1, err.code === 'MANIFEST_UNKNOWN' && ref.tag ? "see the repository's tags" : undefined);
    }
    throw err;
  }
  if (ref.digest && got.digest !== ref.digest) {
    throw new WashError(`digest mismatch for the manifest of ${name}: got ${got.digest}; nothing was installed`);
  }
  const { manifest, layer } = checkWasmManifest(got.bytes, got.mediaType, name);
  return { ref, manifestDigest: got.digest, layer, annotations: manifest.annotations ?? {} };
}

/** The layer as a verified file in the blob cache; downloads it when not cached. */
export async function pullLayer(
  layout: Layout,
  client: RegistryClient,
  artifact: ResolvedArtifact,
  onProgress?: (bytes: number) => void,
): Promise<{ file: string; cached: boolean }> {
  const { layer } = artifact;
  const dir = blobCacheDir(layout);
  const file = join(dir, layer.digest.slice('sha256:'.length));
  const cachedSize = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (cachedSize === layer.size && (await fileDigest(file).catch(() => '')) === layer.digest) return { file, cached: true };
  if (cachedSize !== -1) await rm(file, { force: true }); // corrupt or truncated: fetch it again

  await mkdir(dir, { recursive: true });
  const tmp = tempSibling(file);
  try {
    await client.downloadBlob(artifact.ref.repository, layer.digest, layer.size, tmp, onProgress);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, cached: false };
}
