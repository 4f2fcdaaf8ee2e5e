/**
 * The hidden `wash __complete <words...>` that the completion scripts call
 * (./completion.ts prints them): one candidate per line (`word` or
 * `word<TAB>description`) and a last line `:none`, `:files` or `:dirs` saying
 * whether the shell should add file names. The engine is ./complete.ts;
 * plugins are known from the metadata cache only, so completing costs what
 * `wash --help` costs.
 */
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import { complete, type CompletionWorld, type HostCommand, type HostOption, type ValueKind } from './complete.js';
import { SHELLS } from './completion.js';
import { GLOBAL_OPTION_HELP, HOST_COMMANDS, HOST_COMMAND_HELP } from './host-commands.js';
import { OUTPUT_FORMATS } from './globals.js';
import { LOG_LEVELS } from '../contract/wit.js';
import { byCodeUnits } from '../util/text.js';
import { writeFileAtomic } from '../util/atomic.js';
import { PACKAGE_ROOT, getWashVersion } from '../plugin-host/versions.js';

/** Values of the global options (by long name) that are not free text. */
const GLOBAL_VALUES: Record<string, ValueKind> = {
  '--output': { choices: OUTPUT_FORMATS },
  '--log-level': { choices: LOG_LEVELS },
  '--config': 'files',
  '--allow-read': 'dirs',
  '--allow-write': 'dirs',
};

/** The global options, read from the same table the root help prints. */
function globalOptions(): HostOption[] {
  return GLOBAL_OPTION_HELP.map(([label, description]) => {
    const names = label.split(/[ ,=<]+/).filter((w) => w.startsWith('-'));
    const long = names.find((n) => n.startsWith('--'));
    const short = names.find((n) => !n.startsWith('--'));
    return { long, short, description, takesValue: label.includes('<'), value: (long ? GLOBAL_VALUES[long] : undefined) ?? 'none' };
  });
}

/** Positional arguments of host commands (by path) that complete to something. */
const ARGUMENTS: Record<string, { args: ValueKind[]; rawAfterFirst?: boolean }> = {
  help: { args: ['help'] },
  completion: { args: [{ choices: SHELLS }] },
  'plugin install': { args: ['files'] },
  'plugin tags': { args: ['none'] },
  'plugin push': { args: ['plugins-or-files', 'none'] },
  'plugin update': { args: ['installed'] },
  'plugin uninstall': { args: ['installed'] },
  'plugin test': { args: ['files'], rawAfterFirst: true },
  'plugin inspect': { args: ['plugins-or-files'] },
  'plugin grant': { args: ['plugins'] },
  'plugin revoke': { args: ['plugins'] },
  'plugin permissions': { args: ['plugins'] },
};

/** Option values of host commands (by long name) that complete to something besides their choices. */
const OPTION_VALUES: Record<string, ValueKind> = {
  '--provider': 'providers',
  '--dir': 'dirs',
  '--config': 'files',
  '--read': 'dirs',
  '--write': 'dirs',
};

/** A host command as the completion engine sees it, read from its commander wiring. */
function describeHost(cmd: Command, path: string[] = [cmd.name()]): HostCommand {
  const key = path.join(' ');
  const options: HostOption[] = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      long: o.long,
      short: o.short,
      description: o.description,
      takesValue: o.required || o.optional,
      value: o.argChoices ? { choices: o.argChoices } : ((o.long ? OPTION_VALUES[o.long] : undefined) ?? 'none'),
    }));
  const known = ARGUMENTS[key];
  return {
    name: cmd.name(),
    aliases: [...cmd.aliases()],
    description: cmd.description(),
    options,
    args: known?.args ?? cmd.registeredArguments.map(() => 'none' as const),
    variadic: cmd.registeredArguments.at(-1)?.variadic ?? false,
    rawAfterFirst: known?.rawAfterFirst,
    subcommands: cmd.commands.map((c) => describeHost(c, [...path, c.name()])),
  };
}

/**
 * wash's own commands as the engine sees them. Describing them needs
 * commander and every command's module, which costs more than the rest of a
 * completion; so the description is kept in the cache, for this build of wash.
 */
function hostCommandCache(ctx: CliContext): () => Promise<HostCommand[]> {
  let loaded: Promise<HostCommand[]> | undefined;
  const file = join(ctx.layout.cache, 'completion.json');
  const load = async (): Promise<HostCommand[]> => {
    const build = await stat(join(PACKAGE_ROOT, 'dist', 'wash.js')).then(
      (s) => `${getWashVersion()} ${s.mtimeMs}`,
      () => undefined,
    );
    if (build) {
      try {
        const cached = JSON.parse(await readFile(file, 'utf8')) as { build?: string; commands?: HostCommand[] };
        if (cached.build === build && Array.isArray(cached.commands)) return cached.commands;
      } catch {
        // not cached yet, or unreadable: describe again
      }
    }
    const { buildProgram } = await import('./program.js');
    const commands = buildProgram().commands.map((c) => describeHost(c));
    if (build) await writeFileAtomic(file, JSON.stringify({ build, commands })).catch(() => undefined);
    return commands;
  };
  return () => (loaded ??= load());
}

/** `wash __complete <words...>`: print what may come next. Never fails loudly: a shell is waiting. */
export async function runComplete(ctx: CliContext, words: string[]): Promise<number> {
  const { loadCatalog } = await import('../plugin-host/catalog.js');
  const catalog = await loadCatalog(ctx.layout, { cachedOnly: true, limits: () => ctx.callLimits() }).catch(() => undefined);
  const hostCommands = hostCommandCache(ctx);
  const world: CompletionWorld = {
    globalOptions: globalOptions(),
    hostCommands: HOST_COMMANDS.map((name) => ({ name, description: HOST_COMMAND_HELP[name].description })),
    plugins: [...(catalog?.plugins.values() ?? [])]
      .map((e) => ({ metadata: e.component.metadata, installed: e.source === 'installed' }))
      .sort((a, b) => byCodeUnits(a.metadata.name, b.metadata.name)),
    hostCommand: async (name) => (await hostCommands()).find((c) => c.name === name),
  };
  const result = await complete(world, words);
  const lines = result.candidates.map((c) => (c.description ? `${c.word}\t${c.description.replace(/[\t\n]/g, ' ')}` : c.word));
  process.stdout.write(`${[...lines, `:${result.files ?? 'none'}`].join('\n')}\n`);
  return 0;
}
