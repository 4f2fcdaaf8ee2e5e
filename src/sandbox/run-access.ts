/**
 * The access of one plugin run, set up before it starts; nothing is asked
 * here. What is granted up front is mounted and passed in; what is declared
 * but not granted is mounted behind a gate or left for its moment of use,
 * where the consent session decides (asking on a terminal). The steps:
 * decide.ts (the verdicts, pure over what it reads), own-dirs.ts, enforce.ts
 * (the mounts), consent.ts (the session). Grants, the scratch dir and the
 * config store belong to the plugin's identity, never to the id the
 * component declares.
 */
import { resolve } from 'node:path';
import type { Layout } from '../contract/dirs.js';
import type { Metadata } from '../contract/metadata.js';
import type { AccessUse, UseAnswer } from './access-use.js';
import { emptyGrants, type Grants } from './grants.js';
import { decideAccess } from './decide.js';
import type { CannotAsk } from './consent-policy.js';
import { ConsentSession } from './consent.js';
import { createOwnDirs } from './own-dirs.js';
import { enforce, type SandboxView } from './enforce.js';
import { TerminalPrompter } from './prompter.js';
import { resolveRequestedPath } from './paths.js';
import type { GrantSubject } from './grant-store.js';
import { isTrustedCore } from './identity.js';

/** The main thread's side of consent for one run (./consent.ts): decides each use the worker asks about. */
export interface ConsentGateway {
  use(use: AccessUse): Promise<UseAnswer>;
  /** The run is over: an open question is withdrawn (denied). */
  close(): void;
}

/** The access one run was given, as the sandbox resolved it. */
export interface RunAccess {
  /** The plugin identity's directory name: its scratch dir and config store are named by it. */
  identityDir: string;
  sandbox: SandboxView;
  scratchGuestPath?: string;
  /** Each host program call is decided by the consent session; this bounds how long one may run. */
  hostExec: { timeoutMs: number };
  /** Decides, at the moment of use, what the run was not granted up front. */
  consent?: ConsentGateway;
  /** Whether wash may ask the user on the terminal for the plugin (host.confirm): never for a hook or without a terminal. */
  prompts?: boolean;
}

/** What bounds one run: its wall clock, the process's resident size (wasm memory included), its output. */
export interface RunLimits {
  timeoutMs: number;
  memoryMb: number;
  maxOutputBytes: number;
}

export interface SandboxOptions {
  metadata: Metadata;
  /** Who the plugin is (its catalog entry), what component is behind it now and where it came from. */
  subject: GrantSubject;
  layout: Layout;
  configFile: string;
  /** This run's --allow-* grants, paths as typed. */
  flags: Grants;
  /** -A: everything the plugin declares, for this run. */
  allowAll: boolean;
  /** False under --no-prompt. */
  prompt: boolean;
  /** Whether the user can be asked: terminals on stdin and stderr, and no --no-prompt. */
  interactive: boolean;
  /** --timeout: overrides the config's timeout_seconds. */
  timeoutSeconds?: number;
  /** A hook: recorded grants only (no flags, no questions, no notes) and the short hook deadline. */
  hook: boolean;
  /** A contract that cannot declare host programs: what the user granted the plugin is allowed. */
  execByGrantOnly: boolean;
  /** Where the guest sees the scratch dir (default: at its host path). */
  scratchMount?: string;
  /** wash's package root: never granted to a plugin (core plugins' code lives there). */
  packageRoot: string;
  /** The host environment granted variables are read from. */
  env: NodeJS.ProcessEnv;
  note: (text: string) => void;
}

/** What one run of the plugin may touch, its limits, and the consent session that decides the rest. */
export async function sandboxFor(options: SandboxOptions): Promise<{ access: RunAccess; limits: RunLimits; consent: ConsentSession }> {
  const { metadata, subject, layout, hook } = options;
  const flags = hook ? emptyGrants() : options.flags;
  const resolvePath = (p: string) => resolveRequestedPath(p, layout) ?? resolve(p);
  const cannotAsk: CannotAsk | undefined = hook ? 'hook' : !options.prompt ? 'no-prompt' : !options.interactive ? 'no-terminal' : undefined;
  const note = hook ? () => undefined : options.note;
  const decision = await decideAccess({
    metadata,
    subject,
    dirs: layout,
    configFile: options.configFile,
    flags: { ...flags, read: flags.read.map(resolvePath), write: flags.write.map(resolvePath) },
    allowAll: hook ? false : options.allowAll,
    cannotAsk,
    execByGrantOnly: options.execByGrantOnly,
    note,
    packageRoot: options.packageRoot,
    trustedCore: isTrustedCore(subject.identity),
  });
  // wash's own directories a plugin may be granted (drain's {cache}) exist before they are mounted.
  await createOwnDirs(
    decision.items.filter(({ verdict }) => verdict.state !== 'denied').map(({ item }) => item),
    layout,
  );
  const enforced = await enforce(decision.items, {
    identityDir: subject.identity.dirName,
    scratchRoot: layout.scratchRoot,
    env: options.env,
    warn: (text) => note(`warning: ${text}`),
    scratchMount: options.scratchMount,
    gateUngranted: !hook,
  });
  const consent = new ConsentSession({
    policy: decision.policy,
    prompter: cannotAsk ? undefined : new TerminalPrompter(),
    subject: { name: metadata.name, version: metadata.version, digest: subject.digest, source: subject.source },
    grantSubject: subject,
    configFile: options.configFile,
    mounts: enforced.mounts,
    env: options.env,
    earlier: decision.earlier,
    silent: hook,
  });
  const { settings } = decision.config;
  const timeoutMs = (hook ? settings.hookTimeoutSeconds : (options.timeoutSeconds ?? settings.timeoutSeconds)) * 1000;
  return {
    access: {
      sandbox: enforced.sandbox,
      scratchGuestPath: enforced.scratchGuestPath,
      identityDir: subject.identity.dirName,
      hostExec: { timeoutMs },
      consent,
      prompts: hook ? false : options.interactive,
    },
    limits: { timeoutMs, memoryMb: settings.memoryMb, maxOutputBytes: settings.maxOutputMb * 1048576 },
    consent,
  };
}
