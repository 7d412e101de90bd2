import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PageAllocator, type Migratetype } from '../src/page/page-allocator.ts';

const FUZZ = process.env.FUZZ === '1';

/** A live allocation as the caller sees it; onMigrate moves `pfn`. */
interface Block {
  pfn: number;
  pages: number;
  order: number; // -1 for contiguous ranges
  mt: Migratetype | 'contig';
}

interface Model {
  blocks: Block[];
}

interface Real {
  a: PageAllocator;
  byPfn: Map<number, Block>;
}

interface Config {
  pages: number;
  maxOrder: number;
  pageblockOrder: number;
  migratable: boolean;
}

const TYPES: Migratetype[] = ['unmovable', 'movable', 'reclaimable'];

function setup(cfg: Config): { model: Model; real: Real } {
  const model: Model = { blocks: [] };
  const byPfn = new Map<number, Block>();
  const onMigrate = (from: number, to: number, order: number): void => {
    const b = byPfn.get(from);
    assert.ok(b, `onMigrate(${from}) of no live block`);
    assert.equal(b.mt, 'movable', `onMigrate moved a ${b.mt} block`);
    assert.equal(b.order, order);
    assert.ok(!byPfn.has(to) || to === from, `onMigrate target ${to} is live`);
    byPfn.delete(from);
    b.pfn = to;
    byPfn.set(to, b);
  };
  const a = new PageAllocator({
    pages: cfg.pages,
    maxOrder: cfg.maxOrder,
    pageblockOrder: cfg.pageblockOrder,
    pcp: 'none',
    ...(cfg.migratable ? { onMigrate } : {}),
  });
  return { model, real: { a, byPfn } };
}

function usedPages(m: Model): number {
  return m.blocks.reduce((s, b) => s + b.pages, 0);
}

/** Everything a step must leave true. */
function verify(m: Model, r: Real): void {
  r.a.check();
  const sorted = [...m.blocks].sort((x, y) => x.pfn - y.pfn);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i]!;
    assert.ok(b.pfn >= 0 && b.pfn + b.pages <= r.a.pages, `block ${b.pfn}+${b.pages} outside the zone`);
    if (b.order >= 0) assert.equal(b.pfn % b.pages, 0, `block ${b.pfn} of order ${b.order} misaligned`);
    if (i > 0) assert.ok(sorted[i - 1]!.pfn + sorted[i - 1]!.pages <= b.pfn, `blocks ${sorted[i - 1]!.pfn} and ${b.pfn} overlap`);
  }
  const free = r.a.buddyinfo().reduce((s, n, k) => s + n * 2 ** k, 0);
  assert.equal(free, r.a.pages - usedPages(m));
  assert.equal(r.a.freePages, free);
}

/** Free blocks of order >= k, from buddyinfo. */
function blocksAtLeast(a: PageAllocator, k: number): number {
  return a.buddyinfo().reduce((s, n, o) => s + (o >= k ? n : 0), 0);
}

class AllocCmd implements fc.Command<Model, Real> {
  constructor(
    readonly order: number,
    readonly mt: Migratetype,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const order = this.order % (r.a.maxOrder + 1);
    const possible = blocksAtLeast(r.a, order) > 0;
    const pfn = r.a.alloc(order, { migratetype: this.mt });
    // The fallback sequence always finds a free block of a large enough order.
    assert.equal(pfn !== undefined, possible, `alloc(${order}) = ${pfn} with ${possible ? 'a' : 'no'} block free`);
    if (pfn !== undefined) {
      const b: Block = { pfn, pages: 2 ** order, order, mt: this.mt };
      m.blocks.push(b);
      r.byPfn.set(pfn, b);
    }
    verify(m, r);
  }
  toString(): string {
    return `alloc(${this.order}, ${this.mt})`;
  }
}

class FreeCmd implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return m.blocks.length > 0;
  }
  run(m: Model, r: Real): void {
    const i = this.pick % m.blocks.length;
    const b = m.blocks[i]!;
    if (b.mt === 'contig') r.a.freeContig(b.pfn, b.pages);
    else r.a.free(b.pfn);
    m.blocks.splice(i, 1);
    r.byPfn.delete(b.pfn);
    verify(m, r);
  }
  toString(): string {
    return `free(#${this.pick})`;
  }
}

class CompactCmd implements fc.Command<Model, Real> {
  constructor(readonly order: number | undefined) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const order = this.order === undefined ? undefined : this.order % (r.a.maxOrder + 1);
    const result = r.a.compact(order === undefined ? undefined : { order });
    assert.ok(result.migrated >= 0 && result.freedBlocks >= 0, `compact gave ${JSON.stringify(result)}`);
    if (!r.byPfn.size || ![...r.byPfn.values()].some((b) => b.mt === 'movable')) assert.equal(result.migrated, 0);
    verify(m, r);
  }
  toString(): string {
    return `compact(${this.order})`;
  }
}

class ContigCmd implements fc.Command<Model, Real> {
  constructor(
    readonly size: number,
    readonly alignLog: number | undefined,
    readonly offsetPick: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const n = 1 + (this.size % Math.min(r.a.pages, 300));
    const align = this.alignLog === undefined ? undefined : 2 ** this.alignLog;
    const offset = align === undefined ? 0 : this.offsetPick % align;
    const pfn = r.a.allocContig(n, align === undefined ? {} : { align, offset });
    if (pfn !== undefined) {
      const want = align ?? 2 ** Math.floor(Math.log2(n));
      assert.equal(pfn % want, offset);
      const b: Block = { pfn, pages: n, order: -1, mt: 'contig' };
      m.blocks.push(b);
      r.byPfn.set(pfn, b);
    }
    verify(m, r);
  }
  toString(): string {
    return `allocContig(${this.size}, align 2^${this.alignLog}, offset #${this.offsetPick})`;
  }
}

const commands = [
  fc.tuple(fc.nat(12), fc.constantFrom(...TYPES)).map(([o, t]) => new AllocCmd(o, t)),
  fc.tuple(fc.nat(3), fc.constantFrom(...TYPES)).map(([o, t]) => new AllocCmd(o, t)),
  fc.nat(1000).map((i) => new FreeCmd(i)),
  fc.nat(1000).map((i) => new FreeCmd(i)),
  fc.option(fc.nat(12), { nil: undefined }).map((o) => new CompactCmd(o)),
  fc.tuple(fc.nat(400), fc.option(fc.nat(6), { nil: undefined }), fc.nat(64)).map(([n, a, o]) => new ContigCmd(n, a, o)),
];

const configs = fc
  .record({
    pages: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 200, max: 2500 })),
    maxOrder: fc.integer({ min: 0, max: 10 }),
    pbPick: fc.nat(10),
    migratable: fc.boolean(),
  })
  .map(({ pages, maxOrder, pbPick, migratable }) => ({ pages, maxOrder, pageblockOrder: pbPick % (maxOrder + 1), migratable }));

/** The blocks a fully free zone must consist of: the largest aligned blocks that tile it. */
function canonicalBuddyinfo(pages: number, maxOrder: number): number[] {
  const counts = new Array<number>(maxOrder + 1).fill(0);
  for (let pfn = 0; pfn < pages; ) {
    let o = maxOrder;
    while (o > 0 && (pfn % 2 ** o !== 0 || pfn + 2 ** o > pages)) o--;
    counts[o]!++;
    pfn += 2 ** o;
  }
  return counts;
}

test('page allocator: model-based alloc/free/compact/contig keeps every invariant', () => {
  fc.assert(
    fc.property(configs, fc.commands(commands, { maxCommands: FUZZ ? 300 : 80, size: 'max' }), (cfg, cmds) => {
      const s = setup(cfg);
      fc.modelRun(() => s, cmds);
      // Free everything: the zone must be back to max-order blocks plus the tail's smaller ones.
      for (const b of s.model.blocks) {
        if (b.mt === 'contig') s.real.a.freeContig(b.pfn, b.pages);
        else s.real.a.free(b.pfn);
      }
      s.real.a.check();
      assert.deepEqual(s.real.a.buddyinfo(), canonicalBuddyinfo(cfg.pages, cfg.maxOrder));
    }),
    { numRuns: FUZZ ? 1000 : 120 },
  );
});

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
