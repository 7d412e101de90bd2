import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NIL, RbForest } from '../packages/kalloc/src/core/rb-forest.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';

/** Model: per tree, a map key -> [lane0, lane1]. */
type Model = Map<number, [number, number]>[];

test('rb forest: random insert/remove/setValue across trees keeps every invariant', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom('insert', 'remove', 'set', 'move'), fc.nat(2), fc.nat(200), fc.nat(1000), fc.nat(1000)),
        { maxLength: 300 },
      ),
      (ops) => {
        const forest = new RbForest({ trees: 3, lanes: 2, capacity: 4 });
        const model: Model = [new Map(), new Map(), new Map()];
        const nodeOf: Map<number, number>[] = [new Map(), new Map(), new Map()];
        for (const [op, tree, key, a, b] of ops) {
          const nodes = nodeOf[tree]!;
          const m = model[tree]!;
          if (op === 'insert' && !m.has(key)) {
            const n = forest.create(key);
            forest.init(n, 0, a);
            forest.init(n, 1, b);
            forest.insert(tree, n);
            nodes.set(key, n);
            m.set(key, [a, b]);
          } else if (op === 'remove' && m.has(key)) {
            const n = nodes.get(key)!;
            forest.remove(tree, n);
            forest.release(n);
            nodes.delete(key);
            m.delete(key);
          } else if (op === 'set' && m.has(key)) {
            const n = nodes.get(key)!;
            forest.setValue(n, 0, a);
            m.get(key)![0] = a;
          } else if (op === 'move' && m.has(key)) {
            // move the node to the next tree without releasing it
            const to = (tree + 1) % 3;
            if (model[to]!.has(key)) continue;
            const n = nodes.get(key)!;
            forest.remove(tree, n);
            forest.insert(to, n);
            nodeOf[to]!.set(key, n);
            model[to]!.set(key, m.get(key)!);
            nodes.delete(key);
            m.delete(key);
          }
          for (let t = 0; t < 3; t++) {
            forest.checkTree(t);
            const keys = [...forest.nodes(t)].map((n) => forest.key[n]!);
            assert.deepEqual(keys, [...model[t]!.keys()].sort((x, y) => x - y));
            const root = forest.root(t);
            const vals = [...model[t]!.values()];
            const want0 = vals.length ? Math.max(...vals.map((v) => v[0])) : -Infinity;
            const want1 = vals.length ? Math.max(...vals.map((v) => v[1])) : -Infinity;
            assert.equal(forest.subtreeMax(root, 0), want0);
            assert.equal(forest.subtreeMax(root, 1), want1);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('rb forest: floor, ceil, find and threading', () => {
  const forest = new RbForest();
  for (const k of [50, 10, 30, 70, 90, 20]) forest.insert(0, forest.create(k));
  const key = (n: number) => (n === NIL ? undefined : forest.key[n]);
  assert.equal(key(forest.floor(0, 35)), 30);
  assert.equal(key(forest.floor(0, 5)), undefined);
  assert.equal(key(forest.ceil(0, 35)), 50);
  assert.equal(key(forest.ceil(0, 95)), undefined);
  assert.equal(key(forest.find(0, 70)), 70);
  assert.equal(forest.find(0, 71), NIL);
  assert.equal(key(forest.next(forest.find(0, 30))), 50);
  assert.equal(key(forest.prev(forest.find(0, 30))), 20);
  const at = forest.find(0, 50);
  const n = forest.create(40);
  forest.insertBefore(0, n, at);
  assert.deepEqual([...forest.nodes()].map(key), [10, 20, 30, 40, 50, 70, 90]);
  forest.checkTree();
});

test('rb forest: check() reports a stale augmented value as ECORRUPT', () => {
  const forest = new RbForest();
  for (let k = 0; k < 10; k++) {
    const n = forest.create(k);
    forest.init(n, 0, k);
    forest.insert(0, n);
  }
  forest.val[forest.find(0, 3)!] = 100; // bypass setValue: the maxima above are now stale
  assert.throws(() => forest.checkTree(), (e: unknown) => e instanceof KallocError && e.code === 'ECORRUPT');
});
