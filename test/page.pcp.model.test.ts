import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PageAllocator, type Migratetype } from '../src/page/page-allocator.ts';

/**
 * Model-based test of the per-CPU layers with 4 CPUs: random allocations and frees on random
 * CPUs (frees mostly on another CPU than the allocating one), drains, compaction and contiguous
 * allocation. After every command: check(), no page lost or duplicated, and the zone's free
 * pages plus every CPU's cached pages equal the pages the model does not hold.
 */

const FUZZ = process.env.FUZZ === '1';
const CPUS = 4;
const TYPES: Migratetype[] = ['unmovable', 'movable', 'reclaimable'];

interface Block {
  pfn: number;
  pages: number;
  order: number; // -1 for contiguous ranges
  mt: Migratetype | 'contig';
  cpu: number;
}

interface Model {
  blocks: Block[];
}

interface Real {
  a: PageAllocator;
  byPfn: Map<number, Block>;
}

interface Config {
  design: 'classic' | 'buddy';
  pages: number;
  maxOrder: number;
  pageblockOrder: number;
  pcpHigh: number;
  pcpBatch: number;
  migratable: boolean;
}

function setup(cfg: Config): { model: Model; real: Real } {
  const byPfn = new Map<number, Block>();
  const onMigrate = (from: number, to: number, order: number): void => {
    const b = byPfn.get(from);
    assert.ok(b && b.mt === 'movable' && b.order === order, `onMigrate(${from}, ${to}, ${order}) of no live movable block of that order`);
    byPfn.delete(from);
    b.pfn = to;
    byPfn.set(to, b);
  };
  const a = new PageAllocator({
    pages: cfg.pages, maxOrder: cfg.maxOrder, pageblockOrder: cfg.pageblockOrder, cpus: CPUS,
    pcp: cfg.design, pcpHigh: cfg.pcpHigh, pcpBatch: cfg.pcpBatch,
    ...(cfg.migratable ? { onMigrate } : {}),
  });
  return { model: { blocks: [] }, real: { a, byPfn } };
}

function freeInZone(a: PageAllocator): number {
  return a.buddyinfo().reduce((s, n, k) => s + n * 2 ** k, 0);
}

function verify(m: Model, r: Real): void {
  r.a.check();
  const sorted = [...m.blocks].sort((x, y) => x.pfn - y.pfn);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i]!;
    assert.ok(b.pfn >= 0 && b.pfn + b.pages <= r.a.pages, `block ${b.pfn}+${b.pages} outside the zone`);
    if (b.order >= 0) assert.equal(b.pfn % b.pages, 0, `block ${b.pfn} of order ${b.order} misaligned`);
    if (i > 0) assert.ok(sorted[i - 1]!.pfn + sorted[i - 1]!.pages <= b.pfn, `blocks ${sorted[i - 1]!.pfn} and ${b.pfn} overlap`);
  }
  const { pcp } = r.a.stats();
  const used = m.blocks.reduce((s, b) => s + b.pages, 0);
  assert.equal(r.a.freePages, freeInZone(r.a));
  assert.equal(pcp.cachedPerCpu.reduce((s, n) => s + n, 0), pcp.cachedPages);
  assert.equal(freeInZone(r.a) + pcp.cachedPages, r.a.pages - used, 'zone free + cached = pages not held by the caller');
}

const cpuOf = (pick: number) => pick % CPUS;

class AllocCmd implements fc.Command<Model, Real> {
  constructor(readonly order: number, readonly mt: Migratetype, readonly cpu: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const order = this.order % (r.a.maxOrder + 1);
    const cpu = cpuOf(this.cpu);
    const pfn = r.a.alloc(order, { migratetype: this.mt, cpu });
    if (pfn === undefined) {
      // Failing means every cache was drained and the zone still has no block that large.
      assert.equal(r.a.stats().pcp.cachedPages, 0, `alloc(${order}) failed with pages still cached`);
      assert.equal(r.a.buddyinfo().slice(order).reduce((s, n) => s + n, 0), 0, `alloc(${order}) failed with a block free`);
    } else {
      const b: Block = { pfn, pages: 2 ** order, order, mt: this.mt, cpu };
      assert.ok(!r.byPfn.has(pfn), `alloc returned live pfn ${pfn}`);
      m.blocks.push(b);
      r.byPfn.set(pfn, b);
    }
    verify(m, r);
  }
  toString = () => `alloc(${this.order}, ${this.mt}, cpu ${cpuOf(this.cpu)})`;
}

class FreeCmd implements fc.Command<Model, Real> {
  /** shift: 0 frees on the allocating CPU, otherwise on another one. */
  constructor(readonly pick: number, readonly shift: number) {}
  check = (m: Readonly<Model>) => m.blocks.length > 0;
  run(m: Model, r: Real): void {
    const i = this.pick % m.blocks.length;
    const b = m.blocks[i]!;
    if (b.mt === 'contig') r.a.freeContig(b.pfn, b.pages);
    else r.a.free(b.pfn, { cpu: (b.cpu + this.shift) % CPUS });
    m.blocks.splice(i, 1);
    r.byPfn.delete(b.pfn);
    verify(m, r);
  }
  toString = () => `free(#${this.pick}, cpu +${this.shift})`;
}

class DrainCmd implements fc.Command<Model, Real> {
  constructor(readonly cpu: number | undefined) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const cpu = this.cpu === undefined ? undefined : cpuOf(this.cpu);
    r.a.drain(cpu);
    const { pcp } = r.a.stats();
    if (cpu === undefined) assert.equal(pcp.cachedPages, 0);
    else if (r.a.pcp === 'classic') assert.equal(pcp.cachedPerCpu[cpu], 0);
    verify(m, r);
  }
  toString = () => `drain(${this.cpu === undefined ? '' : cpuOf(this.cpu)})`;
}

class CompactCmd implements fc.Command<Model, Real> {
  constructor(readonly order: number | undefined) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const order = this.order === undefined ? undefined : this.order % (r.a.maxOrder + 1);
    r.a.compact(order === undefined ? undefined : { order });
    assert.equal(r.a.stats().pcp.cachedPages, 0, 'compaction drains every CPU');
    verify(m, r);
  }
  toString = () => `compact(${this.order})`;
}

class ContigCmd implements fc.Command<Model, Real> {
  constructor(readonly size: number, readonly alignLog: number | undefined) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const n = 1 + (this.size % Math.min(r.a.pages, 200));
    const align = this.alignLog === undefined ? undefined : 2 ** this.alignLog;
    const pfn = r.a.allocContig(n, align === undefined ? {} : { align });
    if (pfn !== undefined) {
      const b: Block = { pfn, pages: n, order: -1, mt: 'contig', cpu: 0 };
      m.blocks.push(b);
      r.byPfn.set(pfn, b);
    } else if (r.a.stats().pcp.cachedPages > 0) {
      assert.fail('a failed allocContig left pages cached');
    }
    verify(m, r);
  }
  toString = () => `allocContig(${this.size}, align 2^${this.alignLog})`;
}

const commands = [
  fc.tuple(fc.nat(12), fc.constantFrom(...TYPES), fc.nat(7)).map(([o, t, c]) => new AllocCmd(o, t, c)),
  fc.tuple(fc.nat(3), fc.constantFrom(...TYPES), fc.nat(7)).map(([o, t, c]) => new AllocCmd(o, t, c)),
  fc.tuple(fc.nat(3), fc.constantFrom(...TYPES), fc.nat(7)).map(([o, t, c]) => new AllocCmd(o, t, c)),
  fc.tuple(fc.nat(1000), fc.nat(CPUS - 1)).map(([i, s]) => new FreeCmd(i, s)),
  fc.tuple(fc.nat(1000), fc.nat(CPUS - 1)).map(([i, s]) => new FreeCmd(i, s)),
  fc.tuple(fc.nat(1000), fc.nat(CPUS - 1)).map(([i, s]) => new FreeCmd(i, s)),
  fc.option(fc.nat(7), { nil: undefined }).map((c) => new DrainCmd(c)),
  fc.option(fc.nat(12), { nil: undefined }).map((o) => new CompactCmd(o)),
  fc.tuple(fc.nat(300), fc.option(fc.nat(5), { nil: undefined })).map(([n, a]) => new ContigCmd(n, a)),
];

const configs = fc
  .record({
    design: fc.constantFrom('classic' as const, 'buddy' as const),
    pages: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 200, max: 2500 })),
    maxOrder: fc.integer({ min: 0, max: 10 }),
    pbPick: fc.nat(10),
    pcpHigh: fc.integer({ min: 0, max: 300 }),
    pcpBatch: fc.integer({ min: 1, max: 40 }),
    migratable: fc.boolean(),
  })
  .map(({ pbPick, maxOrder, ...rest }) => ({ ...rest, maxOrder, pageblockOrder: pbPick % (maxOrder + 1) }));

test('pcp (classic and buddy, 4 CPUs): model-based alloc/free/drain/compact/contig keeps every page accounted', () => {
  fc.assert(
    fc.property(configs, fc.commands(commands, { maxCommands: FUZZ ? 400 : 100, size: 'max' }), (cfg, cmds) => {
      const s = setup(cfg);
      fc.modelRun(() => s, cmds);
      // Free everything on CPU 0, drain: the zone is whole again.
      for (const b of s.model.blocks) {
        if (b.mt === 'contig') s.real.a.freeContig(b.pfn, b.pages);
        else s.real.a.free(b.pfn);
      }
      s.real.a.drain();
      s.real.a.check();
      assert.equal(s.real.a.freePages, cfg.pages);
      const stats = s.real.a.stats().pcp;
      if (cfg.design === 'buddy') assert.equal(stats.ownedPageblocks, 0, 'every owned pageblock went back whole');
    }),
    { numRuns: FUZZ ? 2000 : 150 },
  );
});
