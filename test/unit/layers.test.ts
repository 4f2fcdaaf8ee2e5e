/**
 * wash's layers point one way and no module reaches itself through its imports:
 *   util <- contract <- sandbox, output <- plugin-host <- cli
 * (sandbox and output are siblings: neither imports the other). Only cli/ wires
 * the command line (commander, process.exit). Type-only imports count: a type
 * from a higher layer is a dependency on it all the same.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, cycles, importsOf, readSources, stripComments, wrongWayImports, type SourceFile } from './import-graph.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Packages that only the command-line layer may use. */
const CLI_ONLY_PACKAGES = ['commander'];

const sources = readSources(SRC);
const graph = buildGraph(sources);

describe('src/ layers', () => {
  it('imports go to the same or a lower layer', () => {
    expect(wrongWayImports(graph)).toEqual([]);
  });

  it('no file imports itself through other files', () => {
    expect(cycles(graph).map((c) => c.join(' '))).toEqual([]);
  });

  it('only cli/ uses the command-line packages and ends the process', () => {
    const found: string[] = [];
    for (const file of sources) {
      if (file.path.startsWith('cli/')) continue;
      for (const spec of importsOf(file.text)) if (CLI_ONLY_PACKAGES.includes(spec)) found.push(`${file.path} imports ${spec}`);
      if (/\bprocess\.exit\s*\(/.test(stripComments(file.text))) found.push(`${file.path} calls process.exit`);
    }
    expect(found).toEqual([]);
  });
});

describe('the import graph checker', () => {
  const files = (entries: Record<string, string>): SourceFile[] => Object.entries(entries).map(([path, text]) => ({ path, text }));

  it('reads static, dynamic, re-exported and type-only imports, not commented ones', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../contract/b.js';",
      "import {\n  c,\n  type C,\n} from './c.js';",
      "export * from './d.js';",
      "export type { E } from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "type H = typeof import('./h.js');",
      "// import { x } from './commented.js';",
      "/* import('./also-commented.js') */",
      "const s = 'not // a comment'; import { i } from './i.js';",
      'const t = `${`nested ${"}"}`}`; import { j } from \'./j.js\';',
      "const r = /['\"]/; import { k } from './k.js';",
      "const u = 'https://example.com'; import { l } from './l.js';",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(
      ['./a.js', '../contract/b.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js', './i.js', './j.js', './k.js', './l.js'].sort(),
    );
  });

  it('finds an import that goes up, one across the siblings, and a file in no layer', () => {
    const graph = buildGraph(
      files({
        'util/u.ts': '',
        'contract/c.ts': "import { u } from '../util/u.js';",
        'sandbox/s.ts': "import type { P } from '../plugin-host/p.js';\nimport { c } from '../contract/c.js';",
        'output/o.ts': "const s = await import('../sandbox/s.js');",
        'plugin-host/p.ts': "import { o } from '../output/o.js';",
        'cli/x.ts': "import { p } from '../plugin-host/p.js';",
        'misc/m.ts': '',
      }),
    );
    expect(wrongWayImports(graph).sort()).toEqual(
      [
        'misc/m.ts is in no layer (src/misc/ is not one of util, contract, sandbox, output, plugin-host, cli)',
        'output/o.ts -> sandbox/s.ts',
        'sandbox/s.ts -> plugin-host/p.ts',
      ].sort(),
    );
  });

  it('finds a cycle through several files and one through a type-only import', () => {
    const graph = buildGraph(
      files({
        'cli/a.ts': "import { b } from './b.js';",
        'cli/b.ts': "import { c } from './c.js';",
        'cli/c.ts': "const a = await import('./a.js');",
        'cli/d.ts': "import type { E } from './e.js';",
        'cli/e.ts': "import { d } from './d.js';",
        'cli/f.ts': "import { a } from './a.js';",
      }),
    );
    expect(
      cycles(graph)
        .map((c) => c.join(' '))
        .sort(),
    ).toEqual(['cli/a.ts cli/b.ts cli/c.ts', 'cli/d.ts cli/e.ts']);
  });

  it('refuses an import of a file that does not exist', () => {
    expect(() => buildGraph(files({ 'cli/a.ts': "import { b } from './missing.js';" }))).toThrow(/missing\.js, which is no source file/);
  });
});
