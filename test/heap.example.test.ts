import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { makeInput, runExample } from '../examples/shared-heap/main.ts';

// Runs the guide's example (docs/shared-heap.md), so the guide cannot rot.
test('examples/shared-heap: two workers decode into the heap, main reads in place and frees', { timeout: 20_000 }, async () => {
  const records = 120;
  const r = await runExample(records);
  let points = 0;
  let sum = 0;
  for (const lines of [makeInput(records, 1), makeInput(records, 2)]) {
    for (const line of lines) {
      const coords = line.split(' ').map(Number);
      points += coords.length / 3;
      for (const v of coords) sum += v;
    }
  }
  assert.equal(r.records, 2 * records);
  assert.equal(r.points, points);
  assert.equal(r.sum, sum);
  assert.equal(r.freePagesAtEnd, r.pages, 'the heap is entirely free once the workers detached');
});

test('docs/shared-heap.md shows the example files exactly as they are', async () => {
  const guide = await readFile(new URL('../docs/shared-heap.md', import.meta.url), 'utf8');
  for (const file of ['main.ts', 'worker.ts']) {
    const code = await readFile(new URL(`../examples/shared-heap/${file}`, import.meta.url), 'utf8');
    assert.ok(guide.includes('```ts\n' + code + '```'), `the guide's copy of examples/shared-heap/${file} is out of date`);
  }
});
