import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { readConfig, validateConfigFile } from '../sandbox/config.js';
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
    .description('Print the config: settings, registries (passwords hidden) and grants')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const parsed = await readConfig(ctx.configFile);
      const registries = Object.fromEntries(
        Object.entries(parsed.registries).map(([host, auth]) => [host, { ...auth, ...(auth.password ? { password: '<hidden>' } : {}) }]),
      );
      const view = { path: ctx.configFile, ...parsed, registries };
      ctx.print(view, () => {
        const text = JSON.stringify({ settings: view.settings, registries: view.registries, grants: view.grants }, null, 2);
        return `# ${ctx.configFile}\n${text}`;
      });
    });

  config
    .command('validate')
    .description('Check the config file: TOML syntax (with line and column), unknown keys, wrong types')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const exists = await readFile(ctx.configFile).then(() => true, () => false);
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
