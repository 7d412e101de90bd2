import type { Zone } from '../zone.ts';
import { PerCpuCache } from './per-cpu-cache.ts';
import type { PcpTuning } from './tuning.ts';
/** PAGE_ALLOC_COSTLY_ORDER: orders 0..3 are cached, plus the pageblock (THP) order. */
export declare const COSTLY_ORDER = 3;
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
export declare class ClassicPcp extends PerCpuCache {
    readonly design: "classic";
    /** Order -> its list group (slot / NR_TYPES), or -1 when the order is not cached. */
    private readonly groupOf;
    private readonly orders;
    constructor(zone: Zone, tuning: PcpTuning);
    alloc(order: number, mt: number, cpu: number): number;
    free(pfn: number, cpu: number): void;
    /** rmqueue_bulk: false when the zone had no block at all. */
    private refill;
    protected reclaim(order: number, mt: number, _cpu: number): number;
    protected slotOrder(slot: number): number;
    protected checkDesign(): void;
}
