import type { Command } from 'commander';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { ensureCompiled } from '../plugin-host/transpile-cache.js';
import { downloadToFile } from '../plugin-host/download.js';
import { tempSibling } from '../util/atomic.js';
import { WashError, UsageError } from '../util/errors.js';
import { shortDigest } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

export function registerPluginInstall(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('install')
    .description('Install a plugin from a file or an http(s) URL')
    .argument('<source>', 'path to a .wasm component, or an http(s):// URL')
    .option('-f, --force', 'replace a plugin of the same name (or shadow a core plugin)')
    .action(async (source: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      if (source.startsWith('oci://')) throw new UsageError('installing from an OCI registry is not supported yet');
      const isUrl = /^https?:\/\//i.test(source);
      let path = isUrl ? undefined : resolve(source);
      let downloaded: string | undefined;
      try {
        if (isUrl) {
          downloaded = path = await downloadToFile(source, join(ctx.layout.downloads, 'plugins'), { quiet: ctx.json });
        }
        const digest = await fileDigest(path!).catch((err: NodeJS.ErrnoException) => {
          throw new WashError(`cannot read ${source}: ${err.code === 'ENOENT' ? 'no such file' : err.code ?? err.message}`);
        });
        const component = await ensureCompiled(ctx.layout, path!, digest, () => ctx.note('checking plugin...'), source);
        const { name, version } = component.metadata;

        const existing = (await ctx.catalog()).plugins.get(name);
        if (existing && !opts.force) {
          const how = existing.source === 'embedded' ? 'a core plugin' : existing.source === 'path' ? 'on WASH_PLUGIN_PATH' : 'installed';
          throw new WashError(`a plugin named '${name}' already exists (${how}, ${existing.file})`, 1, 'use --force to replace it');
        }

        await mkdir(ctx.layout.installedPlugins, { recursive: true });
        const target = join(ctx.layout.installedPlugins, `${name}.wasm`);
        const tmp = tempSibling(target);
        try {
          await copyFile(path!, tmp);
          await rename(tmp, target);
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
        ctx.print({ name, version, digest, file: target, source }, () => `installed ${esc(name)} ${esc(version)} (${shortDigest(digest)})`);
      } finally {
        if (downloaded) await rm(downloaded, { force: true });
      }
    });
}
