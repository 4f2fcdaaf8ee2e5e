// `npm run types`: regenerates types/, the TypeScript declarations of every
// `wash:*` and `wasi:*` module the plugin imports and exports, from wit/ with
// jco's type generation. Run it after changing wit/ or the world.
//
// jco names each file after its interface without the version, so a world
// using two versions of one interface (http-plugin-guest exports
// incoming-handler@0.2.10, the version the JS engine implements, next to the
// @0.2.12 imports of plugin-guest) would get one of them only. We generate
// plugin-guest and the world, and keep both versions where they differ: the
// odd one out gets the version in its file name (wasi-http-types@0.2.10.d.ts).
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Write `<project>/types/` for `world` (default: package.json's "wash".world); returns the file names. */
export async function generateTypes(project, world) {
  world ??= JSON.parse(await readFile(join(project, 'package.json'), 'utf8')).wash.world;
  _setPreopens({ '/': '/' }); // jco reads the WIT through the WASI shim, which starts with no preopens
  const { types } = await import('@bytecodealliance/jco');
  const out = new Map();
  for (const w of new Set(['plugin-guest', world])) {
    const files = await types(join(project, 'wit'), { worldName: w, guest: true, name: 'plugin' });
    for (const [name, content] of Object.entries(files)) {
      const text = new TextDecoder().decode(content);
      if (!name.startsWith('interfaces/')) {
        if (w === world) out.set(name, text); // the world's own file
        continue;
      }
      const module = /declare module '([^']+)'/.exec(text)?.[1];
      const taken = out.get(name);
      if (taken === undefined || taken === text) out.set(name, text);
      else if (/declare module '([^']+)'/.exec(taken)?.[1] !== module) out.set(name.replace(/\.d\.ts$/, `@${module?.split('@')[1]}.d.ts`), text);
    }
  }
  const dir = join(project, 'types');
  await rm(dir, { recursive: true, force: true });
  for (const [name, text] of out) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return [...out.keys()].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = await generateTypes(dirname(fileURLToPath(import.meta.url)));
  console.log(`wrote ${names.length} files to types/`);
}
