import { splitGlobals } from './globals.js';
import { reportError } from './report.js';
import { ExitCode } from '../util/errors.js';
import { getWashVersion } from '../plugin-host/versions.js';
import { HOST_COMMANDS } from './host-commands.js';

const isHostCommand = (word: string | undefined) => word !== undefined && (HOST_COMMANDS as readonly string[]).includes(word);

/** wash's entry point; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  let debug = false;
  try {
    const { globals, rest } = splitGlobals(argv);
    debug = globals.logLevel === 'debug' || globals.logLevel === 'trace';
    if (globals.version && rest.length === 0) {
      process.stdout.write(`${getWashVersion()}\n`);
      return ExitCode.ok;
    }
    const { CliContext } = await import('./context.js');
    const ctx = new CliContext(globals);

    // The hidden command behind the completion scripts: `wash __complete <words...>`.
    if (rest[0] === '__complete') {
      const { runComplete } = await import('./completion.js');
      return await runComplete(ctx, rest.slice(1));
    }

    // `wash <plugin> ...`: the plugin gets everything after its name, untouched.
    if (rest.length > 0 && !isHostCommand(rest[0]) && !globals.help) {
      const { runPluginCommand } = await import('./run-plugin.js');
      return await runPluginCommand(ctx, rest[0]!, rest.slice(1));
    }
    // `wash plugin test <file> ...` passes its trailing args raw too.
    if (rest[0] === 'plugin' && rest[1] === 'test') {
      const { pluginTestCommand } = await import('./plugin-test.js');
      return await pluginTestCommand(ctx, rest.slice(2));
    }

    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'help')) {
      const { renderRootHelp } = await import('./root-help.js');
      process.stdout.write(`${renderRootHelp(await ctx.catalog())}\n`);
      return ExitCode.ok;
    }
    // `wash --help <plugin|command...>` is `wash help <plugin|command...>`.
    const words = globals.help && rest[0] !== 'help' ? ['help', ...rest] : rest;
    const { buildProgram } = await import('./program.js');
    const program = buildProgram(globals);
    try {
      await program.parseAsync(words, { from: 'user' });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return ExitCode.ok;
      if (typeof code === 'string' && code.startsWith('commander.')) return ExitCode.usage;
      throw err;
    }
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, debug);
  }
}
