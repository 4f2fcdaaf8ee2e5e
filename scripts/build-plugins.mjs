// Builds every core plugin: each folder under plugins/ with a package.json.
// Run by `npm install` (prepare). Unchanged plugins are skipped by content hash.
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT } from './plugin-build.mjs';

const pluginsDir = join(ROOT, 'plugins');
const dirs = [];
for (const name of (await readdir(pluginsDir)).sort()) {
  const dir = join(pluginsDir, name);
  if (
    await stat(join(dir, 'package.json')).then(
      () => true,
      () => false,
    )
  )
    dirs.push(dir);
}

// One child process per plugin, two at a time: componentize-js is CPU-bound and single-threaded.
const script = join(ROOT, 'scripts', 'componentize-plugin.mjs');
/** @type {(dir: string) => Promise<void>} */
const runOne = (dir) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building ${dir} failed`))));
  });
const queue = [...dirs];
const workers = Array.from({ length: 2 }, async () => {
  while (queue.length) await runOne(queue.shift());
});
try {
  await Promise.all(workers);
  // Ship each core plugin transpiled, with its metadata: no transpiling on a user's first run.
  const { prepareComponent } = await import(join(ROOT, 'dist', 'prepare-component.js'));
  for (const dir of dirs) {
    const { wash } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const wasm = join(dir, 'dist', `${wash?.name ?? basename(dir)}.wasm`);
    const manifestFile = join(dir, 'dist', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    const { name, record } = await prepareComponent(wasm, join(dir, 'dist', 'transpiled'), manifest.transpiled);
    // wash loads the shipped entry only if every file matches these hashes.
    await writeFile(`${manifestFile}.tmp-${process.pid}`, JSON.stringify({ ...manifest, transpiled: record }, null, 2));
    await rename(`${manifestFile}.tmp-${process.pid}`, manifestFile);
    console.error(`${name}: transpiled for the package`);
  }
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
