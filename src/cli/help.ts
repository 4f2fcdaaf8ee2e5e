import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { helpTargetOf, renderHelpTarget } from '../output/plugin-help.js';
import { UsageError } from '../util/errors.js';
import { closest } from '../util/text.js';
import { HOST_COMMAND_HELP } from './host-commands.js';
import { PLUGIN_TEST_HELP } from './plugin-test.js';

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
        // `wash help plugin install`: the deepest host command the words name.
        let command = host;
        for (const word of words) {
          const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
          const at = `wash ${pathOf(command).join(' ')}`;
          if (!sub) throw new UsageError(`'${at}' has no command '${word}'`, `see '${at} --help'`);
          command = sub;
        }
        // `plugin test` parses its own argv (it is passed raw): its help is its own text.
        if (pathOf(command).join(' ') === 'plugin test') process.stdout.write(`${PLUGIN_TEST_HELP}\n`);
        else command.outputHelp();
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
      const target = helpTargetOf(m, words);
      const found = target.kind === 'command' ? target.command.path : target.kind === 'group' ? target.path : [];
      if (found.length !== words.length) throw new UsageError(`plugin '${name}' has no command '${words.join(' ')}'`, `see 'wash help ${name}'`);
      process.stdout.write(`${renderHelpTarget(m, target)}\n`);
    });
}

/** A host command's words after `wash`, e.g. ['plugin', 'install']. */
function pathOf(command: Command): string[] {
  const words: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) words.unshift(c.name());
  return words;
}
