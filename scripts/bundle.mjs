// Bundles the CLI into dist/ with esbuild: one file to load at start-up instead
// of dozens of modules. Lazy imports become separate chunks, so running a plugin
// never loads commander, and printing help never loads jco or the WASI shim.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './componentize-plugin.mjs';

const jco = JSON.parse(await readFile(join(ROOT, 'node_modules', '@bytecodealliance', 'jco', 'package.json'), 'utf8'));
await rm(join(ROOT, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: {
    wash: join(ROOT, 'src', 'cli', 'main.ts'),
    'run-worker': join(ROOT, 'src', 'plugin-host', 'run-worker.ts'),
    'info-worker': join(ROOT, 'src', 'plugin-host', 'info-worker.ts'),
    'prepare-component': join(ROOT, 'src', 'plugin-host', 'prepare-component.ts'),
  },
  outdir: join(ROOT, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Heavy or native-ish dependencies stay in node_modules and load only when needed.
  external: ['@bytecodealliance/*', 'undici', '@inquirer/*', 'smol-toml'],
  chunkNames: 'chunks/[name]-[hash]',
  // commander is CommonJS and requires node built-ins; give the ESM chunks a require.
  banner: { js: "import { createRequire as __washCreateRequire } from 'node:module'; const require = __washCreateRequire(import.meta.url);" },
  // The transpile cache is keyed by jco's version; knowing it at build time saves a lookup per start.
  define: { __JCO_VERSION__: JSON.stringify(jco.version) },
  logLevel: 'warning',
});
