/**
 * Our own contract, `wash:plugin` (wit/plugin.wit), as one adapter among
 * others: the plugin describes itself in our metadata, parses its own argv,
 * and imports `wash:plugin/host`. Every minor version wash shipped is
 * accepted (see the evolution rule in wit/plugin.wit); validateMetadata reads
 * each version's `info` as that version declared it.
 */
import { createHostImports } from '../host-imports.js';
import { validateMetadata } from '../../contract/metadata.js';
import type { ContractAdapter, HostCall } from './contract.js';
import { WashError } from '../../util/errors.js';

/** The contract id of our own plugins, in the cache and wherever a contract is named. */
const NATIVE_CONTRACT = 'wash:plugin';

const PACKAGE = 'wash:plugin';
const MAJOR = 0;
/** The minor versions we accept, newest first. */
const MINORS: readonly number[] = [2, 1];

/** Parse an export name like `wash:plugin/plugin@0.2.0`. */
function parseInterfaceName(name: string) {
  const m = /^([a-z0-9-]+:[a-z0-9-]+)\/([a-z0-9-]+)(?:@(\d+)\.(\d+)\.(\d+)\S*)?$/.exec(name);
  if (!m) return undefined;
  return { pkg: m[1]!, iface: m[2]!, major: Number(m[3] ?? -1), minor: Number(m[4] ?? -1) };
}

/** Our export `iface` in a version we accept. */
const isOurs = (name: string, iface: string) => {
  const p = parseInterfaceName(name);
  return p !== undefined && p.pkg === PACKAGE && p.iface === iface && p.major === MAJOR && MINORS.includes(p.minor);
};

interface PluginExports {
  info(): unknown;
  run(argv: string[]): number;
  hook(event: string): void;
}

interface AuthenticateExports {
  authenticate(): unknown;
}

const exportOf = <T>(raw: Record<string, unknown>, iface: string) => Object.entries(raw).find(([name]) => isOurs(name, iface))?.[1] as T | undefined;

function pluginExports(raw: Record<string, unknown>): PluginExports {
  const plugin = exportOf<PluginExports>(raw, 'plugin');
  if (!plugin) throw new WashError(`component does not export ${PACKAGE}/plugin@${MAJOR}.${MINORS[0]}`);
  return plugin;
}

export const nativeAdapter: ContractAdapter<undefined, HostCall> = {
  id: NATIVE_CONTRACT,
  exportLabel: `${PACKAGE}/plugin@${MAJOR}.${MINORS[0]} (or ${MINORS.slice(1)
    .map((m) => `${MAJOR}.${m}`)
    .join(', ')})`,
  detect: (exportNames) => exportNames.some((name) => isOurs(name, 'plugin')),
  imports: (options) => ({ 'wash:plugin/host': createHostImports(options) }),
  describe: (raw) => ({ metadata: validateMetadata(pluginExports(raw).info()) }),
  checkInfo: () => undefined,
  // The plugin parses its own argv: the call goes as the host made it.
  prepare(call, { metadata }) {
    if (call.kind === 'hook' && !metadata.hooks.includes(call.hook as never)) {
      throw new WashError(`plugin '${metadata.name}' does not handle the '${call.hook}' hook`);
    }
    return call;
  },
  call(raw, call, { pluginName }) {
    const plugin = pluginExports(raw);
    if (call.kind === 'run') return { status: plugin.run(call.argv) };
    if (call.kind === 'hook') {
      plugin.hook(call.hook);
      return { status: 0 };
    }
    const auth = exportOf<AuthenticateExports>(raw, 'authenticate');
    if (!auth) throw new WashError(`plugin '${pluginName}' does not export authenticate`);
    return { status: 0, value: auth.authenticate() };
  },
  scratchMount: undefined,
  execGrants: 'declared',
  preparesWithEnv: false,
  hookNames: [],
  handlesHook: ({ metadata }, hook) => metadata.hooks.includes(hook as never),
  inspectRows: () => [],
  debugNotes: () => [],
};
