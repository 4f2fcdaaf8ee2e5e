import { LOG_LEVELS, type LogLevel, type OutputFormat } from '../contract/wit.js';
import { UsageError } from '../util/errors.js';
import { emptyGrants, type Grants } from '../sandbox/grants.js';
import { timeoutProblem } from '../sandbox/limits.js';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

/** Options that go before the plugin name: `wash [global options] <plugin> [argv...]`. */
export interface GlobalOptions {
  output: OutputFormat;
  logLevel: LogLevel;
  config?: string;
  prompt: boolean;
  /** --no-hooks: run no other plugin's hooks during this command. */
  hooks: boolean;
  help: boolean;
  version: boolean;
  /** This run's grants from --allow-* (paths as typed; resolved at run time). */
  allow: Grants;
  allowAll: boolean;
  /** --timeout: overrides the config's timeout_seconds for this run. */
  timeoutSeconds?: number;
}

export const DEFAULT_GLOBALS: GlobalOptions = {
  output: 'text',
  logLevel: 'info',
  prompt: true,
  hooks: true,
  help: false,
  version: false,
  allow: emptyGrants(),
  allowAll: false,
};

/** `--allow-<what>=a,b` (Deno style): which grant list each fills. */
const ALLOW_LISTS: Record<string, 'env' | 'read' | 'write' | 'net' | 'exec'> = {
  '--allow-env': 'env',
  '--allow-read': 'read',
  '--allow-write': 'write',
  '--allow-net': 'net',
  '--allow-run': 'exec',
};
const ALLOW_SWITCHES: Record<string, 'scratch' | 'listen'> = { '--allow-scratch': 'scratch', '--allow-listen': 'listen' };

type Spec = { key: keyof GlobalOptions; takesValue: boolean; choices?: readonly string[] };

const SPECS: Record<string, Spec> = {
  '--output': { key: 'output', takesValue: true, choices: OUTPUT_FORMATS },
  '-o': { key: 'output', takesValue: true, choices: OUTPUT_FORMATS },
  '--log-level': { key: 'logLevel', takesValue: true, choices: LOG_LEVELS },
  '--config': { key: 'config', takesValue: true },
  '--no-prompt': { key: 'prompt', takesValue: false },
  '--no-hooks': { key: 'hooks', takesValue: false },
  '--timeout': { key: 'timeoutSeconds', takesValue: true },
  '--help': { key: 'help', takesValue: false },
  '-h': { key: 'help', takesValue: false },
  '--version': { key: 'version', takesValue: false },
  '-V': { key: 'version', takesValue: false },
};

/**
 * Read the global options at the front of argv, stopping at the first word
 * that is not one (the plugin or host command). The rest is returned as is:
 * whatever follows a plugin's name is the plugin's.
 */
export function splitGlobals(argv: readonly string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { ...DEFAULT_GLOBALS, allow: emptyGrants() };
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-') || token === '-') break;
    if (token === '--') {
      i++;
      break;
    }
    const eq = token.indexOf('=');
    const name = token.startsWith('--') && eq !== -1 ? token.slice(0, eq) : token;
    const list = ALLOW_LISTS[name];
    if (list) {
      const value = eq !== -1 ? token.slice(eq + 1) : argv[++i];
      if (!value)
        throw new UsageError(
          `option '${name}' needs a value, e.g. ${name}=${list === 'net' ? 'https://api.example.com' : list === 'env' ? 'NAME' : list === 'exec' ? 'git' : '/some/dir'}`,
        );
      globals.allow[list].push(...value.split(',').filter(Boolean));
      continue;
    }
    if (ALLOW_SWITCHES[name] || name === '--allow-all' || name === '-A') {
      if (eq !== -1) throw new UsageError(`option '${name}' takes no value`);
      if (name === '--allow-all' || name === '-A') globals.allowAll = true;
      else globals.allow[ALLOW_SWITCHES[name]!] = true;
      continue;
    }
    const spec = SPECS[name];
    if (!spec) throw new UsageError(`unknown option '${name}'`, "see 'wash --help'");
    if (!spec.takesValue) {
      if (eq !== -1) throw new UsageError(`option '${name}' takes no value`);
      (globals as unknown as Record<string, unknown>)[spec.key] = spec.key === 'prompt' || spec.key === 'hooks' ? false : true;
      continue;
    }
    const value = eq !== -1 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option '${name}' needs a value`);
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`option '${name}' must be one of: ${spec.choices.join(', ')} (got '${value}')`);
    }
    if (spec.key === 'timeoutSeconds') {
      const seconds = Number(value);
      // Blank is not 0 (Number('') is): it is a missing number.
      const problem = value.trim() === '' ? 'needs a number of seconds' : timeoutProblem(seconds);
      if (problem) throw new UsageError(`option '${name}' ${problem} (got '${value}')`);
      globals.timeoutSeconds = seconds;
      continue;
    }
    (globals as unknown as Record<string, unknown>)[spec.key] = value;
  }
  return { globals, rest: argv.slice(i) };
}
