import { NR_TYPES } from '../migratetype.ts';
import type { Zone } from '../zone.ts';
import { PerCpuCache } from './per-cpu-cache.ts';
import { COSTLY_ORDER } from './sizing.ts';
import type { PcpTuning } from './tuning.ts';

/**
 * pcp: 'classic' — the kernel's per-CPU page lists (struct per_cpu_pages) as Linux 6.18 runs
 * them (mm/page_alloc.c).
 *
 *   CPU c:  [order 0: U M R] [order 1: U M R] [order 2: U M R] [order 3: U M R] [pageblock order: U M R]
 *            count, high (tuned in [high_min, high_max]), batch, alloc_factor, free_count, flags
 *
 * alloc (rmqueue_pcplist): takes the first block of the (order, migratetype) list; an empty list
 * is refilled first by rmqueue_bulk under one zone-lock acquisition with nr_pcp_alloc() blocks.
 * free (free_frozen_page_commit): lists the block at the head and, when the count reaches
 * nr_pcp_high(), returns nr_pcp_free() pages from the list tails starting at the freed block's
 * list. decay drains the pages above a decayed high. How many pages each of these moves, and
 * the tuning of high, are 6.18's rules in PcpSizing (pcp/sizing.ts), shared with the pcp buddy.
 * Orders that are not cached go straight to the zone. When the zone cannot serve, every CPU is
 * drained (drain_all_pages) and the request is retried on the zone.
 */
export class ClassicPcp extends PerCpuCache {
  readonly design = 'classic' as const;
  /** Order -> its list group (slot / NR_TYPES), or -1 when the order is not cached. */
  private readonly groupOf: Int8Array;
  private readonly orders: number[];

  constructor(zone: Zone, tuning: PcpTuning) {
    const orders: number[] = [];
    for (let o = 0; o <= Math.min(COSTLY_ORDER, zone.maxOrder); o++) orders.push(o);
    if (zone.pageblockOrder > COSTLY_ORDER) orders.push(zone.pageblockOrder);
    const slots = orders.length * NR_TYPES;
    super(zone, tuning, slots, Array.from({ length: slots }, (_, s) => s), false);
    this.orders = orders;
    this.groupOf = new Int8Array(zone.maxOrder + 1).fill(-1);
    orders.forEach((o, group) => (this.groupOf[o] = group));
  }

  alloc(order: number, mt: number, cpu: number, bulk = false): number {
    this.sizing.checkWatermark(this.zone.freePages);
    const group = this.groupOf[order]!;
    if (group < 0) return this.takeDirect(order, mt, cpu);
    this.sizing.allocating(cpu, bulk);
    const slot = group * NR_TYPES + mt;
    const list = cpu * this.slots + slot;
    if (this.lists.length[list] === 0 && this.takeBulk(cpu, order, mt, this.sizing.refillBlocks(cpu, order, this.count[cpu]!)) === 0) return this.reclaim(order, mt, cpu);
    const pfn = this.lists.first(list);
    this.uncache(pfn, order);
    this.traffic.give(pfn, order, mt);
    return pfn;
  }

  free(pfn: number, cpu: number): void {
    const order = this.zone.orderOf(pfn);
    const group = this.groupOf[order]!;
    if (group < 0) {
      this.traffic.put(pfn);
      return;
    }
    const mt = this.zone.pbType[pfn >>> this.zone.pageblockOrder]!; // the list: its pageblock's type
    this.recount(pfn, 1 << order, this.zone.allocTypeOf(pfn), mt);
    const slot = group * NR_TYPES + mt;
    this.traffic.holdFreed(pfn);
    this.cache(cpu, slot, pfn, order, false);
    this.drainOver(cpu, this.sizing.freed(cpu, order, this.count[cpu]!), slot);
  }

  /**
   * A warm start of `cpu`: its tuning state as after a quiet spell (PcpSizing.rest), then up to
   * `blocks` blocks of `order` for `mt` from the zone on its list, as if freed there before (each
   * list filled under one lock acquisition, counted like a refill). Returns the blocks cached.
   */
  warm(cpu: number, high: number | undefined, order: number, mt: number, blocks: number): number {
    this.sizing.rest(cpu, high);
    const group = this.groupOf[order]!;
    if (group < 0 || blocks <= 0) return 0;
    return this.takeBulk(cpu, order, mt, blocks);
  }

  protected placeTaken(cpu: number, pfn: number, order: number, mt: number): void {
    this.cache(cpu, this.groupOf[order]! * NR_TYPES + mt, pfn, order, true);
  }

  protected reclaim(order: number, mt: number, _cpu: number): number {
    if (this.zone.pcpPages === 0) return -1;
    this.drain(-1);
    return this.traffic.take(order, mt);
  }

  protected slotOrder(slot: number): number {
    return this.orders[Math.floor(slot / NR_TYPES)]!;
  }

  protected checkDesign(): void {}
}
