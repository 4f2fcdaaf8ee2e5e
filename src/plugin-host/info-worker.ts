/**
 * Worker-thread entry: call a freshly transpiled component's `info` in an
 * instance granted nothing. In a worker, the main thread can stop an `info`
 * that never returns or eats memory, under the limits of a run (./describe.ts).
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { instantiatePlugin, instantiateRaw } from './instantiate.js';
import { NATIVE_CONTRACT } from './component.js';
import { describeWasmcloudWash, wasmcloudWashExports, wasmcloudWashImports, type WasmcloudWashContract } from './adapters/wasmcloud-wash.js';
import { newInvocation } from './invocation.js';
import { PluginConfigStore } from './plugin-config-store.js';
import { InvalidMetadata, validateMetadata } from './metadata.js';
import { ModifiedEntry } from './integrity.js';
import type { InfoOutcome, InfoSpec } from './describe.js';
import { messageOf } from '../util/errors.js';

async function describe(spec: InfoSpec): Promise<InfoOutcome> {
  const { code, contract, file, layout } = spec;
  const denied = () => {
    throw 'not available while describing the plugin';
  };
  const sandbox = { preopens: {}, readOnly: [], env: {}, allowedHosts: [], args: [], stdoutToStderr: true };
  const host = {
    pluginName: file,
    invocation: newInvocation(layout, 'text', 'error'),
    config: new PluginConfigStore(join(layout.pluginConfig, '.none'), 'info'),
    hostExec: denied,
    listen: denied,
  };
  try {
    if (contract !== NATIVE_CONTRACT) {
      const foreign = contract as WasmcloudWashContract;
      const raw = await instantiateRaw(code, sandbox, wasmcloudWashImports({ ...host, hostExecBackground: denied }));
      const { metadata, info } = describeWasmcloudWash(wasmcloudWashExports(raw, foreign).info(), foreign);
      return { kind: 'ok', metadata, foreign: info };
    }
    const instance = await instantiatePlugin(code, sandbox, host);
    return { kind: 'ok', metadata: validateMetadata(instance.plugin.info()) };
  } catch (err) {
    if (err instanceof ModifiedEntry) return { kind: 'modified', path: err.path };
    const why = err instanceof InvalidMetadata ? `invalid metadata: ${err.message}` : `its info export failed: ${messageOf(err)}`;
    return { kind: 'not-a-plugin', why };
  }
}

parentPort!.postMessage(await describe(workerData as InfoSpec));
