/**
 * `wash plugin wit [--out DIR]`: write the contract this wash runs — our
 * package (wit/plugin.wit) and the WASI packages it uses (wit/deps/) — for
 * bindings generators of other languages (wit-bindgen, wit-bindgen-go, ...).
 * Files are written into DIR (default ./wit), each atomically; other files
 * in DIR are left alone, so re-running updates a project's copy.
 */
import type { Command } from 'commander';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { CliContext } from './context.js';
import { PACKAGE_ROOT } from '../plugin-host/versions.js';
import { writeFileAtomic } from '../util/atomic.js';
import { WashError, messageOf } from '../util/errors.js';

export interface WitExport {
  dir: string;
  /** `wash:plugin@x.y.z`. */
  package: string;
  worlds: string[];
  /** The WASI packages written with it, e.g. `wasi:cli@0.2.12`. */
  deps: string[];
  files: string[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

const packageOf = (text: string) => /^\s*package\s+([a-z0-9-]+:[a-z0-9-]+@[^;\s]+)\s*;/m.exec(text)?.[1];

/** Copy wash's WIT into `dir`. */
async function exportWit(dir: string, source = join(PACKAGE_ROOT, 'wit')): Promise<WitExport> {
  const target = resolve(dir);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new WashError(`cannot write the WIT to ${dir}: not a directory`);
  const files = await filesUnder(source);
  const contract = await readFile(join(source, 'plugin.wit'), 'utf8');
  const deps: string[] = [];
  const written: string[] = [];
  for (const file of files) {
    const rel = relative(source, file);
    const text = await readFile(file);
    const pkg = rel.startsWith(`deps${sep}`) && rel.endsWith('.wit') ? packageOf(text.toString('utf8')) : undefined;
    if (pkg) deps.push(pkg);
    const out = join(target, rel);
    try {
      await mkdir(join(out, '..'), { recursive: true });
      await writeFileAtomic(out, text);
    } catch (err) {
      throw new WashError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
    }
    written.push(out);
  }
  return {
    dir: target,
    package: packageOf(contract) ?? 'wash:plugin',
    worlds: [...contract.matchAll(/^\s*world\s+([a-z0-9-]+)\s*\{/gm)].map((m) => m[1]!),
    deps: [...new Set(deps)].sort(),
    files: written,
  };
}

export function registerPluginWit(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('wit')
    .description("Write wash's plugin contract (WIT, with the WASI packages it uses) for bindings generators")
    .option('--out <dir>', 'where to write it', 'wit')
    .action(async (opts: { out: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const result = await exportWit(opts.out);
      ctx.print(result, () =>
        [
          `wrote ${result.package} and ${result.deps.length} WASI packages to ${relative(process.cwd(), result.dir) || '.'}${sep}`,
          `  worlds: ${result.worlds.join(', ')} (most plugins target plugin-guest)`,
          `  WASI:   ${result.deps.join(', ')}`,
          '  guide:  docs/plugin-authoring.md, "Other languages"',
        ].join('\n'),
      );
    });
}
