import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

export const EXAMPLE_DIR = join(ROOT, 'test', 'fixtures', 'example', 'dist');
export const EXAMPLE_WASM = join(EXAMPLE_DIR, 'example.wasm');
/** A plugin built against wash:plugin@0.1.0 (test/fixtures/wit-0.1.0), kept to prove old plugins still run. */
export const V010_WASM = join(ROOT, 'test', 'fixtures', 'plugin-0.1.0', 'dist', 'v010.wasm');
/** A plugin built against wash:plugin@0.2.0 (test/fixtures/wit-0.2.0), before 0.2.1 added host functions. */
export const V020_WASM = join(ROOT, 'test', 'fixtures', 'plugin-0.2.0', 'dist', 'v020.wasm');
/** The plugin written in Rust without crates or JavaScript (examples/tiny-rust), built by the test setup. */
export const TINY_WASM = join(ROOT, 'examples', 'tiny-rust', 'dist', 'tiny.wasm');
/** A plugin (Rust, no crates) whose HTTP handler is wasi:http/incoming-handler@0.2.12, not componentize-js's 0.2.10. */
export const HTTP_ANY_WASM = join(ROOT, 'test', 'fixtures', 'http-any', 'dist', 'httpany.wasm');
export const HOSTILE_DIR = join(ROOT, 'test', 'hostile', 'plugin', 'dist');
export const HOSTILE_WASM = join(HOSTILE_DIR, 'hostile.wasm');
/** Declares the id of the core keys plugin, to inherit what belongs to keys. */
export const IMPOSTOR_DIR = join(ROOT, 'test', 'hostile', 'impostor', 'dist');
export const IMPOSTOR_WASM = join(IMPOSTOR_DIR, 'impostor.wasm');
/** Hooks every event and abuses it. */
export const HOOKER_DIR = join(ROOT, 'test', 'hostile', 'hooker', 'dist');
/** Plugins built for the Rust wash's contract (wasmcloud:wash@0.0.2 and @0.0.1). */
export const WCW2_WASM = join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.2', 'dist', 'wcw2.wasm');
export const WCW1_WASM = join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1', 'dist', 'wcw1.wasm');
/** The two early shapes of wasmcloud:wash@0.0.1 (default-command and commands; unnamed, then named arguments). */
export const WCW1_EARLY_WASM = join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1-early', 'dist', 'wcw1e.wasm');
export const WCW1_NAMED_WASM = join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1-named', 'dist', 'wcw1n.wasm');

/** Assemble WebAssembly text into a binary with jco's wasm-tools (components included). */
export async function watToFile(dir: string, name: string, wat: string): Promise<string> {
  const { parse } = await import('@bytecodealliance/jco');
  const file = join(dir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(file, await parse(wat));
  return file;
}

/** A component exporting one function-holding instance under `exportName`. */
export const componentExporting = (exportName: string) => `(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (instance $inst (export "info" (func $f)))
  (export "${exportName}" (instance $inst)))`;

/**
 * The same component with different bytes (and so a different digest): a
 * custom section appended, which changes nothing it does.
 */
export async function withCustomSection(from: string, to: string, payload = 'changed'): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const name = Buffer.from('wash-test');
  const body = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(payload)]);
  if (body.length > 127) throw new Error('payload too long for a one-byte size');
  await writeFile(to, Buffer.concat([await readFile(from), Buffer.from([0, body.length]), body]));
  return to;
}
