import { WashError } from '../util/errors.js';
import { detectContract, EXPECTED_EXPORT } from './adapters/index.js';
import type { ContractId } from '../contract/wit.js';

export class NotAPlugin extends WashError {}

/** Check the binary header: a component, not a core module or other file. */
export function checkComponentHeader(bytes: Uint8Array, file: string): void {
  const magic = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw new NotAPlugin(`not a wash plugin: ${file} (not a WebAssembly file)`);
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer !== 1) {
    throw new NotAPlugin(`not a wash plugin: ${file} (a core WebAssembly module, not a component; expected ${EXPECTED_EXPORT})`);
  }
}

/** Which plugin contract the component's exports implement; NotAPlugin if none we run. */
export function checkContract(exportNames: readonly string[], file: string): ContractId {
  const adapter = detectContract(exportNames);
  if (adapter) return adapter.id;
  const interfaces = exportNames.filter((n) => n.includes(':'));
  const shown = interfaces.length ? `exports ${interfaces.join(', ')}` : 'exports no interface';
  throw new NotAPlugin(`not a wash plugin: ${file} (${shown}; expected ${EXPECTED_EXPORT})`);
}
