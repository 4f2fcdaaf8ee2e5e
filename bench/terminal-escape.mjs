// `node bench/terminal-escape.mjs`: throughput of the escaper that every byte a
// plugin writes to a terminal goes through (src/util/terminal-escape.ts), on
// 64 MiB (the default output cap) in 4 KiB writes. Prints figures, never fails.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = await build({
  entryPoints: [join(ROOT, 'src', 'util', 'terminal-escape.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const { TerminalEscaper } = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);

const MiB = 1 << 20;
const kinds = {
  'ASCII text': ('y'.repeat(79) + '\n').repeat(52),
  'UTF-8 text (CJK, accents, emoji)': ('漢字ünï🦀 '.repeat(8) + '\n').repeat(40),
  'coloured output (every ESC escaped)': '\u001b[31mred\u001b[0m text here\n'.repeat(170),
};
for (const [name, text] of Object.entries(kinds)) {
  const chunk = Buffer.from(text);
  const writes = Math.ceil((64 * MiB) / chunk.length);
  const escaper = new TerminalEscaper();
  const start = process.hrtime.bigint();
  let out = 0;
  for (let i = 0; i < writes; i++) out += escaper.write(chunk).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mib = (writes * chunk.length) / MiB;
  console.log(`${name.padEnd(38)} ${(mib / seconds).toFixed(0).padStart(5)} MiB/s  (${mib.toFixed(0)} MiB in, ${(out / MiB).toFixed(0)} MiB out)`);
}
