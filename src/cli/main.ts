import { splitGlobals } from './globals.js';
import { reportError } from './report.js';
import { ExitCode } from '../util/errors.js';
import { getWashVersion } from '../plugin-host/versions.js';
import { HOST_COMMANDS } from './host-commands.js';
import { phase, phaseReport } from '../util/phases.js';
import { prewarmWorker } from '../plugin-host/prewarm.js';

const isHostCommand = (word: string | undefined) => word !== undefined && (HOST_COMMANDS as readonly string[]).includes(word);
/** Whether a plugin's argv likely asks for its help (shown from metadata: no worker needed). A guess that only costs time when wrong. */
const asksForHelp = (argv: readonly string[]) =>
  argv.length === 0 || argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).some((t) => t === '--help' || t === '-h');

/** wash's entry point; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  phase('main: started (wash.js loaded)');
  let debug = false;
  let trace = false;
  try {
    const { globals, rest } = splitGlobals(argv);
    debug = globals.logLevel === 'debug' || globals.logLevel === 'trace';
    trace = globals.logLevel === 'trace';
    if (globals.version && rest.length === 0) {
      process.stdout.write(`${getWashVersion()}\n`);
      return ExitCode.ok;
    }
    const runsPlugin = rest.length > 0 && !isHostCommand(rest[0]) && rest[0] !== '__complete' && !globals.help;
    // A plugin's worker starts loading now, in parallel with the rest of wash (not for help, which runs nothing).
    const prewarmed = runsPlugin && !asksForHelp(rest.slice(1)) ? prewarmWorker() : undefined;
    const { CliContext } = await import('./context.js');
    const ctx = new CliContext(globals);

    // The hidden command behind the completion scripts: `wash __complete <words...>`.
    if (rest[0] === '__complete') {
      const { runComplete } = await import('./complete-command.js');
      return await runComplete(ctx, rest.slice(1));
    }

    // `wash <plugin> ...`: the plugin gets everything after its name, untouched.
    if (runsPlugin) {
      const { runPluginCommand } = await import('./run-plugin.js');
      return await runPluginCommand(ctx, rest[0]!, rest.slice(1), prewarmed);
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
  } finally {
    if (trace) {
      phase('main: done');
      process.stderr.write(`${phaseReport()}\n`);
    }
  }
}
