/** ClearTracker against a set of clear units: extents, totals, coverage, find and the undo log. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClearTracker } from '../packages/kalloc/src/buddy/clear-tracker.ts';
import { CLEAR, DIRTY, MIXED } from '../packages/kalloc/src/buddy/block-pool.ts';
import { NumberList } from '../packages/kalloc/src/core/number-list.ts';
import { alignUp } from '../packages/kalloc/src/core/bits.ts';
import { Prng } from '../packages/kalloc/src/core/prng.ts';

const SPACE = 256;
const RUNS = process.env.FUZZ ? 3000 : 150;

/** Maximal runs of set units. */
function runs(set: Uint8Array): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < set.length; ) {
    if (!set[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < set.length && set[j]) j++;
    out.push({ start: i, end: j });
    i = j;
  }
  return out;
}

/** The highest run that can place `size` units at an `align`-aligned start. */
function findModel(set: Uint8Array, size: number, align: number): number {
  const all = runs(set);
  for (let i = all.length - 1; i >= 0; i--) if (alignUp(all[i]!.start, align) + size <= all[i]!.end) return all[i]!.start;
  return -1;
}

const range = fc.tuple(fc.nat(SPACE - 1), fc.integer({ min: 1, max: 64 })).map(([s, n]) => [s, Math.min(n, SPACE - s)] as const);
const pow2 = fc.constantFrom(1, 2, 4, 8, 16, 32, 64);
const op = fc.oneof(
  range.map(([s, n]) => ({ kind: 'clear' as const, s, n })),
  range.map(([s, n]) => ({ kind: 'dirty' as const, s, n })),
  fc.tuple(range, pow2, pow2).map(([[s, n], size, align]) => ({ kind: 'query' as const, s, n, size, align })),
);

test('clear tracker: random clear/dirty against a unit set', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const t = new ClearTracker(4);
      const set = new Uint8Array(SPACE);
      for (const o of ops) {
        if (o.kind === 'clear') {
          t.markClear(o.s, o.n);
          set.fill(1, o.s, o.s + o.n);
        } else if (o.kind === 'dirty') {
          const log = new NumberList();
          let was = 0;
          for (let i = o.s; i < o.s + o.n; i++) was += set[i]!;
          assert.equal(t.markDirty(o.s, o.n, log), was, 'markDirty returns the clear bytes it removed');
          // The log names exactly the removed pieces: undoing it restores the set.
          const restored = new Uint8Array(SPACE);
          for (let i = 0; i < log.length; i += 2) restored.fill(1, log.data[i]!, log.data[i + 1]!);
          for (let i = o.s; i < o.s + o.n; i++) assert.equal(restored[i], set[i]);
          set.fill(0, o.s, o.s + o.n);
        } else {
          let all = true;
          let bytes = 0;
          for (let i = o.s; i < o.s + o.n; i++) {
            all &&= set[i] === 1;
            bytes += set[i]!;
          }
          assert.equal(t.coverage(o.s, o.n), all ? CLEAR : bytes > 0 ? MIXED : DIRTY, `coverage(${o.s}, ${o.n})`);
          assert.equal(t.overlap(o.s, o.n), bytes);
          assert.equal(t.find(o.size, o.align), findModel(set, o.size, o.align), `find(${o.size}, ${o.align})`);
          assert.equal(t.find(o.size), findModel(set, o.size, o.size), `find(${o.size})`);
          const p = t.highestPlacement(o.size);
          if (p >= 0) {
            assert.equal(p % o.size, 0);
            for (let i = p; i < p + o.size; i++) assert.equal(set[i], 1);
          }
        }
        t.check();
        assert.deepEqual([...t.extents()], runs(set));
        assert.equal(t.total, set.reduce((a, b) => a + b, 0));
        assert.equal(t.extentCount, runs(set).length);
      }
      t.reset();
      t.check();
      assert.equal(t.total, 0);
    }),
    { numRuns: RUNS },
  );
});

test('clear tracker: updates next to the last one and far from it (finger walks and descents)', () => {
  // 512 extents of 4 units with gaps of 4; each update lands a few extents from the previous one
  // (the finger walks up or down) or anywhere (it gives up and descends), against a unit set.
  const units = 4096;
  const t = new ClearTracker(4);
  const set = new Uint8Array(units);
  for (let s = 0; s < units; s += 8) {
    t.markClear(s, 4);
    set.fill(1, s, s + 4);
  }
  const r = new Prng(7);
  let at = units / 2;
  for (let i = 0; i < 1500; i++) {
    const step = r.chance(0.2) ? r.below(units) - at : (r.below(25) - 12) * 8 + r.below(8);
    at = Math.min(units - 1, Math.max(0, at + step));
    const n = Math.min(1 + r.below(12), units - at);
    if (r.chance(0.5)) {
      t.markClear(at, n);
      set.fill(1, at, at + n);
    } else {
      let was = 0;
      for (let u = at; u < at + n; u++) was += set[u]!;
      assert.equal(t.markDirty(at, n), was, `markDirty(${at}, ${n})`);
      set.fill(0, at, at + n);
    }
    const probe = r.below(units - 4);
    const clearUnits = set.subarray(probe, probe + 4).reduce((a, u) => a + u, 0);
    assert.equal(t.coverage(probe, 4), clearUnits === 4 ? CLEAR : clearUnits > 0 ? MIXED : DIRTY, `coverage(${probe}, 4)`);
    assert.deepEqual([...t.extents()], runs(set), `after update ${i} at ${at}`);
  }
  t.check();
});

test('clear tracker: markClear merges with both neighbours and over overlaps', () => {
  const t = new ClearTracker();
  t.markClear(0, 4);
  t.markClear(8, 4);
  assert.equal(t.extentCount, 2);
  t.markClear(4, 4);
  assert.deepEqual([...t.extents()], [{ start: 0, end: 12 }]);
  t.markClear(2, 20);
  assert.deepEqual([...t.extents()], [{ start: 0, end: 22 }]);
  assert.equal(t.total, 22);
  assert.equal(t.markDirty(5, 2), 2);
  assert.deepEqual([...t.extents()], [{ start: 0, end: 5 }, { start: 7, end: 22 }]);
  t.check();
});

test('clear tracker: the aligned search skips near misses (an extent one unit short)', () => {
  const t = new ClearTracker();
  // [1, 16) holds 15 units and the aligned 8-block [8, 16).
  t.markClear(1, 15);
  assert.equal(t.find(8), 1);
  assert.equal(t.highestPlacement(8), 8);
  // [17, 31) holds 14 units, yet the aligned 8-block [24, 32) does not fit: a near miss.
  t.markClear(17, 14);
  assert.equal(t.find(8), 1, 'the higher extent cannot place an aligned 8-block');
  assert.equal(t.find(4, 16), -1, 'no 16-aligned start with 4 units after it');
  t.markClear(31, 5);
  assert.equal(t.find(4, 16), 17, 'the merged [17, 36) places 4 units at 32');
  assert.equal(t.highestPlacement(4, 16), 32);
  t.check();
});
