/**
 * The wasm OCI artifact (CNCF TAG Runtime "wasm-oci-artifact"): an OCI image
 * manifest whose config is `application/vnd.wasm.config.v0+json` and whose
 * one layer is the component, `application/wasm`. Building it for push and
 * checking what a registry hands us on pull.
 */
import { WashError } from '../../util/errors.js';
import { listCapped } from '../../util/text.js';
import { escapeUntrusted as esc } from '../../util/untrusted.js';
import type { Metadata } from '../../contract/metadata.js';
import { MAX_PLUGIN_BYTES } from '../net/limits.js';
import { SHA256_DIGEST } from './reference.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  wasmConfig: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
} as const;

/** What we ask for on pull: the manifests we read, and the indexes we refuse with a clear message. */
export const ACCEPT_MANIFESTS = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList] as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

const ANNOTATION = {
  title: 'org.opencontainers.image.title',
  version: 'org.opencontainers.image.version',
  description: 'org.opencontainers.image.description',
  source: 'org.opencontainers.image.source',
  licenses: 'org.opencontainers.image.licenses',
  created: 'org.opencontainers.image.created',
} as const;

/** The config blob: created, architecture/os, layer digests, and the component's world. */
export function wasmConfig(options: { created: Date; layerDigest: string; exports: string[]; imports: string[] }): Buffer {
  const config = {
    created: options.created.toISOString(),
    architecture: 'wasm',
    os: 'wasip2',
    layerDigests: [options.layerDigest],
    component: { exports: options.exports, imports: options.imports, target: null },
  };
  return Buffer.from(JSON.stringify(config));
}

/** Annotations from the plugin's `info`; empty values are left out. */
export function annotationsFor(metadata: Metadata, created: Date): Record<string, string> {
  const pairs: [string, string][] = [
    [ANNOTATION.title, metadata.name],
    [ANNOTATION.version, metadata.version],
    [ANNOTATION.description, metadata.description],
    [ANNOTATION.source, metadata.url ?? ''],
    [ANNOTATION.licenses, metadata.license ?? ''],
    [ANNOTATION.created, created.toISOString()],
  ];
  return Object.fromEntries(pairs.filter(([, v]) => v.trim() !== ''));
}

export function buildManifest(config: Descriptor, layer: Descriptor, annotations: Record<string, string>): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config,
    layers: [layer],
    annotations,
  };
  return Buffer.from(JSON.stringify(manifest));
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || typeof d.size !== 'number') {
    throw new WashError(`${where} is not a valid descriptor`);
  }
  return d as Descriptor;
}

/**
 * Parse a manifest and check it is a wasm component artifact; returns it and
 * its one layer. `ref` names the artifact in messages.
 */
export function checkWasmManifest(bytes: Buffer, contentType: string, ref: string): { manifest: ImageManifest; layer: Descriptor } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WashError(`${ref}: the registry sent a manifest that is not JSON`);
  }
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType;
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || Array.isArray(doc.manifests)) {
    throw new WashError(
      `${ref} is an image index (a multi-platform image), not a wasm component artifact`,
      1,
      'wash plugins are published as one OCI manifest with one application/wasm layer',
    );
  }
  if (doc.schemaVersion !== 2 || (mediaType !== MEDIA.ociManifest && mediaType !== MEDIA.dockerManifest && mediaType !== '')) {
    throw new WashError(`${ref} has an unsupported manifest type '${esc(mediaType.slice(0, 200)) || 'unknown'}'`);
  }
  const config = descriptor(doc.config, `${ref}: config`);
  if (!Array.isArray(doc.layers)) throw new WashError(`${ref}: the manifest has no layers`);
  const layers = doc.layers.map((l, i) => descriptor(l, `${ref}: layer ${i}`));
  const wasm = layers.filter((l) => l.mediaType === MEDIA.wasmLayer);
  if (wasm.length !== 1 || layers.length !== 1) {
    // The registry's text, escaped; a manifest with thousands of layers does not make a thousand-line error.
    const kinds = listCapped(layers.map((l) => esc(l.mediaType.slice(0, 100)))) || 'none';
    const container = /image\.config|container\.image/.test(config.mediaType) ? ' (it looks like a container image)' : '';
    throw new WashError(`${ref} is not a wasm component artifact${container}: its layers are ${kinds}, expected one ${MEDIA.wasmLayer} layer`);
  }
  const layer = wasm[0]!;
  if (!SHA256_DIGEST.test(layer.digest)) throw new WashError(`${ref}: unsupported layer digest '${esc(layer.digest.slice(0, 100))}' (only sha256)`);
  if (!Number.isSafeInteger(layer.size) || layer.size <= 0) throw new WashError(`${ref}: the layer has an invalid size`);
  if (layer.size > MAX_PLUGIN_BYTES) throw new WashError(`${ref}: the component is ${layer.size} bytes, larger than a plugin may be`);
  // Only string values: whoever shows an annotation still escapes it (it is the registry's text).
  const annotations =
    doc.annotations && typeof doc.annotations === 'object' && !Array.isArray(doc.annotations)
      ? (Object.fromEntries(Object.entries(doc.annotations).filter(([, v]) => typeof v === 'string')) as Record<string, string>)
      : undefined;
  return { manifest: { schemaVersion: 2, mediaType, config, layers, annotations }, layer };
}
