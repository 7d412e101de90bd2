import fc from 'fast-check';
import { PageAllocator, type PcpDesign } from 'kalloc';
import { agree, checked, fail, guarded, hostile, type Outcome, type Target } from '../harness.ts';

/**
 * PageAllocator with the 2026 per-CPU layer ('buddy', gigablocks on or off) against the classic
 * per-CPU lists: the same calls on both, errors must agree; each design's shadow model (its live
 * blocks and contiguous ranges, moved as onMigrate reports) must match what it answers: no two
 * live ranges overlap, every free of a live block is accepted; with gigablocks, the tainted count
 * is the gigablocks where the model holds unmovable or reclaimable pages (exactly when nothing is
 * cached, otherwise at most one more per cached page). onMigrate sometimes throws and sometimes
 * calls back into its allocator (which must refuse with EBUSY).
 */
type Op =
  | { k: 'alloc'; order: number; mt: 'unmovable' | 'movable' | 'reclaimable'; cpu: number }
  | { k: 'free'; pick: number; cpu: number }
  | { k: 'contig'; pages: number; align: number; throwAt: number; reenter: boolean }
  | { k: 'freeContig'; pick: number }
  | { k: 'compact'; throwAt: number }
  | { k: 'drain'; cpu: number }
  | { k: 'hostile'; call: 'alloc' | 'free' | 'contig' | 'cpu' | 'freeContig'; value: unknown };

const PAGES = 2048;
const GIGABLOCK_ORDER = 9;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('alloc' as const), order: fc.integer({ min: 0, max: 5 }), mt: fc.constantFrom('unmovable' as const, 'movable' as const, 'movable' as const, 'reclaimable' as const), cpu: fc.nat(1) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('free' as const), pick: fc.nat(), cpu: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('contig' as const), pages: fc.integer({ min: 1, max: 700 }), align: fc.constantFrom(1, 4, 64, 256), throwAt: fc.integer({ min: -3, max: 4 }), reenter: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('freeContig' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('compact' as const), throwAt: fc.integer({ min: -3, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('drain' as const), cpu: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hostile' as const), call: fc.constantFrom('alloc' as const, 'free' as const, 'contig' as const, 'cpu' as const, 'freeContig' as const), value: hostile }) },
);

/** One design with its shadow model: live ranges by first pfn (blocks and contiguous ranges). */
class Side {
  readonly pa: PageAllocator;
  /** fixed: an unmovable or reclaimable block (it taints its gigablock). */
  readonly live = new Map<number, { pages: number; contig: boolean; fixed: boolean }>();
  readonly order: number[] = []; // live block/range starts in allocation order (for picks)
  throwAt = -1;
  reenter = false;
  calls = 0;
  refused = 0;

  constructor(pcp: PcpDesign, gigablocks: boolean) {
    this.pa = new PageAllocator({
      pages: PAGES, maxOrder: 8, pageblockOrder: 6, cpus: 2, pcp, gigablocks, ...(gigablocks ? { gigablockOrder: GIGABLOCK_ORDER } : {}),
      onMigrate: (from, to, order) => this.moved(from, to, order),
    });
  }

  private moved(from: number, to: number, order: number): void {
    if (this.reenter) {
      try {
        this.pa.free(from);
        fail(`onMigrate(${from} -> ${to}): a re-entrant free was accepted`);
      } catch (error) {
        if ((error as { code?: string }).code !== 'EBUSY') throw error;
        this.refused++;
      }
    }
    if (this.calls++ === this.throwAt) throw new Error('onMigrate says no');
    const entry = this.live.get(from);
    if (!entry || entry.contig || entry.pages !== 2 ** order) fail(`onMigrate(${from} -> ${to}, order ${order}): not a live movable block`);
    this.live.delete(from);
    this.live.set(to, entry);
    this.order[this.order.indexOf(from)] = to;
  }

  add(pfn: number, pages: number, contig: boolean, fixed: boolean, what: string): void {
    for (const [s, e] of this.live) if (pfn < s + e.pages && s < pfn + pages) fail(`${what}: [${pfn}, +${pages}) overlaps live [${s}, +${e.pages})`);
    if (pfn < 0 || pfn + pages > PAGES) fail(`${what}: [${pfn}, +${pages}) outside the zone`);
    this.live.set(pfn, { pages, contig, fixed });
    this.order.push(pfn);
  }

  remove(pfn: number): void {
    this.live.delete(pfn);
    this.order.splice(this.order.indexOf(pfn), 1);
  }

  state(): string {
    return JSON.stringify([this.pa.stats(), this.pa.buddyinfo()]);
  }
}

function run(ops: Op[], gigablocks: boolean): number {
  const sides = [new Side('buddy', gigablocks), new Side('classic', false)] as const;
  let calls = 0;
  const each = (what: string, fn: (s: Side) => unknown): Outcome[] =>
    sides.map((s, i) => {
      calls++;
      return guarded(`${i === 0 ? 'buddy' : 'classic'} ${what}`, () => s.state(), () => fn(s));
    });
  for (const o of ops) {
    const what = JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    let outs: Outcome[];
    if (o.k === 'alloc') {
      const servable = sides.map((s) => blocksAtLeast(s.pa, o.order) > 0);
      outs = each(what, (s) => s.pa.alloc(o.order, { migratetype: o.mt, cpu: o.cpu }));
      sides.forEach((s, i) => outs[i]!.ok && outs[i]!.value === undefined && refusedOnlyWithoutRoom(what, s, o.order, servable[i]!));
      sides.forEach((s, i) => outs[i]!.ok && outs[i]!.value !== undefined && s.add(outs[i]!.value as number, 2 ** o.order, false, o.mt !== 'movable', what));
    } else if (o.k === 'free' || o.k === 'freeContig') {
      outs = each(what, (s) => {
        const blocks = s.order.filter((p) => s.live.get(p)!.contig === (o.k === 'freeContig'));
        if (blocks.length === 0) return 'none';
        const pfn = blocks[o.pick % blocks.length]!;
        const e = s.live.get(pfn)!;
        if (o.k === 'free') s.pa.free(pfn, { cpu: o.cpu });
        else s.pa.freeContig(pfn, e.pages);
        s.remove(pfn);
        return 'freed';
      });
      outs.forEach((r) => !r.ok && fail(`${what}: freeing a live block failed`));
      checkSides(what, sides);
      continue;
    } else if (o.k === 'contig' || o.k === 'compact') {
      outs = each(what, (s) => {
        s.calls = 0;
        s.throwAt = o.throwAt;
        s.reenter = o.k === 'contig' && o.reenter;
        try {
          return o.k === 'contig' ? s.pa.allocContig(o.pages, { align: o.align }) : s.pa.compact().migrated;
        } catch (error) {
          if ((error as Error).message !== 'onMigrate says no') throw error;
          return 'stopped';
        } finally {
          s.throwAt = -1;
          s.reenter = false;
        }
      });
      if (o.k === 'contig') sides.forEach((s, i) => outs[i]!.ok && typeof outs[i]!.value === 'number' && s.add(outs[i]!.value as number, o.pages, true, false, what));
      checkSides(what, sides);
      continue;
    } else if (o.k === 'drain') {
      outs = each(what, (s) => s.pa.drain(o.cpu));
    } else {
      const v = o.value as number;
      outs = each(what, (s) =>
        o.call === 'alloc' ? s.pa.alloc(v) : o.call === 'free' ? s.pa.free(v) : o.call === 'contig' ? s.pa.allocContig(v) : o.call === 'cpu' ? s.pa.alloc(0, { cpu: v }) : s.pa.freeContig(v, 1),
      );
      outs.forEach((r, i) => {
        const side = sides[i]!;
        if (!r.ok) return;
        if (o.call === 'free' || o.call === 'freeContig') {
          const e = side.live.get(0);
          if (!Object.is(v, -0) || !e || e.contig !== (o.call === 'freeContig') || (o.call === 'freeContig' && e.pages !== 1)) fail(`${what}: a hostile free was accepted`);
          side.remove(0); // -0 reads as 0
          return;
        }
        // alloc without options allocates unmovable.
        if (typeof r.value === 'number') side.add(r.value, o.call === 'contig' ? v : o.call === 'alloc' ? 2 ** v : 1, o.call === 'contig', o.call !== 'contig', what);
      });
    }
    // -0 reads as 0, which may be live in one design and not the other: each checks its own model.
    if (!(o.k === 'hostile' && Object.is(o.value, -0))) agree(what, outs[0]!, outs[1]!, () => true);
    checkSides(what, sides);
  }
  return calls;
}

/** Free blocks of `order` or larger in the zone (per-CPU caches aside). */
function blocksAtLeast(pa: PageAllocator, order: number): number {
  return pa.buddyinfo().reduce((n, count, o) => (o >= order ? n + count : n), 0);
}

/**
 * An allocation may fail only when no free block of its order or larger existed and none does
 * after the caches drained — with gigablocks exactly as without (an unmovable request's
 * evacuation must not use up the block that could serve it: issue 16, defect 7).
 */
function refusedOnlyWithoutRoom(what: string, s: Side, order: number, servable: boolean): void {
  const cached = s.pa.stats().pcp.cachedPages;
  if (servable || cached > 0 || blocksAtLeast(s.pa, order) > 0) fail(`${what}: refused with a block of order >= ${order} free before (${servable}), ${cached} pages cached after`);
}

function checkSides(what: string, sides: readonly Side[]): void {
  checked(what, ...sides.map((s) => () => s.pa.check()));
  for (const s of sides) {
    const used = [...s.live.values()].reduce((n, e) => n + e.pages, 0);
    const st = s.pa.stats() as unknown as { freePages: number; pcp: { cachedPages: number } };
    if (st.freePages + st.pcp.cachedPages + used !== PAGES) fail(`${what}: ${st.freePages} free + ${st.pcp.cachedPages} cached + ${used} live != ${PAGES} pages`);
    if (s.pa.gigablocks) checkTaint(what, s, st.pcp.cachedPages);
  }
}

/** stats().gigablocks.tainted against the gigablocks where the model holds fixed pages. */
function checkTaint(what: string, s: Side, cached: number): void {
  const held = new Set<number>();
  for (const [pfn, e] of s.live) if (e.fixed) held.add(pfn >>> GIGABLOCK_ORDER);
  const { tainted } = s.pa.stats().gigablocks;
  if (cached === 0 ? tainted !== held.size : tainted < held.size || tainted > held.size + cached) {
    fail(`${what}: ${tainted} gigablocks tainted; the model's fixed pages taint ${held.size}, ${cached} pages cached`);
  }
}

export const pageTarget: Target<Op> = { name: 'page', op, run: (ops) => run(ops, ops.length % 2 === 0) };
