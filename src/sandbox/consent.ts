/**
 * Consent at the moment of use, the I/O half: the main thread's side of one
 * run. The worker's gates (access-use.ts) send each first use here; the
 * policy (consent-policy.ts) says granted, denied or askable; an askable use
 * becomes one question to the prompter (prompter.ts), one at a time, and its
 * "always" / "deny always" are recorded for the plugin's identity
 * (grant-store.ts). Denials that happened without a question are kept and
 * told, one line each, when the run ends (summary()).
 */
import { describeItem, type AccessItem } from './access-items.js';
import { emptyGrants, type Grants } from './config.js';
import { itemKey, type Answer, type ConsentPolicy, type DenyReason, type ToRecord } from './consent-policy.js';
import { questionTooLong, type ConsentRequest, type Prompter, type PromptSubject } from './prompter.js';
import { writeAccess, writeDenials, writeGrants, type GrantSubject } from './grant-store.js';
import { allowFlags, grantsSummary, type EarlierGrants } from './decide.js';
import { makeScratchDir, type Mount } from './enforce.js';
import { realPathOf } from './real-paths.js';
import { grantCommand, grantOptions, mergeGrants, shellQuote } from './policy.js';
import type { AccessUse, UseAnswer } from './access-use.js';
import { escapeUntrusted as esc } from '../util/untrusted.js';

export interface SessionOptions {
  policy: ConsentPolicy;
  /** Asks the user; undefined when nobody can be asked (the policy then never says askable). */
  prompter?: Prompter;
  /** Who asks, as the question shows it. */
  subject: PromptSubject;
  /** Whose answers are recorded (nothing is, for an identity that never remembers). */
  grantSubject: GrantSubject;
  configFile: string;
  /** Gated preopens by guest path (enforce.ts). */
  mounts: Record<string, Mount>;
  /** The host environment the declared variables are read from. */
  env: NodeJS.ProcessEnv;
  earlier?: EarlierGrants;
  /** Tell nothing at the end (hooks). */
  silent?: boolean;
}

interface Denial {
  item?: AccessItem;
  /** What was refused, in words, for an item the plugin never declared. */
  text?: string;
  reason: DenyReason;
  /** Covered by grants of an earlier component that wait for confirmation. */
  earlier?: boolean;
}

const denied = (reason: DenyReason): UseAnswer => ({ allowed: false, reason });
/** Denials told at the end of a run, at most (a plugin may try thousands of hosts). */
const MAX_SUMMARY_LINES = 20;
/** What an undeclared request is shown as, at most (its authority comes from the plugin). */
const MAX_UNDECLARED_TEXT = 200;
const cut = (text: string) => (text.length > MAX_UNDECLARED_TEXT ? `${text.slice(0, MAX_UNDECLARED_TEXT)}...` : text);
const ALLOWED: UseAnswer = { allowed: true };

export class ConsentSession {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly denials = new Map<string, Denial>();
  private earlierAsked = false;
  private closed = false;

  constructor(private readonly options: SessionOptions) {}

  /** Decide one use; uses are decided one after another (one question on screen at a time). */
  use(use: AccessUse): Promise<UseAnswer> {
    const next = this.queue.then(() => (this.closed ? denied('answered') : this.decide(use)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The run ended: anything still waiting is refused. */
  close(): void {
    this.closed = true;
    this.options.prompter?.cancel?.();
  }

  private async decide(use: AccessUse): Promise<UseAnswer> {
    const { policy } = this.options;
    switch (use.kind) {
      case 'path': {
        const mount = this.options.mounts[use.mount];
        if (!mount) return denied('undeclared');
        const answer = await this.resolve(mount.item, () => this.pathRequest(mount));
        if (!answer.allowed) return answer;
        return (await this.ready(mount)) ? ALLOWED : denied('answered');
      }
      case 'env':
        return this.decideEnv();
      case 'net': {
        const item = policy.netItem(use.scheme, use.authority);
        if (!item) {
          this.deny(`net:${use.scheme}://${use.authority}`, { reason: 'undeclared', text: cut(`outgoing HTTP to ${use.scheme}://${use.authority}`) });
          return denied('undeclared');
        }
        return this.resolve(item, () => ({ what: describeItem(item), label: (item as { host: string }).host }));
      }
      case 'exec': {
        const item: AccessItem = { kind: 'exec', binary: use.binary, reason: '' };
        const declared = policy.declaredFor(item);
        if (!declared) {
          this.deny(itemKey(item), { reason: 'undeclared', text: cut(`running ${use.binary}`) });
          return denied('undeclared');
        }
        const line = [use.binary, ...use.args].map(shellQuote).join(' ');
        return this.resolve({ ...item, reason: declared.reason }, () => ({
          what: `run ${line}${use.background ? ' (in the background)' : ''}`,
          label: `run ${line}`,
        }));
      }
      case 'listen': {
        const item = policy.declared.find((i) => i.kind === 'listen');
        if (!item) {
          this.deny('listen', { reason: 'undeclared', text: 'serving HTTP' });
          return denied('undeclared');
        }
        const where = use.port === 0 ? 'a free port on 127.0.0.1' : `127.0.0.1:${use.port}`;
        return this.resolve(item, () => ({ what: `serve HTTP on ${where}`, label: `serve HTTP on ${where}` }));
      }
    }
  }

  /** The verdict for `item`, asking when it is askable. */
  private async resolve(item: AccessItem, words: () => { what: string; label: string }): Promise<UseAnswer> {
    const { policy } = this.options;
    let verdict = policy.verdict(item);
    if (verdict.state === 'askable' && policy.earlierCovers(item)) {
      await this.askAboutEarlier();
      verdict = policy.verdict(item);
    }
    if (verdict.state === 'granted') return ALLOWED;
    if (verdict.state === 'denied') {
      this.deny(itemKey(item), { item, reason: verdict.reason, earlier: policy.earlierCovers(item) });
      return denied(verdict.reason);
    }
    const answer = await this.ask(item, { ...words(), reason: item.reason });
    if (answer === undefined) return denied('too-long');
    return answer === 'once' || answer === 'always' ? ALLOWED : denied('answered');
  }

  /** Ask about one item (or several env vars at once); undefined when the question was too long to show. */
  private async ask(item: AccessItem | AccessItem[], words: { what: string; label: string; reason: string }): Promise<Answer | undefined> {
    const items = Array.isArray(item) ? item : [item];
    const request: ConsentRequest = { subject: this.options.subject, ...words, remembers: this.options.grantSubject.identity.remembers };
    if (questionTooLong(request) || !this.options.prompter) {
      for (const i of items) this.deny(itemKey(i), { item: i, reason: 'too-long' });
      return undefined;
    }
    const answer = await this.options.prompter.ask(request);
    let record: ToRecord = {};
    for (const i of items) {
      const r = this.options.policy.answer(i, answer);
      record = { grant: merge(record.grant, r.grant), deny: merge(record.deny, r.deny) };
    }
    await this.record(record);
    return answer;
  }

  private async record(record: ToRecord): Promise<void> {
    const { configFile, grantSubject } = this.options;
    if (!grantSubject.identity.remembers) return;
    if (record.grant) await writeGrants(configFile, grantSubject, (current) => mergeGrants(current, record.grant!));
    if (record.deny) await writeDenials(configFile, grantSubject, (current) => mergeGrants(current, record.deny!));
  }

  /** The component changed since its grants were recorded: ask once whether they apply. */
  private async askAboutEarlier(): Promise<void> {
    const { earlier, policy, prompter, configFile, grantSubject } = this.options;
    if (this.earlierAsked || !earlier || !prompter) return;
    this.earlierAsked = true;
    const request: ConsentRequest = {
      kind: 'keep-grants',
      subject: this.options.subject,
      what: '',
      label: '',
      reason: '',
      remembers: grantSubject.identity.remembers,
      details: [`was: ${earlier.was}`, `now: ${earlier.now}`, `recorded grants: ${grantsSummary(earlier.grants)}`],
    };
    const answer = questionTooLong(request) ? 'deny' : await prompter.ask(request);
    policy.settleEarlier(answer === 'once' || answer === 'always');
    if (answer === 'always') await writeGrants(configFile, grantSubject, () => earlier.grants);
    if (answer === 'deny-always') await writeAccess(configFile, grantSubject, (current) => ({ grants: emptyGrants(), denied: current.denied }));
  }

  private pathRequest(mount: Mount): { what: string; label: string } {
    const { item } = mount;
    if (item.kind !== 'read' && item.kind !== 'write') return { what: `its scratch directory ${mount.scratchDir ?? mount.hostPath}`, label: 'scratch dir' };
    return { what: describeItem(item), label: `${item.kind === 'read' ? 'read' : 'read and write'} ${item.path}` };
  }

  /** A granted mount made usable: the scratch dir created, a path checked to lead where it was mounted. */
  private async ready(mount: Mount): Promise<boolean> {
    try {
      if (mount.scratchDir !== undefined) await makeScratchDir(mount.scratchDir, mount.hostPath);
      else if ((await realPathOf((mount.item as { path: string }).path)) !== mount.hostPath) return false;
      return true;
    } catch {
      return false;
    }
  }

  /** The first read of the environment: one question for the declared variables it lacks (those set here). */
  private async decideEnv(): Promise<UseAnswer> {
    const { policy, env } = this.options;
    const present = policy.declared.filter((i): i is Extract<AccessItem, { kind: 'env' }> => i.kind === 'env' && env[i.name] !== undefined);
    let askable = present.filter((i) => policy.verdict(i).state === 'askable');
    if (askable.some((i) => policy.earlierCovers(i))) {
      await this.askAboutEarlier();
      askable = present.filter((i) => policy.verdict(i).state === 'askable');
    }
    if (askable.length > 0) {
      const names = askable.map((i) => i.name);
      const reasons = [...new Set(askable.map((i) => (askable.length > 1 ? `${i.name}: ${i.reason}` : i.reason)))];
      await this.ask(askable, {
        what: `${names.length > 1 ? 'environment variables' : 'environment variable'} ${names.join(', ')}`,
        label: `env ${names.join(', ')}`,
        reason: reasons.join('; '),
      });
    }
    const visible: Record<string, string> = {};
    for (const item of present) {
      const verdict = policy.verdict(item);
      if (verdict.state === 'granted') visible[item.name] = env[item.name]!;
      else if (verdict.state === 'denied') this.deny(itemKey(item), { item, reason: verdict.reason, earlier: policy.earlierCovers(item) });
    }
    return { allowed: true, env: visible };
  }

  private deny(key: string, denial: Denial): void {
    if (!this.denials.has(key)) this.denials.set(key, denial);
  }

  /**
   * One line per item denied without a question during the run, saying how
   * to grant it; nothing when nothing was denied (or for a hook). An answer
   * the user just gave is not repeated.
   */
  summary(pluginName: string): string[] {
    if (this.options.silent) return [];
    const name = esc(pluginName);
    const lines: string[] = [];
    let earlierTold = false;
    for (const { item, text, reason, earlier } of this.denials.values()) {
      if (reason === 'answered') continue;
      if (earlier && this.options.earlier) {
        if (earlierTold) continue;
        earlierTold = true;
        const { was, now } = this.options.earlier;
        lines.push(
          `wash: plugin '${name}' changed since its grants were recorded (was ${esc(was)}, now ${esc(now)}); they do not apply until you confirm them: wash plugin grant ${name} --confirm`,
        );
        continue;
      }
      const what = esc(item ? describeItem(item) : (text ?? 'access'));
      switch (reason) {
        case 'undeclared':
          lines.push(`wash: ${name} was denied ${what}: the plugin does not declare it`);
          break;
        case 'system-path':
          lines.push(`wash: ${name} was denied ${what}: a system path; allow it for one run with --allow-read`);
          break;
        case 'too-long':
          lines.push(`wash: ${name} was denied, without asking, an access request too long to show safely`);
          break;
        case 'recorded':
          lines.push(
            `wash: ${name} was denied ${what} (you chose "deny always"; to be asked again: wash plugin revoke ${name} ${esc(grantOptions(item ? [item] : []))})`,
          );
          break;
        default: {
          const why = reason === 'no-prompt' ? '--no-prompt' : 'no terminal to ask';
          const grant = item ? esc(grantCommand(pluginName, [item])) : '';
          const flags = item ? esc(allowFlags([item])) : '';
          lines.push(`wash: ${name} was denied ${what} (${why}); to grant it: ${grant}, or for one run: wash ${flags} ${name} ...`);
        }
      }
    }
    if (lines.length <= MAX_SUMMARY_LINES) return lines;
    return [
      ...lines.slice(0, MAX_SUMMARY_LINES - 1),
      `wash: ${name} was denied ${lines.length - MAX_SUMMARY_LINES + 1} more uses of access it was not granted`,
    ];
  }
}

function merge(a: Grants | undefined, b: Grants | undefined): Grants | undefined {
  if (!a) return b;
  if (!b) return a;
  return mergeGrants(a, b);
}
