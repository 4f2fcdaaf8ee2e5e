import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { compileOptionsFor, ensureCompiled, type CachedComponent } from '../plugin-host/transpile-cache.js';
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
    [
      'commands',
      m.commands
        .map((c) => c.path.join(' ') || '(top level)')
        .map((w) => esc(w))
        .join(', ') || '-',
    ],
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
      // A bare word is a plugin's name when there is one (a directory of that name here does not count);
      // a path (with '/' or '.wasm', or a bare word naming no plugin) must be a file.
      const entry = isBareWord(target) ? (await ctx.catalog()).plugins.get(target) : undefined;
      if (entry) {
        component = entry.component;
        file = entry.file;
      } else if (isBareWord(target) && !(await isFile(target))) {
        throw new WashError(`no plugin named '${target}'`, 1, "see 'wash plugin list' (or give a path to a .wasm file)");
      } else {
        file = resolve(target);
        if (!(await isFile(file))) throw new WashError(`cannot read ${target}: ${existsSync(file) ? 'not a file' : 'no such file'}`);
        const digest = await fileDigest(file).catch((err: NodeJS.ErrnoException) => {
          throw new WashError(`cannot read ${target}: ${err.code ?? err.message}`);
        });
        component = await ensureCompiled(ctx.layout, { file, digest }, compileOptionsFor(ctx, 'preparing plugin...', { label: target }));
      }
      const size = (await stat(file)).size;
      ctx.print({ ...component.metadata, digest: component.digest, file, size, exports: component.exports, imports: component.imports }, () =>
        renderMetadata(component, file, size),
      );
    });
}

const isBareWord = (target: string) => !target.includes('/') && !target.endsWith('.wasm');
const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
