import { WashError } from '../util/errors.js';
import { detectWasmcloudWash, type WasmcloudWashContract } from './adapters/wasmcloud-wash.js';

/**
 * The contract we implement natively, and the versions we accept: every
 * minor we shipped (see the evolution rule in wit/plugin.wit), newest first.
 */
export const CONTRACT = { package: 'wash:plugin', interface: 'plugin', major: 0, minors: [2, 1] } as const;
export const CONTRACT_LABEL = `${CONTRACT.package}/${CONTRACT.interface}@${CONTRACT.major}.${CONTRACT.minors[0]} (or ${CONTRACT.minors
  .slice(1)
  .map((m) => `${CONTRACT.major}.${m}`)
  .join(', ')})`;

/**
 * Which contract a component implements: ours (the native path), or a
 * foreign one run through an adapter in ./adapters/.
 */
export type ContractId = 'wash:plugin@0.1' | WasmcloudWashContract;
export const NATIVE_CONTRACT: ContractId = 'wash:plugin@0.1';

export class NotAPlugin extends WashError {}

/** Check the binary header: a component, not a core module or other file. */
export function checkComponentHeader(bytes: Uint8Array, file: string): void {
  const magic = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw new NotAPlugin(`not a wash plugin: ${file} (not a WebAssembly file)`);
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer !== 1) {
    throw new NotAPlugin(`not a wash plugin: ${file} (a core WebAssembly module, not a component; expected ${CONTRACT_LABEL})`);
  }
}

/** Parse an export name like `wash:plugin/plugin@0.1.0`. */
function parseInterfaceName(name: string) {
  const m = /^([a-z0-9-]+:[a-z0-9-]+)\/([a-z0-9-]+)(?:@(\d+)\.(\d+)\.(\d+)\S*)?$/.exec(name);
  if (!m) return undefined;
  return { pkg: m[1]!, iface: m[2]!, major: Number(m[3] ?? -1), minor: Number(m[4] ?? -1) };
}

/** Which plugin contract the component's exports implement; NotAPlugin if none we run. */
export function checkContract(exportNames: readonly string[], file: string): ContractId {
  const compatible = exportNames.some((name) => {
    const p = parseInterfaceName(name);
    return (
      p &&
      p.pkg === CONTRACT.package &&
      p.iface === CONTRACT.interface &&
      p.major === CONTRACT.major &&
      (CONTRACT.minors as readonly number[]).includes(p.minor)
    );
  });
  if (compatible) return NATIVE_CONTRACT;
  const foreign = detectWasmcloudWash(exportNames);
  if (foreign) return foreign;
  const interfaces = exportNames.filter((n) => n.includes(':'));
  const shown = interfaces.length ? `exports ${interfaces.join(', ')}` : 'exports no interface';
  throw new NotAPlugin(`not a wash plugin: ${file} (${shown}; expected ${CONTRACT_LABEL})`);
}
