// `npm test`: runs the built component through `wash plugin test`, as wash
// itself would run it once installed (same sandbox, same help rendering).
// Build first: `npm run build`.
//
// Which wash: $WASH if set (the wash executable, or a wash `bin/wash.js`),
// else the wash that generated this project (below), else `wash` on PATH.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const GENERATED_BY = __WASH_BIN__;

const root = dirname(fileURLToPath(import.meta.url));
const NAME = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).wash.name;
const wasm = join(root, `${NAME}.wasm`);
const washBin = process.env.WASH || (existsSync(GENERATED_BY) ? GENERATED_BY : 'wash');

const [command, prefix] = washBin.endsWith('.js') ? [process.execPath, [washBin]] : [washBin, []];
const env = { ...process.env, NO_COLOR: '1' };

/** Run `wash <args...>`; never on a terminal, so wash asks for nothing and denies ungranted access. */
function wash(...args) {
  const r = spawnSync(command, [...prefix, ...args], { encoding: 'utf8', env });
  if (r.error) throw new Error(`cannot run wash (${washBin}): ${r.error.message}; set WASH=/path/to/wash`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the component is built', () => {
  assert.ok(existsSync(wasm), `${NAME}.wasm is missing: run npm run build`);
});

test('--help lists the commands', () => {
  const r = wash('plugin', 'test', wasm, '--help');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /__COMMAND__/);
  assert.match(r.stdout, /letters/);
});

test('__COMMAND__ greets the name given', () => {
  const r = wash('plugin', 'test', wasm, '__COMMAND__', 'Ada', '--shout');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'HELLO, ADA!\n');
});

test('--output json: stdout holds one JSON document', () => {
  const r = wash('--output', 'json', 'plugin', 'test', wasm, '__COMMAND__', 'Ada', '--times', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { greeting: 'Hello, Ada!', times: 2 });
});

test('a table becomes an array of objects under --output json', () => {
  const r = wash('--output', 'json', 'plugin', 'test', wasm, 'letters', 'wasm', 'wash');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [
    { word: 'wasm', letters: '4' },
    { word: 'wash', letters: '4' },
  ]);
});

test('a usage error exits 2', () => {
  const r = wash('plugin', 'test', wasm, '__COMMAND__', '--times', 'many');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--times must be a whole number/);
});
// #if http

test('serve answers one request, then exits', async () => {
  // --allow-listen grants incoming HTTP for this run (wash asks for nothing without a terminal).
  const child = spawn(command, [...prefix, '--allow-listen', 'plugin', 'test', wasm, 'serve'], { env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill(), 30_000);
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = /listening on (http:\S+)/.exec(stdout);
      if (found) resolve(found[1]);
    });
    child.on('close', () => reject(new Error(`wash exited before listening: ${stderr}`)));
  });
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'Hello from __NAME__!\n');
  assert.equal(await exited, 0, stderr);
  clearTimeout(timer);
  assert.match(stdout, /answered GET \//);
});
// #endif
