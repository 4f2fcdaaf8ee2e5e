/**
 * Consent, the pure part (Deno's permission state, without the prompt): for
 * one run of one plugin, whether each access item is granted, denied or may
 * be asked about, from
 *
 * - what the plugin declared in `info` (the upper bound: anything else is
 *   denied without asking, whatever was granted),
 * - the grants and the "deny always" answers recorded for its identity,
 * - this run's `--allow-*` flags and `-A`,
 * - the answers given during this run.
 *
 * No I/O: the session (consent.ts) asks the prompter and writes the config;
 * the worker's gates (fs-gate.ts, consent-client.ts) ask the session.
 *
 * Precedence, first match wins: not declared -> denied; a system path ->
 * granted only by this run's --allow-read naming it; this run's flags and -A
 * -> granted; an answer given this run; a recorded "deny always"; a recorded
 * grant; a request too long to show -> denied; no way to ask -> denied;
 * otherwise the user is asked.
 */
import { describeItem, type AccessItem } from './access-items.js';
import { emptyGrants, type Grants } from './config.js';
import { covers, grantsFor, isSystemItem, isWithin, mergeGrants, patternSubsumes } from './policy.js';
import { destinationOf, parseHostPattern, type HostPattern } from './host-pattern.js';

/** What the user answered: allow this once (this run, or this one call of a program), always, deny, deny always. */
export type Answer = 'once' | 'always' | 'deny' | 'deny-always';

/** Why a use is refused without asking. */
export type DenyReason =
  | 'undeclared' // the plugin never declared it
  | 'system-path' // `/`, /proc, /sys, /dev: only an explicit --allow-read grants one
  | 'recorded' // the user answered "deny always" earlier
  | 'answered' // denied at a question during this run
  | 'too-long' // a request too long to show safely
  | CannotAsk;

/** Why no question can be asked: no terminal, `--no-prompt`, or a hook (which never asks). */
export type CannotAsk = 'no-terminal' | 'no-prompt' | 'hook';

export type Verdict = { state: 'granted' } | { state: 'askable' } | { state: 'denied'; reason: DenyReason };

/** One item longer than this (description and reason) is refused without being shown. */
const MAX_ITEM_TEXT = 1024;

function itemText(item: AccessItem): string {
  return `${describeItem(item)}: ${item.reason}`;
}

export interface PolicyInput {
  /** What the plugin declared, paths with `real` set: the upper bound. */
  declared: readonly AccessItem[];
  /** Recorded grants that apply to this component (paths real, system paths removed). */
  recorded: Grants;
  /** Recorded "deny always" answers. */
  denied: Grants;
  /** This run's --allow-* flags (paths real). */
  flags: Grants;
  /** -A: everything declared, for this run... */
  allowAll: boolean;
  /** ...except these declared items (keys, see itemKey): paths a symlink leads out of their own directory. */
  notByAllowAll?: readonly string[];
  /** Set when no question can be asked. */
  cannotAsk?: CannotAsk;
  /** Grants recorded for an earlier component behind the same identity: they apply only once the user confirms them. */
  earlier?: Grants;
}

/** A stable key per item: what answers and the worker's caches are keyed by. */
export function itemKey(item: AccessItem): string {
  switch (item.kind) {
    case 'scratch':
    case 'listen':
      return item.kind;
    case 'env':
      return `env:${item.name}`;
    case 'exec':
      return `exec:${item.binary}`;
    case 'net':
      return `net:${item.host}`;
    case 'read':
    case 'write':
      return `${item.kind}:${item.path}`;
  }
}

const safePattern = (text: string): HostPattern | undefined => {
  try {
    return parseHostPattern(text);
  } catch {
    return undefined;
  }
};

/**
 * The concrete `scheme://host[:port]` a request goes to (the port only when
 * it is not the scheme's default), or undefined for an authority that is no
 * host at all.
 */
export function concreteHost(scheme: string, authority: string): string | undefined {
  const dest = destinationOf(scheme, authority);
  if (!dest || (dest.scheme !== 'http' && dest.scheme !== 'https')) return undefined;
  const defaultPort = dest.scheme === 'https' ? 443 : 80;
  const text = `${dest.scheme}://${dest.host}${dest.port === defaultPort ? '' : `:${dest.port}`}`;
  return safePattern(text) ? text : undefined;
}

/** Whether a recorded denial refuses `item`: the same kind of access to it, or to a directory or host pattern around it. */
export function refuses(denied: Grants, item: AccessItem): boolean {
  switch (item.kind) {
    case 'scratch':
      return denied.scratch;
    case 'listen':
      return denied.listen;
    case 'env':
      return denied.env.includes(item.name);
    case 'exec':
      return denied.exec.includes(item.binary);
    case 'read':
      return denied.read.some((p) => isWithin(item.real ?? item.path, p));
    case 'write':
      return denied.write.some((p) => isWithin(item.real ?? item.path, p));
    case 'net': {
      const wanted = safePattern(item.host);
      return (
        wanted !== undefined &&
        denied.net.some((d) => {
          const p = safePattern(d);
          return p !== undefined && patternSubsumes(p, wanted);
        })
      );
    }
  }
}

/** What an answer changes in the config: grants to add, denials to add. */
export interface ToRecord {
  grant?: Grants;
  deny?: Grants;
}

export class ConsentPolicy {
  private readonly answeredGrants: Grants = emptyGrants();
  private readonly answeredDenials: Grants = emptyGrants();
  private earlier: Grants | undefined;
  private readonly notByAllowAll: ReadonlySet<string>;

  constructor(private readonly input: PolicyInput) {
    this.earlier = input.earlier;
    this.notByAllowAll = new Set(input.notByAllowAll ?? []);
  }

  get declared(): readonly AccessItem[] {
    return this.input.declared;
  }

  /** The declared item a use falls under: the same item, or for HTTP the declared pattern that matches the concrete host. */
  declaredFor(item: AccessItem): AccessItem | undefined {
    if (item.kind !== 'net') return this.input.declared.find((d) => itemKey(d) === itemKey(item));
    const wanted = safePattern(item.host);
    if (!wanted) return undefined;
    return this.input.declared.find((d) => {
      if (d.kind !== 'net') return false;
      const p = safePattern(d.host);
      return p !== undefined && patternSubsumes(p, wanted);
    });
  }

  /** A concrete HTTP destination as an item (with the reason of the declaration it falls under), or undefined when none does. */
  netItem(scheme: string, authority: string): AccessItem | undefined {
    const host = concreteHost(scheme, authority);
    if (!host) return undefined;
    const item: AccessItem = { kind: 'net', host, reason: '' };
    const declared = this.declaredFor(item);
    return declared ? { ...item, reason: declared.reason } : undefined;
  }

  verdict(item: AccessItem): Verdict {
    const { flags } = this.input;
    if (!this.declaredFor(item)) return { state: 'denied', reason: 'undeclared' };
    if (isSystemItem(item)) {
      // Only this run's --allow-read naming it (or a directory around it) grants a system path, and only for reading.
      const byFlag = item.kind === 'read' && flags.read.some((p) => isWithin(item.real ?? item.path, p));
      return byFlag ? { state: 'granted' } : { state: 'denied', reason: 'system-path' };
    }
    if (covers(flags, item)) return { state: 'granted' };
    if (this.input.allowAll && !this.notByAllowAll.has(itemKey(item))) return { state: 'granted' };
    if (refuses(this.answeredDenials, item)) return { state: 'denied', reason: 'answered' };
    if (covers(this.answeredGrants, item)) return { state: 'granted' };
    if (refuses(this.input.denied, item)) return { state: 'denied', reason: 'recorded' };
    if (covers(this.input.recorded, item)) return { state: 'granted' };
    if (itemText(item).length > MAX_ITEM_TEXT) return { state: 'denied', reason: 'too-long' };
    if (this.input.cannotAsk) return { state: 'denied', reason: this.input.cannotAsk };
    return { state: 'askable' };
  }

  /** Whether grants recorded for an earlier component would cover `item` (they wait for the user's confirmation). */
  earlierCovers(item: AccessItem): boolean {
    return this.earlier !== undefined && covers(this.earlier, item);
  }

  /** The earlier component's grants, while unconfirmed. */
  earlierGrants(): Grants | undefined {
    return this.earlier;
  }

  /** The user confirmed (keep) or refused the earlier component's grants for this run. */
  settleEarlier(keep: boolean): void {
    if (keep && this.earlier) mergeInto(this.answeredGrants, this.earlier);
    this.earlier = undefined;
  }

  /**
   * Take an answer about `item`. "once" for a host program is that one call
   * (the next call asks again); for everything else it is the rest of this
   * run. Returns what to record in the config.
   */
  answer(item: AccessItem, answer: Answer): ToRecord {
    const exact = grantsFor([item]);
    const perCall = item.kind === 'exec';
    switch (answer) {
      case 'once':
        if (!perCall) mergeInto(this.answeredGrants, exact);
        return {};
      case 'always':
        mergeInto(this.answeredGrants, exact);
        return { grant: exact };
      case 'deny':
        if (!perCall) mergeInto(this.answeredDenials, exact);
        return {};
      case 'deny-always':
        mergeInto(this.answeredDenials, exact);
        return { deny: exact };
    }
  }
}

function mergeInto(target: Grants, add: Grants): void {
  Object.assign(target, mergeGrants(target, add));
}

/**
 * `--allow-*` entries that grant nothing because the plugin declares nothing
 * they cover (a path or host outside every declaration, a variable or
 * program it never named), for a warning.
 */
export function undeclaredGrants(declared: readonly AccessItem[], grants: Grants): string[] {
  const out: string[] = [];
  const any = (pred: (i: AccessItem) => boolean) => declared.some(pred);
  const one = (g: Partial<Grants>) => ({ ...emptyGrants(), ...g });
  for (const name of grants.env) if (!any((i) => i.kind === 'env' && i.name === name)) out.push(`env ${name}`);
  for (const bin of grants.exec) if (!any((i) => i.kind === 'exec' && i.binary === bin)) out.push(`run ${bin}`);
  for (const p of grants.read) if (!any((i) => (i.kind === 'read' || i.kind === 'write') && covers(one({ read: [p] }), i))) out.push(`read ${p}`);
  for (const p of grants.write) if (!any((i) => (i.kind === 'read' || i.kind === 'write') && covers(one({ write: [p] }), i))) out.push(`write ${p}`);
  for (const h of grants.net) if (!any((i) => i.kind === 'net' && covers(one({ net: [h] }), i))) out.push(`net ${h}`);
  if (grants.scratch && !any((i) => i.kind === 'scratch')) out.push('scratch');
  if (grants.listen && !any((i) => i.kind === 'listen')) out.push('listen');
  return out;
}
