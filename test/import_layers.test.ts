import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The library's folders form layers: a folder may import from folders below it, never
 * from one that (directly or through others) imports it back. src/index.ts, the
 * package's entry, re-exports everything and sits on top; it is left out.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIBRARY = ['src', 'layers', 'callbacks'];
const ENTRY = path.join('src', 'index.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return name.endsWith('.ts') && rel !== ENTRY ? [rel] : [];
  });
}

/** Folder -> folders it imports from, with one importing file per edge (for the message). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of LIBRARY.flatMap(sourceFiles)) {
    const from = path.dirname(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const to = path.dirname(path.normalize(path.join(from, m[1]!)));
      if (to !== from && !edges.has(to)) edges.set(to, file);
    }
  }
  return graph;
}

/** Every cycle between folders, as the list of folders along it (depth-first search). */
function folderCycles(graph: Map<string, Map<string, string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('folder layering', () => {
  it('has no import cycle between folders of src/, layers/ and callbacks/', () => {
    const graph = folderGraph();
    const described = folderCycles(graph).map((cycle) =>
      cycle.slice(1).map((to, i) => `${cycle[i]} -> ${to} (${graph.get(cycle[i]!)!.get(to)})`).join(', '),
    );
    expect(described).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['src/priors', new Map([['src/fit', 'src/priors/a.ts']])],
      ['src/fit', new Map([['src/priors', 'src/fit/b.ts']])],
      ['layers', new Map<string, string>()],
    ]);
    expect(folderCycles(graph)).toEqual([['src/priors', 'src/fit', 'src/priors']]);
  });

  it('keeps layers/ free of the library above it', () => {
    const graph = folderGraph();
    expect([...(graph.get('layers')?.keys() ?? [])]).toEqual([]);
  });
});
