/**
 * The GPU-free part of GpuHeap.clearIdle on both real buddy designs: dirtyRuns() against a unit
 * bitmap built from the allocator's own views, its total against avail - clearAvail, and
 * planIdleClear() applied the way clearIdle applies it (claim each run exactly, free it cleared).
 * The zero guarantee itself is tested on real WebGPU (test/browser/webgpu.browser.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BuddyAllocator, LegacyBuddyAllocator, type BuddyBlock } from 'kalloc';
import { dirtyRuns, planIdleClear, type Run } from '../packages/kalloc/src/webgpu/dirty-runs.ts';

const CHUNK = 4096;
const UNITS = 96; // 384 KiB: roots of 256 KiB and 128 KiB
const RUNS = process.env.FUZZ ? 2000 : 120;

const step = fc.oneof(
  fc.record({ kind: fc.constant('alloc' as const), units: fc.integer({ min: 1, max: 24 }), clear: fc.boolean(), contiguous: fc.boolean() }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat(), cleared: fc.boolean() }),
  fc.record({ kind: fc.constant('idle' as const), budget: fc.integer({ min: 0, max: UNITS * CHUNK }) }),
);

/** Dirty free units as maximal runs, from a bitmap of the allocator's free blocks and clear extents. */
function bitmapRuns(b: BuddyAllocator | LegacyBuddyAllocator): Run[] {
  const dirty = new Uint8Array(UNITS);
  for (const f of b.freeBlocks()) if (!f.clear) dirty.fill(1, f.offset / CHUNK, (f.offset + f.size) / CHUNK);
  if (b instanceof BuddyAllocator) for (const e of b.clearExtents()) dirty.fill(0, e.start / CHUNK, e.end / CHUNK);
  const runs: Run[] = [];
  for (let i = 0; i < UNITS; ) {
    if (!dirty[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < UNITS && dirty[j]) j++;
    runs.push({ source: 0, start: i * CHUNK, end: j * CHUNK });
    i = j;
  }
  return runs;
}

for (const Design of [BuddyAllocator, LegacyBuddyAllocator]) {
  test(`${Design.name}: dirtyRuns and planIdleClear under random allocs, frees and idle clears`, () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const b = new Design({ size: UNITS * CHUNK });
        const live: BuddyBlock[][] = [];
        for (const s of steps) {
          if (s.kind === 'alloc') {
            const blocks = b.alloc(s.units * CHUNK, { clear: s.clear, contiguous: s.contiguous });
            if (blocks) live.push(blocks);
          } else if (s.kind === 'free') {
            if (live.length > 0) b.free(live.splice(s.pick % live.length, 1)[0]!, { cleared: s.cleared });
          } else {
            const runs = dirtyRuns(b, 0);
            assert.deepEqual(runs, bitmapRuns(b));
            const dirty = runs.reduce((n, r) => n + r.end - r.start, 0);
            assert.equal(dirty, b.avail - b.clearAvail);
            const plan = planIdleClear(runs, s.budget, CHUNK);
            const planned = plan.reduce((n, r) => n + r.end - r.start, 0);
            assert.equal(planned, Math.min(dirty, s.budget - (s.budget % CHUNK)));
            // Largest first; only the last one may be cut short; every piece lies in a dirty run.
            for (let i = 1; i < plan.length; i++) assert.ok(plan[i - 1]!.end - plan[i - 1]!.start >= plan[i]!.end - plan[i]!.start);
            for (let i = 0; i < plan.length - 1; i++) assert.ok(runs.some((r) => r.start === plan[i]!.start && r.end === plan[i]!.end));
            for (const p of plan) assert.ok(runs.some((r) => r.start <= p.start && p.end <= r.end));
            const clearBefore = b.clearAvail;
            for (const p of plan) b.free(b.alloc(p.end - p.start, { start: p.start, end: p.end })!, { cleared: true });
            assert.equal(b.clearAvail, clearBefore + planned);
          }
          b.check();
        }
      }),
      { numRuns: RUNS },
    );
  });
}

test('planIdleClear: ties go to the lower source, then the lower address; a zero budget plans nothing', () => {
  const runs = (): Run[] => [
    { source: 1, start: 0, end: 8192 },
    { source: 0, start: 8192, end: 16384 },
    { source: 0, start: 32768, end: 65536 },
    { source: 0, start: 0, end: 4096 },
  ];
  assert.deepEqual(planIdleClear(runs(), 0, CHUNK), []);
  assert.deepEqual(planIdleClear(runs(), CHUNK - 1, CHUNK), []);
  assert.deepEqual(planIdleClear(runs(), 32768 + 8192 + 4096, CHUNK), [
    { source: 0, start: 32768, end: 65536 },
    { source: 0, start: 8192, end: 16384 },
    { source: 1, start: 0, end: 4096 },
  ]);
});
