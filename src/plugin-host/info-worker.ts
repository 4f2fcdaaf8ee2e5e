/**
 * Worker-thread entry: call a freshly transpiled component's `info` in an
 * instance granted nothing. In a worker, the main thread can stop an `info`
 * that never returns or eats memory, under the limits of a run (./describe.ts).
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { glueCodeCache, instantiateRaw } from './instantiate.js';
import { adapterFor, UnsupportedShape } from './adapters/index.js';
import { newInvocation } from './invocation.js';
import { PluginConfigStore } from './plugin-config-store.js';
import { InvalidMetadata } from '../contract/metadata.js';
import { ModifiedEntry } from './integrity.js';
import type { InfoOutcome, InfoSpec } from './describe.js';
import { messageOf } from '../util/errors.js';

async function describe(spec: InfoSpec): Promise<InfoOutcome> {
  const { code, contract, file, layout } = spec;
  const denied = () => {
    throw 'not available while describing the plugin';
  };
  const sandbox = { preopens: {}, readOnly: [], env: {}, allowedHosts: [], args: [], stdoutToStderr: true, discardOutput: true };
  const host = {
    pluginName: file,
    invocation: newInvocation(layout, 'text', 'error'),
    config: new PluginConfigStore(join(layout.pluginConfig, '.none'), 'info'),
    hostExec: denied,
    listen: denied,
    redirectListen: denied,
    redirectWait: denied,
  };
  try {
    const adapter = adapterFor(contract);
    const raw = await instantiateRaw(code, sandbox, adapter.imports({ ...host, hostExecBackground: denied }));
    const { metadata, info } = adapter.describe(raw);
    // The glue's compiled code, as far as instantiating and describing compiled it: kept in the entry for every run.
    return { kind: 'ok', metadata, foreign: info, codeCache: glueCodeCache(code) };
  } catch (err) {
    if (err instanceof ModifiedEntry) return { kind: 'modified', path: err.path };
    const why =
      err instanceof InvalidMetadata
        ? `invalid metadata: ${err.message}`
        : err instanceof UnsupportedShape
          ? `${contract} in a shape wash cannot run: ${err.message}`
          : `its info export failed: ${messageOf(err)}`;
    return { kind: 'not-a-plugin', why };
  }
}

parentPort!.postMessage(await describe(workerData as InfoSpec));
