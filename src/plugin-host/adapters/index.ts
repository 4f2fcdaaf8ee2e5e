/**
 * Every contract wash runs, in one place: our own first, then the foreign
 * ones. A component's contract is the first adapter that detects it from its
 * exports; from then on wash reaches the component only through that adapter
 * (see ./contract.ts).
 */
import type { ContractAdapter } from './contract.js';
import { nativeAdapter } from './native.js';
import { wasmcloudWash001, wasmcloudWash002 } from './wasmcloud-wash/index.js';

export type { AdapterHostOptions, CallContext, ContractAdapter, HostCall } from './contract.js';
export { UnsupportedShape } from './contract.js';

const ADAPTERS: readonly ContractAdapter[] = [nativeAdapter, wasmcloudWash002, wasmcloudWash001];

/** The contract a component with these exports implements, if one we run. */
export function detectContract(exportNames: readonly string[]): ContractAdapter | undefined {
  return ADAPTERS.find((a) => a.detect(exportNames));
}

/** The adapter of a contract id (as stored in the cache); undefined when no longer known. */
export function findAdapter(id: string | undefined): ContractAdapter | undefined {
  return ADAPTERS.find((a) => a.id === (id ?? nativeAdapter.id)); // entries without a contract are ours
}

/** The adapter of a contract id that must exist (a component wash already described). */
export function adapterFor(id: string): ContractAdapter {
  const adapter = findAdapter(id);
  if (!adapter) throw new Error(`no adapter for contract '${id}'`);
  return adapter;
}

/** What a component must export, for "not a wash plugin" messages: our contract's export. */
export const EXPECTED_EXPORT = nativeAdapter.exportLabel;

/** Every hook name `wash plugin test --hook` may take beyond ours: the contracts' own. */
export const ADAPTER_HOOK_NAMES: readonly string[] = [...new Set(ADAPTERS.flatMap((a) => a.hookNames))];
