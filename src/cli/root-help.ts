import type { Catalog } from '../plugin-host/catalog.js';
import { GLOBAL_OPTION_HELP, HOST_COMMANDS, HOST_COMMAND_HELP } from './host-commands.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';
import { bold } from '../util/style.js';
import { byCodeUnits } from '../util/text.js';

function rows(title: string, items: [string, string][]): string[] {
  const width = Math.max(...items.map(([l]) => l.length));
  return ['', bold(`${title}:`), ...items.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`.trimEnd())];
}

/**
 * `wash --help`, rendered without loading commander: it is the most common
 * first command and should cost little more than `wash --version`.
 */
export function renderRootHelp(catalog: Catalog): string {
  const plugins = [...catalog.plugins.values()].map((e) => e.component.metadata).sort((a, b) => byCodeUnits(a.name, b.name));
  return [
    `${bold('Usage:')} wash [options] <plugin|command> [args...]`,
    '',
    'wash: a thin CLI whose commands are sandboxed WebAssembly component plugins',
    ...rows('Options', GLOBAL_OPTION_HELP),
    ...rows(
      'Commands',
      HOST_COMMANDS.map((c) => [HOST_COMMAND_HELP[c].usage, HOST_COMMAND_HELP[c].description]),
    ),
    ...(plugins.length
      ? rows(
          'Plugins',
          plugins.map((m) => [esc(m.name), esc(m.description)]),
        )
      : ['', bold('Plugins:'), '  (none found)']),
    '',
    "Run 'wash <plugin> --help' for a plugin's commands.",
  ].join('\n');
}
