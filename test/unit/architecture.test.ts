/**
 * The layers of docs/ARCHITECTURE.md as a check `npm test` runs: which folder
 * of `src/` may import which (core imports nothing outer; the engine no UI,
 * CLI or adapter; the UI no adapter or CLI), and no import circle between
 * modules. Static and dynamic imports both count; type-only imports too (a
 * type from a higher layer is still a dependency on it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/** What each layer may import besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  ports: ['core'],
  adapters: ['core', 'ports'],
  operations: ['core', 'ports'],
  engine: ['core', 'ports', 'operations'],
  ui: ['core', 'ports', 'operations', 'engine'],
  cli: ['core', 'ports', 'adapters', 'operations', 'engine', 'ui'],
};

/**
 * Imports that break a rule today, each with the move that removes it (issue 14). The list may only shrink: a new
 * entry is a new problem, and an entry that no longer occurs must be deleted.
 */
const KNOWN: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The modules of src/ a file imports, as paths relative to src/ (`.js` specifiers mapped back to their `.ts`/`.tsx`). */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.flatMap((specifier) => {
    const resolved = path.relative(SRC, path.resolve(path.dirname(file), specifier));
    const base = resolved.replace(/\.js$/, '');
    const candidates = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`];
    const found = candidates.find((candidate) => known.has(candidate));
    return found === undefined ? [] : [found];
  });
}

const files = sourceFiles(SRC).map((file) => path.relative(SRC, file).split(path.sep).join('/'));
const fileSet = new Set(files);
const graph = new Map(files.map((file) => [file, importsOf(path.join(SRC, file), fileSet)]));
const layerOf = (file: string) => file.split('/')[0]!;

describe('architecture', () => {
  test('every module imports only from its own layer or the layers below it', () => {
    const breaks: string[] = [];
    for (const [file, imports] of graph) {
      const layer = layerOf(file);
      // main.ts and its siblings at the root of src/ (if any) are not a layer.
      if (ALLOWED[layer] === undefined) continue;
      for (const imported of imports) {
        const target = layerOf(imported);
        if (target !== layer && !ALLOWED[layer]!.includes(target)) breaks.push(`${file} -> ${imported}`);
      }
    }
    expect(breaks.filter((entry) => !KNOWN.includes(entry))).toEqual([]);
    // An entry of KNOWN that was mended must leave the list.
    expect(KNOWN.filter((entry) => !breaks.includes(entry))).toEqual([]);
  });

  test('adapters are created in one composition root: in cli/, only context.ts imports them', () => {
    const outside = [...graph]
      .filter(([file]) => layerOf(file) === 'cli' && file !== 'cli/context.ts')
      .flatMap(([file, imports]) =>
        imports.filter((imported) => layerOf(imported) === 'adapters').map((imported) => `${file} -> ${imported}`),
      );
    expect(outside).toEqual([]);
  });

  test('no import circle between modules', () => {
    // Tarjan's strongly connected components: every component of more than one module is a circle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    let counter = 0;
    const visit = (file: string) => {
      index.set(file, counter);
      low.set(file, counter);
      counter++;
      stack.push(file);
      onStack.add(file);
      for (const next of graph.get(file) ?? []) {
        if (!index.has(next)) {
          visit(next);
          low.set(file, Math.min(low.get(file)!, low.get(next)!));
        } else if (onStack.has(next)) {
          low.set(file, Math.min(low.get(file)!, index.get(next)!));
        }
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== file);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
    expect(circles).toEqual([]);
  });

  test('no source file over 500 lines', () => {
    const long = files.filter((file) => readFileSync(path.join(SRC, file), 'utf8').split('\n').length > 500);
    expect(long).toEqual([]);
  });
});
