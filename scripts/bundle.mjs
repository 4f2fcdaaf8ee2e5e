// Bundles the CLI into dist/ with esbuild.
//
// Start-up is what most commands cost, and each module file node loads costs
// ~1 ms (resolve, open, read, compile). So what the common commands need
// comes in layers, each ONE file holding its modules and exporting all their exports:
//   dist/wash.js          main.ts and what it imports statically
//   dist/wash-context.js  cli/context.ts (options, directories, the plugin catalog) and
//                         cli/root-help.ts, with what they add: enough for --help
// Everything else is built with code splitting: what those import lazily (dist/lazy/),
// the worker entries, and shared chunks. An import of a module that a layer holds
// resolves to that layer's file (`#wash/<file>`, package.json "imports"), so each
// module exists once, whoever imports it: one WashError class, one terminal state.
//
// The layers are ES modules: as CommonJS they would spare node's ES module loader
// (~7 ms) only to make every ES module importing them run node's CommonJS export
// lexer, whose optimisation alone cost more than that (measured, issue 17). Only
// bin/wash.js is CommonJS, to answer `wash --version` before any of this loads.
//
// Running a plugin never loads commander, printing help never loads jco or the WASI shim.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ROOT } from './plugin-build.mjs';

const jco = JSON.parse(await readFile(join(ROOT, 'node_modules', '@bytecodealliance', 'jco', 'package.json'), 'utf8'));
const wash = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
const SRC = join(ROOT, 'src');
const LAYERS = [
  { file: 'wash.js', entries: [join(SRC, 'cli', 'main.ts')] },
  { file: 'wash-context.js', entries: [join(SRC, 'cli', 'context.ts'), join(SRC, 'cli', 'root-help.ts')] },
];

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Heavy or native-ish dependencies stay in node_modules and load only when needed.
  external: ['@bytecodealliance/*', 'undici', '@inquirer/*', 'smol-toml', '#wash/*'],
  // The transpile cache is keyed by jco's version; knowing it (and wash's) at build time saves a lookup per start.
  define: { __JCO_VERSION__: JSON.stringify(jco.version), __WASH_VERSION__: JSON.stringify(wash.version) },
  logLevel: 'warning',
};

/** Source module -> the layer file that holds it. */
const layerOf = new Map();
/** What the layers import dynamically (not a layer entry): entries of the split build, under dist/lazy/. */
const lazy = new Set();
const sourceOf = (args) => resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');

/** Imports of modules a layer holds go to its file; dynamic imports from a layer go to the lazy entries. */
const routing = (fromLayer) => ({
  name: 'routing',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = sourceOf(args);
      const layer = layerOf.get(target) ?? (args.kind === 'dynamic-import' ? LAYERS.find((l) => l.entries.includes(target))?.file : undefined);
      if (layer) return { path: `#wash/${layer}`, external: true };
      if (!fromLayer || args.kind !== 'dynamic-import' || !target.startsWith(`${SRC}/`)) return undefined;
      const name = relative(SRC, target).replace(/\.ts$/, '');
      lazy.add(name);
      return { path: `./lazy/${name}.js`, external: true };
    });
  },
});
await rm(join(ROOT, 'dist'), { recursive: true, force: true });

for (const layer of LAYERS) {
  // The modules of this layer: its entry and what that imports statically, minus earlier layers'.
  const probe = await build({
    ...common,
    entryPoints: layer.entries,
    write: false,
    metafile: true,
    outdir: join(ROOT, 'dist', 'probe'),
    plugins: [routing(true)],
  });
  const modules = new Set();
  const visit = (input) => {
    if (modules.has(input) || !probe.metafile.inputs[input]) return;
    modules.add(input);
    for (const i of probe.metafile.inputs[input].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  for (const entry of layer.entries) visit(relative(ROOT, entry));
  const files = [...modules].map((p) => resolve(ROOT, p)).filter((p) => p.startsWith(`${SRC}/`));

  // Each export under its own name: two modules of a layer exporting one name would be ambiguous.
  const exportsOf = new Map();
  for (const file of files) {
    const one = await build({ entryPoints: [file], write: false, metafile: true, outfile: join(ROOT, 'dist', 'one.js'), format: 'esm', logLevel: 'warning' });
    for (const name of Object.values(one.metafile.outputs)[0].exports) {
      if (exportsOf.has(name))
        throw new Error(`${name} is exported by both ${exportsOf.get(name)} and ${relative(ROOT, file)}: rename one (dist/${layer.file} exports both)`);
      exportsOf.set(name, relative(ROOT, file));
    }
  }
  const contents = files.map((file) => `export * from ${JSON.stringify(`./${relative(SRC, file).replace(/\.ts$/, '.js')}`)};`).join('\n');
  await build({
    ...common,
    stdin: { contents, resolveDir: SRC, sourcefile: `${layer.file}.ts`, loader: 'ts' },
    outfile: join(ROOT, 'dist', layer.file),
    plugins: [routing(true)],
  });
  for (const file of files) layerOf.set(file, layer.file);
}

// The rest: lazily loaded parts and workers, importing the layers' modules from their files.
await build({
  ...common,
  entryPoints: {
    ...Object.fromEntries([...lazy].map((name) => [`lazy/${name}`, join(SRC, `${name}.ts`)])),
    'run-worker': join(SRC, 'plugin-host', 'run-worker.ts'),
    'info-worker': join(SRC, 'plugin-host', 'info-worker.ts'),
    'prepare-component': join(SRC, 'plugin-host', 'prepare-component.ts'),
  },
  outdir: join(ROOT, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // commander is CommonJS and requires node built-ins; give the ESM chunks a require, made when first called
  // (node:module is not loaded by chunks that never require anything).
  banner: { js: "const require = (id) => process.getBuiltinModule('node:module').createRequire(import.meta.url)(id);" },
  plugins: [routing(false)],
});
