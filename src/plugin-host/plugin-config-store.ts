import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic.js';

const MAX_KEYS = 1000;
const MAX_VALUE = 64 * 1024;

/** A plugin's persistent key/value config: one JSON file per plugin id. */
export class PluginConfigStore {
  private values: Record<string, string> | undefined;
  private readonly file: string;

  constructor(root: string, pluginId: string) {
    this.file = join(root, `${pluginId}.json`);
  }

  private load(): Record<string, string> {
    if (this.values) return this.values;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      this.values = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch {
      this.values = {};
    }
    return this.values;
  }

  get(key: string): string | undefined {
    const values = this.load();
    return Object.hasOwn(values, key) ? values[key] : undefined;
  }

  keys(): string[] {
    return Object.keys(this.load()).sort();
  }

  set(key: string, value: string): void {
    if (value.length > MAX_VALUE) throw new Error(`config value for '${key}' is larger than ${MAX_VALUE} bytes`);
    const values = { ...this.load(), [key]: value };
    if (Object.keys(values).length > MAX_KEYS) throw new Error(`plugin config holds at most ${MAX_KEYS} keys`);
    this.save(values);
  }

  delete(key: string): void {
    const values = { ...this.load() };
    if (!Object.hasOwn(values, key)) return;
    delete values[key];
    this.save(values);
  }

  private save(values: Record<string, string>): void {
    if (Object.keys(values).length === 0) rmSync(this.file, { force: true });
    else writeFileAtomicSync(this.file, JSON.stringify(values, null, 2), { mode: 0o600 });
    this.values = values;
  }
}
