import { mkdir, realpath, stat } from 'node:fs/promises';
import type { AccessItem } from './access-items.js';
import type { Verdict } from './consent-policy.js';
import { scratchDirOf } from './paths.js';
import { realPathOf } from './real-paths.js';

export interface EnforceOptions {
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
  /**
   * Mount what is declared but not granted yet behind a gate (fs-gate.ts),
   * so its first use can be asked about, or refused and reported. Off for
   * hooks: they get their recorded grants and nothing else.
   */
  gateUngranted: boolean;
}

/** A gated preopen, for the consent session: what it is and where it leads. */
export interface Mount {
  item: AccessItem;
  /** The host path mounted (real). */
  hostPath: string;
  /** For the scratch dir: the directory to create (0700) once granted. */
  scratchDir?: string;
}

/** What one instance may see, as the sandbox set it up: plain data (it goes to the worker). */
export interface SandboxView {
  /** guest path -> host path */
  preopens: Record<string, string>;
  env: Record<string, string>;
  /** Guest paths of preopens that refuse every write. */
  readOnly: string[];
  /** Host patterns outgoing HTTP may reach without asking the consent session; empty = none. */
  allowedHosts: string[];
  /** Guest paths of preopens that are mounted but not granted yet: their first use asks. */
  gated?: string[];
  /** Whether the first read of the environment asks for the declared variables not granted yet. */
  askEnv?: boolean;
}

export interface Enforced {
  sandbox: SandboxView;
  /** Where the guest sees the scratch dir, when it is mounted (granted or gated). */
  scratchGuestPath?: string;
  /** The gated mounts, for the consent session. */
  mounts: Record<string, Mount>;
}

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Create the scratch dir (0700) and check it still leads where it was mounted. */
export async function makeScratchDir(dir: string, mounted?: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const real = await realpath(dir);
  if (mounted !== undefined && real !== mounted) throw new Error(`the scratch dir ${dir} now leads to ${real}`);
  return real;
}

/**
 * Build what one instance may see from the declared items and their
 * verdicts now: granted preopens (identity-mapped), and ungranted ones
 * behind a gate; granted env vars (the first read asks for the rest); no
 * hosts without asking (every new authority goes to the consent session).
 */
export async function enforce(items: readonly { item: AccessItem; verdict: Verdict }[], options: EnforceOptions): Promise<Enforced> {
  const preopens: Record<string, string> = {};
  const readOnly: string[] = [];
  const writable: string[] = [];
  const gated: string[] = [];
  const mounts: Record<string, Mount> = {};
  const env: Record<string, string> = {};
  let scratchGuestPath: string | undefined;
  let askEnv = false;

  for (const { item, verdict } of items) {
    const granted = verdict.state === 'granted';
    // Undeclared and system paths are never mounted; hooks get their grants only.
    const gate = !granted && options.gateUngranted && !(verdict.state === 'denied' && (verdict.reason === 'undeclared' || verdict.reason === 'system-path'));
    switch (item.kind) {
      case 'scratch': {
        if (!granted && !gate) break;
        const dir = scratchDirOf(options.scratchRoot, options.identityDir);
        scratchGuestPath = options.scratchMount ?? dir;
        // Created only once granted: a run that never uses it leaves no trace.
        const real = granted ? await makeScratchDir(dir) : await realPathOf(dir);
        preopens[scratchGuestPath] = real; // every preopen is mounted at its real path (see fs-containment.ts)
        if (gate) {
          gated.push(scratchGuestPath);
          mounts[scratchGuestPath] = { item, hostPath: real, scratchDir: dir };
        }
        break;
      }
      case 'read':
      case 'write': {
        if (!granted && !gate) break;
        // Mounted where it leads, which must still be where it led when access was decided.
        const real = await realPathOf(item.path);
        if (item.real !== undefined && real !== item.real) {
          if (granted) options.warn(`not mounting ${item.path}: it now leads to ${real}, not ${item.real}`);
          break;
        }
        if (!(await isDirectory(real))) {
          if (granted) options.warn(`not mounting ${item.path}: not an existing directory`);
          break;
        }
        const path = item.path;
        if (preopens[path] !== undefined) {
          // Declared twice (read-only and read-write): one mount. A granted declaration beats a gated one;
          // between equals, read-write wins (and a gated mount then asks about read and write).
          const wasGated = gated.includes(path);
          if (wasGated === gate && item.kind === 'write') {
            writable.push(path);
            if (gate) mounts[path] = { item, hostPath: real };
          } else if (wasGated && !gate) {
            gated.splice(gated.indexOf(path), 1);
            delete mounts[path];
            readOnly.splice(0, readOnly.length, ...readOnly.filter((p) => p !== path));
            writable.splice(0, writable.length, ...writable.filter((p) => p !== path));
            (item.kind === 'read' ? readOnly : writable).push(path);
          }
          break;
        }
        preopens[path] = real;
        (item.kind === 'read' ? readOnly : writable).push(path);
        if (gate) {
          gated.push(path);
          mounts[path] = { item, hostPath: real };
        }
        break;
      }
      case 'env': {
        const value = options.env[item.name];
        if (granted && value !== undefined) env[item.name] = value;
        else if (gate && value !== undefined) askEnv = true;
        break;
      }
      case 'net':
      case 'listen':
      case 'exec':
        break; // decided at each use (outgoing-http.ts, host.listen, host-exec.ts)
    }
  }
  return {
    sandbox: { preopens, readOnly: readOnly.filter((p) => !writable.includes(p)), env, allowedHosts: [], gated, askEnv },
    scratchGuestPath,
    mounts,
  };
}
