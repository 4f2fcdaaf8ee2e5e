import { access } from 'node:fs/promises';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs build script without types
import { buildPlugin } from '../scripts/componentize-plugin.mjs';
// @ts-expect-error: a plain .mjs build script without types
import { buildRustPlugin } from '../scripts/build-rust-plugin.mjs';
import { CI, ROOT } from './helpers.js';

/** Build the fixture components (each skipped when its inputs are unchanged) and check wash itself is built. */
export default async function setup() {
  await access(join(ROOT, 'dist', 'wash.js')).catch(() => {
    throw new Error('wash is not built: run `npm install` (or `npm run build`) first');
  });
  const fixtures = [
    join(ROOT, 'test', 'fixtures', 'example'),
    join(ROOT, 'test', 'fixtures', 'plugin-0.1.0'),
    join(ROOT, 'test', 'hostile', 'plugin'),
    join(ROOT, 'test', 'hostile', 'impostor'),
    join(ROOT, 'test', 'hostile', 'hooker'),
    join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.2'),
    join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1'),
    join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1-early'),
    join(ROOT, 'test', 'fixtures', 'wasmcloud-wash', 'plugin-0.0.1-named'),
  ];
  for (const dir of fixtures) {
    await buildPlugin(dir, { log: (line: string) => console.log(`[setup] ${line}`) });
  }
  // Plugins written without JavaScript (Debian's rustc + jco): examples/tiny-rust, and a
  // fixture serving wasi:http 0.2.12. Without a Rust toolchain their tests skip, except
  // under CI, where .ci/run installs one.
  for (const dir of [join(ROOT, 'examples', 'tiny-rust'), join(ROOT, 'test', 'fixtures', 'http-any')]) {
    try {
      await buildRustPlugin(dir, { log: (line: string) => console.log(`[setup] ${line}`) });
    } catch (err) {
      if (CI) throw err;
      console.warn(`[setup] ${dir} (Rust): not built, its tests skip: ${(err as Error).message}`);
    }
  }
}
