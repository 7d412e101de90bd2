import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageAllocator } from '../packages/kalloc/src/page/page-allocator.ts';
import { pageDesigns } from '../packages/kalloc/src/page/designs.ts';
import { FUZZ, TYPES, canonicalBuddyinfo, checkModel, zoneConfigs } from './page-model.ts';

// Every contiguous design of the registry that takes window options (the 2019 baseline takes
// only a size and has its own tests in page.contig.test.ts).
for (const design of pageDesigns('contig').filter((d) => d.preset.contig !== '2019')) {
  test(`page allocator (contig ${design.id}, ${design.role}): model-based alloc/free/compact/contig keeps every invariant`, () => {
    // The zone alone: one CPU, no per-CPU layer, no gigablocks.
    checkModel({
      configs: zoneConfigs({ smallPages: 80, maxOrder: 10 }).map((c) => ({ ...c, ...design.preset })),
      mix: { allocs: 1, smallAllocs: 1, smallOrder: 3, smallTypes: TYPES, frees: 2, drains: 0, compacts: 1, contigs: 1, wholeGigablocks: false },
      maxCommands: FUZZ ? 300 : 80,
      numRuns: FUZZ ? 1000 : design.role === 'new' ? 120 : 60,
    });
  });
}

test('page allocator: fallback claims a whole movable pageblock for unmovable, then serves it from there', () => {
  // 4 pageblocks of 8 pages, maxOrder 4: two order-4 blocks, all movable.
  const a = new PageAllocator({ pages: 32, maxOrder: 4, pageblockOrder: 3, pcp: 'none' });
  const p = a.alloc(0, { migratetype: 'unmovable' })!;
  // __rmqueue_claim takes the largest movable block (order 4 >= pageblock order) and relabels
  // both of its pageblocks.
  assert.deepEqual(a.pagetypeinfo().pageblocks, { unmovable: 2, movable: 2, reclaimable: 0 });
  assert.equal(p, 0);
  const q = a.alloc(0, { migratetype: 'unmovable' })!;
  assert.ok(q < 16, 'the next unmovable page comes from the claimed block');
  const m = a.alloc(0, { migratetype: 'movable' })!;
  assert.ok(m >= 16, 'movable pages stay out of the unmovable pageblocks');
  a.check();
});

test('page allocator: a movable request steals a small unmovable block without relabelling', () => {
  // Two pageblocks of 64 pages; pageblock_order / 2 = 3.
  const a = new PageAllocator({ pages: 128, maxOrder: 6, pageblockOrder: 6, pcp: 'none' });
  assert.equal(a.alloc(6, { migratetype: 'unmovable' }), 0); // claims pageblock 0 whole
  assert.equal(a.alloc(0, { migratetype: 'unmovable' }), 64); // claims pageblock 1 whole
  for (const order of [5, 4, 3]) assert.notEqual(a.alloc(order, { migratetype: 'unmovable' }), undefined);
  // Left free: 65 (order 0), 66 (order 1), 68 (order 2), all on unmovable lists.
  assert.deepEqual(a.pagetypeinfo().freeBlocks.unmovable, [1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(a.pagetypeinfo().pageblocks, { unmovable: 2, movable: 0, reclaimable: 0 });
  // Order 2 < pageblock_order / 2 for a movable request: no claim; __rmqueue_steal takes the
  // smallest block and leaves the pageblock unmovable.
  assert.equal(a.alloc(0, { migratetype: 'movable' }), 65);
  assert.deepEqual(a.pagetypeinfo().pageblocks, { unmovable: 2, movable: 0, reclaimable: 0 });
  // An unmovable request with a block of order >= pageblock_order / 2 claims it instead.
  a.check();
});

test('page allocator: claiming a pageblock needs half of it free or alike', () => {
  // Four pageblocks of 16 pages; one maxOrder block each.
  const a = new PageAllocator({ pages: 64, maxOrder: 4, pageblockOrder: 4, pcp: 'none' });
  const movable: number[] = [];
  for (let i = 0; i < 64; i++) movable.push(a.alloc(0, { migratetype: 'movable' })!);
  // Pageblock 0: free 8 pages (in order-3 block 8..15) -> 8 >= 16/2: an unmovable claim relabels it.
  for (let p = 8; p < 16; p++) a.free(p);
  // Pageblock 1: free 4 pages (order 2 at 28) -> 4 + 0 alike < 8: no claim, a steal.
  for (let p = 28; p < 32; p++) a.free(p);
  const u = a.alloc(2, { migratetype: 'unmovable' })!;
  // Claim looks from the largest order down: the order-3 block of pageblock 0 comes first.
  assert.equal(u, 8);
  assert.deepEqual(a.pagetypeinfo().pageblocks, { unmovable: 1, movable: 3, reclaimable: 0 });
  const v = a.alloc(2, { migratetype: 'reclaimable' })!;
  // Reclaimable falls back to unmovable first (12, in the claimed block, claim fails: 4 free +
  // 0 alike < 8), so it steals it without relabelling.
  assert.equal(v, 12);
  assert.deepEqual(a.pagetypeinfo().pageblocks, { unmovable: 1, movable: 3, reclaimable: 0 });
  a.check();
});

test('page allocator: buddies merge up to maxOrder and the tail keeps its smaller blocks', () => {
  const a = new PageAllocator({ pages: 1000, maxOrder: 5, pageblockOrder: 3, pcp: 'none' });
  assert.deepEqual(a.buddyinfo(), canonicalBuddyinfo(1000, 5));
  const got: number[] = [];
  for (let p = a.alloc(0); p !== undefined; p = a.alloc(0)) got.push(p);
  assert.equal(got.length, 1000);
  assert.deepEqual([...got].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  for (const p of got.reverse()) a.free(p);
  a.check();
  assert.deepEqual(a.buddyinfo(), canonicalBuddyinfo(1000, 5));
});

test('page allocator: compaction moves movable blocks up and builds the requested order', () => {
  const moved: [number, number, number][] = [];
  const a = new PageAllocator({ pages: 256, maxOrder: 6, pageblockOrder: 4, pcp: 'none', onMigrate: (f, t, o) => moved.push([f, t, o]) });
  const pages: number[] = [];
  for (let i = 0; i < 256; i++) pages.push(a.alloc(0, { migratetype: 'movable' })!);
  // Free every other page: 128 free pages, no free block above order 0.
  for (let i = 0; i < 256; i += 2) a.free(pages[i]!);
  assert.equal(a.buddyinfo()[0], 128);
  assert.equal(a.fragmentationIndex(4) > 500, true);
  const r = a.compact({ order: 4 });
  a.check();
  assert.ok(r.migrated > 0 && r.freedBlocks >= 1, JSON.stringify(r));
  assert.ok(moved.every(([f, t]) => t > f), 'targets lie above sources');
  assert.ok(a.buddyinfo().slice(4).some((n) => n > 0));
  // Stops as soon as the order exists: a second call does nothing.
  assert.deepEqual(a.compact({ order: 4 }), { migrated: 0, freedBlocks: 0 });
  // Full compaction packs the remaining movable pages at the top.
  a.compact();
  a.check();
  assert.equal(a.unusableIndex(4), 0);
});

test('page allocator: without onMigrate movable pages are pinned', () => {
  const a = new PageAllocator({ pages: 64, maxOrder: 4, pageblockOrder: 2, pcp: 'none' });
  const ps: number[] = [];
  for (let i = 0; i < 64; i++) ps.push(a.alloc(0, { migratetype: 'movable' })!);
  for (let i = 0; i < 64; i += 2) a.free(ps[i]!);
  assert.deepEqual(a.compact({ order: 2 }), { migrated: 0, freedBlocks: 0 });
  assert.equal(a.allocContig(2), undefined);
  a.check();
});
