/**
 * OCI references as wash writes them: `oci://<registry>/<repository>:<tag>`,
 * `oci://<registry>/<repository>@sha256:<hex>` (or both: the digest wins and
 * the tag is kept for display). The grammar follows distribution/reference.
 */
import { UsageError } from '../../util/errors.js';

export interface OciReference {
  /** host[:port], as written (lower-cased host). */
  registry: string;
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

const HOST_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY = new RegExp(`^(?:${HOST_PART}(?:\\.${HOST_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A tag exactly as the distribution spec allows it (no trimming anywhere). */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

const HINT = 'expected oci://<registry>/<repository>:<tag> or oci://<registry>/<repository>@sha256:<digest>';

export function isOciReference(text: string): boolean {
  return /^oci:\/\//i.test(text);
}

/** Parse a reference; `oci://` is optional unless `requireScheme`. Throws UsageError naming the problem. */
export function parseReference(input: string, options: { requireScheme?: boolean } = {}): OciReference {
  const bad = (why: string) => new UsageError(`invalid OCI reference '${input}': ${why}`, HINT);
  let rest = input.trim();
  if (isOciReference(rest)) rest = rest.slice('oci://'.length);
  else if (options.requireScheme) throw bad('it must start with oci://');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) throw bad('only oci:// references are supported');

  const slash = rest.indexOf('/');
  if (slash <= 0) throw bad('no repository (a registry host, then a path)');
  const registry = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  const port = /:(\d+)$/.exec(registry)?.[1];
  if (!REGISTRY.test(registry) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) throw bad(`'${registry}' is not a registry host`);

  let digest: string | undefined;
  const at = path.lastIndexOf('@');
  if (at !== -1) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!digest.startsWith('sha256:')) throw bad(`unsupported digest '${digest}' (only sha256 is supported)`);
    if (!SHA256_DIGEST.test(digest)) throw bad(`'${digest}' is not a sha256 digest (64 lower-case hex digits)`);
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon !== -1 && colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`'${tag}' is not a valid tag`);
  }
  if (path.length === 0) throw bad('no repository');
  if (path.length > 255) throw bad('the repository name is longer than 255 characters');
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw bad(`'${component}' is not a valid repository path component (lower-case letters, digits, and . _ - between them)`);
    }
  }
  return { registry, repository: path, tag, digest };
}

export function formatReference(ref: OciReference): string {
  return `oci://${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What to ask the registry for: the digest when known, else the tag (default `latest`). */
export function manifestReference(ref: OciReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The host without its port (brackets kept off IPv6). */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}

/** localhost and loopback addresses are spoken to over plain HTTP, on any port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHostname(registry);
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Where the registry API lives: Docker Hub's names map to its API host. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}
