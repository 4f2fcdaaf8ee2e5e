import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { ensureCompiled, type CachedComponent } from '../plugin-host/transpile-cache.js';
import { describeAccess } from '../output/plugin-help.js';
import { adapterFor } from '../plugin-host/adapters/index.js';
import { WashError } from '../util/errors.js';
import { humanBytes } from '../util/text.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold } from '../util/style.js';

/** Text view of a component's metadata, access, imports and exports. */
export function renderMetadata(component: CachedComponent, file: string, size?: number): string {
  const m = component.metadata;
  const pairs: [string, string][] = [
    ['name', esc(m.name)],
    ['id', esc(m.id)],
    ['version', esc(m.version)],
    ['description', esc(m.description)],
    ['contact', m.contact ? esc(m.contact) : '-'],
    ['url', m.url ? esc(m.url) : '-'],
    ['license', m.license ? esc(m.license) : '-'],
    ['digest', component.digest],
    ['file', file],
    ...(size !== undefined ? [['size', humanBytes(size)] as [string, string]] : []),
    ['commands', m.commands.map((c) => c.path.join(' ') || '(top level)').map((w) => esc(w)).join(', ') || '-'],
    ['hooks', m.hooks.join(', ') || '-'],
    ...adapterFor(component.contract).inspectRows({ metadata: m, info: component.foreign }),
    ['credentials', m.providesCredentials ? 'provides (authenticate)' : 'no'],
  ];
  const access = describeAccess(m);
  return [
    ...pairs.map(([k, v]) => `${bold(k.padEnd(12))} ${v}`),
    '',
    bold('access requested:'),
    ...(access.length ? access.map(([k, v]) => `  ${k}  ${v}`) : ['  nothing']),
    '',
    bold('exports:'),
    ...component.exports.map((e) => `  ${e}`),
    '',
    bold('imports:'),
    ...component.imports.map((e) => `  ${e}`),
  ].join('\n');
}

export function registerPluginInspect(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('inspect')
    .description("Show a plugin's metadata, requested access, digest, size, imports and exports")
    .argument('<name|file>', 'an installed plugin name or a .wasm file')
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      let component: CachedComponent;
      let file: string;
      const looksLikeFile = target.endsWith('.wasm') || target.includes('/') || existsSync(target);
      if (looksLikeFile) {
        file = resolve(target);
        const digest = await fileDigest(file).catch(() => {
          throw new WashError(`cannot read ${target}: no such file`);
        });
        component = await ensureCompiled(ctx.layout, file, digest, () => ctx.note('preparing plugin...'), target);
      } else {
        const entry = (await ctx.catalog()).plugins.get(target);
        if (!entry) throw new WashError(`no plugin named '${target}'`, 1, "see 'wash plugin list'");
        component = entry.component;
        file = entry.file;
      }
      const size = (await stat(file)).size;
      ctx.print({ ...component.metadata, digest: component.digest, file, size, exports: component.exports, imports: component.imports }, () =>
        renderMetadata(component, file, size),
      );
    });
}
