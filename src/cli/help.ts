import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { renderCommandHelp, renderPluginHelp } from '../output/plugin-help.js';
import { UsageError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMAND_HELP } from './host-commands.js';

export function registerHelp(program: Command, ctxOf: (cmd: Command) => CliContext) {
  program
    .command('help')
    .description(HOST_COMMAND_HELP.help.description)
    .argument('[plugin]', 'plugin name')
    .argument('[command...]', "words of the plugin's command")
    .action(async (name: string | undefined, words: string[], _opts, cmd: Command) => {
      if (!name) {
        const { renderRootHelp } = await import('./root-help.js');
        process.stdout.write(`${renderRootHelp(await ctxOf(cmd).catalog())}\n`);
        return;
      }
      const host = program.commands.find((c) => c.name() === name);
      if (host) {
        host.outputHelp();
        return;
      }
      const ctx = ctxOf(cmd);
      const { plugins } = await ctx.catalog();
      const entry = plugins.get(name);
      if (!entry) {
        const suggestion = closest(name, plugins.keys());
        throw new UsageError(`unknown plugin '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`);
      }
      const m = entry.component.metadata;
      if (words.length === 0) {
        process.stdout.write(`${renderPluginHelp(m)}\n`);
        return;
      }
      const command = m.commands.find((c) => c.path.join(' ') === words.join(' '));
      if (!command) throw new UsageError(`plugin '${name}' has no command '${words.join(' ')}'`, `see 'wash help ${name}'`);
      process.stdout.write(`${renderCommandHelp(m, command)}\n`);
    });
}
