import { mkdir, realpath, stat } from 'node:fs/promises';
import type { AccessItem } from './access-items.js';
import type { RunAccess } from '../plugin-host/run.js';
import { scratchDirOf } from './paths.js';
import { usableHosts } from './policy.js';
import { realPathOf } from './real-paths.js';
import type { Grants } from './config.js';

export interface EnforceOptions {
  /** All grants of this run: a broad declared host pattern is narrowed to the granted hosts within it. */
  grants: Grants;
  /** The plugin identity's directory name (identity.ts): its scratch dir is `<scratchRoot>/<name>`. */
  identityDir: string;
  scratchRoot: string;
  env: NodeJS.ProcessEnv;
  warn: (text: string) => void;
  /**
   * Where the guest sees the scratch dir. Default: at its host path, like
   * every preopen; plugins of the Rust wash's contract expect `/plugin_data`.
   */
  scratchMount?: string;
}

const isDirectory = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/**
 * Build what one instance may see from the items that were granted: only
 * these preopens (identity-mapped), only these env vars, only these hosts.
 */
export async function enforce(granted: readonly AccessItem[], options: EnforceOptions): Promise<Omit<RunAccess, 'hostExec' | 'identityDir'>> {
  const preopens: Record<string, string> = {};
  const readOnly: string[] = [];
  const env: Record<string, string> = {};
  const allowedHosts: string[] = [];
  let scratchGuestPath: string | undefined;
  let incomingHttp = false;

  for (const item of granted) {
    switch (item.kind) {
      case 'scratch': {
        const dir = scratchDirOf(options.scratchRoot, options.identityDir);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        scratchGuestPath = options.scratchMount ?? dir;
        preopens[scratchGuestPath] = await realpath(dir); // every preopen is mounted at its real path (see fs-containment.ts)
        break;
      }
      case 'read':
      case 'write': {
        // Mounted where it leads, which must still be where it led when access was decided.
        const real = await realPathOf(item.path);
        if (item.real !== undefined && real !== item.real) {
          options.warn(`not mounting ${item.path}: it now leads to ${real}, not ${item.real}`);
          break;
        }
        if (!(await isDirectory(real))) {
          options.warn(`not mounting ${item.path}: not an existing directory`);
          break;
        }
        preopens[item.path] = real;
        if (item.kind === 'read') readOnly.push(item.path);
        break;
      }
      case 'env': {
        const value = options.env[item.name];
        if (value !== undefined) env[item.name] = value;
        break;
      }
      case 'net':
        allowedHosts.push(...usableHosts([item.host], options.grants.net));
        break;
      case 'listen':
        incomingHttp = true;
        break;
      case 'exec':
        break; // handled by the host-exec import
    }
  }
  // A directory granted both read and write is writable.
  const writable = granted.filter((i) => i.kind === 'write').map((i) => (i as { path: string }).path);
  return {
    sandbox: { preopens, readOnly: readOnly.filter((p) => !writable.includes(p)), env, allowedHosts: [...new Set(allowedHosts)] },
    scratchGuestPath,
    incomingHttp,
  };
}
