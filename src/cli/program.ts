import { Command, Option } from 'commander';
import { CliContext } from './context.js';
import { DEFAULT_GLOBALS, OUTPUT_FORMATS, type GlobalOptions } from './globals.js';
import { LOG_LEVELS } from '../contract/wit.js';
import { registerHelp } from './help.js';
import { registerPluginList } from './plugin-list.js';
import { registerPluginInstall } from './plugin-install.js';
import { registerPluginPush } from './plugin-push.js';
import { registerPluginUpdate } from './plugin-update.js';
import { registerPluginTags } from './plugin-tags.js';
import { registerPluginUninstall } from './plugin-uninstall.js';
import { registerPluginInspect } from './plugin-inspect.js';
import { registerPluginNew } from './plugin-new.js';
import { registerPluginWit } from './plugin-wit.js';
import { registerPluginGrants } from './plugin-grant.js';
import { registerConfig } from './config.js';
import { registerLogin } from './login.js';
import { registerCompletion } from './completion.js';
import { PLUGIN_TEST_HELP } from './plugin-test.js';
import { getWashVersion } from '../plugin-host/versions.js';
import { HOST_COMMAND_HELP } from './host-commands.js';

/** commander wiring for wash's own commands; plugins are dispatched before this. */
/**
 * `globals` are the options already read before the command word (including
 * the --allow-* run flags, which apply to plugins that host commands run);
 * options given after it override them.
 */
export function buildProgram(globals: GlobalOptions = DEFAULT_GLOBALS): Command {
  const contexts = new WeakMap<Command, CliContext>();
  const ctxOf = (cmd: Command): CliContext => {
    let ctx = contexts.get(cmd);
    if (!ctx) {
      const o = cmd.optsWithGlobals<{ output?: GlobalOptions['output']; logLevel?: GlobalOptions['logLevel']; config?: string; prompt?: boolean }>();
      ctx = new CliContext({
        ...globals,
        output: o.output ?? globals.output,
        logLevel: o.logLevel ?? globals.logLevel,
        config: o.config ?? globals.config,
        prompt: o.prompt === false ? false : globals.prompt,
      });
      contexts.set(cmd, ctx);
    }
    return ctx;
  };

  const program = new Command('wash')
    .description('wash: a thin CLI whose commands are sandboxed WebAssembly component plugins')
    .usage('[options] <plugin|command> [args...]')
    .version(getWashVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addOption(new Option('-o, --output <format>', 'output format (default: text)').choices(OUTPUT_FORMATS))
    .addOption(new Option('--log-level <level>', 'show logs at or above this level (default: info)').choices(LOG_LEVELS))
    .option('--config <path>', 'use this config file instead of the default')
    .option('--no-prompt', 'never ask for access; deny what is not granted')
    .option('--no-hooks', "don't run other plugins' hooks during this command")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride();

  registerHelp(program, ctxOf);

  const plugin = program.command('plugin').description(HOST_COMMAND_HELP.plugin.description).helpCommand(false);
  registerPluginList(plugin, ctxOf);
  registerPluginInstall(plugin, ctxOf);
  registerPluginPush(plugin, ctxOf);
  registerPluginUpdate(plugin, ctxOf);
  registerPluginTags(plugin, ctxOf);
  registerPluginUninstall(plugin, ctxOf);
  plugin
    .command('test')
    .description('Run a plugin component without installing it (args after the file go to the plugin)')
    .argument('<file.wasm>')
    .argument('[args...]')
    .helpOption(false)
    .addHelpText('beforeAll', PLUGIN_TEST_HELP);
  registerPluginInspect(plugin, ctxOf);
  registerPluginNew(plugin, ctxOf);
  registerPluginWit(plugin, ctxOf);
  registerPluginGrants(plugin, ctxOf);
  registerConfig(program, ctxOf);
  registerLogin(program, ctxOf);
  registerCompletion(program);
  for (const cmd of [...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    // A usage error names the help of the command it happened in.
    const path = [cmd.parent?.parent ? cmd.parent.name() : '', cmd.name()].filter(Boolean).join(' ');
    cmd.exitOverride().showHelpAfterError(`see 'wash ${path} --help'`);
  }
  program.exitOverride();
  return program;
}
