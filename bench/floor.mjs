// The floor: the least any host must do to run a cached, transpiled plugin —
// start node, import the shim and the component, compile, instantiate, call run —
// with V8 compiling wasm as wash's workers do (Liftoff only, src/plugin-host/wasm-engine.ts),
// so that a ratio to it measures wash, not an engine setting. Like any host that imports
// the shim as it is, it pays the shim's I/O thread, which wash starts only when used.
// Usage: node bench/floor.mjs <transpiled-dir> [argv...]
import { setFlagsFromString } from 'node:v8';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

const [dir, ...argv] = process.argv.slice(2);
const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
const shim = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
const noop = () => undefined;
const host = {
  requestedFormat: () => 'text',
  emitTable: noop,
  emitJson: (text) => process.stdout.write(`${text}\n`),
  log: noop,
  contextGet: noop,
  contextSet: noop,
  contextDelete: noop,
  contextList: () => [],
  configGet: noop,
  configSet: noop,
  configDelete: noop,
  configList: () => [],
  dirs: () => ({ scratch: undefined, cache: '/nonexistent', data: '/nonexistent', config: '/nonexistent' }),
  hostExec: () => {
    throw 'denied';
  },
  listen: () => {
    throw 'denied';
  },
  redirectListen: () => {
    throw 'denied';
  },
  redirectWait: () => {
    throw 'denied';
  },
  browserOpener: noop,
  setOutputFormat: noop,
  confirm: noop,
  readArgumentFile: () => {
    throw 'denied';
  },
};
// The flag right before compiling, as wash does: a flag change makes V8 reject the code cache of whatever loads later.
let flagged = false;
const compile = async (name) => {
  const bytes = await readFile(join(dir, name));
  if (!flagged) setFlagsFromString('--liftoff-only');
  flagged = true;
  return WebAssembly.compile(bytes);
};
const instance = await instantiate(compile, {
  ...shim.getImportObject(),
  'wash:plugin/host': host,
});
const plugin = Object.entries(instance).find(([name]) => name.startsWith('wash:plugin/plugin@'))?.[1] ?? instance.plugin;
process.exitCode = plugin.run(argv);
