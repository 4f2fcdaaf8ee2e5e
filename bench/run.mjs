// `npm run bench`: wash's costs measured against floors, every row of issue 17's
// table in one run. The commands of all warm rows run round-robin (one of each
// per round, N rounds), so drift on a shared machine hits them alike; a ratio
// is the median of the per-round ratios, shown with the spread (p25-p75) of
// those. Each run's CPU time (user + system, all threads; waiting for a core
// does not count) and peak RSS come from its rusage (bench/measure.py, when
// python3 is there): on a loaded machine the CPU ratio is the steadier one.
// A benchmark, not a test: it prints figures and targets, never fails on them.
//
//   BENCH_RUNS=15      rounds of the warm rows (default 15)
//   BENCH_ONLY=regex   run only the rows whose label matches (setup still runs)
//
// Set-up, cached under .bench/: the tiny Rust plugin (examples/tiny-rust) and 49
// variants of it that differ only in their declared name and id (the Rust
// source's constants patched before building), built with Debian's rustc.
// Every bench run installs them with `wash plugin install` into fresh XDG dirs:
// one with 3 installed plugins (tiny and two variants), one with 50.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRustPlugin } from '../scripts/build-rust-plugin.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WASH = join(ROOT, 'bin', 'wash.js');
const FLOOR = join(ROOT, 'bench', 'floor.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const BENCH = join(ROOT, '.bench');
const TINY_DIR = join(ROOT, 'examples', 'tiny-rust');
const EXAMPLE = join(ROOT, 'test', 'fixtures', 'example', 'dist', 'example.wasm');
const KEYS = join(ROOT, 'plugins', 'keys', 'dist', 'keys.wasm');
const VARIANTS = 49;
const node = process.execPath;

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const selected = (label) => !ONLY || ONLY.test(label);

// ---------------------------------------------------------------------------
// Set-up

/** tiny, and `count` copies whose name and id differ (tiny-2 ... tiny-50), built once. */
async function tinyPlugins(count) {
  const quiet = () => undefined;
  const tiny = await buildRustPlugin(TINY_DIR, { log: quiet });
  const source = readFileSync(join(TINY_DIR, 'src', 'lib.rs'), 'utf8');
  const files = [];
  const pending = [];
  for (let i = 2; i <= count + 1; i++) {
    const name = `tiny-${i}`;
    const dir = join(BENCH, 'tiny-variants', name);
    mkdirSync(join(dir, 'src'), { recursive: true });
    const patched = source.replace('name: s("tiny")', `name: s("${name}")`).replace('id: s("example.wash.tiny")', `id: s("example.wash.${name}")`);
    if (patched === source) throw new Error('cannot find the name and id constants in examples/tiny-rust/src/lib.rs');
    const write = (file, text) => (existsSync(file) && readFileSync(file, 'utf8') === text) || writeFileSync(file, text);
    write(join(dir, 'src', 'lib.rs'), patched);
    // Its other modules (the ABI helpers, the plugin records) as they are.
    for (const file of readdirSync(join(TINY_DIR, 'src')).filter((f) => f.endsWith('.rs') && f !== 'lib.rs')) {
      write(join(dir, 'src', file), readFileSync(join(TINY_DIR, 'src', file), 'utf8'));
    }
    write(join(dir, 'package.json'), JSON.stringify({ private: true, wash: { name, world: 'plugin-guest' } }));
    pending.push(dir);
  }
  // Two builds at a time (rustc is single-threaded here); each is skipped when up to date.
  let built = 0;
  const next = async () => {
    for (let dir = pending.shift(); dir; dir = pending.shift()) {
      const r = await buildRustPlugin(dir, { log: quiet });
      if (!r.skipped) log(`built ${r.file.replace(`${ROOT}/`, '')} (${++built})`);
      files.push(r.file);
    }
  };
  await Promise.all([next(), next()]);
  return [tiny.file, ...files.sort()];
}

const root = mkdtempSync(join(tmpdir(), 'wash-bench-'));
let xdgCount = 0;
/** Fresh XDG dirs; WASH_PLUGIN_PATH unset, so the plugins are the 3 core ones and what is installed. */
function newEnv() {
  const dir = join(root, `xdg-${++xdgCount}`);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
  };
}

/** bench/measure.py, kept running: it answers each run with wall time, CPU time and peak RSS. */
function measurer() {
  const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
  if (!python) return undefined;
  const child = spawn(python, [join(ROOT, 'bench', 'measure.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async run(argv, env) {
      child.stdin.write(`${JSON.stringify({ argv, env })}\n`);
      const { value, done } = await answers.next();
      if (done) throw new Error('bench/measure.py stopped');
      return JSON.parse(value);
    },
    close: () => child.stdin.end(),
  };
}
const measure = measurer();
if (!measure) log('python3 not found: wall time only (no CPU time or peak RSS)');

/** Run a command once: wall time (ms), CPU time (ms) and peak RSS (KiB) when measurable. */
async function run(cmd, args, env) {
  if (measure) {
    const r = await measure.run([cmd, ...args], env);
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${r.status}: ${r.stderr}`);
    return { ms: r.ms, cpu: r.cpu_ms, rss: r.rss_kb };
  }
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ms };
}

/** The transpiled entry a run of `wasm` uses: shipped next to a core plugin, else in the env's cache. */
function transpiledDir(wasm, env) {
  const hex = createHash('sha256').update(readFileSync(wasm)).digest('hex');
  for (const base of [join(dirname(wasm), 'transpiled'), join(env.XDG_CACHE_HOME, 'wash', 'transpiled')]) {
    const entry =
      existsSync(base) &&
      readdirSync(base)
        .filter((d) => d.startsWith(`${hex}-jco`) && !d.endsWith('.json'))
        .sort()
        .pop();
    if (entry) return join(base, entry);
  }
  throw new Error(`no transpiled entry for ${wasm}`);
}

// ---------------------------------------------------------------------------
// Statistics

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
};
const median = (xs) => quantile(xs, 0.5);
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const rows = [];
function addRow(label, figures, ratio, spread, cpu, target, met) {
  rows.push([label, figures, ratio, spread, cpu, target, met === undefined ? '' : met ? 'yes' : 'NO']);
}
/** Per-round ratios of one figure (ms, cpu or rss) of two commands: median and p25-p75. */
function ratios(samples, a, b, key) {
  if (samples[a].some((s) => s[key] === undefined)) return undefined;
  const rs = samples[a].map((s, i) => s[key] / samples[b][i][key]);
  return { median: median(rs), spread: `${quantile(rs, 0.25).toFixed(2)}-${quantile(rs, 0.75).toFixed(2)}` };
}
/** A row comparing two commands of the round-robin: wall time (the target's measure), and CPU time beside it. */
function ratioRow(label, samples, a, b, target) {
  if (!selected(label) || !samples[a] || !samples[b]) return;
  const wall = ratios(samples, a, b, 'ms');
  const cpu = ratios(samples, a, b, 'cpu');
  const ms = (name) => fmtMs(median(samples[name].map((s) => s.ms)));
  addRow(label, `${ms(a)} / ${ms(b)}`, wall.median.toFixed(2), wall.spread, cpu ? cpu.median.toFixed(2) : '', `<= ${target}`, wall.median <= target);
}
/** Peak RSS of two commands of the round-robin. */
function rssRow(label, samples, a, b, target) {
  if (!selected(label) || !samples[a] || !samples[b]) return;
  const rss = ratios(samples, a, b, 'rss');
  if (!rss) return addRow(label, 'needs python3 (bench/measure.py)', '', '', '', `<= ${target}`);
  const mib = (name) => (median(samples[name].map((s) => s.rss)) / 1024).toFixed(0);
  addRow(label, `${mib(a)} / ${mib(b)} MiB`, rss.median.toFixed(2), rss.spread, '', `<= ${target}`, rss.median <= target);
}

// ---------------------------------------------------------------------------

const started = Date.now();
const loadBefore = loadavg();
try {
  if (!existsSync(EXAMPLE)) throw new Error('build the fixture first: npm test (or node scripts/componentize-plugin.mjs test/fixtures/example)');
  log('building tiny and its variants (cached under .bench/)...');
  const tinies = await tinyPlugins(VARIANTS);

  log('installing 3 plugins in one XDG home and 50 in another...');
  const env3 = newEnv();
  const env50 = newEnv();
  const installStart = Date.now();
  for (const file of tinies.slice(0, 3)) await run(node, [WASH, 'plugin', 'install', file], env3);
  for (const file of tinies) await run(node, [WASH, 'plugin', 'install', file], env50);
  log(`installed in ${((Date.now() - installStart) / 1000).toFixed(1)} s`);
  // First runs: each env transpiles (or finds) what the warm rows use.
  for (const env of [env3, env50]) {
    await run(node, [WASH, 'tiny', 'greet'], env);
    await run(node, [WASH, 'keys', 'gen', 'user'], env);
    await run(node, [WASH, 'plugin', 'list'], env);
    await run(node, [WASH, '__complete', 'tiny', 'greet', '--'], env);
  }
  const tinyDir = transpiledDir(tinies[0], env3);
  const keysDir = transpiledDir(KEYS, env3);
  const exampleEnv = { ...newEnv(), WASH_PLUGIN_PATH: dirname(EXAMPLE) };
  await run(node, [WASH, 'example', 'greet'], exampleEnv);
  const exampleDir = transpiledDir(EXAMPLE, exampleEnv);

  // Every warm command, run once per round.
  const commands = {
    'node -e 0': [node, ['-e', '0'], env3],
    version: [node, [WASH, '--version'], env3],
    'help 3': [node, [WASH, '--help'], env3],
    'help 50': [node, [WASH, '--help'], env50],
    'tiny 3': [node, [WASH, 'tiny', 'greet'], env3],
    'tiny 50': [node, [WASH, 'tiny', 'greet'], env50],
    'floor tiny': [node, [FLOOR, tinyDir, 'greet'], env3],
    'keys 3': [node, [WASH, 'keys', 'gen', 'user'], env3],
    'floor keys': [node, [FLOOR, keysDir, 'gen', 'user'], env3],
    'list 3': [node, [WASH, 'plugin', 'list'], env3],
    'list 50': [node, [WASH, 'plugin', 'list'], env50],
    'complete 3': [node, [WASH, '__complete', 'tiny', 'greet', '--'], env3],
    'complete 50': [node, [WASH, '__complete', 'tiny', 'greet', '--'], env50],
    'complete host': [node, [WASH, '__complete', 'plugin', 'install', '--'], env3],
    example: [node, [WASH, 'example', 'greet'], exampleEnv],
    'floor example': [node, [FLOOR, exampleDir, 'greet'], exampleEnv],
  };
  // Which commands the selected rows need.
  const rowNeeds = [
    ['`wash --version` / `node -e 0`', ['version', 'node -e 0']],
    ['`wash --help` / `wash --version` (50 installed)', ['help 50', 'version']],
    ['`wash tiny greet` / `node -e 0`', ['tiny 3', 'node -e 0']],
    ['`wash tiny greet` / floor', ['tiny 3', 'floor tiny']],
    ['`wash keys gen user` / floor', ['keys 3', 'floor keys']],
    ['`wash keys gen user` / `node -e 0`', ['keys 3', 'node -e 0']],
    ['`wash --help`, 50 / 3 installed', ['help 50', 'help 3']],
    ['`wash plugin list`, 50 / 3 installed', ['list 50', 'list 3']],
    ['`wash __complete tiny greet --`, 50 / 3 installed', ['complete 50', 'complete 3']],
    ['`wash tiny greet` (dispatch), 50 / 3 installed', ['tiny 50', 'tiny 3']],
    ['`wash __complete plugin install --` / `wash --help`', ['complete host', 'help 3']],
    ['`wash example greet` (JS plugin) / floor', ['example', 'floor example']],
  ];
  const needed = new Set(rowNeeds.filter(([label]) => selected(label)).flatMap(([, names]) => names));
  const samples = {};
  for (const name of needed) samples[name] = [];
  log(`${RUNS} rounds of ${needed.size} commands...`);
  for (let i = 0; i < RUNS; i++) {
    for (const name of needed) {
      const [cmd, args, env] = commands[name];
      samples[name].push(await run(cmd, args, env));
    }
  }
  const targets = [1.15, 1.1, 2.0, 1.1, 1.05, 5, 1.05, 1.05, 1.05, 1.05, 1.1, 1.3];
  rowNeeds.forEach(([label, [a, b]], i) => {
    ratioRow(label, samples, a, b, targets[i]);
    if (i === 5) rssRow('peak RSS, `wash keys gen user` / floor', samples, 'keys 3', 'floor keys', 1.05);
  });

  // Install of a 14 MB component into fresh XDG dirs, then its first run.
  const installLabel = `\`plugin install\` of a ${(statSync(EXAMPLE).size / 1e6).toFixed(0)} MB component + first run`;
  if (selected(installLabel)) {
    const installs = [];
    const firsts = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const env = newEnv();
      installs.push((await run(node, [WASH, 'plugin', 'install', EXAMPLE], env)).ms);
      firsts.push((await run(node, [WASH, 'example', 'greet'], env)).ms);
    }
    const total = median(installs.map((x, i) => x + firsts[i]));
    addRow(installLabel, `${fmtMs(median(installs))} + ${fmtMs(median(firsts))}`, fmtMs(total), '', '', '<= 1.50 s', total <= 1500);
  }
} finally {
  measure?.close();
  rmSync(root, { recursive: true, force: true });
}

const header = ['measure', 'median (wall)', 'ratio', 'p25-p75', 'cpu ratio', 'target', 'met'];
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
const line = (r) =>
  r
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
console.log(
  `wash benchmark: ${RUNS} rounds, node ${process.version}, ${cpus().length} CPUs, load ${load(loadBefore)} -> ${load(loadavg())}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
console.log(line(header));
for (const r of rows) console.log(line(r));
