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
export class ZoneTraffic {
    zone;
    /** Blocks taken from or returned to the zone. */
    blocks = 0;
    /** Buddy merges done by the zone while taking blocks back. */
    merges = 0;
    lockedAt = -1;
    constructor(zone) {
        this.zone = zone;
    }
    lock() {
        this.lockedAt = this.zone.lockAcquisitions;
    }
    unlock() {
        this.zone.lockAcquisitions = this.lockedAt + 1;
        this.lockedAt = -1;
    }
    /** __rmqueue for a caller: a block of `order` for `mt`, or -1. */
    take(order, mt) {
        const pfn = this.zone.take(order, mt);
        if (pfn >= 0)
            this.blocks++;
        return pfn;
    }
    /** Frees a caller's block straight to the zone. */
    put(pfn) {
        const order = this.zone.orderOf(pfn);
        this.zone.put(pfn);
        this.blocks++;
        this.countMerges(pfn, order);
    }
    /** __rmqueue for a cache: the block is held by the layer. */
    takeHeld(order, mt) {
        const pfn = this.take(order, mt);
        if (pfn >= 0) {
            this.zone.holdAllocated(pfn);
            this.zone.pcpPages += 1 << order;
        }
        return pfn;
    }
    /** Takes the zone's free block at `head` into a cache (a refill that picks its block). */
    holdFree(head) {
        const order = this.zone.orderOf(head);
        this.zone.holdFree(head);
        this.zone.pagesMoved += 1 << order;
        this.zone.pcpPages += 1 << order;
        this.blocks++;
        return order;
    }
    /** Returns a held block to the zone's free lists, merging there. */
    release(pfn, order) {
        this.zone.releaseRange(pfn, pfn + (1 << order));
        this.zone.pcpPages -= 1 << order;
        this.blocks++;
        this.countMerges(pfn, order);
    }
    /** A caller's block freed into a cache (no zone lock). */
    holdFreed(pfn) {
        this.zone.holdAllocated(pfn);
        this.zone.pcpPages += 1 << this.zone.orderOf(pfn);
    }
    /** A cached block handed to a caller as migratetype `mt` (no zone lock). */
    give(pfn, order, mt) {
        this.zone.assignHeld(pfn, order, mt);
        this.zone.pcpPages -= 1 << order;
    }
    countMerges(pfn, order) {
        this.merges += this.zone.orderOf(this.zone.blockStart(pfn)) - order;
    }
}
//# sourceMappingURL=zone-traffic.js.map