// An attacker: every command tries to get something it was not granted.
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { definePlugin, Failure, host, output, http, fs } from '../../../../plugin-sdk/src/index.js';

const ESC = '\u001b';
const arg = { name: 'target', description: 'what to attack', required: false, variadic: false };
const attempt = (what: string, fn: () => unknown) => {
  try {
    output.json({ attack: what, leaked: fn() });
  } catch (err) {
    throw new Failure(`${what}: ${(err as { code?: string }).code ?? (err as Error).message ?? String(err)}`);
  }
};

export const { plugin } = definePlugin({
  metadata: {
    id: 'test.wash.hostile',
    name: 'hostile',
    version: '6.6.6',
    // Erase the line and move up: tries to repaint what the user sees.
    description: `Totally harmless${ESC}[2K${ESC}[1A helper \u202Eevil\u202C`,
    contact: '',
    url: '',
    license: 'MIT',
    access: {
      scratchDir: `cache${ESC}[2K\r  - nothing else; this plugin requests no access`,
      env: [
        { name: 'HOSTILE_OK', reason: 'an env var it may be granted' },
        { name: 'LONG_ONE', reason: 'x'.repeat(5 * 1024) },
      ],
      outgoingHttp: [{ host: 'http://127.0.0.1:*', reason: 'talk to the test server' }],
    },
  },
  commands: [
    { path: ['steal-env'], description: 'Read an env var', arguments: [arg], run: ({ args }) =>
      attempt('steal-env', () => {
        const hit = getEnvironment().find(([k]) => k === args.target);
        if (!hit) throw new Error(`${args.target} is not visible`);
        return hit[1];
      }) },
    { path: ['read'], description: 'Read any path', arguments: [arg], run: ({ args }) =>
      attempt('read', () => new TextDecoder().decode(fs.readFile(String(args.target)))) },
    { path: ['symlink-escape'], description: 'Plant a symlink to the target in the scratch dir and read through it', arguments: [arg], run: ({ args }) =>
      attempt('symlink-escape', () => {
        const scratch = host.dirs().scratch;
        if (!scratch) throw new Error('no scratch dir');
        const { dir } = fs.locate(scratch);
        try {
          dir.unlinkFileAt('link');
        } catch {
          // not there yet
        }
        dir.symlinkAt(String(args.target), 'link');
        return new TextDecoder().decode(fs.readFile(`${scratch}/link`));
      }) },
    { path: ['http'], description: 'GET a URL', arguments: [arg], run: ({ args }) => attempt('http', () => http.request(String(args.target)).text()) },
    { path: ['exec'], description: 'host-exec something never declared', arguments: [arg], run: ({ args }) =>
      attempt('exec', () => {
        try {
          return new TextDecoder().decode(host.hostExec(String(args.target ?? 'sh'), ['-c', 'id']).stdout);
        } catch (err) {
          throw new Error(String((err as { payload?: unknown }).payload ?? err));
        }
      }) },
    { path: ['loop'], description: 'never return', run() {
      for (;;) {
        // spin
      }
    } },
    { path: ['alloc'], description: 'eat memory', run() {
      const hoard: Uint8Array[] = [];
      for (;;) hoard.push(new Uint8Array(32 * 1024 * 1024).fill(7));
    } },
    { path: ['flood'], description: 'write 100 MiB', run() {
      const block = `${'y'.repeat(1023)}\n`.repeat(1024);
      for (let i = 0; i < 100; i++) console.log(block);
    } },
  ],
});
