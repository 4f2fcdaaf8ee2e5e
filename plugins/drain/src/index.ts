// `wash drain`: clear wash's caches. A core plugin, and an example of a
// plugin that asks for host directories (`access.paths`) and works in them
// through wasi:filesystem.
import { command, definePlugin, host, log, output, UsageError } from '@wash/plugin-sdk';
import { humanBytes, plural } from './format.js';
import { SCOPES, isScope, needsConfirmation, targetsOf, type Scope } from './scopes.js';
import { drain, isVisible, type Problem } from './walk.js';

/** What `--output json` prints; text mode shows the same as a table and a total line. */
interface Report {
  scope: Scope;
  dry_run: boolean;
  /** One entry per drained path that held something. */
  removed: { path: string; files: number; bytes: number }[];
  total: { files: number; bytes: number };
  /** What could not be examined or removed. */
  errors: Problem[];
  /** Paths outside every directory the host opened for us: access not granted, or they do not exist. */
  not_visible: string[];
}

function parseScope(word: string | undefined): Scope {
  if (word === undefined) return 'all';
  if (!isScope(word)) throw new UsageError(`unknown scope '${word}' (one of: ${SCOPES.join(', ')})`);
  return word;
}

/** `wash drain [scope] [--dry-run] [--yes]` */
const drainCommand = command({
  path: [],
  description:
    'Remove cached files: all = cache + downloads (default); plugin-data (plugin keys and tokens) only with --yes. ' +
    'Never follows symlinks. Exits 1 if anything could not be removed',
  flags: [
    { long: 'dry-run', short: 'n', description: 'Show what would be removed; remove nothing', required: false },
    { long: 'yes', short: 'y', description: 'Confirm draining plugin-data', required: false },
  ],
  arguments: [{ name: 'scope', description: `What to drain: ${SCOPES.join(' | ')} (default: all)`, required: false, variadic: false }],
  examples: ['wash drain all', 'wash drain cache --dry-run', 'wash --output json drain downloads', 'wash drain plugin-data --yes'],
  run({ args, flags }): number {
    const scope = parseScope(args.scope);
    const dryRun = flags['dry-run'] === true;
    if (needsConfirmation(scope) && !dryRun && flags.yes !== true) {
      // No prompt here: a plugin has no terminal. The user confirms with the flag.
      throw new UsageError(`'${scope}' holds plugin keys and tokens: pass --yes to remove it (or --dry-run to see what it holds)`);
    }

    const report: Report = { scope, dry_run: dryRun, removed: [], total: { files: 0, bytes: 0 }, errors: [], not_visible: [] };
    for (const path of targetsOf(scope, host.dirs())) {
      if (!isVisible(path)) {
        report.not_visible.push(path);
        log.warn(`cannot see ${path}: access was not granted, or it does not exist`);
        continue;
      }
      const tally = drain(path, { dryRun });
      if (tally?.problems.length === 1 && tally.problems[0]!.path === path && tally.problems[0]!.error === 'access') {
        // wash mounted it but refused it at its first use (not granted, or denied when asked).
        report.not_visible.push(path);
        log.warn(`cannot see ${path}: access was not granted`);
        continue;
      }
      if (!tally) {
        log.debug(`${path} does not exist: nothing to drain`);
        continue;
      }
      if (tally.files > 0) report.removed.push({ path, files: tally.files, bytes: tally.bytes });
      report.total.files += tally.files;
      report.total.bytes += tally.bytes;
      report.errors.push(...tally.problems);
    }

    for (const problem of report.errors) log.error(`could not remove ${problem.path}: ${problem.error}`);
    printReport(report);
    return report.errors.length > 0 ? 1 : 0;
  },
});

function printReport(report: Report) {
  if (output.isJson()) {
    output.json(report);
    return;
  }
  const { files, bytes } = report.total;
  if (report.removed.length > 0) {
    output.table(
      ['path', 'files', 'size'],
      report.removed.map((r) => [r.path, String(r.files), humanBytes(r.bytes)]),
    );
  }
  // Anything short of a clean drain is said on the total line too (the details are in the warnings above).
  const notes = [
    report.errors.length > 0 ? `${plural(report.errors.length, 'path')} could not be removed` : '',
    report.not_visible.length > 0 ? `${plural(report.not_visible.length, 'path')} not visible` : '',
  ].filter(Boolean);
  const suffix = notes.map((n) => `; ${n}`).join('');
  if (files === 0 && notes.length === 0) output.print(`nothing to drain (${report.scope})`);
  else if (files === 0) output.print(`nothing drained (${notes.join('; ')})`);
  else if (report.dry_run) output.print(`would remove ${plural(files, 'file')}, ${humanBytes(bytes)} (dry run)${suffix}`);
  else output.print(`removed ${plural(files, 'file')}, ${humanBytes(bytes)}${suffix}`);
}

const sdk = definePlugin({
  metadata: {
    id: 'dev.wash.drain',
    name: 'drain',
    version: '0.1.0',
    description: "Clear wash's caches",
    contact: 'wash-ts maintainers',
    url: '',
    license: 'Apache-2.0',
    access: {
      paths: [
        { path: '{cache}', access: 'read-write', reason: 'clear the transpile cache, digests and downloads' },
        { path: '{data}/plugins/fs', access: 'read-write', reason: 'plugin scratch dirs, only with plugin-data' },
      ],
    },
  },
  commands: [drainCommand],
});

export const plugin = sdk.plugin;
