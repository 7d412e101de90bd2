import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PageAllocator, type Migratetype } from '../src/page/page-allocator.ts';

/**
 * Model-based test of the PageAllocator with gigablocks on. After every command: check() (which
 * recomputes the gigablock index — bitmaps per order and type, taint, fullness, counters — from
 * the free lists and pageblocks and compares), no page lost, and the taint count recomputed here
 * from the public pageblock summary. The placement rules are checked where they are exact for
 * single pages: an unmovable or reclaimable page taints a gigablock only when no tainted one has a
 * free page; a movable page lands in a tainted gigablock only when no clean one has a free page;
 * nothing else ever taints; a request fails only when no block of its order is free.
 */

const FUZZ = process.env.FUZZ === '1';
const TYPES: Migratetype[] = ['unmovable', 'movable', 'reclaimable'];

interface Block {
  pfn: number;
  pages: number;
  contig: boolean;
}
interface Model {
  blocks: Block[];
}
interface Real {
  a: PageAllocator;
  byPfn: Map<number, Block>;
  gigablockOrder: number;
}

interface Config {
  pages: number;
  maxOrder: number;
  pageblockOrder: number;
  gigablockOrder: number;
  migratable: boolean;
}

/** Per gigablock: whether it holds an unmovable or reclaimable pageblock, and its free pages. */
function gigablockView(r: Real): { tainted: boolean[]; free: number[] } {
  const tainted: boolean[] = [];
  const free: number[] = [];
  let pfn = 0;
  for (const pb of r.a.pageblockSummary()) {
    const gb = Math.floor(pfn / 2 ** r.gigablockOrder);
    tainted[gb] = (tainted[gb] ?? false) || pb.type !== 'movable';
    free[gb] = (free[gb] ?? 0) + pb.freePages;
    pfn += pb.pages;
  }
  return { tainted, free };
}

function verify(m: Model, r: Real): void {
  r.a.check();
  const used = m.blocks.reduce((s, b) => s + b.pages, 0);
  assert.equal(r.a.freePages, r.a.pages - used, 'pages lost');
  assert.equal(r.a.buddyinfo().reduce((s, n, k) => s + n * 2 ** k, 0), r.a.freePages);
  const view = gigablockView(r);
  const stats = r.a.stats().gigablocks;
  assert.equal(stats.count, view.tainted.length);
  assert.equal(stats.tainted, view.tainted.filter(Boolean).length, 'taint count');
}

function taintedCount(r: Real): number {
  return gigablockView(r).tainted.filter(Boolean).length;
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
    const possible = r.a.buddyinfo().some((n, k) => k >= order && n > 0);
    const before = gigablockView(r);
    const migrations = r.a.stats().migrations;
    const pfn = r.a.alloc(order, { migratetype: this.mt });
    // Fails only when no block of the order or larger is free; succeeds without one only when an
    // unmovable or reclaimable request evacuated movable blocks to make one.
    if (possible) assert.notEqual(pfn, undefined, `alloc(${order}, ${this.mt}) failed with a block free`);
    else if (pfn !== undefined) assert.ok(this.mt !== 'movable' && r.a.stats().migrations > migrations, `alloc(${order}, ${this.mt}) = ${pfn} with no block free`);
    if (pfn === undefined) return verify(m, r);
    const b = { pfn, pages: 2 ** order, contig: false };
    m.blocks.push(b);
    r.byPfn.set(pfn, b);
    const tainted = taintedCount(r);
    const taintedBefore = before.tainted.filter(Boolean).length;
    const gb = Math.floor(pfn / 2 ** r.gigablockOrder);
    if (this.mt === 'movable') {
      assert.ok(tainted <= taintedBefore, 'a movable allocation tainted a gigablock');
      if (order === 0 && before.tainted[gb]) {
        assert.ok(before.free.every((f, g) => before.tainted[g] || f === 0), `movable page ${pfn} in tainted gigablock ${gb} while a clean one had room`);
      }
    } else if (order === 0 && tainted > taintedBefore) {
      assert.ok(before.free.every((f, g) => !before.tainted[g] || f === 0), `page ${pfn} tainted gigablock ${gb} while a tainted one had room`);
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
    const tainted = taintedCount(r);
    if (b.contig) r.a.freeContig(b.pfn, b.pages);
    else r.a.free(b.pfn);
    m.blocks.splice(i, 1);
    r.byPfn.delete(b.pfn);
    assert.ok(taintedCount(r) <= tainted, 'a free tainted a gigablock');
    verify(m, r);
  }
  toString(): string {
    return `free(#${this.pick})`;
  }
}

class ContigCmd implements fc.Command<Model, Real> {
  constructor(
    readonly size: number | 'gigablock',
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const n = this.size === 'gigablock' ? 2 ** r.gigablockOrder : 1 + (this.size % Math.min(r.a.pages, 200));
    if (n > r.a.pages) return;
    const tainted = taintedCount(r);
    const pfn = r.a.allocContig(n);
    if (pfn !== undefined) {
      assert.equal(pfn % 2 ** Math.floor(Math.log2(n)), 0);
      const b = { pfn, pages: n, contig: true };
      m.blocks.push(b);
      r.byPfn.set(pfn, b);
    }
    assert.ok(taintedCount(r) <= tainted, 'allocContig tainted a gigablock');
    verify(m, r);
  }
  toString(): string {
    return `allocContig(${this.size})`;
  }
}

class CompactCmd implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const tainted = taintedCount(r);
    r.a.compact();
    assert.ok(taintedCount(r) <= tainted, 'compaction tainted a gigablock');
    verify(m, r);
  }
  toString(): string {
    return 'compact()';
  }
}

const commands = [
  fc.tuple(fc.nat(12), fc.constantFrom(...TYPES)).map(([o, t]) => new AllocCmd(o, t)),
  fc.tuple(fc.nat(2), fc.constantFrom<Migratetype>('movable', 'movable', 'unmovable', 'reclaimable')).map(([o, t]) => new AllocCmd(o, t)),
  fc.nat(1000).map((i) => new FreeCmd(i)),
  fc.nat(1000).map((i) => new FreeCmd(i)),
  fc.oneof(fc.nat(400), fc.constant('gigablock' as const)).map((n) => new ContigCmd(n)),
  fc.constant(new CompactCmd()),
];

const configs = fc
  .record({
    pages: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 200, max: 2500 })),
    maxOrder: fc.integer({ min: 0, max: 6 }),
    pbPick: fc.nat(10),
    gbExtra: fc.nat(4),
    migratable: fc.boolean(),
  })
  .map(({ pages, maxOrder, pbPick, gbExtra, migratable }) => ({
    pages,
    maxOrder,
    pageblockOrder: pbPick % (maxOrder + 1),
    gigablockOrder: maxOrder + gbExtra,
    migratable,
  }));

function setup(cfg: Config): { model: Model; real: Real } {
  const byPfn = new Map<number, Block>();
  const onMigrate = (from: number, to: number): void => {
    const b = byPfn.get(from);
    assert.ok(b && !b.contig, `onMigrate(${from}) of no live buddy block`);
    assert.ok(!byPfn.has(to), `onMigrate target ${to} is live`);
    byPfn.delete(from);
    b.pfn = to;
    byPfn.set(to, b);
  };
  const a = new PageAllocator({
    pages: cfg.pages,
    maxOrder: cfg.maxOrder,
    pageblockOrder: cfg.pageblockOrder,
    gigablockOrder: cfg.gigablockOrder,
    gigablocks: true,
    pcp: 'none',
    ...(cfg.migratable ? { onMigrate } : {}),
  });
  return { model: { blocks: [] }, real: { a, byPfn, gigablockOrder: cfg.gigablockOrder } };
}

test('gigablocks: model-based alloc/free/contig/compact keeps the index exact and the placement rules', () => {
  fc.assert(
    fc.property(configs, fc.commands(commands, { maxCommands: FUZZ ? 300 : 100, size: 'max' }), (cfg, cmds) => {
      const s = setup(cfg);
      fc.modelRun(() => s, cmds);
      for (const b of s.model.blocks) {
        if (b.contig) s.real.a.freeContig(b.pfn, b.pages);
        else s.real.a.free(b.pfn);
      }
      s.real.a.check();
      assert.equal(s.real.a.freePages, cfg.pages);
      // Everything freed: wholly free pageblocks carry no unmovable or reclaimable label.
      assert.equal(s.real.a.stats().gigablocks.tainted, 0);
    }),
    { numRuns: FUZZ ? 1000 : 150 },
  );
});
