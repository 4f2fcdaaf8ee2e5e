import { resolve } from 'node:path';
import type { CliContext } from './context.js';
import { fileDigest } from '../plugin-host/digest.js';
import { compileOptionsFor, ensureCompiled } from '../plugin-host/transpile-cache.js';
import { HOOK_TYPES } from '../contract/metadata.js';
import { ADAPTER_HOOK_NAMES, adapterFor } from '../plugin-host/adapters/index.js';
import { launchPlugin, runPlugin } from '../plugin-host/launch.js';
import { runErrorHooks } from './hooks.js';
import { renderMetadata } from './plugin-inspect.js';
import { UsageError, WashError } from '../util/errors.js';

export const PLUGIN_TEST_HELP = `Run a plugin component without installing it

Usage: wash plugin test [options] <file.wasm> [args...]

Everything after the file goes to the plugin untouched, as with 'wash <plugin>'.

Options:
  --info          print the plugin's metadata instead of running it
  --hook <name>   call one hook (${HOOK_TYPES.join(', ')}) instead of run;
                  a plugin of a foreign contract: one of its own hook types
  -h, --help      show this help`;

/** `wash plugin test [--info|--hook h] <file> [args...]`: parsed by hand so args reach the plugin raw. */
export async function pluginTestCommand(ctx: CliContext, argv: string[]): Promise<number> {
  let info = false;
  let hook: string | undefined;
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const token = argv[i]!;
    if (token === '--info') info = true;
    else if (token === '--hook' || token.startsWith('--hook=')) {
      const value = token.includes('=') ? token.slice(7) : argv[++i];
      const known = value !== undefined && [...HOOK_TYPES, ...ADAPTER_HOOK_NAMES].includes(value);
      if (!known) throw new UsageError(`--hook must be one of: ${HOOK_TYPES.join(', ')}`);
      hook = value;
    } else if (token === '--help' || token === '-h') {
      process.stdout.write(`${PLUGIN_TEST_HELP}\n`);
      return 0;
    } else if (token === '--') {
      i++;
      break;
    } else throw new UsageError(`unknown option '${token}' for 'plugin test'`, "see 'wash plugin test --help'");
  }
  const source = argv[i];
  if (!source) throw new UsageError('missing <file.wasm>', "see 'wash plugin test --help'");
  const file = resolve(source);
  const digest = await fileDigest(file).catch((err: NodeJS.ErrnoException) => {
    throw new WashError(`cannot read ${source}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`);
  });
  const component = await ensureCompiled(ctx.layout, { file, digest }, compileOptionsFor(ctx, 'preparing plugin (first run only)...', { label: source }));
  // A file under test is nobody the user installed: recorded grants never apply, answers are never recorded.
  const entry = { component, source: 'test' as const, file, digest };

  if (info) {
    ctx.print({ ...component.metadata, digest, exports: component.exports, imports: component.imports }, () => renderMetadata(component, file));
    return 0;
  }
  if (hook) {
    const { metadata } = component;
    const handles = adapterFor(component.contract).handlesHook({ metadata, info: component.foreign }, hook);
    if (!handles) throw new WashError(`plugin '${metadata.name}' does not handle the '${hook}' hook`);
    return launchPlugin(ctx, entry, { kind: 'hook', hook }, ctx.newInvocation());
  }
  return runPlugin(ctx, entry, argv.slice(i + 1), { onFailure: (err) => runErrorHooks(ctx, component.metadata.name, err) });
}
