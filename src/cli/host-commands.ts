/** wash's own commands: plugins may not take these names (see RESERVED_NAMES). */
export const HOST_COMMANDS = ['plugin', 'login', 'config', 'completion', 'help'] as const;

/** Descriptions shared by the commander wiring and the fast root help. */
export const HOST_COMMAND_HELP: Record<(typeof HOST_COMMANDS)[number], { usage: string; description: string }> = {
  help: { usage: 'help [plugin] [command...]', description: 'Show help for wash, a plugin, or one of its commands' },
  plugin: {
    usage: 'plugin <command>',
    description: 'Manage plugins: list, install, push, update, tags, uninstall, test, inspect, new, wit, grant, revoke, permissions',
  },
  login: { usage: 'login [--provider <plugin>]', description: 'Get credentials from a provider plugin (e.g. oauth) and store them' },
  config: { usage: 'config <command>', description: 'Show and check the wash config file: path, show, validate' },
  completion: { usage: 'completion <bash|zsh|fish>', description: 'Print a shell completion script (see the README to install it)' },
};

export const GLOBAL_OPTION_HELP: [string, string][] = [
  ['-o, --output <format>', 'output format: text or json (default: text)'],
  ['--log-level <level>', 'show logs at or above: trace, debug, info, warn, error (default: info)'],
  ['--config <path>', 'use this config file instead of the default'],
  ['--no-prompt', 'never ask for access; deny what is not granted'],
  ['--no-hooks', "don't run other plugins' hooks during this command"],
  ['--timeout <seconds>', 'stop a plugin run after this long (default: config timeout_seconds, 300)'],
  ['--allow-env=<names>', 'for this run: grant these env vars (comma-separated)'],
  ['--allow-read=<dirs>', 'for this run: grant read access to these directories'],
  ['--allow-write=<dirs>', 'for this run: grant read/write access to these directories'],
  ['--allow-net=<hosts>', 'for this run: grant outgoing HTTP, e.g. https://api.example.com'],
  ['--allow-run=<bins>', 'for this run: grant host-exec of these programs'],
  ['--allow-scratch', "for this run: grant the plugin's scratch directory"],
  ['--allow-listen', 'for this run: let the plugin receive HTTP on 127.0.0.1 (a login redirect, or its own server)'],
  ['-A, --allow-all', 'for this run: grant everything the plugin declares'],
  ['-V, --version', 'print the version'],
  ['-h, --help', 'show help'],
];
