import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PageAllocator, type Migratetype, type PageAllocatorOptions } from '../packages/kalloc/src/page/page-allocator.ts';

/**
 * The model-based harness the PageAllocator tests share (page.model, page.pcp.model and
 * page.gigablocks.model). The model is the caller's page record: every live block, where it is
 * (onMigrate moves it), which CPU allocated it. After every command verify() checks the
 * allocator against it: check(), no page lost or handed out twice, free and cached counts, and
 * (gigablocks on) the taint count recomputed from the caller's pages.
 * A test file picks its configs and command mix, and may watch each step for its own rules.
 */

export const FUZZ = process.env.FUZZ === '1';
export const TYPES: Migratetype[] = ['unmovable', 'movable', 'reclaimable'];

/** A live allocation as the caller sees it; onMigrate moves `pfn`. */
export interface Block {
  pfn: number;
  pages: number;
  order: number; // -1 for contiguous ranges
  mt: Migratetype | 'contig';
  cpu: number; // the allocating CPU
}

export interface Model {
  blocks: Block[];
}

/** What a command just did, for a Watch. */
export type Step =
  | { op: 'alloc'; order: number; mt: Migratetype; pfn: number | undefined }
  | { op: 'free'; block: Block }
  | { op: 'contig'; pages: number; pfn: number | undefined }
  | { op: 'compact' }
  | { op: 'drain' };

/** Called before every command; the function it returns checks the step right after it ran. */
export type Watch = (a: PageAllocator, m: Readonly<Model>) => (step: Step) => void;

export interface Real {
  a: PageAllocator;
  byPfn: Map<number, Block>;
  watch: Watch | undefined;
}

/** Any PageAllocator shape; migratable decides whether onMigrate is passed. */
export type Config = Omit<PageAllocatorOptions, 'onMigrate'> & {
  maxOrder: number;
  pageblockOrder: number;
  migratable: boolean;
};

export function setup(cfg: Config, watch?: Watch): { model: Model; real: Real } {
  const byPfn = new Map<number, Block>();
  const onMigrate = (from: number, to: number, order: number): void => {
    const b = byPfn.get(from);
    assert.ok(b, `onMigrate(${from}) of no live block`);
    assert.equal(b.mt, 'movable', `onMigrate moved a ${b.mt} block`);
    assert.equal(b.order, order, `onMigrate(${from}, ${to}, ${order}) of an order-${b.order} block`);
    assert.ok(!byPfn.has(to), `onMigrate target ${to} is live`);
    byPfn.delete(from);
    b.pfn = to;
    byPfn.set(to, b);
  };
  const { migratable, ...options } = cfg;
  const a = new PageAllocator({ ...options, ...(migratable ? { onMigrate } : {}) });
  return { model: { blocks: [] }, real: { a, byPfn, watch } };
}

/** Free pages on the zone's free lists (not in per-CPU caches). */
function freeInZone(a: PageAllocator): number {
  return a.buddyinfo().reduce((s, n, k) => s + n * 2 ** k, 0);
}

/** Free blocks of order >= k, from buddyinfo. */
function blocksAtLeast(a: PageAllocator, k: number): number {
  return a.buddyinfo().reduce((s, n, o) => s + (o >= k ? n : 0), 0);
}

/**
 * Per gigablock: whether the caller holds an unmovable or reclaimable page in it — the model's
 * taint (DESIGN.md: a fact about the pages; a block never spans gigablocks).
 */
export function modelTaint(m: Readonly<Model>, a: PageAllocator): boolean[] {
  const size = 2 ** a.gigablockOrder;
  const tainted = new Array<boolean>(Math.ceil(a.pages / size)).fill(false);
  for (const b of m.blocks) if (b.mt === 'unmovable' || b.mt === 'reclaimable') tainted[Math.floor(b.pfn / size)] = true;
  return tainted;
}

export const countTrue = (xs: boolean[]): number => xs.filter(Boolean).length;

/**
 * stats().gigablocks.tainted against the model: exact when nothing is cached; per-CPU cached
 * pages (which the caller cannot see) may taint at most one more gigablock each.
 */
function verifyTaint(m: Model, a: PageAllocator, cachedPages: number): void {
  const held = countTrue(modelTaint(m, a));
  const { tainted } = a.stats().gigablocks;
  if (cachedPages === 0) assert.equal(tainted, held, `${tainted} gigablocks tainted, the caller holds unmovable/reclaimable pages in ${held}`);
  else assert.ok(held <= tainted && tainted <= held + cachedPages, `${tainted} gigablocks tainted, caller's pages taint ${held}, ${cachedPages} pages cached`);
}

/** Everything a step must leave true. */
export function verify(m: Model, r: Real): void {
  r.a.check();
  assert.equal(r.byPfn.size, m.blocks.length, 'caller record and model disagree');
  const sorted = [...m.blocks].sort((x, y) => x.pfn - y.pfn);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i]!;
    assert.equal(r.byPfn.get(b.pfn), b, `block ${b.pfn} missing from the caller record`);
    assert.ok(b.pfn >= 0 && b.pfn + b.pages <= r.a.pages, `block ${b.pfn}+${b.pages} outside the zone`);
    if (b.order >= 0) assert.equal(b.pfn % b.pages, 0, `block ${b.pfn} of order ${b.order} misaligned`);
    if (i > 0) assert.ok(sorted[i - 1]!.pfn + sorted[i - 1]!.pages <= b.pfn, `blocks ${sorted[i - 1]!.pfn} and ${b.pfn} overlap`);
  }
  const { pcp } = r.a.stats();
  const used = m.blocks.reduce((s, b) => s + b.pages, 0);
  assert.equal(r.a.freePages, freeInZone(r.a));
  assert.equal(pcp.cachedPerCpu.reduce((s, n) => s + n, 0), pcp.cachedPages);
  if (r.a.pcp === 'none') assert.equal(pcp.cachedPages, 0, 'pages cached without a per-CPU layer');
  assert.equal(freeInZone(r.a) + pcp.cachedPages, r.a.pages - used, 'zone free + cached = pages not held by the caller');
  if (r.a.gigablocks) verifyTaint(m, r.a, pcp.cachedPages);
}

function hold(m: Model, r: Real, b: Block): void {
  assert.ok(!r.byPfn.has(b.pfn), `pfn ${b.pfn} handed out while live`);
  m.blocks.push(b);
  r.byPfn.set(b.pfn, b);
}

/** cpuPick and shift are free-range numbers folded into [0, cpus). */
const cpuOf = (a: PageAllocator, pick: number): number => pick % a.cpus;

export class AllocCmd implements fc.Command<Model, Real> {
  constructor(
    readonly order: number,
    readonly mt: Migratetype,
    readonly cpuPick: number,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const after = r.watch?.(r.a, m);
    const order = this.order % (r.a.maxOrder + 1);
    const cpu = cpuOf(r.a, this.cpuPick);
    const possible = blocksAtLeast(r.a, order) > 0;
    const cached = r.a.stats().pcp.cachedPages;
    const migrations = r.a.stats().migrations;
    const pfn = r.a.alloc(order, { migratetype: this.mt, cpu });
    if (pfn === undefined) {
      // Failing means every cache was drained and the zone still has no block that large.
      assert.ok(!possible, `alloc(${order}, ${this.mt}) failed with a block free`);
      assert.equal(r.a.stats().pcp.cachedPages, 0, `alloc(${order}) failed with pages still cached`);
      assert.equal(blocksAtLeast(r.a, order), 0, `alloc(${order}) failed with a block free`);
    } else {
      // Without a free block of the order, only a CPU's cache or (gigablocks) an unmovable or
      // reclaimable request that evacuated movable blocks can have served it.
      const fromCache = r.a.pcp !== 'none' && cached > 0;
      const evacuated = r.a.gigablocks && this.mt !== 'movable' && r.a.stats().migrations > migrations;
      assert.ok(possible || fromCache || evacuated, `alloc(${order}, ${this.mt}) = ${pfn} with no block free`);
      hold(m, r, { pfn, pages: 2 ** order, order, mt: this.mt, cpu });
    }
    after?.({ op: 'alloc', order, mt: this.mt, pfn });
    verify(m, r);
  }
  toString = (): string => `alloc(${this.order}, ${this.mt}, cpu #${this.cpuPick})`;
}

export class FreeCmd implements fc.Command<Model, Real> {
  /** shift: 0 frees on the allocating CPU, otherwise on another one (when there is one). */
  constructor(
    readonly pick: number,
    readonly shift: number,
  ) {}
  check = (m: Readonly<Model>): boolean => m.blocks.length > 0;
  run(m: Model, r: Real): void {
    const after = r.watch?.(r.a, m);
    const i = this.pick % m.blocks.length;
    const b = m.blocks[i]!;
    if (b.mt === 'contig') r.a.freeContig(b.pfn, b.pages);
    else r.a.free(b.pfn, { cpu: cpuOf(r.a, b.cpu + this.shift) });
    m.blocks.splice(i, 1);
    r.byPfn.delete(b.pfn);
    after?.({ op: 'free', block: b });
    verify(m, r);
  }
  toString = (): string => `free(#${this.pick}, cpu +${this.shift})`;
}

export class DrainCmd implements fc.Command<Model, Real> {
  constructor(readonly cpuPick: number | undefined) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const after = r.watch?.(r.a, m);
    const cpu = this.cpuPick === undefined ? undefined : cpuOf(r.a, this.cpuPick);
    r.a.drain(cpu);
    const { pcp } = r.a.stats();
    if (cpu === undefined) assert.equal(pcp.cachedPages, 0);
    else if (r.a.pcp === 'classic') assert.equal(pcp.cachedPerCpu[cpu], 0);
    after?.({ op: 'drain' });
    verify(m, r);
  }
  toString = (): string => `drain(${this.cpuPick === undefined ? '' : `cpu #${this.cpuPick}`})`;
}

export class CompactCmd implements fc.Command<Model, Real> {
  constructor(readonly order: number | undefined) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const after = r.watch?.(r.a, m);
    const order = this.order === undefined ? undefined : this.order % (r.a.maxOrder + 1);
    const result = r.a.compact(order === undefined ? undefined : { order });
    assert.ok(result.migrated >= 0 && result.freedBlocks >= 0, `compact gave ${JSON.stringify(result)}`);
    if (!m.blocks.some((b) => b.mt === 'movable')) assert.equal(result.migrated, 0);
    assert.equal(r.a.stats().pcp.cachedPages, 0, 'compaction drains every CPU');
    after?.({ op: 'compact' });
    verify(m, r);
  }
  toString = (): string => `compact(${this.order ?? ''})`;
}

export class ContigCmd implements fc.Command<Model, Real> {
  /** size 'gigablock': exactly one gigablock of pages (skipped when the zone is smaller). */
  constructor(
    readonly size: number | 'gigablock',
    readonly alignLog: number | undefined,
    readonly offsetPick: number,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const n = this.size === 'gigablock' ? 2 ** r.a.gigablockOrder : 1 + (this.size % Math.min(r.a.pages, 300));
    if (n > r.a.pages) return;
    const after = r.watch?.(r.a, m);
    const align = this.alignLog === undefined ? undefined : 2 ** this.alignLog;
    const offset = align === undefined ? 0 : this.offsetPick % align;
    const pfn = r.a.allocContig(n, align === undefined ? {} : { align, offset });
    if (pfn !== undefined) {
      assert.equal(pfn % (align ?? 2 ** Math.floor(Math.log2(n))), offset, `allocContig(${n}) = ${pfn} misaligned`);
      hold(m, r, { pfn, pages: n, order: -1, mt: 'contig', cpu: 0 });
    } else {
      assert.equal(r.a.stats().pcp.cachedPages, 0, 'a failed allocContig left pages cached');
    }
    after?.({ op: 'contig', pages: n, pfn });
    verify(m, r);
  }
  toString = (): string => `allocContig(${this.size}, align 2^${this.alignLog}, offset #${this.offsetPick})`;
}

/**
 * Which commands a test draws and how often: each count is that command's share (fc.commands
 * picks uniformly among the arbitraries it is given).
 */
export interface CommandMix {
  /** Allocations of order 0..12 (folded into maxOrder). */
  allocs: number;
  /** Allocations of order 0..smallOrder, of smallTypes: where the per-page rules bite. */
  smallAllocs: number;
  smallOrder: number;
  smallTypes: Migratetype[];
  frees: number;
  drains: number;
  compacts: number;
  contigs: number;
  /** Whether contiguous requests may ask for a whole gigablock. */
  wholeGigablocks: boolean;
}

const cpuPick = fc.nat(7);

export function commands(mix: CommandMix): fc.Arbitrary<fc.Command<Model, Real>>[] {
  const contigSize = mix.wholeGigablocks ? fc.oneof(fc.nat(400), fc.constant('gigablock' as const)) : fc.nat(400);
  const kinds: [number, fc.Arbitrary<fc.Command<Model, Real>>][] = [
    [mix.allocs, fc.tuple(fc.nat(12), fc.constantFrom(...TYPES), cpuPick).map(([o, t, c]) => new AllocCmd(o, t, c))],
    [mix.smallAllocs, fc.tuple(fc.nat(mix.smallOrder), fc.constantFrom(...mix.smallTypes), cpuPick).map(([o, t, c]) => new AllocCmd(o, t, c))],
    [mix.frees, fc.tuple(fc.nat(1000), fc.nat(3)).map(([i, s]) => new FreeCmd(i, s))],
    [mix.drains, fc.option(cpuPick, { nil: undefined }).map((c) => new DrainCmd(c))],
    [mix.compacts, fc.option(fc.nat(12), { nil: undefined }).map((o) => new CompactCmd(o))],
    [mix.contigs, fc.tuple(contigSize, fc.option(fc.nat(6), { nil: undefined }), fc.nat(64)).map(([n, a, o]) => new ContigCmd(n, a, o))],
  ];
  return kinds.flatMap(([count, arb]) => new Array<typeof arb>(count).fill(arb));
}

/** Zone shapes: tiny zones (1..smallPages) and larger ones, any pageblock order up to maxOrder. */
export function zoneConfigs(limits: { smallPages: number; maxOrder: number }): fc.Arbitrary<Config> {
  return fc
    .record({
      pages: fc.oneof(fc.integer({ min: 1, max: limits.smallPages }), fc.integer({ min: 200, max: 2500 })),
      maxOrder: fc.integer({ min: 0, max: limits.maxOrder }),
      pbPick: fc.nat(10),
      migratable: fc.boolean(),
    })
    .map(({ pbPick, ...rest }) => ({ ...rest, pageblockOrder: pbPick % (rest.maxOrder + 1) }));
}

/** The blocks a fully free zone must consist of: the largest aligned blocks that tile it. */
export function canonicalBuddyinfo(pages: number, maxOrder: number): number[] {
  const counts = new Array<number>(maxOrder + 1).fill(0);
  for (let pfn = 0; pfn < pages; ) {
    let o = maxOrder;
    while (o > 0 && (pfn % 2 ** o !== 0 || pfn + 2 ** o > pages)) o--;
    counts[o]!++;
    pfn += 2 ** o;
  }
  return counts;
}

export interface ModelTest {
  configs: fc.Arbitrary<Config>;
  mix: CommandMix;
  maxCommands: number;
  numRuns: number;
  watch?: Watch;
}

/**
 * Runs the commands against the model, then frees every block (on CPU 0) and drains: the zone
 * must be whole again, as the largest aligned blocks, with nothing cached, owned or tainted.
 */
export function checkModel(t: ModelTest): void {
  fc.assert(
    fc.property(t.configs, fc.commands(commands(t.mix), { maxCommands: t.maxCommands, size: 'max' }), (cfg, cmds) => {
      const s = setup(cfg, t.watch);
      fc.modelRun(() => s, cmds);
      const { a } = s.real;
      for (const b of s.model.blocks) {
        if (b.mt === 'contig') a.freeContig(b.pfn, b.pages);
        else a.free(b.pfn);
      }
      a.drain();
      a.check();
      assert.equal(a.freePages, cfg.pages);
      assert.deepEqual(a.buddyinfo(), canonicalBuddyinfo(cfg.pages, cfg.maxOrder));
      const stats = a.stats();
      assert.equal(stats.pcp.cachedPages, 0);
      if (a.pcp === 'buddy') assert.equal(stats.pcp.ownedPageblocks, 0, 'every owned pageblock went back whole');
      // Nothing held, nothing cached: nothing tainted.
      assert.equal(stats.gigablocks.tainted, 0);
    }),
    { numRuns: t.numRuns },
  );
}
