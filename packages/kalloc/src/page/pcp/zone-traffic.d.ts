import type { Zone } from '../zone.ts';
/**
 * Everything a per-CPU layer does to the zone, counted exactly. The zone counts one lock
 * acquisition per take()/put()/releaseRange() and the pages each moves; the kernel takes
 * zone->lock once for a whole refill (rmqueue_bulk) or drain (free_pcppages_bulk), so a layer
 * brackets such a batch with lock()/unlock() and the batch counts as one acquisition.
 *
 * On top of the zone's counts this adds the blocks moved under the lock and the buddy merges
 * done there (a freed block of order k that ends up in a free block of order k' merged k' - k
 * times), and keeps zone.pcpPages equal to the pages the layer holds.
 */
export declare class ZoneTraffic {
    readonly zone: Zone;
    /** Blocks taken from or returned to the zone. */
    blocks: number;
    /** Buddy merges done by the zone while taking blocks back. */
    merges: number;
    private lockedAt;
    constructor(zone: Zone);
    lock(): void;
    unlock(): void;
    /** __rmqueue for a caller: a block of `order` for `mt`, or -1. */
    take(order: number, mt: number): number;
    /** Frees a caller's block straight to the zone. */
    put(pfn: number): void;
    /** __rmqueue for a cache: the block is held by the layer. */
    takeHeld(order: number, mt: number): number;
    /** Takes the zone's free block at `head` into a cache (a refill that picks its block). */
    holdFree(head: number): number;
    /** Returns a held block to the zone's free lists, merging there. */
    release(pfn: number, order: number): void;
    /** A caller's block freed into a cache (no zone lock). */
    holdFreed(pfn: number): void;
    /** A cached block handed to a caller as migratetype `mt` (no zone lock). */
    give(pfn: number, order: number, mt: number): void;
    private countMerges;
}
