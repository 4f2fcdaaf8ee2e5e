// `npm run bench`: wash's start-up measured against floors, side by side in one
// run (interleaved, median of N), reported as ratios. A benchmark, not a test:
// it prints figures and targets, and never fails on them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WASH = join(ROOT, 'bin', 'wash.js');
const FLOOR = join(ROOT, 'bench', 'floor.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const EXAMPLE = join(ROOT, 'test', 'fixtures', 'example', 'dist', 'example.wasm');
const KEYS = join(ROOT, 'plugins', 'keys', 'dist', 'keys.wasm');

const root = mkdtempSync(join(tmpdir(), 'wash-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NO_COLOR: '1',
  XDG_CACHE_HOME: join(root, 'cache'),
  XDG_DATA_HOME: join(root, 'data'),
  XDG_CONFIG_HOME: join(root, 'config'),
  WASH_PLUGIN_PATH: dirname(EXAMPLE),
};

function time(cmd, args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const node = process.execPath;

/** The transpiled entry wash uses: in the user cache, or shipped next to a core plugin. */
function transpiledDir(wasm) {
  const hex = createHash('sha256').update(readFileSync(wasm)).digest('hex');
  for (const base of [join(root, 'cache', 'wash', 'transpiled'), join(dirname(wasm), 'transpiled')]) {
    const entry = existsSync(base) && readdirSync(base).find((d) => d.startsWith(`${hex}-jco`) && !d.endsWith('.json'));
    if (entry) return join(base, entry);
  }
  throw new Error(`no transpiled entry for ${wasm}`);
}

/** Interleave the commands run by run so that drift hits all of them alike. */
function compare(pairs) {
  const samples = pairs.map(() => []);
  for (let i = 0; i < RUNS; i++) pairs.forEach(([, cmd, args, e], j) => samples[j].push(time(cmd, args, e)));
  return samples.map(median);
}

const rows = [];
try {
  if (!existsSync(EXAMPLE)) throw new Error('build the fixture first: npm test (or node scripts/componentize-plugin.mjs test/fixtures/example)');

  // Cold: the first run of a new component transpiles it.
  const cold = time(node, [WASH, 'example', 'greet']);
  rows.push(['cold first run (transpile + run), example', `${(cold / 1000).toFixed(2)} s`, '', '']);

  const exampleDir = transpiledDir(EXAMPLE);
  const [washRun, floorRun] = compare([
    ['wash', node, [WASH, 'example', 'greet']],
    ['floor', node, [FLOOR, exampleDir, 'greet']],
  ]);
  rows.push(['warm `wash example greet` / floor', `${washRun.toFixed(0)} ms / ${floorRun.toFixed(0)} ms`, (washRun / floorRun).toFixed(2), '<= 1.30']);

  const [help, version] = compare([
    ['help', node, [WASH, '--help']],
    ['version', node, [WASH, '--version']],
  ]);
  rows.push(['`wash --help` / `wash --version`', `${help.toFixed(0)} ms / ${version.toFixed(0)} ms`, (help / version).toFixed(2), '<= 1.20']);

  // Completing reads the metadata cache only, like --help; a host command's words also load commander.
  const [completePlugin, completeHost, helpAgain] = compare([
    ['complete plugin', node, [WASH, '__complete', 'example', 'greet', '--']],
    ['complete host', node, [WASH, '__complete', 'plugin', 'install', '--']],
    ['help', node, [WASH, '--help']],
  ]);
  rows.push(['`wash __complete example greet --` / `wash --help`', `${completePlugin.toFixed(0)} ms / ${helpAgain.toFixed(0)} ms`, (completePlugin / helpAgain).toFixed(2), '<= 1.10']);
  rows.push(['`wash __complete plugin install --` / `wash --help`', `${completeHost.toFixed(0)} ms / ${helpAgain.toFixed(0)} ms`, (completeHost / helpAgain).toFixed(2), '<= 1.10']);

  if (existsSync(KEYS)) {
    time(node, [WASH, 'keys', 'gen', 'user']); // transpile once
    const keysDir = transpiledDir(KEYS);
    const [keys, keysFloor] = compare([
      ['wash keys', node, [WASH, 'keys', 'gen', 'user']],
      ['floor keys', node, [FLOOR, keysDir, 'gen', 'user']],
    ]);
    rows.push([
      `warm \`wash keys gen user\` / floor (keys.wasm ${(statSync(KEYS).size / 1048576).toFixed(1)} MiB)`,
      `${keys.toFixed(0)} ms / ${keysFloor.toFixed(0)} ms`,
      (keys / keysFloor).toFixed(2),
      '<= 1.15',
    ]);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...[['measure', 'median', 'ratio', 'target'], ...rows].map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(`wash benchmark: ${RUNS} interleaved runs each, node ${process.version}`);
console.log(line(['measure', 'median', 'ratio', 'target']));
for (const r of rows) console.log(line(r));
