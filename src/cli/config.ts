import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { DEFAULT_SETTINGS, SETTING_KEYS, interpretConfig, readDocument, validateConfigFile } from '../sandbox/config.js';
import { WashError } from '../util/errors.js';

export function registerConfig(program: Command, ctxOf: (cmd: Command) => CliContext) {
  const config = program.command('config').description('Show and check the wash config file').helpCommand(false);

  config
    .command('path')
    .description('Print where the config file is (it may not exist yet)')
    .action((_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      ctx.print({ path: ctx.configFile }, () => ctx.configFile);
    });

  config
    .command('show')
    .description('Print the config as TOML, with the keys the file uses: settings (defaults filled in), registries (passwords hidden), grants')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const view = await configView(ctx.configFile);
      const { stringify } = await import('smol-toml');
      ctx.print(view, () => `# ${ctx.configFile}\n${stringify(view).trim()}`);
    });

  config
    .command('validate')
    .description('Check the config file: TOML syntax (with line and column), unknown keys, wrong types')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const exists = await readFile(ctx.configFile).then(
        () => true,
        () => false,
      );
      const problems = await validateConfigFile(ctx.configFile); // throws with line:column on a syntax error
      const errors = problems.filter((p) => p.severity === 'error');
      ctx.print({ path: ctx.configFile, exists, valid: errors.length === 0, problems }, () =>
        problems.length === 0
          ? `${ctx.configFile}: ${exists ? 'valid' : 'does not exist (defaults apply)'}`
          : [
              ...problems.map((p) => `${ctx.configFile}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.path}: ${p.message}`),
              ...(errors.length === 0 ? [`${ctx.configFile}: valid (${problems.length} warning${problems.length > 1 ? 's' : ''})`] : []),
            ].join('\n'),
      );
      if (errors.length > 0) throw new WashError(`${errors.length} problem${errors.length > 1 ? 's' : ''} in ${ctx.configFile}`);
    });
}

/** Settings by their field name -> the file's key. */
const SETTING_NAMES = Object.fromEntries(Object.entries(SETTING_KEYS).map(([key, field]) => [field, key])) as Record<keyof typeof DEFAULT_SETTINGS, string>;

/**
 * The config as `config show` prints it: the file's own tables and keys (so
 * what it prints is what `config validate` accepts), every setting with its
 * effective value, and registry passwords hidden. A file with problems is
 * refused, naming the first one.
 */
async function configView(file: string): Promise<Record<string, unknown>> {
  const doc = await readDocument(file);
  const { config, problems: all } = interpretConfig(doc);
  const problems = all.filter((p) => p.severity === 'error');
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new WashError(
      `${file}: ${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      1,
      "run 'wash config validate' for every problem",
    );
  }
  const settings = Object.fromEntries(Object.entries(config.settings).map(([key, value]) => [SETTING_NAMES[key as keyof typeof SETTING_NAMES], value]));
  const registries = Object.fromEntries(
    Object.entries((doc.registries ?? {}) as Record<string, Record<string, unknown>>).map(([host, auth]) => [
      host,
      { ...auth, ...(auth.password !== undefined ? { password: '<hidden>' } : {}) },
    ]),
  );
  // Every top-level key of a valid file is one of these three.
  return { settings, registries, grants: doc.grants ?? {} };
}
