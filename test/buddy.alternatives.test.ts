/**
 * What each alternative of the clear tracker review does differently from the design it varies
 * (the model test in buddy.model.test.ts checks them all for correctness).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDDY_DESIGNS } from '../packages/kalloc/src/buddy/designs.ts';
import type { BuddyBlock } from '../packages/kalloc/src/buddy/api.ts';
import { LegacyBuddyAllocator } from '../packages/kalloc/src/buddy/legacy-buddy-allocator.ts';

const PAGE = 4096;
const design = (id: string) => BUDDY_DESIGNS.find((d) => d.id === id)!;

/** Every page allocated on its own, then the pages in `free` given back (cleared where asked). */
function pagesThenFree(id: string, pages: number, free: number[], cleared: (p: number) => boolean = () => false) {
  const mm = design(id).create({ size: pages * PAGE });
  const each: BuddyBlock[] = [];
  for (let p = 0; p < pages; p++) each.push(...mm.alloc(PAGE, { start: p * PAGE, end: (p + 1) * PAGE })!);
  for (const p of free) mm.free([each[p]!], { cleared: cleared(p) });
  return mm;
}

test('extent: a non-power-of-two contiguous request served from a free run try-harder cannot use', () => {
  // Pages 1-6 free: no aligned 4-page block is free, so try-harder (order 2) finds nothing.
  const free = [1, 2, 3, 4, 5, 6];
  const unified = pagesThenFree('unified', 16, free);
  assert.equal(unified.alloc(5 * PAGE, { contiguous: true }), undefined);
  const extent = pagesThenFree('extent', 16, free);
  const got = extent.alloc(5 * PAGE, { contiguous: true })!;
  assert.equal(got.reduce((s, b) => s + b.size, 0), 5 * PAGE);
  for (let i = 1; i < got.length; i++) assert.equal(got[i]!.offset, got[i - 1]!.offset + got[i - 1]!.size);
  assert.ok(got[0]!.offset >= PAGE && got[got.length - 1]!.offset + got[got.length - 1]!.size <= 7 * PAGE);
  extent.check();
});

test('legacy alternatives: the one-shot merge leaves no mismatched free pair, piecemeal merging (scan or list) leaves some', () => {
  // Pages 0-63 free in pairs of a cleared and a dirty buddy: every pair is stuck at order 0.
  const free = Array.from({ length: 64 }, (_, p) => p);
  const odd = (p: number) => p % 2 === 1;
  const runs = ['legacy', 'legacy-full-merge', 'legacy-failed-list'].map((id) => {
    const mm = pagesThenFree(id, 64, free, odd) as LegacyBuddyAllocator;
    // A 2-page request finds no order-1 block and force-merges.
    assert.ok(mm.alloc(2 * PAGE, { minBlockSize: 2 * PAGE }));
    mm.check();
    return mm;
  });
  const [legacy, full, list] = runs as [LegacyBuddyAllocator, LegacyBuddyAllocator, LegacyBuddyAllocator];
  for (const mm of runs) assert.equal((mm as LegacyBuddyAllocator).forceMerges, 1);
  // Piecemeal stops at the first order-1 block; one-shot merges everything else too.
  const stillSplit = (mm: LegacyBuddyAllocator) => [...mm.freeBlocks()].filter((b) => b.size === PAGE).length;
  assert.ok(stillSplit(legacy) > 0);
  assert.equal(stillSplit(full), 0);
  assert.equal(stillSplit(list), stillSplit(legacy), 'the list merges piecemeal too');
});

test('legacy failed-merge list: force-merge visits the one refused block where the scan walks every cleared block above it', () => {
  // Page 0 dirty and page 1 cleared: the only mismatched pair. Even pages 8-62 cleared, their
  // buddies allocated: nothing to merge, but the scan walks them first (highest offset first).
  const free = [0, 1, ...Array.from({ length: 28 }, (_, i) => 8 + 2 * i)];
  const visits = ['legacy', 'legacy-failed-list'].map((id) => {
    const mm = pagesThenFree(id, 64, free, (p) => p !== 0) as LegacyBuddyAllocator;
    const got = mm.alloc(2 * PAGE, { minBlockSize: 2 * PAGE })!;
    assert.equal(got[0]!.offset, 0, 'the merged pair serves the request');
    mm.check();
    return mm.forceMergeVisits;
  });
  assert.equal(visits[1], 1);
  assert.ok(visits[0]! > 20, `the scan visited ${visits[0]}`);
});
