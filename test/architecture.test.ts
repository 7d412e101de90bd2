import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers of docs/ARCHITECTURE.md, read from the source itself:
 *
 *     core  <-  range, buddy, page, heap, trace  <-  webgpu, node  <-  lab  <-  cli
 *
 * Every import of every module under packages/{kalloc,lab}/src (type-only imports included) is an
 * edge; the tests fail on an edge that runs up a layer, on any import cycle, and on a `node:`
 * module reachable from a browser entry.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIB = path.join(ROOT, 'packages/kalloc/src');
const LAB = path.join(ROOT, 'packages/lab/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Module specifiers a file imports: static, re-exported and dynamic. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

interface Edge {
  from: string;
  to: string; // an absolute file for relative imports, else the bare specifier
}

function edges(files: string[]): Edge[] {
  return files.flatMap((from) =>
    specifiers(from).map((s) => ({ from, to: s.startsWith('.') ? path.resolve(path.dirname(from), s) : s })),
  );
}

const rel = (file: string): string => path.relative(ROOT, file);
const libFiles = sources(LIB);
const labFiles = sources(LAB);
const libEdges = edges(libFiles);
const labEdges = edges(labFiles);

/** The library's layer of a file: its top folder under src/, or 'entry' for src/*.ts. */
function libLayer(file: string): string {
  const parts = path.relative(LIB, file).split(path.sep);
  return parts.length === 1 ? 'entry' : parts[0]!;
}

/** Which library layers each layer may import (itself always). */
const LIB_ALLOWED: Record<string, string[]> = {
  core: [],
  range: ['core'],
  buddy: ['core'],
  page: ['core'],
  heap: ['core'],
  trace: ['core'],
  webgpu: ['core', 'buddy'],
  node: ['core', 'trace', 'heap'],
  entry: ['core', 'range', 'buddy', 'page', 'heap', 'trace', 'webgpu', 'node'],
};

test('architecture: the library imports nothing outside itself, and each layer only the layers below it', () => {
  const wrong: string[] = [];
  for (const { from, to } of libEdges) {
    if (path.isAbsolute(to)) {
      if (!to.startsWith(LIB + path.sep)) wrong.push(`${rel(from)} -> ${rel(to)} (outside the library)`);
      else {
        const a = libLayer(from);
        const b = libLayer(to);
        if (a !== b && !(LIB_ALLOWED[a] ?? []).includes(b)) wrong.push(`${rel(from)} -> ${rel(to)} (${a} may not import ${b})`);
      }
    } else if (!to.startsWith('node:') && !(to === 'tsx/esm/api' && from.endsWith('tsx-worker.mjs'))) {
      // (tsx-worker.mjs is spawnWorker's shim for `.ts` entries: it runs only under tsx.)
      wrong.push(`${rel(from)} -> '${to}' (the library has no dependencies)`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('architecture: the lab reaches the library only through its package entries, and only the CLI imports the CLI', () => {
  const entries = new Set(['kalloc', 'kalloc/node', 'kalloc/internal', 'kalloc/webgpu']);
  const wrong: string[] = [];
  for (const { from, to } of labEdges) {
    if (path.isAbsolute(to)) {
      if (!to.startsWith(LAB + path.sep)) wrong.push(`${rel(from)} -> ${rel(to)} (outside the lab: import a package entry)`);
      const inCli = (f: string): boolean => f.startsWith(path.join(LAB, 'cli') + path.sep);
      if (inCli(to) && !inCli(from) && from !== path.join(LAB, 'index.ts')) wrong.push(`${rel(from)} -> ${rel(to)} (only the CLI imports the CLI)`);
    } else if (to.startsWith('kalloc') && !entries.has(to)) {
      wrong.push(`${rel(from)} -> '${to}' (not a kalloc entry)`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** Strongly connected components with more than one file (or a self-import): the cycles. */
function cycles(files: string[], all: Edge[]): string[][] {
  const out = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const { from, to } of all) if (out.has(to)) out.get(from)!.push(to);
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of out.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(rel(w));
      } while (w !== v);
      if (scc.length > 1 || out.get(v)!.includes(v)) found.push(scc.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

test('architecture: no import cycles in the library or the lab', () => {
  assert.deepEqual(cycles(libFiles, libEdges), []);
  assert.deepEqual(cycles(labFiles, labEdges), []);
});

test('architecture: nothing reachable from a browser entry imports a node: module', () => {
  const browserEntries = ['index.ts', 'internal.ts', 'webgpu.ts', 'webgpu/index.ts']
    .map((f) => path.join(LIB, f))
    .filter((f) => libFiles.includes(f));
  assert.ok(browserEntries.length >= 2, 'the browser entries exist');
  const byFile = new Map<string, string[]>();
  for (const { from, to } of libEdges) byFile.set(from, [...(byFile.get(from) ?? []), to]);
  const seen = new Set<string>();
  const wrong: string[] = [];
  const walk = (file: string, via: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const to of byFile.get(file) ?? []) {
      if (to.startsWith('node:')) wrong.push([...via, rel(file), to].join(' -> '));
      else if (path.isAbsolute(to)) walk(to, [...via, rel(file)]);
    }
  };
  for (const entry of browserEntries) walk(entry, []);
  assert.deepEqual(wrong, []);
  assert.ok(seen.size > 20, `walked ${seen.size} modules`);
});
