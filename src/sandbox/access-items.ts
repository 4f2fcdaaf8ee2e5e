import type { Metadata } from '../contract/metadata.js';
import type { WashDirs } from '../contract/dirs.js';
import { resolveRequestedPath } from './paths.js';

/** One thing a plugin asks for, with paths resolved: the unit of granting. */
export type AccessItem =
  | { kind: 'scratch'; reason: string }
  | { kind: 'env'; name: string; reason: string }
  /** `real`: where `path` really leads (symlinks resolved), once src/sandbox/real-paths.ts has looked. */
  | { kind: 'read' | 'write'; path: string; requested: string; reason: string; real?: string }
  | { kind: 'net'; host: string; reason: string }
  | { kind: 'exec'; binary: string; reason: string }
  | { kind: 'listen'; reason: string };

/** Turn the `access` record of `info` into items; unusable requests are reported, not guessed. */
export function accessItems(metadata: Metadata, dirs: WashDirs): { items: AccessItem[]; invalid: string[] } {
  const a = metadata.access;
  const items: AccessItem[] = [];
  const invalid: string[] = [];
  if (a.scratchDir !== undefined) items.push({ kind: 'scratch', reason: a.scratchDir });
  for (const e of a.env) items.push({ kind: 'env', name: e.name, reason: e.reason });
  for (const p of a.paths) {
    const path = resolveRequestedPath(p.path, dirs);
    if (path) items.push({ kind: p.access === 'read-only' ? 'read' : 'write', path, requested: p.path, reason: p.reason });
    else invalid.push(`path '${p.path}' is neither absolute nor {cache}/{data}/{config}/~`);
  }
  for (const h of a.outgoingHttp) items.push({ kind: 'net', host: h.host, reason: h.reason });
  for (const x of a.hostExec) items.push({ kind: 'exec', binary: x.binary, reason: x.reason });
  if (a.incomingHttp !== undefined) items.push({ kind: 'listen', reason: a.incomingHttp });
  return { items, invalid };
}

/** How an item reads in prompts, messages and `wash plugin permissions`. */
export function describeItem(item: AccessItem): string {
  switch (item.kind) {
    case 'scratch':
      return 'its own scratch directory';
    case 'env':
      return `environment variable ${item.name}`;
    case 'read':
      return `read ${item.path}${leadsTo(item)}`;
    case 'write':
      return `read and write ${item.path}${leadsTo(item)}`;
    case 'net':
      return `outgoing HTTP to ${item.host}`;
    case 'exec':
      return `run host program ${item.binary}`;
    case 'listen':
      return 'receive HTTP on 127.0.0.1 (a login redirect, or its own server)';
  }
}

const leadsTo = (item: { path: string; real?: string }) => (item.real && item.real !== item.path ? ` (leads to ${item.real})` : '');
