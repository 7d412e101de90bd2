/**
 * The per-CPU layer: every alloc and free of the PageAllocator goes through one. CPUs are
 * simulated in one thread; `cpu` names whose cache serves the call. A layer may hold pages
 * (allocated from the zone's point of view, HELD in the page metadata, counted in
 * zone.pcpPages) and gives them back on drain().
 *
 * Designs: 'none' (straight to the zone, one zone-lock acquisition per call), 'classic'
 * (pcp/classic.ts: per-CPU lists of order 0-3 and pageblock-order blocks, batch refill and
 * drain) and 'buddy' (pcp/buddy.ts: the 2026 pcp buddy RFC, CPUs own whole pageblocks and frees
 * route to the owner). See docs/page-allocator.md, "Per-CPU caches".
 */
export type PcpDesign = 'none' | 'classic' | 'buddy';

export const PCP_DESIGNS: readonly PcpDesign[] = ['none', 'classic', 'buddy'];

/** stats().pcp: the same figures for every design (0 where a design has no such thing). */
export type PcpStats = {
  design: PcpDesign;
  /** Pages a CPU may cache before a free drains `batch` of them; pages a refill or drain moves. */
  high: number;
  batch: number;
  cachedPages: number;
  cachedPerCpu: number[];
  /** Each CPU's high now (the caches tune it between its bounds; [] without caches). */
  highPerCpu: number[];
  /** Blocks the layer took from or returned to the zone (under the zone lock). */
  zoneBlocks: number;
  /** Buddy merges done under the zone lock (freeing to the zone) and under a CPU's own lock. */
  zoneMerges: number;
  cpuMerges: number;
  /** Frees routed to another CPU (the pcp buddy's owner). */
  remoteFrees: number;
  /** Batches returned to the zone (free_pcppages_bulk): over `high`, drain(), reclaim. */
  drains: number;
  /** Batches taken from the zone (rmqueue_bulk). */
  refills: number;
  /** Pages refills got in each of the pcp buddy's four phases (classic refills are phase 3). */
  refillPages: number[];
  ownedPageblocks: number;
  /** Owned pageblocks that went back to the zone whole, ending their ownership. */
  handovers: number;
};

export interface PerCpuLayer {
  readonly design: PcpDesign;
  /** Pages the layer holds (= zone.pcpPages). */
  readonly cachedPages: number;
  /**
   * A block of `order` for migratetype index `mt` on behalf of `cpu`, or -1. `bulk`: taken as
   * alloc_pages_bulk takes order-0 pages, straight from the list without the allocation-side
   * tuning of a single allocation (the classic layer leaves free_count alone).
   */
  alloc(order: number, mt: number, cpu: number, bulk?: boolean): number;
  /** Frees a block a caller allocated (the façade has validated pfn). */
  free(pfn: number, cpu: number): void;
  /** Returns cached pages of `cpu` (every CPU when cpu is -1) to the zone. */
  drain(cpu: number): void;
  /** Returns the cached blocks that overlap [from, to), on every CPU, to the zone. */
  drainRange(from: number, to: number): void;
  /**
   * Pages in [from, to) were freed or taken in the zone past the layer (compaction, contiguous
   * allocation): the pcp buddy brings its pageblock ownership there up to date.
   */
  zoneChanged(from: number, to: number): void;
  /** decay_pcp_high of `cpu` (the kernel's per-second vmstat refresh); layers without it ignore it. */
  decay?(cpu: number): void;
  /** A warm start of `cpu` (both caches): tuning state reset, high set, up to `blocks` blocks of
   *  `order` for `mt` cached; the blocks cached. */
  warm?(cpu: number, high: number | undefined, order: number, mt: number, blocks: number): number;
  stats(): PcpStats;
  /** The migratetype of the list a cached block (by its first pfn) is on, or -1 when not cached. */
  cachedTypeOf(pfn: number): number;
  /** Verifies the layer's own invariants (ECORRUPT). */
  check(): void;
}
