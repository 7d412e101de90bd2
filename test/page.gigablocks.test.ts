import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bitmap, findFirstWhere } from '../packages/kalloc/src/core/bitmap.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { PageAllocator, type Migratetype } from '../packages/kalloc/src/page/page-allocator.ts';

const FUZZ = process.env.FUZZ === '1';

/** 4 gigablocks of 64 pages, 8 pageblocks of 8 pages each, blocks up to order 3. */
const GB = 64;
const gbOf = (pfn: number): number => Math.floor(pfn / GB);

function small(onMigrate?: (from: number, to: number, order: number) => void): PageAllocator {
  return new PageAllocator({ pages: 4 * GB, maxOrder: 3, pageblockOrder: 3, gigablockOrder: 6, gigablocks: true, pcp: 'none', ...(onMigrate ? { onMigrate } : {}) });
}

function allocN(a: PageAllocator, n: number, mt: Migratetype): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a.alloc(0, { migratetype: mt })!);
  return out;
}

test('gigablocks: unmovable allocations stay in tainted gigablocks and taint the fullest clean one only when none can serve', () => {
  const a = small();
  const first = a.alloc(0, { migratetype: 'unmovable' })!;
  assert.equal(gbOf(first), 0, 'every gigablock is clean and empty: the lowest is tainted');
  assert.equal(a.stats().gigablocks.tainted, 1);
  // Movable pages go to clean gigablocks, not into the tainted one's free pageblocks.
  const movable = allocN(a, 60, 'movable');
  assert.ok(movable.every((p) => gbOf(p) === 1), `movable pages in ${[...new Set(movable.map(gbOf))]}`);
  // The tainted gigablock takes unmovable pages until it is full, claiming its movable
  // pageblocks one after another (no half-free test inside tainted gigablocks).
  const unmovable = allocN(a, 63, 'unmovable');
  assert.ok(unmovable.every((p) => gbOf(p) === 0));
  assert.equal(a.stats().gigablocks.tainted, 1);
  assert.equal(a.pagetypeinfo().pageblocks.unmovable, 8);
  // gigablock 0 is full: the next one taints the fullest clean gigablock (1, 4 pages free) and
  // leaves the empty ones (2, 3) clean.
  const next = a.alloc(0, { migratetype: 'unmovable' })!;
  assert.equal(gbOf(next), 1);
  assert.equal(a.stats().gigablocks.tainted, 2);
  assert.equal(gbOf(a.alloc(0, { migratetype: 'movable' })!), 2, 'movable leaves the newly tainted gigablock');
  a.check();
});

test('gigablocks: movable allocations prefer the fullest clean gigablock', () => {
  const a = small();
  const pages = allocN(a, 128, 'movable');
  assert.deepEqual([...new Set(pages.map(gbOf))], [0, 1], 'filled one gigablock after the other');
  for (const p of pages.filter((p) => gbOf(p) === 1).slice(0, 40)) a.free(p); // gigablock 1: 40 free
  for (const p of pages.filter((p) => gbOf(p) === 0).slice(0, 10)) a.free(p); // gigablock 0: 10 free
  const again = allocN(a, 11, 'movable');
  assert.deepEqual(again.slice(0, 10).map(gbOf), new Array(10).fill(0), 'the fuller gigablock 0 first');
  assert.equal(gbOf(again[10]!), 1, 'then 1 (24 of 64 in use) before the empty 2 and 3');
  assert.equal(a.stats().gigablocks.tainted, 0);
  a.check();
});

test('gigablocks: a movable allocation takes a free block of its order before splitting a larger one in another gigablock', () => {
  const a = small();
  allocN(a, 128, 'movable'); // gigablocks 0 and 1 full, 1 the last picked
  a.free(0); // gigablock 0: an order-0 block
  a.free(66);
  a.free(67); // gigablock 1: an order-1 block
  assert.equal(a.alloc(0, { migratetype: 'movable' }), 0, 'the order-0 block, not half of the order-1 one');
  assert.equal(a.alloc(1, { migratetype: 'movable' }), 66);
  a.check();
});

test('gigablocks: an unmovable allocation evacuates movable pages from a tainted gigablock rather than taint a clean one', () => {
  const moves: [number, number][] = [];
  const a = small((from, to) => moves.push([from, to]));
  assert.equal(a.alloc(0, { migratetype: 'unmovable' }), 0);
  const movable = allocN(a, 248, 'movable'); // every movable page of the zone, gigablock 0's too
  assert.equal(movable.filter((p) => gbOf(p) === 0).length, 56);
  allocN(a, 7, 'unmovable'); // the rest of pageblock 0
  assert.equal(a.freePages, 0);
  for (const p of movable.filter((p) => p >= 64 && p < 80)) a.free(p); // room in clean gigablock 1
  const u = a.alloc(0, { migratetype: 'unmovable' })!;
  assert.equal(gbOf(u), 0, 'served inside the tainted gigablock');
  assert.equal(a.stats().gigablocks.tainted, 1);
  assert.equal(moves.length, 8, 'one pageblock of movable pages moved');
  assert.ok(moves.every(([from, to]) => gbOf(from) === 0 && gbOf(to) === 1), JSON.stringify(moves));
  a.check();
});

test('gigablocks: an evacuation never uses up the free block that could serve the request', () => {
  const moves: [number, number][] = [];
  const a = small((from, to) => moves.push([from, to]));
  const unmovable = allocN(a, GB, 'unmovable'); // gigablock 0, tainted
  allocN(a, 3 * GB, 'movable'); // the clean ones, full
  a.free(unmovable[8]!);
  a.free(unmovable[10]!);
  assert.deepEqual(allocN(a, 2, 'movable').sort((x, y) => x - y), [8, 10], 'stolen: the only free pages');
  a.free(GB);
  a.free(GB + 1); // the zone's one free block of order 1, in clean gigablock 1
  // Evacuating pageblock 1 of gigablock 0 would move pages 8 and 10 into that block and free two
  // pages that are not buddies: no order-1 block left anywhere. It must not.
  const got = a.alloc(1, { migratetype: 'unmovable' });
  assert.equal(got, GB, 'served from the free block, not failed');
  assert.deepEqual(moves, []);
  a.check();
});

test('gigablocks: a whole-gigablock allocContig takes the emptiest clean gigablock first, migrating as little as it can', () => {
  const moves: number[] = [];
  const a = small((_, to) => moves.push(to));
  a.alloc(0, { migratetype: 'unmovable' }); // taints gigablock 0
  const movable = allocN(a, 64 + 20, 'movable'); // gigablock 1 full, 20 pages of gigablock 2
  for (const p of movable.filter((p) => gbOf(p) === 1).slice(0, 24)) a.free(p);
  assert.equal(a.allocContig(GB), 3 * GB, 'wholly free gigablock 3, nothing to migrate');
  assert.equal(moves.length, 0);
  assert.equal(a.allocContig(GB), 2 * GB, 'then gigablock 2 (20 pages in use) before 1 (40)');
  assert.equal(moves.length, 20);
  assert.ok(moves.every((to) => gbOf(to) === 1), 'its movable pages went to the fullest clean gigablock');
  // Gigablock 1 (60 movable pages) is the last clean one; its pages fit in tainted gigablock 0.
  assert.equal(a.allocContig(GB), GB);
  assert.ok(moves.slice(20).every((to) => gbOf(to) === 0));
  assert.equal(a.allocContig(GB), undefined, 'gigablock 0 holds an unmovable page');
  a.check();
  a.freeContig(2 * GB, GB);
  a.check();
  assert.equal(a.stats().gigablocks.cleanFree, 1);
});

/**
 * The guarantee, by brute force over random fills: a whole-gigablock allocContig succeeds
 * whenever some gigablock holds only free and movable pages and the free pages outside it can take
 * its movable pages (order 0 here, so any free page can), and fails when every gigablock holds an
 * unmovable page.
 */
test('gigablocks: 1 GiB allocation succeeds whenever a gigablock holds only free and movable pages and room exists elsewhere', () => {
  const step = fc.record({ kind: fc.constantFrom('movable', 'movable', 'movable', 'unmovable', 'free'), pick: fc.nat(10_000), order: fc.nat(1) });
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 5 }), fc.constantFrom(2, 3), fc.array(step, { maxLength: 400 }), (gigablocks, pageblockOrder, steps) => {
      const owner = new Map<number, { pages: number; movable: boolean }>();
      const a = new PageAllocator({
        pages: gigablocks * GB, maxOrder: 3, pageblockOrder, gigablockOrder: 6, gigablocks: true, pcp: 'none',
        onMigrate: (from, to) => {
          owner.set(to, owner.get(from)!);
          owner.delete(from);
        },
      });
      for (const s of steps) {
        if (s.kind === 'free') {
          const keys = [...owner.keys()];
          if (keys.length === 0) continue;
          const p = keys[s.pick % keys.length]!;
          a.free(p);
          owner.delete(p);
        } else {
          const movable = s.kind === 'movable';
          const order = movable ? 0 : s.order;
          const p = a.alloc(order, { migratetype: s.kind });
          if (p !== undefined) owner.set(p, { pages: 2 ** order, movable });
        }
      }
      // Per gigablock: fixed pages and movable pages, from the caller's own record.
      const fixed = new Array<number>(gigablocks).fill(0);
      const mov = new Array<number>(gigablocks).fill(0);
      for (const [p, b] of owner) (b.movable ? mov : fixed)[gbOf(p)]! += b.pages;
      const used = (gb: number): number => fixed[gb]! + mov[gb]!;
      const possible = fixed.some((f, gb) => f === 0 && mov[gb]! <= a.freePages - (GB - used(gb)));
      const got = a.allocContig(GB);
      a.check();
      assert.equal(got !== undefined, possible, `allocContig(${GB}) = ${got}; fixed ${fixed}, movable ${mov}, free ${a.freePages}`);
      if (got !== undefined) assert.equal(got % GB, 0);
    }),
    { numRuns: FUZZ ? 1000 : 150 },
  );
});

/**
 * Issue 16, defect 7, scaled down: churn at 90–99% occupancy (3% unmovable, 2% reclaimable, orders
 * 0–3), then whole-gigablock allocContig until it fails. Each churn step frees a random block and
 * allocates one of the same order: a block that large is then free, so the allocation must
 * succeed, and both runs hold the same pages when the ranges are counted — they differ only in
 * where the allocator put things.
 */
function gigablockRangesAfterChurn(seed: number, gigablocks: boolean): { ranges: number; failed: number } {
  const gigablockOrder = 8;
  const pages = 32 * 2 ** gigablockOrder;
  // The caller's blocks: pfn and order per slot, and the slot of the block at each pfn.
  const live = new Int32Array(pages);
  const orders = new Int8Array(pages);
  const slot = new Int32Array(pages);
  let count = 0;
  let failed = 0;
  const a = new PageAllocator({
    pages, maxOrder: 6, pageblockOrder: 5, gigablockOrder, gigablocks, pcp: 'none',
    onMigrate: (from, to) => {
      live[slot[from]!] = to;
      slot[to] = slot[from]!;
    },
  });
  const rng = new Prng(seed);
  const alloc = (order: number): void => {
    const r = rng.float();
    const p = a.alloc(order, { migratetype: r < 0.03 ? 'unmovable' : r < 0.05 ? 'reclaimable' : 'movable' });
    if (p === undefined) return void failed++;
    slot[p] = count;
    orders[count] = order;
    live[count++] = p;
  };
  const occupancy = 0.9 + ((seed * 7) % 10) / 100;
  while (a.freePages > pages * (1 - occupancy)) alloc(rng.below(4));
  for (let step = 0; step < 5000; step++) {
    const i = rng.below(count);
    const p = live[i]!;
    const order = orders[i]!;
    count--;
    live[i] = live[count]!;
    orders[i] = orders[count]!;
    slot[live[i]!] = i;
    a.free(p);
    alloc(order);
  }
  let ranges = 0;
  while (a.allocContig(2 ** gigablockOrder) !== undefined) ranges++;
  a.check();
  return { ranges, failed };
}

test('gigablocks: after churn near full, whole-gigablock allocContig obtains at least as many ranges as without gigablocks', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const on = gigablockRangesAfterChurn(seed, true);
    const off = gigablockRangesAfterChurn(seed, false);
    assert.deepEqual([on.failed, off.failed], [0, 0], `seed ${seed}: an allocation failed with a block of its order free`);
    assert.ok(on.ranges >= off.ranges, `seed ${seed}: ${on.ranges} ranges with gigablocks, ${off.ranges} without`);
  }
});

/** Frees the first `n` of `pfns` that lie in gigablock gb; the rest stay. */
function freeIn(a: PageAllocator, pfns: number[], gb: number, n: number): void {
  for (const p of pfns.filter((p) => gbOf(p) === gb).slice(0, n)) a.free(p);
}

// Issue 16, defect 8: taint is a fact about the pages (DESIGN.md), not about pageblock labels.
test('gigablocks: a reclaimable page keeps its gigablock tainted after a movable request relabels its pageblock', () => {
  const a = small();
  assert.equal(a.alloc(0, { migratetype: 'reclaimable' }), 0, 'taints gigablock 0 (pageblock 0 reclaimable)');
  const movable = allocN(a, 3 * GB + 56, 'movable'); // the clean gigablocks, then gigablock 0's movable pageblocks
  assert.equal(a.freePages, 7);
  // The next movable page claims pageblock 0 (7 of its 8 pages free): labelled movable now,
  // it still holds the reclaimable page.
  movable.push(a.alloc(0, { migratetype: 'movable' })!);
  assert.equal(a.pagetypeinfo().pageblocks.reclaimable, 0);
  assert.equal(a.stats().gigablocks.tainted, 1, 'gigablock 0 holds a reclaimable page');
  a.check();
  // The index steers from that bit: with room in gigablock 0 (9 pages) and in gigablock 2 (1
  // page, the fuller), an unmovable page goes to the gigablock already tainted.
  freeIn(a, movable, 0, 9);
  freeIn(a, movable, 2, 1);
  assert.equal(gbOf(a.alloc(0, { migratetype: 'unmovable' })!), 0);
  assert.equal(a.stats().gigablocks.tainted, 1);
  a.check();
});

test('gigablocks: an unmovable page in the zone\'s partial last pageblock taints its gigablock', () => {
  const a = new PageAllocator({ pages: 2 * GB + 4, maxOrder: 3, pageblockOrder: 3, gigablockOrder: 6, gigablocks: true, pcp: 'none' });
  const movable = allocN(a, 2 * GB + 4, 'movable');
  // The smallest free block first: the last pageblock's order-2 block before any order-3 block.
  assert.deepEqual(movable.slice(0, 4).map(gbOf), [2, 2, 2, 2]);
  freeIn(a, movable, 2, 4);
  // Only the last gigablock's 4-page pageblock is free: the page is stolen, not claimed (a
  // partial pageblock is never relabelled), so its label stays movable.
  const u = a.alloc(0, { migratetype: 'unmovable' })!;
  assert.equal(gbOf(u), 2);
  assert.equal(a.pagetypeinfo().pageblocks.unmovable, 0);
  assert.equal(a.stats().gigablocks.tainted, 1, 'gigablock 2 holds an unmovable page');
  a.check();
  freeIn(a, movable, 1, 1);
  assert.equal(gbOf(a.alloc(0, { migratetype: 'unmovable' })!), 2, 'the tainted gigablock serves, gigablock 1 stays clean');
  assert.equal(a.stats().gigablocks.tainted, 1);
  a.check();
});

test('gigablocks: pages a CPU caches as unmovable taint their gigablock until drained', () => {
  const a = new PageAllocator({ pages: 4 * GB, maxOrder: 3, pageblockOrder: 3, gigablockOrder: 6, gigablocks: true, pcp: 'classic', pcpBatch: 4 });
  const u = a.alloc(0, { migratetype: 'unmovable' })!;
  a.free(u);
  assert.equal(a.stats().pcp.cachedPages, 4, 'the refill batch, all cached on the unmovable list');
  assert.equal(a.stats().gigablocks.tainted, 1, 'nothing allocated, but unmovable pages cached');
  a.check();
  a.drain();
  assert.equal(a.stats().gigablocks.tainted, 0);
  a.check();
});

test('gigablocks: gigablockOrder below maxOrder is refused (EINVAL) when gigablocks are on', () => {
  assert.throws(
    () => new PageAllocator({ pages: 1024, maxOrder: 8, pageblockOrder: 4, gigablockOrder: 6, gigablocks: true }),
    (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && /gigablockOrder = 6/.test(e.message) && /maxOrder \(8\)/.test(e.message),
  );
  // Without gigablocks the same orders are fine, and the option is only a number.
  assert.equal(new PageAllocator({ pages: 1024, maxOrder: 8, pageblockOrder: 4, gigablockOrder: 6 }).stats().gigablocks.enabled, false);
  assert.throws(() => new PageAllocator({ pages: 1024, gigablocks: 'yes' as unknown as boolean }), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL');
});

test('gigablocks: a partial last gigablock serves allocations but never a whole-gigablock request', () => {
  const a = new PageAllocator({ pages: 2 * GB + 40, maxOrder: 3, pageblockOrder: 3, gigablockOrder: 6, gigablocks: true, pcp: 'none' });
  assert.equal(a.stats().gigablocks.count, 3);
  assert.equal(a.allocContig(GB), 0);
  assert.equal(a.allocContig(GB), GB);
  assert.equal(a.allocContig(GB), undefined);
  const rest = allocN(a, 40, 'movable');
  assert.ok(rest.every((p) => gbOf(p) === 2));
  assert.equal(a.alloc(0, { migratetype: 'movable' }), undefined);
  a.check();
});

test('Bitmap.findFirstWhere and setToUnion (the index search) agree with a naive scan', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 150 }).chain((n) =>
        fc.tuple(
          fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 3 }),
          fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { maxLength: 3 }),
          fc.integer({ min: 0, max: n + 40 }),
        ),
      ),
      ([all, none, from]) => {
        const toBitmap = (bits: boolean[]): Bitmap => {
          const b = new Bitmap(bits.length);
          bits.forEach((on, i) => b.assign(i, on));
          return b;
        };
        const n = all[0]!.length;
        let want = -1;
        for (let i = from; i < n && want < 0; i++) if (all.every((m) => m[i]) && none.every((m) => !m[i])) want = i;
        assert.equal(findFirstWhere(all.map(toBitmap), none.map(toBitmap), from), want);
        const union = new Bitmap(n);
        union.set(0);
        union.setToUnion(all.map(toBitmap), 1, 1);
        for (let i = 0; i < n; i++) assert.equal(union.get(i), all.slice(1).some((m) => m[i]));
      },
    ),
    { numRuns: FUZZ ? 2000 : 300 },
  );
});

test('gigablocks: the blind search (RFC v1) places every block where the bitmap index does, and counts the gigablocks it visits', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3), fc.constantFrom<Migratetype>('movable', 'unmovable', 'reclaimable'), fc.boolean(), fc.nat()), { maxLength: 200 }), (ops) => {
      const make = (gigablockSearch: 'index' | 'blind'): { a: PageAllocator; live: number[] } => ({
        a: new PageAllocator({ pages: 4 * GB, maxOrder: 3, pageblockOrder: 3, gigablockOrder: 6, gigablocks: true, pcp: 'none', gigablockSearch }),
        live: [],
      });
      const sides = [make('index'), make('blind')];
      for (const [order, mt, free, pick] of ops) {
        const got = sides.map(({ a, live }) => {
          if (free && live.length > 0) {
            const pfn = live.splice(pick % live.length, 1)[0]!;
            a.free(pfn);
            return pfn;
          }
          const pfn = a.alloc(order, { migratetype: mt });
          if (pfn !== undefined) live.push(pfn);
          return pfn;
        });
        assert.equal(got[1], got[0]);
      }
      for (const { a } of sides) a.check();
      assert.equal(sides[0]!.a.stats().gigablocks.searched, 0);
      if (ops.some(([, , free]) => !free)) assert.ok(sides[1]!.a.stats().gigablocks.searched > 0);
    }),
    { numRuns: FUZZ ? 1000 : 100 },
  );
});
