// Builds one plugin folder (src/index.ts + package.json) into a component:
// esbuild bundles the TS, componentize-js turns the bundle into a component
// targeting the world named in package.json ("wash": {"world": ...}) from wit/
// (or from "wash": {"wit": ...}, a WIT folder relative to the plugin folder).
// A build whose inputs hash the same as the last one is skipped.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputHash, packageVersion, pluginTarget, previousBuild, ROOT, runAsScript, writeBuild } from './plugin-build.mjs';

const BUILD_FORMAT = 1; // bump to invalidate every cached build

/**
 * @param {string} pluginDir folder with package.json and src/index.ts
 * @param {{ outDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ file: string, digest: string, size: number, skipped: boolean }>}
 */
export async function buildPlugin(pluginDir, options = {}) {
  const target = await pluginTarget(pluginDir, options.outDir);
  const { dir, name, world, witDir, outDir } = target;
  const log = options.log ?? ((line) => console.error(line));

  const bundle = await build({
    entryPoints: [join(dir, 'src', 'index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['wash:*', 'wasi:*', 'wasmcloud:*'],
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    logLevel: 'silent',
  }).catch((err) => {
    // The SDK is the workspace package @wash/plugin-sdk: `npm install` links it into node_modules.
    if (/Could not resolve "@wash\/plugin-sdk/.test(err.message))
      throw new Error(`${name}: cannot resolve @wash/plugin-sdk: run npm install in ${ROOT} (it links the workspace package plugin-sdk/)`);
    throw err;
  });
  const code = bundle.outputFiles[0].text;

  const header = `format:${BUILD_FORMAT}\nworld:${world}\ncomponentize:${await packageVersion('@bytecodealliance/componentize-js')}\n`;
  const hash = await inputHash(header, [code], witDir);
  const previous = await previousBuild(target, hash);
  if (previous) {
    log(`${name}: up to date`);
    return previous;
  }

  log(`${name}: building component (world ${world})...`);
  const started = Date.now();
  _setPreopens({ '/': '/' }); // componentize-js runs on the WASI shim, which starts with no preopens
  const { componentize } = await import('@bytecodealliance/componentize-js');
  await mkdir(outDir, { recursive: true });
  const sourcePath = join(outDir, `.${name}.${process.pid}-${Date.now()}.bundle.js`); // unique: builds may run side by side
  await writeFile(sourcePath, code);
  let component;
  try {
    ({ component } = await componentize({ sourcePath, witPath: witDir, worldName: world }));
  } finally {
    await rm(sourcePath, { force: true });
  }
  const built = await writeBuild(target, component, hash);
  log(`${name}: built ${(component.length / 1048576).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return built;
}

// `node scripts/componentize-plugin.mjs <dir> [outDir]`
await runAsScript(import.meta.url, buildPlugin);
