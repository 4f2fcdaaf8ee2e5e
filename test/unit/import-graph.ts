/**
 * The import graph of wash's sources, and the two rules it must keep:
 * layers point one way (util <- contract <- sandbox, output <- plugin-host <- cli;
 * sandbox and output are siblings that never import each other) and no file
 * reaches itself through its imports.
 *
 * Read straight from the text (no compiler, no bundler), so that type-only
 * imports count too: `import type`, `export type ... from`, `typeof import('...')`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

/** Directory under src/ -> its rank. Higher may import lower or equal; equal ranks only within one directory. */
const LAYERS: Readonly<Record<string, number>> = { util: 0, contract: 1, sandbox: 2, output: 2, 'plugin-host': 3, cli: 4 };

/** Source text without its comments; strings, template literals and regular expressions kept as they are. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  /** Brace depth inside each template literal expression (`${ ... }`) we are in. */
  const templates: number[] = [];
  let lastSignificant = '';
  const regexMayStart = () =>
    lastSignificant === '' ||
    /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant) ||
    /(?<![\w$.])(return|typeof|case|do|else|in|of|void|yield|await)$/.test(out.trimEnd());
  /** Copy a quoted string from text[i] (its opening quote) through its closing quote. */
  const copyString = (quote: string) => {
    const start = i++;
    while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    out += text.slice(start, ++i);
  };
  /** Copy template literal text from text[i] up to and including its closing backtick or the `${` of an expression. */
  const copyTemplate = () => {
    const start = i;
    while (i < text.length && text[i] !== '`') {
      if (text[i] === '\\') i += 2;
      else if (text[i] === '$' && text[i + 1] === '{') {
        out += text.slice(start, (i += 2));
        templates.push(0);
        return;
      } else i++;
    }
    out += text.slice(start, ++i);
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'") {
      copyString(c);
      lastSignificant = c;
    } else if (c === '`') {
      out += c;
      i++;
      copyTemplate();
      lastSignificant = c;
    } else if (c === '/' && regexMayStart()) {
      const start = i++;
      let inClass = false;
      while (i < text.length && text[i] !== '\n' && (inClass || text[i] !== '/')) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        i++;
      }
      out += text.slice(start, ++i);
      lastSignificant = '/';
    } else if (templates.length > 0 && c === '}' && templates[templates.length - 1] === 0) {
      // The end of a template expression: back in the literal.
      templates.pop();
      out += c;
      i++;
      copyTemplate();
      lastSignificant = '`';
    } else {
      if (templates.length > 0 && c === '{') templates[templates.length - 1]!++;
      if (templates.length > 0 && c === '}') templates[templates.length - 1]!--;
      out += c;
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a TypeScript source imports: static, dynamic, re-exports and type-only ones. */
export function importsOf(text: string): string[] {
  const code = stripComments(text);
  const found: string[] = [];
  const patterns = [
    // import x from '...', import { a, type b } from '...', import type T from '...', import '...', export * from '...', export { a } from '...'
    /(?<![\w$.])(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]*?\s*from\s*)?(['"])([^'"\n]+)\1/g,
    // import('...'), typeof import('...')
    /(?<![\w$.])import\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[2]!);
  return found;
}

export interface SourceFile {
  /** Path relative to src/, with forward slashes: `sandbox/decide.ts`. */
  path: string;
  text: string;
}

export function readSources(srcDir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push({ path: relative(srcDir, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
    }
  };
  walk(srcDir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** File -> the source files it imports (those under src/: packages, node built-ins and plugin-sdk/ are not layers). */
export function buildGraph(files: SourceFile[]): Map<string, string[]> {
  const known = new Set(files.map((f) => f.path));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const spec of importsOf(file.text)) {
      if (!spec.startsWith('.')) continue;
      const resolved = resolve('/src', dirname(file.path), spec);
      // Outside src/ (the guest SDK's argv parser): a library of its own, like a package.
      if (!resolved.startsWith('/src/')) continue;
      const target = resolved.slice('/src/'.length).replace(/\.js$/, '.ts');
      if (!known.has(target)) throw new Error(`${file.path} imports ${spec}, which is no source file`);
      targets.add(target);
    }
    graph.set(file.path, [...targets].sort());
  }
  return graph;
}

const layerOf = (path: string) => path.split('/')[0]!;

/** Imports that go to a higher layer, or across the sandbox/output siblings: `from -> to`. */
export function wrongWayImports(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    if (!(a in LAYERS)) {
      wrong.push(`${from} is in no layer (src/${a}/ is not one of ${Object.keys(LAYERS).join(', ')})`);
      continue;
    }
    for (const to of targets) {
      const b = layerOf(to);
      if (a === b) continue;
      if (LAYERS[b]! < LAYERS[a]!) continue;
      wrong.push(`${from} -> ${to}`);
    }
  }
  return wrong;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}
