import type { MigrateHook } from './compaction.ts';
import type { Zone } from './zone.ts';
export interface ContigRequest {
    nrPages: number;
    align: number;
    offset: number;
    start: number;
    end: number;
}
export interface ContigResult {
    /** First pfn of the range, or -1. */
    pfn: number;
    /** Blocks migrated out of the window. */
    migrated: number;
    /** Candidate windows judged. */
    windows: number;
}
/**
 * Contiguous allocation of any size (alloc_memarea's "unlimited size" with its planned
 * alignment and offset, done the alloc_contig_range way: isolate, migrate, take).
 *
 * Windows are [w, w + n) with w % align === offset inside [start, end), tried lowest first.
 * A window is usable when
 *   (a) nothing in it is unmovable, reclaimable, pinned (movable without onMigrate) or already
 *       a contiguous range, and
 *   (b) the movable blocks that intersect it fit, largest first, into the free blocks outside
 *       it (the buddy allocator serving them finds a block whenever one is free, and for
 *       power-of-two sizes taken largest first any placement is as good as any other).
 * The first usable window is taken; allocation fails only when no window is usable.
 *
 * Cost: (a) uses the per-pageblock counters, so a pageblock wholly inside a window is judged in
 * O(1); only pageblocks cut by a window's ends, or holding an obstacle, are walked block by block
 * (at most 2^pageblockOrder steps each). The range already known clean is remembered between
 * windows, so (a) over the whole search costs O(P / 2^pageblockOrder + obstacles x
 * 2^pageblockOrder) for a zone of P pages, growing linearly with zone size in pageblocks, not
 * pages. (b) walks the blocks of a window that passed (a): O(n / mean block size) per such
 * window; windows failing (b) (memory too full to move their contents) repeat it.
 */
export declare function allocContigRange(zone: Zone, migrate: MigrateHook | undefined, req: ContigRequest): ContigResult;
