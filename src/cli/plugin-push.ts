import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { compileOptionsFor, ensureCompiled } from '../plugin-host/transpile-cache.js';
import { addRegistryOptions, type RegistryCommandOptions } from './registry-options.js';
import { UsageError, WashError } from '../util/errors.js';
import { humanBytes, shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

interface PushOptions extends RegistryCommandOptions {
  chunkSize?: string;
  force?: boolean;
}

/** `65536`, `64k`, `16MiB`... as bytes. */
function parseSize(text: string): number {
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  const unit = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 }[(m?.[2] ?? 'b').toLowerCase() as 'b'];
  const bytes = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`--chunk-size: '${text}' is not a size (e.g. 65536, 512k, 16MiB)`);
  return bytes;
}

/** A file path, or the name of a plugin wash knows (installed, core or on WASH_PLUGIN_PATH). */
async function componentFile(ctx: CliContext, what: string): Promise<{ file: string; digest: string; size: number; mtime: Date }> {
  const path = resolve(what);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return { file: path, digest: await fileDigest(path), size: info.size, mtime: info.mtime };
  if (what.includes('/') || what.endsWith('.wasm')) throw new WashError(`cannot read ${what}: no such file`);
  const entry = (await ctx.catalog()).plugins.get(what);
  if (!entry) throw new WashError(`no file or plugin named '${what}'`, 1, "see 'wash plugin list'");
  const s = await stat(entry.file);
  return { file: entry.file, digest: entry.digest, size: s.size, mtime: s.mtime };
}

export function registerPluginPush(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  const push = plugin
    .command('push')
    .description('Publish a plugin to an OCI registry as a wasm component artifact')
    .argument('<plugin>', 'a .wasm component file, or the name of a plugin wash knows')
    .argument('<reference>', "oci://<registry>/<repository>[:<tag>] (the tag defaults to the plugin's version)")
    .option('--chunk-size <size>', 'upload in chunks of this size (default: one request)')
    .option('-f, --force', 'move the tag even if it already holds a different component');
  addRegistryOptions(push).action(async (what: string, reference: string, opts: PushOptions, cmd: Command) => {
    const ctx = ctxOf(cmd);
    const { parseReference, formatReference } = await import('../plugin-host/oci/reference.js');
    const ref = parseReference(reference);
    if (ref.digest) throw new UsageError(`push to a tag, not a digest: ${reference}`, 'the digest of what you push is printed when it is done');
    const chunkSize = opts.chunkSize === undefined ? undefined : parseSize(opts.chunkSize);

    const source = await componentFile(ctx, what);
    const component = await ensureCompiled(ctx.layout, source, compileOptionsFor(ctx, 'checking plugin...', { label: what }));
    const { metadata } = component;
    let tag = ref.tag;
    if (!tag) {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(metadata.version)) {
        throw new UsageError(`the plugin's version '${esc(metadata.version)}' cannot be a tag; give one: ${reference}:<tag>`);
      }
      tag = metadata.version;
    }
    const target = { ...ref, tag };
    const epoch = Number(process.env.SOURCE_DATE_EPOCH);
    const created = Number.isFinite(epoch) && process.env.SOURCE_DATE_EPOCH ? new Date(epoch * 1000) : source.mtime;

    const { openRegistry } = await import('./registry-session.js');
    const { pushPlugin } = await import('../plugin-host/oci/push.js');
    const { progressLine } = await import('../output/progress.js');
    const client = await openRegistry(ctx, ref.registry, opts);
    const progress = progressLine(`pushing ${shortDigest(source.digest)}`, source.size, { enabled: !ctx.json });
    let result: Awaited<ReturnType<typeof pushPlugin>>;
    try {
      result = await pushPlugin(
        client,
        target,
        { ...source, metadata, exports: component.exports, imports: component.imports, created },
        { chunkSize, force: Boolean(opts.force), onProgress: (n) => progress.update(n) },
      );
    } finally {
      progress.finish();
      await client.close();
    }
    const label = formatReference(target);
    ctx.print(
      {
        name: metadata.name,
        version: metadata.version,
        reference: label,
        digest: result.manifestDigest,
        layer: { digest: result.layer.digest, size: result.layer.size },
        config: { digest: result.config.digest, size: result.config.size },
        uploaded: result.uploaded,
        skipped: result.skipped,
      },
      () =>
        [
          `pushed ${esc(metadata.name)} ${esc(metadata.version)} to ${label} (${humanBytes(source.size)}; ${result.uploaded.length} blob${result.uploaded.length === 1 ? '' : 's'} uploaded, ${result.skipped.length} already there)`,
          `digest ${result.manifestDigest}`,
        ].join('\n'),
    );
  });
}
