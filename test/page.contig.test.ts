import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PageAllocator, type ContigDesign, type Migratetype } from '../packages/kalloc/src/page/page-allocator.ts';

const FUZZ = process.env.FUZZ === '1';

/** The caller's side: live blocks by pfn, moved by onMigrate. */
interface Live {
  pfn: number;
  pages: number;
  order: number; // -1: a contiguous range
  mt: Migratetype | 'contig';
}

class Tracked {
  readonly a: PageAllocator;
  readonly live = new Map<number, Live>();
  migrations = 0;

  constructor(pages: number, maxOrder: number, pageblockOrder: number, migratable: boolean, contig: ContigDesign = 'memarea') {
    const onMigrate = (from: number, to: number, order: number): void => {
      const b = this.live.get(from)!;
      assert.ok(b && b.mt === 'movable' && b.order === order, `bad onMigrate(${from}, ${to}, ${order})`);
      this.live.delete(from);
      b.pfn = to;
      this.live.set(to, b);
      this.migrations++;
    };
    this.a = new PageAllocator({ pages, maxOrder, pageblockOrder, pcp: 'none', contig, ...(migratable ? { onMigrate } : {}) });
  }

  alloc(order: number, mt: Migratetype): void {
    const pfn = this.a.alloc(order, { migratetype: mt });
    if (pfn !== undefined) this.live.set(pfn, { pfn, pages: 2 ** order, order, mt });
  }

  addContig(pfn: number | undefined, pages: number): void {
    if (pfn !== undefined) this.live.set(pfn, { pfn, pages, order: -1, mt: 'contig' });
  }

  free(b: Live): void {
    if (b.mt === 'contig') this.a.freeContig(b.pfn, b.pages);
    else this.a.free(b.pfn);
    this.live.delete(b.pfn);
  }
}

/** Per page: -1 free, -2 fixed (nothing can move it), else the pfn of its movable block. */
function pageMap(t: Tracked, migratable: boolean): Int32Array {
  const map = new Int32Array(t.a.pages).fill(-1);
  for (const b of t.live.values()) {
    const movable = b.mt === 'movable' && migratable;
    map.fill(movable ? b.pfn : -2, b.pfn, b.pfn + b.pages);
  }
  return map;
}

/** Free blocks per order of the largest aligned blocks tiling `free` pages (maximal merging). */
function buddyCounts(free: (pfn: number) => boolean, pages: number, maxOrder: number): number[] {
  const counts = new Array<number>(maxOrder + 1).fill(0);
  for (let p = 0; p < pages; ) {
    if (!free(p)) {
      p++;
      continue;
    }
    let o = maxOrder;
    while (o > 0) {
      const size = 2 ** o;
      let ok = p % size === 0 && p + size <= pages;
      for (let q = p; ok && q < p + size; q++) ok = free(q);
      if (ok) break;
      o--;
    }
    counts[o]!++;
    p += 2 ** o;
  }
  return counts;
}

/**
 * Brute force: is [w, w + n) usable? No fixed page inside, and the movable blocks touching it
 * fit, largest first, into the free blocks outside it.
 */
function windowUsable(t: Tracked, map: Int32Array, w: number, n: number): boolean {
  const sources = new Map<number, number>(); // pfn -> order
  for (let p = w; p < w + n; p++) {
    if (map[p] === -2) return false;
    if (map[p]! >= 0) sources.set(map[p]!, t.live.get(map[p]!)!.order);
  }
  const room = buddyCounts((p) => map[p] === -1 && (p < w || p >= w + n), t.a.pages, t.a.maxOrder);
  const orders = [...sources.values()].sort((x, y) => y - x);
  for (const o of orders) {
    let k = o;
    while (k <= t.a.maxOrder && room[k] === 0) k++;
    if (k > t.a.maxOrder) return false;
    room[k]!--;
    for (let j = o; j < k; j++) room[j]!++;
  }
  return true;
}

interface Scenario {
  pages: number;
  maxOrder: number;
  pbPick: number;
  migratable: boolean;
  fills: { order: number; mt: Migratetype; contig: number }[];
  frees: number[];
  request: { n: number; alignLog: number | undefined; offsetPick: number; startPick: number; endPick: number };
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  pages: fc.integer({ min: 16, max: 400 }),
  maxOrder: fc.integer({ min: 0, max: 6 }),
  pbPick: fc.nat(6),
  migratable: fc.boolean(),
  fills: fc.array(
    fc.record({
      order: fc.integer({ min: 0, max: 3 }),
      // mostly movable, some unmovable/reclaimable, a few contiguous ranges
      mt: fc.constantFrom<Migratetype>('movable', 'movable', 'movable', 'movable', 'unmovable', 'reclaimable'),
      contig: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 20 })),
    }),
    { maxLength: 150 },
  ),
  frees: fc.array(fc.nat(1000), { maxLength: 100 }),
  request: fc.record({
    n: fc.integer({ min: 1, max: 200 }),
    alignLog: fc.option(fc.nat(5), { nil: undefined }),
    offsetPick: fc.nat(100),
    startPick: fc.nat(1000),
    endPick: fc.nat(1000),
  }),
});

function build(s: Scenario, contig: ContigDesign = 'memarea'): Tracked {
  const t = new Tracked(s.pages, s.maxOrder, s.pbPick % (s.maxOrder + 1), s.migratable, contig);
  for (const f of s.fills) {
    const size = Math.min(f.contig, s.pages);
    if (size > 0) t.addContig(t.a.allocContig(size), size);
    else t.alloc(Math.min(f.order, s.maxOrder), f.mt);
  }
  for (const pick of s.frees) {
    const blocks = [...t.live.values()];
    if (blocks.length === 0) break;
    t.free(blocks[pick % blocks.length]!);
  }
  t.a.check();
  return t;
}

test('contig guarantee: allocContig takes the lowest usable window, and fails only when none exists', () => {
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const t = build(s);
      const { pages } = t.a;
      const n = 1 + ((s.request.n - 1) % pages);
      const align = s.request.alignLog === undefined ? 2 ** Math.floor(Math.log2(n)) : 2 ** s.request.alignLog;
      const offset = s.request.alignLog === undefined ? 0 : s.request.offsetPick % align;
      const start = s.request.startPick % (pages + 1);
      const end = start + (s.request.endPick % (pages - start + 1));
      const map = pageMap(t, s.migratable);
      let expected: number | undefined;
      for (let w = start; w + n <= end; w++) {
        if (w % align === offset && windowUsable(t, map, w, n)) {
          expected = w;
          break;
        }
      }
      const freeBefore = t.a.freePages;
      const got = t.a.allocContig(n, { align, offset, start, end });
      t.a.check();
      assert.equal(got, expected, `allocContig(${n}, align ${align}, offset ${offset}, [${start}, ${end})) on ${pages} pages`);
      if (got === undefined) {
        assert.equal(t.a.freePages, freeBefore, 'a failed allocContig changed the zone');
        return;
      }
      assert.equal(t.a.freePages, freeBefore - n);
      // Every live block now lies outside the range.
      for (const b of t.live.values()) assert.ok(b.pfn + b.pages <= got || b.pfn >= got + n, `block ${b.pfn} left inside [${got}, ${got + n})`);
      t.a.freeContig(got, n);
      t.a.check();
    }),
    { numRuns: FUZZ ? 2000 : 200 },
  );
});

test('contig: ranges beyond maxOrder, the whole zone, and alignment with offset', () => {
  const t = new Tracked(1000, 3, 2, true);
  const whole = t.a.allocContig(1000)!;
  assert.equal(whole, 0);
  assert.deepEqual(t.a.buddyinfo(), [0, 0, 0, 0]);
  assert.equal(t.a.allocContig(1), undefined);
  t.a.freeContig(0, 1000);
  t.a.check();
  // 100 movable order-0 pages spread over the zone; a 700-page range must move them away.
  for (let i = 0; i < 1000; i++) t.alloc(0, 'movable');
  for (const b of [...t.live.values()]) if (b.pfn % 10 !== 0) t.free(b);
  const r = t.a.allocContig(700, { align: 4, offset: 3 })!;
  assert.equal(r, 3);
  assert.equal(t.migrations, 70);
  t.a.check();
  assert.equal(t.a.allocContig(300, { align: 4, offset: 3 }), undefined, 'no room left for the movers');
  assert.equal(t.a.allocContig(200, { start: 700, end: 1000, align: 8 }), 704);
  t.a.check();
});

test('contig 2019 baseline: nrPages-aligned windows that are entirely free, never migrating', () => {
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const t = build(s, '2019');
      const n = 1 + ((s.request.n - 1) % t.a.pages);
      const map = pageMap(t, false);
      let expected: number | undefined;
      for (let w = 0; w + n <= t.a.pages; w += n) {
        if (map.subarray(w, w + n).every((v) => v === -1)) {
          expected = w;
          break;
        }
      }
      const migrations = t.migrations;
      const got = t.a.allocContig(n);
      assert.equal(got, expected);
      assert.equal(t.migrations, migrations);
      t.a.check();
      if (got !== undefined) {
        t.a.freeContig(got, n);
        t.a.check();
      }
    }),
    { numRuns: FUZZ ? 1000 : 100 },
  );
});

test('contig: kalloc clears a window the 2019 baseline cannot use', () => {
  const [t, old] = (['memarea', '2019'] as const).map((contig) => {
    const z = new Tracked(512, 5, 4, true, contig);
    for (let i = 0; i < 512; i++) z.alloc(0, 'movable');
    for (const b of [...z.live.values()]) if (b.pfn % 4 !== 0) z.free(b); // one page in four used
    return z;
  }) as [Tracked, Tracked];
  assert.equal(old.a.allocContig(64), undefined);
  assert.equal(old.migrations, 0);
  assert.equal(t.a.allocContig(64), 0);
  assert.equal(t.migrations, 16);
  t.a.check();
  old.a.check();
});

test('memarea alternatives: the page scan and the free-list walk each find a free window exactly when one exists (brute force)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 16, max: 600 }),
      fc.integer({ min: 0, max: 6 }),
      fc.array(fc.tuple(fc.nat(3), fc.boolean(), fc.nat()), { maxLength: 150 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.option(fc.nat(5), { nil: undefined }), fc.nat()), { minLength: 1, maxLength: 6 }),
      (pages, maxOrder, ops, requests) => {
        // Each search on its own zone: they may pick different windows, so their states diverge.
        for (const contig of ['memarea-scan', 'memarea-freelists'] as const) {
          const t = new Tracked(pages, maxOrder, Math.min(2, maxOrder), false, contig);
          for (const [order, free, pick] of ops) {
            const keys = [...t.live.keys()];
            if (free && keys.length > 0) t.free(t.live.get(keys[pick % keys.length]!)!);
            else t.alloc(Math.min(order, maxOrder), 'movable');
          }
          for (const [n, alignLog, offsetPick] of requests) {
            if (n > pages) continue;
            const align = alignLog === undefined ? 2 ** Math.floor(Math.log2(n)) : 2 ** alignLog;
            const offset = alignLog === undefined ? 0 : offsetPick % align;
            const map = pageMap(t, false);
            let exists = false;
            for (let w = offset; w + n <= pages && !exists; w += align) exists = map.subarray(w, w + n).every((x) => x === -1);
            const got = t.a.allocContig(n, alignLog === undefined ? {} : { align, offset });
            assert.equal(got !== undefined, exists, `${contig}: allocContig(${n}, align ${align}, offset ${offset}) gave ${got}; a free window ${exists ? 'exists' : 'does not exist'}`);
            if (got !== undefined) {
              assert.equal(got % align, offset);
              assert.ok(map.subarray(got, got + n).every((x) => x === -1), `${contig}: window ${got} was not free`);
            }
            t.addContig(got, n);
          }
          t.a.check();
        }
      },
    ),
    { numRuns: FUZZ ? 1000 : 150 },
  );
});

test('memarea alternatives: a temporary zone that runs out of room gives the window back, keeps the moves, and loses no page', () => {
  // 64 pages, all movable order-0 blocks but 4 free: no 32-page window can be emptied, and each
  // try moves 4 blocks before it finds no room.
  const t = new Tracked(64, 3, 2, true, 'temp-zone');
  for (let i = 0; i < 60; i++) t.alloc(0, 'movable');
  assert.equal(t.a.allocContig(32), undefined);
  t.a.check();
  assert.ok(t.migrations > 0, 'the failed tries migrated blocks');
  assert.equal(t.a.freePages, 4);
  assert.equal(t.live.size, 60);
  for (const b of t.live.values()) t.a.free(b.pfn);
  t.a.check();
  assert.equal(t.a.freePages, 64);
  // With room, the same request succeeds and migrates the window's blocks out.
  const u = new Tracked(64, 3, 2, true, 'temp-zone');
  for (let i = 0; i < 20; i++) u.alloc(0, 'movable');
  const pfn = u.a.allocContig(32);
  assert.notEqual(pfn, undefined);
  u.a.check();
});
