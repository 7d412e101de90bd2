import type { MigrateHook } from '../compaction.ts';
import type { GigablockIndex } from './index.ts';
import type { Zone } from '../zone.ts';
/**
 * Evacuation for unmovable and reclaimable allocations (the RFC's v2 17/40: "unmovable/reclaimable
 * allocations evacuate movable pages from tainted SPBs"): when no tainted gigablock has a free
 * block for the request, make one there by migrating movable blocks out, rather than taint a clean
 * gigablock.
 *
 * The pageblock evacuated is, among the full pageblocks of tainted gigablocks holding movable
 * pages, the one with the most free + movable pages (at least 2^order, ties to the lowest): it
 * gives the largest free space for the fewest fixed pages in the way. Its free blocks are held
 * first so no migrated block lands back in it; each movable block then moves through
 * zone.take(order, MOVABLE) — which the placement policy sends to the fullest clean gigablock —
 * and what was held is freed, merging with the space the movers left.
 *
 * Returns true when at least one block moved. Cost: one counter read per pageblock of each
 * tainted gigablock, plus the evacuated pageblock's blocks.
 */
export declare function evacuateTainted(zone: Zone, index: GigablockIndex, migrate: MigrateHook, order: number): boolean;
