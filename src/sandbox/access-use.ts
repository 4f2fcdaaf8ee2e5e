/**
 * The moment of use, as the worker sees it. A plugin's first use of
 * something it may not have yet (a gated preopen, its environment, an HTTP
 * authority, a host program, listening) becomes one AccessUse sent over the
 * synchronous channel to the main thread, where the consent session
 * (consent.ts) decides, asking the user if it may; the guest is blocked
 * inside wasm meanwhile. UseGate remembers each answer for the rest of the
 * run, so a thing is asked about once (a host program: each call).
 */
import type { DenyReason } from './consent-policy.js';

export type AccessUse =
  /** The first operation on a gated preopen (its guest path). */
  | { kind: 'path'; mount: string }
  /** The first read of the environment. */
  | { kind: 'env' }
  /** A request to an authority not yet decided. */
  | { kind: 'net'; scheme: string; authority: string }
  /** One host-exec call. */
  | { kind: 'exec'; binary: string; args: string[]; background: boolean }
  /** host.listen. */
  | { kind: 'listen'; port: number };

export interface UseAnswer {
  allowed: boolean;
  /** Why not, for the plugin's error message. */
  reason?: DenyReason;
  /** For `env`: every variable the plugin may see now, with its value. */
  env?: Record<string, string>;
}

/** Worker side: asks the main thread (synchronously) and remembers the answers for the run. */
export class UseGate {
  private readonly paths = new Map<string, boolean>();
  private readonly hosts = new Map<string, boolean>();
  private envAnswer?: Record<string, string>;
  private listening?: UseAnswer;

  constructor(private readonly ask: (use: AccessUse) => UseAnswer) {}

  /** May the guest use the gated preopen mounted at `mount`? */
  path(mount: string): boolean {
    let allowed = this.paths.get(mount);
    if (allowed === undefined) {
      allowed = this.ask({ kind: 'path', mount }).allowed;
      this.paths.set(mount, allowed);
    }
    return allowed;
  }

  /** The variables the guest may see, asked for on the first read. */
  env(): Record<string, string> {
    this.envAnswer ??= this.ask({ kind: 'env' }).env ?? {};
    return this.envAnswer;
  }

  /** May the guest send a request to `scheme://authority`? */
  net(scheme: string, authority: string): boolean {
    const key = `${scheme.toLowerCase()}://${authority.toLowerCase()}`;
    let allowed = this.hosts.get(key);
    if (allowed === undefined) {
      allowed = this.ask({ kind: 'net', scheme, authority }).allowed;
      this.hosts.set(key, allowed);
    }
    return allowed;
  }

  /** May the guest run this command line now? Asked per call. */
  exec(binary: string, args: string[], background: boolean): UseAnswer {
    return this.ask({ kind: 'exec', binary, args, background });
  }

  listen(port: number): UseAnswer {
    if (this.listening?.allowed === false) return this.listening;
    this.listening = this.ask({ kind: 'listen', port });
    return this.listening;
  }
}
