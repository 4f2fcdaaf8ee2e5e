import type { Command } from 'commander';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { compileOptionsFor, ensureCompiled } from '../plugin-host/transpile-cache.js';
import { downloadToFile } from '../plugin-host/download.js';
import { readNetLimits } from '../plugin-host/net/limits.js';
import { redactUrl } from '../plugin-host/net/urls.js';
import { addRegistryOptions, type RegistryCommandOptions } from './registry-options.js';
import type { Provenance } from '../plugin-host/oci/provenance.js';
import type { OciReference } from '../plugin-host/oci/reference.js';
import type { RegistryClient } from '../plugin-host/oci/client.js';
import type { ResolvedArtifact } from '../plugin-host/oci/pull.js';
import { tempSibling } from '../util/atomic.js';
import { WashError, messageOf } from '../util/errors.js';
import { shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { isReservedId } from '../sandbox/identity.js';

export interface InstallRequest {
  /** The component file (left where it is: it is copied). */
  path: string;
  digest: string;
  /** How to name it in messages. */
  label: string;
  force: boolean;
  /** Updating: the component must still be this plugin, and replaces it without --force. */
  replacing?: string;
  provenance: Pick<Provenance, 'source' | 'tag' | 'manifest_digest'>;
}

export interface Installed {
  name: string;
  version: string;
  digest: string;
  file: string;
}

/**
 * Validate a component as a wash plugin, check for a name collision, move it
 * into the install dir atomically and record where it came from. Nothing in
 * the install dir changes unless every check passed.
 */
export async function installComponent(ctx: CliContext, request: InstallRequest): Promise<Installed> {
  const component = await ensureCompiled(
    ctx.layout,
    { file: request.path, digest: request.digest },
    compileOptionsFor(ctx, 'checking plugin...', { label: request.label }),
  );
  const { name, version, id } = component.metadata;
  // The declared id is informational, but two installed plugins claiming one id would confuse
  // every user who reads it, and wash's own ids are not anybody's to take.
  if (isReservedId(id)) {
    throw new WashError(`${request.label} claims the id '${esc(id)}', which is reserved for wash's core plugins; nothing was installed`);
  }
  const catalog = await ctx.catalog();
  const sameId = [...catalog.plugins.values()]
    .flatMap((e) => [e, ...e.shadows])
    .find((e) => e.source === 'installed' && e.component.metadata.id === id && basename(e.file) !== `${name}.wasm`);
  if (sameId) {
    throw new WashError(
      `${request.label} claims the id '${esc(id)}' of the installed plugin '${esc(sameId.component.metadata.name)}'; nothing was installed`,
      1,
      `uninstall '${esc(sameId.component.metadata.name)}' first if this is meant to replace it`,
    );
  }

  if (request.replacing !== undefined) {
    if (name !== request.replacing) {
      throw new WashError(`${request.label} is a plugin named '${esc(name)}', not '${request.replacing}'; nothing was installed`);
    }
  } else {
    const existing = catalog.plugins.get(name);
    if (existing && !request.force) {
      const how = existing.source === 'embedded' ? 'a core plugin' : existing.source === 'path' ? 'on WASH_PLUGIN_PATH' : 'installed';
      throw new WashError(`a plugin named '${name}' already exists (${how}, ${existing.file})`, 1, 'use --force to replace it');
    }
  }

  await mkdir(ctx.layout.installedPlugins, { recursive: true });
  const target = join(ctx.layout.installedPlugins, `${name}.wasm`);
  const tmp = tempSibling(target);
  try {
    await copyFile(request.path, tmp);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    const { writeProvenance } = await import('../plugin-host/oci/provenance.js');
    await writeProvenance(ctx.layout, name, {
      source: request.provenance.source,
      digest: request.digest,
      version,
      installed_at: new Date().toISOString(),
      ...(request.provenance.tag ? { tag: request.provenance.tag } : {}),
      ...(request.provenance.manifest_digest ? { manifest_digest: request.provenance.manifest_digest } : {}),
    });
  } catch (err) {
    ctx.note(`warning: installed ${name}, but could not record where it came from: ${messageOf(err)}`);
  }
  const { runHooks } = await import('./hooks.js');
  await runHooks(ctx, 'after-install', {
    'plugin.name': name,
    'plugin.version': version,
    'plugin.digest': request.digest,
    'plugin.source': request.provenance.source,
  });
  return { name, version, digest: request.digest, file: target };
}

/** Resolve a reference and get its component into the blob cache, with a progress line on a TTY. */
export async function fetchArtifact(ctx: CliContext, client: RegistryClient, ref: OciReference): Promise<{ artifact: ResolvedArtifact; file: string }> {
  const { resolveArtifact, pullLayer } = await import('../plugin-host/oci/pull.js');
  const { progressLine } = await import('../output/progress.js');
  const artifact = await resolveArtifact(client, ref);
  const progress = progressLine(`pulling ${shortDigest(artifact.layer.digest)}`, artifact.layer.size, { enabled: !ctx.json });
  try {
    const { file } = await pullLayer(ctx.layout, client, artifact, (n) => progress.update(n));
    return { artifact, file };
  } finally {
    progress.finish();
  }
}

async function installFromRegistry(ctx: CliContext, source: string, opts: InstallOptions) {
  const { parseReference, formatReference } = await import('../plugin-host/oci/reference.js');
  const { openRegistry } = await import('./registry-session.js');
  const given = parseReference(source, { requireScheme: true });
  const client = await openRegistry(ctx, given.registry, opts);
  try {
    const ref = given.tag || given.digest ? given : { ...given, tag: await newestTagOf(ctx, client, given) };
    const label = formatReference(ref);
    const { artifact, file } = await fetchArtifact(ctx, client, ref);
    const installed = await installComponent(ctx, {
      path: file,
      digest: artifact.layer.digest,
      label,
      force: Boolean(opts.force),
      provenance: { source: label, tag: ref.tag, manifest_digest: artifact.manifestDigest },
    });
    ctx.print(
      { ...installed, source: label, manifest_digest: artifact.manifestDigest },
      () => `installed ${esc(installed.name)} ${esc(installed.version)} (${shortDigest(installed.digest)}) from ${label}`,
    );
  } finally {
    await client.close();
  }
}

/**
 * A reference without a tag or digest means the newest version, as
 * `npm install name` does: the highest semver tag (a release before a
 * prerelease); `latest` only when no tag is a version.
 */
async function newestTagOf(ctx: CliContext, client: RegistryClient, ref: OciReference): Promise<string> {
  const { formatReference } = await import('../plugin-host/oci/reference.js');
  const { newestTag } = await import('../plugin-host/oci/tags.js');
  const tags = await client.listTags(ref.repository);
  const tag = newestTag(tags) ?? (tags.includes('latest') ? 'latest' : undefined);
  const repository = formatReference(ref);
  if (!tag) {
    throw new WashError(
      tags.length === 0 ? `${repository} has no tags` : `${repository} has no tag that is a version, and no 'latest'`,
      1,
      tags.length === 0 ? undefined : `name one: ${repository}:<tag> (see 'wash plugin tags ${repository}')`,
    );
  }
  ctx.note(`${repository}: newest version is ${esc(tag)}`);
  return tag;
}

interface InstallOptions extends RegistryCommandOptions {
  force?: boolean;
}

export function registerPluginInstall(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  const install = plugin
    .command('install')
    .description('Install a plugin from a file, an http(s) URL or an OCI registry')
    .argument('<source>', 'a .wasm component, an http(s):// URL, or oci://<registry>/<repository>:<tag> (or @sha256:<digest>)')
    .option('-f, --force', 'replace a plugin of the same name (or shadow a core plugin)');
  addRegistryOptions(install).action(async (source: string, opts: InstallOptions, cmd: Command) => {
    const ctx = ctxOf(cmd);
    if (/^oci:\/\//i.test(source)) return installFromRegistry(ctx, source, opts);
    const isUrl = /^https?:\/\//i.test(source);
    // A URL's userinfo and query (a signed URL's secret) are never recorded, printed or given to hooks.
    const shown = isUrl ? redactUrl(source) : source;
    let path = isUrl ? undefined : resolve(source);
    let downloaded: string | undefined;
    try {
      if (isUrl) {
        const limits = await readNetLimits(ctx.configFile, (text) => ctx.note(text));
        downloaded = path = await downloadToFile(source, join(ctx.layout.downloads, 'plugins'), { quiet: ctx.json, limits });
      }
      const digest = await fileDigest(path!).catch((err: NodeJS.ErrnoException) => {
        throw new WashError(`cannot read ${esc(shown)}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`);
      });
      const installed = await installComponent(ctx, {
        path: path!,
        digest,
        label: esc(shown),
        force: Boolean(opts.force),
        provenance: { source: isUrl ? shown : path! },
      });
      ctx.print({ ...installed, source: shown }, () => `installed ${esc(installed.name)} ${esc(installed.version)} (${shortDigest(digest)})`);
    } finally {
      if (downloaded) await rm(downloaded, { force: true });
    }
  });
}
