import type { Command } from 'commander';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import { fetchArtifact, installComponent } from './plugin-install.js';
import { addRegistryOptions, type RegistryCommandOptions } from './registry-options.js';
import type { RegistryClient } from '../plugin-host/oci/client.js';
import type { AccessRequest } from '../contract/metadata.js';
import { UsageError, WashError, messageOf } from '../util/errors.js';
import { shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { tagVersion } from '../plugin-host/oci/tags.js';
import { redactUrl } from '../plugin-host/net/urls.js';

interface UpdateOptions extends RegistryCommandOptions {
  all?: boolean;
  major?: boolean;
  dryRun?: boolean;
}

interface Side {
  version: string;
  plugin_version?: string;
  tag?: string;
  digest: string;
  source: string;
  manifest_digest?: string;
}

export interface UpdateResult {
  name: string;
  status: 'updated' | 'would-update' | 'up-to-date' | 'skipped' | 'failed';
  from?: Side;
  to?: Side;
  /** A newer version outside the compatible range (without --major). */
  newer_major?: string;
  /** Access the new version asks for that the old one did not (asked about at its first use). */
  new_access?: string[];
  /** Its recorded grants moved to the new component (same repository). */
  kept_grants?: boolean;
  reason?: string;
}

type Semver = typeof import('semver');

/**
 * The highest tag newer than `current` that is compatible with it (caret
 * semantics: same major, or same minor for 0.x) or, with `major`, any newer
 * one. Prereleases only when `current` is one.
 */
export function pickUpdate(
  semver: Semver,
  tags: readonly string[],
  current: string,
  major: boolean,
): { best?: { tag: string; version: string }; newerMajor?: string } {
  const allowPre = semver.prerelease(current) !== null;
  const newer = tags
    .map((tag) => ({ tag, version: tagVersion(tag) }))
    .filter((c): c is { tag: string; version: string } => c.version !== undefined)
    .filter((c) => (allowPre || semver.prerelease(c.version) === null) && semver.gt(c.version, current))
    // Highest first; for equal versions prefer the tag spelled exactly as the version.
    .sort((a, b) => semver.rcompare(a.version, b.version) || Number(b.tag === b.version) - Number(a.tag === a.version));
  const compatible = newer.filter((c) => semver.satisfies(c.version, `^${current}`, { includePrerelease: allowPre }));
  const best = major ? newer[0] : compatible[0];
  const newerMajor = !major && newer[0] && newer[0] !== best ? newer[0].version : undefined;
  return { best, newerMajor };
}

/** Access items as comparable strings. */
function accessItems(a: AccessRequest): string[] {
  return [
    ...a.env.map((e) => `env ${e.name}`),
    ...(a.scratchDir !== undefined ? ['scratch dir'] : []),
    ...a.paths.map((p) => `${p.access === 'read-write' ? 'write' : 'read'} ${p.path}`),
    ...a.outgoingHttp.map((h) => `net ${h.host}`),
    ...a.hostExec.map((h) => `exec ${h.binary}`),
    ...(a.incomingHttp !== undefined ? ['listen'] : []),
  ];
}

async function updateOne(ctx: CliContext, name: string, opts: UpdateOptions, clients: Map<string, RegistryClient>, semver: Semver): Promise<UpdateResult> {
  const { readProvenance } = await import('../plugin-host/oci/provenance.js');
  const { isOciReference, parseReference, formatReference } = await import('../plugin-host/oci/reference.js');
  const { fileDigest } = await import('../plugin-host/digest.js');
  const wasm = join(ctx.layout.installedPlugins, `${name}.wasm`);
  if (
    !(await access(wasm).then(
      () => true,
      () => false,
    ))
  ) {
    throw new WashError(`no installed plugin named '${esc(name)}'`, 1, "see 'wash plugin list'");
  }
  const prov = await readProvenance(ctx.layout, name);
  if (!prov) {
    throw new WashError(`'${name}' has no record of where it was installed from`, 1, 'reinstall it with wash plugin install --force oci://...');
  }
  if (!isOciReference(prov.source)) {
    // A sidecar written before URLs were redacted may still hold a signed URL's secrets: never shown.
    return { name, status: 'skipped', reason: `installed from ${esc(redactUrl(prov.source))}, not from a registry` };
  }
  if ((await fileDigest(wasm)) !== prov.digest) {
    throw new WashError(`'${name}' was changed since it was installed from ${prov.source}`, 1, `reinstall it: wash plugin install --force ${prov.source}`);
  }
  const ref = parseReference(prov.source);
  const tag = prov.tag ?? ref.tag;
  const current = tagVersion(tag) ?? tagVersion(prov.version);
  if (!current) {
    throw new WashError(
      `cannot tell which version of '${name}' is installed: neither its tag '${tag ?? '-'}' nor its version '${esc(prov.version)}' is a semver version`,
    );
  }
  const from: Side = { version: current, plugin_version: prov.version, tag, digest: prov.digest, source: prov.source, manifest_digest: prov.manifest_digest };

  let client = clients.get(ref.registry);
  if (!client) {
    const { openRegistry } = await import('./registry-session.js');
    client = await openRegistry(ctx, ref.registry, opts);
    clients.set(ref.registry, client);
  }
  const tags = await client.listTags(ref.repository);
  const { best, newerMajor } = pickUpdate(semver, tags, current, Boolean(opts.major));
  const extra = newerMajor ? { newer_major: newerMajor } : {};
  if (!best) return { name, status: 'up-to-date', from, ...extra };

  const target = { registry: ref.registry, repository: ref.repository, tag: best.tag };
  const label = formatReference(target);
  if (opts.dryRun) {
    const { resolveArtifact } = await import('../plugin-host/oci/pull.js');
    const artifact = await resolveArtifact(client, target);
    const to: Side = { version: best.version, tag: best.tag, digest: artifact.layer.digest, source: label, manifest_digest: artifact.manifestDigest };
    return { name, status: 'would-update', from, to, ...extra };
  }
  const { artifact, file } = await fetchArtifact(ctx, client, target);
  const installed = await installComponent(ctx, {
    path: file,
    digest: artifact.layer.digest,
    label,
    force: true,
    replacing: name,
    provenance: { source: label, tag: best.tag, manifest_digest: artifact.manifestDigest },
  });
  const to: Side = {
    version: best.version,
    plugin_version: installed.version,
    tag: best.tag,
    digest: installed.digest,
    source: label,
    manifest_digest: artifact.manifestDigest,
  };
  const result: UpdateResult = { name, status: 'updated', from, to, ...extra };
  // An update from the same repository is the same plugin moving on: grants given to the version
  // it replaces move with it. Anything new it asks for is asked about at its first use.
  const { grantSubjectOf } = await import('../plugin-host/plugin-identity.js');
  const { readConfig } = await import('../sandbox/config.js');
  const { writeGrants } = await import('../sandbox/grant-store.js');
  const subject = await grantSubjectOf(ctx.layout, { source: 'installed', file: installed.file, digest: installed.digest });
  if ((await readConfig(ctx.configFile)).grants[subject.identity.key]?.digest === prov.digest) {
    await writeGrants(ctx.configFile, subject, (current) => current);
    result.kept_grants = true;
  }
  // Whatever is not granted yet is asked about when first used; say so now.
  try {
    const { cachedMetadata } = await import('../plugin-host/transpile-cache.js');
    const [before, after] = await Promise.all([cachedMetadata(ctx.layout, { digest: prov.digest }), cachedMetadata(ctx.layout, { digest: installed.digest })]);
    if (before && after) {
      const old = new Set(accessItems(before.metadata.access));
      const added = accessItems(after.metadata.access).filter((item) => !old.has(item));
      if (added.length) result.new_access = added;
    }
  } catch {
    // informational only
  }
  return result;
}

function describe(r: UpdateResult): string {
  const digests = (from: Side, to: Side) => (from.digest === to.digest ? 'same component' : `${shortDigest(from.digest)} → ${shortDigest(to.digest)}`);
  const major = r.newer_major ? ` (${r.newer_major} is available: --major)` : '';
  switch (r.status) {
    case 'updated':
      return [
        `${r.name}  ${r.from!.version} → ${r.to!.version}  (${digests(r.from!, r.to!)})${major}`,
        ...(r.kept_grants ? [`  kept its grants (same repository${r.new_access?.length ? '' : ', nothing new requested'})`] : []),
        ...(r.new_access?.length
          ? [`  ${r.name} ${r.to!.version} asks for more access, asked about when it first uses it: ${r.new_access.map((a) => esc(a)).join(', ')}`]
          : []),
      ].join('\n');
    case 'would-update':
      return `${r.name}  ${r.from!.version} → ${r.to!.version}  (${digests(r.from!, r.to!)}; dry run, nothing changed)${major}`;
    case 'up-to-date':
      return `${r.name}  ${r.from!.version} is the newest compatible version${major}`;
    case 'skipped':
      return `${r.name}  skipped: ${r.reason}`;
    case 'failed':
      return `${r.name}  failed: ${r.reason}`;
  }
}

export function registerPluginUpdate(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  const update = plugin
    .command('update')
    .description('Update plugins installed from an OCI registry to the newest compatible version')
    .argument('[name]', 'the plugin to update')
    .option('--all', 'update every plugin installed from a registry')
    .option('--major', 'allow a new major version (default: same major; same minor for 0.x)')
    .option('--dry-run', 'show what would change, change nothing');
  addRegistryOptions(update).action(async (name: string | undefined, opts: UpdateOptions, cmd: Command) => {
    const ctx = ctxOf(cmd);
    if (!name && !opts.all) throw new UsageError('name a plugin to update, or pass --all');
    if (name && opts.all) throw new UsageError('give a plugin name or --all, not both');
    const semver = (await import('semver')).default;
    const { namesWithProvenance } = await import('../plugin-host/oci/provenance.js');
    const names = name
      ? [name]
      : (
          await Promise.all(
            (await namesWithProvenance(ctx.layout)).map(async (n) =>
              (await access(join(ctx.layout.installedPlugins, `${n}.wasm`)).then(
                () => true,
                () => false,
              ))
                ? [n]
                : [],
            ),
          )
        ).flat();
    const clients = new Map<string, RegistryClient>();
    const results: UpdateResult[] = [];
    try {
      for (const n of names) {
        try {
          results.push(await updateOne(ctx, n, opts, clients, semver));
        } catch (err) {
          if (name) throw err;
          results.push({ name: n, status: 'failed', reason: messageOf(err) });
        }
      }
    } finally {
      await Promise.all([...clients.values()].map((c) => c.close()));
    }
    if (name && results[0]?.status === 'skipped') throw new WashError(`'${name}' was ${results[0].reason}; only plugins installed from oci:// can be updated`);
    ctx.print(name ? results[0] : results, () => (results.length ? results.map(describe).join('\n') : 'no plugins installed from a registry'));
    const failed = results.filter((r) => r.status === 'failed').length;
    if (failed) throw new WashError(`${failed} of ${results.length} updates failed`);
  });
}
