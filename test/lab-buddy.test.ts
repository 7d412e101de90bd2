/**
 * The buddy scenarios' workloads: the memory map agrees with the cleared bytes the table reports,
 * the no-clear churn places identically in both designs, and the interleaved runner alternates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESIGNS, NEW, OLD, make, memoryMap } from '../packages/lab/src/workloads/buddy.ts';
import { noClearRun, vkctsRun } from '../packages/lab/src/workloads/buddy-runs.ts';
import { interleaved, spread } from '../packages/lab/src/kit/design-workers.ts';
import { PageRecord } from '../packages/lab/src/workloads/buddy-churn.ts';
import { reviewRun } from '../packages/lab/src/workloads/buddy-review.ts';
import { BUDDY_DESIGNS } from '../packages/kalloc/src/buddy/designs.ts';
import type { BuddyBlock } from '../packages/kalloc/src/buddy/api.ts';
import fc from 'fast-check';

const K = 1024;
const M = K * K;

function clearedBytes(segments: readonly { start: number; end: number; state: string }[]): number {
  return segments.filter((s) => s.state === 'cleared').reduce((sum, s) => sum + s.end - s.start, 0);
}

test('buddy lab: the memory map shows every cleared byte the table reports (vkcts, both designs)', () => {
  for (const design of DESIGNS) {
    const run = vkctsRun(design, { size: 256 * M, count: 400, blockSize: 8 * K, align: 256 * K, background: 200, seed: 7, rounds: 1 });
    assert.ok(run.clearAvail > 0, `${design}: the test leaves cleared memory`);
    assert.equal(clearedBytes(run.map.segments), run.clearAvail, `${design}: map and clearAvail agree`);
    assert.equal(run.map.segments.at(-1)!.end, 256 * M);
  }
});

test('buddy lab: a free block that is only partly cleared is drawn partly cleared', () => {
  const mm = make(NEW, 64 * 4096);
  const pages = Array.from({ length: 4 }, (_, i) => mm.alloc(4096, { start: i * 4096, end: (i + 1) * 4096 })!);
  mm.free(pages[1]!, { cleared: true });
  mm.free(pages[0]!); // merges with the cleared page: one free 8 KiB block, half of it cleared
  const map = memoryMap(mm, NEW, 'partly cleared');
  assert.deepEqual(map.segments.slice(0, 3), [
    { start: 0, end: 4096, state: 'free' },
    { start: 4096, end: 8192, state: 'cleared' },
    { start: 8192, end: 16384, state: 'used' },
  ]);
  assert.equal(clearedBytes(map.segments), mm.clearAvail);
});

test('buddy lab: a driver that never passes clear flags gets the same blocks from both designs', () => {
  const params = { size: 32 * M, ops: 20_000, fill: 0.85, seed: 5, rounds: 1 };
  const unified = noClearRun(NEW, params);
  const legacy = noClearRun(OLD, params);
  assert.ok(unified.allocs > 5000 && unified.failed > 0, 'the churn runs near full');
  assert.deepEqual({ ...unified, ms: 0 }, { ...legacy, ms: 0 });
});

test('buddy lab: interleaved rounds alternate the order; spread gives median and range', async () => {
  const calls: string[] = [];
  const out = await interleaved(['a', 'b'], 3, async (d, round) => {
    calls.push(`${d}${round}`);
    return round;
  });
  assert.deepEqual(calls, ['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
  assert.deepEqual(out, { a: [0, 1, 2], b: [0, 1, 2] });
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
});

test('buddy lab: PageRecord knows a wholly dirty free window of every size exactly when brute force finds one', () => {
  const PAGES = 40; // not a power of two: the last window of the large orders is cut short
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(PAGES - 1), fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 1, 2)), { maxLength: 40 }), (ops) => {
      const rec = new PageRecord(PAGES * 4096, true);
      for (const [at, n, to] of ops) {
        const block = [{ offset: at * 4096, size: Math.min(n, PAGES - at) * 4096 }] as BuddyBlock[];
        if (to === 2) rec.handOut(block);
        else rec.giveBack(block, to === 1);
        for (let k = 0; 2 ** k <= 32; k++) {
          const span = 2 ** k;
          let brute = false;
          for (let w = 0; w + span <= PAGES && !brute; w += span) brute = rec.state.subarray(w, w + span).every((s) => s === 0);
          assert.equal(rec.hasDirtyWindow(span * 4096), brute, `windows of ${span} pages`);
        }
      }
    }),
  );
});

test('buddy lab: the review run gives the same counts in every round, and its alternatives keep to their design', () => {
  const M = 1024 * 1024;
  const p = { size: 16 * M, ops: 3000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, seed: 3, odd: [3 * M, 768 * K], tries: 2, rounds: 1 };
  const untimed = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([m]) => !/ (us|ms)$/.test(m)));
  const runs = Object.fromEntries(BUDDY_DESIGNS.map((d) => [d.id, reviewRun(d.label, p)]));
  assert.deepEqual(untimed(reviewRun(BUDDY_DESIGNS[0]!.label, p)), untimed(runs.unified!));
  // Only the dual-tree designs force-merge; the list looks at fewer blocks than the scan.
  assert.equal(runs.unified!['force-merge runs'], 0);
  assert.equal(runs.extent!['force-merge runs'], 0);
  assert.ok(runs.legacy!['force-merge runs']! > 0, 'the churn hits the merge barrier');
  assert.ok(runs['legacy-failed-list']!['force-merge blocks examined']! < runs.legacy!['force-merge blocks examined']!);
  for (const r of Object.values(runs)) assert.ok(r['odd contiguous served']! <= p.odd.length * p.tries);
});
