/**
 * `wash plugin new <name> [--http] [--dir <path>]`: a standalone TypeScript
 * plugin project that builds and runs as generated. Made from
 * plugin-sdk/template/ (with `// #if http` blocks), the SDK package
 * `@wash/plugin-sdk` vendored into vendor/plugin-sdk/ (it is not on a
 * registry: the project depends on it as `file:vendor/plugin-sdk`, so it
 * installs offline and builds anywhere without this wash), a copy of wit/
 * and types generated from it by jco; assembled in a temporary directory
 * next to the target, then renamed into place.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { access, constants, cp, mkdir, readdir, readFile, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliContext } from './context.js';
import { invalidPluginName } from '../contract/metadata.js';
import { PACKAGE_ROOT, getWashVersion } from '../plugin-host/versions.js';
import { UsageError, WashError, messageOf } from '../util/errors.js';

export interface NewPluginOptions {
  name: string;
  http: boolean;
  /** The project directory; default ./<name>. */
  dir?: string;
}

export interface NewPluginResult {
  dir: string;
  name: string;
  world: string;
  /** The sample command: never the plugin's own name (no `wash greet greet`). */
  command: string;
  files: string[];
}

/** The sample command's name, which must differ from the plugin's. */
const sampleCommand = (name: string) => (name === 'greet' ? 'hello' : 'greet');

const TEMPLATE = join(PACKAGE_ROOT, 'plugin-sdk', 'template');
/** The SDK package (plugin-sdk/package.json) and where a generated project keeps its copy. */
const SDK = join(PACKAGE_ROOT, 'plugin-sdk');
const SDK_IN_PROJECT = join('vendor', 'plugin-sdk');
/** Tools the generated project builds with, pinned to what this wash uses. */
const DEV_DEPENDENCIES = ['@bytecodealliance/componentize-js', '@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'esbuild', 'typescript'];

export function registerPluginNew(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  plugin
    .command('new')
    .description('Create a TypeScript plugin project that builds and runs as generated')
    .argument('<name>', 'the plugin (and command) name: wash <name>')
    .option('--http', 'also export wasi:http/incoming-handler (world http-plugin-guest)')
    .option('--dir <path>', 'where to create the project (default: ./<name>)')
    .action(async (name: string, opts: { http?: boolean; dir?: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const result = await newPlugin({ name, http: Boolean(opts.http), dir: opts.dir });
      const shown = relative(process.cwd(), result.dir);
      const cdTo = shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : result.dir;
      const wash = await washCommand();
      ctx.print(result, () =>
        [
          `created ${cdTo}${sep} (plugin '${name}', world ${result.world})`,
          '',
          `  cd ${shellWord(cdTo)}`,
          '  npm install',
          '  npm run build',
          `  ${wash} plugin test ${name}.wasm --help`,
          `  ${wash} plugin test ${name}.wasm ${result.command} Ada`,
        ].join('\n'),
      );
    });
}

/**
 * How to run this wash in the printed next steps: \`wash\` when that is what
 * PATH finds, else this wash's own script through node (so the steps work
 * as shown, e.g. when wash was run with npx or from a checkout).
 */
async function washCommand(): Promise<string> {
  const ours = await realpath(join(PACKAGE_ROOT, 'bin', 'wash.js')).catch(() => undefined);
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const found = await realpath(join(dir, 'wash')).catch(() => undefined);
    if (found === undefined) continue;
    if (
      found === ours &&
      (await access(found, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      return 'wash';
    break; // another wash comes first on PATH: name ours explicitly
  }
  return `node ${shellWord(join(PACKAGE_ROOT, 'bin', 'wash.js'))}`;
}

const shellWord = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

async function newPlugin(options: NewPluginOptions): Promise<NewPluginResult> {
  const { name, http } = options;
  const invalid = invalidPluginName(name);
  if (invalid) throw new UsageError(invalid);
  const target = resolve(options.dir ?? name);
  await checkTarget(target);

  const witSource = join(PACKAGE_ROOT, 'wit');
  const contract = await readFile(join(witSource, 'plugin.wit'), 'utf8');
  const world = http ? 'http-plugin-guest' : 'plugin-guest';
  if (!new RegExp(`^\\s*world\\s+${world}\\s*\\{`, 'm').test(contract)) {
    throw new WashError(`--http is not supported yet: this wash's contract (${witSource}) has no '${world}' world`);
  }
  const witVersion = /^\s*package\s+wash:plugin@([^;\s]+)\s*;/m.exec(contract)?.[1] ?? 'unknown';
  const washBin = join(PACKAGE_ROOT, 'bin', 'wash.js');
  const guide = join(PACKAGE_ROOT, 'docs', 'plugin-authoring.md');
  const command = sampleCommand(name);
  const vars: Record<string, string> = {
    __NAME__: name,
    __COMMAND__: command,
    __WORLD__: world,
    __WASH_BIN__: JSON.stringify(washBin),
    __WASH_BIN_TEXT__: washBin,
    __WASH_VERSION__: getWashVersion(),
    __WIT_VERSION__: witVersion,
    __GUIDE__: existsSync(guide) ? guide : 'docs/plugin-authoring.md in the wash repository',
  };

  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.wash-new-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    for (const file of await filesUnder(TEMPLATE)) {
      if (!http && file === join('src', 'http.ts')) continue;
      const text = fillTemplate(await readFile(join(TEMPLATE, file), 'utf8'), vars, { http });
      const out = file === 'gitignore' ? '.gitignore' : file; // npm drops .gitignore from packages
      await mkdir(dirname(join(tmp, out)), { recursive: true });
      await writeFile(join(tmp, out), text);
    }
    const sdk = await vendorSdk(tmp);
    await writeFile(join(tmp, 'package.json'), `${JSON.stringify(await packageJson(name, world, sdk), null, 2)}\n`);
    await cp(witSource, join(tmp, 'wit'), { recursive: true, dereference: true });
    await generateTypes(tmp, world);

    // Into place: over an empty directory, or as a new one.
    if (existsSync(target)) await rmdir(target);
    try {
      await rename(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new WashError(`${target} appeared while the project was being made; nothing written`);
      throw err;
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err instanceof WashError ? err : new WashError(`cannot create the project: ${messageOf(err)}`);
  }
  return { dir: target, name, world, command, files: await filesUnder(target) };
}

/** Refuse anything but a missing or empty directory. */
async function checkTarget(target: string): Promise<void> {
  let info;
  try {
    info = await stat(target);
  } catch {
    return; // does not exist
  }
  if (!info.isDirectory()) throw new WashError(`${target} exists and is not a directory`);
  if ((await readdir(target)).length > 0) throw new WashError(`${target} already exists and is not empty`, 1, 'pick another name or --dir');
}

/** Replace `__VARS__` and keep or drop `#if http` / `#if !http` ... `#endif` blocks (marker lines are removed). */
function fillTemplate(text: string, vars: Record<string, string>, flags: { http: boolean }): string {
  const out: string[] = [];
  let keep = true;
  for (const line of text.split('\n')) {
    const marker = /^\s*(?:\/\/|<!--)\s*#(if\s+(!?)(\w+)|endif)\b/.exec(line);
    if (marker) {
      if (marker[1] === 'endif') keep = true;
      else keep = (marker[3] === 'http' ? flags.http : false) !== (marker[2] === '!');
      continue;
    }
    if (keep) out.push(line);
  }
  return out.join('\n').replace(/__[A-Z_]+__/g, (v) => vars[v] ?? v);
}

async function filesUnder(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(root, path)));
    else out.push(path);
  }
  return out.sort();
}

/**
 * Copy the SDK package into the project as npm would ship it (its
 * package.json and what its "files" name): the project owns a pinned copy,
 * imports it by name, and builds without this wash's install.
 */
async function vendorSdk(project: string): Promise<{ name: string; version: string }> {
  const manifest = JSON.parse(await readFile(join(SDK, 'package.json'), 'utf8')) as { name: string; version: string; files?: string[] };
  const into = join(project, SDK_IN_PROJECT);
  await mkdir(into, { recursive: true });
  for (const entry of ['package.json', ...(manifest.files ?? [])]) {
    await cp(join(SDK, entry), join(into, entry), { recursive: true, dereference: true });
  }
  return manifest;
}

async function packageJson(name: string, world: string, sdk: { name: string }) {
  const ours = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const devDependencies: Record<string, string> = {};
  for (const dep of DEV_DEPENDENCIES) {
    const version = (await installedVersion(dep)) ?? ours.devDependencies?.[dep] ?? ours.dependencies?.[dep];
    if (!version) throw new WashError(`cannot tell which version of ${dep} to use: it is not installed next to wash`);
    devDependencies[dep] = version;
  }
  return {
    name,
    private: true,
    description: 'A wash plugin',
    type: 'module',
    // Read by build.mjs, types.mjs and test.mjs.
    wash: { name, world },
    scripts: {
      build: 'tsc && node build.mjs',
      typecheck: 'tsc',
      test: 'node --test test.mjs',
      types: 'node types.mjs',
    },
    // The SDK travels with the project (vendor/): not on a registry, and pinned to the one this wash ships.
    dependencies: { [sdk.name]: `file:${SDK_IN_PROJECT.split(sep).join('/')}` },
    devDependencies,
    // jco's jco-std asks for an older preview2-shim as an optional peer; the one pinned here is what
    // jco itself uses, so say so instead of letting npm print a peer-dependency conflict.
    overrides: { '@bytecodealliance/jco-std': { '@bytecodealliance/preview2-shim': '$@bytecodealliance/preview2-shim' } },
    // esbuild's postinstall fetches its binary; npm 11 asks for install scripts to be allowed.
    allowScripts: { esbuild: true },
  };
}

/** The exact version in the node_modules wash resolves from (walking up, as Node does). */
async function installedVersion(pkg: string): Promise<string | undefined> {
  for (let dir = PACKAGE_ROOT; ; dir = dirname(dir)) {
    try {
      return (JSON.parse(await readFile(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not here
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** types/ for the project, by the project's own types.mjs (run here with wash's jco). */
async function generateTypes(project: string, world: string): Promise<void> {
  const script = (await import(pathToFileURL(join(TEMPLATE, 'types.mjs')).href)) as {
    generateTypes(project: string, world: string): Promise<string[]>;
  };
  await script.generateTypes(project, world);
}
