import { startHigh, type PcpTuning } from './tuning.ts';

/** PAGE_ALLOC_COSTLY_ORDER: orders 0..3 are cached, plus the pageblock (THP) order. */
export const COSTLY_ORDER = 3;
/** CONFIG_PCP_BATCH_SCALE_MAX (default 5): batches scale up to batch << 5. */
export const BATCH_SCALE_MAX = 5;

// pcp->flags
const PREV_FREE_HIGH_ORDER = 1;
const FREE_HIGH_BATCH = 2;

/**
 * How much a per-CPU cache moves and holds, as Linux 6.18 sizes struct per_cpu_pages
 * (mm/page_alloc.c). Both the classic lists and the pcp buddy follow it: the pcp buddy RFC
 * patches the same per_cpu_pages (it keeps high, batch and free_count and adds owned_blocks
 * after them) and changes what a refill takes and a drain gives back, not how many pages.
 * This keeps the numbers only; the caller owns the lists and its page count.
 *
 *   per CPU: high (tuned in [highMin, highMax]), alloc_factor, free_count, flags; per zone: ZONE_BELOW_HIGH
 *
 * alloc (rmqueue_pcplist): free_count halves (a bulk allocation leaves it). refill
 * (nr_pcp_alloc): batch << alloc_factor pages for order 0 (alloc_factor grows by one per refill
 * without a free between, up to BATCH_SCALE_MAX, capped so the CPU stays below high), batch
 * pages' worth for higher orders, at least 2 blocks; with auto-tuning a refill also raises high
 * by that batch (up to highMax) unless the zone is below its high watermark.
 *
 * free (free_frozen_page_commit): alloc_factor halves, free_count counts the freed pages (up to
 * batch << BATCH_SCALE_MAX); when count >= nr_pcp_high() the CPU returns nr_pcp_free() pages —
 * free_count clamped to [batch, high - batch], or up to batch << 5 when high-order pages are
 * freed in a row without allocations (free_high). nr_pcp_high() raises high to hold
 * free_count + batch when a CPU keeps freeing, and shrinks it when the zone is below its high
 * watermark.
 *
 * decay (decay_pcp_high, every second from vmstat_update): high drops by an eighth (not below
 * count - (batch << 5) or highMin) and the pages above it are drained.
 */
export class PcpSizing {
  readonly batch: number;
  readonly highMin: number;
  readonly highMax: number;
  private readonly highWatermark: number;
  /** pcp->high, alloc_factor, free_count and flags of each CPU. */
  private readonly cpuHigh: Int32Array;
  private readonly allocFactor: Int8Array;
  private readonly freeCount: Int32Array;
  private readonly flags: Uint8Array;
  /** ZONE_BELOW_HIGH: the zone's free pages fell to its high watermark. */
  private belowHigh = false;

  constructor(tuning: PcpTuning) {
    this.batch = tuning.batch;
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

  /** pcp->high of `cpu` now. */
  highOf(cpu: number): number {
    return this.cpuHigh[cpu]!;
  }

  /** get_page_from_freelist's watermark check: sets ZONE_BELOW_HIGH once the zone's free pages fall to it. */
  checkWatermark(zoneFreePages: number): void {
    if (!this.belowHigh && zoneFreePages <= this.highWatermark) this.belowHigh = true;
  }

  /** rmqueue_pcplist: an allocation from `cpu`'s lists halves free_count (alloc_pages_bulk does not). */
  allocating(cpu: number, bulk: boolean): void {
    if (!bulk) this.freeCount[cpu]! >>= 1;
  }

  /** nr_pcp_alloc: blocks of `order` the next refill of `cpu`, which holds `count` pages, takes. */
  refillBlocks(cpu: number, order: number, count: number): number {
    const base = this.batch;
    let high = this.clampHigh(cpu);
    if (high < base) return 1;
    let batch = order === 0 ? base << this.allocFactor[cpu]! : base;
    if (this.highMin !== this.highMax && !this.belowHigh) high = this.cpuHigh[cpu] = Math.min(high + batch, this.highMax);
    if (order === 0) {
      const maxAlloc = Math.max(high - count - base, base);
      if (batch <= maxAlloc && this.allocFactor[cpu]! < BATCH_SCALE_MAX) this.allocFactor[cpu]!++;
      batch = Math.min(batch, maxAlloc);
    }
    return batch > 1 ? Math.max(batch >> order, 2) : batch;
  }

  /**
   * A block of `order` freed onto `cpu`'s lists, which now hold `count` pages (the block
   * included): the pages to drain now (nr_pcp_free when count reached nr_pcp_high), or 0.
   */
  freed(cpu: number, order: number, count: number): number {
    this.allocFactor[cpu]! >>= 1;
    let freeHigh = false;
    const flags = this.flags[cpu]!;
    if (order > 0 && order <= COSTLY_ORDER) {
      freeHigh = this.freeCount[cpu]! >= this.batch + (this.highMin >> 1) && (flags & PREV_FREE_HIGH_ORDER) !== 0 &&
        ((flags & FREE_HIGH_BATCH) === 0 || count >= this.batch);
      this.flags[cpu] = flags | PREV_FREE_HIGH_ORDER;
    } else this.flags[cpu] = flags & ~PREV_FREE_HIGH_ORDER;
    if (this.freeCount[cpu]! < this.batch << BATCH_SCALE_MAX) this.freeCount[cpu]! += 1 << order;
    const high = this.nrPcpHigh(cpu, freeHigh, count);
    return count >= high ? this.nrPcpFree(cpu, high, freeHigh, count) : 0;
  }

  /** After a drain over high: ZONE_BELOW_HIGH clears once the zone is above its watermark again. */
  drained(zoneFreePages: number): void {
    if (this.belowHigh && zoneFreePages > this.highWatermark) this.belowHigh = false;
  }

  /** decay_pcp_high of `cpu`, which holds `count` pages: the pages above its new high, to drain. */
  decay(cpu: number, count: number): number {
    const high = this.cpuHigh[cpu]!;
    if (high > this.highMin) {
      this.cpuHigh[cpu] = Math.max(count - (this.batch << BATCH_SCALE_MAX), high - (high >> 3), this.highMin);
    }
    return Math.max(0, count - this.cpuHigh[cpu]!);
  }

  /** `cpu` as after a quiet spell (alloc_factor and free_count 0), its high `high` when given. */
  rest(cpu: number, high: number | undefined): void {
    this.allocFactor[cpu] = 0;
    this.freeCount[cpu] = 0;
    this.flags[cpu] = FREE_HIGH_BATCH;
    if (high !== undefined) this.cpuHigh[cpu] = high;
  }

  /** nr_pcp_high: the count at which a free drains (0: drain now), retuning pcp->high. */
  private nrPcpHigh(cpu: number, freeHigh: boolean, count: number): number {
    const batch = this.batch;
    const high = this.clampHigh(cpu);
    if (high === 0) return 0;
    if (freeHigh) {
      this.cpuHigh[cpu] = Math.max(high - (batch << BATCH_SCALE_MAX), this.highMin);
      return 0;
    }
    if (this.highMin === this.highMax) return high;
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
  private nrPcpFree(cpu: number, high: number, freeHigh: boolean, count: number): number {
    const batch = this.batch;
    if (freeHigh) return Math.min(count, batch << BATCH_SCALE_MAX);
    if (high < batch) return 1;
    // Leave at least a batch; the more was freed in a row, the more goes back at once.
    return Math.max(batch, Math.min(this.freeCount[cpu]!, high - batch));
  }

  private clampHigh(cpu: number): number {
    const high = Math.min(Math.max(this.cpuHigh[cpu]!, this.highMin), this.highMax);
    this.cpuHigh[cpu] = high;
    return high;
  }
}
