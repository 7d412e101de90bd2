import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { AreaTree, bestAlignment } from '../packages/kalloc/src/range/area-tree.ts';
import { RANGE_DESIGNS } from '../packages/kalloc/src/range/designs.ts';
import { NaiveRange } from './range-oracle.ts';

const RUNS = process.env.FUZZ ? 200 : 12;

/** The tree's areas as [start, length] pairs, in order. */
const areasOf = (t: AreaTree): [number, number][] => [...t.areas()].map((i) => [t.key[i]!, t.size[i]!]);

/**
 * The B+-tree alone against a sorted array: areas are added in gaps, removed, grown and split,
 * enough of them that nodes split, merge, borrow and the root grows and shrinks by several
 * levels; check() after every step, and every answer of lowestFit compared with a scan.
 */
test('area tree: insert, remove, replace and split agree with a sorted array (heights 1 to 4)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 200, max: 2500 }), (seed, peak) => {
      const t = new AreaTree();
      const model: [number, number][] = [];
      let r = seed;
      const rand = (n: number): number => {
        r = (Math.imul(r, 1103515245) + 12345) >>> 0;
        return Math.floor((r / 2 ** 32) * n);
      };
      // Areas live on a grid of 64-byte cells: cell c holds at most [64c, 64c + 63).
      const cells = 4 * peak;
      let growing = true;
      let maxHeight = 1;
      for (let step = 0; step < 6 * peak; step++) {
        if (model.length >= peak) growing = false;
        const choice = rand(10);
        if (model.length === 0 || (growing ? choice < 6 : choice < 2)) {
          const start = 64 * rand(cells) + rand(8);
          const length = 1 + rand(56);
          const at = model.findIndex(([s]) => s >= start);
          const pos = at < 0 ? model.length : at;
          if (pos < model.length && model[pos]![0] < start + 64) continue;
          if (pos > 0 && model[pos - 1]![0] + 64 > start) continue;
          t.seek(start);
          t.insertAfter(start, length);
          model.splice(pos, 0, [start, length]);
        } else {
          const pos = rand(model.length);
          const [start, length] = model[pos]!;
          t.seek(start);
          assert.equal(t.key[t.cursor], start);
          if (choice < 7) {
            t.remove();
            model.splice(pos, 1);
          } else if (choice < 8 && length >= 3) {
            const cut = 1 + rand(length - 2);
            t.split(start, cut, start + cut + 1, length - cut - 1);
            model.splice(pos, 1, [start, cut], [start + cut + 1, length - cut - 1]);
          } else {
            const room = pos + 1 < model.length ? model[pos + 1]![0] - start : Infinity;
            const grown = Math.min(63 - (start % 64), room, length + rand(8));
            t.replace(start, grown);
            model[pos] = [start, grown];
          }
        }
        t.check('area tree');
        maxHeight = Math.max(maxHeight, t.height);
        assert.equal(t.areaCount, model.length);
        if (step % 16 === 0) {
          assert.deepEqual(areasOf(t), model);
          const size = 1 + rand(40);
          const alignLog = rand(7);
          const vstart = rand(64 * cells);
          const want = model.find(([s, l]) => {
            const from = Math.max(s, vstart);
            const at = Math.ceil(from / 2 ** alignLog) * 2 ** alignLog;
            return size <= s + l - at && bestAlignment(s, s + l) >= alignLog;
          });
          const found = t.lowestFit(size, 2 ** alignLog, alignLog, vstart, false);
          assert.equal(found, want !== undefined);
          if (want) assert.equal(t.key[t.cursor], want[0]);
          assert.equal(t.largest, Math.max(0, ...model.map(([, l]) => l)));
        }
      }
      assert.ok(maxHeight >= 3, `the tree only reached height ${maxHeight}`);
    }),
    { numRuns: RUNS },
  );
});

test('area tree: check() reports a stale summary, a wrong alignment and a lost area as ECORRUPT', () => {
  const build = (): AreaTree => {
    const t = new AreaTree();
    for (let i = 0; i < 200; i++) {
      t.seek(100 * i);
      t.insertAfter(100 * i, 10);
    }
    t.check('area tree');
    return t;
  };
  const corruptions: [string, (t: AreaTree) => void, RegExp][] = [
    ['summary', (t) => (t.size[t.root * 16] = 11), /summarizes its child/],
    ['alignment', (t) => (t.align[[...t.areas()][5]!] = 0), /has alignment/],
    ['count', (t) => (t.areaCount = 199), /areaCount/],
  ];
  for (const [what, corrupt, message] of corruptions) {
    const t = build();
    corrupt(t);
    assert.throws(() => t.check('area tree'), (e: unknown) => e instanceof KallocError && e.code === 'ECORRUPT' && message.test(e.message), what);
  }
});

/**
 * Thousands of live allocations, so that the free areas fill a tree of several levels: both
 * designs must still answer every call like the oracle, with aligned and windowed requests.
 */
test('range allocators: a deep free-area tree answers like the oracle, on every registered design', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
      const space = { start: 3, size: 1 << 22 };
      const designs = RANGE_DESIGNS.map((d) => d.create(space));
      const oracle = new NaiveRange(space);
      const live: number[] = [];
      let r = seed;
      const rand = (n: number): number => {
        r = (Math.imul(r, 1103515245) + 12345) >>> 0;
        return Math.floor((r / 2 ** 32) * n);
      };
      for (let step = 0; step < 4000; step++) {
        if (live.length > 0 && rand(3) === 0) {
          const offset = live.splice(rand(live.length), 1)[0]!;
          const want = oracle.free(offset);
          for (const d of designs) assert.equal(d.free(offset), want);
        } else {
          const size = 1 + rand(rand(2) === 0 ? 16 : 600);
          const options = rand(2) === 0 ? {} : { align: 2 ** rand(10), ...(rand(4) === 0 ? { start: rand(1 << 21), end: (1 << 21) + rand(1 << 21) } : {}) };
          const want = oracle.alloc(size, options);
          for (const d of designs) assert.equal(d.alloc(size, options), want, `alloc(${size}, ${JSON.stringify(options)}) at step ${step}`);
          if (want !== undefined) live.push(want);
        }
        if (step % 500 === 0) for (const d of designs) d.check();
      }
      for (const d of designs) {
        d.check();
        assert.deepEqual([...d.freeAreas()], [...oracle.freeAreas()]);
      }
    }),
    { numRuns: Math.max(2, RUNS / 4) },
  );
});
