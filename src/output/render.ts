import { renderTable } from '../util/table.js';
import { escapeUntrusted, stringifyJson } from '../util/untrusted.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isPlainObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const cell = (v: unknown) => escapeUntrusted(v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** A table as JSON: an array of objects keyed by the headers. */
export function tableToJson(headers: readonly string[], rows: readonly (readonly string[])[]): Record<string, string>[] {
  return rows.map((row) => Object.fromEntries(headers.map((h, i) => [h, row[i] ?? ''])));
}

/**
 * Render emitted JSON for a person: an object of scalars as aligned
 * `key  value` lines, an array of flat objects as a table, anything else as
 * indented JSON. Every string is escaped, since it came from a plugin.
 */
export function renderJsonAsText(value: unknown): string {
  if (isPlainObject(value) && Object.values(value).every(isScalar)) {
    const keys = Object.keys(value);
    const width = Math.max(0, ...keys.map((k) => escapeUntrusted(k).length));
    return keys.map((k) => `${escapeUntrusted(k).padEnd(width)}  ${cell(value[k])}`).join('\n');
  }
  if (Array.isArray(value) && value.length > 0 && value.every((r) => isPlainObject(r) && Object.values(r).every(isScalar))) {
    const headers = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
    return renderTable(
      headers.map((h) => escapeUntrusted(h)),
      value.map((r) => headers.map((h) => cell((r as Record<string, unknown>)[h]))),
    );
  }
  return escapeUntrusted(JSON.stringify(value, null, 2), { allowNewlines: true });
}

/** The one JSON document printed under `--output json`. */
export function finalJsonDocument(emitted: readonly unknown[]): string | undefined {
  if (emitted.length === 0) return undefined;
  return stringifyJson(emitted.length === 1 ? emitted[0] : emitted);
}
