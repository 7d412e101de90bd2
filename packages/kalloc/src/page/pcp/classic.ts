import { NR_TYPES } from '../migratetype.ts';
import type { Zone } from '../zone.ts';
import { PerCpuCache } from './per-cpu-cache.ts';
import type { PcpTuning } from './tuning.ts';

/** PAGE_ALLOC_COSTLY_ORDER: orders 0..3 are cached, plus the pageblock (THP) order. */
export const COSTLY_ORDER = 3;

/**
 * pcp: 'classic' — the kernel's per-CPU page lists (struct per_cpu_pages).
 *
 *   CPU c:  [order 0: U M R] [order 1: U M R] [order 2: U M R] [order 3: U M R] [pageblock order: U M R]
 *            count (pages on all its lists), high, batch
 *
 * alloc (rmqueue_pcplist): the first block of the (order, migratetype) list; an empty list is
 * refilled first by rmqueue_bulk, `batch` pages' worth of blocks (max(batch >> order, 2) for
 * order > 0) taken one by one with __rmqueue's fallbacks under one zone-lock acquisition, added
 * at the tail. free: to the freeing CPU's own list of the block's pageblock type, at the head;
 * when that pushes the CPU's count over `high`, free_pcppages_bulk returns `batch` pages from
 * the list tails, rotating through the lists, under one acquisition (merging in the zone).
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
    super(zone, tuning, slots, Array.from({ length: slots }, (_, s) => s), true);
    this.orders = orders;
    this.groupOf = new Int8Array(zone.maxOrder + 1).fill(-1);
    orders.forEach((o, group) => (this.groupOf[o] = group));
  }

  alloc(order: number, mt: number, cpu: number): number {
    const group = this.groupOf[order]!;
    if (group < 0) return this.takeDirect(order, mt, cpu);
    const slot = group * NR_TYPES + mt;
    const list = cpu * this.slots + slot;
    if (this.lists.length[list] === 0 && !this.refill(cpu, slot, order, mt)) return this.reclaim(order, mt, cpu);
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
    this.traffic.holdFreed(pfn);
    this.cache(cpu, group * NR_TYPES + mt, pfn, order, false);
    if (this.count[cpu]! > this.high) this.drainPages(cpu, this.batch);
  }

  /** rmqueue_bulk: false when the zone had no block at all. */
  private refill(cpu: number, slot: number, order: number, mt: number): boolean {
    const blocks = order === 0 ? this.batch : Math.max(this.batch >>> order, 2);
    this.traffic.lock();
    let got = 0;
    for (; got < blocks; got++) {
      const pfn = this.traffic.takeHeld(order, mt);
      if (pfn < 0) break;
      this.cache(cpu, slot, pfn, order, true);
    }
    this.traffic.unlock();
    this.refills++;
    this.refillPages[3]! += got << order;
    return got > 0;
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
