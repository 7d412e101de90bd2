import { NR_TYPES } from '../migratetype.ts';
import type { Zone } from '../zone.ts';
import { PerCpuCache } from './per-cpu-cache.ts';
import { startHigh, type PcpTuning } from './tuning.ts';

/** PAGE_ALLOC_COSTLY_ORDER: orders 0..3 are cached, plus the pageblock (THP) order. */
export const COSTLY_ORDER = 3;
/** CONFIG_PCP_BATCH_SCALE_MAX (default 5): batches scale up to batch << 5. */
export const BATCH_SCALE_MAX = 5;

// pcp->flags
const PREV_FREE_HIGH_ORDER = 1;
const FREE_HIGH_BATCH = 2;

/**
 * pcp: 'classic' — the kernel's per-CPU page lists (struct per_cpu_pages) as Linux 6.18 runs
 * them (mm/page_alloc.c).
 *
 *   CPU c:  [order 0: U M R] [order 1: U M R] [order 2: U M R] [order 3: U M R] [pageblock order: U M R]
 *            count, high (tuned in [high_min, high_max]), batch, alloc_factor, free_count, flags
 *
 * alloc (rmqueue_pcplist): halves free_count (a bulk allocation does not), then takes the first block of the (order,
 * migratetype) list; an empty list is refilled first by rmqueue_bulk under one zone-lock
 * acquisition with nr_pcp_alloc() blocks: batch << alloc_factor pages for order 0 (alloc_factor
 * grows by one per refill without a free between, up to BATCH_SCALE_MAX, capped so the CPU stays
 * below high), batch pages' worth for higher orders, at least 2 blocks; with auto-tuning a
 * refill also raises high by that batch (up to high_max) unless the zone is below its high
 * watermark.
 *
 * free (free_frozen_page_commit): halves alloc_factor, lists the block at the head, counts the
 * freed pages in free_count (up to batch << BATCH_SCALE_MAX), and when count >= nr_pcp_high()
 * returns nr_pcp_free() pages — free_count clamped to [batch, high - batch], or everything up to
 * batch << 5 when high-order pages are freed in a row without allocations (free_high) — from the
 * list tails starting at the freed block's list. nr_pcp_high() raises high to hold free_count +
 * batch when a CPU keeps freeing, and shrinks it when the zone is below its high watermark.
 *
 * decay (decay_pcp_high, every second from vmstat_update): high drops by an eighth (not below
 * count - (batch << 5) or high_min) and the pages above it are drained. Orders that are not
 * cached go straight to the zone. When the zone cannot serve, every CPU is drained
 * (drain_all_pages) and the request is retried on the zone.
 */
export class ClassicPcp extends PerCpuCache {
  readonly design = 'classic' as const;
  /** Order -> its list group (slot / NR_TYPES), or -1 when the order is not cached. */
  private readonly groupOf: Int8Array;
  private readonly orders: number[];
  private readonly highMin: number;
  private readonly highMax: number;
  private readonly highWatermark: number;
  /** pcp->high, alloc_factor, free_count and flags of each CPU. */
  private readonly cpuHigh: Int32Array;
  private readonly allocFactor: Int8Array;
  private readonly freeCount: Int32Array;
  private readonly flags: Uint8Array;
  /** ZONE_BELOW_HIGH: the zone's free pages fell to its high watermark. */
  private belowHigh = false;

  constructor(zone: Zone, tuning: PcpTuning) {
    const orders: number[] = [];
    for (let o = 0; o <= Math.min(COSTLY_ORDER, zone.maxOrder); o++) orders.push(o);
    if (zone.pageblockOrder > COSTLY_ORDER) orders.push(zone.pageblockOrder);
    const slots = orders.length * NR_TYPES;
    super(zone, tuning, slots, Array.from({ length: slots }, (_, s) => s), false);
    this.orders = orders;
    this.groupOf = new Int8Array(zone.maxOrder + 1).fill(-1);
    orders.forEach((o, group) => (this.groupOf[o] = group));
    this.cpuHigh = Int32Array.from({ length: tuning.cpus }, (_, cpu) => startHigh(tuning, cpu));
    this.highMin = tuning.highMin ?? Math.min(...this.cpuHigh);
    this.highMax = tuning.highMax ?? Math.max(this.highMin, ...this.cpuHigh);
    this.highWatermark = tuning.highWatermark ?? 0;
    this.allocFactor = new Int8Array(tuning.cpus);
    this.freeCount = new Int32Array(tuning.cpus);
    // PCPF_FREE_HIGH_BATCH: set when a CPU's share of the data cache exceeds 3 batches (any
    // server CPU with a batch of 63).
    this.flags = new Uint8Array(tuning.cpus).fill(FREE_HIGH_BATCH);
  }

  alloc(order: number, mt: number, cpu: number, bulk = false): number {
    this.checkWatermark();
    const group = this.groupOf[order]!;
    if (group < 0) return this.takeDirect(order, mt, cpu);
    if (!bulk) this.freeCount[cpu]! >>= 1; // rmqueue_pcplist; alloc_pages_bulk does not
    const slot = group * NR_TYPES + mt;
    const list = cpu * this.slots + slot;
    if (this.lists.length[list] === 0 && !this.refill(cpu, slot, order, mt, this.nrPcpAlloc(cpu, order))) return this.reclaim(order, mt, cpu);
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
    this.allocFactor[cpu]! >>= 1;
    const mt = this.zone.pbType[pfn >>> this.zone.pageblockOrder]!; // the list: its pageblock's type
    this.recount(pfn, 1 << order, this.zone.allocTypeOf(pfn), mt);
    const slot = group * NR_TYPES + mt;
    this.traffic.holdFreed(pfn);
    this.cache(cpu, slot, pfn, order, false);
    let freeHigh = false;
    const flags = this.flags[cpu]!;
    if (order > 0 && order <= COSTLY_ORDER) {
      freeHigh = this.freeCount[cpu]! >= this.batch + (this.highMin >> 1) && (flags & PREV_FREE_HIGH_ORDER) !== 0 &&
        ((flags & FREE_HIGH_BATCH) === 0 || this.count[cpu]! >= this.batch);
      this.flags[cpu] = flags | PREV_FREE_HIGH_ORDER;
    } else this.flags[cpu] = flags & ~PREV_FREE_HIGH_ORDER;
    if (this.freeCount[cpu]! < this.batch << BATCH_SCALE_MAX) this.freeCount[cpu]! += 1 << order;
    const high = this.nrPcpHigh(cpu, freeHigh);
    if (this.count[cpu]! >= high) {
      this.drainPages(cpu, this.nrPcpFree(cpu, high, freeHigh), slot);
      if (this.belowHigh && this.zone.freePages > this.highWatermark) this.belowHigh = false;
    }
  }

  /** decay_pcp_high: the kernel's per-second vmstat refresh of one CPU's cache. */
  decay(cpu: number): void {
    const high = this.cpuHigh[cpu]!;
    if (high > this.highMin) {
      this.cpuHigh[cpu] = Math.max(this.count[cpu]! - (this.batch << BATCH_SCALE_MAX), high - (high >> 3), this.highMin);
    }
    const excess = this.count[cpu]! - this.cpuHigh[cpu]!;
    if (excess > 0) this.drainPages(cpu, excess, 0);
  }

  /**
   * A warm start of `cpu`: its tuning state as after a quiet spell (alloc_factor and free_count
   * 0, high = `high` when given), then up to `blocks` blocks of `order` for `mt` from the zone on
   * its list, as if freed there before (each list filled under one lock acquisition, counted
   * like a refill). Returns the blocks cached.
   */
  warm(cpu: number, high: number | undefined, order: number, mt: number, blocks: number): number {
    this.allocFactor[cpu] = 0;
    this.freeCount[cpu] = 0;
    this.flags[cpu] = FREE_HIGH_BATCH;
    if (high !== undefined) this.cpuHigh[cpu] = high;
    const group = this.groupOf[order]!;
    if (group < 0 || blocks <= 0) return 0;
    const list = cpu * this.slots + group * NR_TYPES + mt;
    const before = this.lists.length[list]!;
    this.refill(cpu, group * NR_TYPES + mt, order, mt, blocks);
    return this.lists.length[list]! - before;
  }

  /** get_page_from_freelist's watermark check: sets ZONE_BELOW_HIGH once free pages fall to it. */
  private checkWatermark(): void {
    if (!this.belowHigh && this.zone.freePages <= this.highWatermark) this.belowHigh = true;
  }

  /** nr_pcp_alloc: blocks of `order` the next refill of `cpu` takes. */
  private nrPcpAlloc(cpu: number, order: number): number {
    const base = this.batch;
    let high = this.clampHigh(cpu);
    if (high < base) return 1;
    let batch = order === 0 ? base << this.allocFactor[cpu]! : base;
    if (this.highMin !== this.highMax && !this.belowHigh) high = this.cpuHigh[cpu] = Math.min(high + batch, this.highMax);
    if (order === 0) {
      const maxAlloc = Math.max(high - this.count[cpu]! - base, base);
      if (batch <= maxAlloc && this.allocFactor[cpu]! < BATCH_SCALE_MAX) this.allocFactor[cpu]!++;
      batch = Math.min(batch, maxAlloc);
    }
    return batch > 1 ? Math.max(batch >> order, 2) : batch;
  }

  /** nr_pcp_high: the count at which a free drains (0: drain now), retuning pcp->high. */
  private nrPcpHigh(cpu: number, freeHigh: boolean): number {
    const batch = this.batch;
    const high = this.clampHigh(cpu);
    if (high === 0) return 0;
    if (freeHigh) {
      this.cpuHigh[cpu] = Math.max(high - (batch << BATCH_SCALE_MAX), this.highMin);
      return 0;
    }
    if (this.highMin === this.highMax) return high;
    const count = this.count[cpu]!;
    if (this.belowHigh) {
      this.cpuHigh[cpu] = Math.max(high - Math.max(this.freeCount[cpu]!, batch), this.highMin);
      return Math.max(count, this.highMin);
    }
    if (count >= high) {
      const need = this.freeCount[cpu]! + batch; // room to hold a batch of freed pages
      if (high < need) this.cpuHigh[cpu] = Math.min(Math.max(need, this.highMin), this.highMax);
    }
    return high;
  }

  /** nr_pcp_free: pages a drain over high returns. */
  private nrPcpFree(cpu: number, high: number, freeHigh: boolean): number {
    const batch = this.batch;
    if (freeHigh) return Math.min(this.count[cpu]!, batch << BATCH_SCALE_MAX);
    if (high < batch) return 1;
    // Leave at least a batch; the more was freed in a row, the more goes back at once.
    return Math.max(batch, Math.min(this.freeCount[cpu]!, high - batch));
  }

  private clampHigh(cpu: number): number {
    const high = Math.min(Math.max(this.cpuHigh[cpu]!, this.highMin), this.highMax);
    this.cpuHigh[cpu] = high;
    return high;
  }

  /** rmqueue_bulk: `blocks` blocks of `order` under one acquisition; false when the zone had none. */
  private refill(cpu: number, slot: number, order: number, mt: number, blocks: number): boolean {
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

  protected override highOf(cpu: number): number {
    return this.cpuHigh[cpu]!;
  }

  protected checkDesign(): void {}
}
